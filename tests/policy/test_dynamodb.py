"""DynamoDB rules: provisioned capacity within caps, the monthly budget, prod data protection."""

from __future__ import annotations

from typing import Any

import pytest

from comments_policy import prices
from tests.policy.builders import (
    TABLE_NAME,
    Stack,
    assert_has_violation,
    assert_no_violations,
    findings,
    resource,
)

CAPACITY = "dynamodb-provisioned-capacity"
BUDGET = "dynamodb-monthly-cost-budget"
PROTECTION = "dynamodb-data-protection"


def table_with(**changes: Any) -> Stack:
    stack = Stack()
    stack.table.update(changes)
    return stack


def scaling_target(dimension: str, maximum: int) -> Any:
    return resource(
        "aws:appautoscaling/target:Target",
        f"scaling-{dimension.rsplit(':', 1)[-1]}",
        {
            "serviceNamespace": "dynamodb",
            "resourceId": f"table/{TABLE_NAME}",
            "scalableDimension": dimension,
            "minCapacity": 1,
            "maxCapacity": maximum,
        },
    )


def test_capacity_happy_path() -> None:
    assert_no_violations(CAPACITY, Stack().resources())


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"billingMode": "PAY_PER_REQUEST"},
            "uses billingMode PAY_PER_REQUEST: on-demand capacity has no ceiling",
        ),
        (
            {"readCapacity": 100},
            "readCapacity is 100, above this stack's cap of 10 (maxReadCapacity)",
        ),
        (
            {"writeCapacity": 50},
            "writeCapacity is 50, above this stack's cap of 5 (maxWriteCapacity)",
        ),
        ({"readCapacity": None}, "sets no readCapacity"),
        (
            {
                "globalSecondaryIndexes": [
                    {"name": "byAuthor", "readCapacity": 1, "writeCapacity": 50}
                ]
            },
            "index 'byAuthor' writeCapacity is 50, above this stack's cap of 5",
        ),
    ],
)
def test_capacity_mutations(changes: dict[str, Any], fragment: str) -> None:
    finding = assert_has_violation(CAPACITY, table_with(**changes).resources(), fragment)
    assert "Table 'comments-table'" in finding.message
    assert finding.level == "mandatory"


def test_autoscaling_maximum_above_the_cap() -> None:
    stack = Stack(extra=[scaling_target("dynamodb:table:ReadCapacityUnits", 400)])
    assert_has_violation(
        CAPACITY,
        stack.resources(),
        "autoscaling maxCapacity for dynamodb:table:ReadCapacityUnits is 400, above this stack's cap of 10",
    )


def test_separate_index_resource_above_the_cap() -> None:
    index = resource(
        "aws:dynamodb/globalSecondaryIndex:GlobalSecondaryIndex",
        "by-author",
        {
            "tableName": TABLE_NAME,
            "provisionedThroughput": {"readCapacityUnits": 20, "writeCapacityUnits": 1},
        },
    )
    assert_has_violation(CAPACITY, Stack(extra=[index]).resources(), "readCapacityUnits is 20")


def test_the_cap_comes_from_config() -> None:
    assert_no_violations(CAPACITY, table_with(readCapacity=100).resources(), maxReadCapacity=100)


def test_seed_figure_from_the_price_table() -> None:
    assert prices.provisioned_monthly_usd(2, 0) == pytest.approx(0.1872)
    assert prices.provisioned_monthly_usd(0, 1) == pytest.approx(0.468)


def test_budget_happy_path() -> None:
    assert_no_violations(BUDGET, Stack().resources())


def test_budget_over_by_capacity() -> None:
    # 2 RCU + 1 WCU = $0.6552 a month, the access log $0.53: a $1 budget cannot hold both.
    finding = assert_has_violation(
        BUDGET,
        Stack().resources(),
        "DynamoDB $0.6552 (table 'comments-table-0000000' 2 RCU + 1 WCU = $0.6552)",
        monthlyBudgetUsd=1,
    )
    assert finding.message.startswith(f"{BUDGET}: the stack costs $1.1852/month (")
    assert "above this stack's budget of $1.00 (monthlyBudgetUsd)" in finding.message
    assert finding.urn == "urn:pulumi:prod::comments::pulumi:pulumi:Stack::comments-prod"


