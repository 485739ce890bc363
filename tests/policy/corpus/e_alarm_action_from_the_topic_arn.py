"""An alarm on the table whose action is computed from the alarm topic's ARN output with the
account swapped: its notifications (table names, capacity) go to another account's topic. The
topic's `arn` output is unknown on a first deploy, so the action is too."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "resource-inputs-reviewed",
        "MetricAlarm 'comments-prod-table-errors' alarmActions[0] is 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms'",
    ),
    (
        "operations-alarms-required",
        "MetricAlarm 'comments-prod-table-errors' alarmActions names 'arn:aws:sns:us-east-1:444444444444:comments-prod-alarms', which is not an SNS topic of this stack",
    ),
]
EXPECT_PREVIEW = [
    (
        "operations-alarms-required",
        "MetricAlarm 'comments-prod-table-errors' alarmActions[0] is unknown at preview, so this rule cannot check it",
    ),
]


def apply(service: Any) -> None:
    aws.cloudwatch.MetricAlarm(
        "comments-prod-table-errors",
        name="comments-prod-table-errors",
        namespace="AWS/DynamoDB",
        metric_name="ReadThrottleEvents",
        dimensions={"TableName": service.table.name},
        statistic="Sum",
        period=300,
        evaluation_periods=1,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        alarm_actions=[
            service.monitoring.topic.arn.apply(
                lambda arn: arn.replace(":333333333333:", ":444444444444:")
            )
        ],
        tags={"project": "comments", "stack": "prod"},
    )
