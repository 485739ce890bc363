"""The program's own API document, served by the gateway: text the table cannot hold is refused.

Found by the abuse suite (tests/abuse): JSON can carry an unpaired surrogate that UTF-8 cannot,
and a slug of only white space is stored by POST but can never be named by GET (API Gateway
refuses a blank required parameter). Both must answer 400 and store nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from comments_infra import api_definition
from emulator.gateway import GatewayServer
from tests.gateway.apis import ACCOUNT, REGION, TABLE, TABLE_ARN
from tests.gateway.conftest import Aws, Deployer

pytestmark = pytest.mark.server

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def program_api(aws: Aws, deployer: Deployer) -> str:
    role = aws.role(
        "program-api",
        {
            "Effect": "Allow",
            "Action": list(api_definition.DYNAMODB_ACTIONS),
            "Resource": TABLE_ARN,
        },
    )
    document = api_definition.build_api_document(
        api_definition.ApiInputs(
            title="program",
            region=REGION,
            table_name=TABLE,
            role_arn=role,
            cors_allowed_origins=("*",),
            smoke_slug_prefix="/__smoke__/",
            smoke_ttl_seconds=3600,
        )
    )
    assert role.startswith(f"arn:aws:iam::{ACCOUNT}:")
    return deployer.deploy(document)


def _post(gateway: GatewayServer, api_id: str, body: bytes) -> requests.Response:
    url = f"{gateway.url}/{api_id}/test/comments"
    return requests.post(url, data=body, headers=JSON, timeout=30)


def _stored(aws: Aws, slug: str) -> list[dict[str, Any]]:
    return list(
        aws.dynamodb.query(
            TableName=TABLE,
            KeyConditionExpression="slug = :s",
            ExpressionAttributeValues={":s": {"S": slug}},
        )["Items"]
    )


@pytest.mark.parametrize("field", ["slug", "author", "comment"])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\udc00\\ud800", "\\ud83d\\ud83d"])
def test_an_unpaired_surrogate_is_refused_and_nothing_is_stored(
    gateway: GatewayServer, program_api: str, aws: Aws, field: str, escape: str
) -> None:
    slug = f"/surrogate/{uuid.uuid4().hex}"
    members = {"slug": json.dumps(slug), "author": '"ada"', "comment": '"hello"'}
    members[field] = members[field][:-1] + escape + '"'
    body = ("{" + ", ".join(f'"{k}": {v}' for k, v in members.items()) + "}").encode()
    response = _post(gateway, program_api, body)
    assert response.status_code == 400, response.text
    assert response.json() == {"message": "The comment could not be stored as sent"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert _stored(aws, slug) == []
    assert _stored(aws, slug + json.loads(f'"{escape}"')) == []


def test_surrogate_pairs_are_text_and_round_trip(
    gateway: GatewayServer, program_api: str, aws: Aws
) -> None:
    slug = f"/pairs/{uuid.uuid4().hex}/😀"
    body = json.dumps({"slug": slug, "author": "🐍", "comment": "a 😀 b"}).encode()  # \ud83d\ude00
    response = _post(gateway, program_api, body)
    assert response.status_code == 201, response.text
    assert {k: response.json()[k] for k in ("slug", "author", "comment")} == json.loads(body)
    [stored] = _stored(aws, slug)
    assert stored["comment"] == {"S": "a 😀 b"}


@pytest.mark.parametrize("slug", [" ", "\t\r\n", "\x1f", "\xa0", "\u3000", "\u2028"])
def test_a_blank_slug_is_refused_because_no_get_could_name_it(
    gateway: GatewayServer, program_api: str, aws: Aws, slug: str
) -> None:
    body = json.dumps({"slug": slug, "author": "ada", "comment": "hello"}).encode()
    response = _post(gateway, program_api, body)
    assert response.status_code == 400, response.text
    assert response.json() == {"message": "Invalid request body"}
    assert _stored(aws, slug) == []
    read = requests.get(
        f"{gateway.url}/{program_api}/test/comments", params={"slug": slug}, timeout=30
    )
    assert read.json() == {"message": "Missing required request parameters: [slug]"}


def test_a_slug_with_white_space_around_text_is_stored_and_read_back(
    gateway: GatewayServer, program_api: str
) -> None:
    slug = f" /padded/{uuid.uuid4().hex} "
    body = json.dumps({"slug": slug, "author": "ada", "comment": "hello"}).encode()
    assert _post(gateway, program_api, body).status_code == 201
    read = requests.get(
        f"{gateway.url}/{program_api}/test/comments", params={"slug": slug}, timeout=30
    )
    assert [item["slug"] for item in read.json()["items"]] == [slug]


def test_a_browser_preflight_is_answered_with_the_cors_grant(
    gateway: GatewayServer, program_api: str
) -> None:
    """What a browser sends before a cross-origin POST: no body, no Content-Type."""
    response = requests.options(
        f"{gateway.url}/{program_api}/test/comments",
        headers={
            "Origin": "https://site.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"].split(",")
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


# What a client can put on any route: (Content-Type, body). Each once caused, or could cause, a
# 5xx if a route passed it through unmapped (OPTIONS did: the body replaced the mock's template).
CLIENT_PAYLOADS = {
    "text/plain with a body": ("text/plain", b"hello"),
    "text/plain, empty": ("text/plain", b""),
    "a statusCode of its own": ("text/plain", b'{"statusCode": 500}'),
    "form data": ("application/x-www-form-urlencoded", b"statusCode=500"),
    "xml": ("application/xml", b"<statusCode>500</statusCode>"),
    "a DynamoDB request of its own": ("text/plain", b'{"TableName": "other", "Limit": 1000}'),
    "JSON that is not an object": ("application/json", b"[1, 2]"),
    "JSON that is not JSON": ("application/json", b"{"),
    "a wildcard type": ("*/*", b"{}"),
    "a malformed type": (";", b"{}"),
}


@pytest.mark.parametrize("method", ["OPTIONS", "GET", "POST"])
@pytest.mark.parametrize("payload", CLIENT_PAYLOADS.values(), ids=CLIENT_PAYLOADS.keys())
def test_no_client_payload_causes_a_5xx_on_any_route(
    gateway: GatewayServer, program_api: str, method: str, payload: tuple[str, bytes]
) -> None:
    content_type, body = payload
    response = requests.request(
        method,
        f"{gateway.url}/{program_api}/test/comments",
        params={"slug": "/no-5xx"},
        data=body,
        headers={"Content-Type": content_type},
        timeout=30,
    )
    assert response.status_code < 500, (method, content_type, body, response.text)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if response.status_code >= 400:
        assert isinstance(response.json()["message"], str), response.text


def test_a_preflight_with_a_body_of_another_type_is_unsupported_not_a_server_error(
    gateway: GatewayServer, program_api: str
) -> None:
    response = requests.options(
        f"{gateway.url}/{program_api}/test/comments",
        data=b"hello",
        headers={"Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 415, response.text
    assert response.json() == {"message": "Unsupported Media Type"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"
