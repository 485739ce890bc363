"""A mandatory policy that cannot decide at preview blocks; an unknown passes only from provenance.

pulumi_policy's analyzer reports an unknown a policy reads as an advisory "can't run" and lets the
preview pass (tests/policy/test_engine_model.py keeps that model true for a policy that does not
catch). Every policy of this pack is registered through comments_policy/decidable.py's
`fail_closed`, which makes it a violation at the policy's own level. The one exception is an input
naming what AWS draws when it creates the REST API (ASSIGNED_AT_CREATE), accepted at preview only
when it comes from the right resources of this stack. The happy paths of all four stacks stay
decidable at preview, because the program builds its ARNs from names Check already gave.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import PolicyResource
from pulumi_policy.proxy import unknown_checking_proxy

from comments_policy import decidable
from tests.policy.builders import (
    ACCOUNT,
    API_URN,
    PACK,
    REGION,
    TABLE_NAME,
    TABLE_URN,
    Stack,
    findings,
    prod_settings,
    resource,
    urn,
)
from tests.policy_pack_process import served_pack
from tooling.offline_runner import PlannedResource, run_stack
from tooling.policy_check import POLICY_DIR, _stack_resources, main, stack_mocks

STAGE = "aws:apigateway/stage:Stage"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TABLE = "aws:dynamodb/table:Table"
REFERENCES = "stack-references-own-resources"
OWN_TABLE = "stack-iam-targets-own-table"
UNKNOWN_AT_PREVIEW = "is unknown at preview, so this rule cannot check it and refuses it"
PROVIDER = "pulumi:providers:aws"


def messages(policy: str, resources: list[PlannedResource]) -> list[str]:
    return [f.message for f in findings(policy, resources)]


def test_every_policy_of_the_pack_is_behind_the_guard() -> None:
    unguarded = [p.name for p in PACK.policies if not decidable.is_declared(p)]
    assert PACK.policies and unguarded == []


def test_a_resource_policy_meeting_an_unknown_is_mandatory() -> None:
    """The log destination computed from an output the preview cannot know: refused, on the
    stage, naming the path, where the analyzer alone would print an advisory and pass."""
    stage = resource(
        STAGE,
        "comments-stage",
        {
            "restApi": "mockapi123",
            "stageName": "v1",
            "accessLogSettings": {"destinationArn": UNKNOWN, "format": "$context.requestId"},
        },
    )
    [finding] = findings("apigateway-stage-access-logging", [stage])
    assert (finding.level, finding.urn) == ("mandatory", stage.urn)
    assert finding.message.startswith(
        "apigateway-stage-access-logging: Stage 'comments-stage' accessLogSettings.destinationArn "
        f"{UNKNOWN_AT_PREVIEW}: a value nobody can see before `pulumi up` applies it is one "
        "nobody reviewed"
    )
    assert "(a stack policy" not in finding.message


def test_a_stack_policy_meeting_an_unknown_names_the_resource() -> None:
    """A table whose ARN is unknown and cannot be derived (its provider names no one account):
    the stack rule that matches grants against it refuses, on the table."""
    stack = Stack()
    resources = stack.resources()
    resources[0].state["arn"] = UNKNOWN
    [finding] = findings(OWN_TABLE, resources)
    assert (finding.level, finding.urn) == ("mandatory", resources[0].urn)
    assert finding.message.startswith(
        f"{OWN_TABLE}: Table 'comments-table' arn {UNKNOWN_AT_PREVIEW}"
    )
    assert finding.message.endswith("(a stack policy runs only after `up` has applied every step)")


def _provided(resources: list[PlannedResource], accounts: Any) -> list[PlannedResource]:
    """The resources with the engine's default provider, pinned to `accounts`."""
    provider = PlannedResource(
        type=PROVIDER,
        name="default_7_51_1",
        urn=f"urn:pulumi:prod::comments::{PROVIDER}::default_7_51_1",
        id="provider-id",
        inputs={"region": REGION, "allowedAccountIds": accounts, "version": "7.51.1"},
        state={},
    )
    for planned in resources:
        planned.provider_urn = provider.urn
    return [provider, *resources]


