"""Method request: request validators (required parameters, then the body model)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import api, invoke, method, mock
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server

COMMENT_SCHEMA = {
    "type": "object",
    "required": ["slug", "comment"],
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string", "minLength": 1},
        "comment": {"type": "string", "minLength": 1, "maxLength": 20},
    },
}


def _validated_api(**operation: Any) -> dict[str, Any]:
    return api(
        {"/comments": {"post": method(mock({"default": {"statusCode": "200"}}), **operation)}},
        components={"schemas": {"Comment": COMMENT_SCHEMA}},
        **{
            "x-amazon-apigateway-gateway-responses": {
                "BAD_REQUEST_BODY": {
                    "statusCode": "400",
                    "responseTemplates": {
                        "application/json": '{"message":$context.error.messageString,'
                        '"detail":"$context.error.validationErrorString"}'
                    },
                }
            }
        },
    )


@pytest.fixture(scope="module")
def validated(deployer: Deployer) -> str:
    return deployer.deploy(
        _validated_api(
            **{
                "x-amazon-apigateway-request-validator": "all",
                "parameters": [
                    {"name": "zeta", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "X-Alpha", "in": "header", "required": True},
                    {"name": "optional", "in": "query", "required": False},
                ],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Comment"}}
                    }
                },
            }
        )
    )


GOOD = {"slug": "/a", "comment": "hi"}
PARAMS = {"zeta": "z"}
HEADERS = {"X-Alpha": "a", "Content-Type": "application/json"}


def test_valid_request_passes_validation(gateway: GatewayServer, validated: str) -> None:
    response = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body=GOOD,
        params=PARAMS,
        headers=HEADERS,
    )
    assert response.status_code == 200


def test_blank_required_parameter_counts_as_missing(gateway: GatewayServer, validated: str) -> None:
    response = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body=GOOD,
        params={"zeta": "   "},
        headers={**HEADERS, "X-Alpha": ""},
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Missing required request parameters: [zeta, X-Alpha]"}
    assert response.headers["x-amzn-ErrorType"] == "BadRequestException"


def test_missing_parameters_are_listed_in_declared_order(
    gateway: GatewayServer, validated: str
) -> None:
    response = invoke(gateway.url, validated, "/comments", method_name="POST", body=GOOD)
    assert response.status_code == 400
    assert response.json() == {"message": "Missing required request parameters: [zeta, X-Alpha]"}


def test_parameters_are_checked_before_the_body(gateway: GatewayServer, validated: str) -> None:
    response = invoke(gateway.url, validated, "/comments", method_name="POST", body="{not json")
    assert response.json()["message"].startswith("Missing required request parameters")


def test_body_failing_the_model_is_invalid_request_body_with_detail(
    gateway: GatewayServer, validated: str
) -> None:
    response = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body={"slug": "/a", "comment": "x" * 21, "extra": 1},
        params=PARAMS,
        headers=HEADERS,
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["message"] == "Invalid request body"
    assert "too long" in payload["detail"]
    assert '"extra"' in payload["detail"]
    missing = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body={"slug": "/a"},
        params=PARAMS,
        headers=HEADERS,
    )
    assert missing.json()["detail"] == '[object has missing required properties (["comment"])]'


def test_unparsable_json_body_is_invalid_request_body(
    gateway: GatewayServer, validated: str
) -> None:
    response = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body='{"slug": "/a",',
        params=PARAMS,
        headers=HEADERS,
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Invalid request body"


def test_body_of_a_content_type_without_model_is_not_validated(
    gateway: GatewayServer, validated: str
) -> None:
    response = invoke(
        gateway.url,
        validated,
        "/comments",
        method_name="POST",
        body='{"statusCode": 200}',
        params=PARAMS,
        headers={**HEADERS, "Content-Type": "text/plain"},
    )
    assert response.status_code == 200


def test_validator_without_body_validation_skips_the_model(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(
        _validated_api(
            **{
                "x-amazon-apigateway-request-validator": "params-only",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Comment"}}
                    }
                },
            }
        )
    )
    response = invoke(gateway.url, api_id, "/comments", method_name="POST", body={"bad": True})
    assert response.status_code == 200


def test_document_level_validator_applies_to_methods_without_their_own(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = _validated_api(
        parameters=[{"name": "slug", "in": "query", "required": True}],
    )
    definition["x-amazon-apigateway-request-validator"] = "params-only"
    response = invoke(gateway.url, deployer.deploy(definition), "/comments", method_name="POST")
    assert response.json() == {"message": "Missing required request parameters: [slug]"}


def test_models_that_refer_to_models_and_to_themselves_are_validated(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    """A model built from other models, and one that contains itself (a thread of replies),
    is checked all the way down: a bad value three levels deep is refused like one at the top."""
    thread = {
        "type": "object",
        "required": ["comment"],
        "properties": {
            "comment": {"$ref": "#/components/schemas/Comment"},
            "replies": {"type": "array", "items": {"$ref": "#/components/schemas/Thread"}},
            # A property named like a keyword, and data that looks like a reference.
            "default": {"$ref": "#/components/schemas/Comment"},
            "kind": {"enum": [{"$ref": "#/components/schemas/Comment"}, "thread"]},
        },
    }
    operation: dict[str, Any] = {
        "x-amazon-apigateway-request-validator": "all",
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thread"}}}
        },
    }
    api_id = deployer.deploy(
        api(
            {"/threads": {"post": method(mock({"default": {"statusCode": "200"}}), **operation)}},
            components={"schemas": {"Comment": COMMENT_SCHEMA, "Thread": thread}},
        )
    )

    def post(body: Any) -> int:
        return invoke(
            gateway.url, api_id, "/threads", method_name="POST", body=body, headers=HEADERS
        ).status_code

    reply = {"comment": GOOD, "replies": [{"comment": GOOD}]}
    assert post({"comment": GOOD, "replies": [reply], "default": GOOD, "kind": "thread"}) == 200
    too_long = {**GOOD, "comment": "x" * 21}
    assert (
        post({"comment": GOOD, "replies": [{"comment": GOOD, "replies": [{"comment": too_long}]}]})
        == 400
    )
    assert post({"comment": GOOD, "default": too_long}) == 400
    # The enum's member is data: only that exact object matches, not any Comment.
    assert post({"comment": GOOD, "kind": {"$ref": "#/components/schemas/Comment"}}) == 200
    assert post({"comment": GOOD, "kind": GOOD}) == 400
