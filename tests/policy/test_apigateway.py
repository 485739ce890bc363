"""API Gateway rules: logging, throttling, validated writes, role credentials, CORS origins."""

from __future__ import annotations

from typing import Any

import pytest

from comments_policy.common import integration_writes, switched_on
from tests.policy.builders import (
    PACK,
    Stack,
    assert_has_violation,
    assert_no_violations,
    findings,
    resource,
)
from tooling.policy_check import POLICY_DIR, load_policy_config

LOGGING = "apigateway-stage-access-logging"
THROTTLING = "apigateway-throttling-within-caps"
THROTTLED = "apigateway-stage-throttled"
VALIDATION = "apigateway-write-validation"
CREDENTIALS = "apigateway-integration-credentials"
CORS = "apigateway-cors-origin"
AUTHORIZATION = "apigateway-iam-authorization"
ALL_API_POLICIES = (LOGGING, THROTTLING, THROTTLED, VALIDATION, CREDENTIALS, CORS, AUTHORIZATION)


@pytest.mark.parametrize("policy", ALL_API_POLICIES)
def test_happy_path(policy: str) -> None:
    assert_no_violations(policy, Stack().resources())


def post(stack: Stack) -> dict[str, Any]:
    operation: dict[str, Any] = stack.body["paths"]["/comments"]["post"]
    return operation


@pytest.mark.parametrize(
    ("field", "fragment"),
    [
        ("destinationArn", "has no access log destination (accessLogSettings.destinationArn)"),
        ("format", "has no access log format (accessLogSettings.format)"),
    ],
)
def test_stage_without_access_logs(field: str, fragment: str) -> None:
    stack = Stack()
    del stack.stage["accessLogSettings"][field]
    finding = assert_has_violation(LOGGING, stack.resources(), fragment)
    assert "Stage 'comments-stage'" in finding.message


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        (
            {"throttlingRateLimit": 1000},
            "throttlingRateLimit is 1000, above this stack's cap of 100 (maxRateLimit)",
        ),
        (
            {"throttlingBurstLimit": 2000},
            "throttlingBurstLimit is 2000, above this stack's cap of 200 (maxBurstLimit)",
        ),
        ({"throttlingRateLimit": -1}, "turns throttling off (throttlingRateLimit -1)"),
    ],
)
def test_method_settings_above_caps(settings: dict[str, Any], fragment: str) -> None:
    stack = Stack()
    stack.method_settings["settings"].update(settings)
    finding = assert_has_violation(THROTTLING, stack.resources(), fragment)
    assert "MethodSettings 'comments-throttling'" in finding.message


def test_usage_plan_above_caps() -> None:
    plan = resource(
        "aws:apigateway/usagePlan:UsagePlan",
        "partners",
        {
            "throttleSettings": {"rateLimit": 500, "burstLimit": 100},
            "apiStages": [
                {
                    "apiId": "mockapi123",
                    "stage": "v1",
                    "throttles": [{"path": "/comments/POST", "burstLimit": 900}],
                }
            ],
        },
    )
    resources = Stack(extra=[plan]).resources()
    assert_has_violation(THROTTLING, resources, "throttleSettings.rateLimit is 500")
    assert_has_violation(THROTTLING, resources, "burstLimit for /comments/POST is 900")


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.method_settings.update(methodPath="comments/POST"),
        lambda s: s.method_settings.update(stageName="other"),
        lambda s: s.method_settings["settings"].pop("throttlingBurstLimit"),
    ],
)
def test_stage_without_stage_wide_throttling(change: Any) -> None:
    stack = Stack()
    change(stack)
    finding = assert_has_violation(
        THROTTLED, stack.resources(), "Stage 'comments-stage' has no MethodSettings for '*/*'"
    )
    assert finding.urn.endswith("Stage::comments-stage")


def test_post_without_validator() -> None:
    stack = Stack()
    del post(stack)["x-amazon-apigateway-request-validator"]
    finding = assert_has_violation(
        VALIDATION,
        stack.resources(),
        "POST /comments writes (the integration calls dynamodb:UpdateItem) without a request "
        "validator",
    )
    assert "RestApi 'comments-api'" in finding.message


