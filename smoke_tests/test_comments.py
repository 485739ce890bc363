"""The API contract of DESIGN.md, spoken over HTTP against a deployed stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smoke_tests.conftest import Api, Comments

THIS_SLUG = object()  # stands for the test's own slug in parametrised bodies
HOSTILE_TEXTS = [
    'double "quotes" and \\backslashes\\ and \\"both\\"',
    "single 'quotes' and a trailing backslash \\",
    "it\\'s escaped already \\\\'",
    "new\nlines\r\nand\ttabs",
    "emoji 😀🎉 and CJK 漢字かな한글",
    "$context.requestId $input.body $util.escapeJavaScript('x') ${x}",
    "#set($x = 1)#foreach($i in [1])$i#end ## comment",
    '"},"x":{"S":"y',
    "</script><script>alert(1)</script> / slash",
    "\u0000\u0001\u001f control characters \u007f",
    "\u2028 line separators \u2029 and \ufeff BOM",
]


def assert_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert isinstance(message, str) and message
    return message


def test_post_then_read_back_newest_first(api: Api, comments: Comments, slug: str) -> None:
    posted = []
    for n in range(3):
        body = comments.submit(slug=slug, author=f"reader {n}", comment=f"comment {n}")
        assert body == {
            "slug": slug,
            "author": f"reader {n}",
            "comment": f"comment {n}",
            "createdAt": body["createdAt"],
        }
        assert isinstance(body["createdAt"], int)
        comments.approve(body)
        posted.append(body)
    listed = api.list_comments(slug=slug)
    assert listed.status_code == 200
    page = listed.json()
    assert page["items"] == sorted(posted, key=lambda c: c["createdAt"], reverse=True)
    assert page["next"] is None


def test_hostile_text_round_trips_exactly_and_pages_to_the_end(
    api: Api, comments: Comments, slug: str
) -> None:
    stored = {}
    for text in HOSTILE_TEXTS:
        body = comments.publish(slug=slug, author=text[:64], comment=text)
        assert (body["author"], body["comment"]) == (text[:64], text)
        stored[body["createdAt"]] = text

    first_page = api.list_comments(slug=slug).json()
    assert len(first_page["items"]) == 10  # the default page size
    assert first_page["next"] == first_page["items"][-1]["createdAt"]

    everything = api.all_comments(slug, limit=3)
    assert [c["createdAt"] for c in everything] == sorted(stored, reverse=True)
    assert {c["createdAt"]: c["comment"] for c in everything} == stored
    assert all(c["slug"] == slug for c in everything)


@pytest.mark.parametrize(
    "body",
    [
        {"author": "a", "comment": "missing slug"},
        {"slug": THIS_SLUG, "author": 1, "comment": "author not a string"},
        {"slug": THIS_SLUG, "author": "", "comment": "empty author"},
        {"slug": THIS_SLUG, "author": "a" * 65, "comment": "author too long"},
        {"slug": THIS_SLUG, "author": "a", "comment": "c" * 2001},
        {"slug": THIS_SLUG, "author": "a", "comment": "unknown field", "createdAt": 1},
        {"slug": THIS_SLUG, "author": "a", "comment": "unknown field", "isAdmin": True},
    ],
    ids=[
        "missing",
        "wrong-type",
        "empty",
        "oversize-author",
        "oversize-comment",
        "client-createdAt",
        "extra-field",
    ],
)
def test_invalid_comments_are_rejected_and_not_stored(
    api: Api, slug: str, body: dict[str, Any]
) -> None:
    payload = {k: slug if v is THIS_SLUG else v for k, v in body.items()}
    assert_error(api.post_comment(**payload), 400)
    assert api.list_comments(slug=slug).json() == {"items": [], "next": None}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
    ],
    ids=["malformed", "array", "scalar"],
)
def test_bodies_that_are_not_a_comment_object(api: Api, data: str, content_type: str) -> None:
    response = api.request("POST", "/comments", data=data, headers={"Content-Type": content_type})
    assert_error(response, 400)


def test_non_json_content_type_is_refused(api: Api, slug: str) -> None:
    body = json.dumps({"slug": slug, "author": "a", "comment": "b"})
    response = api.request("POST", "/comments", data=body, headers={"Content-Type": "text/plain"})
    assert assert_error(response, 415) == "Unsupported Media Type"
    assert api.list_comments(slug=slug).json()["items"] == []


def test_missing_slug_names_the_parameter(api: Api) -> None:
    assert assert_error(api.list_comments(), 400) == "Missing required request parameters: [slug]"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "51"},
        {"limit": "ten"},
        {"before": "yesterday"},
        {"before": '{"N":"1"}'},
    ],
)
def test_malformed_paging_parameters(api: Api, slug: str, params: dict[str, str]) -> None:
    message = assert_error(api.list_comments(slug=slug, **params), 400)
    assert "limit" in message and "before" in message


def test_unknown_route(api: Api) -> None:
    assert assert_error(api.request("GET", "/nothing-here"), 403) == "Missing Authentication Token"


def test_cors_preflight_and_headers_on_errors(api: Api) -> None:
    # The preflight answers the stage's primary origin when the caller's is not known.
    origin = api.request("OPTIONS", "/comments").headers["Access-Control-Allow-Origin"]
    origin = "https://any-site.example" if origin == "*" else origin
    preflight = api.request(
        "OPTIONS",
        "/comments",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    allowed_origin = preflight.headers["Access-Control-Allow-Origin"]
    assert allowed_origin in ("*", origin)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"].split(",")
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()

    for response in (
        api.request("GET", "/comments", headers={"Origin": origin}),  # 400 from the gateway
        api.request("GET", "/nothing-here", headers={"Origin": origin}),  # 403
        api.request(
            "POST",
            "/comments",
            data="{",
            headers={"Origin": origin, "Content-Type": "application/json"},
        ),
    ):
        assert response.headers.get("Access-Control-Allow-Origin") in ("*", origin), (
            response.status_code
        )
