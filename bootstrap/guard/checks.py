"""Least-privilege rules for the bootstrap's IAM documents, shared by the policy pack in this
directory (enforced by `pulumi preview/up --policy-pack guard`) and the offline unit tests."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

# Also defined in comments_bootstrap.documents (tests pin them equal): the CLI loads this pack
# with only bootstrap/guard on sys.path, so it cannot import the program's package.
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
PIPELINE_PATH = "/github-pipeline/"

# Role writes that would give a role any permission unless IAM checks the role's boundary; IAM
# evaluates `iam:PermissionsBoundary` for each of them.
BOUNDED_ROLE_WRITES = (
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
)
# Writes to a managed policy: on a boundary they would lift the cap of every role it bounds.
POLICY_WRITES = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
)
# The integration roles' boundary: the API's two DynamoDB calls, on tables of one account/region.
BOUNDARY_ACTIONS = frozenset({"dynamodb:deleteitem", "dynamodb:query", "dynamodb:updateitem"})
MODERATOR_BOUNDARY_ACTIONS = frozenset({"execute-api:invoke"})
# execute-api ARNs of one account and region (API ids are random, so the API part is free).
_EXECUTE_API_ARN = re.compile(r"^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[^:]+$")
# Actions the Service Authorization Reference lists with no resource type, so IAM accepts only
# `Resource: "*"` for them; read-only each (comments_bootstrap.documents says which service).
RESOURCELESS_ACTIONS = frozenset(
    {
        "application-autoscaling:describescalabletargets",
        "application-autoscaling:describescalingpolicies",
        "application-autoscaling:describescalingactivities",
    }
)
_TABLE_ARN = re.compile(r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]+\*?$")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _statements(document: dict[str, Any] | str) -> Iterator[dict[str, Any]]:
    doc = json.loads(document) if isinstance(document, str) else document
    yield from _as_list(doc.get("Statement", []))


def _allows(actions: list[str], action: str) -> bool:
    """Whether one of `actions` (IAM wildcards, any case) covers `action`."""
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)


def _actions(statement: dict[str, Any]) -> list[str]:
    return [str(a) for a in _as_list(statement.get("Action", []))]


def permission_findings(document: dict[str, Any] | str) -> list[str]:
    """No wildcard actions, no `Resource: *` (but for actions IAM authorises on no resource),
    PassRole only to a named service, service-linked roles only of one named service."""
    found: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "<no Sid>")
        actions = _actions(statement)
        for action in actions:
            if action == "*" or action.endswith(":*"):
                found.append(f"{sid}: action '{action}' grants a whole service")
        if "*" in _as_list(statement.get("Resource", [])):
            unscoped = [a for a in actions if a.lower() not in RESOURCELESS_ACTIONS]
            if unscoped:
                found.append(
                    f"{sid}: Resource '*' for {unscoped} (scope it to the stack's ARNs; only "
                    "actions IAM authorises on no resource may use '*')"
                )
        if "NotAction" in statement or "NotResource" in statement:
            found.append(f"{sid}: NotAction/NotResource grant everything else")
        equals = statement.get("Condition", {}).get("StringEquals", {})
        if "iam:PassRole" in actions and "iam:PassedToService" not in equals:
            found.append(f"{sid}: iam:PassRole without an iam:PassedToService condition")
        # A service-linked role carries the service's own permissions: one named service only.
        service = equals.get("iam:AWSServiceName")
        named = isinstance(service, str) and not any(c in service for c in "*?")
        if _allows(actions, "iam:CreateServiceLinkedRole") and not named:
            found.append(
                f"{sid}: iam:CreateServiceLinkedRole without a StringEquals iam:AWSServiceName "
                "condition naming one service"
            )
    return found


# A subject under the repository's template: repository (name and id), a GitHub environment, the
# run's ref, and the workflow file and ref the job came from (the same ref). The one wildcard
# allowed is a pull request's number. The repository segment is in one of GitHub's two forms,
# literal: `repo:OWNER/REPO`, or the immutable `repo:OWNER@OWNER_ID/REPO@REPO_ID` (both ids,
# digits; `@` appears in no owner or repository name), whose REPO_ID is the repository_id claim.
_NAME = r"[^:*?@/]+"
_SUBJECT = re.compile(
    rf"^repo:{_NAME}(?:@(?P<owner_id>[0-9]+))?/{_NAME}(?:@(?P<repo_id>[0-9]+))?"
    r":repository_id:(?P<repository_id>[0-9]+)"
    r":environment:(?P<environment>[^:*?]+):ref:(?P<run_ref>[^:?]+)"
    r":job_workflow_ref:[^:*?@]+@(?P<ref>[^:?]+)$"
)
PULL_REQUEST_REF = "refs/pull/*/merge"
# Pull requests run only in the preview environments (no branch rule); deploy environments
# admit main alone, and roles trusting them must not name a pull request's ref.
PREVIEW_ENVIRONMENT_PREFIX = "preview-"


def trust_findings(document: dict[str, Any] | str) -> list[str]:
    """A GitHub-federated trust pins the audience and one `sub` naming repository, environment,
    workflow and ref; only a pull request's number may be a wildcard (with StringLike)."""
    found: list[str] = []
    for statement in _statements(document):
        federated = str(statement.get("Principal", {}).get("Federated", ""))
        if statement.get("Effect") != "Allow" or GITHUB_OIDC_HOST not in federated:
            continue
        condition = statement.get("Condition", {})
        if set(condition) - {"StringEquals", "StringLike", "StringNotLike"}:
            found.append(
                f"GitHub trust uses operators {sorted(condition)} (only StringEquals/Like/NotLike)"
            )
        equals = condition.get("StringEquals", {})
        like = condition.get("StringLike", {})
        not_like = condition.get("StringNotLike", {})
        if set(not_like) - {f"{GITHUB_OIDC_HOST}:sub"}:
            found.append(f"GitHub trust matches {sorted(not_like)} with StringNotLike")
        if equals.get(f"{GITHUB_OIDC_HOST}:aud") != "sts.amazonaws.com":
            found.append("GitHub trust does not pin the audience to sts.amazonaws.com")
        if set(like) - {f"{GITHUB_OIDC_HOST}:sub"}:
            found.append(f"GitHub trust matches {sorted(like)} with StringLike")
        subjects = [
            v
            for v in (equals.get(f"{GITHUB_OIDC_HOST}:sub"), like.get(f"{GITHUB_OIDC_HOST}:sub"))
            if v is not None
        ]
        if len(subjects) != 1 or not isinstance(subjects[0], str):
            found.append("GitHub trust does not pin exactly one `sub` claim")
            continue
        subject = subjects[0]
        match = _SUBJECT.match(subject)
        if match is None:
            found.append(
                f"GitHub trust `sub` '{subject}' does not name the repository with its id, a "
                "GitHub environment, the run's ref and the workflow (job_workflow_ref), without "
                "wildcards"
            )
            continue
        if (match.group("owner_id") is None) != (match.group("repo_id") is None):
            found.append(
                f"GitHub trust `sub` '{subject}': the repository segment is neither "
                "repo:OWNER/REPO nor repo:OWNER@OWNER_ID/REPO@REPO_ID (GitHub sends one of them)"
            )
        elif match.group("repo_id") not in (None, match.group("repository_id")):
            found.append(
                f"GitHub trust `sub` '{subject}': the repository's id in the repo segment and "
                "the repository_id claim differ (no token carries both)"
            )
        ref = match.group("ref")
        if match.group("run_ref") != ref:
            found.append(
                f"GitHub trust `sub` '{subject}': the run's ref and the workflow's ref differ "
                "(a run on another ref could call the workflow at this one)"
            )
        wildcard = any(c in ref for c in "*?")
        if wildcard and ref != PULL_REQUEST_REF:
            found.append(f"GitHub trust `sub` '{subject}' has a wildcard beyond a PR number")
        preview = match.group("environment").startswith(PREVIEW_ENVIRONMENT_PREFIX)
        if ref.startswith("refs/pull/") and not preview:
            found.append(f"GitHub trust `sub` '{subject}': a pull request in a deploy environment")
        if wildcard != (f"{GITHUB_OIDC_HOST}:sub" in like):
            found.append(f"GitHub trust `sub` '{subject}': StringLike exactly when it has '*'")
        if not_like.get(f"{GITHUB_OIDC_HOST}:sub") != (
            no_more_colons_than(subject) if wildcard else None
        ):
            found.append(
                f"GitHub trust `sub` '{subject}': a StringLike subject needs exactly the "
                f"StringNotLike '{no_more_colons_than(subject)}' (a forged environment name "
                "adds claims the `*` would match), an exact one none"
            )
    return found


