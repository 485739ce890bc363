"""The workflows have the jobs, order, gates, permissions and concurrency the pipeline needs.

Each rule lives in pipeline_rules and is checked twice: the real files pass it, and a copy
broken the way a careless edit would break it fails it.
"""

from __future__ import annotations

import copy
import fnmatch
import os
import re
import subprocess
from pathlib import Path
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


@pytest.fixture(scope="module")
def drift() -> rules.Workflow:
    return rules.load("drift.yml")


def test_the_workflows_exist() -> None:
    assert {"pr.yml", "deploy.yml", "deploy-environment.yml", "drift.yml"} <= set(WORKFLOW_FILES)


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


def test_pulumi_cli_version_lives_in_one_file() -> None:
    """Every pulumi/actions step installs the CLI named in .pulumi.version, and nothing else.

    pulumi/actions v7.0.0 (src/config.ts at 8e5e406f) reads `pulumi-version-file` relative to
    the workspace and refuses a step that also sets `pulumi-version`.
    """
    version = (rules.ROOT / ".pulumi.version").read_text().strip()
    assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", version), version
    steps = 0
    for path in sorted((rules.ROOT / ".github" / "workflows").glob("*.yml")):
        for job in (rules.load(path.name).get("jobs") or {}).values():
            for step in job.get("steps") or []:
                if str(step.get("uses", "")).startswith("pulumi/actions@"):
                    steps += 1
                    assert step["with"].get("pulumi-version-file") == ".pulumi.version", path.name
                    assert "pulumi-version" not in step["with"], path.name
    assert steps >= 5
    assert "PULUMI_VERSION" not in "".join(
        p.read_text() for p in (rules.ROOT / ".github" / "workflows").glob("*.yml")
    )


def test_pulumi_cli_matches_the_sdk_pin() -> None:
    """The CLI version is the one the pinned SDK was released with (its pulumi== pin)."""
    version = (rules.ROOT / ".pulumi.version").read_text().strip()
    pins = "".join(p.read_text() for p in rules.ROOT.glob("requirements*.txt"))
    pins += "".join(p.read_text() for p in rules.ROOT.glob("requirements/*.txt"))
    sdk = re.search(r"^pulumi==(\S+)$", pins, re.MULTILINE)
    assert sdk, "no requirements file pins a pulumi version"
    assert version == sdk.group(1)


# --- pull requests -------------------------------------------------------------------------


def test_pr_runs_on_pull_request_only(pr: rules.Workflow) -> None:
    assert set(rules.triggers(pr)) == {"pull_request"}


def test_pr_installs_the_system_packages_then_runs_make_test(pr: rules.Workflow) -> None:
    runs = [str(s.get("run", "")).strip() for s in rules.steps(pr["jobs"]["test"])]
    assert runs.index(".ci/install-system-packages") < runs.index("make test")
    assert not any("chromium" in run for run in runs), (
        "the runner's Chrome serves the browser tests"
    )


def test_pr_puts_the_cost_table_in_the_summary(pr: rules.Workflow) -> None:
    runs = " ".join(str(s.get("run", "")) for s in rules.steps(pr["jobs"]["cost"]))
    assert 'make -s cost >> "$GITHUB_STEP_SUMMARY"' in runs  # -s: no make command lines


def test_pr_previews_every_environment_with_policy_and_diff(pr: rules.Workflow) -> None:
    job = pr["jobs"]["preview"]
    assert job["strategy"]["matrix"]["stack"] == list(rules.PROMOTION)
    assert job["strategy"]["fail-fast"] is False
    (preview,) = [s for s in rules.steps(job) if s.get("id") == "preview"]
    command = " ".join(str(preview["run"]).split())
    assert 'pulumi preview --stack "$STACK_NAME" --diff' in command
    assert (
        '--policy-pack base/policy --policy-pack-config "base/policy/config/$STACK.json"' in command
    )
    assert '--policy-pack policy --policy-pack-config "policy/config/$STACK.json"' in command
    assert preview["env"]["STACK"] == "${{ matrix.stack }}"
    steps = rules.steps(job)
    (creds,) = rules.action_steps(job, "aws-actions/configure-aws-credentials")
    assert steps.index(creds) < steps.index(preview)


