"""The GitHub checks against recorded answers shaped like GitHub's documented examples
(tests/verify/github_examples.py names the source): the settings bootstrap/github makes pass,
and each difference fails its row; a read the token may not make is not run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.verify import github_examples as examples
from tests.verify.recorded import RecordedGitHub, github_session
from verify import github, repo
from verify.report import Check, Status

STACK = "prod"


def run(
    answers: dict[str, Any], settings: repo.GitHubSettings = examples.SETTINGS
) -> tuple[dict[str, Check], RecordedGitHub]:
    adapter = RecordedGitHub(examples.REPOSITORY, answers)
    hub = github.GitHub(github_session(adapter), "ghs_example", examples.REPOSITORY)
    checks = github.github_checks(hub, settings, STACK)
    return {check.name: check for check in checks}, adapter


def test_the_settings_bootstrap_github_makes_pass() -> None:
    checks, adapter = run(examples.answers(STACK))
    assert {name: c.status for name, c in checks.items()} == dict.fromkeys(checks, Status.PASS), (
        checks
    )
    assert len(checks) == 7
    # Every request carries the token and asks for the versioned JSON API.
    for request in adapter.seen:
        assert request.headers["Authorization"] == "Bearer ghs_example"
        assert request.headers["X-GitHub-Api-Version"] == github.API_VERSION
        assert request.headers["Accept"] == "application/vnd.github+json"


def test_the_identity_names_the_ids_and_the_subject_prefix() -> None:
    adapter = RecordedGitHub(examples.REPOSITORY, examples.answers(STACK))
    hub = github.GitHub(github_session(adapter), "t", examples.REPOSITORY)
    assert github.identity(hub) == repo.RepositoryIdentity(
        examples.REPOSITORY, str(examples.REPOSITORY_ID), "1", f"repo:{examples.REPOSITORY}"
    )


Mutation = Callable[[dict[str, Any]], None]


def _ruleset_rule(answers: dict[str, Any], kind: str) -> dict[str, Any]:
    rules = answers[f"/rulesets/{examples.RULESET_ID}"]["rules"]
    (rule,) = [r for r in rules if r["type"] == kind]
    found: dict[str, Any] = rule
    return found


def _drop_rule(answers: dict[str, Any], kind: str) -> None:
    ruleset = answers[f"/rulesets/{examples.RULESET_ID}"]
    ruleset["rules"] = [r for r in ruleset["rules"] if r["type"] != kind]


def _env(answers: dict[str, Any], name: str = STACK) -> dict[str, Any]:
    found: dict[str, Any] = answers[f"/environments/{name}"]
    return found


@pytest.mark.parametrize(
    ("row", "mutation", "expected"),
    [
        (
            "github: OIDC subject template",
            lambda a: a["/actions/oidc/customization/sub"].update(use_default=True),
            "use_default is True",
        ),
        (
            "github: OIDC subject template",
            lambda a: a["/actions/oidc/customization/sub"].update(
                include_claim_keys=["repo", "context"]
            ),
            "claim keys ['repo', 'context']",
        ),
        (
            "github: Actions allow-list",
            lambda a: a["/actions/permissions"].update(allowed_actions="all"),
            "allowed_actions is all",
        ),
        (
            "github: Actions allow-list",
            lambda a: a["/actions/permissions"].update(sha_pinning_required=False),
            "sha_pinning_required is False",
        ),
        (
            "github: Actions allow-list",
            lambda a: a["/actions/permissions/selected-actions"]["patterns_allowed"].append(
                "monalisa/octocat@*"
            ),
            "allows actions no workflow uses: ['monalisa/octocat@*']",
        ),
        (
            "github: Actions allow-list",
            lambda a: a["/actions/permissions/selected-actions"]["patterns_allowed"].pop(),
            "which the workflows use",
        ),
        (
            "github: Actions allow-list",
            lambda a: a["/actions/permissions/selected-actions"].update(github_owned_allowed=True),
            "github_owned_allowed is True",
        ),
        (
            "github: workflow token read-only, cannot approve",
            lambda a: a["/actions/permissions/workflow"].update(
                can_approve_pull_request_reviews=True
            ),
            "can approve pull requests",
        ),
        (
            "github: workflow token read-only, cannot approve",
            lambda a: a["/actions/permissions/workflow"].update(
                default_workflow_permissions="write"
            ),
            "default_workflow_permissions is write",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: a[f"/rulesets/{examples.RULESET_ID}"].update(
                bypass_actors=[{"actor_id": 234, "actor_type": "Team", "bypass_mode": "always"}]
            ),
            "bypass actors",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: a[f"/rulesets/{examples.RULESET_ID}"].update(enforcement="evaluate"),
            "enforcement evaluate",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: _drop_rule(a, "non_fast_forward"),
            "no non_fast_forward rule",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: _ruleset_rule(a, "pull_request")["parameters"].update(
                require_last_push_approval=False
            ),
            "require_last_push_approval is False",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: _ruleset_rule(a, "pull_request")["parameters"].update(
                require_code_owner_review=False
            ),
            "require_code_owner_review is False",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: a[f"/rulesets/{examples.RULESET_ID}"]["conditions"]["ref_name"].update(
                include=["~DEFAULT_BRANCH", "refs/heads/release"]
            ),
            "applies to",
        ),
        (
            "github: required checks of main",
            lambda a: _ruleset_rule(a, "required_status_checks")["parameters"][
                "required_status_checks"
            ].pop(),
            "is not required",
        ),
        (
            "github: required checks of main",
            lambda a: _ruleset_rule(a, "required_status_checks")["parameters"][
                "required_status_checks"
            ][0].update(integration_id=None),
            "unexpected check",
        ),
        (
            "github: required checks of main",
            lambda a: _ruleset_rule(a, "required_status_checks")["parameters"].update(
                strict_required_status_checks_policy=False
            ),
            "need not be up to date",
        ),
        (
            "github: required checks of main",
            lambda a: _drop_rule(a, "required_status_checks"),
            "no required_status_checks rule",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: _env(a).update(protection_rules=[]),
            "no required reviewers",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: _env(a)["protection_rules"][0].update(prevent_self_review=False),
            "a deployment's author may approve it",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: _env(a).update(can_admins_bypass=True),
            "can_admins_bypass is True",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: _env(a).update(deployment_branch_policy=None),
            "not custom branches only",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: a[f"/environments/{STACK}/deployment-branch-policies"][
                "branch_policies"
            ].append({"id": 1, "node_id": "x", "name": "release/*", "type": "branch"}),
            "not only branch main",
        ),
        (
            "github: environment preview-prod (no reviewer, any branch)",
            lambda a: _env(a, "preview-prod").update(
                deployment_branch_policy={
                    "protected_branches": True,
                    "custom_branch_policies": False,
                }
            ),
            "pull-request branches could not preview",
        ),
        (
            "github: environment preview-prod (no reviewer, any branch)",
            lambda a: _env(a, "preview-prod").update(
                protection_rules=_env(a)["protection_rules"][:1]
            ),
            "has required reviewers",
        ),
        (
            "github: environment prod (reviewers, main only)",
            lambda a: a.update({f"/environments/{STACK}": (404, {"message": "Not Found"})}),
            "404 Not Found",
        ),
        (
            "github: ruleset 'main' rules",
            lambda a: a.update({"/rulesets": []}),
            "0 rulesets named 'main'",
        ),
    ],
)
def test_a_difference_fails_its_row(row: str, mutation: Mutation, expected: str) -> None:
    answers = examples.answers(STACK)
    mutation(answers)
    checks, _ = run(answers)
    assert checks[row].status is Status.FAIL, checks[row]
    assert expected in checks[row].detail
    others = [c for name, c in checks.items() if name != row and c.status is not Status.PASS]
    assert all("required checks" in c.name or "ruleset" in c.name for c in others), others


def test_reviewers_named_by_the_settings_stack_must_be_exactly_them() -> None:
    settings = repo.GitHubSettings(
        **{**examples.SETTINGS.__dict__, "reviewer_users": (1, 2), "reviewers_known": True}
    )
    checks, _ = run(examples.answers(STACK), settings)
    row = checks["github: environment prod (reviewers, main only)"]
    assert row.status is Status.FAIL
    assert "not [('User', 1), ('User', 2)]" in row.detail


def test_an_unreviewed_environment_must_have_no_reviewers() -> None:
    settings = repo.GitHubSettings(**{**examples.SETTINGS.__dict__, "reviewed_environments": ()})
    checks, _ = run(examples.answers(STACK), settings)
    row = checks["github: environment prod (main only)"]
    assert row.status is Status.FAIL and "none are set for it" in row.detail


@pytest.mark.parametrize("status", [401, 403])
def test_a_read_the_token_may_not_make_is_not_run(status: int) -> None:
    answers = examples.answers(STACK)
    refused = (status, {"message": "Resource not accessible by integration"})
    answers["/actions/permissions"] = refused
    answers["/actions/permissions/workflow"] = refused
    checks, _ = run(answers)
    for name in ("github: Actions allow-list", "github: workflow token read-only, cannot approve"):
        assert checks[name].status is Status.NOT_RUN
        assert f"{status} Resource not accessible by integration" in checks[name].detail
    assert checks["github: OIDC subject template"].status is Status.PASS


def test_bypass_actors_the_token_cannot_see_leave_the_ruleset_not_run() -> None:
    """GitHub leaves bypass_actors out for a token without admin read: no bypass is unproven."""
    answers = examples.answers(STACK)
    del answers[f"/rulesets/{examples.RULESET_ID}"]["bypass_actors"]
    checks, _ = run(answers)
    row = checks["github: ruleset 'main' rules"]
    assert row.status is Status.NOT_RUN and "bypass actors" in row.detail
