"""Recorded answers for the kit: botocore Stubbers for AWS (responses validated against
botocore's service models) and a requests adapter serving GitHub JSON. Nothing reaches a network:
an AWS call without a queued response and a GitHub path without an answer fail the test."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import botocore.session
import requests
from botocore.credentials import Credentials
from botocore.stub import Stubber
from requests.adapters import BaseAdapter

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


class Stubs:
    """One stubbed botocore client per service, in one region."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.session = botocore.session.Session()
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def __call__(self, service: str) -> Any:
        if service not in self.clients:
            client = self.session.create_client(
                service,
                region_name=self.region,
                aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY,
            )
            stubber = Stubber(client)
            stubber.activate()
            self.clients[service], self.stubbers[service] = client, stubber
        return self.clients[service]

    def add(
        self,
        service: str,
        operation: str,
        response: Mapping[str, Any],
        expected: Mapping[str, Any] | None = None,
    ) -> None:
        self(service)
        self.stubbers[service].add_response(operation, dict(response), expected)

    def error(
        self, service: str, operation: str, code: str, message: str = "", status: int = 400
    ) -> None:
        self(service)
        self.stubbers[service].add_client_error(
            operation, service_error_code=code, service_message=message, http_status_code=status
        )

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


class StubbedSession:
    """Stands in for a botocore session: credentials, and the Stubs' clients."""

    def __init__(self, stubs: Stubs) -> None:
        self.stubs = stubs

    def get_credentials(self) -> Credentials:
        return Credentials(ACCESS_KEY, SECRET_KEY)

    def create_client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        return self.stubs(service_name)


def iam_document(document: Mapping[str, Any]) -> str:
    """A policy document as IAM sends it: URL-encoded JSON (botocore decodes it)."""
    return urllib.parse.quote(json.dumps(document))


class RecordedGitHub(BaseAdapter):
    """Serves GET https://api.github.com/repos/<repository><path> from `answers` (path -> JSON
    body, or (status, body)); every request is recorded in `requests`."""

    def __init__(self, repository: str, answers: Mapping[str, Any]) -> None:
        super().__init__()
        self.prefix = f"/repos/{repository}"
        self.answers = dict(answers)
        self.seen: list[requests.PreparedRequest] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.seen.append(request)
        url = urllib.parse.urlsplit(str(request.url))
        assert url.scheme == "https" and url.netloc == "api.github.com", request.url
        assert request.method == "GET", request.method
        path = urllib.parse.unquote(url.path)
        assert path.startswith(self.prefix), path
        key = path[len(self.prefix) :]
        assert key in self.answers, f"no recorded answer for GET {path}"
        answer = self.answers[key]
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response.url = str(request.url)
        response.request = request
        return response

    def close(self) -> None:
        pass


def github_session(adapter: RecordedGitHub) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