@pytest.mark.parametrize("accounts", [json.dumps([ACCOUNT]), [ACCOUNT]])
def test_an_unknown_arn_is_derived_from_the_provider_and_still_compared(accounts: Any) -> None:
    """At preview a table's ARN is unknown, but AWS forms it from the region, the one account the
    provider may deploy to and the name Check gave: the grant is compared with that, exactly."""
    stack = Stack()
    resources = stack.resources()
    resources[0].state["arn"] = UNKNOWN
    assert messages(OWN_TABLE, _provided(resources, accounts)) == []
    other = f"arn:aws:dynamodb:{REGION}:444444444444:table/{TABLE_NAME}"
    stack.access["Statement"][0]["Resource"] = other
    resources = stack.resources()
    resources[0].state["arn"] = UNKNOWN
    [message] = messages(OWN_TABLE, _provided(resources, accounts))
    assert f"names '{other}', which is not the ARN of a table in this stack" in message
    # Two allowed accounts: where the table goes is not decided, so neither is its ARN.
    resources = Stack().resources()
    resources[0].state["arn"] = UNKNOWN
    [message] = messages(OWN_TABLE, _provided(resources, [ACCOUNT, "444444444444"]))
    assert f"Table 'comments-table' arn {UNKNOWN_AT_PREVIEW}" in message


def _stage(sources: dict[str, list[str]], **inputs: Any) -> PlannedResource:
    return resource(
        STAGE, "extra-stage", {"restApi": UNKNOWN, "stageName": "v2", **inputs}, sources=sources
    )


def test_a_reference_unknown_at_preview_passes_only_from_the_right_resource() -> None:
    """A stage's restApi names an id AWS draws at create: from this stack's RestApi it passes at
    preview, and every resource rule leaves it (no "unknown" finding)."""
    from_api = _stage({"restApi": [API_URN]})
    assert messages(REFERENCES, [*Stack().resources(), from_api]) == []
    for policy in PACK.policies:
        found = messages(policy.name, [*Stack().resources(), from_api])
        assert not [m for m in found if "unknown at preview" in m], policy.name
    # From the API and a table: computed from something else too, so nobody can say what it is.
    mixed = _stage({"restApi": [API_URN, TABLE_URN]})
    [message] = messages(REFERENCES, [*Stack().resources(), mixed])
    assert message == (
        f"{REFERENCES}: Stage 'extra-stage' restApi is unknown at preview and comes from "
        "RestApi 'comments-api', Table 'comments-table'; a value may be unknown at preview only "
        "when it is computed from this stack's RestApi alone (AWS draws the REST API's id when "
        "it creates it), since no rule can read it before `up` applies it: build it from what "
        "the preview knows"
    )
    # From nothing of this stack: the reference rule's own message.
    [message] = messages(REFERENCES, [*Stack().resources(), _stage({})])
    assert "restApi is a value unknown until apply, not taken from a RestApi" in message


def test_a_document_unknown_at_preview_passes_only_from_the_api_and_its_stage() -> None:
    """The moderator's grant names the API's method ARNs (api-id/stage/METHOD/path), unknown on a
    first deploy; it passes at preview only computed from this stack's RestApi and Stage."""
    stack = Stack()
    stack.moderator_access = UNKNOWN
    resources = stack.resources()
    assert messages(REFERENCES, resources) == []
    assert messages("iam-least-privilege", resources) == []  # left to `up`, where it is known
    # The same document computed from the table's ARN: that is known at preview, so it must be.
    resources[4].property_dependencies["policy"] = [TABLE_URN]
    [message] = messages(REFERENCES, resources)
    assert message.startswith(
        f"{REFERENCES}: RolePolicy 'comments-moderator-access' policy is unknown at preview and "
        "comes from Table 'comments-table'; a value may be unknown at preview only when it is "
        "computed from this stack's RestApi and Stage alone"
    )


def test_an_unknown_outside_the_exceptions_is_refused_by_every_rule_that_reads_it() -> None:
    role = resource("aws:iam/role:Role", "pending", {"assumeRolePolicy": UNKNOWN})
    [finding] = findings("iam-trust-api-gateway-only", [role])
    assert finding.level == "mandatory"
    assert f"Role 'pending' assumeRolePolicy {UNKNOWN_AT_PREVIEW}" in finding.message


def test_references_are_compared_by_value_when_known_and_by_provenance_when_not() -> None:
    """apigateway-stage-throttled ties each stage to the stage-wide MethodSettings of its API."""
    settings = {
        "stageName": "v1",
        "methodPath": "*/*",
        "settings": {"throttlingRateLimit": 50, "throttlingBurstLimit": 100},
    }
    stack = Stack()
    stack.stage["restApi"] = UNKNOWN
    stack.method_settings = {**settings, "restApi": UNKNOWN}
    assert messages("apigateway-stage-throttled", stack.resources()) == []
    # Known on one side, unknown on the other: not the same API as far as anyone can tell.
    stack.method_settings = {**settings, "restApi": "mockapi123"}
    [message] = messages("apigateway-stage-throttled", stack.resources())
    assert "Stage 'comments-stage' has no MethodSettings for '*/*'" in message
    # Throttling another API's stage of the same name.
    other_api = urn("aws:apigateway/restApi:RestApi", "other-api")
    resources = Stack().resources()
    resources[7].inputs["restApi"] = resources[7].state["restApi"] = UNKNOWN
    resources[8].inputs["restApi"] = resources[8].state["restApi"] = UNKNOWN
    resources[8].property_dependencies["restApi"] = [other_api]
    other = resource("aws:apigateway/restApi:RestApi", "other-api", {"name": "other"})
    found = messages("apigateway-stage-throttled", [*resources, other])
    assert found == [
        "apigateway-stage-throttled: Stage 'comments-stage' has no MethodSettings for '*/*' "
        "setting throttlingRateLimit and throttlingBurstLimit; without them it gets the "
        "account's limits"
    ]