@pytest.mark.parametrize(
    ("name", "job_name", "role"),
    [
        ("pr.yml", "preview", "AWS_PREVIEW_ROLE_ARN"),
        ("deploy-environment.yml", "deploy", "AWS_DEPLOY_ROLE_ARN"),
        ("drift.yml", "drift", "AWS_PREVIEW_ROLE_ARN"),
    ],
)
def test_role_region_and_backend_come_from_the_jobs_environment(
    name: str, job_name: str, role: str
) -> None:
    job = rules.load(name)["jobs"][job_name]
    assert rules.environment_violations(name, job_name, job, role) == []


def _index(job: dict[str, Any], kind: str) -> int:
    """The preview job's variable check ("check") or AWS credentials step ("creds")."""
    (index,) = [
        i
        for i, s in enumerate(job["steps"])
        if (kind == "check" and "check_environment.py" in str(s.get("run", "")))
        or (kind == "creds" and "configure-aws-credentials" in str(s.get("uses", "")))
    ]
    return index


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda j: j.pop("environment"), "does not run in its stack's GitHub environment"),
        (lambda j: j.update(environment="preview-dev"), "its stack's GitHub environment"),
        (
            lambda j: j["steps"][_index(j, "check")]["env"].update(
                AWS_REGION="${{ vars.AWS_REGION_DEV }}"
            ),
            "checks AWS_REGION from",
        ),
        (lambda j: j["steps"].insert(0, j["steps"].pop(_index(j, "creds"))), "after a cloud step"),
        (
            lambda j: j["steps"][_index(j, "creds")]["with"].update(
                {"aws-region": "${{ vars.AWS_REGION_PROD }}"}
            ),
            "reads vars.AWS_REGION_PROD",
        ),
    ],
)
def test_environment_rule_catches_its_violation(
    pr: rules.Workflow, mutation: Any, expected: str
) -> None:
    job = copy.deepcopy(pr["jobs"]["preview"])
    mutation(job)
    violations = rules.environment_violations("pr.yml", "preview", job, "AWS_PREVIEW_ROLE_ARN")
    assert any(expected in v for v in violations), violations


def _gate_script(pr: rules.Workflow) -> dict[str, Any]:
    (gate,) = [
        s for s in rules.steps(pr["jobs"]["preview"]) if "HEAD_REPOSITORY" in s.get("env", {})
    ]
    return gate


@pytest.mark.parametrize(
    ("head", "actor", "passes"),
    [
        ("example-org/comments", "ada", True),
        ("someone/comments-fork", "someone", False),
        ("example-org/comments", "dependabot[bot]", False),
    ],
)
def test_forks_and_dependabot_fail_the_required_preview_check(
    pr: rules.Workflow, head: str, actor: str, passes: bool
) -> None:
    """No job-level `if`: a skipped job would count as a passed required check."""
    job = pr["jobs"]["preview"]
    assert "if" not in job
    gate = _gate_script(pr)
    assert rules.steps(job).index(gate) == 0
    env = {
        "PATH": os.environ["PATH"],
        "HEAD_REPOSITORY": head,
        "REPOSITORY": "example-org/comments",
        "ACTOR": actor,
        "STACK": "prod",
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", gate["run"]], env=env, capture_output=True, text=True, check=False
    )
    assert (proc.returncode == 0) is passes, proc.stdout
    if not passes:
        (line,) = proc.stdout.splitlines()
        assert line.startswith("::error::No preview of prod")
        assert "Pull requests GitHub gives no token" in line


def test_pr_only_previews_get_an_oidc_token(pr: rules.Workflow) -> None:
    assert rules.id_token_jobs(pr) == {"preview"}
    assert pr["jobs"]["preview"]["permissions"] == {"contents": "read", "id-token": "write"}


def test_no_job_that_runs_pull_request_code_holds_a_write_permission(pr: rules.Workflow) -> None:
    assert rules.pr_code_violations("pr.yml", pr) == []
    writers = {name for name, job in pr["jobs"].items() if rules.write_permissions(job)}
    assert writers == {"preview-comment"}
    assert pr["jobs"]["preview-comment"]["permissions"] == {
        "contents": "read",
        "pull-requests": "write",
    }


