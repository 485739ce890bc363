"""IAM: roles may do exactly what the API needs on exactly its resources: the integration role for
API Gateway only, the moderator role for principals of an account only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from comments_policy.common import (
    ACCOUNT_ID,
    ACCOUNT_ID_SCHEMA,
    ACCOUNT_ROOT,
    EXECUTE_API_ARN,
    INDEX_ARN,
    ROLE,
    SOURCE_API_ARN,
    TABLE_ARN,
    ConfigMissing,
    as_list,
    attached_policy_arns,
    config_account,
    config_strings,
    has_wildcard,
    label,
    mapping,
    misconfigured,
    parse_document,
    reporter,
    role_documents,
    statements,
)

LEAST_PRIVILEGE = "iam-least-privilege"
TRUST = "iam-trust-api-gateway-only"
NO_MANAGED = "iam-no-managed-policy-attachments"

TRUSTED_SERVICE = "apigateway.amazonaws.com"
# Condition keys that stop another account's API from using this role (the confused deputy).
_DEPUTY_KEYS = ("aws:sourceaccount", "aws:sourcearn")
# Positive operators only; the account part of an ARN may never be a wildcard (see SOURCE_API_ARN).
_POSITIVE_OPERATORS = frozenset({"stringequals", "stringlike", "arnequals", "arnlike"})
_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
_ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"})


# What a Resource must name, by the service of the statement's actions.
class _TableOrIndex:
    """A table ARN, or the ARN of one of its indexes."""

    @staticmethod
    def match(resource: str) -> bool:
        return bool(TABLE_ARN.match(resource) or INDEX_ARN.match(resource))


_RESOURCE_KINDS: dict[str, tuple[Any, str]] = {
    "dynamodb": (
        _TableOrIndex,
        "a DynamoDB table ARN (or one of its index ARNs); only the stack's own table is allowed",
    ),
    "execute-api": (EXECUTE_API_ARN, "an execute-api method ARN (api/stage/METHOD/path)"),
}


def _services(actions: list[Any]) -> set[str]:
    return {a.split(":", 1)[0].lower() for a in actions if isinstance(a, str) and ":" in a}


def _least_privilege(args: ResourceValidationArgs, report: ReportViolation) -> None:
    documents = role_documents(args.resource_type, args.props)
    if not documents:
        return
    try:
        allowed = config_strings(args.get_config(), "allowedActions")
    except ConfigMissing as error:
        misconfigured(report, LEAST_PRIVILEGE, error)
        return
    allowed_lower = {action.lower() for action in allowed}
    say = reporter(report, LEAST_PRIVILEGE, label(args.resource_type, args.name))
    for document in documents:
        if document.body is None:
            say(f"{document.error}")
            continue
        for statement in statements(document.body):
            if not statement.allows:
                continue  # Deny statements only narrow access.
            where = f"{document.where} {statement.name}"
            body = statement.body
            if "NotAction" in body:
                say(
                    f"{where} allows NotAction (every action but a list); list the actions in Action"
                )
            if "NotResource" in body:
                say(
                    f"{where} allows NotResource (every resource but a list); name the table in Resource"
                )
            for action in as_list(body.get("Action")):
                if not isinstance(action, str):
                    say(f"{where} has an Action that is not a string: {action!r}")
                elif action == "*":
                    say(
                        f"{where} allows every action ('*'); list exact actions from allowedActions"
                    )
                elif has_wildcard(action):
                    say(
                        f"{where} allows the wildcard action '{action}'; "
                        "list exact actions from allowedActions"
                    )
                elif action.lower() not in allowed_lower:
                    say(
                        f"{where} allows '{action}', which is not in allowedActions "
                        f"({', '.join(allowed)})"
                    )
            services = _services(as_list(body.get("Action")))
            if len(services) > 1:
                say(
                    f"{where} mixes the services {', '.join(sorted(services))}; give each its "
                    "own statement so its resources can be checked"
                )
            pattern, kind = _RESOURCE_KINDS.get(
                next(iter(services), ""), _RESOURCE_KINDS["dynamodb"]
            )
            for resource in as_list(body.get("Resource")):
                if not isinstance(resource, str):
                    say(f"{where} has a Resource that is not a string: {resource!r}")
                elif resource == "*":
                    say(
                        f"{where} applies to every resource ('Resource: \"*\"'); name the table ARN"
                    )
                elif has_wildcard(resource):
                    say(
                        f"{where} uses the wildcard resource '{resource}'; name the table ARN exactly"
                    )
                elif len(services) == 1 and not pattern.match(resource):
                    say(f"{where} names '{resource}', which is not {kind}")


def _principals(principal: Any) -> list[tuple[str, Any]]:
    if isinstance(principal, Mapping):
        return [
            (str(kind), value) for kind, values in principal.items() for value in as_list(values)
        ]
    return [("*", principal)] if principal is not None else []


def _condition_problems(condition: Mapping[str, Any], account: str) -> tuple[list[str], bool]:
    """What is wrong with a trust statement's Condition, and whether it pins this account.

    Only positive operators on aws:SourceAccount / aws:SourceArn, each with exactly one value
    naming this stack's account, count. Negated, IfExists and set operators are refused rather
    than weighed: a condition that can pass without the key, or for another account, guards nothing.
    """
    problems: list[str] = []
    guarded = False
    for operator, tests in condition.items():
        op = str(operator)
        if op.lower() not in _POSITIVE_OPERATORS:
            problems.append(
                f"uses the condition operator '{op}'; a trust condition takes only "
                "StringEquals, StringLike, ArnEquals or ArnLike (no negation, no IfExists, "
                "no ForAnyValue/ForAllValues)"
            )
            continue
        for key, raw in mapping(tests).items():
            key_lower = str(key).lower()
            if key_lower not in _DEPUTY_KEYS:
                problems.append(
                    f"conditions on '{key}'; a trust condition names only aws:SourceAccount "
                    "or aws:SourceArn"
                )
                continue
            values = as_list(raw)
            if len(values) != 1:
                problems.append(
                    f"{op} {key} lists {len(values)} values {values!r}; name exactly this "
                    f"stack's account ({account}) and nothing else"
                )
                continue
            value = values[0]
            error = (
                _source_account_problem(value, account)
                if key_lower == "aws:sourceaccount"
                else _source_arn_problem(op, value, account)
            )
            if error:
                problems.append(f"{op} {key} {error}")
            else:
                guarded = True
    return problems, guarded


def _source_account_problem(value: Any, account: str) -> str | None:
    if not isinstance(value, str) or has_wildcard(value):
        return f"is {value!r}, not an account id; name this stack's account ({account})"
    if value != account:
        return f"names account '{value}'; this stack's account is {account} (accountId)"
    return None


def _source_arn_problem(operator: str, value: Any, account: str) -> str | None:
    match = SOURCE_API_ARN.match(value) if isinstance(value, str) else None
    if match is None:
        return (
            f"is {value!r}, not an API Gateway ARN naming an account and an API "
            "(arn:aws:execute-api:<region>:<account>:<api-id>/...)"
        )
    if match.group("account") != account:
        return (
            f"names account '{match.group('account')}'; this stack's account is {account} "
            "(accountId)"
        )
    if operator.lower() in ("stringequals", "arnequals") and has_wildcard(value):
        return f"compares '{value}' literally with {operator}; the wildcard matches nothing"
    return None


def _trust_account(args: ResourceValidationArgs, report: ReportViolation) -> str | None:
    try:
        return config_account(args.get_config())
    except ConfigMissing as error:
        misconfigured(report, TRUST, error)
        return None


def _trust(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLE:
        return
    account = _trust_account(args, report)
    if account is None:
        return
    say = reporter(report, TRUST, label(args.resource_type, args.name))
    document = parse_document("assumeRolePolicy", args.props.get("assumeRolePolicy"))
    if document.body is None:
        say(f"{document.error}")
        return
    for statement in statements(document.body):
        if not statement.allows:
            continue
        body, where = statement.body, f"trust policy {statement.name}"
        if "NotPrincipal" in body:
            say(
                f"{where} trusts every principal but a list (NotPrincipal); trust {TRUSTED_SERVICE} only"
            )
        principals = _principals(body.get("Principal"))
        if not principals and "NotPrincipal" not in body:
            say(f"{where} names no Principal; trust {TRUSTED_SERVICE} only")
        service_trust = False
        for kind, value in principals:
            if value == "*":
                say(f"{where} trusts any principal ('*'); trust {TRUSTED_SERVICE} only")
            elif kind == "Service" and value == TRUSTED_SERVICE:
                service_trust = True
            elif kind == "AWS" and isinstance(value, str) and (root := ACCOUNT_ROOT.match(value)):
                if root.group("account") != account:
                    say(
                        f"{where} trusts the root of account '{root.group('account')}'; this "
                        f"stack's account is {account} (accountId)"
                    )
            else:
                say(
                    f"{where} trusts {kind} '{value}'; only {TRUSTED_SERVICE} (integration roles) "
                    f"or this stack's account root 'arn:aws:iam::{account}:root' (moderator "
                    "roles) may assume a role"
                )
        if "NotAction" in body or not as_list(body.get("Action")):
            say(f"{where} uses NotAction or names no Action; list sts:AssumeRole in Action")
        for action in as_list(body.get("Action")):
            if not isinstance(action, str) or action.lower() != "sts:assumerole":
                say(f"{where} allows '{action}'; a role needs sts:AssumeRole only")
        problems, guarded = _condition_problems(mapping(body.get("Condition")), account)
        for problem in problems:
            say(f"{where} {problem}")
        # An account root is one account by construction; a service principal needs the guard.
        if service_trust and not guarded:
            say(
                f"{where} has no aws:SourceAccount or aws:SourceArn condition naming this "
                f"stack's account ({account}); without it another account's API could use "
                "this role (confused deputy)"
            )


def _no_managed(args: ResourceValidationArgs, report: ReportViolation) -> None:
    say = reporter(report, NO_MANAGED, label(args.resource_type, args.name))
    for where, arn in attached_policy_arns(args.resource_type, args.props):
        if not isinstance(arn, str):
            say(f"{where} is not a policy ARN: {arn!r}")
            continue
        name = arn.rsplit("/", 1)[-1]
        if _AWS_MANAGED.match(arn):
            say(
                f"attaches the AWS-managed policy '{arn}' ({where}); AWS-managed policies grant "
                "whole services - write the exact statement in a RolePolicy instead"
            )
        elif name in _ADMIN_POLICY_NAMES:
            say(f"attaches the admin policy '{arn}' ({where})")
        elif has_wildcard(arn):
            say(f"attaches policies by wildcard '{arn}' ({where})")


ALLOWED_ACTIONS_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedActions": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"type": "string", "pattern": "^[a-z0-9-]+:[A-Za-z0-9]+$"},
            "description": "Exact IAM actions (no wildcards) a role in this stack may be allowed.",
        }
    },
    required=["allowedActions"],
)

POLICIES = [
    ResourceValidationPolicy(
        name=LEAST_PRIVILEGE,
        description=(
            "IAM policies that reach a role allow only listed actions, without wildcards, "
            "on DynamoDB table ARNs."
        ),
        validate=_least_privilege,
        config_schema=ALLOWED_ACTIONS_SCHEMA,
    ),
    ResourceValidationPolicy(
        name=TRUST,
        description=(
            "Roles trust only apigateway.amazonaws.com, and only with positive aws:SourceAccount "
            "or aws:SourceArn conditions naming exactly this stack's account, or this stack's "
            "account root (moderator roles)."
        ),
        validate=_trust,
        config_schema=PolicyConfigSchema(
            properties={ACCOUNT_ID: dict(ACCOUNT_ID_SCHEMA)},
            required=[ACCOUNT_ID],
        ),
    ),
    ResourceValidationPolicy(
        name=NO_MANAGED,
        description="Roles get no AWS-managed, admin or wildcard-named managed policies.",
        validate=_no_managed,
    ),
]
