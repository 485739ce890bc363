"""The model of pulumi-aws's Check (tooling/provider_check.py) against what its source says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.rpc import UNKNOWN as RPC_UNKNOWN

from tooling.offline_runner import REPO_ROOT, run_stack
from tooling.provider_check import (
    ADDED_INPUTS,
    PROVIDER_CHECK,
    UNKNOWN,
    ProviderCheckError,
    UnmodelledResourceType,
    checked_inputs,
)

STAGE = "aws:apigateway/stage:Stage"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
BUDGET = "aws:budgets/budget:Budget"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
TOPIC = "aws:sns/topic:Topic"
TABLE = "aws:dynamodb/table:Table"

CONFIG = {"aws:region": "us-east-1"}
DEFAULT_TAGS = {
    **CONFIG,
    "aws:defaultTags": json.dumps({"tags": {"team": "platform", "stack": "default"}}),
}
AUTONAME = re.compile(r"^(?P<prefix>.+)-[0-9a-f]{7}$")


def stage(**inputs: Any) -> dict[str, Any]:
    return {"restApi": "api123", "deployment": "dep123", "stageName": "v1", **inputs}


def role(**inputs: Any) -> dict[str, Any]:
    return {"assumeRolePolicy": '{"Version": "2012-10-17", "Statement": []}', **inputs}


def test_the_unknown_mark_is_the_engines() -> None:
    assert UNKNOWN == RPC_UNKNOWN


def test_every_allowed_type_is_modelled_and_nothing_else() -> None:
    allowed: set[str] = set()
    for path in sorted(Path(REPO_ROOT, "policy", "config").glob("*.json")):
        document = json.loads(path.read_text())
        allowed |= set(document["allowed-resource-types"]["allowedResourceTypes"])
    assert allowed == set(PROVIDER_CHECK)


def test_a_type_not_in_the_model_is_refused() -> None:
    with pytest.raises(UnmodelledResourceType, match="aws:s3/bucket:Bucket"):
        checked_inputs("aws:s3/bucket:Bucket", {"bucket": "b"}, CONFIG)


def test_tagged_stage_gets_default_tags_merged_under_its_own_and_the_stacks_region() -> None:
    inputs = stage(tags={"stack": "prod", "project": "comments"})
    checked = checked_inputs(STAGE, inputs, DEFAULT_TAGS)
    assert checked["tagsAll"] == {"team": "platform", "stack": "prod", "project": "comments"}
    assert checked["tags"] == {"stack": "prod", "project": "comments"}
    assert checked["region"] == "us-east-1"
    assert set(checked) == {*inputs, "tagsAll", "region"}


def test_inputs_are_not_changed() -> None:
    inputs = stage(tags={"stack": "prod"})
    before = json.loads(json.dumps(inputs))
    checked_inputs(STAGE, inputs, DEFAULT_TAGS)
    assert inputs == before


def test_untagged_stage_without_default_tags_gets_an_empty_tags_all() -> None:
    assert checked_inputs(STAGE, stage(), CONFIG)["tagsAll"] == {}


def test_untagged_stage_gets_the_default_tags() -> None:
    checked = checked_inputs(STAGE, stage(tags=None), DEFAULT_TAGS)
    assert checked["tagsAll"] == {"team": "platform", "stack": "default"}
    assert "tags" not in checked  # null inputs are dropped


def test_ignore_tags_leave_tags_all_but_not_tags() -> None:
    config = {
        **DEFAULT_TAGS,
        "aws:ignoreTags": json.dumps({"keys": ["team"], "keyPrefixes": ["internal:"]}),
    }
    tags = {"internal:cost": "x", "project": "comments"}
    checked = checked_inputs(STAGE, stage(tags=tags), config)
    assert checked["tagsAll"] == {"stack": "default", "project": "comments"}
    assert checked["tags"] == tags


def test_a_tag_value_that_is_not_a_string_reads_as_empty_in_tags_all() -> None:
    checked = checked_inputs(STAGE, stage(tags={"count": 3.0}), CONFIG)
    assert checked["tagsAll"] == {"count": ""}


def test_role_gets_tags_all_but_no_region() -> None:
    checked = checked_inputs(ROLE, role(tags={"stack": "prod"}), DEFAULT_TAGS)
    assert checked["tagsAll"] == {"team": "platform", "stack": "prod"}
    assert "region" not in checked


def test_role_gets_its_schema_defaults_but_keeps_its_own_values() -> None:
    checked = checked_inputs(ROLE, role(), CONFIG)
    assert checked["path"] == "/"
    assert checked["maxSessionDuration"] == 3600
    assert "forceDetachPolicies" not in checked  # a falsy default the bridge omits
    assert (
        checked_inputs(ROLE, role(maxSessionDuration=7200.0), CONFIG)["maxSessionDuration"] == 7200
    )


def test_budget_is_global_and_runs_to_2087() -> None:
    checked = checked_inputs(BUDGET, {"budgetType": "COST", "timeUnit": "MONTHLY"}, CONFIG)
    assert "region" not in checked
    assert checked["tagsAll"] == {}
    assert checked["timePeriodEnd"] == "2087-06-15_00:00"


def test_role_policy_gets_neither_region_nor_tags_all() -> None:
    checked = checked_inputs(ROLE_POLICY, {"role": "r", "policy": "{}"}, DEFAULT_TAGS)
    assert checked == {"role": "r", "policy": "{}"}


def test_deployment_gets_a_region_but_no_tags_all() -> None:
    checked = checked_inputs(DEPLOYMENT, {"restApi": "api123"}, DEFAULT_TAGS)
    assert checked == {"restApi": "api123", "region": "us-east-1"}


def test_a_region_input_is_kept() -> None:
    checked = checked_inputs(STAGE, stage(region="eu-west-1"), CONFIG)
    assert checked["region"] == "eu-west-1"


def test_a_null_region_input_takes_the_providers() -> None:
    assert checked_inputs(STAGE, stage(region=None), CONFIG)["region"] == "us-east-1"


def test_without_aws_region_config_no_region_is_added() -> None:
    assert "region" not in checked_inputs(STAGE, stage(), {})


def test_unknown_tags_make_tags_all_unknown() -> None:
    assert checked_inputs(STAGE, stage(tags=UNKNOWN), DEFAULT_TAGS)["tagsAll"] == UNKNOWN


def test_an_unknown_tag_value_makes_all_of_tags_all_unknown() -> None:
    checked = checked_inputs(STAGE, stage(tags={"stack": "prod", "owner": UNKNOWN}), DEFAULT_TAGS)
    assert checked["tagsAll"] == UNKNOWN
    assert checked["tags"] == {"stack": "prod", "owner": UNKNOWN}


def test_an_unknown_region_input_stays_unknown() -> None:
    assert checked_inputs(STAGE, stage(region=UNKNOWN), CONFIG)["region"] == UNKNOWN


@pytest.mark.parametrize(
    "config",
    [
        {"aws:region": UNKNOWN},
        {**CONFIG, "aws:defaultTags": json.dumps({"tags": {"team": UNKNOWN}})},
    ],
)
def test_unknown_provider_config_means_check_is_not_called(config: dict[str, str]) -> None:
    inputs = stage(tags={"stack": "prod"}, description=None)
    assert checked_inputs(STAGE, inputs, config) == inputs


def test_method_settings_fill_throttling_defaults_inside_settings() -> None:
    checked = checked_inputs(
        METHOD_SETTINGS,
        {
            "restApi": "a",
            "stageName": "v1",
            "methodPath": "*/*",
            "settings": {"metricsEnabled": True},
        },
        CONFIG,
    )
    assert checked["settings"] == {
        "metricsEnabled": True,
        "throttlingBurstLimit": -1,
        "throttlingRateLimit": -1,
    }
    kept = checked_inputs(METHOD_SETTINGS, {"settings": {"throttlingBurstLimit": 20.0}}, CONFIG)[
        "settings"
    ]
    assert kept == {"throttlingBurstLimit": 20, "throttlingRateLimit": -1}


def test_table_defaults_reach_each_replica() -> None:
    checked = checked_inputs(
        TABLE, {"hashKey": "pk", "replicas": [{"regionName": "eu-west-1"}]}, CONFIG
    )
    assert checked["billingMode"] == "PROVISIONED"
    assert checked["tableClass"] == "STANDARD"
    assert checked["replicas"] == [{"regionName": "eu-west-1", "consistencyMode": "EVENTUAL"}]


def test_autoname_is_the_logical_name_and_seven_hex_chars() -> None:
    checked = checked_inputs(ROLE, role(), CONFIG, resource_name="comments-prod-integration-role")
    match = AUTONAME.match(checked["name"])
    assert match is not None
    assert match["prefix"] == "comments-prod-integration-role"
    assert "name" not in checked_inputs(ROLE, role(), CONFIG)  # no logical name, no autoname


def test_a_set_name_or_name_prefix_is_not_autonamed() -> None:
    assert checked_inputs(ROLE, role(name="mine"), CONFIG, resource_name="r")["name"] == "mine"
    prefixed = checked_inputs(ROLE, role(namePrefix="mine-"), CONFIG, resource_name="r")
    assert "name" not in prefixed


def test_a_fifo_topic_name_ends_in_fifo() -> None:
    checked = checked_inputs(TOPIC, {"fifoTopic": True}, CONFIG, resource_name="alarms")
    assert re.fullmatch(r"alarms-[0-9a-f]{7}\.fifo", checked["name"])
    assert re.fullmatch(
        r"alarms-[0-9a-f]{7}", checked_inputs(TOPIC, {}, CONFIG, resource_name="alarms")["name"]
    )


def test_a_logical_name_too_long_for_the_autoname_fails_check() -> None:
    with pytest.raises(ProviderCheckError, match="longer than maximum length 64"):
        checked_inputs(ROLE, role(), CONFIG, resource_name="r" * 57)
    assert len(checked_inputs(ROLE, role(), CONFIG, resource_name="r" * 56)["name"]) == 64


def test_a_policy_object_becomes_go_json() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:<x>&"}]}
    checked = checked_inputs(ROLE_POLICY, {"role": "r", "policy": policy}, CONFIG)
    assert checked["policy"] == (
        '{"Statement":[{"Action":"s3:\\u003cx\\u003e\\u0026","Effect":"Allow"}],'
        '"Version":"2012-10-17"}'
    )
    unknown = checked_inputs(ROLE_POLICY, {"role": "r", "policy": {"Version": UNKNOWN}}, CONFIG)
    assert unknown["policy"] == UNKNOWN


def test_a_component_passes_through() -> None:
    inputs = {"anything": None}
    assert checked_inputs("comments:service:CommentsService", inputs, DEFAULT_TAGS) == inputs


def test_added_inputs_name_what_each_type_may_gain() -> None:
    assert ADDED_INPUTS[STAGE] == {"region", "tagsAll"}
    assert ADDED_INPUTS[ROLE] == {"tagsAll", "name", "path", "maxSessionDuration"}
    assert ADDED_INPUTS[ROLE_POLICY] == {"name"}
    assert ADDED_INPUTS[METHOD_SETTINGS] == {"region"}


def test_the_prod_plan_as_the_analyzer_would_see_it() -> None:
    plan = run_stack("prod")
    config = {key: value for key, value in plan.config.items() if key.startswith("aws:")}
    for planned in plan.resources:
        checked = checked_inputs(planned.type, planned.inputs, config, resource_name=planned.name)
        spec = PROVIDER_CHECK[planned.type]
        assert set(checked) - set(planned.inputs) <= ADDED_INPUTS[planned.type], planned.name
        if spec.region:
            assert checked["region"] == "us-east-1", planned.name
        if spec.tags_all:
            assert checked["tagsAll"] == planned.inputs.get("tags", {}), planned.name
    roles = [
        checked_inputs(r.type, r.inputs, config, resource_name=r.name) for r in plan.of_type(ROLE)
    ]
    assert roles and all("region" not in r and AUTONAME.match(r["name"]) for r in roles)
