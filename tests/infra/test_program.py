"""The program's planned resources, per stack: what AWS would be asked to create."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from comments_infra import api_definition, outputs
from tests.infra.conftest import STACKS, api_document, operations, plan_for
from tooling.offline_runner import REPO_ROOT, Plan, run_stack

TABLE = "aws:dynamodb/table:Table"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
STAGE = "aws:apigateway/stage:Stage"
UNTAGGABLE = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/methodSettings:MethodSettings",
}


def config_int(plan: Plan, key: str) -> int:
    return int(plan.config[f"comments:{key}"])


def test_table_keys_and_capacity_come_from_config(plan: Plan) -> None:
    table = plan.one(TABLE)
    inputs = table.inputs
    assert inputs["hashKey"] == "slug", table.urn
    assert inputs["rangeKey"] == "createdAt", table.urn
    assert {(a["name"], a["type"]) for a in inputs["attributes"]} == {
        ("slug", "S"),
        ("createdAt", "N"),
    }
    assert inputs["billingMode"] == "PROVISIONED", table.urn
    assert inputs["readCapacity"] == config_int(plan, "tableReadCapacity"), table.urn
    assert inputs["writeCapacity"] == config_int(plan, "tableWriteCapacity"), table.urn
    assert inputs["serverSideEncryption"] == {"enabled": True}, table.urn
    assert inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}, table.urn


def test_capacity_follows_a_stack_override() -> None:
    plan = run_stack("dev", config_overrides={"comments:tableReadCapacity": 7})
    assert plan.one(TABLE).inputs["readCapacity"] == 7


def test_integration_role_may_only_call_the_apis_actions_on_the_table(plan: Plan) -> None:
    (policy,) = plan.of_type(ROLE_POLICY)
    document = json.loads(policy.inputs["policy"])
    table_arn = plan.one(TABLE).state["arn"]
    assert document["Statement"] == [
        {
            "Sid": "CommentsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:Query", "dynamodb:UpdateItem"],
            "Resource": table_arn,
        }
    ], policy.urn
    assert policy.inputs["role"] == plan.one(ROLE).id, policy.urn


@pytest.mark.parametrize("stack", STACKS)
def test_the_role_carries_the_bootstrap_boundary_on_aws_stacks(stack: str) -> None:
    role = plan_for(stack).one(ROLE)
    boundary = role.inputs.get("permissionsBoundary")
    if stack == "local":
        assert boundary is None, role.urn
    else:
        expected = f"arn:aws:iam::123456789012:policy/github-pipeline/comments-{stack}-integration-boundary"
        assert boundary == expected, role.urn


def test_physical_names_carry_the_stack(plan: Plan) -> None:
    for resource in plan.resources:
        assert resource.name.startswith(f"comments-{plan.stack}"), resource.urn
    assert plan.one("aws:apigateway/restApi:RestApi").inputs["name"] == f"comments-{plan.stack}"


def test_the_role_has_no_other_way_to_get_permissions(plan: Plan) -> None:
    role = plan.one(ROLE)
    assert "managedPolicyArns" not in role.inputs, role.urn
    assert "inlinePolicies" not in role.inputs, role.urn
    assert not plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not plan.of_type("aws:iam/policy:Policy")


def test_only_api_gateway_of_this_account_can_assume_the_role(plan: Plan) -> None:
    role = plan.one(ROLE)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Sid": "ApiGatewayOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ], role.urn


def test_every_route_validates_its_input_and_calls_as_the_role(plan: Plan) -> None:
    document = api_document(plan)
    role_arn = plan.one(ROLE).state["arn"]
    validators = document["x-amazon-apigateway-request-validators"]
    schemas = document["components"]["schemas"]
    ops = operations(document)
    assert set(ops) == {("/comments", "post"), ("/comments", "get"), ("/comments", "options")}
    for (path, method), operation in ops.items():
        integration = operation["x-amazon-apigateway-integration"]
        # No route passes a client's body through unmapped (a 5xx or an injection otherwise).
        assert integration["passthroughBehavior"] == "never", (path, method)
        if method == "options":
            assert integration["type"] == "mock"
            continue
        assert integration["type"] == "aws", (path, method)
        assert integration["credentials"] == role_arn, (path, method)
        validator = validators[operation["x-amazon-apigateway-request-validator"]]
        if method == "post":
            assert validator["validateRequestBody"] is True
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            model = schemas[ref.rsplit("/", 1)[1]]
            assert model["additionalProperties"] is False
            assert set(model["required"]) == {"slug", "author", "comment"}
        else:
            assert validator["validateRequestParameters"] is True
            required = [p["name"] for p in operation["parameters"] if p["required"]]
            assert required == ["slug"]


def test_templates_name_the_real_table(plan: Plan) -> None:
    table_name = plan.one(TABLE).state["name"]
    for (path, method), operation in operations(api_document(plan)).items():
        if method == "options":
            continue
        template = operation["x-amazon-apigateway-integration"]["requestTemplates"][
            "application/json"
        ]
        assert f'"TableName": "{table_name}"' in template, (path, method)
        assert "{{" not in template, (path, method)


def test_integrations_use_the_action_the_role_is_granted(plan: Plan) -> None:
    granted = set(json.loads(plan.one(ROLE_POLICY).inputs["policy"])["Statement"][0]["Action"])
    used = {
        "dynamodb:" + op["x-amazon-apigateway-integration"]["uri"].rsplit("/", 1)[1]
        for (_, method), op in operations(api_document(plan)).items()
        if method != "options"
    }
    assert used == granted


def test_dynamodb_errors_are_mapped(plan: Plan) -> None:
    for (_, method), operation in operations(api_document(plan)).items():
        if method == "options":
            continue
        responses = operation["x-amazon-apigateway-integration"]["responses"]
        assert set(responses) == {"2\\d{2}", "4\\d{2}", "default"}
        assert responses["default"]["statusCode"] == "500"
        error_template = responses["4\\d{2}"]["responseTemplates"]["application/json"]
        for error_type, status in (
            ("#ConditionalCheckFailedException", "409"),
            ("#ProvisionedThroughputExceededException", "429"),
        ):
            after = error_template.split(error_type, 1)[1]
            assert f"responseOverride.status = {status}" in after.split("#elseif", 1)[0]
        assert "#ValidationException" in error_template
        assert "responseOverride.status = 500" in error_template.rsplit("#else", 1)[1]


def test_gateway_errors_are_json_with_cors(plan: Plan) -> None:
    responses = api_document(plan)["x-amazon-apigateway-gateway-responses"]
    origins = json.loads(plan.config["comments:corsAllowedOrigins"])
    for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert responses[kind]["responseTemplates"] == {
            "application/json": '{"message":$context.error.messageString}'
        }
        header = responses[kind]["responseParameters"][
            "gatewayresponse.header.Access-Control-Allow-Origin"
        ]
        assert header == f"'{origins[0]}'"


@pytest.mark.parametrize(
    ("stack", "origins"),
    [
        ("local", ["*"]),
        (
            "dev",
            ["https://dev.comments-demo.example", "http://localhost:3000", "http://localhost:8080"],
        ),
        ("staging", ["https://staging.comments-demo.example"]),
        ("prod", ["https://comments-demo.example"]),
    ],
)
def test_cors_origins_per_stack(stack: str, origins: list[str]) -> None:
    document = api_document(plan_for(stack))
    preflight = document["paths"]["/comments"]["options"]["x-amazon-apigateway-integration"]
    response = preflight["responses"]["default"]
    assert (
        response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        == f"'{origins[0]}'"
    )
    template = response["responseTemplates"]["application/json"]
    if origins == ["*"]:
        assert "Access-Control-Allow-Origin" not in template
    else:
        listed = ", ".join(f"'{o}'" for o in origins)
        assert f"[{listed}]" in template
        assert "*" not in listed


def test_stage_logs_and_throttles_from_config(plan: Plan) -> None:
    stage = plan.one(STAGE)
    log_group = plan.one("aws:cloudwatch/logGroup:LogGroup")
    assert stage.inputs["accessLogSettings"]["destinationArn"] == log_group.state["arn"], stage.urn
    assert log_group.inputs["retentionInDays"] == config_int(plan, "logRetentionDays")
    assert stage.inputs["stageName"] == plan.config["comments:stageName"]
    settings = plan.one("aws:apigateway/methodSettings:MethodSettings").inputs
    assert settings["methodPath"] == "*/*"
    assert settings["settings"]["throttlingRateLimit"] == config_int(plan, "throttleRateLimit")
    assert settings["settings"]["throttlingBurstLimit"] == config_int(plan, "throttleBurstLimit")
    assert settings["settings"]["dataTraceEnabled"] is False


def test_stage_serves_the_deployment_of_this_document(plan: Plan) -> None:
    deployment = plan.one("aws:apigateway/deployment:Deployment")
    body = plan.one("aws:apigateway/restApi:RestApi").inputs["body"]
    assert deployment.inputs["triggers"] == {"apiDocument": api_definition.document_hash(body)}
    assert plan.one(STAGE).inputs["deployment"] == deployment.id


def test_deployment_trigger_changes_when_a_template_changes(tmp_path: Path) -> None:
    program = tmp_path / "infra"
    shutil.copytree(REPO_ROOT / "infra", program)
    template = program / "comments_infra" / "templates" / "list_comments.response.vtl"
    template.write_text(template.read_text() + "\n## changed\n")
    changed = run_stack("dev", program_dir=program)
    trigger = changed.one("aws:apigateway/deployment:Deployment").inputs["triggers"]
    original = plan_for("dev").one("aws:apigateway/deployment:Deployment").inputs["triggers"]
    assert trigger != original


@pytest.mark.parametrize("stack", STACKS)
def test_data_protection_only_where_the_stack_asks(stack: str) -> None:
    plan = plan_for(stack)
    table = plan.one(TABLE)
    protected = stack in ("staging", "prod")
    assert table.protect is protected, table.urn
    assert table.inputs["pointInTimeRecovery"] == {"enabled": protected}, table.urn
    assert table.inputs["deletionProtectionEnabled"] is protected, table.urn


def test_every_taggable_resource_carries_project_and_stack(plan: Plan) -> None:
    for resource in plan.resources:
        if not resource.custom or resource.type in UNTAGGABLE:
            continue
        assert resource.inputs.get("tags") == {"project": "comments", "stack": plan.stack}, (
            resource.urn
        )


def test_outputs(plan: Plan) -> None:
    assert set(plan.outputs) == set(outputs.ALL)
    assert plan.outputs[outputs.URL].endswith("/" + plan.config["comments:stageName"])
    assert plan.outputs[outputs.TABLE_NAME] == plan.one(TABLE).state["name"]