def test_document_default_validator_counts() -> None:
    stack = Stack()
    del post(stack)["x-amazon-apigateway-request-validator"]
    stack.body["x-amazon-apigateway-request-validator"] = "body"
    assert_no_violations(VALIDATION, stack.resources())


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            lambda s: post(s).update({"x-amazon-apigateway-request-validator": "nope"}),
            "uses request validator 'nope', which the API does not define",
        ),
        (
            lambda s: post(s).update({"x-amazon-apigateway-request-validator": "params"}),
            "with request validator 'params', which does not validate the body",
        ),
        (
            lambda s: post(s).pop("requestBody"),
            "POST /comments writes (the integration calls dynamodb:UpdateItem) without a "
            "request body model",
        ),
        (
            lambda s: s.body["components"]["schemas"].clear(),
            "refers to model '#/components/schemas/NewComment', which the API does not define",
        ),
        (
            lambda s: s.body["paths"]["/comments"].update(delete={}),
            "DELETE /comments writes without a request validator",
        ),
    ],
)
def test_write_validation_mutations(change: Any, fragment: str) -> None:
    stack = Stack()
    change(stack)
    assert_has_violation(VALIDATION, stack.resources(), fragment)


def test_body_that_is_not_json_cannot_pass() -> None:
    assert_has_violation(
        VALIDATION, Stack(body="openapi: 3.0.1").resources(), "body is not valid JSON"
    )


def test_method_resources_that_write() -> None:
    method = resource(
        "aws:apigateway/method:Method",
        "post-comments",
        {"httpMethod": "POST", "authorization": "NONE"},
    )
    resources = Stack(extra=[method]).resources()
    assert_has_violation(
        VALIDATION, resources, "POST writes without a request validator (requestValidatorId)"
    )
    assert_has_violation(
        VALIDATION, resources, "POST writes without a request model (requestModels)"
    )
    reading = resource("aws:apigateway/method:Method", "get-comments", {"httpMethod": "GET"})
    assert_no_violations(VALIDATION, [reading])


@pytest.mark.parametrize(
    ("credentials", "fragment"),
    [
        (None, "POST /comments calls AWS without credentials"),
        (
            "arn:aws:iam::*:user/*",
            "uses credentials 'arn:aws:iam::*:user/*', which is not an IAM role ARN",
        ),
        ("arn:aws:iam::333333333333:role/*", "which is not an IAM role ARN"),
    ],
)
def test_integration_credentials(credentials: str | None, fragment: str) -> None:
    stack = Stack()
    post(stack)["x-amazon-apigateway-integration"]["credentials"] = credentials
    assert_has_violation(CREDENTIALS, stack.resources(), fragment)


@pytest.mark.parametrize(
    ("integration", "fragment"),
    [
        (
            {"type": "http_proxy", "httpMethod": "ANY", "uri": "https://collector.example/"},
            "POST /comments is a 'http_proxy' integration; this service's integrations are 'aws' "
            "calling DynamoDB, or 'mock'",
        ),
        (
            {"type": "HTTP", "httpMethod": "GET", "uri": "https://collector.example/"},
            "POST /comments is a 'HTTP' integration",
        ),
        (
            {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:x"},
            "POST /comments is a 'aws_proxy' integration",
        ),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage"},
            "POST /comments calls 'arn:aws:apigateway:us-east-1:sqs:action/SendMessage'; an aws "
            "integration here calls a DynamoDB action",
        ),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key"},
            "POST /comments calls 'arn:aws:apigateway:us-east-1:s3:path/bucket/key'",
        ),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:dynamodb:path/x"},
            "POST /comments calls 'arn:aws:apigateway:us-east-1:dynamodb:path/x'",
        ),
    ],
)
def test_integrations_other_than_dynamodb_or_mock_are_refused(
    integration: dict[str, Any], fragment: str
) -> None:
    stack = Stack()
    post(stack)["x-amazon-apigateway-integration"].update(integration)
    assert_has_violation(CREDENTIALS, stack.resources(), fragment)


def test_integration_resource_without_credentials() -> None:
    integration = resource(
        "aws:apigateway/integration:Integration", "post", {"type": "AWS", "uri": "x"}
    )
    assert_has_violation(
        CREDENTIALS, [integration], "Integration 'post' integration calls AWS without credentials"
    )


def any_origin(stack: Stack) -> Stack:
    responses = post(stack)["x-amazon-apigateway-integration"]["responses"]
    responses["default"]["responseParameters"][
        "method.response.header.Access-Control-Allow-Origin"
    ] = "'*'"
    return stack


def test_any_origin_in_prod_is_mandatory() -> None:
    finding = assert_has_violation(
        CORS, any_origin(Stack()).resources(), "allows any origin ('*') at paths./comments.post"
    )
    assert finding.level == "mandatory"


def test_any_origin_elsewhere_is_advisory() -> None:
    settings = load_policy_config(POLICY_DIR / "config" / "dev.json", PACK)
    [finding] = findings(CORS, any_origin(Stack()).resources(), settings=settings)
    assert finding.level == "advisory"


def test_gateway_response_resource_with_any_origin() -> None:
    response = resource(
        "aws:apigateway/response:Response",
        "default-4xx",
        {
            "responseType": "DEFAULT_4XX",
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        },
    )
    assert_has_violation(CORS, [response], "Response 'default-4xx' allows any origin")


