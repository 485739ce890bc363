"""Resource and method matching: which ``paths`` entry and operation a request runs."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

ANY_METHOD = "x-amazon-apigateway-any-method"
# The methods a REST API resource can have (ANY stands for all of them). HTTP methods are
# case-sensitive: `get` is not GET, and matches nothing.
HTTP_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"})


@dataclass(frozen=True)
class Route:
    """A matched method: the resource path template, the operation and the path parameters."""

    resource_path: str
    http_method: str
    operation: dict[str, Any]
    path_item: dict[str, Any]
    path_params: dict[str, str]

    @property
    def resource_id(self) -> str:
        """A stable stand-in for API Gateway's 10-character resource id."""
        return _resource_id(self.resource_path)


@functools.lru_cache(maxsize=1024)  # a route is matched, and its id read, on every request
def _resource_id(resource_path: str) -> str:
    return hashlib.sha1(resource_path.encode(), usedforsecurity=False).hexdigest()[:10]


def path_segments(raw_path: str) -> list[str]:
    """The segments of a still-encoded path, each percent-decoded exactly once: `%2F` stays
    inside its segment and `%2563` becomes `%63`, never `c`."""
    return [unquote(s) for s in raw_path.split("/") if s != ""]


def _match_template(
    template: str, parts: list[str]
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Match one resource path; the score orders literal before {param} before {proxy+}."""
    tmpl = [s for s in template.split("/") if s != ""]
    params: dict[str, str] = {}
    score: list[int] = []
    for i, seg in enumerate(tmpl):
        if seg.startswith("{") and seg.endswith("+}"):
            if i != len(tmpl) - 1 or i >= len(parts):
                return None
            params[seg[1:-2]] = "/".join(parts[i:])
            score.append(0)
            return tuple(score), params
        if i >= len(parts):
            return None
        if seg.startswith("{") and seg.endswith("}"):
            params[seg[1:-1]] = parts[i]
            score.append(1)
        elif seg == parts[i]:
            score.append(2)
        else:
            return None
    if len(tmpl) != len(parts):
        return None
    return tuple(score), params


def match_route(definition: dict[str, Any], method: str, raw_path: str) -> Route | None:
    """Pick the resource for ``raw_path`` (still percent-encoded; most specific wins) and its
    method (or ANY)."""
    if method not in HTTP_METHODS:
        return None
    parts = path_segments(raw_path)
    best: tuple[tuple[int, ...], str, dict[str, str]] | None = None
    for template in definition.get("paths") or {}:
        matched = _match_template(template, parts)
        if matched is None:
            continue
        score, params = matched
        if best is None or score > best[0]:
            best = (score, template, params)
    if best is None:
        return None
    _, template, params = best
    path_item = definition["paths"][template] or {}
    operation = path_item.get(method.lower())
    if not isinstance(operation, dict):
        operation = path_item.get(ANY_METHOD)
    if not isinstance(operation, dict):
        return None
    return Route(template, method, operation, path_item, params)