def no_more_colons_than(subject: str) -> str:
    """A StringNotLike pattern matching every string with more ':' than `subject` has (the
    program's comments_bootstrap.documents builds the trust with the same; a test pins them)."""
    return ":".join(["*"] * (subject.count(":") + 2))


def role_write_findings(document: dict[str, Any] | str) -> list[str]:
    """Role writes only with one exact boundary under the pipeline's path, which no role may
    lose (an unconditional Deny) and no policy write may change."""
    found: list[str] = []
    bounded_roles: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "<no Sid>")
        actions = _actions(statement)
        equals = statement.get("Condition", {}).get("StringEquals", {})
        boundary = equals.get("iam:PermissionsBoundary")
        pinned = (
            isinstance(boundary, str)
            and f":policy{PIPELINE_PATH}" in boundary
            and not any(c in boundary for c in "*?")
        )
        writes = [action for action in BOUNDED_ROLE_WRITES if _allows(actions, action)]
        if writes:
            bounded_roles.extend(str(r) for r in _as_list(statement.get("Resource", [])))
        if not pinned:
            found.extend(
                f"{sid}: {action} without a StringEquals iam:PermissionsBoundary "
                f"condition naming one boundary policy under {PIPELINE_PATH}"
                for action in writes
            )
        if _allows(actions, "iam:DeleteRolePermissionsBoundary"):
            found.append(f"{sid}: allows iam:DeleteRolePermissionsBoundary (a role sheds its cap)")
        found.extend(
            f"{sid}: allows {action} (a boundary policy could be rewritten)"
            for action in POLICY_WRITES
            if _allows(actions, action)
        )
    if bounded_roles:
        denied = [
            str(resource)
            for statement in _statements(document)
            if statement.get("Effect") == "Deny"
            and "Condition" not in statement
            and _allows(_actions(statement), "iam:DeleteRolePermissionsBoundary")
            for resource in _as_list(statement.get("Resource", []))
        ]
        uncovered = [
            r for r in dict.fromkeys(bounded_roles) if not any(fnmatchcase(r, d) for d in denied)
        ]
        if uncovered:
            found.append(
                f"no unconditional Deny of iam:DeleteRolePermissionsBoundary on {uncovered}"
            )
    return found


