"""Monitoring resources shaped like the real program's, for the stack in builders.Stack.

A stack the pack accepts in prod needs them (operations-alarms-required); tests of other rules add
them with `Stack(extra=monitoring())`.
"""

from __future__ import annotations

from typing import Any

from tests.policy.builders import (
    ACCOUNT,
    API_URN,
    REGION,
    STAGE_URN,
    TABLE_NAME,
    TABLE_URN,
    resource,
)
from tooling.offline_runner import PlannedResource

TOPIC_NAME = "comments-alarms"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC_NAME}"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def alarm(name: str, sources: dict[str, list[str]] | None = None, **props: Any) -> PlannedResource:
    return resource(
        ALARM,
        name,
        {"name": name, "alarmActions": [TOPIC_ARN], "okActions": [TOPIC_ARN], **props},
        sources=sources,
    )


def capacity_alarm(name: str, kind: str) -> PlannedResource:
    def query(metric: str, query_id: str) -> dict[str, Any]:
        return {
            "id": query_id,
            "metric": {
                "namespace": "AWS/DynamoDB",
                "metricName": metric,
                "dimensions": {"TableName": TABLE_NAME},
                "stat": "Sum",
                "period": 300,
            },
        }

    return alarm(
        name,
        {"metricQueries": [TABLE_URN]},
        metricQueries=[
            query(f"Consumed{kind}CapacityUnits", "consumed"),
            query(f"Provisioned{kind}CapacityUnits", "provisioned"),
            {"id": "utilization", "expression": "consumed / provisioned", "returnData": True},
        ],
    )


def monitoring(*, subscribed: bool = True) -> list[PlannedResource]:
    api = {"ApiName": "comments", "Stage": "v1"}
    table = {"TableName": TABLE_NAME}

    def metric(name: str, namespace: str, metric_name: str, dims: dict[str, str]) -> Any:
        # As the program builds them: the API's, the stage's or the table's name is an output.
        sources = [API_URN, STAGE_URN] if "Stage" in dims else [TABLE_URN]
        return alarm(
            name,
            {"dimensions": sources},
            namespace=namespace,
            metricName=metric_name,
            dimensions=dims,
        )

    resources = [
        resource("aws:sns/topic:Topic", TOPIC_NAME, {"name": TOPIC_NAME}),
        metric("comments-api-5xx-rate", "AWS/ApiGateway", "5XXError", api),
        metric("comments-api-4xx-rate", "AWS/ApiGateway", "4XXError", api),
        metric("comments-api-latency-p99", "AWS/ApiGateway", "Latency", api),
        metric("comments-table-read-throttles", "AWS/DynamoDB", "ReadThrottleEvents", table),
        metric("comments-table-write-throttles", "AWS/DynamoDB", "WriteThrottleEvents", table),
        capacity_alarm("comments-table-read-capacity", "Read"),
        capacity_alarm("comments-table-write-capacity", "Write"),
        resource(
            "aws:budgets/budget:Budget",
            "comments-monthly-budget",
            {
                "budgetType": "COST",
                "timeUnit": "MONTHLY",
                "limitAmount": "5.00",
                "notifications": [
                    {"notificationType": "ACTUAL", "subscriberSnsTopicArns": [TOPIC_ARN]}
                ],
            },
        ),
    ]
    if subscribed:
        resources.append(
            resource(
                "aws:sns/topicSubscription:TopicSubscription",
                "comments-alarms-0",
                {"topic": TOPIC_ARN, "protocol": "email", "endpoint": "oncall@example.com"},
            )
        )
    return resources
