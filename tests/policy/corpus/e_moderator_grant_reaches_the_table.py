"""The moderator's grant, computed (as it must be) from the API's execution ARN and the stage, also
allows DeleteItem on the table, named by a literal ARN: moderators could delete comments around
the API. On a first deploy the document names the API's id, which AWS draws at create: the pack
accepts it unknown at preview only because it comes from this stack's RestApi and Stage alone."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "stack-account-trusted-role-only-invokes",
        "Role 'comments-prod-moderator-role' trusts an account's principals but is granted 'dynamodb:deleteitem'",
    ),
]
PREVIEW_GAP = (
    "the moderator's method ARNs hold the REST API's id, which no preview of a first deploy can "
    "know, so the document is accepted unknown from its provenance (RestApi and Stage alone); "
    "iam-least-privilege and stack-names-own-resources read it at `up` before the step, but which "
    "role it lands on is a stack fact, checked after the last step"
)


def apply(service: Any) -> None:
    def document(values: list[str]) -> str:
        execution_arn, stage = values
        account = execution_arn.split(":")[4]
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "execute-api:Invoke",
                        "Resource": f"{execution_arn}/{stage}/DELETE/comments",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:DeleteItem",
                        "Resource": f"arn:aws:dynamodb:us-east-1:{account}:table/"
                        "comments-prod-table-ee653ba",
                    },
                ],
            }
        )

    aws.iam.RolePolicy(
        "comments-prod-moderator-cleanup",
        role=service.moderator_role.name,
        policy=pulumi.Output.all(service.api.execution_arn, service.stage.stage_name).apply(
            document
        ),
    )