def test_budget_counts_autoscaling_maximums() -> None:
    stack = Stack(extra=[scaling_target("dynamodb:table:WriteCapacityUnits", 5)])
    # 2 RCU + 5 WCU (the autoscaling maximum) = $2.5272 > $2.
    assert_has_violation(BUDGET, stack.resources(), "2 RCU + 5 WCU = $2.5272", monthlyBudgetUsd=2)


def test_budget_counts_replicas() -> None:
    stack = table_with(replicas=[{"regionName": "eu-west-1"}])
    assert_has_violation(BUDGET, stack.resources(), "4 RCU + 2 WCU", monthlyBudgetUsd=1)


def test_on_demand_table_cannot_meet_a_budget() -> None:
    stack = table_with(billingMode="PAY_PER_REQUEST")
    assert_has_violation(
        BUDGET, stack.resources(), "is on-demand, so its monthly cost has no ceiling"
    )


def test_protection_happy_path() -> None:
    assert_no_violations(PROTECTION, Stack().resources())


def test_prod_without_pitr() -> None:
    stack = table_with(pointInTimeRecovery={"enabled": False})
    finding = assert_has_violation(PROTECTION, stack.resources(), "has point-in-time recovery off")
    assert finding.level == "mandatory"


def test_prod_without_deletion_protection() -> None:
    assert_has_violation(
        PROTECTION,
        table_with(deletionProtectionEnabled=False).resources(),
        "has deletion protection off",
    )


def test_prod_table_not_protected_in_pulumi() -> None:
    assert_has_violation(
        PROTECTION,
        Stack(table_protect=False).resources(),
        "is not protected in Pulumi (protect=True)",
    )


def test_missing_budget_is_a_violation_not_a_pass() -> None:
    found = findings(BUDGET, Stack().resources(), monthlyBudgetUsd="lots")
    assert [f.message for f in found] == [
        "dynamodb-monthly-cost-budget: policy parameter 'monthlyBudgetUsd' is missing or not a "
        "number; set it in the stack's policy config (policy/config/<stack>.json)"
    ]


def capacity_messages(stack: Stack, **properties: Any) -> list[str]:
    return [f.message for f in findings(CAPACITY, stack.resources(), **properties)]


def scheduled_action(dimension: str, minimum: int | None, maximum: int | None) -> Any:
    action = {
        k: v for k, v in (("minCapacity", minimum), ("maxCapacity", maximum)) if v is not None
    }
    return resource(
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "nightly",
        {
            "serviceNamespace": "dynamodb",
            "resourceId": f"table/{TABLE_NAME}",
            "scalableDimension": dimension,
            "schedule": "cron(0 0 * * ? *)",
            "scalableTargetAction": action,
        },
    )


READS = "dynamodb:table:ReadCapacityUnits"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"warmThroughput": {"readUnitsPerSecond": 40000}},
            [
                "Table 'comments-table' warmThroughput.readUnitsPerSecond is 40000, above this "
                "stack's cap of 10 (maxReadCapacity)"
            ],
        ),
        (
            {"warmThroughput": {"readUnitsPerSecond": 12000, "writeUnitsPerSecond": 4000}},
            [
                "Table 'comments-table' warmThroughput.readUnitsPerSecond is 12000, above this "
                "stack's cap of 10 (maxReadCapacity)",
                "Table 'comments-table' warmThroughput.writeUnitsPerSecond is 4000, above this "
                "stack's cap of 5 (maxWriteCapacity)",
            ],
        ),
        (
            {
                "globalSecondaryIndexes": [
                    {
                        "name": "byAuthor",
                        "readCapacity": 1,
                        "writeCapacity": 1,
                        "warmThroughput": {"writeUnitsPerSecond": 4000},
                    }
                ]
            },
            [
                "Table 'comments-table' index 'byAuthor' warmThroughput.writeUnitsPerSecond is "
                "4000, above this stack's cap of 5 (maxWriteCapacity)"
            ],
        ),
        (
            {
                "replicas": [
                    {"regionName": r}
                    for r in ("us-west-2", "eu-west-1", "eu-central-1", "ap-south-1")
                ]
            },
            [],  # 5 copies of 2 RCU / 1 WCU: exactly at prod's caps of 10 / 5
        ),
        (
            {
                "replicas": [
                    {"regionName": r}
                    for r in ("us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1")
                ]
            },
            [
                "Table 'comments-table' readCapacity is 2 x 6 copies (the table and its "
                "replicas) = 12, above this stack's cap of 10 (maxReadCapacity)",
                "Table 'comments-table' writeCapacity is 1 x 6 copies (the table and its "
                "replicas) = 6, above this stack's cap of 5 (maxWriteCapacity)",
            ],
        ),
    ],
)
def test_warm_throughput_and_replicas_count_against_the_caps(
    changes: dict[str, Any], expected: list[str]
) -> None:
    prefix = f"{CAPACITY}: "
    assert [m.removeprefix(prefix) for m in capacity_messages(table_with(**changes))] == expected


