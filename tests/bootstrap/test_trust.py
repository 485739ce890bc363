"""Who gets each role: the planned trust policies evaluated against the OIDC tokens an attacker
can obtain (another repository, a fork, another branch, another workflow, another environment,
a forged environment name) and against the sessions the pipeline's roles hold."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.bootstrap.conftest import (
    ACCOUNT,
    FORMS,
    OWNER,
    github_sub,
    plan_bootstrap,
)
from tests.bootstrap.iam_eval import Request, decide
from tooling.offline_runner import Plan

ISSUER = "token.actions.githubusercontent.com"
ASSUME = "sts:AssumeRoleWithWebIdentity"
Subject = Callable[[str], str]
"""A token's `sub` for the subject form (FORMS) the repository's roles were bootstrapped with."""


@pytest.fixture(scope="module", params=FORMS)
def form(request: pytest.FixtureRequest) -> str:
    """Every test runs against a bootstrap for each of GitHub's two subject forms."""
    value: str = request.param
    return value


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory, form: str) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp(f"trust-{form}"), form=form)


def trust(plan: Plan, role: str) -> dict[str, Any]:
    (resource,) = [r for r in plan.of_type("aws:iam/role:Role") if r.name == role]
    document: dict[str, Any] = json.loads(resource.inputs["assumeRolePolicy"])
    return document


def other(form: str) -> str:
    (found,) = [f for f in FORMS if f != form]
    return found


def assume(plan: Plan, role: str, sub: str, aud: str = "sts.amazonaws.com") -> str:
    provider = plan.outputs["oidcProviderArn"]
    arn = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/{role}"
    context = {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud}
    return decide([trust(plan, role)], Request(ASSUME, arn, context, {"Federated": provider}))


DEPLOY = "deploy-environment.yml"
MAIN = "refs/heads/main"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_deploy_workflow_on_main_in_its_environment_gets_the_deploy_role(
    plan: Plan, form: str, env: str
) -> None:
    assert assume(plan, f"comments-deploy-{env}", github_sub(env, DEPLOY, MAIN, form=form)) == (
        "Allow"
    )


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param(
            lambda f: github_sub("dev", DEPLOY, "refs/heads/feature", form=f), id="branch"
        ),
        pytest.param(lambda f: github_sub("dev", DEPLOY, "refs/tags/main", form=f), id="tag main"),
        pytest.param(lambda f: github_sub("dev", "pr.yml", "refs/pull/7/merge", form=f), id="PR"),
        pytest.param(lambda f: github_sub("dev", "evil.yml", MAIN, form=f), id="other workflow"),
        pytest.param(lambda f: github_sub("preview-dev", DEPLOY, MAIN, form=f), id="preview env"),
        pytest.param(lambda f: github_sub("staging", DEPLOY, MAIN, form=f), id="other env"),
        pytest.param(  # a fork's (or any other repository's) run of our workflow file
            lambda f: github_sub("dev", DEPLOY, MAIN, form=f, owner="attacker").replace(
                "job_workflow_ref:attacker/", f"job_workflow_ref:{OWNER}/"
            ),
            id="another repository calling our workflow",
        ),
        pytest.param(  # after a rename or transfer, someone creates a repository by the old name
            lambda f: github_sub("dev", DEPLOY, MAIN, form=f, repository_id="987654321"),
            id="a new repository under the same name",
        ),
        pytest.param(  # the same names under another owner account (only this form names its id)
            lambda f: github_sub("dev", DEPLOY, MAIN, form="immutable", owner_id="13572468"),
            id="another owner id",
        ),
        pytest.param(  # the ids, under a name the roles do not know (a rename: bootstrap again)
            lambda f: github_sub("dev", DEPLOY, MAIN, form=f, name="comments-renamed"),
            id="another repository name",
        ),
        pytest.param(  # GitHub sends one form; the roles trust that one only
            lambda f: github_sub("dev", DEPLOY, MAIN, form=other(f)),
            id="the other subject form",
        ),
        pytest.param(  # `uses: <repo>/.github/workflows/deploy-environment.yml@main` from a branch
            lambda f: github_sub("dev", DEPLOY, MAIN, form=f, run_ref="refs/heads/feature"),
            id="another branch calling the workflow at main",
        ),
        pytest.param(
            lambda f: github_sub("dev", DEPLOY, MAIN, form=f, run_ref="refs/pull/7/merge"),
            id="a pull request calling the workflow at main",
        ),
        pytest.param(
            lambda f: (
                github_sub("dev", DEPLOY, MAIN, form=f).split(":repository_id:")[0]
                + ":environment:dev"
            ),
            id="the default subject template",
        ),
        pytest.param(lambda f: github_sub("dev", DEPLOY, MAIN, form=f) + ":x", id="longer"),
    ],
)
def test_no_other_token_gets_the_dev_deploy_role(plan: Plan, form: str, sub: Subject) -> None:
    assert assume(plan, "comments-deploy-dev", sub(form)) == "ImplicitDeny"


def test_a_token_for_another_audience_gets_no_role(plan: Plan, form: str) -> None:
    sub = github_sub("dev", DEPLOY, MAIN, form=form)
    assert assume(plan, "comments-deploy-dev", sub, aud="https://github.com/example-org") == (
        "ImplicitDeny"
    )


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_previews_of_pull_requests_drift_checks_and_the_proof_kit_get_the_preview_role(
    plan: Plan, form: str, env: str
) -> None:
    role = f"comments-preview-{env}"
    pull_request = github_sub(f"preview-{env}", "pr.yml", "refs/pull/12/merge", form=form)
    assert assume(plan, role, pull_request) == "Allow"
    assert assume(plan, role, github_sub(f"preview-{env}", "drift.yml", MAIN, form=form)) == "Allow"
    # verify.yml on workflow_dispatch from main, in the preview environment it names.
    assert assume(plan, role, github_sub(f"preview-{env}", "verify.yml", MAIN, form=form)) == (
        "Allow"
    )


