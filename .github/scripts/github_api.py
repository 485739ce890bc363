"""The few GitHub REST calls the workflows' report steps make, with the job's GITHUB_TOKEN.

Standard library only: the steps that use it run before (or without) the project's virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

BOT_LOGIN = "github-actions[bot]"
# GitHub refuses comment and issue bodies over 65,536 characters; keep room for the frame.
MAX_LOG_CHARS = 60_000
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Three or more backticks would close the code block the text is quoted in.
_FENCE = re.compile(r"`{3,}")


class GitHub:
    def __init__(
        self, repository: str, token: str, api_url: str = "https://api.github.com"
    ) -> None:
        self.repository = repository
        self.token = token
        self.api_url = api_url.rstrip("/")

    @classmethod
    def from_environment(cls) -> GitHub:
        """The repository, token and API URL every Actions job has."""
        return cls(
            os.environ["GITHUB_REPOSITORY"],
            os.environ["GITHUB_TOKEN"],
            os.environ.get("GITHUB_API_URL", "https://api.github.com"),
        )

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the API URL comes from the runner
            f"{self.api_url}/repos/{self.repository}{path}",
            data=data,
            method=method,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            payload = response.read()
        return json.loads(payload) if payload else None

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, 100 a page, until a short page."""
        separator = "&" if "?" in path else "?"
        page = 1
        while True:
            items = self.request("GET", f"{path}{separator}per_page=100&page={page}")
            yield from items
            if len(items) < 100:
                return
            page += 1


def own_item_with_marker(items: Iterator[dict[str, Any]], marker: str) -> dict[str, Any] | None:
    """The first item this workflow's token wrote that starts with `marker`: others' are left
    alone, and so is one that only quotes the marker (a log can hold any text)."""
    for item in items:
        body = item.get("body") or ""
        if item.get("user", {}).get("login") == BOT_LOGIN and body.startswith(marker):
            return item
    return None


def plain_log(text: str, limit: int = MAX_LOG_CHARS) -> str:
    """The CLI's output without colour codes, fit to quote in a code block (no run of three
    backticks left), its end kept if it is longer than `limit`."""
    text = _FENCE.sub(lambda run: " ".join(run.group()), _ANSI.sub("", text))
    if len(text) > limit:
        text = "… (start cut: see the job log)\n" + text[-limit:]
    return text