def validation_messages(stack: Stack) -> list[str]:
    prefix = f"{VALIDATION}: RestApi 'comments-api' "
    found = [f.message for f in findings(VALIDATION, stack.resources())]
    assert all(m.startswith(prefix) for m in found), found
    return [m.removeprefix(prefix) for m in found]


def get(stack: Stack) -> dict[str, Any]:
    operation: dict[str, Any] = stack.body["paths"]["/comments"]["get"]
    return operation


def get_calls(stack: Stack, action: str) -> Stack:
    integration = get(stack)["x-amazon-apigateway-integration"]
    integration["uri"] = f"arn:aws:apigateway:us-east-1:dynamodb:action/{action}"
    return stack


SLUG_REQUIRED = [{"name": "slug", "in": "query", "required": True}]


@pytest.mark.parametrize("action", ["Query", "GetItem", "Scan", "BatchGetItem"])
def test_a_get_that_reads_needs_no_validator(action: str) -> None:
    stack = get_calls(Stack(), action)
    del get(stack)["x-amazon-apigateway-request-validator"]
    assert validation_messages(stack) == []


def test_a_write_on_get_with_required_parameters_validated_passes() -> None:
    stack = get_calls(Stack(), "UpdateItem")
    get(stack)["parameters"] = SLUG_REQUIRED
    assert validation_messages(stack) == []


@pytest.mark.parametrize(
    ("action", "change", "expected"),
    [
        (
            "UpdateItem",
            lambda op: op.pop("x-amazon-apigateway-request-validator"),
            [
                "GET /comments writes (the integration calls dynamodb:UpdateItem) without a "
                "request validator (x-amazon-apigateway-request-validator)",
                "GET /comments writes (the integration calls dynamodb:UpdateItem) from request "
                "parameters but requires none; declare the parameters it uses with required: true",
            ],
        ),
        (
            "DeleteItem",
            lambda op: op.update(
                parameters=SLUG_REQUIRED, **{"x-amazon-apigateway-request-validator": "body"}
            ),
            [
                "GET /comments writes (the integration calls dynamodb:DeleteItem) from request "
                "parameters with request validator 'body', which does not validate parameters",
            ],
        ),
        (
            "PutItem",
            lambda op: op.update(parameters=[{"name": "slug", "in": "query"}]),
            [
                "GET /comments writes (the integration calls dynamodb:PutItem) from request "
                "parameters but requires none; declare the parameters it uses with required: true",
            ],
        ),
        (
            "BatchWriteItem",
            lambda op: op.update(
                requestBody={"content": {"application/json": {"schema": {"type": "object"}}}},
                parameters=SLUG_REQUIRED,
            ),
            [
                "GET /comments writes (the integration calls dynamodb:BatchWriteItem) with "
                "request validator 'params', which does not validate the body",
            ],
        ),
    ],
)
def test_a_write_on_get_is_validated_like_any_write(
    action: str, change: Any, expected: list[str]
) -> None:
    stack = get_calls(Stack(), action)
    change(get(stack))
    assert validation_messages(stack) == expected


@pytest.mark.parametrize(
    ("integration", "writes"),
    [
        ({"type": "mock"}, None),
        ({"type": "aws", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/Query"}, None),
        ({"type": "AWS", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem"}, None),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/UpdateItem"},
            "dynamodb:UpdateItem",
        ),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/ExecuteStatement"},
            "dynamodb:ExecuteStatement",
        ),
        (
            {"type": "aws", "uri": "arn:aws:apigateway:us-east-1:sqs:action/SendMessage"},
            "sqs:SendMessage",
        ),
        (
            {
                "type": "aws",
                "httpMethod": "GET",
                "uri": "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
            },
            None,
        ),
        (
            {
                "type": "aws_proxy",
                "httpMethod": "POST",
                "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
            },
            "POST to lambda",
        ),
        ({"type": "aws", "uri": "not-an-arn"}, "an AWS integration with uri 'not-an-arn'"),
        ({"type": "http", "httpMethod": "GET", "uri": "https://example.com"}, None),
        (
            {"type": "http_proxy", "httpMethod": "ANY", "uri": "https://example.com"},
            "ANY to an HTTP backend",
        ),
        ({"type": "vpc_link"}, "a 'vpc_link' integration"),
    ],
)
def test_what_an_integration_writes(integration: dict[str, Any], writes: str | None) -> None:
    assert integration_writes(integration) == writes


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"metricsEnabled": True},
            [
                "leaves throttlingRateLimit unset, which the provider sends as -1 (throttling "
                "off); set it at most 100",
                "leaves throttlingBurstLimit unset, which the provider sends as -1 (throttling "
                "off); set it at most 200",
            ],
        ),
        (
            {"throttlingRateLimit": 10},
            [
                "leaves throttlingBurstLimit unset, which the provider sends as -1 (throttling "
                "off); set it at most 200",
            ],
        ),
        (
            {"throttlingRateLimit": 10, "throttlingBurstLimit": -1},
            ["turns throttling off (throttlingBurstLimit -1); set it at most 200"],
        ),
        ({"throttlingRateLimit": 10, "throttlingBurstLimit": 20}, []),
    ],
)
def test_method_level_settings_without_limits_turn_throttling_off(
    settings: dict[str, Any], expected: list[str]
) -> None:
    method_level = resource(
        "aws:apigateway/methodSettings:MethodSettings",
        "get-metrics",
        {
            "restApi": "mockapi123",
            "stageName": "v1",
            "methodPath": "comments/GET",
            "settings": settings,
        },
    )
    prefix = f"{THROTTLING}: MethodSettings 'get-metrics' "
    found = [f.message for f in findings(THROTTLING, Stack(extra=[method_level]).resources())]
    assert [m.removeprefix(prefix) for m in found] == expected
    assert all(m.startswith(prefix) for m in found)


