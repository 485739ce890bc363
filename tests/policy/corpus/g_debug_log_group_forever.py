"""A debug log group with no retention ("we'll clean it up"): CloudWatch Logs keeps it forever,
so what it stores, and costs, grows every month."""

from typing import Any

import pulumi_aws as aws

CLASS = "g"
EXPECT = [
    ("apigateway-stage-access-logging", "LogGroup 'comments-prod-debug' keeps its logs forever"),
    (
        "dynamodb-monthly-cost-budget",
        "LogGroup 'comments-prod-debug' keeps its logs forever (retentionInDays unset or 0)",
    ),
    ("resource-inputs-reviewed", "LogGroup 'comments-prod-debug' name is '/comments/prod/debug'"),
    ("resource-inputs-reviewed", "LogGroup 'comments-prod-debug' sets no tags"),
]


def apply(service: Any) -> None:
    aws.cloudwatch.LogGroup("comments-prod-debug", name="/comments/prod/debug")