def test_stack_resources_keep_their_links_behind_the_tags() -> None:
    """The guard wraps each resource's properties so an unknown names its resource; the copies
    keep parent, dependencies and property dependencies pointing at each other."""
    plan = run_stack("prod", stack_mocks("prod", POLICY_DIR.parent, None), preview=True)
    tagged = decidable.tag(_stack_resources(plan))
    by_urn: dict[str, PolicyResource] = {r.urn: r for r in tagged}
    for resource_ in tagged:
        for deps in resource_.property_dependencies.values():
            assert all(by_urn[d.urn] is d for d in deps)
        if resource_.parent is not None:
            assert by_urn[resource_.parent.urn] is resource_.parent
    (table,) = [r for r in tagged if r.resource_type == TABLE]
    with pytest.raises(decidable.Undecidable) as raised:
        table.props["arn"]
    assert (raised.value.subject, raised.value.urn) == ("Table 'comments-prod-table'", table.urn)


@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_derived_arns_are_the_arns_the_resources_get(stack: str) -> None:
    """What `derived_arn` forms from name, region and account is, with known values, the ARN the
    engine stand-in gives (AWS's shapes), for every type it derives."""
    plan = run_stack(stack, stack_mocks(stack, POLICY_DIR.parent, None))
    derived = 0
    for resource_ in _stack_resources(plan):
        arn = resource_.props.get("arn")
        if resource_.resource_type in (TABLE, "aws:iam/role:Role", "aws:sns/topic:Topic") or (
            resource_.resource_type == "aws:cloudwatch/logGroup:LogGroup"
        ):
            without = PolicyResource(
                resource_.resource_type,
                {k: (UNKNOWN if k == "arn" else v) for k, v in resource_.props.items()},
                resource_.urn,
                resource_.name,
                resource_.opts,
                resource_.provider,
                None,
                [],
                {},
            )
            without.props = unknown_checking_proxy(dict(without.props))
            assert decidable.derived_arn(without) == arn, resource_.name
            derived += 1
    assert derived >= 4


