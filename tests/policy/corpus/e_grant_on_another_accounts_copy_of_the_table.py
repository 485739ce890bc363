"""A grant on "our" table, computed from the table's ARN output: the same name in another account
(a DynamoDB resource policy there could let the integration role in). On a first deploy the ARN,
and so the whole document, is unknown at preview; once known, the stack rules and their
resource-level twin see the other account."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "stack-names-own-resources",
        "RolePolicy 'comments-prod-archive-access' policy statement 0 grants 'arn:aws:dynamodb:us-east-1:444444444444:table/",
    ),
    (
        "stack-iam-targets-own-table",
        "RolePolicy 'comments-prod-archive-access' policy statement 0 names 'arn:aws:dynamodb:us-east-1:444444444444:table/",
    ),
]
EXPECT_PREVIEW = [
    (
        "stack-references-own-resources",
        "RolePolicy 'comments-prod-archive-access' policy is unknown at preview and comes from Table 'comments-prod-table'",
    ),
]


def apply(service: Any) -> None:
    aws.iam.RolePolicy(
        "comments-prod-archive-access",
        role=service.role.name,
        policy=service.table.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "dynamodb:DeleteItem",
                            "Resource": arn.replace(":333333333333:", ":444444444444:"),
                        }
                    ],
                }
            )
        ),
    )
