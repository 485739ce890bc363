"""A grant on the table for a role named inside an apply over the API's id: an administrator's
role outside the stack, which would get DeleteItem on the comments. The role input is unknown on
a first deploy; it does not come from a Role of this stack, which the preview sees."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "resource-inputs-reviewed",
        "RolePolicy 'comments-prod-admin-access' role is 'OrganizationAccountAccessRole'",
    ),
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-admin-access' is attached to role 'OrganizationAccountAccessRole', which is not a role in this stack",
    ),
    (
        "stack-references-own-resources",
        "RolePolicy 'comments-prod-admin-access' role is 'OrganizationAccountAccessRole', not taken from a Role of this stack (it comes from RestApi 'comments-prod-api')",
    ),
]
EXPECT_PREVIEW = [
    (
        "stack-account-trusted-role-only-invokes",
        "RolePolicy 'comments-prod-admin-access' role is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-admin-access' role is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-integration-role-grants-table",
        "RolePolicy 'comments-prod-admin-access' role is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-references-own-resources",
        "RolePolicy 'comments-prod-admin-access' role is a value unknown until apply, not taken from a Role of this stack (it comes from RestApi 'comments-prod-api')",
    ),
]


def apply(service: Any) -> None:
    access = service.role_policy
    aws.iam.RolePolicy(
        "comments-prod-admin-access",
        role=service.api.id.apply(lambda _: "OrganizationAccountAccessRole"),
        policy=access.policy,
        opts=pulumi.ResourceOptions(depends_on=[access]),
    )