def test_warm_throughput_within_a_cap_that_allows_it() -> None:
    stack = table_with(warmThroughput={"readUnitsPerSecond": 12000, "writeUnitsPerSecond": 4000})
    assert capacity_messages(stack, maxReadCapacity=12000, maxWriteCapacity=4000) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (scheduled_action(READS, 1, 10), []),
        (
            scheduled_action(READS, 1, 40000),
            [
                "ScheduledAction 'nightly' scheduled maxCapacity for "
                "dynamodb:table:ReadCapacityUnits is 40000, above this stack's cap of 10 "
                "(maxReadCapacity)"
            ],
        ),
        (
            scheduled_action(READS, 50, None),
            [
                "ScheduledAction 'nightly' scheduled minCapacity for "
                "dynamodb:table:ReadCapacityUnits is 50, above this stack's cap of 10 "
                "(maxReadCapacity)"
            ],
        ),
        (
            scheduled_action("dynamodb:table:WriteCapacityUnits", 1, 6),
            [
                "ScheduledAction 'nightly' scheduled maxCapacity for "
                "dynamodb:table:WriteCapacityUnits is 6, above this stack's cap of 5 "
                "(maxWriteCapacity)"
            ],
        ),
        (
            resource(
                "aws:appautoscaling/target:Target",
                "scaling-reads",
                {
                    "serviceNamespace": "dynamodb",
                    "resourceId": f"table/{TABLE_NAME}",
                    "scalableDimension": READS,
                    "minCapacity": 20,
                    "maxCapacity": 10,
                },
            ),
            [
                "Target 'scaling-reads' autoscaling minCapacity for "
                "dynamodb:table:ReadCapacityUnits is 20, above this stack's cap of 10 "
                "(maxReadCapacity)"
            ],
        ),
    ],
)
def test_scheduled_and_target_scaling_count_against_the_caps(
    extra: Any, expected: list[str]
) -> None:
    prefix = f"{CAPACITY}: "
    found = capacity_messages(Stack(extra=[extra]))
    assert [m.removeprefix(prefix) for m in found] == expected


def test_scheduled_actions_of_other_services_are_not_dynamodb_capacity() -> None:
    other = scheduled_action(READS, 1, 40000)
    other.inputs["serviceNamespace"] = other.state["serviceNamespace"] = "ecs"
    assert capacity_messages(Stack(extra=[other])) == []


def budget_messages(stack: Stack, **properties: Any) -> list[str]:
    return [f.message for f in findings(BUDGET, stack.resources(), **properties)]


def test_budget_counts_warm_throughput() -> None:
    # 2 RCU + 1 WCU = $0.6552, plus 100 warm read units priced as a month of 100 RCU = $9.36.
    stack = table_with(warmThroughput={"readUnitsPerSecond": 100})
    [message] = budget_messages(stack, monthlyBudgetUsd=10)
    assert (
        "DynamoDB $10.0152 (table 'comments-table-0000000' 2 RCU + 1 WCU + warm throughput 100 "
        "read / 0 write units/s = $10.0152)" in message
    )
    assert prices.warm_throughput_usd(100, 0) == pytest.approx(9.36)


def test_budget_counts_a_table_replica_resource_as_a_copy() -> None:
    replica = resource(
        "aws:dynamodb/tableReplica:TableReplica",
        "west",
        {"globalTableArn": f"arn:aws:dynamodb:us-east-1:333333333333:table/{TABLE_NAME}"},
    )
    [message] = budget_messages(Stack(extra=[replica]), monthlyBudgetUsd=1)
    assert (
        "DynamoDB $1.3104 (table 'comments-table-0000000' 4 RCU + 2 WCU (x2 copies) = $1.3104)"
        in message
    )