@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_happy_paths_are_decided_at_preview(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A first deploy's preview of each stack: nothing the pack cannot decide, nothing mandatory."""
    status = main([stack, "--preview"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[mandatory]" not in out and "unknown at preview" not in out, out
    assert "can't run policy" not in out, out


def test_preview_of_a_program_whose_document_comes_from_an_output(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The program as it was: the API document built from the role's `arn` output, unknown on a
    first deploy. Every rule that reads the document refuses it at preview instead of passing."""
    service = repo_copy / "infra" / "comments_infra" / "service.py"
    text = service.read_text(encoding="utf-8")
    old = "pulumi.Output.all(region.region, self.table.name, integration_role_arn)"
    assert old in text
    service.write_text(
        text.replace(old, "pulumi.Output.all(region.region, self.table.name, self.role.arn)"),
        encoding="utf-8",
    )
    assert main(["prod", "--root", str(repo_copy)]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["prod", "--preview", "--root", str(repo_copy)]) == 1
    out = capsys.readouterr().out
    refusing = {
        line.split()[1]
        for line in out.splitlines()
        if line.startswith("[mandatory]")
        and f"RestApi 'comments-prod-api' body {UNKNOWN_AT_PREVIEW}" in line
    }
    assert {
        "apigateway-write-validation",
        "apigateway-integration-credentials",
        "apigateway-cors-origin",
        "apigateway-iam-authorization",
        "stack-names-own-resources",
    } <= refusing, out


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


@pytest.mark.server
def test_the_served_pack_blocks_an_unknown_at_preview() -> None:
    """The SDK's own analyzer server, as `pulumi preview` starts it: a mandatory diagnostic, where
    without the guard it answers an advisory "can't run"."""
    with served_pack(POLICY_DIR) as analyzer:
        analyzer.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct(s.properties)
                    )
                    for name, s in prod_settings().items()
                }
            )
        )
        role_urn = urn("aws:iam/role:Role", "pending")
        response = analyzer.Analyze(
            analyzer_pb2.AnalyzeRequest(
                type="aws:iam/role:Role",
                name="pending",
                urn=role_urn,
                properties=_struct({"assumeRolePolicy": UNKNOWN, "name": "comments-prod-pending"}),
            )
        )
    trust = [d for d in response.diagnostics if d.policyName == "iam-trust-api-gateway-only"]
    assert [d.enforcementLevel for d in trust] == [analyzer_pb2.MANDATORY]
    assert f"Role 'pending' assumeRolePolicy {UNKNOWN_AT_PREVIEW}" in trust[0].message
    assert not [d for d in response.diagnostics if "can't run policy" in d.message]


# -- the stack rules' resource-level twin -------------------------------------------------------

TWIN = "stack-names-own-resources"
PREFIXED_TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments-prod-table-1234567"


def _grant(*arns: str) -> PlannedResource:
    statement = {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": list(arns)}
    return resource(
        ROLE_POLICY,
        "grant",
        {"role": "comments-prod-role", "policy": json.dumps({"Statement": [statement]})},
    )


def test_the_twin_refuses_a_grant_outside_the_stack_before_its_step() -> None:
    """What a RolePolicy's own inputs show about leaving the stack is refused by a resource
    policy, which `up` runs before the step (the stack rules run after the last one)."""
    assert (
        messages(TWIN, _provided([_grant(PREFIXED_TABLE, f"{PREFIXED_TABLE}/index/i")], [ACCOUNT]))
        == []
    )
    elsewhere = [
        PREFIXED_TABLE.replace(ACCOUNT, "444444444444"),
        PREFIXED_TABLE.replace(REGION, "eu-west-1"),
        PREFIXED_TABLE.replace("comments-prod-table", "comments-staging-table"),
    ]
    found = messages(TWIN, _provided([_grant(*elsewhere)], [ACCOUNT]))
    assert found == [
        f"{TWIN}: RolePolicy 'grant' policy statement 0 grants '{elsewhere[0]}', in account "
        f"'444444444444'; this stack's is {ACCOUNT}; a stack grants only on its own resources",
        f"{TWIN}: RolePolicy 'grant' policy statement 0 grants '{elsewhere[1]}', in region "
        f"'eu-west-1'; this stack's is {REGION}; a stack grants only on its own resources",
        f"{TWIN}: RolePolicy 'grant' policy statement 0 grants '{elsewhere[2]}', a table whose "
        "name does not start with this stack's 'comments-prod-'; a stack grants only on its own "
        "resources",
    ]
    # Without a provider to say where the stack lives, the name prefix still holds.
    assert len(messages(TWIN, [_grant(*elsewhere)])) == 1


def test_the_twin_reads_the_roles_and_tables_the_api_document_uses() -> None:
    integration = {
        "type": "aws",
        "httpMethod": "POST",
        "uri": "arn:aws:apigateway:eu-west-1:dynamodb:action/Query",
        "credentials": "arn:aws:iam::444444444444:role/comments-prod-role",
        "requestTemplates": {"application/json": '{"TableName": "someone-elses-table"}'},
    }
    body = {
        "openapi": "3.0.1",
        "paths": {"/c": {"get": {"x-amazon-apigateway-integration": integration}}},
    }
    api = resource("aws:apigateway/restApi:RestApi", "api", {"body": json.dumps(body)})
    assert messages(TWIN, _provided([api], [ACCOUNT])) == [
        f"{TWIN}: RestApi 'api' GET /c runs as 'arn:aws:iam::444444444444:role/comments-prod-role', "
        f"in account '444444444444'; this stack's is {ACCOUNT}; integrations use this stack's role",
        f"{TWIN}: RestApi 'api' GET /c calls 'arn:aws:apigateway:eu-west-1:dynamodb:action/Query', "
        f"in region 'eu-west-1'; this stack's is {REGION}",
        f"{TWIN}: RestApi 'api' GET /c sends its request to table 'someone-elses-table', whose "
        "name does not start with this stack's 'comments-prod-'",
    ]
    integration["credentials"] = f"arn:aws:iam::{ACCOUNT}:role/admin"
    api = resource("aws:apigateway/restApi:RestApi", "api", {"body": json.dumps(body)})
    [message] = [m for m in messages(TWIN, _provided([api], [ACCOUNT])) if "runs as" in m]
    assert message.endswith(
        "a role whose name does not start with this stack's 'comments-prod-'; integrations use "
        "this stack's role"
    )
