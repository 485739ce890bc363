"""allowed-resource-types: only the types a stack's config lists; unknown is refused; bad lists are errors."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from comments_policy.resource_types import provider_resource_types
from tests.policy.builders import PACK, Stack, findings, resource
from tooling.offline_runner import PlannedResource
from tooling.policy_check import POLICY_DIR, PolicyConfigError, load_policy_config, main

ALLOW = "allowed-resource-types"
STACKS = ("local", "dev", "staging", "prod")
PROD = json.loads((POLICY_DIR / "config" / "prod.json").read_text(encoding="utf-8"))
COMPONENT = "comments:service:CommentsService"


def messages(resources: list[PlannedResource], **properties: Any) -> list[str]:
    return [f.message for f in findings(ALLOW, resources, **properties)]


def test_happy_path_the_programs_own_types_and_the_engines() -> None:
    engine = [
        resource(COMPONENT, "comments-prod", {}),
        resource("pulumi:pulumi:Stack", "comments-prod", {}),
        resource("pulumi:providers:aws", "default_7_51_1", {"region": "us-east-1"}),
        resource("pulumi:providers:aws", "default", {}),
    ]
    assert messages([*Stack().resources(), *engine]) == []


@pytest.mark.parametrize(
    ("type_", "listable"),
    [
        ("aws:iam/user:User", True),
        ("aws:iam/accessKey:AccessKey", True),
        ("aws:iam/userPolicy:UserPolicy", True),
        ("aws:iam/policyAttachment:PolicyAttachment", True),
        ("aws:dynamodb/resourcePolicy:ResourcePolicy", True),
        ("aws:dynamodb/tableReplica:TableReplica", True),
        ("aws:cloudcontrol/resource:Resource", True),
        ("aws:cloudformation/stack:Stack", True),
        ("aws:apigatewayv2/api:Api", True),
        ("pulumi:providers:aws", True),  # an explicit provider: not one of the engine's defaults
        ("pulumi-python:dynamic:Resource", False),
        ("awsx:ec2:Vpc", False),
        ("aws:made/up:Thing", False),  # a type the pack has never seen
    ],
)
def test_every_other_type_is_refused(type_: str, listable: bool) -> None:
    extra = resource(type_, "extra", {})
    found = findings(ALLOW, [*Stack().resources(), extra])
    assert len(found) == 1
    assert found[0].urn == extra.urn
    remedy = (
        f"if the service needs it, add '{type_}' to allowedResourceTypes in the stack's policy "
        "config (policy/config/<stack>.json) and have it reviewed"
        if listable
        else "it cannot be allowed: allowedResourceTypes takes only pulumi_aws resource types and "
        "this project's components (dynamic providers and other packages' components can do "
        "anything their code does, out of the pack's sight)"
    )
    assert found[0].message == (
        f"allowed-resource-types: 'extra' is of type {type_}, which this stack does not allow "
        f"(allowedResourceTypes); {remedy}"
    )


def test_listing_a_type_allows_it() -> None:
    user = resource("aws:iam/user:User", "reviewed-user", {})
    listed = [*PROD[ALLOW]["allowedResourceTypes"], "aws:iam/user:User"]
    assert messages([user], allowedResourceTypes=listed) == []


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_lists_exactly_the_programs_types(stack: str) -> None:
    config = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    assert sorted(config[ALLOW]["allowedResourceTypes"]) == sorted(
        [
            "aws:apigateway/deployment:Deployment",
            "aws:apigateway/methodSettings:MethodSettings",
            "aws:apigateway/restApi:RestApi",
            "aws:apigateway/stage:Stage",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:dynamodb/table:Table",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            # monitoring and optional auto scaling (subscriptions and scaling come from config)
            "aws:appautoscaling/policy:Policy",
            "aws:appautoscaling/target:Target",
            "aws:budgets/budget:Budget",
            "aws:cloudwatch/dashboard:Dashboard",
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:sns/topic:Topic",
            "aws:sns/topicPolicy:TopicPolicy",
            "aws:sns/topicSubscription:TopicSubscription",
            COMPONENT,
        ]
    )


def test_the_provider_type_list_is_pulumi_aws_s_own() -> None:
    """Tokens come from pulumi_aws's registration table, and each one names a class it ships."""
    version, tokens = provider_resource_types()
    assert version == importlib.metadata.version("pulumi_aws")
    assert len(tokens) > 1000
    assert "pulumi:providers:aws" in tokens
    for token, module, cls in (
        ("aws:dynamodb/table:Table", "pulumi_aws.dynamodb", "Table"),
        ("aws:iam/rolePolicy:RolePolicy", "pulumi_aws.iam", "RolePolicy"),
        ("aws:apigateway/methodSettings:MethodSettings", "pulumi_aws.apigateway", "MethodSettings"),
    ):
        assert token in tokens
        assert isinstance(getattr(importlib.import_module(module), cls), type)
    assert "aws:dynamodb/table:Tables" not in tokens


def write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_config_without_the_allow_list_is_an_error(tmp_path: Path) -> None:
    document = {k: v for k, v in PROD.items() if k != ALLOW}
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(write(tmp_path, document), PACK)
    assert str(raised.value).endswith(
        "invalid policy config: allowed-resource-types: 'allowedResourceTypes' is a required "
        "property"
    )


def test_a_type_pulumi_aws_does_not_have_is_an_error(tmp_path: Path) -> None:
    listed = [*PROD[ALLOW]["allowedResourceTypes"], "aws:iam/usr:User"]
    document = {**PROD, ALLOW: {"allowedResourceTypes": listed}}
    version, _ = provider_resource_types()
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(write(tmp_path, document), PACK)
    assert str(raised.value).endswith(
        "invalid policy config: allowed-resource-types: allowedResourceTypes names "
        f"'aws:iam/usr:User', which is not a resource type of pulumi_aws {version} nor a "
        "component of this project (comments:<module>:<Type>)"
    )


def test_bad_allow_list_on_the_command_line_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = {**PROD, ALLOW: {"allowedResourceTypes": ["pulumi-python:dynamic:Resource"]}}
    assert main(["prod", "--config", str(write(tmp_path, document))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: {tmp_path / 'prod.json'}: invalid policy config:")
    assert "names 'pulumi-python:dynamic:Resource', which is not a resource type" in captured.err
    assert captured.err.count("\n") == 1


def test_the_cli_path_reports_an_unusable_list_as_a_violation() -> None:
    """The CLI never runs the offline config check, so the policy says it where it runs."""
    version, _ = provider_resource_types()
    found = messages(
        [resource("aws:iam/role:Role", "role", {})],
        allowedResourceTypes=["aws:iam/role:Role", "aws:iam/rolee:Role"],
    )
    assert found == [
        "allowed-resource-types: allowedResourceTypes names 'aws:iam/rolee:Role', which is not a "
        f"resource type of pulumi_aws {version} nor a component of this project "
        "(comments:<module>:<Type>)"
    ]
