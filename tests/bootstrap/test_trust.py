"""Who gets each role: the planned trust policies evaluated against the OIDC tokens an attacker
can obtain (another repository, a fork, another branch, another workflow, another environment,
a forged environment name) and against the sessions the pipeline's roles hold."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.bootstrap.conftest import ACCOUNT, REPOSITORY, REPOSITORY_ID, plan_bootstrap
from tests.bootstrap.iam_eval import Request, decide
from tooling.offline_runner import Plan

ISSUER = "token.actions.githubusercontent.com"
ASSUME = "sts:AssumeRoleWithWebIdentity"
WORKFLOWS = f"{REPOSITORY}/.github/workflows"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("trust"))


def trust(plan: Plan, role: str) -> dict[str, Any]:
    (resource,) = [r for r in plan.of_type("aws:iam/role:Role") if r.name == role]
    document: dict[str, Any] = json.loads(resource.inputs["assumeRolePolicy"])
    return document


def subject(
    environment: str,
    workflow: str,
    ref: str,
    repository: str = REPOSITORY,
    run_ref: str | None = None,
    repository_id: str = REPOSITORY_ID,
) -> str:
    """The `sub` GitHub issues under the repository's template (bootstrap/github): `run_ref` is
    the ref the run was triggered for, `ref` the one the job's workflow file was read at (they
    differ when a workflow calls another at a fixed ref)."""
    return (
        f"repo:{repository}:repository_id:{repository_id}:environment:{environment}"
        f":ref:{run_ref or ref}:job_workflow_ref:{repository}/.github/workflows/{workflow}@{ref}"
    )


def assume(plan: Plan, role: str, sub: str, aud: str = "sts.amazonaws.com") -> str:
    provider = plan.outputs["oidcProviderArn"]
    arn = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/{role}"
    context = {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud}
    return decide([trust(plan, role)], Request(ASSUME, arn, context, {"Federated": provider}))


DEPLOY = "deploy-environment.yml"
MAIN = "refs/heads/main"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_deploy_workflow_on_main_in_its_environment_gets_the_deploy_role(
    plan: Plan, env: str
) -> None:
    assert assume(plan, f"comments-deploy-{env}", subject(env, DEPLOY, MAIN)) == "Allow"


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param(subject("dev", DEPLOY, "refs/heads/feature"), id="another branch"),
        pytest.param(subject("dev", DEPLOY, "refs/tags/main"), id="a tag named main"),
        pytest.param(subject("dev", "pr.yml", "refs/pull/7/merge"), id="a pull request"),
        pytest.param(subject("dev", "evil.yml", MAIN), id="another workflow on main"),
        pytest.param(subject("preview-dev", DEPLOY, MAIN), id="the preview environment"),
        pytest.param(subject("staging", DEPLOY, MAIN), id="another environment"),
        pytest.param(  # a fork's (or any other repository's) run of our workflow file
            f"repo:attacker/comments:repository_id:{REPOSITORY_ID}:environment:dev:ref:{MAIN}:"
            f"job_workflow_ref:{WORKFLOWS}/{DEPLOY}@{MAIN}",
            id="another repository calling our workflow",
        ),
        pytest.param(  # after a rename or transfer, someone creates a repository by the old name
            subject("dev", DEPLOY, MAIN, repository_id="987654321"),
            id="a new repository under the same name",
        ),
        pytest.param(  # `uses: <repo>/.github/workflows/deploy-environment.yml@main` from a branch
            subject("dev", DEPLOY, MAIN, run_ref="refs/heads/feature"),
            id="another branch calling the workflow at main",
        ),
        pytest.param(
            subject("dev", DEPLOY, MAIN, run_ref="refs/pull/7/merge"),
            id="a pull request calling the workflow at main",
        ),
        pytest.param(f"repo:{REPOSITORY}:environment:dev", id="the default subject template"),
        pytest.param(subject("dev", DEPLOY, MAIN) + ":x", id="a longer subject"),
    ],
)
def test_no_other_token_gets_the_dev_deploy_role(plan: Plan, sub: str) -> None:
    assert assume(plan, "comments-deploy-dev", sub) == "ImplicitDeny"


def test_a_token_for_another_audience_gets_no_role(plan: Plan) -> None:
    sub = subject("dev", DEPLOY, MAIN)
    assert assume(plan, "comments-deploy-dev", sub, aud="https://github.com/example-org") == (
        "ImplicitDeny"
    )


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_previews_of_pull_requests_and_drift_checks_get_the_preview_role(
    plan: Plan, env: str
) -> None:
    role = f"comments-preview-{env}"
    assert assume(plan, role, subject(f"preview-{env}", "pr.yml", "refs/pull/12/merge")) == "Allow"
    assert assume(plan, role, subject(f"preview-{env}", "drift.yml", MAIN)) == "Allow"


# A job may name any environment, and GitHub creates one it does not know. Named so, it puts the
# preview role's whole pattern before its own workflow and ref, and the StringLike `*` for the
# pull request's number swallows the rest: another workflow, on a push to any branch whose
# name ends in `/merge`, would match `...pr.yml@refs/pull/*/merge`.
FORGED_ENVIRONMENT = (
    f"preview-dev:ref:refs/pull/1/merge:job_workflow_ref:{WORKFLOWS}/pr.yml@refs/pull/1"
)


@pytest.mark.parametrize(
    "sub",
    [
        pytest.param(subject("preview-dev", "evil.yml", "refs/pull/12/merge"), id="other workflow"),
        pytest.param(subject("preview-dev", "pr.yml", "refs/heads/x/merge"), id="a branch"),
        pytest.param(subject("preview-dev", "pr.yml", "refs/pull/12/head"), id="the PR head"),
        pytest.param(subject("preview-dev", "drift.yml", "refs/heads/x"), id="drift off main"),
        pytest.param(subject("preview-dev", "pr.yml", MAIN), id="pull_request_target"),
        pytest.param(
            subject("preview-dev", "drift.yml", MAIN, run_ref="refs/heads/x"),
            id="a branch calling drift at main",
        ),
        pytest.param(subject("preview-prod", "pr.yml", "refs/pull/12/merge"), id="prod's env"),
        pytest.param(subject("dev", "pr.yml", "refs/pull/12/merge"), id="the deploy env"),
        pytest.param(
            subject(FORGED_ENVIRONMENT, "evil.yml", "refs/heads/x/merge"),
            id="a forged environment name",
        ),
        pytest.param(
            subject(FORGED_ENVIRONMENT, "evil.yml", "refs/pull/3/merge"),
            id="a forged environment name in a pull request",
        ),
    ],
)
def test_no_other_token_gets_the_dev_preview_role(plan: Plan, sub: str) -> None:
    assert assume(plan, "comments-preview-dev", sub) == "ImplicitDeny"


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
def test_a_token_sets_no_session_tags_and_no_other_assume(plan: Plan, action: str) -> None:
    """Session tags would put attacker-chosen aws:PrincipalTag values into every request."""
    provider = plan.outputs["oidcProviderArn"]
    context = {f"{ISSUER}:sub": subject("dev", DEPLOY, MAIN), f"{ISSUER}:aud": "sts.amazonaws.com"}
    arn = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-deploy-dev"
    request = Request(action, arn, context, {"Federated": provider})
    assert decide([trust(plan, "comments-deploy-dev")], request) == "ImplicitDeny"
