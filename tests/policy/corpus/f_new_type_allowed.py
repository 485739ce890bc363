"""An IAM user for a "reporting script": its type joins prod's allowedResourceTypes, and the
program creates it with an access key."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

CLASS = "f"
EXPECT = [
    (
        "allowed-resource-types",
        "'comments-prod-reporting' is of type aws:iam/user:User, which this stack does not allow",
    ),
    (
        "allowed-resource-types",
        "'comments-prod-reporting-key' is of type aws:iam/accessKey:AccessKey, which this stack does not allow",
    ),
    (
        "resource-inputs-reviewed",
        "User 'comments-prod-reporting' is of type aws:iam/user:User, whose inputs this pack has not reviewed",
    ),
    (
        "resource-inputs-reviewed",
        "AccessKey 'comments-prod-reporting-key' is of type aws:iam/accessKey:AccessKey, whose inputs this pack has not reviewed",
    ),
]
# Judged by its own config, the pack's code still refuses the types it has not reviewed.
OWN_EXPECT = [
    (
        "resource-inputs-reviewed",
        "User 'comments-prod-reporting' is of type aws:iam/user:User, whose inputs this pack has not reviewed",
    ),
    (
        "resource-inputs-reviewed",
        "AccessKey 'comments-prod-reporting-key' is of type aws:iam/accessKey:AccessKey, whose inputs this pack has not reviewed",
    ),
]
EDITS = [
    (
        "policy/config/prod.json",
        '"aws:iam/role:Role",',
        '"aws:iam/accessKey:AccessKey",\n      "aws:iam/role:Role",\n      "aws:iam/user:User",',
    )
]


def apply(service: Any) -> None:
    user = aws.iam.User("comments-prod-reporting")
    aws.iam.AccessKey("comments-prod-reporting-key", user=user.name)