def test_budget_refuses_a_replica_of_a_table_outside_the_stack() -> None:
    arn = "arn:aws:dynamodb:us-east-1:333333333333:table/elsewhere"
    replica = resource("aws:dynamodb/tableReplica:TableReplica", "west", {"globalTableArn": arn})
    assert budget_messages(Stack(extra=[replica])) == [
        f"dynamodb-monthly-cost-budget: a TableReplica copies '{arn}', which is not a table in "
        "this stack, so its cost cannot be bounded, and the budget of $12.00 cannot hold"
    ]


def test_budget_counts_scheduled_maximums() -> None:
    stack = Stack(extra=[scheduled_action(READS, 1, 40)])
    # 40 RCU (the scheduled maximum) + 1 WCU = $3.744 + $0.468 = $4.212 > $4.
    [message] = budget_messages(stack, monthlyBudgetUsd=4)
    assert "DynamoDB $4.2120 (table 'comments-table-0000000' 40 RCU + 1 WCU = $4.2120)" in message


def test_budget_counts_a_separate_index_resource() -> None:
    index = resource(
        "aws:dynamodb/globalSecondaryIndex:GlobalSecondaryIndex",
        "by-author",
        {
            "tableName": TABLE_NAME,
            "indexName": "byAuthor",
            "provisionedThroughput": {"readCapacityUnits": 3, "writeCapacityUnits": 1},
            "warmThroughput": {"writeUnitsPerSecond": 1},
        },
    )
    # 2+3 RCU, 1+1 WCU = $1.404; one warm write unit counts as a month of a WCU: $0.468.
    [message] = budget_messages(Stack(extra=[index]), monthlyBudgetUsd=1)
    assert (
        "DynamoDB $1.8720 (table 'comments-table-0000000' 5 RCU + 2 WCU + warm throughput 0 read "
        "/ 1 write units/s = $1.8720)" in message
    )


def test_budget_reads_no_table_arn_without_a_replica() -> None:
    """A new table's arn is unknown at preview; the budget does not need it to add up capacity."""
    resources = Stack().resources()
    resources[0].state["arn"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # unknown at preview
    assert budget_messages_of(resources, monthlyBudgetUsd=1) == [
        "dynamodb-monthly-cost-budget: the stack costs $1.1852/month (CloudWatch Logs $0.5300 "
        "(LogGroup 'comments-access-logs' 1 GB ingested a month (assumed), kept 30 days = "
        "$0.5300); DynamoDB $0.6552 (table 'comments-table-0000000' 2 RCU + 1 WCU = $0.6552)) "
        f"at us-east-1 prices of {prices.PRICES_AS_OF}, above this stack's budget of $1.00 "
        "(monthlyBudgetUsd)"
    ]


def budget_messages_of(resources: list[Any], **properties: Any) -> list[str]:
    return [f.message for f in findings(BUDGET, resources, **properties)]


# -- numbers given as text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # pulumi-aws reads "40000" as 40000: so does the pack.
        (
            {"readCapacity": "40000"},
            [
                "Table 'comments-table' readCapacity is 40000, above this stack's cap of 10 "
                "(maxReadCapacity)"
            ],
        ),
        ({"readCapacity": "2", "writeCapacity": "1"}, []),
        # Text the pack cannot read as the provider would is refused, never counted as unset.
        (
            {"warmThroughput": {"readUnitsPerSecond": "4e4"}},
            [
                "Table 'comments-table' warmThroughput.readUnitsPerSecond is not a number ('4e4' "
                "is not a number); give it as a number, at most 10"
            ],
        ),
        (
            {"writeCapacity": True},
            [
                "Table 'comments-table' writeCapacity is not a number (True is a boolean, not a "
                "number); give it as a number, at most 5"
            ],
        ),
    ],
)
def test_capacity_given_as_text_counts_by_value_or_is_refused(
    changes: dict[str, Any], expected: list[str]
) -> None:
    assert capacity_messages(table_with(**changes)) == [f"{CAPACITY}: {m}" for m in expected]


