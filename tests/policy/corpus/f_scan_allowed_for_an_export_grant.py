"""An "export" feature: dynamodb:Scan joins prod's allowedActions, and a RolePolicy gives the
integration role Scan on the comments table: every comment, pending ones included, in one call
of any integration that names the table."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

CLASS = "f"
EXPECT = [
    (
        "iam-least-privilege",
        "RolePolicy 'comments-prod-export' policy statement 'Export' allows 'dynamodb:Scan', which is not in allowedActions",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"dynamodb:DeleteItem",\n      "dynamodb:Query",',
        '"dynamodb:DeleteItem",\n      "dynamodb:Query",\n      "dynamodb:Scan",',
    )
]


def _policy(values: list[str]) -> str:
    partition, region, account, table = values
    arn = f"arn:{partition}:dynamodb:{region}:{account}:table/{table}"
    statement = {"Sid": "Export", "Effect": "Allow", "Action": ["dynamodb:Scan"], "Resource": [arn]}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def apply(service: Any) -> None:
    # Built as the program builds its own grant: from values known at preview.
    arn_parts = pulumi.Output.all(
        aws.get_partition_output().partition,
        aws.get_region_output().region,
        aws.get_caller_identity_output().account_id,
        service.table.name,
    )
    aws.iam.RolePolicy(
        "comments-prod-export",
        role=service.role.name,
        policy=arn_parts.apply(_policy),
        opts=pulumi.ResourceOptions(parent=service),
    )
