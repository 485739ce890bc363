"""Requests to the comments API, moderation routes signed with SigV4 (botocore).

Credentials come from botocore's normal chain (environment, AWS_PROFILE, SSO, instance roles...),
so the same code signs as a person who assumed the moderator role on AWS and as the local
moderator `make deploy` sets up.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TIMEOUT_SECONDS = 30
# https://<api-id>.execute-api.<region>.amazonaws.com/<stage>
_AWS_HOST = re.compile(r"^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")


class ApiError(Exception):
    """The API refused a request; the message is its own plus what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def region_of(base_url: str, fallback: str) -> str:
    """The region a stage URL names (AWS), else the configured one (the local environment)."""
    match = _AWS_HOST.match(urlsplit(base_url).hostname or "")
    return match.group(1) if match else fallback


class CommentsApi:
    """One stage of the API; `credentials` sign the moderation routes."""

    def __init__(self, base_url: str, credentials: Credentials | None, region: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.region = region
        self.session = requests.Session()

    def _send(
        self, method: str, path: str, params: dict[str, Any], body: Any, *, signed: bool
    ) -> Answer:
        # Encode the query exactly as SigV4 canonicalises it (RFC 3986, '/' as %2F).
        query = urlencode(params, quote_via=quote, safe="")
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if signed:
            if self.credentials is None:
                raise ApiError(
                    0,
                    "no AWS credentials found: configure them as for the AWS CLI (AWS_PROFILE, "
                    "environment variables, SSO) with a principal allowed to assume the stack's "
                    "moderator role (stack output moderatorRoleArn)",
                )
            request = AWSRequest(method=method, url=url, data=data, headers=headers)
            SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
            headers = dict(request.headers.items())
        response = self.session.request(
            method, url, data=data, headers=headers, timeout=TIMEOUT_SECONDS
        )
        try:
            parsed = response.json()
        except ValueError:
            parsed = {"message": response.text.strip()}
        if not isinstance(parsed, dict):
            parsed = {"message": str(parsed)}
        return Answer(response.status_code, parsed)

    @staticmethod
    def _message(answer: Answer) -> str:
        return str(answer.body.get("message") or answer.body.get("Message") or answer.body)

    def list(self, slug: str, limit: int, before: int | None) -> dict[str, Any]:
        """One page of a slug's comments, newest first (the public route)."""
        params: dict[str, Any] = {"slug": slug, "limit": limit}
        if before is not None:
            params["before"] = before
        answer = self._send("GET", "/comments", params, None, signed=False)
        if answer.status != 200:
            raise ApiError(answer.status, self._message(answer))
        return answer.body

    def delete(self, slug: str, created_at: int) -> dict[str, Any] | None:
        """The deleted comment, or None when there was none (404)."""
        answer = self._send(
            "DELETE", "/comments", {"slug": slug, "createdAt": created_at}, None, signed=True
        )
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise ApiError(answer.status, self._message(answer))
        deleted: dict[str, Any] = answer.body["deleted"]
        return deleted

    def pending(self, limit: int, after: int | None) -> dict[str, Any]:
        """Comments waiting for approval, oldest first (stacks with pre-moderation)."""
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        answer = self._send("GET", "/moderation/pending", params, None, signed=True)
        if answer.status != 200:
            raise ApiError(answer.status, self._message(answer))
        return answer.body

    def approve(self, slug: str, created_at: int) -> dict[str, Any] | None:
        """The approved comment, or None when no pending comment matched (404)."""
        answer = self._send(
            "POST", "/moderation/approve", {}, {"slug": slug, "createdAt": created_at}, signed=True
        )
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise ApiError(answer.status, self._message(answer))
        approved: dict[str, Any] = answer.body["approved"]
        return approved
