"""The table's grant put on an existing role by a name computed from the stack's role ("the admin
role needs it too"): the value depends on the stack's Role, so its provenance passes; by value it
names a role outside the stack, which the rule comparing role names refuses as well."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "role=self.role.name,",
        'role=self.role.name.apply(lambda _: "OrganizationAccountAccessRole"),',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "RolePolicy 'comments-prod-integration-access' role is 'OrganizationAccountAccessRole'",
    ),
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-integration-access' is attached to role 'OrganizationAccountAccessRole', which is not a role in this stack",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-api' DELETE /comments calls dynamodb:DeleteItem as role 'comments-prod-integration-role-64b12f4'",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-api' GET /comments calls dynamodb:Query as role 'comments-prod-integration-role-64b12f4'",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-api' POST /comments calls dynamodb:UpdateItem as role 'comments-prod-integration-role-64b12f4'",
    ),
]
