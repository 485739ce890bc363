"""A ladder of forty latency alarms, one per 100 ms from 100 ms to 4 s ("so we see how bad it
is"): each is a valid standard alarm on the stage, $0.10 a month apiece, and the budget counted
no alarm. (A high-resolution alarm, a period under 60 s, would be $0.30 each; the stack's inputs
allow only the periods its settings offer.)"""

from typing import Any

import pulumi_aws as aws

CLASS = "g"
EXPECT = [("dynamodb-monthly-cost-budget", "CloudWatch alarms $5.7000 (49 resources)")]


def apply(service: Any) -> None:
    for step in range(1, 41):
        aws.cloudwatch.MetricAlarm(
            f"comments-prod-latency-{step * 100}ms",
            name=f"comments-prod-latency-{step * 100}ms",
            alarm_description="Latency ladder",
            namespace="AWS/ApiGateway",
            metric_name="Latency",
            dimensions={"ApiName": service.api.name, "Stage": service.stage.stage_name},
            extended_statistic="p99",
            period=300,
            evaluation_periods=3,
            datapoints_to_alarm=3,
            comparison_operator="GreaterThanThreshold",
            threshold=step * 100,
            treat_missing_data="notBreaching",
            evaluate_low_sample_count_percentiles="ignore",
            alarm_actions=[service.monitoring.topic_arn],
            ok_actions=[service.monitoring.topic_arn],
            tags={"project": "comments", "stack": "prod"},
        )