def test_budget_counts_capacity_given_as_text() -> None:
    stack = Stack(extra=[scaling_target("dynamodb:table:WriteCapacityUnits", 5)])
    stack.resources()  # the target as built, then its maximum as text
    target = stack.extra[0]
    target.inputs["maxCapacity"] = target.state["maxCapacity"] = "5"
    assert_has_violation(BUDGET, stack.resources(), "2 RCU + 5 WCU = $2.5272", monthlyBudgetUsd=2)


# -- everything else the stack is billed for ------------------------------------------------------

STAGE = "aws:apigateway/stage:Stage"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LOG_GROUP_TYPE = "aws:cloudwatch/logGroup:LogGroup"


def extra_stage(name: str, rate: Any | None) -> list[Any]:
    """A second stage of the stack's API, with a */* throttle at `rate` (None: no MethodSettings)."""
    from tests.policy.builders import API_URN, urn

    stage = resource(
        STAGE,
        name,
        {"restApi": "mockapi123", "stageName": name},
        sources={"restApi": [API_URN]},
    )
    if rate is None:
        return [stage]
    settings = resource(
        METHOD_SETTINGS,
        f"{name}-throttling",
        {
            "restApi": "mockapi123",
            "stageName": name,
            "methodPath": "*/*",
            "settings": {"throttlingRateLimit": rate, "throttlingBurstLimit": 1},
        },
        sources={"restApi": [API_URN], "stageName": [urn(STAGE, name)]},
    )
    return [stage, settings]


def test_an_extra_stage_is_priced_at_its_throttle_per_method() -> None:
    # 50 requests/s on each of the API's 3 methods, a 30-day month: 388.8 million, $3.50/million.
    [message] = budget_messages(Stack(extra=extra_stage("canary", 50)))
    assert (
        "API Gateway $1360.8000 (Stage 'comments-stage' up to 388.8 million requests a month "
        "(50/s per method x 3 methods): a stage beyond the service's own (taken to be Stage "
        "'canary'), at its ceiling = $1360.8000)"
    ) in message


def test_a_stage_throttled_to_a_trickle_costs_a_trickle() -> None:
    # 0.01/s x 3 methods = 77,760 requests a month: $0.27, within prod's budget.
    assert budget_messages(Stack(extra=extra_stage("canary", 0.01))) == []


def test_an_unthrottled_stage_is_at_the_account_ceiling() -> None:
    # The unthrottled stage has the highest ceiling, so it is taken as the service's own and the
    # stack is counted for the other: a second stage is never free.
    [message] = budget_messages(Stack(extra=extra_stage("canary", None)))
    assert (
        "Stage 'comments-stage' up to 388.8 million requests a month (50/s per method x 3 "
        "methods): a stage beyond the service's own (taken to be Stage 'canary')"
    ) in message
    from comments_policy.costs import stack_cost

    cost = stack_cost(_policy_resources(Stack(extra=extra_stage("canary", None)).resources()))
    [canary] = [i for i in cost.items if i.subject == "Stage 'canary'"]
    assert canary.what.startswith(
        "up to 25,920.0 million requests a month (no throttle on every method: the account's "
        "ceiling)"
    )


def test_the_stack_s_own_stage_is_shown_not_counted() -> None:
    from comments_policy.costs import stack_cost

    cost = stack_cost(_policy_resources(Stack().resources()))
    [stage] = [i for i in cost.items if i.subject == "Stage 'comments-stage'"]
    assert not stage.counted and stage.monthly_usd == pytest.approx(1360.8)
    assert cost.monthly_usd == pytest.approx(0.6552 + 0.53)


def _policy_resources(planned: list[Any]) -> list[Any]:
    from tooling.offline_runner import Plan
    from tooling.policy_check import _stack_resources

    return _stack_resources(
        Plan(stack="prod", project="comments", config={}, resources=planned, outputs={})
    )


def alarm(name: str, **inputs: Any) -> Any:
    return resource(ALARM, name, {"comparisonOperator": "GreaterThanThreshold", **inputs})


