"""The bootstrap's policy rules: each catches the mistake it exists for."""

from __future__ import annotations

import copy
from typing import Any

import comments_bootstrap.documents as documents
import pytest
from checks import permission_findings, trust_findings

PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SCOPE = documents.Scope(
    "aws", "111122223333", "eu-west-1", "dev", "comments-", "comments", "state-bucket"
)


def good_trust() -> dict[str, Any]:
    return documents.github_trust_policy(PROVIDER, "repo:example-org/comments:environment:dev")


def test_happy_path_has_no_findings() -> None:
    assert trust_findings(good_trust()) == []
    assert permission_findings(documents.deploy_policy(SCOPE)) == []
    assert permission_findings(documents.preview_policy(SCOPE)) == []


def _condition(doc: dict[str, Any]) -> dict[str, Any]:
    condition: dict[str, Any] = doc["Statement"][0]["Condition"]
    return condition


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: _condition(d)["StringEquals"].pop("token.actions.githubusercontent.com:aud"),
            "audience",
        ),
        (
            lambda d: _condition(d)["StringEquals"].pop("token.actions.githubusercontent.com:sub"),
            "one `sub` claim",
        ),
        (
            lambda d: _condition(d)["StringEquals"].update(
                {"token.actions.githubusercontent.com:sub": "repo:example-org/*"}
            ),
            "wildcard",
        ),
        (
            lambda d: _condition(d).update(
                {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:x/y:*"}}
            ),
            "StringLike",
        ),
    ],
)
def test_trust_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(good_trust())
    mutate(doc)
    assert any(expected in f for f in trust_findings(doc))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s.update(Action=["*"]), "whole service"),
        (lambda s: s.update(Action=["dynamodb:*"]), "whole service"),
        (lambda s: s.update(Resource="*"), "Resource '*'"),
        (lambda s: s.update(NotResource=["x"]), "NotAction/NotResource"),
        (lambda s: s.update(Action=["iam:PassRole"], Condition={}), "PassedToService"),
    ],
)
def test_permission_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(documents.deploy_policy(SCOPE))
    mutate(doc["Statement"][0])
    assert any(expected in f for f in permission_findings(doc))


def test_rules_read_json_strings_as_the_engine_passes_them() -> None:
    import json

    assert trust_findings(json.dumps(good_trust())) == []
