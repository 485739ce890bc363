"""resources-in-stack-region: a resource's `region` is unset or the stack's; providers name it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.builders import REGION, Stack, assert_no_violations, findings, resource
from tests.policy.operations_builders import monitoring

STACK_REGION = "resources-in-stack-region"
ELSEWHERE = (
    "sets region 'eu-west-1'; this stack deploys to us-east-1 (region), where its alarms, budget "
    "and IAM rules look"
)


def messages(resources: list[Any], **properties: Any) -> list[str]:
    return [f.message for f in findings(STACK_REGION, resources, **properties)]


def test_happy_path() -> None:
    assert_no_violations(STACK_REGION, Stack(extra=monitoring()).resources())


def test_the_stacks_own_region_spelled_out_passes() -> None:
    stack = Stack()
    stack.table["region"] = REGION
    stack.stage["region"] = REGION
    assert_no_violations(STACK_REGION, stack.resources())


@pytest.mark.parametrize(
    ("type_", "name", "inputs"),
    [
        ("aws:dynamodb/table:Table", "comments-table", {"billingMode": "PROVISIONED"}),
        ("aws:apigateway/stage:Stage", "comments-stage", {"stageName": "v1"}),
        ("aws:apigateway/restApi:RestApi", "comments-api", {"name": "comments"}),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", {"metricName": "Latency"}),
        ("aws:sns/topic:Topic", "alarms", {"name": "alarms"}),
    ],
)
def test_a_resource_in_another_region(type_: str, name: str, inputs: dict[str, Any]) -> None:
    short = type_.rsplit(":", 1)[-1]
    placed = resource(type_, name, {**inputs, "region": "eu-west-1"})
    assert messages([placed]) == [f"{STACK_REGION}: {short} '{name}' {ELSEWHERE}"]


def test_an_explicit_provider_names_the_stacks_region() -> None:
    provider = "pulumi:providers:aws"
    assert_no_violations(
        STACK_REGION, [resource(provider, "default_7_51_1", {"region": REGION, "version": "7"})]
    )
    assert messages([resource(provider, "default_7_51_1", {"region": "eu-west-1"})]) == [
        f"{STACK_REGION}: provider 'default_7_51_1' {ELSEWHERE}"
    ]
    # Unset, the provider would deploy wherever AWS_REGION or a profile points.
    assert messages([resource(provider, "other", {"version": "7"})]) == [
        f"{STACK_REGION}: provider 'other' sets no region, so it would deploy wherever its "
        "environment (AWS_REGION, a profile) points; set region to this stack's, us-east-1"
    ]


def test_the_rule_follows_its_config() -> None:
    placed = resource("aws:sns/topic:Topic", "alarms", {"region": "eu-west-1"})
    assert messages([placed], region="eu-west-1") == []
    assert messages([placed], region="us-east-1x") == [
        f"{STACK_REGION}: policy parameter 'region' is missing or not an AWS region name (e.g. "
        "us-east-1); set it in the stack's policy config (policy/config/<stack>.json)"
    ]


UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown-at-preview sentinel


def test_a_region_unknown_at_preview_is_refused_never_passed() -> None:
    placed = resource("aws:sns/topic:Topic", "alarms", {"region": UNKNOWN_STRING})
    [finding] = findings(STACK_REGION, [placed])
    # Not the analyzer's advisory "can't run" (pulumi_policy/policy.py): the pack fails closed.
    assert finding.level == "mandatory"
    assert finding.message.startswith(
        f"{STACK_REGION}: Topic 'alarms' region is unknown at preview, so this rule cannot check "
        "it and refuses it"
    )


def test_a_table_replicated_to_other_regions() -> None:
    """A replica is the table's data in another region, however little capacity it has."""
    stack = Stack()
    stack.table["replicas"] = [{"regionName": "eu-west-1"}, {"regionName": "ap-south-1"}]
    assert messages(stack.resources()) == [
        f"{STACK_REGION}: Table 'comments-table' replicates its data to 'eu-west-1', "
        "'ap-south-1' (replicas); this stack's data stays in us-east-1 (region)"
    ]
    stack.table["replicas"] = []
    assert messages(stack.resources()) == []