@pytest.mark.parametrize(
    ("inputs", "what", "usd"),
    [
        ({"metricName": "Latency", "period": 60}, "1 standard alarm metric(s)", 0.10),
        ({"metricName": "Latency", "period": "60"}, "1 standard alarm metric(s)", 0.10),
        (
            {"metricName": "Latency", "period": 10},
            "1 high-resolution alarm metric(s) (a period under 60 s)",
            0.30,
        ),
        (
            {
                "metricQueries": [
                    {"id": "a", "metric": {"metricName": "Count", "period": 300}},
                    {"id": "b", "metric": {"metricName": "5XXError", "period": 300}},
                    {"id": "c", "metric": {"metricName": "4XXError", "period": 300}},
                    {"id": "e", "expression": "(b + c) / a", "returnData": True},
                ]
            },
            "3 standard alarm metric(s)",
            0.30,
        ),
        (
            {
                "metricQueries": [
                    {"id": "a", "metric": {"metricName": "Count", "period": 10}},
                    {"id": "b", "metric": {"metricName": "5XXError", "period": 10}},
                    {"id": "e", "expression": "b / a", "returnData": True},
                ]
            },
            "2 high-resolution alarm metric(s) (a period under 60 s)",
            0.60,
        ),
        (
            {
                "thresholdMetricId": "band",
                "metricQueries": [
                    {"id": "m", "metric": {"metricName": "Latency", "period": 300}},
                    {"id": "band", "expression": "ANOMALY_DETECTION_BAND(m, 2)"},
                ],
            },
            "3 standard alarm metric(s)",
            0.30,
        ),
    ],
)
def test_alarms_are_priced_by_resolution_and_metrics(
    inputs: dict[str, Any], what: str, usd: float
) -> None:
    from comments_policy.costs import stack_cost

    cost = stack_cost(_policy_resources([*Stack().resources(), alarm("watch", **inputs)]))
    [item] = [i for i in cost.items if i.subject == "MetricAlarm 'watch'"]
    assert item.what == what
    assert item.monthly_usd == pytest.approx(usd)
    assert cost.problems == []


def test_many_high_resolution_alarms_exceed_the_budget() -> None:
    alarms = [alarm(f"fast-{i}", metricName="Latency", period=10) for i in range(40)]
    [message] = budget_messages(Stack(extra=alarms))
    assert "CloudWatch alarms $12.0000 (40 resources)" in message


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            [
                alarm(
                    "insights",
                    metricQueries=[
                        {"id": "q", "expression": 'SELECT AVG(Latency) FROM "AWS/ApiGateway"'}
                    ],
                )
            ],
            "MetricAlarm 'insights' evaluates 'SELECT AVG(Latency) FROM \"AWS/ApiGateway\"': a "
            "query is billed per metric it matches",
        ),
        (
            [resource(LOG_GROUP_TYPE, "forever", {})],
            "LogGroup 'forever' keeps its logs forever (retentionInDays unset or 0)",
        ),
        (
            [
                resource(
                    LOG_GROUP_TYPE, "cheap", {"retentionInDays": 30, "logGroupClass": "DELIVERY"}
                )
            ],
            "LogGroup 'cheap' uses logGroupClass DELIVERY, which is not priced",
        ),
        (
            [
                resource(
                    "aws:cloudwatch/dashboard:Dashboard",
                    "logs",
                    {"dashboardBody": '{"widgets": [{"type": "log", "properties": {}}]}'},
                )
            ],
            "Dashboard 'logs' has a 'log' widget: a log widget runs a Logs Insights query",
        ),
        (
            [
                resource(
                    METHOD_SETTINGS,
                    "verbose",
                    {"methodPath": "*/*", "settings": {"loggingLevel": "INFO"}},
                )
            ],
            "MethodSettings 'verbose' sets loggingLevel 'INFO': execution logs go to a log group",
        ),
        (
            [
                resource(
                    "aws:wafv2/webAcl:WebAcl",
                    "front",
                    {
                        "rules": [
                            {
                                "name": "bots",
                                "statement": {
                                    "managedRuleGroupStatement": {
                                        "vendorName": "AWS",
                                        "name": "AWSManagedRulesBotControlRuleSet",
                                    }
                                },
                            }
                        ]
                    },
                )
            ],
            "WebAcl 'front' uses the managed rule group AWS/AWSManagedRulesBotControlRuleSet",
        ),
    ],
)
def test_what_cannot_be_priced_is_refused(extra: list[Any], fragment: str) -> None:
    assert_has_violation(BUDGET, Stack(extra=extra).resources(), fragment)


