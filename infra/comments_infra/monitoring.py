"""Monitoring of one stack: the alarm topic and its subscriptions, the alarms, a budget, a dashboard.

Every alarm notifies the stack's SNS topic when it fires and when it clears. What each alarm
means and what to do when it fires is in the README ("Alarms and what to do").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from comments_infra.operations import OperationsSettings

API_NAMESPACE = "AWS/ApiGateway"
DYNAMODB_NAMESPACE = "AWS/DynamoDB"
# Principals allowed to publish to the topic: CloudWatch alarms and AWS Budgets, of this account.
CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
BUDGETS_PRINCIPAL = "budgets.amazonaws.com"
# The budget watches what carries this stack's `stack` tag (a cost allocation tag to activate once).
BUDGET_TAG = "stack"
# Where whoever is paged finds what to do (the alarm description travels with every notification).
RUNBOOK = "What to do: README.md, section 'Alarms and what to do'"


@dataclass(frozen=True)
class Alarm:
    """One alarm: the suffix of its name, and why it fires."""

    suffix: str
    description: str


# The alarms every stack has, by name suffix (comments-<stack>-<suffix>); tests and the README use these.
SERVER_ERRORS = Alarm("api-5xx-rate", "Share of requests answered 5xx is above the threshold")
CLIENT_ERRORS = Alarm("api-4xx-rate", "Share of requests answered 4xx is above the threshold")
LATENCY = Alarm("api-latency-p99", "99th percentile of API latency is above the threshold")
READ_THROTTLES = Alarm("table-read-throttles", "DynamoDB throttled reads of the comments table")
WRITE_THROTTLES = Alarm("table-write-throttles", "DynamoDB throttled writes to the comments table")
READ_CAPACITY = Alarm(
    "table-read-capacity", "Consumed read capacity is above a share of the provisioned capacity"
)
WRITE_CAPACITY = Alarm(
    "table-write-capacity", "Consumed write capacity is above a share of the provisioned capacity"
)
ALARMS = (
    SERVER_ERRORS,
    CLIENT_ERRORS,
    LATENCY,
    READ_THROTTLES,
    WRITE_THROTTLES,
    READ_CAPACITY,
    WRITE_CAPACITY,
)


def alarm_arn(region: str, account_id: str, alarm_name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account_id}:alarm:{alarm_name}"


def topic_arn(region: str, account_id: str, topic_name: str) -> str:
    return f"arn:aws:sns:{region}:{account_id}:{topic_name}"


def topic_policy(topic: str, account_id: str, region: str, service_name: str) -> str:
    """Only this account's alarms of this stack and this account's budgets may publish."""
    alarms = alarm_arn(region, account_id, f"{service_name}-*")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "StackAlarms",
                    "Effect": "Allow",
                    "Principal": {"Service": CLOUDWATCH_PRINCIPAL},
                    "Action": "sns:Publish",
                    "Resource": topic,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": alarms},
                    },
                },
                {
                    "Sid": "AccountBudgets",
                    "Effect": "Allow",
                    "Principal": {"Service": BUDGETS_PRINCIPAL},
                    "Action": "sns:Publish",
                    "Resource": topic,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{account_id}:*"},
                    },
                },
            ],
        }
    )


def dashboard_body(
    *,
    region: str,
    api_name: str,
    stage_name: str,
    table_name: str,
    alarm_arns: Sequence[str],
    period: int,
) -> str:
    """One screen: traffic, errors, latency, capacity consumed against provisioned, throttles."""
    api = ["ApiName", api_name, "Stage", stage_name]
    table = ["TableName", table_name]

    def widget(
        x: int, y: int, title: str, metrics: list[list[Any]], **extra: Any
    ) -> dict[str, Any]:
        return {
            "type": "metric",
            "x": x,
            "y": y,
            "width": 12,
            "height": 6,
            "properties": {
                "title": title,
                "region": region,
                "view": "timeSeries",
                "period": period,
                "metrics": metrics,
                **extra,
            },
        }

    def capacity_metrics(kind: str) -> list[list[Any]]:
        consumed, provisioned = f"Consumed{kind}CapacityUnits", f"Provisioned{kind}CapacityUnits"
        return [
            [{"expression": "consumed / PERIOD(consumed)", "label": f"consumed {kind.lower()} units/s", "id": "rate"}],
            [DYNAMODB_NAMESPACE, consumed, *table, {"stat": "Sum", "id": "consumed", "visible": False}],
            [DYNAMODB_NAMESPACE, provisioned, *table, {"stat": "Average", "label": "provisioned"}],
        ]  # fmt: skip

    widgets = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 3,
            "properties": {"title": "Alarms", "alarms": list(alarm_arns)},
        },
        widget(0, 3, "Requests", [[API_NAMESPACE, "Count", *api, {"stat": "Sum"}]]),
        widget(
            12,
            3,
            "Errors (4xx, 5xx)",
            [
                [API_NAMESPACE, "4XXError", *api, {"stat": "Sum", "label": "4xx"}],
                [API_NAMESPACE, "5XXError", *api, {"stat": "Sum", "label": "5xx"}],
            ],
        ),
        widget(
            0,
            9,
            "Latency (ms)",
            [
                [API_NAMESPACE, "Latency", *api, {"stat": "p50", "label": "p50"}],
                [API_NAMESPACE, "Latency", *api, {"stat": "p99", "label": "p99"}],
                [API_NAMESPACE, "IntegrationLatency", *api, {"stat": "p99", "label": "DynamoDB p99"}],
            ],
        ),
        widget(
            12,
            9,
            "Throttled requests",
            [
                [DYNAMODB_NAMESPACE, "ReadThrottleEvents", *table, {"stat": "Sum", "label": "reads"}],
                [DYNAMODB_NAMESPACE, "WriteThrottleEvents", *table, {"stat": "Sum", "label": "writes"}],
            ],
        ),
        widget(0, 15, "Read capacity: consumed vs provisioned", capacity_metrics("Read")),
        widget(12, 15, "Write capacity: consumed vs provisioned", capacity_metrics("Write")),
    ]  # fmt: skip
    return json.dumps({"widgets": widgets}, separators=(",", ":"))


class StackMonitoring:
    """The topic, subscriptions, alarms, budget and dashboard of one stack (children of `parent`)."""

    def __init__(
        self,
        name: str,
        *,
        settings: OperationsSettings,
        stack: str,
        api_name: pulumi.Input[str],
        stage_name: pulumi.Input[str],
        table_name: pulumi.Input[str],
        tags: dict[str, str],
        parent: pulumi.Resource,
    ) -> None:
        child = pulumi.ResourceOptions(parent=parent)
        alarm_settings = settings.alarms
        caller = aws.get_caller_identity_output()
        region = aws.get_region_output().region

        topic_name = f"{name}-alarms"
        # Not encrypted: the messages hold alarm states, never comment text, and CloudWatch cannot
        # publish to a topic encrypted with the AWS-managed SNS key.
        self.topic = aws.sns.Topic(topic_name, name=topic_name, tags=tags, opts=child)
        # The ARN follows from the name, so every reference to it is known before the topic
        # exists (previews, the policy pack); the dependency on the topic is stated instead.
        self.topic_arn = pulumi.Output.all(region, caller.account_id).apply(
            lambda values: topic_arn(values[0], values[1], topic_name)
        )
        after_topic = pulumi.ResourceOptions(parent=parent, depends_on=[self.topic])
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alarms-publishers",
            arn=self.topic_arn,
            policy=pulumi.Output.all(self.topic_arn, caller.account_id, region).apply(
                lambda values: topic_policy(values[0], values[1], values[2], name)
            ),
            opts=after_topic,
        )
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-alarms-{index}",
                topic=self.topic_arn,
                protocol=subscription.protocol,
                endpoint=subscription.endpoint,
                # A webhook confirms itself (it answers SubscriptionConfirmation); e-mail needs a click.
                endpoint_auto_confirms=subscription.protocol == "https",
                opts=after_topic,
            )
            for index, subscription in enumerate(settings.subscriptions)
        ]
        notify = [self.topic_arn]
        # Alarms wait for the topic policy: an alarm that fires before it cannot publish.
        alarm_opts = pulumi.ResourceOptions(parent=parent, depends_on=[self.topic_policy])
        periods = alarm_settings.evaluation_periods
        period = alarm_settings.period_seconds
        api = {"ApiName": api_name, "Stage": stage_name}
        table = pulumi.Output.from_input(table_name).apply(lambda t: {"TableName": t})

        def alarm(spec: Alarm, **args: Any) -> aws.cloudwatch.MetricAlarm:
            alarm_name = f"{name}-{spec.suffix}"
            return aws.cloudwatch.MetricAlarm(
                alarm_name,
                name=alarm_name,
                alarm_description=f"{spec.description}. {RUNBOOK}",
                alarm_actions=notify,
                ok_actions=notify,
                evaluation_periods=periods,
                tags=tags,
                opts=alarm_opts,
                **args,
            )

        def error_rate(spec: Alarm, metric: str, percent: int, missing: str) -> Any:
            # The metric is 1 for a request answered with that class of status, else 0: its
            # average over a period is the share of such requests.
            return alarm(
                spec,
                namespace=API_NAMESPACE,
                metric_name=metric,
                dimensions=api,
                statistic="Average",
                period=period,
                comparison_operator="GreaterThanThreshold",
                threshold=percent / 100,
                datapoints_to_alarm=periods,
                treat_missing_data=missing,
            )

        def throttles(spec: Alarm, metric: str) -> Any:
            return alarm(
                spec,
                namespace=DYNAMODB_NAMESPACE,
                metric_name=metric,
                dimensions=table,
                statistic="Sum",
                period=period,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=1,
                # The first throttled request fires it; it clears after `periods` quiet periods.
                datapoints_to_alarm=1,
                # DynamoDB publishes throttle events only when something was throttled.
                treat_missing_data="notBreaching",
            )

        def capacity(spec: Alarm, kind: str) -> Any:
            # Against the provisioned-capacity metric, not a number fixed at deploy time, so
            # the alarm stays right when auto scaling moves the capacity.
            def query(metric: str, stat: str, query_id: str) -> Any:
                return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id=query_id,
                    metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                        namespace=DYNAMODB_NAMESPACE,
                        metric_name=metric,
                        dimensions=table,
                        stat=stat,
                        period=period,
                    ),
                    return_data=False,
                )

            return alarm(
                spec,
                metric_queries=[
                    query(f"Consumed{kind}CapacityUnits", "Sum", "consumed"),
                    query(f"Provisioned{kind}CapacityUnits", "Average", "provisioned"),
                    aws.cloudwatch.MetricAlarmMetricQueryArgs(
                        id="utilization",
                        expression="100 * (consumed / PERIOD(consumed)) / provisioned",
                        label=f"{kind} capacity used, % of provisioned",
                        return_data=True,
                    ),
                ],
                comparison_operator="GreaterThanThreshold",
                threshold=alarm_settings.capacity_percent,
                datapoints_to_alarm=periods,
                # An idle table publishes no consumed capacity: nothing is used.
                treat_missing_data="notBreaching",
            )

        self.alarms = [
            # A quiet period is no evidence the fault is gone (clients may have given up):
            # keep the alarm's state until requests show otherwise.
            error_rate(SERVER_ERRORS, "5XXError", alarm_settings.server_error_percent, "ignore"),
            # No requests, no client errors: an abuse wave that stops clears the alarm.
            error_rate(
                CLIENT_ERRORS, "4XXError", alarm_settings.client_error_percent, "notBreaching"
            ),
            alarm(
                LATENCY,
                namespace=API_NAMESPACE,
                metric_name="Latency",
                dimensions=api,
                extended_statistic="p99",
                period=period,
                comparison_operator="GreaterThanThreshold",
                threshold=alarm_settings.latency_p99_ms,
                datapoints_to_alarm=periods,
                # No requests, nothing slow; a p99 of a few requests is not judged either.
                evaluate_low_sample_count_percentiles="ignore",
                treat_missing_data="notBreaching",
            ),
            throttles(READ_THROTTLES, "ReadThrottleEvents"),
            throttles(WRITE_THROTTLES, "WriteThrottleEvents"),
            capacity(READ_CAPACITY, "Read"),
            capacity(WRITE_CAPACITY, "Write"),
        ]

        self.budget: aws.budgets.Budget | None = None
        if settings.monthly_budget_usd:

            def budget_notice(kind: str) -> aws.budgets.BudgetNotificationArgs:
                return aws.budgets.BudgetNotificationArgs(
                    notification_type=kind,
                    comparison_operator="GREATER_THAN",
                    threshold=100,
                    threshold_type="PERCENTAGE",
                    subscriber_sns_topic_arns=notify,
                )

            self.budget = aws.budgets.Budget(
                f"{name}-monthly-budget",
                name=f"{name}-monthly",
                budget_type="COST",
                time_unit="MONTHLY",
                limit_amount=f"{settings.monthly_budget_usd:.2f}",
                limit_unit="USD",
                cost_filters=[
                    aws.budgets.BudgetCostFilterArgs(
                        name="TagKeyValue", values=[f"user:{BUDGET_TAG}${stack}"]
                    )
                ],
                # Forecast: warned during the month, before the money is spent.
                notifications=[budget_notice("FORECASTED"), budget_notice("ACTUAL")],
                tags=tags,
                opts=alarm_opts,
            )

        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=name,
            dashboard_body=pulumi.Output.all(
                region, caller.account_id, stage_name, table_name, api_name
            ).apply(
                lambda values: dashboard_body(
                    region=values[0],
                    api_name=values[4],
                    stage_name=values[2],
                    table_name=values[3],
                    alarm_arns=[
                        alarm_arn(values[0], values[1], f"{name}-{spec.suffix}") for spec in ALARMS
                    ],
                    period=period,
                )
            ),
            opts=child,
        )