def _comment_step(workflow: rules.Workflow) -> dict[str, Any]:
    (step,) = [
        s
        for s in rules.steps(workflow["jobs"]["preview-comment"])
        if "preview_comment.py" in str(s.get("run", ""))
    ]
    return step


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda w: w["jobs"]["preview"]["permissions"].update({"pull-requests": "write"}),
            "job 'preview' holds ['pull-requests'] and checks out the pull request's code",
        ),
        (
            lambda w: w["jobs"]["cost"].update(permissions="write-all"),
            "job 'cost' holds ['(all)']",
        ),
        (
            lambda w: w["jobs"]["preview-comment"]["steps"][0]["with"].pop("ref"),
            "'preview-comment' holds ['pull-requests'] and checks out the pull request's code",
        ),
        (
            lambda w: w["jobs"]["preview-comment"]["steps"][0]["with"].update(
                ref="${{ github.head_ref }}"
            ),
            "checks out the pull request's code",
        ),
        (
            lambda w: w["jobs"]["preview-comment"]["steps"][1]["with"].update(path="previews"),
            "downloads artifacts into its checkout",
        ),
        (
            lambda w: w["jobs"]["preview-comment"]["steps"].insert(2, {"run": "make venv"}),
            "runs 'make venv', not a base-branch script",
        ),
        (
            lambda w: _comment_step(w).update(run="bash $RUNNER_TEMP/previews/dev.log"),
            "not a base-branch script",
        ),
        (
            lambda w: _comment_step(w).update(
                run=_comment_step(w)["run"] + ' && sh "$RUNNER_TEMP/previews/x"'
            ),
            "not a base-branch script",
        ),
        (
            lambda w: w["jobs"]["preview-comment"]["steps"].insert(
                0, {"uses": "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97"}
            ),
            "runs the action actions/setup-python",
        ),
    ],
)
def test_the_pr_code_rule_catches_a_writer_running_pull_request_code(
    pr: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(pr)
    mutation(broken)
    violations = rules.pr_code_violations("pr.yml", broken)
    assert any(expected in v for v in violations), violations


def test_the_comment_job_posts_every_preview_from_the_base_branch(pr: rules.Workflow) -> None:
    """It waits for the previews, runs when one failed (not when the run was cancelled), skips
    runs whose token GitHub makes read-only, checks out the base branch and comments on every
    stack the preview job's matrix holds."""
    preview, job = pr["jobs"]["preview"], pr["jobs"]["preview-comment"]
    assert rules.needs(job) == ["preview"]
    condition = str(job["if"])
    assert "!cancelled()" in condition and "always()" not in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.actor != 'dependabot[bot]'" in condition
    (checkout,) = rules.action_steps(job, "actions/checkout")
    assert checkout["with"]["ref"] in rules.BASE_REFS
    (download,) = rules.action_steps(job, "actions/download-artifact")
    assert download["with"]["pattern"] == "preview-*"
    previews = download["with"]["path"]
    argv = _comment_step(pr)["run"].split()
    assert argv[:2] == ["python3", ".github/scripts/preview_comment.py"]
    assert argv[2:4] == ["--previews", '"$RUNNER_TEMP/previews"']
    assert previews == "${{ runner.temp }}/previews"
    assert argv[4:] == preview["strategy"]["matrix"]["stack"]
    # Each preview keeps exactly its log and exit code under the names the script reads.
    (upload,) = rules.action_steps(preview, "actions/upload-artifact")
    assert upload["with"]["name"] == "preview-${{ matrix.stack }}"
    assert upload["with"]["path"].splitlines() == [
        "${{ runner.temp }}/preview/${{ matrix.stack }}.log",
        "${{ runner.temp }}/preview/${{ matrix.stack }}.exit-code",
    ]
    assert "!cancelled()" in str(upload["if"])


def test_a_failed_preview_still_fails_its_required_check(pr: rules.Workflow) -> None:
    """The comment job reports; the preview job's own last step fails the check."""
    job_steps = rules.steps(pr["jobs"]["preview"])
    last = job_steps[-1]
    assert "if" not in last
    env = {"PATH": os.environ["PATH"], "STACK": "prod"}
    for exit_code, passes in (("0", True), ("255", False), ("", False)):
        proc = subprocess.run(
            ["bash", "-e", "-c", last["run"]],
            env={**env, "EXIT_CODE": exit_code},
            capture_output=True,
            text=True,
            check=False,
        )
        assert (proc.returncode == 0) is passes, (exit_code, proc.stdout)
    assert last["env"]["EXIT_CODE"] == "${{ steps.preview.outputs.exit-code }}"


# --- the base branch's pack and config judge every preview ---------------------------------


def test_previews_install_the_base_pack_before_any_pull_request_code(pr: rules.Workflow) -> None:
    job = pr["jobs"]["preview"]
    assert rules.base_pack_violations("pr.yml", job) == []
    (base,) = [s for s in rules.action_steps(job, "actions/checkout") if "path" in s["with"]]
    assert base["with"]["persist-credentials"] is False
    # Pinned like every other checkout of the workflow.
    assert {s["uses"] for s in rules.action_steps(job, "actions/checkout")} == {
        s["uses"] for s in rules.action_steps(pr["jobs"]["test"], "actions/checkout")
    }


def _base_checkout(job: dict[str, Any]) -> dict[str, Any]:
    (step,) = [s for s in rules.steps(job) if s.get("with", {}).get("path") == "base"]
    return step


def _step_running(job: dict[str, Any], command: str) -> int:
    (index,) = [i for i, s in enumerate(job["steps"]) if str(s.get("run", "")).strip() == command]
    return index


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda j: _base_checkout(j)["with"].pop("ref"), "checked out at None"),
        (
            lambda j: _base_checkout(j)["with"].update(ref="${{ github.head_ref }}"),
            "checked out at '${{ github.head_ref }}'",
        ),
        (lambda j: _base_checkout(j)["with"].update(path="main"), "no single checkout"),
        (
            lambda j: _base_checkout(j)["with"].update({"sparse-checkout": "requirements"}),
            "lacks policy/",
        ),
        (
            lambda j: j["steps"].insert(
                _step_running(j, "make -C base venv-runtime"),
                j["steps"].pop(_step_running(j, "make venv")),
            ),
            "before the pull request's make venv",
        ),
    ],
)
def test_the_base_pack_rule_catches_its_violation(
    pr: rules.Workflow, mutation: Any, expected: str
) -> None:
    job = copy.deepcopy(pr["jobs"]["preview"])
    mutation(job)
    violations = rules.base_pack_violations("pr.yml", job)
    assert any(expected in v for v in violations), violations


