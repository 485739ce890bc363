"""The program as it was: the API document built from the integration role's `arn` output, which
is unknown on a first deploy, with the CORS origins widened to any origin in the same change. At
preview the whole document is unknown: every rule that reads it refuses it instead of passing it
(the analyzer alone would say "can't run" and `up` would apply it)."""

CLASS = "e"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "pulumi.Output.all(region.region, self.table.name, integration_role_arn)",
        "pulumi.Output.all(region.region, self.table.name, self.role.arn)",
    ),
    (
        "infra/comments_infra/service.py",
        "cors_allowed_origins=settings.cors_allowed_origins,",
        'cors_allowed_origins=("*",),',
    ),
]
EXPECT = [
    ("apigateway-cors-origin", "RestApi 'comments-prod-api' allows any origin ('*')"),
]
EXPECT_PREVIEW = [
    (
        "dynamodb-ttl-smoke-only",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-write-validation",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-integration-credentials",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-cors-origin",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-iam-authorization",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-names-own-resources",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-iam-targets-own-table",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-api' body is unknown at preview, so this rule cannot check it",
    ),
]
