"""The repository's GitHub settings read back through the REST API and compared with what
bootstrap/github sets: the ruleset of main and its required checks, the stack's two
environments, the OIDC subject template, the Actions allow-list and the workflow token.

A read the token may not make (401, 403) leaves its check "not run"; a setting that is absent
(404) fails it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests

from verify.repo import GitHubSettings, RepositoryIdentity
from verify.report import Check, failed, from_problems, not_run

API = "https://api.github.com"
API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 30


class GitHubError(Exception):
    def __init__(self, status: int, path: str, message: str) -> None:
        super().__init__(f"GET {path}: {status} {message}".strip())
        self.status = status

    @property
    def refused(self) -> bool:
        """The token may not read this (rather than: it does not exist)."""
        return self.status in (401, 403)


class GitHub:
    """GET requests to GitHub's REST API for one repository."""

    def __init__(self, session: requests.Session, token: str, repository: str) -> None:
        self.session = session
        self.token = token
        self.repository = repository

    def get(self, path: str, **params: str) -> Any:
        """`path` under /repos/<owner>/<name> ("" for the repository itself)."""
        where = f"/repos/{self.repository}{path}"
        try:
            response = self.session.get(
                API + where,
                params=params or None,
                headers={
                    "Accept": "application/vnd.github+json",
                    "Authorization": f"Bearer {self.token}",
                    "X-GitHub-Api-Version": API_VERSION,
                },
                timeout=TIMEOUT_SECONDS,
            )
        except requests.RequestException as error:
            raise GitHubError(0, where, str(error)) from None
        if response.status_code != 200:
            try:
                message = str(response.json().get("message", ""))
            except ValueError:
                message = response.text[:200]
            raise GitHubError(response.status_code, where, message)
        return response.json()


def _unavailable(name: str, error: GitHubError) -> Check:
    if error.refused or error.status == 0:
        return not_run(name, str(error))
    return failed(name, str(error))


def identity(github: GitHub) -> RepositoryIdentity:
    """The repository's ids and the `repo` segment of its OIDC subjects, as GitHub reports them."""
    found = github.get("")
    template = github.get("/actions/oidc/customization/sub")
    return RepositoryIdentity(
        name=github.repository,
        repository_id=str(found["id"]),
        owner_id=str(found["owner"]["id"]),
        subject_prefix=str(template.get("sub_claim_prefix") or ""),
    )


def oidc_check(github: GitHub, settings: GitHubSettings) -> Check:
    name = "github: OIDC subject template"
    try:
        template = github.get("/actions/oidc/customization/sub")
    except GitHubError as error:
        return _unavailable(name, error)
    problems = []
    if template.get("use_default") is not False:
        problems.append(f"use_default is {template.get('use_default')}, not false")
    keys = list(template.get("include_claim_keys") or [])
    if keys != list(settings.subject_claim_keys):
        problems.append(f"claim keys {keys}, not {list(settings.subject_claim_keys)}")
    return from_problems(name, problems, f"claim keys {list(settings.subject_claim_keys)}")


def actions_check(github: GitHub, settings: GitHubSettings) -> Check:
    name = "github: Actions allow-list"
    try:
        permissions = github.get("/actions/permissions")
        selected = github.get("/actions/permissions/selected-actions")
    except GitHubError as error:
        return _unavailable(name, error)
    problems = []
    if permissions.get("enabled") is not True:
        problems.append("Actions is not enabled")
    if permissions.get("allowed_actions") != "selected":
        problems.append(f"allowed_actions is {permissions.get('allowed_actions')}, not selected")
    if permissions.get("sha_pinning_required") is not True:
        problems.append(
            f"sha_pinning_required is {permissions.get('sha_pinning_required')}, not true"
        )
    for key in ("github_owned_allowed", "verified_allowed"):
        if selected.get(key) is not False:
            problems.append(f"{key} is {selected.get(key)}, not false")
    patterns = sorted(selected.get("patterns_allowed") or [])
    expected = sorted(settings.allowed_actions)
    extra = sorted(set(patterns) - set(expected))
    missing = sorted(set(expected) - set(patterns))
    if extra:
        problems.append(f"allows actions no workflow uses: {extra}")
    if missing:
        problems.append(f"does not allow {missing}, which the workflows use")
    return from_problems(name, problems, f"exactly {len(expected)} actions, SHA-pinned")