FAKE_PULUMI = """#!/usr/bin/env bash
echo "$*" >> "$CALLS"
case "$1" in login) exit 0 ;; esac
case "$*" in *"--policy-pack base/policy "*) exit "$BASE_EXIT" ;; *) exit "$OWN_EXIT" ;; esac
"""


def _pack(root: Path, config: str = '{"all": "mandatory"}') -> None:
    (root / "comments_policy").mkdir(parents=True)
    (root / "config").mkdir()
    (root / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (root / "comments_policy" / "pack.py").write_text("POLICIES = []\n")
    (root / "config" / "prod.json").write_text(config)


def run_preview(
    pr: rules.Workflow,
    tmp_path: Path,
    edit: Any = None,
    base_exit: int = 0,
    own_exit: int = 0,
) -> tuple[list[str], str, str]:
    """The preview step's script in a workspace holding base/policy and the pull request's
    policy/ (changed by `edit`), with a `pulumi` that records its arguments and exits with
    base_exit for the base pack and own_exit otherwise: its calls, exit-code file and log."""
    (step,) = [s for s in rules.steps(pr["jobs"]["preview"]) if s.get("id") == "preview"]
    workspace, temp, bin_dir = tmp_path / "work", tmp_path / "temp", tmp_path / "bin"
    for directory in (temp, bin_dir):
        directory.mkdir(parents=True)
    _pack(workspace / "base" / "policy")
    _pack(workspace / "policy")
    if edit is not None:
        edit(workspace)
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_PULUMI)
    fake.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls"),
        "BASE_EXIT": str(base_exit),
        "OWN_EXIT": str(own_exit),
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "STACK": "prod",
        "STACK_NAME": "prod",
        "CLOUD_URL": "s3://state",
    }
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr  # the step itself passes; the last step fails
    calls = [
        c.replace(str(temp), "$RUNNER_TEMP") for c in (tmp_path / "calls").read_text().splitlines()
    ]
    assert calls[0] == "login s3://state"
    exit_code = (temp / "preview" / "prod.exit-code").read_text().strip()
    assert (tmp_path / "output").read_text() == f"exit-code={exit_code}\n"
    return calls[1:], exit_code, (temp / "preview" / "prod.log").read_text()


