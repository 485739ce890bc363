"""The program's planned resources, per stack: what AWS would be asked to create."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from comments_infra import api_definition, outputs
from tests.infra.conftest import STACKS, api_document, operations, plan_for
from tooling.offline_runner import REPO_ROOT, Plan, PlannedResource, run_stack

TABLE = "aws:dynamodb/table:Table"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
STAGE = "aws:apigateway/stage:Stage"
UNTAGGABLE = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/methodSettings:MethodSettings",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:appautoscaling/policy:Policy",
}


def named(plan: Plan, type_: str, suffix: str) -> PlannedResource:
    (resource,) = [r for r in plan.of_type(type_) if r.name.endswith(suffix)]
    return resource


def integration_role(plan: Plan) -> PlannedResource:
    return named(plan, ROLE, "-integration-role")


def moderator_role(plan: Plan) -> PlannedResource:
    return named(plan, ROLE, "-moderator-role")


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
    policy = named(plan, ROLE_POLICY, "-integration-access")
    document = json.loads(policy.inputs["policy"])
    table_arn = plan.one(TABLE).state["arn"]
    assert document["Statement"] == [
        {
            "Sid": "CommentsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"],
            "Resource": table_arn,
        }
    ], policy.urn
    assert policy.inputs["role"] == integration_role(plan).id, policy.urn


def test_moderator_role_may_only_invoke_the_moderation_routes_of_its_stage(plan: Plan) -> None:
    policy = named(plan, ROLE_POLICY, "-moderator-access")
    api = plan.one("aws:apigateway/restApi:RestApi")
    stage = plan.config["comments:stageName"]
    document = json.loads(policy.inputs["policy"])
    assert document["Statement"] == [
        {
            "Sid": "ModerationRoutes",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": [f"{api.state['executionArn']}/{stage}/DELETE/comments"],
        }
    ], policy.urn
    assert policy.inputs["role"] == moderator_role(plan).id, policy.urn


def test_only_principals_of_this_account_can_assume_the_moderator_role(plan: Plan) -> None:
    role = moderator_role(plan)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Sid": "PrincipalsOfThisAccountAllowedToModerate",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    ], role.urn
    assert role.inputs["maxSessionDuration"] == 3600, role.urn


def test_moderation_routes_need_sigv4_and_public_routes_do_not(plan: Plan) -> None:
    document = api_document(plan)
    scheme = document["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4"
    secured = {
        (method.upper(), path)
        for (path, method), operation in operations(document).items()
        if operation.get("security") == [{"sigv4": []}]
    }
    assert secured == set(api_definition.moderation_routes(False)) == {("DELETE", "/comments")}
    for (path, method), operation in operations(document).items():
        if (method.upper(), path) in api_definition.PUBLIC_ROUTES:
            assert "security" not in operation, (method, path)


@pytest.mark.parametrize("stack", STACKS)
def test_the_role_carries_the_bootstrap_boundary_on_aws_stacks(stack: str) -> None:
    for role in plan_for(stack).of_type(ROLE):
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


def test_the_roles_have_no_other_way_to_get_permissions(plan: Plan) -> None:
    for role in plan.of_type(ROLE):
        assert "managedPolicyArns" not in role.inputs, role.urn
        assert "inlinePolicies" not in role.inputs, role.urn
    assert not plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not plan.of_type("aws:iam/policy:Policy")


def test_only_api_gateway_of_this_account_can_assume_the_role(plan: Plan) -> None:
    role = integration_role(plan)
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


@pytest.mark.parametrize("stack", STACKS)
def test_a_trust_change_replaces_a_role_instead_of_rewriting_it(stack: str) -> None:
    """Deploy roles may not call iam:UpdateAssumeRolePolicy (bootstrap/), so every role the
    program creates is replaced when its trust changes; the option names the property the
    provider registers the trust under."""
    plan = run_stack(stack)
    roles = plan.of_type(ROLE)
    assert roles and all(role.options.replace_on_changes == ["assumeRolePolicy"] for role in roles)
    assert all("assumeRolePolicy" in role.inputs for role in roles)


def test_every_route_validates_its_input_and_calls_as_the_role(plan: Plan) -> None:
    document = api_document(plan)
    role_arn = integration_role(plan).state["arn"]
    validators = document["x-amazon-apigateway-request-validators"]
    schemas = document["components"]["schemas"]
    ops = operations(document)
    assert set(ops) == {
        ("/comments", "post"),
        ("/comments", "get"),
        ("/comments", "options"),
        ("/comments", "delete"),
    }
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
            assert required == (["slug", "createdAt"] if method == "delete" else ["slug"])


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
    policy = named(plan, ROLE_POLICY, "-integration-access")
    granted = set(json.loads(policy.inputs["policy"])["Statement"][0]["Action"])
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
    # No committed stack sets comments:moderation, so all post-moderate (the default).
    assert plan.outputs[outputs.MODERATION] == "post"


def test_the_moderation_output_says_pre_when_the_stack_pre_moderates() -> None:
    plan = run_stack("local", config_overrides={"comments:moderation": "pre"})
    assert plan.outputs[outputs.MODERATION] == "pre"


def test_pre_moderation_adds_sparse_indexes_signed_routes_and_index_only_queries() -> None:
    plan = run_stack("dev", config_overrides={"comments:moderation": "pre"})
    table = plan.one(TABLE)
    indexes = {i["name"]: i for i in table.inputs["globalSecondaryIndexes"]}
    keys = {
        name: [(k["attributeName"], k["keyType"]) for k in index["keySchemas"]]
        for name, index in indexes.items()
    }
    assert keys == {
        "pending": [("pendingQueue", "HASH"), ("createdAt", "RANGE")],
        "published": [("publishedSlug", "HASH"), ("createdAt", "RANGE")],
    }, table.urn
    table_arn = table.state["arn"]
    access = json.loads(named(plan, ROLE_POLICY, "-integration-access").inputs["policy"])
    assert access["Statement"] == [
        {
            "Sid": "CommentsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:UpdateItem"],
            "Resource": table_arn,
        },
        {
            "Sid": "CommentsIndexes",
            "Effect": "Allow",
            "Action": "dynamodb:Query",
            "Resource": [f"{table_arn}/index/pending", f"{table_arn}/index/published"],
        },
    ]
    document = api_document(plan)
    secured = {
        (method.upper(), path)
        for (path, method), operation in operations(document).items()
        if operation.get("security") == [{"sigv4": []}]
    }
    assert secured == {
        ("DELETE", "/comments"),
        ("GET", "/moderation/pending"),
        ("POST", "/moderation/approve"),
    }
    execution = plan.one("aws:apigateway/restApi:RestApi").state["executionArn"]
    moderator = json.loads(named(plan, ROLE_POLICY, "-moderator-access").inputs["policy"])
    assert moderator["Statement"][0]["Resource"] == [
        f"{execution}/v1/DELETE/comments",
        f"{execution}/v1/GET/moderation/pending",
        f"{execution}/v1/POST/moderation/approve",
    ]
    create = operations(document)[("/comments", "post")]
    assert set(create["responses"]) == {"202", "400", "409", "429", "500"}
