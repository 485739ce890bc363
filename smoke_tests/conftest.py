"""Smoke-test wiring: where the API is, a slug of this run's own, and a client that retries.

The base URL comes from --base-url, else SMOKE_BASE_URL, else the `url` output of the stack named by
SMOKE_STACK (default local). The moderation mode (what POST /comments answers) comes from
SMOKE_MODERATION, else the stack's `moderation` output, else (a bare URL) `post`. Only HTTP is
spoken: the same suite runs against AWS.

Moderator credentials: on the local stack, the local moderator `make deploy` writes; elsewhere
the AWS profile named by SMOKE_MODERATOR_PROFILE (one that assumes the stack's moderator role).

Every comment the suite posts is under the stack's comments:smokeSlugPrefix (SMOKE_SLUG_PREFIX
overrides it), which gives it a TTL. At the end of the run the moderator deletes each comment the
run created; without moderator credentials they stay until their TTL (comments:smokeTtlHours)
expires. The last lines of the run say which.
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

import botocore.session
import pytest
import requests
from botocore.credentials import Credentials

from moderation.client import ApiError, CommentsApi, region_of

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SMOKE_SLUG_PREFIX = "/__smoke__/"  # Pulumi.yaml's default for comments:smokeSlugPrefix


def smoke_slug_prefix() -> str:
    """SMOKE_SLUG_PREFIX, else the stack's comments:smokeSlugPrefix (comments under it get a TTL),
    read from environments/ like the deploy reads it; the project's default for an unknown stack."""
    given = os.environ.get("SMOKE_SLUG_PREFIX")
    if given:
        return given
    from tooling.offline_runner import StackConfigError, load_stack_config

    try:
        config = load_stack_config(os.environ.get("SMOKE_STACK", "local"))
    except StackConfigError:
        return DEFAULT_SMOKE_SLUG_PREFIX
    return config.get("comments:smokeSlugPrefix", DEFAULT_SMOKE_SLUG_PREFIX)


SMOKE_SLUG_PREFIX = smoke_slug_prefix()
# What the run created, and what became of it at the end: for the summary line.
CLEANUP = pytest.StashKey[list[str]]()
RETRYABLE = {429, 500, 502, 503, 504}
ATTEMPTS = 6
TIMEOUT_SECONDS = 15


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--base-url", default=None, help="the API's base URL (the stack's url output)")


MODERATION_MODES = ("pre", "post")  # comments:moderation's values, the stack's `moderation` output
NOT_SIGNED = {"message": "Missing Authentication Token"}


def _stack_outputs(stack: str) -> dict[str, Any]:
    """A stack's outputs: the local environment's record, or the Pulumi CLI's."""
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
    values: dict[str, Any] = json.loads(result.stdout)
    return values


class Api:
    """requests against the base URL, retrying what a fresh deploy or throttling may answer."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        # (slug, createdAt) of every comment the API stored for this run, pending ones included.
        self.created: list[tuple[str, int]] = []

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
                    self._note_created(method, path, response)
                    return response
            time.sleep(0.25 * 2**attempt)
        assert response is not None
        return response

    def _note_created(self, method: str, path: str, response: requests.Response) -> None:
        if (method, path) != ("POST", "/comments") or response.status_code not in (201, 202):
            return
        stored = response.json()
        self.created.append((stored["slug"], stored["createdAt"]))
        assert stored["slug"].startswith(SMOKE_SLUG_PREFIX), (
            f"a smoke test stored a comment outside the reserved prefix {SMOKE_SLUG_PREFIX}: "
            f"{stored['slug']}"
        )

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


def _given_url(request: pytest.FixtureRequest) -> str | None:
    url = request.config.getoption("--base-url") or os.environ.get("SMOKE_BASE_URL")
    return str(url) if url else None


@pytest.fixture(scope="session")
def stack_outputs(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The stack's outputs, or nothing when the suite was given a bare URL."""
    if _given_url(request):
        return {}
    return _stack_outputs(os.environ.get("SMOKE_STACK", "local"))


@pytest.fixture(scope="session")
def base_url(request: pytest.FixtureRequest, stack_outputs: dict[str, Any]) -> str:
    return _given_url(request) or str(stack_outputs["url"])


@pytest.fixture(scope="session")
def moderation_mode(stack_outputs: dict[str, Any]) -> str:
    mode = os.environ.get("SMOKE_MODERATION") or stack_outputs.get("moderation", "post")
    if mode not in MODERATION_MODES:
        pytest.exit(f"moderation mode {mode!r}: allowed values are pre or post", 2)
    return str(mode)