BASE_PREVIEW = (
    "preview --stack prod --diff --non-interactive --color never"
    " --policy-pack base/policy --policy-pack-config base/policy/config/prod.json"
    # what tooling/plan_check.py reads (tests/workflows/test_plan_check_steps.py)
    " --save-plan $RUNNER_TEMP/preview/prod.plan.json"
    " --event-log $RUNNER_TEMP/preview/prod.events.jsonl"
)
OWN_PREVIEW = (
    "preview --stack prod --diff --non-interactive --color never"
    " --policy-pack policy --policy-pack-config policy/config/prod.json"
)


def _loosen_config(workspace: Path) -> None:
    (workspace / "policy" / "config" / "prod.json").write_text('{"all": "advisory"}')


def _edit_rule(workspace: Path) -> None:
    (workspace / "policy" / "comments_policy" / "pack.py").write_text("POLICIES = None\n")


def _bytecode_only(workspace: Path) -> None:
    cache = workspace / "base" / "policy" / "comments_policy" / "__pycache__"
    cache.mkdir()
    (cache / "pack.cpython-311.pyc").write_bytes(b"\0")


@pytest.mark.parametrize("edit", [None, _bytecode_only], ids=["unchanged", "bytecode only"])
def test_a_pull_request_that_leaves_policy_alone_is_judged_by_the_base_pack_only(
    pr: rules.Workflow, tmp_path: Path, edit: Any
) -> None:
    calls, exit_code, log = run_preview(pr, tmp_path, edit, own_exit=255)
    assert calls == [BASE_PREVIEW]
    assert exit_code == "0"
    assert "base branch's pack" in log
    calls, exit_code, _ = run_preview(pr, tmp_path / "refused", edit, base_exit=255)
    assert (calls, exit_code) == ([BASE_PREVIEW], "255")


@pytest.mark.parametrize("edit", [_loosen_config, _edit_rule], ids=["config", "pack code"])
@pytest.mark.parametrize(
    ("base_exit", "own_exit", "expected"),
    [(0, 0, "0"), (255, 0, "255"), (0, 255, "255"), (255, 1, "255")],
)
def test_a_pull_request_that_changes_policy_must_pass_both_packs(
    pr: rules.Workflow, tmp_path: Path, edit: Any, base_exit: int, own_exit: int, expected: str
) -> None:
    """The loosened pack alone would pass what the base pack refuses: the base one decides too."""
    calls, exit_code, log = run_preview(pr, tmp_path, edit, base_exit, own_exit)
    assert calls == [BASE_PREVIEW, OWN_PREVIEW]
    assert exit_code == expected
    assert log.index("base branch's pack") < log.index("this pull request's pack")


def test_a_stack_the_base_has_no_policy_config_for_fails_saying_so(
    pr: rules.Workflow, tmp_path: Path
) -> None:
    def new_stack(workspace: Path) -> None:
        (workspace / "base" / "policy" / "config" / "prod.json").unlink()

    calls, exit_code, log = run_preview(pr, tmp_path, new_stack)
    assert calls == [OWN_PREVIEW]
    assert exit_code == "2"
    assert "The base branch has no policy/config/prod.json" in log


# --- code owners ---------------------------------------------------------------------------

CODEOWNERS = rules.ROOT / ".github" / "CODEOWNERS"
# What only the platform owners may approve (docs/delivery.md): every file under these.
PLATFORM_PATHS = (
    "policy",
    "environments",
    "Pulumi.yaml",
    "bootstrap",
    ".github",
    "requirements",
    ".pulumi.version",
)


def codeowners_of(path: str, text: str) -> list[str]:
    """The owners GitHub gives `path` (relative, '/'-separated): the last line whose pattern
    matches it, gitignore-style (a leading or inner '/' anchors at the root, a trailing '/'
    matches a directory's contents; otherwise the name at any depth)."""
    owners: list[str] = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        pattern, names = fields[0], fields[1:]
        directory = pattern.endswith("/")
        core = pattern.strip("/")
        anchored = pattern.startswith("/") or "/" in core
        candidates = (
            [path]
            if anchored
            else ["/".join(path.split("/")[i:]) for i in range(path.count("/") + 1)]
        )
        for candidate in candidates:
            parts = candidate.split("/")
            prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
            heads = prefixes[:-1] if directory else prefixes
            if any(fnmatch.fnmatchcase(head, core) for head in heads):
                owners = names
                break
    return owners


