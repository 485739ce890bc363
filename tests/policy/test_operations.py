"""Operations rules: the stack's stage and table are watched, the alarms reach someone."""

from __future__ import annotations

import pytest

from tests.policy.builders import ACCOUNT, PACK, TABLE_NAME, Stack, findings, resource
from tests.policy.operations_builders import alarm, monitoring
from tooling.offline_runner import PlannedResource
from tooling.policy_check import POLICY_DIR, load_policy_config

REQUIRED = "operations-alarms-required"
SUBSCRIBERS = "operations-alarm-subscribers"


def without(name: str, resources: list[PlannedResource]) -> list[PlannedResource]:
    kept = [r for r in resources if r.name != name]
    assert len(kept) == len(resources) - 1, f"no resource named {name}"
    return kept


def messages(policy: str, resources: list[PlannedResource]) -> list[str]:
    return [f.message for f in findings(policy, resources)]


@pytest.mark.parametrize("policy", [REQUIRED, SUBSCRIBERS])
def test_happy_path(policy: str) -> None:
    assert messages(policy, Stack(extra=monitoring()).resources()) == []


def test_a_stack_with_no_monitoring_misses_every_alarm_and_the_budget() -> None:
    found = messages(REQUIRED, Stack().resources())
    assert len(found) == 3 + 4 + 1
    assert found[0] == (
        f"{REQUIRED}: Stage 'comments-stage' has no alarm on AWS/ApiGateway 5XXError (Stage=v1); "
        "this stack must be watched for it"
    )
    assert found[-1].startswith(f"{REQUIRED}: no AWS Budgets budget of this stack notifies")


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("comments-api-5xx-rate", "Stage 'comments-stage' has no alarm on AWS/ApiGateway 5XXError"),
        ("comments-api-4xx-rate", "Stage 'comments-stage' has no alarm on AWS/ApiGateway 4XXError"),
        (
            "comments-api-latency-p99",
            "Stage 'comments-stage' has no alarm on AWS/ApiGateway Latency",
        ),
        (
            "comments-table-read-throttles",
            f"Table 'comments-table' has no alarm on AWS/DynamoDB ReadThrottleEvents (TableName={TABLE_NAME})",
        ),
        (
            "comments-table-write-capacity",
            "Table 'comments-table' has no alarm on AWS/DynamoDB ConsumedWriteCapacityUnits",
        ),
    ],
)
def test_each_missing_alarm_is_named(name: str, missing: str) -> None:
    found = messages(REQUIRED, Stack(extra=without(name, monitoring())).resources())
    assert len(found) == 1, found
    assert found[0].startswith(f"{REQUIRED}: {missing}")


def test_an_alarm_on_another_stage_or_table_does_not_count() -> None:
    resources = without("comments-api-5xx-rate", monitoring())
    resources += [
        alarm(
            "other-5xx",
            namespace="AWS/ApiGateway",
            metricName="5XXError",
            dimensions={"ApiName": "comments", "Stage": "v2"},
        )
    ]
    resources = without("comments-table-read-throttles", resources)
    resources += [
        alarm(
            "other-throttles",
            namespace="AWS/DynamoDB",
            metricName="ReadThrottleEvents",
            dimensions={"TableName": "someone-elses-table"},
        )
    ]
    found = messages(REQUIRED, Stack(extra=resources).resources())
    assert [m.split(" has no alarm on ")[1].split(" (")[0] for m in found] == [
        "AWS/ApiGateway 5XXError",
        "AWS/DynamoDB ReadThrottleEvents",
    ]


@pytest.mark.parametrize(
    "actions",
    [[], ["arn:aws:sns:us-east-1:123456789012:someone-elses-topic"]],
    ids=["no actions", "a topic outside the stack"],
)
def test_an_alarm_must_notify_a_topic_of_the_stack(actions: list[str]) -> None:
    resources = without("comments-api-latency-p99", monitoring())
    resources.append(
        alarm(
            "comments-api-latency-p99",
            namespace="AWS/ApiGateway",
            metricName="Latency",
            dimensions={"ApiName": "comments", "Stage": "v1"},
        )
    )
    resources[-1].state["alarmActions"] = actions
    found = messages(REQUIRED, Stack(extra=resources).resources())
    elsewhere = [
        f"{REQUIRED}: MetricAlarm 'comments-api-latency-p99' alarmActions names '{action}', "
        "which is not an SNS topic of this stack; alarms notify the stack's topic only"
        for action in actions
    ]
    assert found == [
        *elsewhere,
        f"{REQUIRED}: alarm comments-api-latency-p99 on AWS/ApiGateway Latency notifies no SNS "
        "topic of this stack (alarmActions); a firing alarm nobody hears of is no alarm",
    ]


