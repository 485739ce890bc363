"""bootstrap/github: the repository settings the pipeline's security rests on, planned under
mocks; required checks and OIDC subjects checked against the workflow files themselves."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from comments_bootstrap import github_settings

from tests.bootstrap.conftest import (
    BOOTSTRAP,
    FORMS,
    OWNER_ID,
    REPOSITORY,
    REPOSITORY_ID,
    plan_bootstrap,
)
from tests.workflows import pipeline_rules as rules
from tooling.offline_runner import DefaultMocks, Plan, PlannedResource, run_stack

OWNER, NAME = REPOSITORY.split("/")
SUB = "token.actions.githubusercontent.com:sub"


def account(env: str, **extra: str) -> dict[str, str]:
    return {
        "awsRegion": "us-east-1",
        "deployRoleArn": f"arn:aws:iam::333333333333:role/github-pipeline/comments-deploy-{env}",
        "previewRoleArn": f"arn:aws:iam::333333333333:role/github-pipeline/comments-preview-{env}",
        **extra,
    }


S3 = {"backendUrl": "s3://comments-pulumi-state-333333333333-us-east-1?region=us-east-1"}
CLOUD = {
    "pulumiOrg": "example-org",
    "deployTeam": "comments-deployers",
    "previewTeam": "comments-readers",
}


# The team the committed .github/CODEOWNERS names (the docs' example organization and the
# platformOwnersTeam default); the tests' owner is another organization.
DOCUMENTED_OWNERS = "@my-org/platform-owners"
OWNERS = f"@{OWNER}/platform-owners"


def committed_codeowners(owners: str = OWNERS) -> str:
    """.github/CODEOWNERS as committed, its team handle replaced by `owners`."""
    text = github_settings.CODEOWNERS.read_text(encoding="utf-8")
    assert DOCUMENTED_OWNERS in text
    return text.replace(DOCUMENTED_OWNERS, owners)


def plan_settings(tmp_path: Path, codeowners: str | None = None, **config: Any) -> Plan:
    """Plan bootstrap/github for `config`, reading `codeowners` (default: the committed file for
    the tests' organization) as .github/CODEOWNERS."""
    codeowners_file = tmp_path / "CODEOWNERS"
    codeowners_file.write_text(committed_codeowners() if codeowners is None else codeowners)
    (tmp_path / "Pulumi.yaml").write_text((BOOTSTRAP / "github" / "Pulumi.yaml").read_text())
    stack = {
        "github:owner": OWNER,
        "repository": NAME,
        "environments": {
            "dev": account("dev", **S3),
            "staging": account("staging", **S3),
            "prod": account("prod", **CLOUD),
        },
        "reviewerTeams": [4242],
        **config,
    }
    (tmp_path / "Pulumi.repo.yaml").write_text(yaml.safe_dump({"config": stack}))
    # By name: a plan of bootstrap/ re-imports comments_bootstrap, as its language host would.
    with mock.patch("comments_bootstrap.github_settings.CODEOWNERS", codeowners_file):
        return run_stack("repo", DefaultMocks(), root=tmp_path, program_dir=BOOTSTRAP / "github")


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_settings(tmp_path_factory.mktemp("github"))


def environments(plan: Plan) -> dict[str, PlannedResource]:
    return {
        r.inputs["environment"]: r
        for r in plan.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")
    }


def variables(plan: Plan, environment: str) -> dict[str, str]:
    return {
        v.inputs["variableName"]: v.inputs["value"]
        for v in plan.of_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
        if v.inputs["environment"] == environment
    }


def expected_check_names() -> list[str]:
    """Read independently of the program: each job's name, matrix entries spelled out."""
    names = []
    for job_id, job in rules.load("pr.yml")["jobs"].items():
        name = job.get("name", job_id)
        stacks = job.get("strategy", {}).get("matrix", {}).get("stack")
        names += [name.replace("${{ matrix.stack }}", s) for s in stacks] if stacks else [name]
    return names


# GitHub Actions' app id, as GitHub's REST API reports it (GET /apps/github-actions).
GITHUB_ACTIONS_APP_ID = 15368


def main_ruleset(plan: Plan) -> dict[str, Any]:
    inputs: dict[str, Any] = plan.one("github:index/repositoryRuleset:RepositoryRuleset").inputs
    return inputs


def test_required_checks_are_exactly_the_pr_workflows_jobs_from_github_actions(
    settings: Plan,
) -> None:
    ruleset = main_ruleset(settings)
    assert ruleset["target"] == "branch" and ruleset["enforcement"] == "active"
    assert ruleset["conditions"] == {"refName": {"includes": ["refs/heads/main"], "excludes": []}}
    checks = ruleset["rules"]["requiredStatusChecks"]
    assert [c["context"] for c in checks["requiredChecks"]] == expected_check_names()
    assert {
        "make test",
        "preview (dev)",
        "preview (staging)",
        "preview (prod)",
        "preview comments",
    } <= {c["context"] for c in checks["requiredChecks"]}
    # A status of the same name from anything but GitHub Actions does not count.
    assert {c["integrationId"] for c in checks["requiredChecks"]} == {GITHUB_ACTIONS_APP_ID}
    assert checks["strictRequiredStatusChecksPolicy"] is True
    assert settings.outputs["requiredChecks"] == expected_check_names()


def test_main_takes_reviewed_pull_requests_only_and_nobody_bypasses(settings: Plan) -> None:
    ruleset = main_ruleset(settings)
    assert not ruleset.get("bypassActors"), "administrators follow the rules too"
    rules_ = ruleset["rules"]
    assert rules_["deletion"] is True and rules_["nonFastForward"] is True
    assert rules_["pullRequest"] == {
        "requiredApprovingReviewCount": 1,
        "dismissStaleReviewsOnPush": True,
        "requireLastPushApproval": True,
        "requiredReviewThreadResolution": True,
        # A change to a path .github/CODEOWNERS (main's) assigns needs its owners' approval.
        "requireCodeOwnerReview": True,
    }
    assert settings.outputs["platformOwners"] == OWNERS
    # One place for each rule: no branch protection beside the ruleset.
    assert settings.of_type("github:index/branchProtection:BranchProtection") == []
    assert settings.of_type("github:index/branchProtectionV3:BranchProtectionV3") == []


def test_renaming_a_pr_job_renames_its_required_check() -> None:
    workflow = copy.deepcopy(rules.load("pr.yml"))
    workflow["jobs"]["cost"]["name"] = "cost report"
    workflow["jobs"]["preview"]["strategy"]["matrix"]["stack"].append("qa")
    names = github_settings.check_names(workflow)
    assert "cost report" in names and "cost estimate" not in names
    assert "preview (qa)" in names


def test_deploy_environments_admit_main_only_and_prod_waits_for_a_reviewer(settings: Plan) -> None:
    envs = environments(settings)
    assert set(envs) == {"dev", "staging", "prod", "preview-dev", "preview-staging", "preview-prod"}
    policies = {
        p.inputs["environment"]: p.inputs["branchPattern"]
        for p in settings.of_type(
            "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
        )
    }
    assert policies == {"dev": "main", "staging": "main", "prod": "main"}
    for stack in ("dev", "staging", "prod"):
        env = envs[stack].inputs
        assert env["deploymentBranchPolicy"] == {
            "protectedBranches": False,
            "customBranchPolicies": True,
        }
        assert env["canAdminsBypass"] is False
    assert envs["prod"].inputs["reviewers"] == [{"teams": [4242], "users": []}]
    assert envs["prod"].inputs["preventSelfReview"] is True
    assert "reviewers" not in envs["staging"].inputs
    assert "deploymentBranchPolicy" not in envs["preview-prod"].inputs, (
        "pull requests preview there"
    )


def test_each_environment_gets_the_variables_its_jobs_read(settings: Plan) -> None:
    assert variables(settings, "dev") == {
        "AWS_DEPLOY_ROLE_ARN": account("dev")["deployRoleArn"],
        "AWS_REGION": "us-east-1",
        "PULUMI_BACKEND_URL": S3["backendUrl"],
    }
    assert variables(settings, "preview-prod") == {
        "AWS_PREVIEW_ROLE_ARN": account("prod")["previewRoleArn"],
        "AWS_REGION": "us-east-1",
        "PULUMI_ORG": "example-org",
        "PULUMI_TEAM": "comments-readers",
    }
    assert variables(settings, "prod")["PULUMI_TEAM"] == "comments-deployers"
    # Every variable a workflow job reads is declared for the environment that job runs in.
    for name, job_name in (
        ("pr.yml", "preview"),
        ("drift.yml", "drift"),
        ("deploy-environment.yml", "deploy"),
    ):
        read = set(re.findall(r"vars\.([A-Z_]+)", str(rules.load(name)["jobs"][job_name])))
        declared = set(
            variables(
                settings, "preview-staging" if name != "deploy-environment.yml" else "staging"
            )
        )
        declared |= {"PULUMI_ORG", "PULUMI_TEAM", "PULUMI_BACKEND_URL"}  # one backend or the other
        assert read <= declared, (name, read - declared)


def test_workflows_default_to_a_read_only_token(settings: Plan) -> None:
    permissions = settings.one(
        "github:index/workflowRepositoryPermissions:WorkflowRepositoryPermissions"
    )
    assert permissions.inputs["defaultWorkflowPermissions"] == "read"
    assert permissions.inputs["canApprovePullRequestReviews"] is False


def used_actions() -> set[str]:
    """Read independently of the program: every `uses:` of another repository in the workflow
    files' text, without its ref."""
    used = set()
    for path in rules.WORKFLOWS.glob("*.yml"):
        for target in re.findall(r"^[\s-]*uses:\s*([^\s#]+)", path.read_text(), re.MULTILINE):
            if not target.startswith("./"):
                used.add(target.partition("@")[0])
    return used


def test_only_the_actions_the_workflows_use_may_run_each_pinned_to_a_sha(settings: Plan) -> None:
    permissions = settings.one(
        "github:index/actionsRepositoryPermissions:ActionsRepositoryPermissions"
    ).inputs
    assert permissions["enabled"] is True
    assert permissions["allowedActions"] == "selected"
    assert permissions["shaPinningRequired"] is True
    config = permissions["allowedActionsConfig"]
    assert config["githubOwnedAllowed"] is False, "actions/* only as listed"
    assert config["verifiedAllowed"] is False
    patterns = config["patternsAlloweds"]
    assert len(patterns) == len(set(patterns))
    assert {p.removesuffix("@*") for p in patterns} == used_actions()
    assert all(p.endswith("@*") for p in patterns)
    assert {"actions/checkout", "actions/upload-artifact", "pulumi/actions"} <= used_actions()
    assert settings.outputs["allowedActions"] == patterns


def test_a_new_action_in_a_workflow_joins_the_allow_list(tmp_path: Path) -> None:
    (tmp_path / "pr.yml").write_text((rules.WORKFLOWS / "pr.yml").read_text())
    extra = {
        "jobs": {
            "scan": {"steps": [{"uses": "github/codeql-action/init@" + "a" * 40}]},
            "call": {"uses": "example-org/shared/.github/workflows/lint.yml@" + "b" * 40},
            "local": {"uses": "./.github/workflows/deploy-environment.yml"},
        }
    }
    (tmp_path / "extra.yaml").write_text(yaml.safe_dump(extra))
    actions = github_settings.workflow_actions(tmp_path)
    assert {"github/codeql-action/init", "example-org/shared/.github/workflows/lint.yml"} <= set(
        actions
    )
    assert "actions/upload-artifact" in actions
    assert not any(a.startswith(".") for a in actions)
    (tmp_path / "extra.yaml").write_text(
        yaml.safe_dump({"jobs": {"x": {"steps": [{"uses": "docker://alpine:3"}]}}})
    )
    with pytest.raises(ValueError, match=r"extra.yaml: job x step uses 'docker://alpine:3'"):
        github_settings.workflow_actions(tmp_path)


def _subject_keys(settings: Plan) -> list[str]:
    template = settings.one(
        "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate:ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
    ).inputs
    assert template["useDefault"] is False
    keys: list[str] = template["includeClaimKeys"]
    assert {"repository_id", "ref", "job_workflow_ref"} <= set(keys)
    return keys


def _trusted(plan: Plan, role_name: str) -> list[str]:
    (role,) = [r for r in plan.of_type("aws:iam/role:Role") if r.name == role_name]
    statements = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    # The subjects a statement admits (StringNotLike only narrows a StringLike one).
    return [
        value
        for s in statements
        for name, operator in s["Condition"].items()
        if name in ("StringEquals", "StringLike")
        for key, value in operator.items()
        if key == SUB
    ]


def _job_environment(workflow: str, job: str, stack: str) -> str:
    environment = rules.load(workflow)["jobs"][job]["environment"]
    name = environment["name"] if isinstance(environment, dict) else environment
    return (
        str(name).replace("${{ matrix.stack }}", stack).replace("${{ inputs.environment }}", stack)
    )


@pytest.mark.parametrize("form", FORMS)
def test_the_subject_the_template_yields_is_what_the_roles_trust(
    settings: Plan, tmp_path: Path, form: str
) -> None:
    """Claims as GitHub fills them for each job, from the workflow files; subjects rendered with
    the template this program sets; trust from the AWS bootstrap planned for the same repository.
    With immutable subject claims GitHub fills `repo` with both ids (`OWNER@OWNER_ID/REPO@REPO_ID`),
    whatever the template; the other claims stay."""
    keys = _subject_keys(settings)
    aws = plan_bootstrap(tmp_path, form=form)
    deploy = rules.load("deploy.yml")
    assert deploy["jobs"]["prod"]["uses"] == "./.github/workflows/deploy-environment.yml"
    assert rules.triggers(deploy)["push"] == {"branches": ["main"]}
    workflows = f"{REPOSITORY}/.github/workflows"

    def subject(workflow: str, job: str, ref: str, stack: str, run_ref: str = "") -> str:
        claims = {  # deploy.yml calls deploy-environment.yml at the caller's own commit
            "repo": (
                f"{OWNER}@{OWNER_ID}/{NAME}@{REPOSITORY_ID}" if form == "immutable" else REPOSITORY
            ),
            "repository_id": REPOSITORY_ID,
            "context": f"environment:{_job_environment(workflow, job, stack)}",
            "ref": run_ref or ref,
            "job_workflow_ref": f"{workflows}/{workflow}@{ref}",
        }
        return github_settings.render_subject(keys, claims)

    for stack in ("dev", "staging", "prod"):
        deploy_sub = subject("deploy-environment.yml", "deploy", "refs/heads/main", stack)
        assert _trusted(aws, f"comments-deploy-{stack}") == [deploy_sub]
        preview_trust = _trusted(aws, f"comments-preview-{stack}")
        pr_sub = subject("pr.yml", "preview", "refs/pull/17/merge", stack)
        drift_sub = subject("drift.yml", "drift", "refs/heads/main", stack)
        verify_sub = subject("verify.yml", "verify", "refs/heads/main", stack)
        assert [fnmatch.fnmatchcase(pr_sub, p) for p in preview_trust] == [True, False, False]
        assert preview_trust[1:] == [drift_sub, verify_sub]
        # What the trust is for: none of these tokens opens another role.
        pr_in_deploy_env = subject("pr.yml", "preview", "refs/pull/17/merge", stack).replace(
            f"preview-{stack}", stack
        )
        branch_deploy = subject("deploy-environment.yml", "deploy", "refs/heads/feature", stack)
        # A workflow on a branch calling `<repo>/.github/workflows/deploy-environment.yml@main`:
        # only the run's `ref` claim tells its token from main's.
        branch_calls_main = subject(
            "deploy-environment.yml", "deploy", "refs/heads/main", stack, "refs/heads/feature"
        )
        assert branch_calls_main != deploy_sub
        for other in (pr_in_deploy_env, branch_deploy, branch_calls_main, drift_sub, pr_sub):
            assert other not in _trusted(aws, f"comments-deploy-{stack}")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"environments": {"dev": account("dev", **S3)}}, "must be exactly the stacks"),
        ({"reviewerTeams": []}, "need reviewers"),
        ({"repository": f"{OWNER}/{NAME}"}, "the name only"),
        (
            {
                "environments": {
                    "dev": account("dev"),
                    "staging": account("staging", **S3),
                    "prod": account("prod", **S3),
                }
            },
            "Pulumi Cloud backend needs ['pulumiOrg', 'deployTeam', 'previewTeam']",
        ),
        (
            {
                "environments": {
                    "dev": {**account("dev", **S3), "region": "x"},
                    "staging": account("staging", **S3),
                    "prod": account("prod", **S3),
                }
            },
            "environments.dev: unknown keys ['region']",
        ),
    ],
)
def test_bad_settings_are_one_clear_error(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message.replace("[", r"\[")):
        plan_settings(tmp_path, **config)


