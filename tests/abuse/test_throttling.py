"""Throttling: a burst above the stage's limits gets 429 with CORS, then service resumes.

The local stack is generous (it serves whole test suites), so this module deploys an environment
of its own with tight stage limits, as DESIGN.md asks of a test that needs throttling to bite.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.abuse.checks import RETRYABLE, cors_problems, throttled_problems
from tests.abuse.conftest import Ledger
from tests.abuse.environment import LocalEnvironment

pytestmark = pytest.mark.e2e

RATE_LIMIT = 5  # requests per second
BURST_LIMIT = 10
BURST = 4 * BURST_LIMIT


@pytest.fixture(scope="module")
def throttled_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    environment = LocalEnvironment.start(
        tmp_path_factory.mktemp("abuse-throttled"),
        config={
            "comments:throttleRateLimit": RATE_LIMIT,
            "comments:throttleBurstLimit": BURST_LIMIT,
        },
    )
    yield environment
    environment.stop()


def _burst(
    ledger: Ledger, send: Callable[[requests.Session, int], requests.Response]
) -> tuple[list[requests.Response], float]:
    """BURST requests at once from a thread pool; their answers and how long they took."""
    local = threading.local()

    def one(n: int) -> requests.Response:
        if not hasattr(local, "session"):
            local.session = ledger.session("throttling", generated=False, retry_throttled=False)
        return send(local.session, n)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        answers = list(pool.map(one, range(BURST)))
    return answers, time.monotonic() - started


def _refill() -> None:
    time.sleep(BURST_LIMIT / RATE_LIMIT + 0.5)


def _check_throttled(
    ledger: Ledger, answers: list[requests.Response], elapsed: float, ok: int
) -> None:
    statuses = [a.status_code for a in answers]
    passed = statuses.count(ok)
    ledger.expect(429 in statuses, f"no request of a burst of {BURST} was throttled: {statuses}")
    # The bucket holds BURST_LIMIT tokens and gains RATE_LIMIT a second (one more for rounding).
    allowed = BURST_LIMIT + RATE_LIMIT * elapsed + 1
    ledger.expect(
        passed <= allowed, f"{passed} of {BURST} passed in {elapsed:.2f} s (at most {allowed:.0f})"
    )
    for answer in answers:
        status = answer.status_code
        ledger.expect(status < 500, f"a burst got {status}: {answer.text[:200]}")
        problems = cors_problems(status, answer.headers)
        if status == 429:
            problems += throttled_problems(answer.headers, answer.content)
        ledger.expect(not problems, f"throttled answer: {problems}")


def test_a_burst_of_reads_is_throttled_and_served_again_after_the_refill(
    throttled_env: LocalEnvironment, ledger: Ledger
) -> None:
    url = throttled_env.url + "/comments"
    slug = f"/abuse/throttling/{uuid.uuid4().hex}"
    answers, elapsed = _burst(ledger, lambda s, n: s.get(url, params={"slug": slug}))
    _check_throttled(ledger, answers, elapsed, ok=200)

    _refill()
    session = ledger.session("throttling", generated=False, retry_throttled=False)
    again = [session.get(url, params={"slug": slug}).status_code for _ in range(BURST_LIMIT)]
    ledger.expect(again == [200] * BURST_LIMIT, f"after the refill: {again}")


def test_a_burst_of_writes_stores_exactly_the_comments_answered_201(
    throttled_env: LocalEnvironment, ledger: Ledger
) -> None:
    _refill()
    url = throttled_env.url + "/comments"
    slug = f"/abuse/throttling/{uuid.uuid4().hex}"
    answers, elapsed = _burst(
        ledger, lambda s, n: s.post(url, json={"slug": slug, "author": f"a{n}", "comment": "burst"})
    )
    _check_throttled(ledger, answers, elapsed, ok=201)
    statuses = [a.status_code for a in answers]
    ledger.expect(
        set(statuses) <= {201} | RETRYABLE, f"a burst of writes got {sorted(set(statuses))}"
    )
    created = sorted(
        (a.json() for a in answers if a.status_code == 201), key=lambda c: c["createdAt"]
    )
    stored = sorted(throttled_env.table().items(slug), key=lambda c: c["createdAt"])
    ledger.expect(stored == created, f"{len(created)} answered 201, stored: {len(stored)}")

    _refill()
    session = ledger.session("throttling", generated=False, retry_throttled=False)
    again = session.post(url, json={"slug": slug, "author": "after", "comment": "refilled"})
    ledger.expect(
        again.status_code == 201, f"after the refill: {again.status_code} {again.text[:200]}"
    )
