"""A small IAM evaluator for the bootstrap's documents: explicit Deny wins, then Allow, else the
implicit deny. It knows the condition operators the documents use and fails on any other, so a
document cannot pass by using an operator this file would silently ignore."""

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
    present = key in context
    values = [str(v) for v in _as_list(context.get(key, []))]
    wanted = [str(v) for v in _as_list(expected)]
    match operator:
        case "StringEquals" | "ArnEquals" | "Bool":
            return present and all(v in wanted for v in values)
        case "StringNotEquals" | "ArnNotEquals":
            return not present or all(v not in wanted for v in values)
        case "StringLike" | "ArnLike":
            return present and all(_matches(wanted, v) for v in values)
        case "Null":
            return (not present) == (wanted == ["true"])
        case "ForAnyValue:StringNotEquals":
            return any(v not in wanted for v in values)
        case "ForAllValues:StringEquals":
            return all(v in wanted for v in values)
    raise AssertionError(f"iam_eval does not know the operator {operator}")


def _applies(statement: dict[str, Any], action: str, resource: str, context: Context) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise AssertionError("iam_eval: NotAction/NotResource are not used by the bootstrap")
    if not _matches(statement["Action"], action, case=False):
        return False
    if not _matches(statement["Resource"], resource):
        return False
    principal = statement.get("Principal")
    if principal is not None and principal != "*" and "aws:PrincipalArn" in context:
        arns = _as_list(principal.get("AWS", []))
        if not _matches(arns, str(context["aws:PrincipalArn"])):
            return False
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in statement.get("Condition", {}).items()
        for key, expected in pairs.items()
    )


@dataclass
class Request:
    action: str
    resource: str
    context: Context = field(default_factory=dict)


def decide(documents: list[dict[str, Any]], request: Request) -> str:
    """'Deny' (explicit), 'Allow', or 'ImplicitDeny', over all documents together."""
    statements = [s for d in documents for s in _as_list(d["Statement"])]
    applying = [
        s for s in statements if _applies(s, request.action, request.resource, request.context)
    ]
    if any(s["Effect"] == "Deny" for s in applying):
        return "Deny"
    if any(s["Effect"] == "Allow" for s in applying):
        return "Allow"
    return "ImplicitDeny"