def _moderator_credentials() -> Credentials | None:
    profile = os.environ.get("SMOKE_MODERATOR_PROFILE")
    if profile:
        return botocore.session.Session(profile=profile).get_credentials()
    if os.environ.get("SMOKE_STACK", "local") != "local" or os.environ.get("SMOKE_BASE_URL"):
        return None
    from emulator import moderator
    from emulator.environment import Paths

    local = moderator.files(Paths.default().root)
    if not local.credentials_file.exists():
        return None
    credentials: Credentials | None = moderator.session(local).get_credentials()
    return credentials


@pytest.fixture(scope="session")
def api(base_url: str) -> Iterator[Api]:
    client = Api(base_url)
    yield client
    client.session.close()


@pytest.fixture(scope="session")
def moderator(api: Api) -> CommentsApi | None:
    """A client signing as the stack's moderator, or None without moderator credentials."""
    credentials = _moderator_credentials()
    if credentials is None:
        return None
    return CommentsApi(api.base_url, credentials, region_of(api.base_url, "us-east-1"))


@pytest.fixture(scope="session", autouse=True)
def remove_what_the_run_created(
    request: pytest.FixtureRequest, api: Api, moderator: CommentsApi | None
) -> Iterator[None]:
    """At the end of the run, the moderator deletes every comment the run created; without one
    they are left to their TTL. Either way the summary says so."""
    yield
    report = request.config.stash.setdefault(CLEANUP, [])
    if not api.created:
        return
    if moderator is None:
        report.append(
            f"smoke comments: {len(api.created)} left under {SMOKE_SLUG_PREFIX} until their TTL "
            "(comments:smokeTtlHours) expires: no moderator credentials (SMOKE_MODERATOR_PROFILE)"
        )
        return
    deleted, failures = 0, []
    for slug, created_at in api.created:
        try:
            deleted += moderator.delete(slug, created_at) is not None
        except ApiError as error:
            failures.append(f"{slug} {created_at}: HTTP {error.status}: {error}")
    gone = len(api.created) - deleted - len(failures)
    report.append(
        f"smoke comments: deleted {deleted} of the {len(api.created)} this run created "
        f"({gone} deleted by the tests themselves)"
    )
    if failures:
        pytest.fail(
            f"{len(failures)} smoke comment(s) could not be deleted: " + "; ".join(failures[:5])
        )


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(CLEANUP, []):
        terminalreporter.write_line(line)


class Comments:
    """Posting comments the way the stack's moderation mode answers.

    Post-moderation: 201 and visible at once. Pre-moderation: 202 and invisible to the public GET
    until a moderator approves it; without moderator credentials the test checks that an unsigned
    approval is refused and then skips what needs a visible comment.
    """

    def __init__(self, api: Api, mode: str, moderator: CommentsApi | None) -> None:
        self.api = api
        self.pre_moderated = mode == "pre"
        self.moderator = moderator

    def submit(self, **body: Any) -> dict[str, Any]:
        """POST a comment; the stored comment as the API answers it."""
        response = self.api.post_comment(**body)
        assert response.status_code == (202 if self.pre_moderated else 201), response.text
        stored: dict[str, Any] = response.json()
        return stored

    def visible(self, comment: dict[str, Any]) -> bool:
        listed = self.api.all_comments(comment["slug"])
        return comment["createdAt"] in [c["createdAt"] for c in listed]

    def approve(self, comment: dict[str, Any]) -> None:
        """Make a submitted comment public: nothing to do with post-moderation."""
        if not self.pre_moderated:
            return
        assert not self.visible(comment), "a pending comment is in the public GET"
        if self.moderator is None:
            key = {"slug": comment["slug"], "createdAt": comment["createdAt"]}
            refused = self.api.request("POST", "/moderation/approve", json=key)
            assert refused.status_code == 403, refused.text
            assert refused.json() == NOT_SIGNED
            assert not self.visible(comment), "an unsigned approval published a comment"
            pytest.skip(
                "pre-moderating stack without moderator credentials (SMOKE_MODERATOR_PROFILE): "
                "checked 202, invisible, unsigned approval refused"
            )
        assert self.moderator.approve(comment["slug"], comment["createdAt"]) == comment
        assert self.visible(comment), "an approved comment is not in the public GET"

    def publish(self, **body: Any) -> dict[str, Any]:
        """POST a comment and make it public; the stored comment."""
        stored = self.submit(**body)
        self.approve(stored)
        return stored


@pytest.fixture
def comments(api: Api, moderation_mode: str, moderator: CommentsApi | None) -> Comments:
    return Comments(api, moderation_mode, moderator)


@pytest.fixture
def slug() -> str:
    """A page of this test's own, under the smoke prefix (so it expires on real stacks)."""
    return f"{SMOKE_SLUG_PREFIX}{time.strftime('%Y%m%d')}/{uuid.uuid4().hex}"