def boundary_findings(document: dict[str, Any] | str) -> list[str]:
    """A role boundary allows the API's DynamoDB actions on table ARNs, and execute-api:Invoke on
    one account's APIs (in a statement of its own), nothing else."""
    found: list[str] = []
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue  # a Deny in a boundary only narrows it
        sid = statement.get("Sid", "<no Sid>")
        if "NotAction" in statement or "NotResource" in statement:
            found.append(f"{sid}: boundary uses NotAction/NotResource")
        actions = [a.lower() for a in _actions(statement)]
        invoke = bool(actions) and all(a in MODERATOR_BOUNDARY_ACTIONS for a in actions)
        allowed, pattern, kind = (
            (MODERATOR_BOUNDARY_ACTIONS, _EXECUTE_API_ARN, "an execute-api ARN of one account")
            if invoke
            else (BOUNDARY_ACTIONS, _TABLE_ARN, "a DynamoDB table ARN")
        )
        found.extend(
            f"{sid}: boundary allows '{action}' (only dynamodb:DeleteItem, dynamodb:Query and "
            "dynamodb:UpdateItem on tables, or execute-api:Invoke in a statement of its own)"
            for action in _actions(statement)
            if action.lower() not in allowed
        )
        found.extend(
            f"{sid}: boundary resource '{resource}' is not {kind}"
            for resource in map(str, _as_list(statement.get("Resource", [])))
            if not pattern.match(resource)
        )
    return found
