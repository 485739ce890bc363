"""Concurrency: 50 parallel POSTs to one slug never lose or overwrite a comment.

Requests that land in the same millisecond share (slug, createdAt); the conditional write lets
one of them in and answers the others 409. Every 201 must be readable afterwards, every other
answer must be a documented retryable status, and the table must hold exactly one item per 201.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.abuse.checks import RETRYABLE, cors_problems, error_problems
from tests.abuse.conftest import STRENGTH, Ledger
from tests.abuse.environment import LocalEnvironment

pytestmark = pytest.mark.e2e

PARALLEL = 50


def test_parallel_posts_to_one_slug_lose_and_overwrite_nothing(
    local_env: LocalEnvironment, ledger: Ledger
) -> None:
    table = local_env.table()
    url = local_env.url + "/comments"
    # requests sessions are not thread-safe: one per worker thread.
    local = threading.local()
    totals: Counter[int] = Counter()

    def post(slug: str, n: int) -> tuple[str, requests.Response]:
        if not hasattr(local, "session"):
            local.session = ledger.session("concurrency", generated=False)
        author = f"writer-{n}"
        return author, local.session.post(
            url, json={"slug": slug, "author": author, "comment": f"comment {n} of {slug}"}
        )

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for _ in range(STRENGTH.concurrency_rounds):
            slug = f"/abuse/concurrency/{uuid.uuid4().hex}"
            answers = list(pool.map(post, [slug] * PARALLEL, range(PARALLEL)))
            totals.update(response.status_code for _, response in answers)
            created = {}
            for author, response in answers:
                status = response.status_code
                problems = cors_problems(status, response.headers)
                if status == 201:
                    created[author] = response.json()
                elif status in RETRYABLE:
                    problems += error_problems(status, response.headers, response.content)
                else:
                    problems.append(
                        f"status {status} is not 201 nor retryable ({response.text[:200]})"
                    )
                ledger.expect(not problems, f"{author} on {slug}: {problems}")
            stored = table.items(slug)
            ledger.expect(
                len(stored) == len(created),
                f"{slug}: {len(created)} answered 201, {len(stored)} stored",
            )
            ledger.expect(
                sorted(created.values(), key=lambda c: c["createdAt"])
                == sorted(stored, key=lambda c: c["createdAt"]),
                f"{slug}: what was stored is not what the 201s answered",
            )
            readable = _read_all(ledger.session("concurrency", generated=False), url, slug)
            ledger.expect(
                sorted(readable, key=lambda c: c["createdAt"])
                == sorted(created.values(), key=lambda c: c["createdAt"]),
                f"{slug}: GET returns {len(readable)} comments, {len(created)} answered 201",
            )
    assert totals[201] > 0, f"no POST succeeded: {dict(totals)}"


def _read_all(session: requests.Session, url: str, slug: str) -> list[dict[str, Any]]:
    """Every comment of a slug, following `next` page by page."""
    items: list[dict[str, Any]] = []
    params = {"slug": slug, "limit": "7"}
    while True:
        page = session.get(url, params=params)
        assert page.status_code == 200, page.text
        items.extend(page.json()["items"])
        if page.json()["next"] is None:
            return items
        params["before"] = str(page.json()["next"])