def _authorization_messages(stack: Stack, **properties: Any) -> list[str]:
    return [f.message for f in findings(AUTHORIZATION, stack.resources(), **properties)]


def test_a_moderation_route_with_authorization_none_is_refused() -> None:
    stack = Stack()
    del stack.body["paths"]["/comments"]["delete"]["security"]
    found = findings(AUTHORIZATION, stack.resources())
    assert [f.message for f in found] == [
        "apigateway-iam-authorization: RestApi 'comments-api' DELETE /comments is not "
        "AWS_IAM-authorized (exactly one security requirement naming one scheme that is type "
        "apiKey, name Authorization, in header, x-amazon-apigateway-authtype awsSigv4 and nothing "
        "else, no authorizer), and only the public routes (GET /comments, POST /comments, "
        "OPTIONS /comments) may be called unsigned"
    ]
    assert found[0].level == "mandatory"


def test_an_authorizer_on_the_sigv4_scheme_does_not_count() -> None:
    """With an authorizer on it, API Gateway imports the scheme as a Lambda authorizer."""
    stack = Stack()
    stack.body["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authorizer"] = {
        "type": "token",
        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:444444444444:function:allow/invocations",
    }
    assert [m.split(" is not ")[0] for m in _authorization_messages(stack)] == [
        "apigateway-iam-authorization: RestApi 'comments-api' DELETE /comments"
    ]


@pytest.mark.parametrize(
    "security",
    [
        [{"sigv4": []}, {}],  # sigv4 or anonymous
        [{"sigv4": [], "other": []}],  # sigv4 and another scheme
        [{"other": []}, {"sigv4": []}],
    ],
)
def test_sigv4_among_other_requirements_does_not_count(security: list[Any]) -> None:
    stack = Stack()
    stack.body["components"]["securitySchemes"]["other"] = {
        "type": "apiKey",
        "name": "x-api-key",
        "in": "header",
    }
    stack.body["paths"]["/comments"]["delete"]["security"] = security
    assert [m.split(" is not ")[0] for m in _authorization_messages(stack)] == [
        "apigateway-iam-authorization: RestApi 'comments-api' DELETE /comments"
    ]


def test_a_security_scheme_that_is_not_sigv4_does_not_count() -> None:
    stack = Stack()
    stack.body["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"] = "custom"
    assert len(_authorization_messages(stack)) == 1


def test_document_level_security_counts() -> None:
    stack = Stack()
    stack.body["security"] = stack.body["paths"]["/comments"]["delete"].pop("security")
    assert _authorization_messages(stack) == []


def test_a_route_left_out_of_public_routes_must_be_signed() -> None:
    messages = _authorization_messages(
        Stack(), publicRoutes=["POST /comments", "OPTIONS /comments"]
    )
    assert len(messages) == 1
    assert "GET /comments is not AWS_IAM-authorized" in messages[0]


def test_missing_public_routes_is_a_violation_not_a_pass() -> None:
    assert _authorization_messages(Stack(), publicRoutes=None) == [
        "apigateway-iam-authorization: policy parameter 'publicRoutes' is missing or not a list "
        "of strings; set it in the stack's policy config (policy/config/<stack>.json)"
    ]


def test_a_switch_set_to_anything_but_false_counts_as_on() -> None:
    """The stage cache, method caching and data traces are refused when on (and X-Ray, in
    resource-inputs-reviewed); a value the provider might read as true (the string "true", 1)
    counts as on, not as unknown-so-fine."""
    on: list[object] = [True, "true", "True", "false", 1]
    assert [switched_on(value) for value in on] == [True] * len(on)
    assert [switched_on(value) for value in (None, False)] == [False, False]
