"""Template contracts: each .vtl rendered as the data plane renders it, its output run against moto.

The request templates must produce a DynamoDB request that stores exactly the documented
attributes for any client text, and nothing a client sends may add or change an attribute or a
key; the response templates must turn what DynamoDB answers back into the exact text stored.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from comments_infra import api_definition
from emulator.gateway.vtl import ResponseOverride, render, template_namespace

pytestmark = pytest.mark.slow

TABLE = "comments-contract"
EPOCH_MS = 1_795_601_162_737
SMOKE_PREFIX = "/__smoke__/"
TTL_SECONDS = 86_400
INPUTS = api_definition.ApiInputs(
    title="contract",
    region="us-east-1",
    table_name=TABLE,
    role_arn="arn:aws:iam::123456789012:role/contract",
    cors_allowed_origins=("https://site.example", "http://localhost:3000"),
    smoke_slug_prefix=SMOKE_PREFIX,
    smoke_ttl_seconds=TTL_SECONDS,
)
DOCUMENT = api_definition.build_api_document(INPUTS)
CREATE = DOCUMENT["paths"]["/comments"]["post"]["x-amazon-apigateway-integration"]
LIST = DOCUMENT["paths"]["/comments"]["get"]["x-amazon-apigateway-integration"]
JSON = "application/json"
# A distinct request time per write: hypothesis replays examples, and a repeated
# (slug, createdAt) would be refused by the conditional write.
request_times = itertools.count(EPOCH_MS + 1)

# Any text DynamoDB can store (UTF-8: astral characters, which JSON carries as surrogate pairs,
# but no lone surrogates), within the model's limits.
text = st.text(st.characters(codec="utf-8"), min_size=1)
hostile = st.sampled_from(
    [
        '"},"createdAt":{"N":"1"},"x":{"S":"',
        "\\'",
        "'",
        "\\",
        "$context.requestId",
        "#set($x=1)$x",
        '#end"}',
        "\u2028",
        "\x00",
        "😀",
    ]
)


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            BillingMode="PROVISIONED",
            KeySchema=[
                {"AttributeName": "slug", "KeyType": "HASH"},
                {"AttributeName": "createdAt", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "slug", "AttributeType": "S"},
                {"AttributeName": "createdAt", "AttributeType": "N"},
            ],
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        )
        yield client


def render_request(
    template: str, *, body: str = "", query: dict[str, str] | None = None, epoch_ms: int = EPOCH_MS
) -> dict[str, Any]:
    namespace = template_namespace(
        body=body,
        params={"path": {}, "querystring": query or {}, "header": {"Content-Type": JSON}},
        context={"requestTimeEpoch": epoch_ms, "requestId": "contract"},
        stage_variables={},
    )
    rendered = render(template, namespace)
    payload: dict[str, Any] = json.loads(rendered)  # must be valid JSON for any input
    return payload


def render_response(
    template: str, backend_body: str, headers: dict[str, str] | None = None
) -> tuple[Any, ResponseOverride]:
    override = ResponseOverride()
    namespace = template_namespace(
        body=backend_body,
        params={"path": {}, "querystring": {}, "header": headers or {}},
        context={
            "requestTimeEpoch": EPOCH_MS,
            "requestId": "contract",
            "responseOverride": override.values,
        },
        stage_variables={},
    )
    return json.loads(render(template, namespace)), override


def create(dynamodb: Any, comment: dict[str, Any], epoch_ms: int = EPOCH_MS) -> dict[str, Any]:
    """Render the POST template for `comment` and send the result to DynamoDB, as the gateway would."""
    payload = render_request(
        CREATE["requestTemplates"][JSON], body=json.dumps(comment), epoch_ms=epoch_ms
    )
    assert CREATE["uri"].endswith("action/UpdateItem")
    result: dict[str, Any] = dynamodb.update_item(**payload)
    return result


def stored(dynamodb: Any, slug: str, epoch_ms: int = EPOCH_MS) -> dict[str, Any]:
    item: dict[str, Any] = dynamodb.get_item(
        TableName=TABLE, Key={"slug": {"S": slug}, "createdAt": {"N": str(epoch_ms)}}
    )["Item"]
    return item


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    slug=text.filter(lambda s: len(s) <= 256),
    author=text.filter(lambda s: len(s) <= 64),
    comment=st.one_of(text, hostile).filter(lambda s: len(s) <= 2000),
)
def test_any_text_is_stored_exactly_with_only_the_documented_attributes(
    dynamodb: Any, slug: str, author: str, comment: str
) -> None:
    epoch_ms = next(request_times)
    create(dynamodb, {"slug": slug, "author": author, "comment": comment}, epoch_ms)
    item = stored(dynamodb, slug, epoch_ms)
    expected = {
        "slug": {"S": slug},
        "createdAt": {"N": str(epoch_ms)},
        "author": {"S": author},
        "comment": {"S": comment},
    }
    if slug.startswith(SMOKE_PREFIX):
        expected["expiresAt"] = {"N": str(epoch_ms // 1000 + TTL_SECONDS)}
    assert item == expected


def test_client_fields_cannot_add_or_change_attributes_or_keys(dynamodb: Any) -> None:
    slug = "/contract/extra-fields"
    create(
        dynamodb,
        {
            "slug": slug,
            "author": "a",
            "comment": "c",
            "createdAt": 1,
            "expiresAt": 1,
            "isAdmin": True,
            "TableName": "other",
        },
    )
    assert stored(dynamodb, slug) == {
        "slug": {"S": slug},
        "createdAt": {"N": str(EPOCH_MS)},
        "author": {"S": "a"},
        "comment": {"S": "c"},
    }


def test_smoke_comments_expire_and_others_do_not(dynamodb: Any) -> None:
    create(dynamodb, {"slug": SMOKE_PREFIX + "run", "author": "a", "comment": "c"})
    create(dynamodb, {"slug": "/blog/" + SMOKE_PREFIX, "author": "a", "comment": "c"})
    assert stored(dynamodb, SMOKE_PREFIX + "run")["expiresAt"] == {
        "N": str(EPOCH_MS // 1000 + TTL_SECONDS)
    }
    assert "expiresAt" not in stored(dynamodb, "/blog/" + SMOKE_PREFIX)


def test_a_second_write_at_the_same_moment_never_overwrites(dynamodb: Any) -> None:
    slug = "/contract/collision"
    create(dynamodb, {"slug": slug, "author": "first", "comment": "kept"})
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        create(dynamodb, {"slug": slug, "author": "second", "comment": "lost?"})
    assert stored(dynamodb, slug)["author"] == {"S": "first"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    author=st.one_of(text, hostile).filter(lambda s: len(s) <= 64), comment=st.one_of(text, hostile)
)
def test_responses_give_back_exactly_what_was_stored(
    dynamodb: Any, author: str, comment: str
) -> None:
    slug = "/contract/round-trip"
    epoch_ms = next(request_times)
    result = create(dynamodb, {"slug": slug, "author": author, "comment": comment}, epoch_ms)
    created, _ = render_response(
        CREATE["responses"]["2\\d{2}"]["responseTemplates"][JSON], json.dumps(result)
    )
    assert created == {"slug": slug, "createdAt": epoch_ms, "author": author, "comment": comment}

    query = render_request(
        LIST["requestTemplates"][JSON],
        query={"slug": slug, "before": str(epoch_ms + 1), "limit": "1"},
    )
    page, _ = render_response(
        LIST["responses"]["2\\d{2}"]["responseTemplates"][JSON],
        json.dumps(dynamodb.query(**query), default=str),
    )
    assert page["items"] == [created]
    assert page["next"] in (None, epoch_ms)


@pytest.mark.parametrize(
    ("query", "valid"),
    [
        ({"slug": "/a"}, True),
        ({"slug": "/a", "limit": "50", "before": "1795601162737"}, True),
        ({"slug": "/a", "limit": "1"}, True),
        ({"slug": "/a", "limit": "0"}, False),
        ({"slug": "/a", "limit": "51"}, False),
        ({"slug": "/a", "limit": "1e1"}, False),
        ({"slug": "/a", "before": "-1"}, False),
        ({"slug": "/a", "before": '1}, "Limit": 1000, "x": {'}, False),
        ({"slug": "/a", "before": "$context.requestId"}, False),
    ],
)
def test_list_query_parameters(dynamodb: Any, query: dict[str, str], valid: bool) -> None:
    payload = render_request(LIST["requestTemplates"][JSON], query=query)
    assert payload["TableName"] == TABLE
    assert payload["ScanIndexForward"] is False
    if valid:
        dynamodb.query(**payload)
        assert payload["Limit"] == int(query.get("limit", api_definition.DEFAULT_PAGE_SIZE))
    else:
        with pytest.raises(dynamodb.exceptions.ClientError, match="ValidationException"):
            dynamodb.query(**payload)


@pytest.mark.parametrize(
    ("error_type", "status", "message"),
    [
        ("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", 409, "retry"),
        (
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            429,
            "Too Many Requests",
        ),
        ("com.amazon.coral.validate#ValidationException", None, "limit must be"),
        ("com.amazon.coral.service#SerializationException", 500, "Internal server error"),
        ("com.amazon.coral.service#AccessDeniedException", 500, "Internal server error"),
    ],
)
def test_dynamodb_errors_map_by_type(error_type: str, status: int | None, message: str) -> None:
    template = LIST["responses"]["4\\d{2}"]["responseTemplates"][JSON]
    body, override = render_response(
        template, json.dumps({"__type": error_type, "Message": "backend detail"})
    )
    assert override.status == status
    assert message in body["message"]
    assert "backend detail" not in body["message"]


@pytest.mark.parametrize(
    ("origin", "echoed"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://evil.example", None),
        ("", None),
    ],
)
def test_cors_origin_is_echoed_only_when_allowed(origin: str, echoed: str | None) -> None:
    template = CREATE["responses"]["default"]["responseTemplates"][JSON]
    _, override = render_response(template, "{}", {"Origin": origin} if origin else {})
    assert override.headers.get("Access-Control-Allow-Origin") == echoed