def workflow_token_check(github: GitHub) -> Check:
    name = "github: workflow token read-only, cannot approve"
    try:
        token = github.get("/actions/permissions/workflow")
    except GitHubError as error:
        return _unavailable(name, error)
    problems = []
    if token.get("default_workflow_permissions") != "read":
        problems.append(
            f"default_workflow_permissions is {token.get('default_workflow_permissions')}"
        )
    if token.get("can_approve_pull_request_reviews") is not False:
        problems.append("workflow tokens can approve pull requests")
    return from_problems(name, problems, "read, no approvals")


def _ruleset(github: GitHub, settings: GitHubSettings) -> dict[str, Any]:
    listed = github.get("/rulesets", per_page="100", includes_parents="false")
    matching = [r for r in listed if r.get("name") == settings.main]
    if len(matching) != 1:
        raise GitHubError(
            404,
            f"/repos/{github.repository}/rulesets",
            f"{len(matching)} rulesets named {settings.main!r}",
        )
    found: dict[str, Any] = github.get(f"/rulesets/{matching[0]['id']}")
    return found


def _rule(ruleset: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    for rule in ruleset.get("rules") or []:
        if rule.get("type") == kind:
            parameters: Mapping[str, Any] = rule.get("parameters") or {}
            return parameters
    return None


def ruleset_checks(github: GitHub, settings: GitHubSettings) -> list[Check]:
    rules_name = f"github: ruleset '{settings.main}' rules"
    checks_name = f"github: required checks of {settings.main}"
    try:
        ruleset = _ruleset(github, settings)
    except GitHubError as error:
        return [_unavailable(rules_name, error), _unavailable(checks_name, error)]
    problems, unrun = [], []
    if ruleset.get("target") != "branch":
        problems.append(f"target {ruleset.get('target')}, not branch")
    if ruleset.get("enforcement") != "active":
        problems.append(f"enforcement {ruleset.get('enforcement')}, not active")
    ref_name = (ruleset.get("conditions") or {}).get("ref_name") or {}
    if list(ref_name.get("include") or []) != [f"refs/heads/{settings.main}"]:
        problems.append(f"applies to {ref_name.get('include')}, not refs/heads/{settings.main}")
    if ref_name.get("exclude"):
        problems.append(f"excludes {ref_name.get('exclude')}")
    if "bypass_actors" not in ruleset:
        unrun.append("bypass actors: the token cannot read them (needs admin read)")
    elif ruleset["bypass_actors"]:
        problems.append(f"bypass actors {ruleset['bypass_actors']}")
    for kind in ("deletion", "non_fast_forward"):
        if _rule(ruleset, kind) is None:
            problems.append(f"no {kind} rule")
    review = _rule(ruleset, "pull_request")
    expected_review = {
        "required_approving_review_count": settings.required_approvals,
        "dismiss_stale_reviews_on_push": True,
        "require_last_push_approval": True,
        "required_review_thread_resolution": True,
        # CODEOWNERS makes the platform team review policy/, environments/, bootstrap/, .github/
        "require_code_owner_review": True,
    }
    if review is None:
        problems.append("no pull_request rule")
    else:
        for key, value in expected_review.items():
            if review.get(key) != value:
                problems.append(f"pull_request {key} is {review.get(key)}, not {value}")
    status = _rule(ruleset, "required_status_checks")
    checks = [
        from_problems(
            rules_name,
            problems,
            f"active on {settings.main}: no deletion, no force-push, "
            f"{settings.required_approvals} approval(s), no bypass actor",
            unrun,
        )
    ]
    if status is None:
        checks.append(failed(checks_name, "no required_status_checks rule"))
        return checks
    check_problems = []
    if status.get("strict_required_status_checks_policy") is not True:
        check_problems.append("branches need not be up to date before merging")
    found = {
        (str(c.get("context")), c.get("integration_id"))
        for c in status.get("required_status_checks") or []
    }
    expected = {(check, settings.actions_app_id) for check in settings.required_checks}
    for context, app in sorted(found - expected, key=str):
        check_problems.append(f"unexpected check {context!r} (integration {app})")
    for context, app in sorted(expected - found, key=str):
        check_problems.append(f"check {context!r} from integration {app} is not required")
    checks.append(
        from_problems(
            checks_name,
            check_problems,
            f"{len(expected)} checks of pr.yml, each pinned to GitHub Actions",
        )
    )
    return checks


def _reviewers(rule: Mapping[str, Any]) -> set[tuple[str, int]]:
    return {
        (str(r.get("type")), int((r.get("reviewer") or {}).get("id", -1)))
        for r in rule.get("reviewers") or []
    }


def environment_checks(github: GitHub, settings: GitHubSettings, stack: str) -> list[Check]:
    return [
        _deploy_environment(github, settings, stack),
        _preview_environment(github, f"preview-{stack}"),
    ]


def _environment(github: GitHub, name: str) -> dict[str, Any]:
    found: dict[str, Any] = github.get(f"/environments/{quote(name, safe='')}")
    return found


def _rules(environment: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [r for r in environment.get("protection_rules") or [] if r.get("type") == kind]


def _deploy_environment(github: GitHub, settings: GitHubSettings, stack: str) -> Check:
    reviewed = stack in settings.reviewed_environments
    name = f"github: environment {stack} ({'reviewers, ' if reviewed else ''}{settings.main} only)"
    try:
        environment = _environment(github, stack)
        policies = github.get(f"/environments/{quote(stack, safe='')}/deployment-branch-policies")
    except GitHubError as error:
        return _unavailable(name, error)
    problems = []
    rules = _rules(environment, "required_reviewers")
    if reviewed:
        if len(rules) != 1:
            problems.append("no required reviewers")
        else:
            rule = rules[0]
            if rule.get("prevent_self_review") is not True:
                problems.append("a deployment's author may approve it")
            found = _reviewers(rule)
            if settings.reviewers_known:
                expected = {("User", u) for u in settings.reviewer_users} | {
                    ("Team", t) for t in settings.reviewer_teams
                }
                if found != expected:
                    problems.append(f"reviewers {sorted(found)}, not {sorted(expected)}")
            elif not found:
                problems.append("the required reviewers rule names nobody")
    elif rules:
        problems.append(f"required reviewers {sorted(_reviewers(rules[0]))}; none are set for it")
    branch_policy = environment.get("deployment_branch_policy")
    if branch_policy != {"protected_branches": False, "custom_branch_policies": True}:
        problems.append(f"deployment branch policy {branch_policy}, not custom branches only")
    if environment.get("can_admins_bypass") is not False:
        problems.append(f"can_admins_bypass is {environment.get('can_admins_bypass')}, not false")
    patterns = [
        (str(p.get("name")), str(p.get("type", "branch")))
        for p in policies.get("branch_policies") or []
    ]
    if patterns != [(settings.main, "branch")]:
        problems.append(f"deploys from {patterns}, not only branch {settings.main}")
    who = "required reviewers, " if reviewed else ""
    return from_problems(name, problems, f"{who}branch {settings.main} only, no admin bypass")


def _preview_environment(github: GitHub, name_of: str) -> Check:
    name = f"github: environment {name_of} (no reviewer, any branch)"
    try:
        environment = _environment(github, name_of)
    except GitHubError as error:
        return _unavailable(name, error)
    problems = []
    if _rules(environment, "required_reviewers"):
        problems.append("has required reviewers: pull-request previews would wait for approval")
    if environment.get("deployment_branch_policy") is not None:
        problems.append(
            f"deployment branch policy {environment.get('deployment_branch_policy')}: "
            "pull-request branches could not preview"
        )
    return from_problems(name, problems, "exists, no reviewer, no branch rule")


def github_checks(github: GitHub, settings: GitHubSettings, stack: str) -> Sequence[Check]:
    return [
        oidc_check(github, settings),
        actions_check(github, settings),
        workflow_token_check(github),
        *ruleset_checks(github, settings),
        *environment_checks(github, settings, stack),
    ]
