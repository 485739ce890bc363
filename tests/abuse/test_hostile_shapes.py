"""Hostile shapes: what attackers send instead of a comment, answered as API Gateway answers it.

Oversized, deeply nested, badly encoded and non-object bodies, duplicate keys, wrong and missing
content types, `before`/`limit` carrying JSON or VTL, look-alike slugs, other methods and paths:
each gets a 4xx with a JSON message and the CORS origin (or, where API Gateway accepts the
request, the documented answer), nothing is stored that should not be, and no slug sees another
slug's comments.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments_infra.api_definition import PAGE_SIZE_PATTERN
from tests.abuse.checks import cors_problems, error_problems
from tests.abuse.conftest import STRENGTH, Ledger
from tests.abuse.environment import LocalEnvironment, Table

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json"}
INVALID_BODY = "Invalid request body"
UNSUPPORTED = "Unsupported Media Type"
NO_ROUTE = "Missing Authentication Token"
INVALID_QUERY = "Invalid query"


def valid(slug: str = "/hostile/valid", **fields: Any) -> dict[str, Any]:
    return {"slug": slug, "author": "mallory", "comment": "hello", **fields}


def nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b'{"a":' * depth + leaf + b"}" * depth


@pytest.fixture(scope="module")
def table(local_env: LocalEnvironment) -> Table:
    return local_env.table()


@pytest.fixture(scope="module")
def session(ledger: Ledger) -> requests.Session:
    return ledger.session("hostile", generated=False)


@pytest.fixture(scope="module")
def generated_session(ledger: Ledger) -> requests.Session:
    return ledger.session("hostile", generated=True)


def expect_refused(
    ledger: Ledger, response: requests.Response, status: int, message: str, what: str
) -> None:
    """`status` with a JSON message starting with `message`, and the CORS origin."""
    problems = error_problems(response.status_code, response.headers, response.content)
    problems += cors_problems(response.status_code, response.headers)
    if response.status_code != status:
        problems.append(f"status {response.status_code}, expected {status}")
    elif not problems and not response.json()["message"].startswith(message):
        problems.append(f"message {response.json()['message']!r}, expected {message!r}...")
    ledger.expect(not problems, f"{what}: {problems} ({response.text[:200]!r})")


BAD_BODIES = {
    "a 1 MB comment": json.dumps(valid(comment="x" * 1_000_000)).encode(),
    "1 MB of nested arrays": b"[" * 500_000 + b"]" * 500_000,
    "100,000 nested objects": nested(100_000),
    "nesting deeper than a parser allows, inside a field": b'{"slug":' + nested(5_000, b'"x"') + b"}",
    "nesting within what a parser allows": b'{"slug":' + nested(200, b'"x"') + b', "author": "a", "comment": "c"}',
    "invalid UTF-8 in a field": b'{"slug": "/hostile/\xff\xfe", "author": "a", "comment": "c"}',
    "an overlong UTF-8 '/'": b'{"slug": "\xc0\xafhostile", "author": "a", "comment": "c"}',
    "a UTF-8-encoded surrogate": b'{"slug": "/hostile/\xed\xa0\x80", "author": "a", "comment": "c"}',
    "truncated UTF-8": b'{"slug": "/hostile/\xe2\x82", "author": "a", "comment": "c"}',
    "Latin-1 instead of UTF-8": '{"slug": "/hostile/é", "author": "a", "comment": "c"}'.encode("latin-1"),
    "a JSON array of comments": json.dumps([valid()]).encode(),
    "a JSON string": b'"{\\"slug\\": \\"/hostile\\"}"',
    "a JSON number": b"42",
    "JSON true": b"true",
    "JSON null": b"null",
    "an empty body": b"",
    "white space": b" \r\n\t ",
    "a form body": b"slug=/hostile&author=a&comment=c",
    "trailing garbage": json.dumps(valid()).encode() + b"garbage",
    "two documents": json.dumps(valid()).encode() * 2,
    "NaN": b'{"slug": "/hostile", "author": "a", "comment": NaN}',
    "single quotes": b"{'slug': '/hostile', 'author': 'a', 'comment': 'c'}",
    "a comment": b'/* x */ {"slug": "/hostile", "author": "a", "comment": "c"}',
    "a VTL field name": json.dumps({**valid(), "$context.requestId": "x"}).encode(),
    "createdAt chosen by the client": json.dumps(valid(createdAt=1)).encode(),
}  # fmt: skip


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_bodies_get_400_and_store_nothing(
    local_env: LocalEnvironment,
    table: Table,
    session: requests.Session,
    ledger: Ledger,
    body: bytes,
) -> None:
    before = table.count()
    response = session.post(local_env.url + "/comments", data=body, headers=JSON)
    expect_refused(ledger, response, 400, INVALID_BODY, f"POST {body[:80]!r}")
    ledger.expect(table.count() == before, f"POST {body[:80]!r} stored an item")


@pytest.mark.parametrize("field", ["slug", "author", "comment"])
@pytest.mark.parametrize(
    "escape", ["\\ud800", "\\udfff", "x\\udc00\\ud800y", "\\ud83d\\ud83d\\ude00", "\\ud83dx"]
)
def test_unpaired_surrogates_get_400_and_store_nothing(
    local_env: LocalEnvironment,
    table: Table,
    session: requests.Session,
    ledger: Ledger,
    field: str,
    escape: str,
) -> None:
    """JSON can spell a lone surrogate; DynamoDB cannot store one, so it never reaches the table."""
    members = {k: json.dumps(v) for k, v in valid(f"/hostile/surrogate/{uuid.uuid4().hex}").items()}
    members[field] = members[field][:-1] + escape + '"'  # the escape inside the JSON string
    body = ("{" + ", ".join(f'"{k}": {v}' for k, v in members.items()) + "}").encode()
    before = table.count()
    response = session.post(local_env.url + "/comments", data=body, headers=JSON)
    expect_refused(
        ledger, response, 400, "The comment could not be stored as sent", f"POST {body!r}"
    )
    ledger.expect(table.count() == before, f"POST {body!r} stored an item")


def _post_raw(session: requests.Session, url: str, body: str) -> requests.Response:
    return session.post(url + "/comments", data=body.encode(), headers=JSON)


def test_duplicate_keys_store_the_value_that_was_validated(
    local_env: LocalEnvironment, table: Table, session: requests.Session, ledger: Ledger
) -> None:
    """Like API Gateway's parsers, the last duplicate wins, in the validator and the template alike."""
    slug = f"/hostile/dup/{uuid.uuid4().hex}"
    long = "x" * 2001
    before = table.count()
    refused = _post_raw(
        session,
        local_env.url,
        f'{{"slug": "{slug}", "author": "a", "comment": "ok", "comment": "{long}"}}',
    )
    expect_refused(ledger, refused, 400, INVALID_BODY, "a too-long duplicate last")
    refused = _post_raw(
        session,
        local_env.url,
        f'{{"slug": "{slug}", "author": "a", "comment": "ok", "comment": 7}}',
    )
    expect_refused(ledger, refused, 400, INVALID_BODY, "a number duplicate last")
    ledger.expect(table.count() == before, "a refused duplicate-key body stored an item")

    stored = _post_raw(
        session,
        local_env.url,
        f'{{"slug": "{slug}/first", "slug": "{slug}", "author": "a", "comment": "{long}", "comment": "ok"}}',
    )
    ledger.expect(
        stored.status_code == 201,
        f"a valid last duplicate: {stored.status_code} {stored.text[:200]}",
    )
    ledger.expect(
        [(i["slug"], i["comment"]) for i in table.items(slug)] == [(slug, "ok")]
        and table.items(f"{slug}/first") == [],
        f"duplicates stored {table.items(slug)} / {table.items(f'{slug}/first')}",
    )  # fmt: skip


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/xml", "application/json-patch+json", "application/jsonx", "json", "*/*",
     "text/json", "application/javascript"],
)  # fmt: skip
def test_other_content_types_get_415_and_store_nothing(
    local_env: LocalEnvironment,
    table: Table,
    session: requests.Session,
    ledger: Ledger,
    content_type: str,
) -> None:
    before = table.count()
    response = session.post(
        local_env.url + "/comments",
        data=json.dumps(valid()).encode(),
        headers={"Content-Type": content_type},
    )
    expect_refused(ledger, response, 415, UNSUPPORTED, f"Content-Type {content_type}")
    ledger.expect(table.count() == before, f"Content-Type {content_type} stored an item")


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;", None],
)
def test_json_by_its_mime_type_or_by_default_is_accepted(
    local_env: LocalEnvironment,
    table: Table,
    session: requests.Session,
    ledger: Ledger,
    content_type: str | None,
) -> None:
    """API Gateway picks the template by MIME type, and reads a missing Content-Type as JSON."""
    slug = f"/hostile/content-type/{uuid.uuid4().hex}"
    headers = {"Content-Type": content_type} if content_type else {}
    url = local_env.url + "/comments"
    response = session.post(url, data=json.dumps(valid(slug)).encode(), headers=headers)
    ledger.expect(
        response.status_code == 201, f"{content_type}: {response.status_code} {response.text[:200]}"
    )
    ledger.expect(len(table.items(slug)) == 1, f"{content_type}: stored {table.items(slug)}")
    refused = session.post(url, data=b'{"slug": 1}', headers=headers)
    expect_refused(ledger, refused, 400, INVALID_BODY, f"{content_type} with a bad body")


QUERY_VALUES = [
    '{"N": "1"}', '1}, "Limit": 1000, "x": {"S": "', '1", "Limit": 1000, "x": "', "$context.requestId",
    "#set($limit = 1000)", "${limit}", "$input.params()", "1 OR 1=1", "1e3", "0x10", "-1", "+1",
    "1.5", " 1", "1 ", "\u0663", "\uff11", "99999999999999999", "0", "00001", "null", "[1]", "true", "51",
    "50", "1", "9999999999999999", "\\", '"', "'", "%", "1\n", "\x00",
]  # fmt: skip
LIMIT = re.compile(PAGE_SIZE_PATTERN)
BEFORE = re.compile("[1-9][0-9]{0,15}")


@pytest.fixture(scope="module")
def neighbours(local_env: LocalEnvironment, session: requests.Session) -> list[str]:
    """Slugs that look alike, three comments each, for reads that must not cross between them."""
    base = f"/hostile/neighbours/{uuid.uuid4().hex}"
    slugs = [base, base + "/", base + "%", base.upper()]
    for slug in slugs:
        for n in range(3):
            response = session.post(local_env.url + "/comments", json=valid(slug, comment=str(n)))
            assert response.status_code == 201, response.text
    return slugs


def test_before_and_limit_carrying_json_or_vtl_get_400_or_a_page_of_that_slug_only(
    local_env: LocalEnvironment,
    neighbours: list[str],
    generated_session: requests.Session,
    ledger: Ledger,
) -> None:
    @settings(
        max_examples=STRENGTH.hostile_examples * 2,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        slug=st.sampled_from(neighbours),
        before=st.one_of(st.none(), st.sampled_from(QUERY_VALUES), st.text(max_size=20)),
        limit=st.one_of(st.none(), st.sampled_from(QUERY_VALUES), st.text(max_size=20)),
    )
    def query(slug: str, before: str | None, limit: str | None) -> None:
        params = {"slug": slug, "before": before, "limit": limit}
        response = generated_session.get(local_env.url + "/comments", params=params)
        well_formed = (not limit or LIMIT.fullmatch(limit)) and (
            not before or BEFORE.fullmatch(before)
        )
        what = f"GET {params!r}"
        if not well_formed:
            expect_refused(ledger, response, 400, INVALID_QUERY, what)
            return
        ledger.expect(
            response.status_code == 200, f"{what}: {response.status_code} {response.text[:200]}"
        )
        ledger.expect(not cors_problems(200, response.headers), f"{what}: no CORS origin")
        slugs = {item["slug"] for item in response.json()["items"]}
        ledger.expect(slugs <= {slug}, f"{what} returned comments of {slugs - {slug}}")

    query()


LOOK_ALIKE_SLUGS = [
    "/a", "/a/", "a", "/A", "/a?b=1", "/a?slug=/b", "/a&slug=/b", "/a#frag", "/a%2Fb", "/a/b",
    "/a%", "/a%%", "/a/../a", "../a", "/a/./", "/a+b", "/a b", "/a;b", "/a\\b", "/é", "/e\u0301",
    "/😀", "/a\x00", "/a\n", "/a\u2028",
]  # fmt: skip


def test_look_alike_slugs_never_see_each_others_comments(
    local_env: LocalEnvironment, table: Table, session: requests.Session, ledger: Ledger
) -> None:
    base = f"/hostile/look-alike/{uuid.uuid4().hex}"
    posted: dict[str, Any] = {}
    for suffix in LOOK_ALIKE_SLUGS:
        slug = base + suffix
        response = session.post(local_env.url + "/comments", json=valid(slug, author=suffix))
        ledger.expect(
            response.status_code == 201,
            f"POST {slug!r}: {response.status_code} {response.text[:200]}",
        )
        posted[slug] = response.json()
    for slug, comment in posted.items():
        response = session.get(local_env.url + "/comments", params={"slug": slug})
        ledger.expect(response.status_code == 200, f"GET {slug!r}: {response.status_code}")
        ledger.expect(
            response.json()["items"] == [comment], f"GET {slug!r}: {response.json()['items']!r}"
        )
        ledger.expect(
            table.items(slug) == [{k: comment[k] for k in comment}],
            f"stored under {slug!r}: {table.items(slug)}",
        )


def test_generated_look_alike_slugs_never_see_each_others_comments(
    local_env: LocalEnvironment, generated_session: requests.Session, ledger: Ledger
) -> None:
    @settings(
        max_examples=STRENGTH.hostile_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        suffix=st.text(st.characters(codec="utf-8"), min_size=1, max_size=24),
        variants=st.lists(
            st.sampled_from(["/", "?", "#", "%", "%25", "..", "/..", "+", " ", "&", "=", "\\"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
    )
    def no_crossing(suffix: str, variants: list[str]) -> None:
        base = f"/hostile/generated/{uuid.uuid4().hex}/{suffix}"
        slugs = [base, *(base + v for v in variants), *(v + base for v in variants)]
        url = local_env.url + "/comments"
        posted: dict[str, Any] = {}
        for slug in slugs:
            response = generated_session.post(url, json=valid(slug, author=str(len(posted))))
            ledger.expect(
                response.status_code == 201,
                f"POST {slug!r}: {response.status_code} {response.text[:200]}",
            )
            posted[slug] = response.json()
        for slug, comment in posted.items():
            response = generated_session.get(url, params={"slug": slug})
            ledger.expect(
                response.status_code == 200 and response.json()["items"] == [comment],
                f"GET {slug!r}: {response.status_code} {response.text[:300]}",
            )

    no_crossing()


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/comments"), ("DELETE", "/comments"), ("PATCH", "/comments"), ("GET", "/"),
     ("GET", "/comment"), ("GET", "/Comments"), ("GET", "/comments/x"), ("POST", "/comments/.."),
     ("GET", "/comments%2F..%2F"), ("GET", "/%00"), ("POST", "/comments/%2e%2e/comments/x")],
)  # fmt: skip
def test_other_methods_and_paths_get_403_with_a_message(
    local_env: LocalEnvironment,
    table: Table,
    session: requests.Session,
    ledger: Ledger,
    method: str,
    path: str,
) -> None:
    before = table.count()
    response = session.request(method, local_env.url + path, data=json.dumps(valid()), headers=JSON)
    expect_refused(ledger, response, 403, NO_ROUTE, f"{method} {path}")
    ledger.expect(table.count() == before, f"{method} {path} stored an item")


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml", "*/*", "application/json;q=0", "x"]
)
def test_any_accept_header_gets_the_json_answer(
    local_env: LocalEnvironment, session: requests.Session, ledger: Ledger, accept: str
) -> None:
    slug = f"/hostile/accept/{uuid.uuid4().hex}"
    url = local_env.url + "/comments"
    created = session.post(url, json=valid(slug), headers={"Accept": accept})
    ledger.expect(
        created.status_code == 201, f"Accept {accept}: {created.status_code} {created.text[:200]}"
    )
    ledger.expect(created.json()["slug"] == slug, f"Accept {accept}: {created.text[:200]}")
    page = session.get(url, params={"slug": slug}, headers={"Accept": accept})
    ledger.expect(
        page.status_code == 200 and len(page.json()["items"]) == 1,
        f"Accept {accept}: {page.text[:200]}",
    )
    refused = session.post(url, json={"slug": 1}, headers={"Accept": accept})
    expect_refused(ledger, refused, 400, INVALID_BODY, f"Accept {accept}")