def test_the_budget_must_notify_the_stacks_topic() -> None:
    resources = without("comments-monthly-budget", monitoring())
    found = messages(REQUIRED, Stack(extra=resources).resources())
    assert found == [
        f"{REQUIRED}: no AWS Budgets budget of this stack notifies a topic of this stack; set "
        "comments:monthlyBudgetUsd to the stack's monthly budget"
    ]


def test_alarms_without_a_subscriber_are_reported_on_the_topic() -> None:
    found = findings(SUBSCRIBERS, Stack(extra=monitoring(subscribed=False)).resources())
    assert [(f.urn.rsplit("::", 1)[1], f.message) for f in found] == [
        (
            "comments-alarms",
            f"{SUBSCRIBERS}: Topic 'comments-alarms' receives 7 alarm(s) but has no subscription, "
            "so nobody is told when they fire; add an e-mail address or https:// webhook to "
            "comments:alarmSubscriptions",
        )
    ]


def test_a_subscription_to_another_topic_does_not_count() -> None:
    resources = monitoring(subscribed=False)
    resources.append(
        resource(
            "aws:sns/topicSubscription:TopicSubscription",
            "elsewhere",
            {
                "topic": "arn:aws:sns:us-east-1:123456789012:another-topic",
                "protocol": "email",
                "endpoint": "oncall@example.com",
            },
        )
    )
    found = findings(SUBSCRIBERS, Stack(extra=resources).resources())
    assert [f.urn.rsplit("::", 1)[1] for f in found] == ["comments-alarms"]


@pytest.mark.parametrize(
    ("stack", "required", "subscribers"),
    [
        ("local", "advisory", "advisory"),
        ("dev", "advisory", "advisory"),
        ("staging", "advisory", "advisory"),
        ("prod", "mandatory", "advisory"),
    ],
)
def test_alarms_are_mandatory_in_prod_only(stack: str, required: str, subscribers: str) -> None:
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", PACK)
    assert settings[REQUIRED].level.value == required
    assert settings[SUBSCRIBERS].level.value == subscribers


BUDGET_ACCOUNT = "operations-budget-own-account"


def budget(**inputs: object) -> PlannedResource:
    return resource(
        "aws:budgets/budget:Budget",
        "comments-monthly-budget",
        {"budgetType": "COST", "timeUnit": "MONTHLY", "limitAmount": "5.00", **inputs},
    )


@pytest.mark.parametrize("inputs", [{}, {"accountId": ACCOUNT}])
def test_a_budget_of_the_stacks_account_passes(inputs: dict[str, object]) -> None:
    assert messages(BUDGET_ACCOUNT, [budget(**inputs)]) == []


@pytest.mark.parametrize("other", ["444444444444", "*", ""])
def test_a_budget_of_another_account(other: str) -> None:
    """From an organization's management account a budget can watch a member account instead."""
    assert messages(BUDGET_ACCOUNT, [budget(accountId=other)]) == [
        f"{BUDGET_ACCOUNT}: Budget 'comments-monthly-budget' watches account {other!r} "
        "(accountId); this stack's account is 333333333333, whose spend the budget is for; "
        "leave accountId unset"
    ]


def test_the_budget_rule_needs_the_stacks_account() -> None:
    found = findings(BUDGET_ACCOUNT, [budget(accountId="444444444444")], accountId="3333")
    assert [f.message for f in found] == [
        f"{BUDGET_ACCOUNT}: policy parameter 'accountId' is missing or not a 12-digit account "
        "id; set it in the stack's policy config (policy/config/<stack>.json)"
    ]