def test_log_retention_is_bounded_by_the_budget() -> None:
    # A 1 GB/month log group kept ten years holds ~122 GB: $3.65 + $0.50 ingest a month.
    stack = Stack(extra=[resource(LOG_GROUP_TYPE, "archive", {"retentionInDays": 3653})])
    [message] = budget_messages(stack, monthlyBudgetUsd=5)
    assert "CloudWatch Logs $4.6830 (" in message
    assert "LogGroup 'archive' 1 GB ingested a month (assumed), kept 3653 days = $4.1530" in message


def test_a_web_acl_and_its_rules_are_priced() -> None:
    acl = resource(
        "aws:wafv2/webAcl:WebAcl",
        "front",
        {"ruleJson": '[{"Name": "a"}, {"Name": "b"}]', "rules": [{"name": "c"}]},
    )
    [message] = budget_messages(Stack(extra=[acl]), monthlyBudgetUsd=5)
    assert "AWS WAF $8.0000 (WebAcl 'front' a web ACL with 3 rule(s)" in message


def test_waf_rule_json_with_a_duplicate_key_is_refused() -> None:
    acl = resource("aws:wafv2/webAcl:WebAcl", "front", {"ruleJson": '[{"Name": "a", "Name": "b"}]'})
    assert_has_violation(
        BUDGET, Stack(extra=[acl]).resources(), "WebAcl 'front' ruleJson repeats the key 'Name'"
    )


BUDGET_TYPE = "aws:budgets/budget:Budget"


def budget(**inputs: Any) -> Any:
    return resource(
        BUDGET_TYPE,
        "monthly",
        {"budgetType": "COST", "timeUnit": "MONTHLY", "limitUnit": "USD", **inputs},
    )


def test_a_budget_at_the_policy_s_budget_passes() -> None:
    assert budget_messages(Stack(extra=[budget(limitAmount="12.00")])) == []


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        (
            {"limitAmount": "1000.00"},
            "Budget 'monthly' limitAmount is $1000.00, above this stack's budget of $12.00 "
            "(monthlyBudgetUsd)",
        ),
        ({"limitAmount": "12.005"}, "limitAmount is $12.01, above this stack's budget"),
        ({"limitAmount": "lots"}, "Budget 'monthly' limitAmount is not an amount ('lots'"),
        ({"limitAmount": "5", "limitUnit": "GBP"}, "limitAmount is in 'GBP'"),
        ({"limitAmount": "5", "timeUnit": "ANNUALLY"}, "watches COST per ANNUALLY"),
        (
            {"limitAmount": "5", "autoAdjustData": {"autoAdjustType": "HISTORICAL"}},
            "sets autoAdjustData",
        ),
        ({}, "Budget 'monthly' sets no limitAmount"),
        (
            {
                "limitAmount": "5",
                "plannedLimits": [{"amount": "500", "unit": "USD", "startTime": "2027-01-01"}],
            },
            "plannedLimits[0] is $500.00, above this stack's budget",
        ),
    ],
)
def test_a_budget_s_limit_is_at_most_the_policy_s_budget(
    inputs: dict[str, Any], fragment: str
) -> None:
    assert_has_violation(BUDGET, Stack(extra=[budget(**inputs)]).resources(), fragment)


# -- the smoke tests' TTL ------------------------------------------------------------------------

TTL = "dynamodb-ttl-smoke-only"
GUARDED = """#set($rawSlug = $input.path('$.slug'))
#set($isSmoke = $rawSlug.startsWith('PREFIX'))
#if($isSmoke)#set($expiresAt = $context.requestTimeEpoch / 1000 + 86400)#end
{"UpdateExpression": "SET #a = :a#if($isSmoke), #expiresAt = :expiresAt#end",
 "ExpressionAttributeNames": {"#a": "author"#if($isSmoke), "#expiresAt": "expiresAt"#end}}
"""


def ttl_stack(template: str) -> Stack:
    stack = table_with(ttl={"attributeName": "expiresAt", "enabled": True})
    post = stack.body["paths"]["/comments"]["post"]["x-amazon-apigateway-integration"]
    post["requestTemplates"] = {"application/json": template}
    return stack


def ttl_messages(template: str) -> list[str]:
    return [f.message for f in findings(TTL, ttl_stack(template).resources())]


def test_the_ttl_under_the_reserved_prefix_passes() -> None:
    assert ttl_messages(GUARDED.replace("PREFIX", "/__smoke__/")) == []
    assert ttl_messages(GUARDED.replace("PREFIX", "/__smoke__/run-42/")) == []


