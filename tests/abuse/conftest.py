"""The abuse suite's wiring: its own local environment, its strength, and the report it prints.

FUZZ_STRENGTH=quick (the default, what `make test` runs) sends a small sample of every attack;
FUZZ_STRENGTH=full (`make fuzz`) sends thousands of generated requests. Every request goes through
a counting session and every check through `expect`, so the report at the end of the run says how
many requests were sent, what they were answered, how many checks failed, and how long it took.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.abuse.checks import throttled_problems
from tests.abuse.environment import LocalEnvironment

# A throttled request waits, then goes again: the stage's bucket refills every second.
THROTTLED_FIRST_PAUSE = 0.05
THROTTLED_MAX_PAUSE = 1.0
THROTTLED_GIVE_UP_SECONDS = 60.0


@dataclass(frozen=True)
class Strength:
    """How hard each attack is run."""

    name: str
    schema_examples: int  # per operation and generation mode (positive, negative)
    round_trip_examples: int
    out_of_limits_examples: int
    hostile_examples: int
    concurrency_rounds: int


STRENGTHS = {
    "quick": Strength("quick", 40, 20, 20, 15, 1),
    "full": Strength("full", 1200, 300, 300, 200, 8),
}


def _strength() -> Strength:
    name = os.environ.get("FUZZ_STRENGTH", "quick")
    if name not in STRENGTHS:
        raise pytest.UsageError(
            f"FUZZ_STRENGTH={name!r}: allowed values are {', '.join(STRENGTHS)}"
        )
    return STRENGTHS[name]


STRENGTH = _strength()


class Violation(AssertionError):
    """A property the API must keep did not hold."""


class Ledger:
    """Every request the suite sent, what it was answered, and every check that failed."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.requests: Counter[str] = Counter()  # per suite
        self.generated = 0  # requests whose inputs hypothesis or schemathesis generated
        self.statuses: Counter[str] = Counter()
        self.violations: list[str] = []
        self._lock = threading.Lock()

    def record(self, suite: str, status: str, generated: bool) -> None:
        with self._lock:
            self.requests[suite] += 1
            self.statuses[status] += 1
            self.generated += generated

    def violation(self, message: str) -> None:
        with self._lock:
            self.violations.append(message)

    def expect(self, condition: bool, message: str) -> None:
        """Fail (and count it) unless `condition` holds."""
        if not condition:
            self.violation(message)
            raise Violation(message)

    def session(
        self, suite: str, *, generated: bool, retry_throttled: bool = True
    ) -> CountingSession:
        return CountingSession(self, suite, generated, retry_throttled)


class CountingSession(requests.Session):
    """A requests session that records every request it sends in the ledger.

    The contract documents 429 for any request over the stage's throttle (a fast machine
    running the suite gets there), so a 429 is an allowed answer, not a violation: it is
    recorded, its shape checked (the documented JSON message and the CORS origin), and the
    request sent again after a pause, so the test still sees the answer it checks. Sessions of
    the throttling suite, which wants its 429s, pass `retry_throttled=False`.
    """

    def __init__(
        self, ledger: Ledger, suite: str, generated: bool, retry_throttled: bool = True
    ) -> None:
        super().__init__()
        self.ledger = ledger
        self.suite = suite
        self.generated = generated
        self.retry_throttled = retry_throttled

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        pause = THROTTLED_FIRST_PAUSE
        started = time.monotonic()
        while True:
            try:
                response = super().request(method, url, *args, **kwargs)
            except requests.RequestException as error:
                self.ledger.record(self.suite, type(error).__name__, self.generated)
                raise
            self.ledger.record(self.suite, str(response.status_code), self.generated)
            if response.status_code != 429 or not self.retry_throttled:
                return response
            problems = throttled_problems(response.headers, response.content)
            if problems:
                self.ledger.violation(f"{method!r} {url!r}: {problems}")
                return response
            if time.monotonic() - started > THROTTLED_GIVE_UP_SECONDS:
                return response  # throttled for this long is not throttling: the test decides
            time.sleep(pause)
            pause = min(pause * 2, THROTTLED_MAX_PAUSE)


LEDGER = Ledger()


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return LEDGER


@pytest.fixture(scope="session")
def strength() -> Strength:
    return STRENGTH


@pytest.fixture(scope="module")
def local_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEnvironment]:
    """A local environment of this module's own, deployed with the local stack's config."""
    environment = LocalEnvironment.start(tmp_path_factory.mktemp("abuse-env"))
    yield environment
    environment.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The abuse report: requests, status histogram, violations, time taken."""
    if not LEDGER.requests:
        return
    elapsed = time.monotonic() - LEDGER.started
    total = sum(LEDGER.requests.values())
    write = terminalreporter.write_line
    terminalreporter.section(f"abuse report (FUZZ_STRENGTH={STRENGTH.name})")
    write(f"requests sent:      {total} ({LEDGER.generated} with generated inputs)")
    write(
        "  by suite:         " + ", ".join(f"{k} {v}" for k, v in sorted(LEDGER.requests.items()))
    )
    write(
        "status histogram:   " + ", ".join(f"{k}: {v}" for k, v in sorted(LEDGER.statuses.items()))
    )
    write(f"violations:         {len(LEDGER.violations)}")
    for message in LEDGER.violations[:20]:
        write(f"  - {message[:300]}")
    write(f"time taken:         {elapsed:.1f} s")