# --- code owners ---------------------------------------------------------------------------


def test_the_committed_codeowners_names_the_documented_team_for_every_platform_path() -> None:
    text = github_settings.CODEOWNERS.read_text(encoding="utf-8")
    assert github_settings.codeowners_problems(text, DOCUMENTED_OWNERS) == []
    assert github_settings.codeowners_problems(text, "@my-org/someone-else") != []
    assert set(github_settings.CODE_OWNED_PATHS) >= {
        "/policy/",
        "/environments/",
        "/bootstrap/",
        "/.github/",
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(
            lambda text: text.replace(f"/policy/ {OWNERS}\n", ""),
            "/policy/ has no line of its own",
            id="a path left out",
        ),
        pytest.param(
            lambda text: text + "/policy/config/ @example-org/app-team\n",
            "/policy/: the line '/policy/config/ @example-org/app-team' may match files under it",
            id="a narrower line after it",
        ),
        pytest.param(
            lambda text: text + "*.json @example-org/app-team\n",
            "/policy/: the line '*.json @example-org/app-team'",
            id="an unanchored pattern after it",
        ),
        pytest.param(
            lambda text: text + "config/ @example-org/app-team\n",
            "/environments/: the line 'config/ @example-org/app-team'",
            id="a directory name at any depth",
        ),
        pytest.param(
            lambda text: text + "/bootstrap/ @example-org/platform-owners @example-org/app-team\n",
            "does not name exactly @example-org/platform-owners",
            id="a second owner, any of whom may approve",
        ),
        pytest.param(
            lambda text: text + "/.github/workflows/pr.yml\n",
            "/.github/: the line '/.github/workflows/pr.yml '",
            id="a line with no owner, which removes them",
        ),
        pytest.param(lambda text: "", "/policy/ has no line of its own", id="no CODEOWNERS"),
    ],
)
def test_a_codeowners_that_leaves_a_platform_path_to_others_is_refused(
    tmp_path: Path, edit: Any, message: str
) -> None:
    with pytest.raises(Exception, match=re.escape(message)):
        plan_settings(tmp_path, codeowners=edit(committed_codeowners()))


def test_lines_for_other_paths_may_name_other_owners(tmp_path: Path) -> None:
    text = committed_codeowners() + "/docs/ @example-org/writers\n/widget/*.js @example-org/web\n"
    assert github_settings.codeowners_problems(text, OWNERS) == []
    plan_settings(tmp_path, codeowners=text)


def test_the_team_comes_from_config_and_the_organization_from_github_owner(
    tmp_path: Path,
) -> None:
    with pytest.raises(Exception, match=re.escape("does not make @example-org/owners the code")):
        plan_settings(tmp_path, platformOwnersTeam="owners")
    plan = plan_settings(
        tmp_path,
        codeowners=committed_codeowners("@example-org/owners"),
        platformOwnersTeam="owners",
    )
    assert plan.outputs["platformOwners"] == "@example-org/owners"
