"""Round trips: any text within the documented limits comes back exactly as sent.

hypothesis generates slugs, authors and comments from all of Unicode (control characters,
astral characters sent raw or as the surrogate pairs JSON spells them), mixed with quotes,
backslashes, VTL and JSON syntax. A POST then a GET must return exactly the text sent, and the
stored item must have exactly the documented attributes. Text outside the limits gets 400 and
nothing is stored.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comments_infra.api_definition import AUTHOR_MAX, COMMENT_MAX, NON_BLANK_PATTERN, SLUG_MAX
from tests.abuse.checks import RETRYABLE, cors_problems, error_problems
from tests.abuse.conftest import STRENGTH, Ledger
from tests.abuse.environment import LocalEnvironment, Table

pytestmark = pytest.mark.e2e

LIMITS = {"slug": SLUG_MAX, "author": AUTHOR_MAX, "comment": COMMENT_MAX}
NON_BLANK = re.compile(NON_BLANK_PATTERN)
# Blank slugs: a GET could never name them (API Gateway refuses a blank parameter), so POST refuses them.
BLANK = ["", " ", "\t\r\n", "\x00", "\x1f", "\xa0", "\u3000", "\u2028", "\ufeff \x85"]
# Text that means something to a template, to JSON or to DynamoDB, and must stay plain data.
SYNTAX = [
    '"', "'", "\\", "\\'", '\\"', "\\u0041", "\\ud83d", "/", "$", "#", "$input.body",
    "$context.requestId", "${x}", "#set($x = 1)", "#end", "#if(true)", "## comment", "#*",
    '{"S": "x"}', '"},"createdAt":{"N":"1"},"x":{"S":"', "]}", ":author", "#slug",
    "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\ufeff", "\ufffd", "😀", "\r\n", "\t",
]  # fmt: skip
# Any Unicode scalar value: UTF-8 can encode all but the surrogates.
characters = st.characters(codec="utf-8")


def text_within(limit: int) -> st.SearchStrategy[str]:
    """Text of 1..limit characters: random Unicode, syntax fragments, or an exact length."""
    fragments = st.lists(
        st.one_of(st.text(characters, max_size=12), st.sampled_from(SYNTAX)), min_size=1
    )
    return st.one_of(
        st.text(characters, min_size=1, max_size=limit),
        fragments.map(lambda parts: "".join(parts)[:limit]).filter(bool),
        st.sampled_from([1, limit]).flatmap(lambda n: st.text(characters, min_size=n, max_size=n)),
    )


def slugs(smoke_prefix: str) -> st.SearchStrategy[str]:
    """Slugs within the limit, some under the smoke prefix (whose comments carry a TTL)."""
    plain = text_within(LIMITS["slug"]).filter(NON_BLANK.search)
    smoke = text_within(LIMITS["slug"] - len(smoke_prefix)).map(lambda s: smoke_prefix + s)
    return st.one_of(plain, smoke)


def encode(body: Any, ascii_only: bool) -> bytes:
    """JSON as clients send it: raw UTF-8, or ASCII with \\uXXXX escapes (surrogate pairs)."""
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8")


def post(session: requests.Session, url: str, payload: bytes) -> requests.Response:
    """POST, retrying what the contract calls retryable (a same-millisecond collision, throttling)."""
    for attempt in range(5):
        response = session.post(
            url + "/comments", data=payload, headers={"Content-Type": "application/json"}
        )
        if response.status_code not in RETRYABLE:
            return response
        time.sleep(0.05 * 2**attempt)
    return response


@pytest.fixture(scope="module")
def table(local_env: LocalEnvironment) -> Table:
    return local_env.table()


@pytest.fixture(scope="module")
def session(ledger: Ledger) -> requests.Session:
    return ledger.session("round-trip", generated=True)


def test_text_within_the_limits_round_trips_exactly(
    local_env: LocalEnvironment, table: Table, session: requests.Session, ledger: Ledger
) -> None:
    expect = ledger.expect

    @settings(
        max_examples=STRENGTH.round_trip_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        slug=slugs(local_env.smoke_slug_prefix),
        author=text_within(LIMITS["author"]),
        comment=text_within(LIMITS["comment"]),
        ascii_only=st.booleans(),
    )
    def round_trip(slug: str, author: str, comment: str, ascii_only: bool) -> None:
        sent = {"slug": slug, "author": author, "comment": comment}
        created = post(session, local_env.url, encode(sent, ascii_only))
        expect(
            created.status_code == 201, f"POST {sent!r}: {created.status_code} {created.text[:200]}"
        )
        expect(not cors_problems(201, created.headers), f"POST without CORS: {created.headers}")
        answer = created.json()
        expect(
            {k: answer.get(k) for k in sent} == sent and isinstance(answer.get("createdAt"), int),
            f"POST answered {answer!r} for {sent!r}",
        )
        page = session.get(local_env.url + "/comments", params={"slug": slug, "limit": "1"})
        expect(page.status_code == 200, f"GET {slug!r}: {page.status_code} {page.text[:200]}")
        items = page.json()["items"]
        expect(items == [answer], f"GET {slug!r} returned {items!r}, posted {answer!r}")
        stored = table.item(slug, answer["createdAt"])
        expect(stored is not None, f"{sent!r} answered 201 but is not stored")
        assert stored is not None
        problems = table.attribute_problems(stored)
        expect(not problems, f"stored {stored!r}: {problems}")
        expect({k: stored[k] for k in sent} == sent, f"stored {stored!r}, sent {sent!r}")

    round_trip()


def _invalid_values(limit: int) -> st.SearchStrategy[Any]:
    """A field value the contract refuses: empty, too long, an unpaired surrogate, not a string."""
    return st.one_of(
        st.just(""),
        st.integers(limit + 1, limit + 64).flatmap(
            lambda n: st.text(characters, min_size=n, max_size=n)
        ),
        st.tuples(text_within(limit - 1), st.integers(0xD800, 0xDFFF)).map(
            lambda pair: pair[0][: len(pair[0]) // 2] + chr(pair[1]) + pair[0][len(pair[0]) // 2 :]
        ),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
    )


@st.composite
def invalid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A body with valid fields except one or more broken ones (wrong, missing or extra)."""
    body: dict[str, Any] = {name: draw(text_within(limit)) for name, limit in LIMITS.items()}
    broken = draw(
        st.lists(st.sampled_from([*LIMITS, "extra"]), min_size=1, max_size=3, unique=True)
    )
    for name in broken:
        if name == "extra":
            body[draw(st.sampled_from(["createdAt", "expiresAt", "Slug", "x", ""]))] = draw(
                st.one_of(st.text(max_size=8), st.integers())
            )
        elif name == "slug" and draw(st.booleans()):
            body[name] = draw(st.sampled_from(BLANK))
        elif draw(st.booleans()):
            body[name] = draw(_invalid_values(LIMITS[name]))
        else:
            del body[name]
    return body


def test_text_outside_the_limits_gets_400_and_is_not_stored(
    local_env: LocalEnvironment, table: Table, session: requests.Session, ledger: Ledger
) -> None:
    expect = ledger.expect

    @settings(
        max_examples=STRENGTH.out_of_limits_examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=invalid_bodies())
    def refused(body: dict[str, Any]) -> None:
        before = table.count()
        # ASCII JSON: an unpaired surrogate travels as its \udXXX escape.
        response = post(session, local_env.url, encode(body, ascii_only=True))
        expect(
            response.status_code == 400,
            f"POST {body!r}: {response.status_code} {response.text[:200]}",
        )
        problems = error_problems(400, response.headers, response.content)
        problems += cors_problems(400, response.headers)
        expect(not problems, f"POST {body!r}: {problems}")
        expect(table.count() == before, f"POST {body!r} answered 400 but stored an item")

    refused()
