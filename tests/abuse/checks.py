"""What every answer of the API must look like, whatever was sent (DESIGN.md, the API contract)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# The local stack allows any origin (environments/Pulumi.local.yaml).
ALLOWED_ORIGIN = "*"
# Statuses a client may retry: a collision on (slug, createdAt) and throttling.
RETRYABLE = frozenset({409, 429})


def header(headers: Mapping[str, Any], name: str) -> str | None:
    """A header whatever its case; schemathesis keeps lists of values, requests plain strings."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) else value)
    return None


def cors_problems(status: int, headers: Mapping[str, Any]) -> list[str]:
    """Every response, errors included, carries the stack's CORS origin."""
    origin = header(headers, "Access-Control-Allow-Origin")
    if origin != ALLOWED_ORIGIN:
        return [f"{status} without Access-Control-Allow-Origin: {ALLOWED_ORIGIN} (got {origin!r})"]
    return []


def error_problems(status: int, headers: Mapping[str, Any], body: bytes) -> list[str]:
    """A 4xx or 5xx is JSON {"message": "..."} and nothing else a client could misread."""
    problems = []
    content_type = header(headers, "Content-Type") or ""
    if not content_type.startswith("application/json"):
        problems.append(f"{status} with Content-Type {content_type!r}")
    try:
        document = json.loads(body)
    except ValueError:
        return [*problems, f"{status} body is not JSON: {body[:200]!r}"]
    if not (isinstance(document, dict) and isinstance(document.get("message"), str)):
        problems.append(f'{status} body is not {{"message": "..."}}: {body[:200]!r}')
    elif not document["message"].strip():
        problems.append(f"{status} with an empty message")
    return problems


THROTTLED_BODY = {"message": "Too Many Requests"}


def throttled_problems(headers: Mapping[str, Any], body: bytes) -> list[str]:
    """A 429 is API Gateway's throttling answer: its JSON message, its error type, CORS."""
    problems = cors_problems(429, headers) + error_problems(429, headers, body)
    if not problems and json.loads(body) != THROTTLED_BODY:
        problems.append(f"429 body {body[:200]!r}")
    error_type = header(headers, "x-amzn-ErrorType")
    if error_type != "TooManyRequestsException":
        problems.append(f"429 x-amzn-ErrorType {error_type!r}")
    return problems
