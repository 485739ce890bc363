"""IAM as API Gateway meets it: assuming the integration role and that role's permissions.

moto does not scope DynamoDB permissions to resources and rejects ``Service`` principals in
trust policies, so the gateway evaluates the role's policies itself before calling DynamoDB.

Conditions: the operators below are evaluated against the context keys we can know
(``aws:SourceAccount``, ``aws:SourceArn``, ``aws:RequestedRegion``, ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:SecureTransport``). A condition using any other key, operator or
set qualifier (``ForAnyValue:``, ``ForAllValues:``) cannot be evaluated here, so the answer errs on
refusing: such an Allow does not apply and such a Deny does.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any
from urllib.parse import unquote

ASSUME_ROLE_SESSION = "BackplaneAssumeRoleSession"
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"


class Decision(Enum):
    """The outcome of IAM policy evaluation."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


class RoleUnavailableError(Exception):
    """The integration's credentials role cannot be assumed by API Gateway."""


@dataclass(frozen=True)
class LoadedRole:
    """A role's trust policy and every identity policy (inline and attached)."""

    name: str
    arn: str
    account: str
    trust_policy: dict[str, Any]
    policies: list[dict[str, Any]]
    boundary: dict[str, Any] | None = None  # the permissions boundary's document, if it has one
    max_session_seconds: int = 3600  # MaxSessionDuration: longer sessions AWS does not issue
    # Decisions already made with these policies: a role is re-read (a new LoadedRole) whenever
    # it may have changed, so a decision stays right for as long as this object is used.
    _decisions: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def trusts_apigateway(self, context: dict[str, str]) -> bool:
        """`trusts_apigateway` for this role's trust policy, remembered per context."""
        key = ("trust", *sorted(context.items()))
        if key not in self._decisions:
            self._decisions[key] = trusts_apigateway(self.trust_policy, context)
        return bool(self._decisions[key])

    def evaluate(self, action: str, resource: str, context: dict[str, str]) -> Decision:
        """`evaluate` for this role's identity policies, remembered per request shape."""
        key = ("allow", action, resource, *sorted(context.items()))
        if key not in self._decisions:
            self._decisions[key] = evaluate_layers(self.layers, action, resource, context)[0]
        decision: Decision = self._decisions[key]
        return decision

    @property
    def layers(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The role's policies and, if it has one, its permissions boundary (`evaluate_layers`)."""
        layers = [(IDENTITY_POLICY, self.policies)]
        if self.boundary is not None:
            layers.append((PERMISSIONS_BOUNDARY, [self.boundary]))
        return layers

    @property
    def session_arn(self) -> str:
        """The assumed-role ARN DynamoDB names in AccessDenied messages."""
        return f"arn:aws:sts::{self.account}:assumed-role/{self.name}/{ASSUME_ROLE_SESSION}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character.

    Not one backtracking regex: `*a*a*a…b` would take exponential time, and anyone who can
    write a policy could stall the data plane. The runs between stars have fixed lengths, so
    the first must start the value, the last end it, and each between is found leftmost."""
    runs = _wildcard_runs(pattern, ignore_case)
    if len(runs) == 1:
        return runs[0].fullmatch(value) is not None
    first, *middle, last = runs
    start = first.match(value)
    end = len(value) - len(pattern.rsplit("*", 1)[1])
    if start is None or end < start.end() or last.fullmatch(value, end) is None:
        return False
    position = start.end()
    for run in middle:
        found = run.search(value, position, end)
        if found is None:
            return False
        position = found.end()
    return True


@functools.lru_cache(maxsize=1024)
def _wildcard_runs(pattern: str, ignore_case: bool) -> list[re.Pattern[str]]:
    """Each run between stars, compiled once: every request evaluates the same few patterns."""
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return [
        re.compile("".join("." if c == "?" else re.escape(c) for c in run), flags)
        for run in pattern.split("*")
    ]


def arn_match(pattern: str, arn: str) -> bool:
    """IAM's ARN matching: each of the six colon-separated components is matched on its own, so
    a wildcard never spans a colon (`arn:aws:execute-api:*/DELETE/x` names no method)."""
    if pattern == "*":
        return True
    wanted, actual = pattern.split(":", 5), arn.split(":", 5)
    return (
        len(wanted) == 6
        and len(actual) == 6
        and all(
            wildcard_match(w, a, ignore_case=False) for w, a in zip(wanted, actual, strict=True)
        )
    )


class _CannotEvaluateError(Exception):
    pass


def _string_op(op: str, actual: str, expected: str) -> bool:
    if op == "StringEquals":
        return actual == expected
    if op == "StringEqualsIgnoreCase":
        return actual.lower() == expected.lower()
    if op == "StringLike":
        return wildcard_match(expected, actual, ignore_case=False)
    if op in ("ArnEquals", "ArnLike"):  # the same operator in IAM, wildcards included
        return arn_match(expected, actual)
    raise _CannotEvaluateError(op)


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_POSITIVE = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}


def _condition_matches(condition: Any, context: dict[str, str]) -> bool:
    """Evaluate a Condition block; raises _CannotEvaluateError for what we do not support."""
    if not isinstance(condition, dict):
        raise _CannotEvaluateError("malformed Condition")
    known = {k.lower(): v for k, v in context.items()}
    for raw_op, clauses in condition.items():
        op = str(raw_op)
        if ":" in op:  # set qualifiers: every key we know is single-valued, but AWS's
            raise _CannotEvaluateError(raw_op)  # answer for an absent key differs from ours
        if_exists = op.endswith("IfExists")
        op = op.removesuffix("IfExists")
        if not isinstance(clauses, dict):
            raise _CannotEvaluateError(raw_op)
        for key, expected_raw in clauses.items():
            lowered = str(key).lower()
            expected = [str(e) for e in _as_list(expected_raw)]
            if any("${" in e for e in expected):  # a policy variable we do not substitute
                raise _CannotEvaluateError(key)
            if op == "Null":
                present = lowered in known
                if lowered not in _KNOWN_KEYS or len(expected) != 1:
                    raise _CannotEvaluateError(key)
                if (expected[0].lower() == "true") == present:
                    return False
                continue
            if lowered not in _KNOWN_KEYS:
                raise _CannotEvaluateError(key)
            actual = known.get(lowered)
            if op == "Bool":
                if actual is None:
                    if not if_exists:
                        return False
                    continue
                if not any(actual.lower() == e.lower() for e in expected):
                    return False
                continue
            if op in _NEGATED:
                if actual is None:
                    continue  # a negated operator matches when the key is absent
                if any(_string_op(_NEGATED[op], actual, e) for e in expected):
                    return False
            elif op in _POSITIVE:
                if actual is None:
                    if not if_exists:
                        return False
                    continue
                if not any(_string_op(op, actual, e) for e in expected):
                    return False
            else:
                raise _CannotEvaluateError(raw_op)
    return True


_KNOWN_KEYS = {
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:requestedregion",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:securetransport",
}


def _listed(patterns: Any, value: str, match: Callable[[str, str], bool]) -> bool:
    return any(match(str(p), value) for p in _as_list(patterns))


def _action_matches(statement: dict[str, Any], action: str) -> bool:
    """`Action` lists the action, or `NotAction` leaves it out (actions ignore case); a
    statement with neither applies to nothing."""

    def match(pattern: str, value: str) -> bool:
        return wildcard_match(pattern, value, ignore_case=True)

    if "Action" in statement:
        return _listed(statement["Action"], action, match)
    return "NotAction" in statement and not _listed(statement["NotAction"], action, match)


def _resource_matches(statement: dict[str, Any], resource: str) -> bool:
    """`Resource` lists the ARN, or `NotResource` leaves it out. Where IAM's answer is not
    known here it is decided the way that refuses (listed where that makes a Deny apply or an
    Allow not apply): a pattern that is not a six-component ARN (IAM matches nothing, or
    perhaps spans colons) and a policy variable such as ``${aws:username}`` (not substituted)."""
    deny = statement.get("Effect") == "Deny"

    def strict(pattern: str, value: str) -> bool:
        return "${" not in pattern and arn_match(pattern, value)

    def liberal(pattern: str, value: str) -> bool:
        return (
            "${" in pattern
            or arn_match(pattern, value)
            or wildcard_match(pattern, value, ignore_case=False)
        )

    if "Resource" in statement:
        return _listed(statement["Resource"], resource, liberal if deny else strict)
    return "NotResource" in statement and not _listed(
        statement["NotResource"], resource, strict if deny else liberal
    )


def _statement_applies(
    statement: dict[str, Any], action: str, resource: str | None, context: dict[str, str]
) -> bool:
    if not _action_matches(statement, action):
        return False
    if resource is not None and not _resource_matches(statement, resource):
        return False
    if "Condition" in statement:
        try:
            return _condition_matches(statement["Condition"], context)
        except _CannotEvaluateError:
            return statement.get("Effect") == "Deny"  # refuse rather than guess
    return True


def _principal_is_apigateway(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    if "*" in _as_list(principal.get("AWS")):
        return True
    return any(
        fnmatch.fnmatchcase(str(s), APIGATEWAY_PRINCIPAL)
        for s in _as_list(principal.get("Service"))
    )


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(policy.get("Statement")) if isinstance(s, dict)]


def evaluate(
    policies: list[dict[str, Any]], action: str, resource: str, context: dict[str, str]
) -> Decision:
    """Identity-policy evaluation: an explicit Deny wins, else some Allow must match."""
    allowed = False
    for policy in policies:
        for statement in _statements(policy):
            if not _statement_applies(statement, action, resource, context):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            if statement.get("Effect") == "Allow":
                allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


IDENTITY_POLICY = "identity-based policy"
PERMISSIONS_BOUNDARY = "permissions boundary"
SESSION_POLICY = "session policy"


def evaluate_layers(
    layers: list[tuple[str, list[dict[str, Any]]]],
    action: str,
    resource: str,
    context: dict[str, str],
) -> tuple[Decision, str]:
    """Identity policies with what limits them (a permissions boundary, session policies): a
    Deny in any layer refuses, and every layer must allow. Returns the decision and the kind of
    policy that made a refusal, as AWS's AccessDenied messages name it."""
    decisions = [(kind, evaluate(policies, action, resource, context)) for kind, policies in layers]
    for kind, decision in decisions:
        if decision is Decision.EXPLICIT_DENY:
            return decision, kind
    for kind, decision in decisions:
        if decision is not Decision.ALLOW:
            return decision, kind
    return Decision.ALLOW, ""


def _names_caller(statement: dict[str, Any], names: set[str], account: str) -> tuple[bool, bool]:
    """Whether the statement's Principal covers the caller, and whether by its own ARN (not
    by `*`, its account or the account root). A NotPrincipal covers everyone for a Deny and
    no one for an Allow: the reading that refuses."""
    if "NotPrincipal" in statement:
        return statement.get("Effect") == "Deny", False
    principal = statement.get("Principal")
    listed = [principal] if principal == "*" else []
    if isinstance(principal, dict):
        listed = [str(p) for p in _as_list(principal.get("AWS"))]
    if any(p in names for p in listed):
        return True, True
    return any(p in ("*", account, f"arn:aws:iam::{account}:root") for p in listed), False


def trust_allows(
    trust_policy: dict[str, Any], names: set[str], account: str, context: dict[str, str]
) -> tuple[Decision, bool]:
    """A role trust policy's answer to sts:AssumeRole by a caller known by `names` (its ARNs)
    in `account`; and whether an Allow named the caller itself (then the caller's own policies
    need not allow the call, in the role's account)."""
    decision, explicit = Decision.IMPLICIT_DENY, False
    for statement in _statements(trust_policy):
        covered, named = _names_caller(statement, names, account)
        if not covered or not _statement_applies(statement, "sts:AssumeRole", None, context):
            continue
        if statement.get("Effect") == "Deny":
            return Decision.EXPLICIT_DENY, False
        if statement.get("Effect") == "Allow":
            decision, explicit = Decision.ALLOW, explicit or named
    return decision, explicit


def trusts_apigateway(trust_policy: dict[str, Any], context: dict[str, str]) -> bool:
    """Whether the role's trust policy lets apigateway.amazonaws.com call sts:AssumeRole."""
    allowed = False
    for statement in _statements(trust_policy):
        if not _principal_is_apigateway(statement):
            continue
        if not _statement_applies(statement, "sts:AssumeRole", None, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def parse_role_arn(arn: str) -> tuple[str, str]:
    """Split ``arn:aws:iam::<account>:role/<path/>name`` into (account, role name)."""
    m = re.fullmatch(r"arn:aws[\w-]*:iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)", arn)
    if not m:
        raise RoleUnavailableError(f"credentials {arn!r} is not an IAM role ARN")
    return m.group(1), m.group(2)


def load_role(iam_client: Any, role_arn: str) -> LoadedRole:
    """Read a role and all its identity policies from (moto) IAM."""
    account, name = parse_role_arn(role_arn)
    try:
        role = iam_client.get_role(RoleName=name)["Role"]
    except Exception as exc:  # botocore ClientError (NoSuchEntity) or connection failure
        raise RoleUnavailableError(f"role {role_arn} cannot be read: {exc}") from exc
    if role.get("Arn") != role_arn:
        raise RoleUnavailableError(f"role {role_arn} does not exist (found {role.get('Arn')})")
    policies: list[dict[str, Any]] = []
    for page in iam_client.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            doc = iam_client.get_role_policy(RoleName=name, PolicyName=policy_name)
            policies.append(document(doc["PolicyDocument"]))
    for page in iam_client.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        policies.extend(
            managed_document(iam_client, a["PolicyArn"]) for a in page["AttachedPolicies"]
        )
    boundary = None
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary_arn:
        try:
            boundary = managed_document(iam_client, boundary_arn)
        except Exception as exc:  # a boundary we cannot read would allow nothing on AWS
            raise RoleUnavailableError(f"role {role_arn}: boundary {boundary_arn}: {exc}") from exc
    return LoadedRole(
        name,
        role_arn,
        account,
        document(role["AssumeRolePolicyDocument"]),
        policies,
        boundary,
        int(role.get("MaxSessionDuration") or 3600),
    )


def managed_document(iam_client: Any, arn: str) -> dict[str, Any]:
    version = iam_client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam_client.get_policy_version(PolicyArn=arn, VersionId=version)
    return document(doc["PolicyVersion"]["Document"])


def load_user_policies(iam_client: Any, user_name: str) -> list[dict[str, Any]]:
    """Every identity policy of a user: inline, attached, and those of its groups."""
    policies: list[dict[str, Any]] = []
    for page in iam_client.get_paginator("list_user_policies").paginate(UserName=user_name):
        for name in page["PolicyNames"]:
            doc = iam_client.get_user_policy(UserName=user_name, PolicyName=name)
            policies.append(document(doc["PolicyDocument"]))
    for page in iam_client.get_paginator("list_attached_user_policies").paginate(
        UserName=user_name
    ):
        policies.extend(
            managed_document(iam_client, a["PolicyArn"]) for a in page["AttachedPolicies"]
        )
    for group in iam_client.list_groups_for_user(UserName=user_name)["Groups"]:
        group_name = group["GroupName"]
        for name in iam_client.list_group_policies(GroupName=group_name)["PolicyNames"]:
            doc = iam_client.get_group_policy(GroupName=group_name, PolicyName=name)
            policies.append(document(doc["PolicyDocument"]))
        attached = iam_client.list_attached_group_policies(GroupName=group_name)
        policies.extend(
            managed_document(iam_client, a["PolicyArn"]) for a in attached["AttachedPolicies"]
        )
    return policies


def document(value: Any) -> dict[str, Any]:
    """Policy documents come back decoded from botocore; accept JSON text too."""
    if isinstance(value, str):
        text = value if value.lstrip().startswith("{") else unquote(value)
        loaded = json.loads(text)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}
