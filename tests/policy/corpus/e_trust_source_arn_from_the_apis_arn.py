"""A role for API Gateway whose trust condition is computed from the API's execution ARN, with
the account swapped: another account's API could use it. The execution ARN holds the API's id,
drawn at create, so on a first deploy the whole trust document is unknown at preview, and every
rule that reads trust documents refuses it there."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "iam-trust-api-gateway-only",
        "ArnLike aws:SourceArn names account '444444444444'; this stack's account is 333333333333",
    ),
    (
        "iam-trust-api-gateway-only",
        "has no aws:SourceAccount or aws:SourceArn condition naming this stack's account",
    ),
]
EXPECT_PREVIEW = [
    (
        "iam-trust-api-gateway-only",
        "Role 'comments-prod-export-role' assumeRolePolicy is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-account-trusted-role-only-invokes",
        "Role 'comments-prod-export-role' assumeRolePolicy is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-trust-names-own-api",
        "Role 'comments-prod-export-role' assumeRolePolicy is unknown at preview, so this rule cannot check it",
    ),
    (
        "resource-inputs-reviewed",
        "Role 'comments-prod-export-role' assumeRolePolicy is not known until apply",
    ),
]


def apply(service: Any) -> None:
    aws.iam.Role(
        "comments-prod-export-role",
        assume_role_policy=service.api.execution_arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "apigateway.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "ArnLike": {
                                    "aws:SourceArn": arn.replace(":333333333333:", ":444444444444:")
                                    + "/*"
                                }
                            },
                        }
                    ],
                }
            )
        ),
        tags={"project": "comments", "stack": "prod"},
    )