def test_codeowners_makes_the_platform_team_the_owners_of_every_platform_file() -> None:
    text = CODEOWNERS.read_text(encoding="utf-8")
    files = [
        str(f.relative_to(rules.ROOT))
        for name in PLATFORM_PATHS
        for f in (
            [rules.ROOT / name] if (rules.ROOT / name).is_file() else (rules.ROOT / name).rglob("*")
        )
        if f.is_file() and "__pycache__" not in f.parts
    ]
    assert {
        "policy/config/prod.json",
        "policy/comments_policy/pack.py",
        ".github/CODEOWNERS",
    } <= set(files)
    owners = {path: codeowners_of(path, text) for path in files}
    handles = {tuple(names) for names in owners.values()}
    assert len(handles) == 1, {p: o for p, o in owners.items() if tuple(o) != min(handles)}
    ((team,),) = handles
    assert re.fullmatch(r"@[A-Za-z0-9-]+/[A-Za-z0-9_.-]+", team)  # a team, not a person
    # The program and the docs need one approving review, not the platform team's.
    for path in ("infra/__main__.py", "docs/delivery.md", "widget/comments.js"):
        assert codeowners_of(path, text) == [], path


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("/policy/config/ @my-org/app-team", "policy/config/prod.json"),
        ("*.json @my-org/app-team", "policy/config/prod.json"),
        ("config/ @my-org/app-team", "policy/config/prod.json"),
        ("/.github/workflows/pr.yml", ".github/workflows/pr.yml"),
    ],
)
def test_the_code_owner_matcher_lets_the_last_matching_line_win(line: str, path: str) -> None:
    text = CODEOWNERS.read_text(encoding="utf-8") + line + "\n"
    assert codeowners_of(path, text) == line.split()[1:]


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_no_workflow_reads_a_stored_secret(name: str) -> None:
    """Cloud credentials come from OIDC; pr.yml above all runs the pull request's code."""
    assert rules.secret_violations(name, (rules.WORKFLOWS / name).read_text()) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("env:\n  T: ${{ secrets.PULUMI_ACCESS_TOKEN }}", "reads secrets.PULUMI_ACCESS_TOKEN"),
        ("with:\n  p: ${{secrets.PULUMI_CONFIG_PASSPHRASE}}", "secrets.PULUMI_CONFIG_PASSPHRASE"),
        ("    secrets: inherit", "secrets: inherit"),
    ],
)
def test_secret_rule_catches_a_stored_secret(text: str, expected: str) -> None:
    pr_text = (rules.WORKFLOWS / "pr.yml").read_text() + "\n" + text
    assert any(expected in v for v in rules.secret_violations("pr.yml", pr_text))
    assert rules.secret_violations("pr.yml", "token: ${{ secrets.GITHUB_TOKEN }}") == []