# A job may name any environment, and GitHub creates one it does not know. Named so, it puts the
# preview role's whole pattern before its own workflow and ref, and the StringLike `*` for the
# pull request's number swallows the rest: another workflow, on a push to any branch whose
# name ends in `/merge`, would match `...pr.yml@refs/pull/*/merge`.
FORGED_ENVIRONMENT = (
    f"preview-dev:ref:refs/pull/1/merge:job_workflow_ref:{OWNER}/comments/.github/workflows/pr.yml"
    "@refs/pull/1"
)


def _preview(environment: str, workflow: str, ref: str, **kwargs: str) -> Subject:
    return lambda f: github_sub(environment, workflow, ref, **{"form": f, **kwargs})


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param(_preview("preview-dev", "evil.yml", "refs/pull/12/merge"), id="workflow"),
        pytest.param(_preview("preview-dev", "pr.yml", "refs/heads/x/merge"), id="a branch"),
        pytest.param(_preview("preview-dev", "pr.yml", "refs/pull/12/head"), id="the PR head"),
        pytest.param(_preview("preview-dev", "drift.yml", "refs/heads/x"), id="drift off main"),
        pytest.param(_preview("preview-dev", "pr.yml", MAIN), id="pull_request_target"),
        pytest.param(
            _preview("preview-dev", "drift.yml", MAIN, run_ref="refs/heads/x"),
            id="a branch calling drift at main",
        ),
        pytest.param(_preview("preview-dev", "verify.yml", "refs/heads/x"), id="verify off main"),
        pytest.param(
            _preview("preview-dev", "verify.yml", "refs/pull/12/merge"), id="verify in a PR"
        ),
        pytest.param(
            _preview("preview-dev", "verify.yml", MAIN, run_ref="refs/heads/x"),
            id="a branch calling verify at main",
        ),
        pytest.param(_preview("dev", "verify.yml", MAIN), id="verify in the deploy env"),
        pytest.param(_preview("preview-prod", "pr.yml", "refs/pull/12/merge"), id="prod's env"),
        pytest.param(_preview("dev", "pr.yml", "refs/pull/12/merge"), id="the deploy env"),
        pytest.param(
            _preview("preview-dev", "pr.yml", "refs/pull/12/merge", repository_id="987654321"),
            id="another repository id",
        ),
        pytest.param(  # only the immutable form names the owner's id
            _preview(
                "preview-dev", "pr.yml", "refs/pull/12/merge", owner_id="13572468", form="immutable"
            ),
            id="another owner id",
        ),
        pytest.param(
            _preview("preview-dev", "pr.yml", "refs/pull/12/merge", name="comments-renamed"),
            id="another repository name",
        ),
        pytest.param(
            lambda f: github_sub("preview-dev", "pr.yml", "refs/pull/12/merge", form=other(f)),
            id="the other subject form",
        ),
        pytest.param(
            _preview(FORGED_ENVIRONMENT, "evil.yml", "refs/heads/x/merge"),
            id="a forged environment name",
        ),
        pytest.param(
            _preview(FORGED_ENVIRONMENT, "evil.yml", "refs/pull/3/merge"),
            id="a forged environment name in a pull request",
        ),
    ],
)
def test_no_other_token_gets_the_dev_preview_role(plan: Plan, form: str, sub: Subject) -> None:
    assert assume(plan, "comments-preview-dev", sub(form)) == "ImplicitDeny"


def test_break_glass_is_refused_to_the_pipelines_sessions(plan: Plan) -> None:
    """The pipeline's roles grant no sts:AssumeRole, and their sessions carry no MFA."""
    glass = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-break-glass"
    for env in ("dev", "staging", "prod"):
        for kind in ("deploy", "preview"):
            caller = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-{kind}-{env}"
            (access,) = [r for r in plan.resources if r.name == f"comments-{kind}-{env}-access"]
            identity = json.loads(access.inputs["policy"])
            request = Request("sts:AssumeRole", glass, {}, {"AWS": caller})
            assert decide([identity], request) == "ImplicitDeny", caller
            no_mfa = Request("sts:AssumeRole", glass, {}, {"AWS": caller})
            assert decide([trust(plan, "comments-pipeline-break-glass")], no_mfa) == (
                "ImplicitDeny"
            )
    with_mfa = Request(
        "sts:AssumeRole",
        glass,
        {"aws:MultiFactorAuthPresent": "true"},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Administrator"},
    )
    assert decide([trust(plan, "comments-pipeline-break-glass")], with_mfa) == "Allow"


@pytest.mark.parametrize("action", ["sts:TagSession", "sts:SetSourceIdentity", "sts:AssumeRole"])
def test_a_token_sets_no_session_tags_and_no_other_assume(
    plan: Plan, form: str, action: str
) -> None:
    """Session tags would put attacker-chosen aws:PrincipalTag values into every request."""
    provider = plan.outputs["oidcProviderArn"]
    sub = github_sub("dev", DEPLOY, MAIN, form=form)
    context = {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": "sts.amazonaws.com"}
    arn = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-deploy-dev"
    request = Request(action, arn, context, {"Federated": provider})
    assert decide([trust(plan, "comments-deploy-dev")], request) == "ImplicitDeny"
