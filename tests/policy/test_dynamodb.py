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
    # 2 RCU + 1 WCU = $0.6552 a month; a $0.50 budget cannot hold it.
    finding = assert_has_violation(
        BUDGET,
        Stack().resources(),
        "costs $0.6552/month (table 'comments-table-0000000' 2 RCU + 1 WCU = $0.6552)",
        monthlyBudgetUsd=0.5,
    )
    assert "above this stack's budget of $0.50 (monthlyBudgetUsd)" in finding.message
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
    assert budget_messages(stack, monthlyBudgetUsd=10) == [
        "dynamodb-monthly-cost-budget: provisioned DynamoDB capacity costs $10.0152/month "
        "(table 'comments-table-0000000' 2 RCU + 1 WCU + warm throughput 100 read / 0 write "
        "units/s = $10.0152) at us-east-1 prices of 2026-11-25, above this stack's budget of "
        "$10.00 (monthlyBudgetUsd)"
    ]
    assert prices.warm_throughput_usd(100, 0) == pytest.approx(9.36)


def test_budget_counts_a_table_replica_resource_as_a_copy() -> None:
    replica = resource(
        "aws:dynamodb/tableReplica:TableReplica",
        "west",
        {"globalTableArn": f"arn:aws:dynamodb:us-east-1:333333333333:table/{TABLE_NAME}"},
    )
    assert budget_messages(Stack(extra=[replica]), monthlyBudgetUsd=1) == [
        "dynamodb-monthly-cost-budget: provisioned DynamoDB capacity costs $1.3104/month "
        "(table 'comments-table-0000000' 4 RCU + 2 WCU (x2 copies) = $1.3104) at us-east-1 "
        "prices of 2026-11-25, above this stack's budget of $1.00 (monthlyBudgetUsd)"
    ]


def test_budget_refuses_a_replica_of_a_table_outside_the_stack() -> None:
    arn = "arn:aws:dynamodb:us-east-1:333333333333:table/elsewhere"
    replica = resource("aws:dynamodb/tableReplica:TableReplica", "west", {"globalTableArn": arn})
    assert budget_messages(Stack(extra=[replica])) == [
        f"dynamodb-monthly-cost-budget: a TableReplica copies '{arn}', which is not a table in "
        "this stack, so its cost cannot be bounded"
    ]


def test_budget_counts_scheduled_maximums() -> None:
    stack = Stack(extra=[scheduled_action(READS, 1, 40)])
    # 40 RCU (the scheduled maximum) + 1 WCU = $3.744 + $0.468 = $4.212 > $4.
    [message] = budget_messages(stack, monthlyBudgetUsd=4)
    assert (
        "costs $4.2120/month (table 'comments-table-0000000' 40 RCU + 1 WCU = $4.2120)" in message
    )


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
    assert budget_messages(Stack(extra=[index]), monthlyBudgetUsd=1) == [
        "dynamodb-monthly-cost-budget: provisioned DynamoDB capacity costs $1.8720/month "
        "(table 'comments-table-0000000' 5 RCU + 2 WCU + warm throughput 0 read / 1 write "
        "units/s = $1.8720) at us-east-1 prices of 2026-11-25, above this stack's budget of "
        "$1.00 (monthlyBudgetUsd)"
    ]


def test_budget_reads_no_table_arn_without_a_replica() -> None:
    """A new table's arn is unknown at preview; the budget does not need it to add up capacity."""
    resources = Stack().resources()
    resources[0].state["arn"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # unknown at preview
    assert budget_messages_of(resources, monthlyBudgetUsd=0.5) == [
        "dynamodb-monthly-cost-budget: provisioned DynamoDB capacity costs $0.6552/month (table "
        "'comments-table-0000000' 2 RCU + 1 WCU = $0.6552) at us-east-1 prices of 2026-11-25, "
        "above this stack's budget of $0.50 (monthlyBudgetUsd)"
    ]


def budget_messages_of(resources: list[Any], **properties: Any) -> list[str]:
    return [f.message for f in findings(BUDGET, resources, **properties)]
