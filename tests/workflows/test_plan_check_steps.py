"""The check outside the pack runs where the plan is saved: tooling/plan_check.py right after
the deploy's preview (before `up`) and after each pull request's base-pack preview.

Each rule of pipeline_rules.plan_check_violations is run over the real workflows and over a
mutated copy; the pull request's step script and the deploy's command are run as they are, on
plans and event logs shaped like the engine's (tests/policy/test_plan_check.py).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.policy.test_plan_check import (
    TABLE_CREATE,
    TOPIC_URN,
    deployment_plan,
    event_log,
    goal,
    resource_plan,
)
from tests.workflows import pipeline_rules as rules


@pytest.fixture(scope="module")
def pr() -> rules.Workflow:
    return rules.load("pr.yml")


@pytest.fixture(scope="module")
def called() -> rules.Workflow:
    return rules.load("deploy-environment.yml")


def test_the_plan_is_checked_in_every_preview_that_saves_one(
    pr: rules.Workflow, called: rules.Workflow
) -> None:
    assert rules.plan_check_violations(pr, called) == []
    # The deploy's plan rule (nothing between plan and apply) still holds, the check aside.
    assert rules.plan_violations(called) == []


def _named(steps: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (step,) = [s for s in steps if s.get("name") == name]
    return step


def _deploy(w: rules.Workflow) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = w["jobs"]["deploy"]["steps"]
    return steps


def _preview(w: rules.Workflow) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = w["jobs"]["preview"]["steps"]
    return steps


def _move_deploy_check_after_up(w: rules.Workflow) -> None:
    steps = _deploy(w)
    check = steps.pop(steps.index(_named(steps, rules.PLAN_CHECK_NAME)))
    steps.insert([s.get("id") for s in steps].index("up") + 1, check)


def _edit_preview_run(w: rules.Workflow, old: str, new: str) -> None:
    (step,) = [s for s in _preview(w) if s.get("id") == "preview"]
    assert old in step["run"]
    step["run"] = step["run"].replace(old, new)


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda w: _deploy(w).remove(_named(_deploy(w), rules.PLAN_CHECK_NAME)),
            "deploy-environment.yml: no single step",
        ),
        (
            lambda w: _named(_deploy(w), rules.PLAN_CHECK_NAME).update(
                run='.venv/bin/python -m tooling.plan_check "$RUNNER_TEMP/update-plan.json"'
            ),
            "deploy-environment.yml: no single step",
        ),
        (
            lambda w: _named(_deploy(w), rules.PLAN_CHECK_NAME).update({"continue-on-error": True}),
            "deploy-environment.yml: no single step",
        ),
        (_move_deploy_check_after_up, "does not run between plan and up"),
    ],
    ids=["missing", "plan only", "continue-on-error", "after up"],
)
def test_the_deploy_rule_catches_its_violation(
    pr: rules.Workflow, called: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(called)
    mutation(broken)
    found = rules.plan_check_violations(pr, broken) + rules.plan_violations(broken)
    assert any(expected in v for v in found), found


def test_any_other_step_between_plan_and_apply_is_still_refused(called: rules.Workflow) -> None:
    broken = copy.deepcopy(called)
    check = _named(_deploy(broken), rules.PLAN_CHECK_NAME)
    check["run"] += " || true"
    found = rules.plan_violations(broken)
    assert any("a step runs between plan and apply" in v for v in found), found


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda w: _edit_preview_run(w, f"{rules.PR_PLAN} \\\n", ""),
            "saves no update plan and event log",
        ),
        (
            lambda w: _edit_preview_run(w, f"{rules.PR_EVENTS} \\\n", ""),
            "saves no update plan and event log",
        ),
        (
            lambda w: next(s for s in _preview(w) if s.get("id") == "preview")["env"].pop(
                "PULUMI_DEBUG_COMMANDS"
            ),
            "PULUMI_DEBUG_COMMANDS",
        ),
        (
            lambda w: _preview(w).remove(_named(_preview(w), rules.PLAN_CHECK_NAME)),
            "no single preview step and single",
        ),
        (
            lambda w: _named(_preview(w), rules.PLAN_CHECK_NAME).update(
                {"if": "${{ steps.preview.outputs.exit-code == '1' }}"}
            ),
            "does not run on every preview that passed",
        ),
        (
            lambda w: _named(_preview(w), rules.PLAN_CHECK_NAME).update(
                run=_named(_preview(w), rules.PLAN_CHECK_NAME)["run"].replace(
                    "checker=base/tooling/plan_check.py", "checker=tooling/plan_check.py"
                )
            ),
            "is not the base branch's",
        ),
        (
            lambda w: _preview(w).insert(
                1, _preview(w).pop(_preview(w).index(_named(_preview(w), rules.PLAN_CHECK_NAME)))
            ),
            "does not run right after the preview",
        ),
        (
            lambda w: next(s for s in _preview(w) if s.get("with", {}).get("path") == "base")[
                "with"
            ].update({"sparse-checkout": "policy\nrequirements\n"}),
            "lacks tooling/",
        ),
    ],
    ids=[
        "no plan",
        "no events",
        "no debug commands",
        "missing",
        "wrong condition",
        "pull request's checker",
        "before the preview",
        "no base tooling",
    ],
)
def test_the_pull_request_rule_catches_its_violation(
    pr: rules.Workflow, called: rules.Workflow, mutation: Any, expected: str
) -> None:
    broken = copy.deepcopy(pr)
    mutation(broken)
    found = rules.plan_check_violations(broken, called)
    assert any(expected in v for v in found), found


# -- the steps as they run -------------------------------------------------------------------


def _run_pr_step(
    pr: rules.Workflow, tmp_path: Path, plan: Any, events: list[Any], base_checker: bool = True
) -> tuple[int, str, str, str]:
    """The pull request's plan-check step in a workspace holding base/tooling/plan_check.py (or
    not) and the preview's files: its status, stdout, the log and the exit-code file."""
    step = _named(rules.steps(pr["jobs"]["preview"]), rules.PLAN_CHECK_NAME)
    workspace, temp = tmp_path / "work", tmp_path / "temp"
    (temp / "preview").mkdir(parents=True)
    for directory in ("base/tooling", "tooling"):
        (workspace / directory).mkdir(parents=True)
    checker = rules.ROOT / "tooling" / "plan_check.py"
    shutil.copy(checker, workspace / "tooling" / "plan_check.py")
    if base_checker:
        shutil.copy(checker, workspace / "base" / "tooling" / "plan_check.py")
    (temp / "preview" / "prod.plan.json").write_text(json.dumps(plan), encoding="utf-8")
    (temp / "preview" / "prod.events.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in events), encoding="utf-8"
    )
    (temp / "preview" / "prod.log").write_text("preview log\n", encoding="utf-8")
    (temp / "preview" / "prod.exit-code").write_text("0\n", encoding="utf-8")
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workspace,
        env={"PATH": os.environ["PATH"], "RUNNER_TEMP": str(temp), "STACK": "prod"},
        capture_output=True,
        text=True,
        check=False,
    )
    log = (temp / "preview" / "prod.log").read_text(encoding="utf-8")
    code = (temp / "preview" / "prod.exit-code").read_text(encoding="utf-8").strip()
    return proc.returncode, proc.stdout, log, code


