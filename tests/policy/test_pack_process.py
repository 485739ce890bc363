"""The pack as the Pulumi CLI runs it: `python policy/ <engine-address>` announces a port, then serves.

The test then speaks the CLI's side of the Analyzer protocol: GetAnalyzerInfo, Configure (with
the prod config, reconciled as the CLI does), Analyze of one resource, and AnalyzeStack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.policy.builders import PACK, Stack, prod_settings
from tests.policy.operations_builders import monitoring
from tests.policy_pack_process import served_pack
from tooling.offline_runner import PlannedResource
from tooling.policy_check import POLICY_DIR

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    with served_pack(POLICY_DIR) as stub:
        yield stub


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def stack_request(resources: list[PlannedResource]) -> analyzer_pb2.AnalyzeStackRequest:
    """What the engine sends at the end of a preview or update: outputs and dependencies."""
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                properties=struct(json.loads(json.dumps(r.state))),
                options=analyzer_pb2.AnalyzerResourceOptions(protect=r.protect),
                dependencies=r.dependencies,
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )


def test_pack_announces_its_policies(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK.name
    assert [p.name for p in info.policies] == [p.name for p in PACK.policies]
    assert all(p.enforcementLevel == analyzer_pb2.MANDATORY for p in info.policies)
    schemas = {p.name: list(p.configSchema.required) for p in info.policies}
    assert schemas["dynamodb-provisioned-capacity"] == ["maxReadCapacity", "maxWriteCapacity"]


def test_served_pack_blocks_a_wildcard_action(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    levels = {
        "mandatory": analyzer_pb2.MANDATORY,
        "advisory": analyzer_pb2.ADVISORY,
        "disabled": analyzer_pb2.DISABLED,
        "remediate": analyzer_pb2.REMEDIATE,
    }
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=levels[s.level.value], properties=struct(s.properties)
                )
                for name, s in prod_settings().items()
            }
        )
    )
    stack = Stack()
    stack.access["Statement"][0]["Action"] = "dynamodb:*"
    role_policy = stack.resources()[2]
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=role_policy.type,
            name=role_policy.name,
            urn=role_policy.urn,
            properties=struct(role_policy.inputs),
        )
    )
    by_policy = {d.policyName: d for d in response.diagnostics}
    # The builders' resources carry no `comments-prod-` name prefix, which the two name rules
    # refuse on their own; the wildcard is iam-least-privilege's.
    assert sorted(by_policy) == [
        "iam-least-privilege",
        "resource-inputs-reviewed",
        "stack-names-own-resources",
    ]
    assert len(response.diagnostics) == 3
    diagnostic = by_policy["iam-least-privilege"]
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "allows the wildcard action 'dynamodb:*'" in diagnostic.message

    stack_response = analyzer.AnalyzeStack(stack_request(Stack(extra=monitoring()).resources()))
    assert list(stack_response.diagnostics) == []


def test_served_pack_reads_property_dependencies(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    """The SDK's analyzer server hands the engine's propertyDependencies to stack policies: a
    stage whose restApi came from nothing, and throttling whose stage is not in the stack, fail."""
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY, properties=struct(s.properties)
                )
                for name, s in prod_settings().items()
            }
        )
    )
    resources = Stack(extra=monitoring()).resources()
    by_name = {r.name: r for r in resources}
    by_name["comments-stage"].property_dependencies["restApi"] = []
    read = "urn:pulumi:prod::comments::aws:apigateway/stage:Stage::read-with-get"
    by_name["comments-throttling"].property_dependencies["stageName"] = [read]
    response = analyzer.AnalyzeStack(stack_request(resources))
    assert [(d.policyName, d.message.splitlines()[-1]) for d in response.diagnostics] == [
        (
            "stack-references-own-resources",
            "stack-references-own-resources: Stage 'comments-stage' restApi is 'mockapi123', not "
            "taken from a RestApi of this stack (it depends on no resource of this stack); pass "
            "its output (rest_api=api.id) so the rules that check the RestApi cover what this uses",
        ),
        (
            "stack-references-own-resources",
            "stack-references-own-resources: MethodSettings 'comments-throttling' stageName is "
            "'v1', not taken from a Stage of this stack (it depends on no resource of this "
            "stack); pass its output (stage_name=stage.stage_name) so the rules that check the "
            "Stage cover what this uses",
        ),
    ]


def test_served_pack_refuses_a_dynamic_provider_resource(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    """What `pulumi preview/up` sends for a pulumi.dynamic.Resource: refused, naming the key."""
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=analyzer_pb2.MANDATORY, properties=struct(s.properties)
                )
                for name, s in prod_settings().items()
            }
        )
    )
    urn = "urn:pulumi:prod::comments::pulumi-python:dynamic:Resource::direct-calls"
    response = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="pulumi-python:dynamic:Resource",
            name="direct-calls",
            urn=urn,
            properties=struct({"__provider": "opaque pickled provider"}),
        )
    )
    by_policy = {d.policyName: d for d in response.diagnostics}
    # The input allow-list has no entry for the type either, and says so on its own.
    assert sorted(by_policy) == ["allowed-resource-types", "resource-inputs-reviewed"]
    assert len(response.diagnostics) == 2
    diagnostic = by_policy["allowed-resource-types"]
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert (
        "allowed-resource-types: 'direct-calls' is of type pulumi-python:dynamic:Resource, which "
        "this stack does not allow (allowedResourceTypes); it cannot be allowed"
        in diagnostic.message
    )
    # The engine's own resources go through the same policies and pass; the default provider's
    # inputs are the stack's aws:* config.
    provider = {"region": "us-east-1", "allowedAccountIds": '["333333333333"]', "version": "7.51.1"}
    for type_, name, properties in (
        ("pulumi:pulumi:Stack", "comments-prod", {}),
        ("pulumi:providers:aws", "default_7_51_1", provider),
    ):
        engine = analyzer.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type=type_,
                name=name,
                urn=f"urn:pulumi:prod::comments::{type_}::{name}",
                properties=struct(properties),
            )
        )
        assert list(engine.diagnostics) == []
    # A provider of the program's own that takes a default provider's name passes the type
    # allow-list, but not the region rule.
    impostor = analyzer.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="pulumi:providers:aws",
            name="default_7_51_1",
            urn="urn:pulumi:prod::comments::pulumi:providers:aws::default_7_51_1",
            properties=struct({**provider, "region": "eu-west-1"}),
        )
    )
    # The served message is the policy's description, a newline, then what it reported.
    assert [(d.policyName, d.message.splitlines()[-1]) for d in impostor.diagnostics] == [
        (
            "resources-in-stack-region",
            "resources-in-stack-region: provider 'default_7_51_1' sets region 'eu-west-1'; this "
            "stack deploys to us-east-1 (region), where its alarms, budget and IAM rules look",
        )
    ]
