"""The workflows have the jobs, order, gates, permissions and concurrency the pipeline needs.

Each rule lives in pipeline_rules and is checked twice: the real files pass it, and a copy
broken the way a careless edit would break it fails it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from tests.workflows import pipeline_rules as rules

WORKFLOW_FILES = sorted(p.name for p in rules.WORKFLOWS.glob("*.yml"))


@pytest.fixture(scope="module")
def pr() -> rules.Workflow:
    return rules.load("pr.yml")


@pytest.fixture(scope="module")
def deploy() -> rules.Workflow:
    return rules.load("deploy.yml")


@pytest.fixture(scope="module")
def called() -> rules.Workflow:
    return rules.load("deploy-environment.yml")


def test_the_three_workflows_exist() -> None:
    assert {"pr.yml", "deploy.yml", "deploy-environment.yml"} <= set(WORKFLOW_FILES)


# --- hardening, every workflow -------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_workflow_is_hardened(name: str) -> None:
    text = (rules.WORKFLOWS / name).read_text()
    assert rules.hardening_violations(name, rules.load(name), text) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda w: w.update(permissions={"contents": "read"}), "top-level permissions"),
        (lambda w: w["on"].update(pull_request_target={}), "pull_request_target"),
        (lambda w: w["jobs"]["test"].pop("timeout-minutes"), "no timeout-minutes"),
        (lambda w: w["jobs"]["test"].pop("permissions"), "does not state its permissions"),
        (
            lambda w: w["jobs"]["test"]["steps"].append(
                {"run": "echo ${{ github.event.pull_request.title }}"}
            ),
            "expression inside run:",
        ),
        (
            lambda w: w["jobs"]["test"]["steps"][0]["with"].pop("persist-credentials"),
            "persisted credentials",
        ),
    ],
)
def test_hardening_rules_catch_their_violation(
    pr: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(pr)
    mutation(broken)
    text = (rules.WORKFLOWS / "pr.yml").read_text()
    assert any(expected in v for v in rules.hardening_violations("pr.yml", broken, text))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("      - uses: actions/checkout@v7", "not pinned"),
        ("      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "no '# vX"),
    ],
)
def test_pinning_rule_catches_tags_and_missing_version_comments(
    pr: rules.Workflow, line: str, expected: str
) -> None:
    assert any(expected in v for v in rules.hardening_violations("pr.yml", pr, line))


def test_pulumi_cli_matches_the_sdk_pin() -> None:
    """The CLI the workflows install is the version requirements.txt pins for the SDK."""
    pins = (rules.ROOT / "requirements.txt").read_text()
    sdk = re.search(r"^pulumi==(\S+)$", pins, re.MULTILINE)
    assert sdk, "requirements.txt pins no pulumi version"
    for name in ("pr.yml", "deploy-environment.yml"):
        assert rules.load(name)["env"]["PULUMI_VERSION"] == sdk.group(1), name


# --- pull requests -------------------------------------------------------------------------


def test_pr_runs_on_pull_request_only(pr: rules.Workflow) -> None:
    assert set(rules.triggers(pr)) == {"pull_request"}


def test_pr_runs_make_test(pr: rules.Workflow) -> None:
    assert any(s.get("run", "").strip() == "make test" for s in rules.steps(pr["jobs"]["test"]))


def test_pr_puts_the_cost_table_in_the_summary(pr: rules.Workflow) -> None:
    runs = " ".join(str(s.get("run", "")) for s in rules.steps(pr["jobs"]["cost"]))
    assert 'make -s cost >> "$GITHUB_STEP_SUMMARY"' in runs  # -s: no make command lines


def test_pr_previews_every_environment_with_policy(pr: rules.Workflow) -> None:
    job = pr["jobs"]["preview"]
    stacks = [entry["stack"] for entry in job["strategy"]["matrix"]["include"]]
    assert stacks == list(rules.PROMOTION)
    assert job["strategy"]["fail-fast"] is False
    (preview,) = rules.action_steps(job, "pulumi/actions")
    assert preview["with"]["command"] == "preview"
    assert preview["with"]["policyPacks"] == "policy"
    assert preview["with"]["policyPackConfigs"] == "policy/config/${{ matrix.stack }}.json"
    assert preview["with"]["comment-on-pr"] is True
    (creds,) = rules.action_steps(job, "aws-actions/configure-aws-credentials")
    assert creds["with"]["role-to-assume"] == "${{ matrix.role-arn }}"
    for entry in job["strategy"]["matrix"]["include"]:
        assert entry["role-arn"] == f"${{{{ vars.{entry['role-variable']} }}}}"
    steps = rules.steps(job)
    assert steps.index(creds) < steps.index(preview)


def test_pr_previews_skip_forks_and_dependabot_with_a_summary_line(pr: rules.Workflow) -> None:
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    human = "github.event.pull_request.user.login != 'dependabot[bot]'"
    dependabot = "github.event.pull_request.user.login == 'dependabot[bot]'"
    assert pr["jobs"]["preview"]["if"] == f"{same_repo} && {human}"
    notice = pr["jobs"]["fork-notice"]
    assert notice["if"] == f"{fork} || {dependabot}"
    assert any("GITHUB_STEP_SUMMARY" in str(s.get("run", "")) for s in rules.steps(notice))


def test_pr_only_previews_get_an_oidc_token(pr: rules.Workflow) -> None:
    assert rules.id_token_jobs(pr) == {"preview"}
    assert pr["jobs"]["preview"]["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "pull-requests": "write",
    }


def test_pr_real_engine_job_needs_no_aws(pr: rules.Workflow) -> None:
    job = pr["jobs"]["local-engine"]
    assert "if" not in job, "the real-engine job must run for forks too"
    assert "secrets." not in str(job)
    assert "vars." not in str(job)
    (install,) = rules.action_steps(job, "pulumi/actions")
    assert "command" not in install["with"], "pulumi/actions only installs the CLI here"
    assert any("tooling/local_engine.sh" in str(s.get("run", "")) for s in rules.steps(job))


def test_local_engine_script_deploys_with_policy_then_smoke_tests() -> None:
    script = (rules.ROOT / "tooling" / "local_engine.sh").read_text()
    order = [
        "-m emulator up --moto-only",
        "pulumi up --stack local --yes",
        "--policy-pack policy --policy-pack-config policy/config/local.json",
        "pulumi stack export --stack local",
        "-m emulator gateway-from-state",
        "make smoke ENV=local",
    ]
    positions = [script.index(fragment) for fragment in order]
    assert positions == sorted(positions)


# --- deploys -------------------------------------------------------------------------------


def test_deploy_triggers(deploy: rules.Workflow) -> None:
    on = rules.triggers(deploy)
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"]}
    dispatch = on["workflow_dispatch"]["inputs"]
    assert dispatch["environment"]["options"] == list(rules.PROMOTION)
    assert dispatch["environment"]["required"] is True


def test_promotion_order_and_smoke_gates(deploy: rules.Workflow, called: rules.Workflow) -> None:
    assert rules.promotion_violations(deploy, called) == []


def _drop_needs(w: rules.Workflow, job: str) -> None:
    w["jobs"][job].pop("needs")


@pytest.mark.parametrize(
    ("target", "mutation", "expected"),
    [
        ("caller", lambda w: _drop_needs(w, "staging"), "'staging' does not need 'dev'"),
        ("caller", lambda w: w["jobs"]["prod"].update(needs="dev"), "'prod' does not need"),
        (
            "caller",
            lambda w: w["jobs"]["prod"].update({"if": "${{ always() }}"}),
            "whatever its predecessor",
        ),
        ("caller", lambda w: w["jobs"]["staging"]["with"].update(environment="prod"), "pass"),
        ("called", lambda w: _drop_needs(w, "smoke"), "'smoke' does not need 'deploy'"),
        (
            "called",
            lambda w: w["jobs"]["smoke"].update({"continue-on-error": True}),
            "continue-on-error",
        ),
        ("called", lambda w: w["jobs"].pop("smoke"), "needs jobs 'deploy' and 'smoke'"),
        (
            "called",
            lambda w: w["jobs"]["smoke"]["steps"][-1].update({"continue-on-error": True}),
            "continue-on-error",
        ),
    ],
)
def test_a_deploy_not_gated_on_the_previous_smoke_test_fails(
    deploy: rules.Workflow, called: rules.Workflow, target: str, mutation: Any, expected: str
) -> None:
    caller, callee = copy.deepcopy(deploy), copy.deepcopy(called)
    mutation(caller if target == "caller" else callee)
    violations = rules.promotion_violations(caller, callee)
    assert any(expected in v for v in violations), violations


def test_push_deploys_every_environment_and_dispatch_one(deploy: rules.Workflow) -> None:
    jobs = deploy["jobs"]
    for env in rules.PROMOTION:
        assert jobs[env]["if"] == "github.event_name == 'push'"
    redeploy = jobs["redeploy"]
    assert redeploy["if"] == "github.event_name == 'workflow_dispatch'"
    assert redeploy["uses"] == rules.REUSABLE
    assert redeploy["with"] == {
        "environment": "${{ inputs.environment }}",
        "ref": "${{ inputs.ref }}",
    }


def test_one_deploy_per_stack_never_cancelled(deploy: rules.Workflow) -> None:
    assert rules.concurrency_violations(deploy) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda w: w["jobs"]["dev"].pop("concurrency"), "no concurrency group"),
        (
            lambda w: w["jobs"]["prod"]["concurrency"].update({"cancel-in-progress": True}),
            "may cancel",
        ),
        (lambda w: w["jobs"]["staging"]["concurrency"].update(group="deploy"), "not 'deploy-"),
        (
            lambda w: w["jobs"]["redeploy"]["concurrency"].update(group="redeploy"),
            "not per stack",
        ),
    ],
)
def test_concurrency_rule_catches_its_violation(
    deploy: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(deploy)
    mutation(broken)
    assert any(expected in v for v in rules.concurrency_violations(broken))


def test_deploy_calls_pass_oidc_and_backend_secrets(deploy: rules.Workflow) -> None:
    for name, job in deploy["jobs"].items():
        assert job["permissions"] == {"contents": "read", "id-token": "write"}, name
        assert set(job["secrets"]) == {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}, name
        assert job["secrets"] != "inherit", name


def test_called_workflow_is_reusable(called: rules.Workflow) -> None:
    call = rules.triggers(called)["workflow_call"]
    assert set(rules.triggers(called)) == {"workflow_call"}
    assert call["inputs"]["environment"]["required"] is True
    assert call["outputs"]["url"]["value"] == "${{ jobs.deploy.outputs.url }}"


def test_deploy_job_uses_the_environment_its_role_and_the_policy_pack(
    called: rules.Workflow,
) -> None:
    job = called["jobs"]["deploy"]
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    (creds,) = rules.action_steps(job, "aws-actions/configure-aws-credentials")
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    (up,) = rules.action_steps(job, "pulumi/actions")
    assert up["id"] == "up"
    assert up["with"]["command"] == "up"
    assert up["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert up["with"]["policyPacks"] == "policy"
    assert up["with"]["policyPackConfigs"] == "policy/config/${{ inputs.environment }}.json"
    assert job["outputs"]["url"] == "${{ steps.up.outputs.url }}"
    steps = rules.steps(job)
    assert steps.index(creds) < steps.index(up)


def test_smoke_job_tests_the_url_output_without_credentials(called: rules.Workflow) -> None:
    job = called["jobs"]["smoke"]
    assert rules.id_token_jobs(called) == {"deploy"}
    assert job["permissions"] == {"contents": "read"}
    assert "secrets." not in str(job)
    (smoke,) = [s for s in rules.steps(job) if "make smoke" in str(s.get("run", ""))]
    assert smoke["env"]["SMOKE_BASE_URL"] == "${{ needs.deploy.outputs.url }}"
    (checkout,) = rules.action_steps(job, "actions/checkout")
    assert checkout["with"]["ref"] == "${{ needs.deploy.outputs.commit }}"


def test_only_commits_on_main_are_deployed(called: rules.Workflow) -> None:
    runs = " ".join(str(s.get("run", "")) for s in rules.steps(called["jobs"]["deploy"]))
    assert "git merge-base --is-ancestor HEAD origin/main" in runs


# --- dependency updates and documentation --------------------------------------------------


def test_dependabot_updates_actions_pip_and_npm() -> None:
    with (rules.ROOT / ".github" / "dependabot.yml").open() as handle:
        config = yaml.safe_load(handle)
    ecosystems = {u["package-ecosystem"] for u in config["updates"]}
    assert {"github-actions", "pip", "npm"} <= ecosystems


def _read_names(kind: str) -> set[str]:
    names: set[str] = set()
    for path in rules.WORKFLOWS.glob("*.yml"):
        names |= set(re.findall(rf"\b{kind}\.([A-Z][A-Z0-9_]*)", path.read_text()))
    return names


def test_every_variable_and_secret_the_workflows_read_is_documented() -> None:
    readme = (rules.ROOT / "README.md").read_text() if (rules.ROOT / "README.md").exists() else ""
    missing = sorted(n for n in _read_names("vars") | _read_names("secrets") if n not in readme)
    assert missing == [], f"README.md does not document {missing}"


def test_backend_secrets_reach_only_the_pulumi_steps(
    pr: rules.Workflow, called: rules.Workflow
) -> None:
    for workflow in (pr, called):
        for name, job in workflow["jobs"].items():
            assert "secrets." not in str(job.get("env", {})), (
                f"job {name} exposes secrets to every step"
            )
            for step in rules.steps(job):
                if "secrets." in str(step.get("env", {})):
                    assert str(step.get("uses", "")).startswith("pulumi/actions@"), (name, step)
