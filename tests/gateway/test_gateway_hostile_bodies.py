"""Bodies no parser should accept get API Gateway's 400, never a 500 (found by tests/abuse)."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import api, invoke, method, mock
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server

TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
MODEL = {
    "type": "object",
    "required": ["slug", "comment"],
    "additionalProperties": False,
    "properties": {"slug": TEXT, "comment": TEXT},
}
JSON = {"Content-Type": "application/json"}


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.fixture(scope="module")
def validated(deployer: Deployer) -> str:
    """POST /comments with a body model; a mock integration answers 200 when it gets through."""
    operation: dict[str, Any] = {
        "x-amazon-apigateway-request-validator": "all",
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Comment"}}}
        },
    }
    return deployer.deploy(
        api(
            {"/comments": {"post": method(mock({"default": {"statusCode": "200"}}), **operation)}},
            components={"schemas": {"Comment": MODEL}},
        )
    )


@pytest.fixture(scope="module")
def unvalidated(deployer: Deployer) -> str:
    """POST /parse without a model, whose request template reads the body with $input.path."""
    template = "#set($a = $input.path('$.a'))" + '{"statusCode": 200}'
    integration = mock({"default": {"statusCode": "200"}}, templates={"application/json": template})
    return deployer.deploy(api({"/parse": {"post": method(integration)}}))


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply nested arrays"),
        pytest.param(_nested(100_000), id="deeply nested objects"),
        pytest.param(b'{"slug": ' + _nested(5_000) + b', "comment": "c"}', id="deep in a field"),
    ],
)
def test_json_nested_deeper_than_the_parser_allows_is_an_invalid_body(
    gateway: GatewayServer, validated: str, body: bytes
) -> None:
    response = invoke(
        gateway.url, validated, "/comments", method_name="POST", body=body, headers=JSON
    )
    assert response.status_code == 400, response.text
    assert response.json() == {"message": "Invalid request body"}


def test_json_too_deep_for_input_path_is_a_body_that_cannot_be_parsed(
    gateway: GatewayServer, unvalidated: str
) -> None:
    response = invoke(
        gateway.url, unvalidated, "/parse", method_name="POST", body=_nested(100_000), headers=JSON
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Could not parse request body into json")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"slug": "/a\xff\xfe", "comment": "c"}', id="invalid start bytes"),
        pytest.param(b'{"slug": "/\xc0\xaf", "comment": "c"}', id="overlong encoding"),
        pytest.param(b'{"slug": "/\xed\xa0\x80", "comment": "c"}', id="encoded surrogate"),
        pytest.param(b'{"slug": "/a\xe2\x82", "comment": "c"}', id="truncated sequence"),
        pytest.param('{"slug": "/é", "comment": "c"}'.encode("latin-1"), id="latin-1"),
    ],
)
def test_a_body_that_is_not_utf8_is_an_invalid_body(
    gateway: GatewayServer, validated: str, body: bytes
) -> None:
    """The validator parses the payload as UTF-8 JSON: bad bytes are malformed JSON, not text
    with replacement characters that the model would pass and the table would store."""
    response = invoke(
        gateway.url, validated, "/comments", method_name="POST", body=body, headers=JSON
    )
    assert response.status_code == 400, response.text
    assert response.json() == {"message": "Invalid request body"}


def test_valid_utf8_still_passes_the_validator(gateway: GatewayServer, validated: str) -> None:
    body = '{"slug": "/é😀", "comment": "\\ud83d\\ude00 ok"}'.encode()
    response = invoke(
        gateway.url, validated, "/comments", method_name="POST", body=body, headers=JSON
    )
    assert response.status_code == 200, response.text
