"""The evaluator the bootstrap's request-by-request tests rest on follows IAM's rules: explicit
Deny over Allow over the implicit deny, each operator's handling of a missing key, and
resource-based statements (a trust, a table policy) that name a Principal instead of a Resource."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bootstrap.iam_eval import Request, decide

ACCOUNT = "111122223333"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/some-role"


def allow(**extra: Any) -> dict[str, Any]:
    return {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", **extra}]}


def test_explicit_deny_wins_and_nothing_allowed_is_an_implicit_deny() -> None:
    document = allow(Resource="arn:aws:s3:::b/*")
    deny = {"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    assert decide([document], Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Allow"
    assert decide([document, deny], Request("s3:GetObject", "arn:aws:s3:::b/k")) == "Deny"
    assert decide([document], Request("s3:PutObject", "arn:aws:s3:::b/k")) == "ImplicitDeny"


@pytest.mark.parametrize(
    ("context", "holds"),
    [
        ({}, True),  # a missing key matches every *Not* operator
        ({"k": "a:b"}, True),
        ({"k": "a:b:c"}, False),
    ],
)
def test_string_not_like(context: dict[str, str], holds: bool) -> None:
    document = allow(Resource="*", Condition={"StringNotLike": {"k": "*:*:*"}})
    expected = "Allow" if holds else "ImplicitDeny"
    assert decide([document], Request("s3:GetObject", "x", context)) == expected


@pytest.mark.parametrize(
    ("context", "holds"),
    [
        ({}, True),  # ForAllValues over no values holds
        ({"k": []}, True),
        ({"k": ["a:1", "a:2"]}, True),
        ({"k": ["a:1", "b:2"]}, False),
    ],
)
def test_for_all_values_string_like(context: dict[str, list[str]], holds: bool) -> None:
    document = allow(Resource="*", Condition={"ForAllValues:StringLike": {"k": "a:*"}})
    expected = "Allow" if holds else "ImplicitDeny"
    assert decide([document], Request("s3:GetObject", "x", context)) == expected


def test_condition_key_names_match_whatever_their_case() -> None:
    document = allow(Resource="*", Condition={"StringEquals": {"aws:ResourceTag/stack": "dev"}})
    request = Request("s3:GetObject", "x", {"aws:resourcetag/STACK": "dev"})
    assert decide([document], request) == "Allow"
    request = Request("s3:GetObject", "x", {"aws:ResourceTag/stack": "Dev"})
    assert decide([document], request) == "ImplicitDeny"  # values stay case-sensitive


@pytest.mark.parametrize("operator", ["ArnEquals", "ArnLike"])
def test_arn_equals_takes_wildcards_like_arn_like(operator: str) -> None:
    document = allow(Resource="*", Condition={operator: {"aws:PrincipalArn": f"{ROLE[:-4]}*"}})
    assert decide([document], Request("s3:GetObject", "x", {"aws:PrincipalArn": ROLE})) == "Allow"
    negated = allow(
        Resource="*", Condition={f"{operator[:3]}Not{operator[3:]}": {"aws:PrincipalArn": ROLE}}
    )
    assert decide([negated], Request("s3:GetObject", "x", {"aws:PrincipalArn": ROLE})) == (
        "ImplicitDeny"
    )


def test_a_trust_statement_names_the_principal_not_the_resource() -> None:
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {"issuer:sub": "me"}},
            }
        ]
    }
    assume = "sts:AssumeRoleWithWebIdentity"
    oidc = {"Federated": PROVIDER}
    assert decide([trust], Request(assume, ROLE, {"issuer:sub": "me"}, oidc)) == "Allow"
    assert decide([trust], Request(assume, ROLE, {"issuer:sub": "you"}, oidc)) == "ImplicitDeny"
    other = {"Federated": PROVIDER.replace(ACCOUNT, "444455556666")}
    assert decide([trust], Request(assume, ROLE, {"issuer:sub": "me"}, other)) == "ImplicitDeny"


def test_the_account_root_principal_stands_for_every_principal_of_that_account() -> None:
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ]
    }
    assert decide([trust], Request("sts:AssumeRole", ROLE, principal={"AWS": ROLE})) == "Allow"
    stranger = {"AWS": "arn:aws:iam::444455556666:role/some-role"}
    assert decide([trust], Request("sts:AssumeRole", ROLE, principal=stranger)) == "ImplicitDeny"


def test_an_identity_statement_without_resource_is_refused_not_guessed() -> None:
    with pytest.raises(AssertionError, match="without Resource"):
        decide([allow()], Request("s3:GetObject", "x"))
