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