def test_pulumi_cloud_tokens_come_from_an_oidc_exchange_with_the_environments_team() -> None:
    for name, job_name in (
        ("pr.yml", "preview"),
        ("deploy-environment.yml", "deploy"),
        ("drift.yml", "drift"),
    ):
        job = rules.load(name)["jobs"][job_name]
        (exchange,) = rules.action_steps(job, "pulumi/auth-actions")
        assert exchange["if"] == "steps.config.outputs.backend == 'cloud'", name
        assert exchange["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:team"
        assert exchange["with"]["scope"] == "team:${{ vars.PULUMI_TEAM }}", name


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


def test_deploy_calls_get_an_oidc_token_and_no_secret(deploy: rules.Workflow) -> None:
    for name, job in deploy["jobs"].items():
        assert job["permissions"] == {"contents": "read", "id-token": "write"}, name
        assert "secrets" not in job, name


def test_called_workflow_is_reusable(called: rules.Workflow) -> None:
    call = rules.triggers(called)["workflow_call"]
    assert set(rules.triggers(called)) == {"workflow_call"}
    assert call["inputs"]["environment"]["required"] is True
    assert call["outputs"]["url"]["value"] == "${{ jobs.deploy.outputs.url }}"


def test_deploy_job_uses_the_environment_and_its_role(called: rules.Workflow) -> None:
    job = called["jobs"]["deploy"]
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    (creds,) = rules.action_steps(job, "aws-actions/configure-aws-credentials")
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    (up,) = [s for s in rules.steps(job) if s.get("id") == "up"]
    assert job["outputs"]["url"] == "${{ steps.up.outputs.url }}"
    assert job["outputs"]["moderation"] == "${{ steps.up.outputs.moderation }}"
    steps = rules.steps(job)
    assert steps.index(creds) < steps.index(up)


def test_deploy_previews_with_the_pack_saves_a_plan_and_applies_exactly_it(
    called: rules.Workflow,
) -> None:
    assert rules.plan_violations(called) == []
    (up,) = [s for s in rules.steps(called["jobs"]["deploy"]) if s.get("id") == "up"]
    assert up["with"]["command"] == "up"
    assert up["with"]["plan"] == "${{ runner.temp }}/update-plan.json"
    # A plan the stack no longer matches ends the job with one line that says so.
    job_steps = rules.steps(called["jobs"]["deploy"])
    (explain,) = [s for s in job_steps if "violates plan" in str(s.get("run", ""))]
    assert job_steps.index(explain) == job_steps.index(up) + 1
    assert explain["if"] == "failure() && steps.up.outcome == 'failure'"
    assert "PULUMI_EXPERIMENTAL" not in (rules.WORKFLOWS / "deploy-environment.yml").read_text()


def _deploy_step(workflow: rules.Workflow, step_id: str) -> dict[str, Any]:
    (step,) = [s for s in rules.steps(workflow["jobs"]["deploy"]) if s.get("id") == step_id]
    return step


def _move_up_first(w: rules.Workflow) -> None:
    job_steps = w["jobs"]["deploy"]["steps"]
    job_steps.insert(0, job_steps.pop(job_steps.index(_deploy_step(w, "up"))))


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (_move_up_first, "pulumi up runs before the checked preview"),
        (lambda w: _deploy_step(w, "up")["with"].pop("plan"), "does not apply the preview's plan"),
        (lambda w: _deploy_step(w, "plan")["with"].pop("plan"), "saves no update plan"),
        (lambda w: _deploy_step(w, "plan")["with"].pop("policyPacks"), "does not run the policy"),
        (
            lambda w: _deploy_step(w, "plan")["with"].update(
                policyPackConfigs="policy/config/dev.json"
            ),
            "environment's config",
        ),
        (
            lambda w: _deploy_step(w, "up")["with"].update(
                {"stack-name": "${{ inputs.environment }}"}
            ),
            "differ in stack-name",
        ),
        (
            lambda w: _deploy_step(w, "up")["with"].update({"work-dir": "infra"}),
            "differ in work-dir",
        ),
        (
            lambda w: w["jobs"]["deploy"]["steps"].remove(_deploy_step(w, "plan")),
            "exactly one pulumi preview and one pulumi up",
        ),
        (
            lambda w: w["jobs"]["deploy"]["steps"].insert(
                w["jobs"]["deploy"]["steps"].index(_deploy_step(w, "up")), {"run": "git pull"}
            ),
            "a step runs between plan and apply",
        ),
    ],
)
def test_plan_rule_catches_its_violation(
    called: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(called)
    mutation(broken)
    violations = rules.plan_violations(broken)
    assert any(expected in v for v in violations), violations


def test_smoke_job_tests_the_url_output_without_credentials(called: rules.Workflow) -> None:
    job = called["jobs"]["smoke"]
    assert rules.id_token_jobs(called) == {"deploy"}
    assert job["permissions"] == {"contents": "read"}
    assert "secrets." not in str(job)
    (smoke,) = [s for s in rules.steps(job) if "make smoke" in str(s.get("run", ""))]
    assert smoke["env"]["SMOKE_BASE_URL"] == "${{ needs.deploy.outputs.url }}"
    # A bare URL says nothing of the moderation mode: the stack's output does.
    assert smoke["env"]["SMOKE_MODERATION"] == "${{ needs.deploy.outputs.moderation }}"
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
