"""Smoke-test wiring: where the API is, a slug of this run's own, and a client that retries.

The base URL comes from --base-url, else SMOKE_BASE_URL, else the `url` output of the stack named by
SMOKE_STACK (default local). Only HTTP is spoken: the same suite runs against AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
# Must match the stack's comments:smokeSlugPrefix: comments under it get a TTL.
SMOKE_SLUG_PREFIX = os.environ.get("SMOKE_SLUG_PREFIX", "/__smoke__/")
RETRYABLE = {429, 500, 502, 503, 504}
ATTEMPTS = 6
TIMEOUT_SECONDS = 15


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--base-url", default=None, help="the API's base URL (the stack's url output)")


def _stack_url(stack: str) -> str:
    """The `url` output of a stack: the local environment's record, or the Pulumi CLI's."""
    if stack == "local":
        command = [sys.executable, "-m", "emulator", "outputs", "--stack", "local"]
    else:
        command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        pytest.exit(f"cannot read stack {stack!r} outputs: {command[0]} is not installed", 2)
    if result.returncode != 0:
        pytest.exit(f"cannot read stack {stack!r} outputs: {result.stderr.strip()}", 2)
    url: str = json.loads(result.stdout)["url"]
    return url


class Api:
    """requests against the base URL, retrying what a fresh deploy or throttling may answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        response: requests.Response | None = None
        for attempt in range(ATTEMPTS):
            try:
                response = self.session.request(method, self.base_url + path, **kwargs)
            except requests.ConnectionError:
                if attempt == ATTEMPTS - 1:
                    raise
            else:
                if response.status_code not in RETRYABLE:
                    return response
            time.sleep(0.25 * 2**attempt)
        assert response is not None
        return response

    def post_comment(self, **body: Any) -> requests.Response:
        return self.request("POST", "/comments", json=body)

    def list_comments(self, **params: Any) -> requests.Response:
        return self.request("GET", "/comments", params=params)

    def all_comments(self, slug: str, limit: int = 50) -> list[dict[str, Any]]:
        """Every comment of a slug, following `next` to the end."""
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"slug": slug, "limit": limit}
        while True:
            response = self.list_comments(**params)
            assert response.status_code == 200, response.text
            page = response.json()
            items.extend(page["items"])
            if page["next"] is None:
                return items
            params["before"] = page["next"]


@pytest.fixture(scope="session")
def base_url(request: pytest.FixtureRequest) -> str:
    url = request.config.getoption("--base-url") or os.environ.get("SMOKE_BASE_URL")
    return str(url or _stack_url(os.environ.get("SMOKE_STACK", "local")))


@pytest.fixture(scope="session")
def api(base_url: str) -> Iterator[Api]:
    client = Api(base_url)
    yield client
    client.session.close()


@pytest.fixture
def slug() -> str:
    """A page of this test's own, under the smoke prefix (so it expires on real stacks)."""
    return f"{SMOKE_SLUG_PREFIX}{time.strftime('%Y%m%d')}/{uuid.uuid4().hex}"