def test_the_pull_request_step_passes_a_clean_plan(pr: rules.Workflow, tmp_path: Path) -> None:
    status, out, log, code = _run_pr_step(pr, tmp_path, deployment_plan(), event_log(TABLE_CREATE))
    assert (status, code) == (0, "0"), out
    assert log.startswith("preview log\n=== base/tooling/plan_check.py on the update plan")
    assert "engine-plan-options: 0 refused" in log


IMPORTED = {
    TOPIC_URN: resource_plan(
        goal("aws:sns/topic:Topic", "imported-topic", import_id="arn:aws:sns:us-east-1:1:x"),
        ["import"],
    )
}


@pytest.mark.parametrize(
    "base_checker", [True, False], ids=["base's", "own until the base has one"]
)
def test_the_pull_request_step_refuses_an_import_in_the_comment_and_the_check(
    pr: rules.Workflow, tmp_path: Path, base_checker: bool
) -> None:
    status, out, log, code = _run_pr_step(
        pr, tmp_path, deployment_plan(**IMPORTED), event_log(), base_checker
    )
    assert status == 1
    assert code == "1"  # what the comment job reads
    checker = "base/tooling/plan_check.py" if base_checker else "tooling/plan_check.py"
    assert f"=== {checker} on the update plan" in log
    assert "Topic 'imported-topic' is imported" in log
    assert f"::error::{checker} refused the update plan of prod (exit 1)" in out


def test_the_pull_request_step_fails_closed_without_the_event_log(
    pr: rules.Workflow, tmp_path: Path
) -> None:
    status, _, log, code = _run_pr_step(pr, tmp_path, deployment_plan(), [])
    assert (status, code) == (1, "2")
    assert "no resource step" in log


def test_the_deploy_step_checks_the_plan_and_the_program(
    called: rules.Workflow, tmp_path: Path
) -> None:
    """The deploy's command as it is, from the repository root with its .venv, on a plan in
    RUNNER_TEMP: the program for prod has no import or retainOnDelete; an import in the plan is
    refused."""
    step = _named(rules.steps(called["jobs"]["deploy"]), rules.PLAN_CHECK_NAME)

    def run(plan: Any) -> subprocess.CompletedProcess[str]:
        (tmp_path / "update-plan.json").write_text(json.dumps(plan), encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=rules.ROOT,
            env={"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path), "STACK": "prod"},
            capture_output=True,
            text=True,
            check=False,
        )

    clean = run(deployment_plan())
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stderr == ""
    assert clean.stdout.splitlines()[-1].endswith("in the plan, the program for prod")
    refused = run(deployment_plan(**IMPORTED))
    assert refused.returncode == 1
    assert "Topic 'imported-topic' is imported" in refused.stdout
