"""Least-privilege rules for the bootstrap's IAM documents, shared by the policy pack in this
directory (enforced by `pulumi preview/up --policy-pack guard`) and the offline unit tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: dict[str, Any] | str) -> Iterator[dict[str, Any]]:
    doc = json.loads(document) if isinstance(document, str) else document
    yield from _as_list(doc.get("Statement", []))


def permission_findings(document: dict[str, Any] | str) -> list[str]:
    """No wildcard actions, no `Resource: *`, and PassRole only to a named service."""
    found: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "<no Sid>")
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        for action in actions:
            if action == "*" or action.endswith(":*"):
                found.append(f"{sid}: action '{action}' grants a whole service")
        if "*" in _as_list(statement.get("Resource", [])):
            found.append(f"{sid}: Resource '*' (scope it to the stack's ARNs)")
        if "NotAction" in statement or "NotResource" in statement:
            found.append(f"{sid}: NotAction/NotResource grant everything else")
        passed_to = statement.get("Condition", {}).get("StringEquals", {})
        if "iam:PassRole" in actions and "iam:PassedToService" not in passed_to:
            found.append(f"{sid}: iam:PassRole without an iam:PassedToService condition")
    return found


def trust_findings(document: dict[str, Any] | str) -> list[str]:
    """A GitHub-federated trust pins the audience and one exact `sub` (repository + context)."""
    found: list[str] = []
    for statement in _statements(document):
        federated = str(statement.get("Principal", {}).get("Federated", ""))
        if statement.get("Effect") != "Allow" or GITHUB_OIDC_HOST not in federated:
            continue
        condition = statement.get("Condition", {})
        equals = condition.get("StringEquals", {})
        if equals.get(f"{GITHUB_OIDC_HOST}:aud") != "sts.amazonaws.com":
            found.append("GitHub trust does not pin the audience to sts.amazonaws.com")
        subject = equals.get(f"{GITHUB_OIDC_HOST}:sub")
        if not isinstance(subject, str) or not subject.startswith("repo:"):
            found.append("GitHub trust does not pin one `sub` claim with StringEquals")
        elif any(c in subject for c in "*?"):
            found.append(f"GitHub trust `sub` '{subject}' has a wildcard")
        if any(k.startswith("StringLike") for k in condition):
            found.append("GitHub trust uses StringLike (wildcards in claims)")
    return found