@pytest.mark.parametrize("prefix", ["/", "/blog", "/__smoke__", "/__SMOKE__/", "/__smoke__/ x"])
def test_a_prefix_outside_the_reserved_one_is_refused(prefix: str) -> None:
    [message] = ttl_messages(GUARDED.replace("'PREFIX'", "'" + prefix.replace("'", "") + "'"))
    assert "(comments:smokeSlugPrefix), so DynamoDB would delete real comments" in message
    assert message.startswith(
        f"{TTL}: RestApi 'comments-api' POST /comments requestTemplates['application/json'] "
    )


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        # The attribute set on every comment, the guard left in place.
        (
            GUARDED.replace("#if($isSmoke), #expiresAt", ", #expiresAt").replace(
                ":expiresAt#end", ":expiresAt"
            ),
            "writes the TTL attribute 'expiresAt' outside #if($isSmoke) (line 4)",
        ),
        # The guard in the #else branch.
        (
            GUARDED.replace("#if($isSmoke), #expiresAt", "#if($isSmoke)#else, #expiresAt"),
            "outside #if($isSmoke)",
        ),
        # The guard overwritten later.
        (GUARDED + "#set($isSmoke = true)\n", "sets the smoke guard $isSmoke more than once"),
        # The guard on another input than the slug.
        (
            GUARDED.replace("$input.path('$.slug')", "$input.path('$.author')"),
            "decides the smoke guard on $rawSlug, which is not set once from $input.path('$.slug')",
        ),
        # No guard at all.
        (
            '{"ExpressionAttributeNames": {"#e": "expiresAt"}}',
            "writes the TTL attribute 'expiresAt' without one guard",
        ),
        (GUARDED + "#if($isSmoke)\n", "cannot be read (#if is not closed)"),
    ],
)
def test_the_ttl_outside_the_guard_is_refused(template: str, fragment: str) -> None:
    messages = ttl_messages(template.replace("PREFIX", "/__smoke__/"))
    assert any(fragment in m for m in messages), messages


def test_a_comment_does_not_hide_or_make_the_guard() -> None:
    # A guard inside a VTL comment is no guard.
    template = GUARDED.replace("PREFIX", "/__smoke__/").replace(
        "#set($isSmoke", "## #set($isSmoke = $rawSlug.startsWith('/__smoke__/'))\n#set($isSmoke"
    )
    assert ttl_messages(template) == []
    commented = "## #set($isSmoke = $rawSlug.startsWith('/__smoke__/'))\n" + (
        '{"ExpressionAttributeNames": {"#e": "expiresAt"}}'
    )
    assert any("without one guard" in m for m in ttl_messages(commented))


def test_without_a_ttl_on_the_table_nothing_is_checked() -> None:
    stack = ttl_stack(GUARDED.replace("PREFIX", "/"))
    stack.table.pop("ttl")
    assert findings(TTL, stack.resources()) == []


def test_the_pack_and_the_program_reserve_the_same_prefix() -> None:
    from comments_infra.settings import _SLUG_PREFIX, SMOKE_PREFIX_ROOT
    from comments_policy.dynamodb import _SMOKE_PREFIX, RESERVED_SMOKE_PREFIX

    assert SMOKE_PREFIX_ROOT == RESERVED_SMOKE_PREFIX
    assert _SLUG_PREFIX.pattern == _SMOKE_PREFIX.pattern


def test_every_type_the_pack_reviews_is_priced_or_free() -> None:
    """A type becomes usable when its inputs are reviewed (inputs.SPECS); it must be priced too."""
    from comments_policy.costs import PRICED_TYPES
    from comments_policy.inputs import SPECS

    unpriced = [
        t
        for t in SPECS
        if t not in PRICED_TYPES
        and t not in prices.FREE_TYPES
        and not t.startswith(prices.COMPONENT_PREFIX)
    ]
    assert unpriced == []


def test_a_reviewed_type_without_a_price_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(prices.FREE_TYPES, "aws:sns/topic:Topic")
    topic = resource("aws:sns/topic:Topic", "alarms", {"name": "comments-prod-alarms"})
    assert_has_violation(
        BUDGET,
        Stack(extra=[topic]).resources(),
        "Topic 'alarms' is of type aws:sns/topic:Topic, which has no price",
    )
