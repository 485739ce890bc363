"""stack-references-own-resources: reference inputs take their value from this stack's resources.

The rule reads only property dependencies (which resources each input came from), so these tests
build resources with `sources` as the engine reports them, and values unknown at preview as the
SDK's unknown sentinel.
"""

from __future__ import annotations

from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from tests.policy.builders import (
    API_URN,
    STAGE_URN,
    TABLE_NAME,
    TABLE_URN,
    Stack,
    assert_no_violations,
    findings,
    resource,
    urn,
)
from tests.policy.operations_builders import ALARM, monitoring
from tooling.offline_runner import PlannedResource

RULE = "stack-references-own-resources"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
LOG_GROUP_URN = urn("aws:cloudwatch/logGroup:LogGroup", "comments-access-logs")


def stage(sources: dict[str, list[str]], **inputs: object) -> PlannedResource:
    return resource(
        STAGE,
        "extra-stage",
        {"restApi": "mockapi123", "stageName": "v2", **inputs},
        sources=sources,
    )


def messages(*extra: PlannedResource) -> list[str]:
    return [f.message for f in findings(RULE, Stack(extra=[*monitoring(), *extra]).resources())]


def test_the_program_shaped_stack_passes() -> None:
    assert_no_violations(RULE, Stack(extra=monitoring()).resources())


def test_literal_api_id_names_the_input_and_the_type() -> None:
    assert messages(stage({})) == [
        f"{RULE}: Stage 'extra-stage' restApi is 'mockapi123', not taken from a RestApi of this "
        "stack (it depends on no resource of this stack); pass its output (rest_api=api.id) so "
        "the rules that check the RestApi cover what this uses"
    ]


def test_value_from_a_resource_of_another_type_names_where_it_came_from() -> None:
    """A stage's `deployment` output is the deployment's id, but no Deployment vouches for it."""
    found = messages(stage({"restApi": [API_URN], "deployment": [STAGE_URN]}, deployment="d1"))
    assert found == [
        f"{RULE}: Stage 'extra-stage' deployment is 'd1', not taken from a Deployment of this "
        "stack (it comes from Stage 'comments-stage'); pass its output (deployment=deployment.id) "
        "so the rules that check the Deployment cover what this uses"
    ]


def test_a_resource_outside_the_stack_does_not_count() -> None:
    """A `.get` is not among the stack's resources: its URN is dropped, as the analyzer does."""
    foreign = urn("aws:apigateway/restApi:RestApi", "foreign-api")
    [message] = messages(stage({"restApi": [foreign]}))
    assert "restApi is 'mockapi123', not taken from a RestApi of this stack (it depends on no " in (
        message
    )


def test_unknown_at_preview_passes_when_it_comes_from_the_right_resource() -> None:
    deployment = resource(DEPLOYMENT, "extra-deployment", {"restApi": UNKNOWN})
    unknown = stage(
        {"restApi": [API_URN], "deployment": [deployment.urn]},
        restApi=UNKNOWN,
        deployment=UNKNOWN,
    )
    assert messages(deployment, unknown) == [
        f"{RULE}: Deployment 'extra-deployment' restApi is a value unknown until apply, not "
        "taken from a RestApi of this stack (it depends on no resource of this stack); pass its "
        "output (rest_api=api.id) so the rules that check the RestApi cover what this uses"
    ]


def test_every_reference_input_is_checked() -> None:
    literal: dict[str, dict[str, Any]] = {
        "aws:apigateway/methodSettings:MethodSettings": {"restApi": "a", "stageName": "v1"},
        "aws:appautoscaling/target:Target": {"resourceId": "table/t"},
        "aws:appautoscaling/policy:Policy": {"resourceId": "table/t"},
        "aws:iam/rolePolicy:RolePolicy": {"role": "admin"},
        DEPLOYMENT: {"restApi": "a"},
        STAGE: {"accessLogSettings": {"destinationArn": "arn"}, "deployment": "d", "restApi": "a"},
    }
    extra = [
        resource(type_, f"extra-{index}", inputs)
        for index, (type_, inputs) in enumerate(literal.items())
    ]
    reported = sorted(m.split(" is ")[0].split("' ", 1)[1] for m in messages(*extra))
    assert reported == [
        "accessLogSettings.destinationArn",
        "deployment",
        "resourceId",
        "resourceId",
        "restApi",
        "restApi",
        "restApi",
        "role",
        "stageName",
    ]


def test_an_absent_input_is_not_a_reference() -> None:
    """A stage without access logs is the access-logging rule's to report, not this one's."""
    assert messages(stage({"restApi": [API_URN]})) == []


def alarm(sources: dict[str, list[str]], **inputs: object) -> PlannedResource:
    return resource(ALARM, "extra-alarm", {"name": "extra-alarm", **inputs}, sources=sources)


def test_alarm_dimension_by_literal_beside_one_from_the_stage() -> None:
    dimensions = {"ApiName": "comments", "Stage": "v1", "TableName": "someone-elses"}
    found = messages(alarm({"dimensions": [API_URN, STAGE_URN]}, dimensions=dimensions))
    assert found == [
        f"{RULE}: MetricAlarm 'extra-alarm' dimensions.TableName is 'someone-elses', not taken "
        "from a Table of this stack (it comes from RestApi 'comments-api', Stage "
        "'comments-stage'); pass its output (table.name) so the rules that check the Table cover "
        "what this uses"
    ]


def test_alarm_api_name_by_literal() -> None:
    dimensions = {"ApiName": "someone-elses-api", "Stage": "v1"}
    assert messages(alarm({"dimensions": [STAGE_URN]}, dimensions=dimensions)) == [
        f"{RULE}: MetricAlarm 'extra-alarm' dimensions.ApiName is 'someone-elses-api', not taken "
        "from a RestApi of this stack (it comes from Stage 'comments-stage'); pass its output "
        "(api.name) so the rules that check the RestApi cover what this uses"
    ]


def test_alarm_metric_query_dimension_by_literal() -> None:
    query = {"id": "q", "metric": {"metricName": "M", "dimensions": {"TableName": TABLE_NAME}}}
    [message] = messages(alarm({}, metricQueries=[{"id": "e", "expression": "q"}, query]))
    assert "MetricAlarm 'extra-alarm' metricQueries[1].metric.dimensions.TableName is " in message


def test_alarm_dimensions_unknown_at_preview() -> None:
    assert messages(alarm({"dimensions": [TABLE_URN]}, dimensions=UNKNOWN)) == []
    assert messages(alarm({}, dimensions=UNKNOWN)) == [
        f"{RULE}: MetricAlarm 'extra-alarm' dimensions is a value unknown until apply, not taken "
        "from a RestApi or Table or Stage of this stack (it depends on no resource of this "
        "stack); pass its output (api.name or table.name or stage.stage_name) so the rules that "
        "check the RestApi or Table or Stage cover what this uses"
    ]
