"""A small IAM evaluator for the bootstrap's documents: explicit Deny wins, then Allow, else the
implicit deny. It knows the condition operators the documents use and fails on any other, so a
document cannot pass by using an operator this file would silently ignore. Resource-based
documents (a role's trust, a table's policy) name a Principal and may leave Resource out: such a
statement is about the resource the document is attached to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

Context = Mapping[str, Any]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(patterns: Any, value: str, *, case: bool = True) -> bool:
    if case:
        return any(fnmatchcase(value, str(p)) for p in _as_list(patterns))
    return any(fnmatchcase(value.lower(), str(p).lower()) for p in _as_list(patterns))


def _condition_holds(operator: str, key: str, expected: Any, context: Context) -> bool:
    # Condition key names are case-insensitive (aws:ResourceTag/Stack is aws:resourcetag/stack);
    # their values are compared as each operator says.
    found = [v for k, v in context.items() if k.lower() == key.lower()]
    present = bool(found)
    values = [str(v) for v in _as_list(found[0])] if found else []
    wanted = [str(v) for v in _as_list(expected)]
    match operator:
        case "StringEquals" | "Bool":
            return present and all(v in wanted for v in values)
        case "StringNotEquals":
            return not present or all(v not in wanted for v in values)
        # ArnEquals takes the same wildcards as ArnLike.
        case "StringLike" | "ArnLike" | "ArnEquals":
            return present and all(_matches(wanted, v) for v in values)
        case "StringNotLike" | "ArnNotLike" | "ArnNotEquals":
            return not present or all(not _matches(wanted, v) for v in values)
        case "Null":
            return (not present) == (wanted == ["true"])
        case "ForAnyValue:StringNotEquals":
            return any(v not in wanted for v in values)
        case "ForAllValues:StringEquals":
            return all(v in wanted for v in values)
        case "ForAllValues:StringLike":  # a missing key or no value: nothing to refuse
            return all(_matches(wanted, v) for v in values)
    raise AssertionError(f"iam_eval does not know the operator {operator}")


@dataclass
class Request:
    action: str
    resource: str
    context: Context = field(default_factory=dict)
    principal: Mapping[str, str] = field(default_factory=dict)
    """Who asks, by Principal type ({"Federated": <OIDC provider ARN>}, {"AWS": <role ARN>})."""


def _principal_matches(principal: Any, request: Request) -> bool:
    """A request from `request.principal` (type -> ARN, e.g. {"Federated": provider}), or else
    from the context's aws:PrincipalArn, against a statement's Principal."""
    if principal == "*":
        return True
    callers = dict(request.principal)
    if not callers and "aws:PrincipalArn" in request.context:
        callers = {"AWS": str(request.context["aws:PrincipalArn"])}
    if not callers:  # a resource policy evaluated for any caller: the conditions decide
        return True
    return any(
        _matches([_account_wide(p) for p in _as_list(principal.get(kind, []))], arn)
        for kind, arn in callers.items()
    )


def _account_wide(principal: str) -> str:
    """`arn:<partition>:iam::<account>:root` stands for every principal of that account."""
    return principal.removesuffix("root") + "*" if principal.endswith(":root") else principal


def _applies(statement: dict[str, Any], request: Request) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise AssertionError("iam_eval: NotAction/NotResource are not used by the bootstrap")
    if not _matches(statement["Action"], request.action, case=False):
        return False
    principal = statement.get("Principal")
    if "Resource" not in statement and principal is None:
        raise AssertionError(
            f"iam_eval: an identity policy statement without Resource: {statement}"
        )
    if "Resource" in statement and not _matches(statement["Resource"], request.resource):
        return False
    if principal is not None and not _principal_matches(principal, request):
        return False
    context = request.context
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in statement.get("Condition", {}).items()
        for key, expected in pairs.items()
    )


def decide(documents: list[dict[str, Any]], request: Request) -> str:
    """'Deny' (explicit), 'Allow', or 'ImplicitDeny', over all documents together."""
    statements = [s for d in documents for s in _as_list(d["Statement"])]
    applying = [s for s in statements if _applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "Deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "Allow"
    return "ImplicitDeny"
