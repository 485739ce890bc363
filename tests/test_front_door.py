"""The Makefile's bad-input answers: one line naming the problem, non-zero exit, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tooling.offline_runner import REPO_ROOT, StackConfigError, load_project, load_stack_config


def make(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = None if path is None else {"PATH": path}
    return subprocess.run(
        ["make", "--no-print-directory", "-s", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


@pytest.mark.parametrize(
    ("target", "env", "message"),
    [
        (
            "deploy",
            "nope",
            "error: no stack 'nope': environments/Pulumi.nope.yaml not found (stacks here: dev, local, prod, staging)",
        ),
        (
            "preview",
            "../prod",
            "error: invalid stack name '../prod': use letters, digits, '-', '_' or '.'",
        ),
        ("outputs", "staging2", "error: no stack 'staging2'"),
        ("smoke", "nope", "error: no stack 'nope': environments/Pulumi.nope.yaml not found"),
        ("cost", "nope", "error: no stack 'nope': environments/Pulumi.nope.yaml not found"),
        # An empty ENV is an unknown stack too, whichever target is asked.
        (
            "deploy",
            "",
            "error: no stack '': ENV is empty; choose one with ENV=<stack> (stacks here: dev, local, prod, staging)",
        ),
        ("preview", "", "error: no stack ''"),
        ("outputs", "", "error: no stack ''"),
        ("smoke", "", "error: no stack ''"),
        ("policy", "", "error: no stack ''"),
        ("cost", "", "error: no stack ''"),
    ],
)
def test_unknown_stacks_are_named(target: str, env: str, message: str) -> None:
    result = make(target, f"ENV={env}")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].startswith(message)
    assert "Traceback" not in result.stderr


def test_aws_stacks_need_the_pulumi_cli() -> None:
    if shutil.which("pulumi"):
        pytest.skip("the Pulumi CLI is installed here")
    result = make("preview", "ENV=dev")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "error: ENV=dev needs the Pulumi CLI (https://www.pulumi.com/docs/install/); ENV=local needs none"
    )


def test_help_lists_the_front_door() -> None:
    result = make("help")
    assert result.returncode == 0
    for target in ("deploy", "test", "down", "outputs", "smoke", "policy", "cost", "bench", "fuzz"):
        assert f"make {target} " in result.stdout


# A stand-in for the Pulumi CLI: appends each call (argv, and for `up` whether the plan file it
# names exists and what it holds) to $FAKE_PULUMI_LOG; `preview --save-plan <f>` writes <f>;
# $FAKE_PULUMI_FAIL names the command that fails, as a policy violation or a refused apply would.
FAKE_PULUMI = """\
import json, os, sys
args = sys.argv[1:]
entry = {"argv": args, "env": {"SMOKE_STACK": os.environ.get("SMOKE_STACK")}}
if "--plan" in args:
    plan = args[args.index("--plan") + 1]
    entry["plan_exists"] = os.path.exists(plan)
    entry["plan"] = open(plan).read() if entry["plan_exists"] else None
with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
if "--save-plan" in args:
    with open(args[args.index("--save-plan") + 1], "w") as plan:
        plan.write('{"resourcePlans": {"checked": true}}')
sys.exit(1 if args and args[0] == os.environ.get("FAKE_PULUMI_FAIL") else 0)
"""


def deploy_with_fake_pulumi(tmp_path: Path, fail: str = "") -> tuple[int, list[dict[str, Any]]]:
    """`make deploy ENV=dev` with the stand-in CLI on PATH; the smoke gate is the stand-in too
    (the smoke tests themselves run against the local environment elsewhere)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(f"#!{sys.executable}\n{FAKE_PULUMI}")
    fake.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "deploy", "ENV=dev", f"PYTEST_GATE={fake} smoke"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_PULUMI_LOG": str(log),
            "FAKE_PULUMI_FAIL": fail,
        },
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result.returncode, calls


POLICY = ["--policy-pack", "policy", "--policy-pack-config", "policy/config/dev.json"]


def test_an_aws_deploy_applies_exactly_the_plan_its_checked_preview_saved(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path)
    assert returncode == 0
    preview, up, smoke = calls
    saved = preview["argv"][preview["argv"].index("--save-plan") + 1]
    assert preview["argv"] == ["preview", "--stack", "dev", "--diff", *POLICY, "--save-plan", saved]
    assert up["argv"] == [
        "up", "--stack", "dev", "--yes", "--skip-preview", "--plan", saved, *POLICY,
    ]  # fmt: skip
    assert up["plan_exists"] and up["plan"] == '{"resourcePlans": {"checked": true}}'
    assert smoke["argv"] == ["smoke", "smoke_tests", "-p", "no:cacheprovider"]
    assert smoke["env"] == {"SMOKE_STACK": "dev"}
    assert not Path(saved).exists(), "the plan file outlived the deploy"


def test_a_failed_preview_applies_nothing(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path, fail="preview")
    assert returncode != 0
    assert [call["argv"][0] for call in calls] == ["preview"]


def test_a_refused_apply_runs_no_smoke_tests(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path, fail="up")
    assert returncode != 0
    assert [call["argv"][0] for call in calls] == ["preview", "up"]


def _stack_rows(report: str) -> list[str]:
    """The stacks the cost table has a row for."""
    # The first table (capacity per environment) ends at its first blank line.
    table = report.split("| stack |", 1)[1].split("\n\n", 1)[0]
    cells = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
    return [cell for cell in cells if cell in {"dev", "local", "prod", "staging"}]


def test_cost_reports_only_the_stack_env_names() -> None:
    everything = make("cost")
    one = make("cost", "ENV=prod")
    assert everything.returncode == one.returncode == 0, one.stderr
    assert _stack_rows(one.stdout) == ["prod"], one.stdout
    assert _stack_rows(everything.stdout) == ["dev", "local", "prod", "staging"]


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "list"), ("config:\n  - a\n", "list"), ("just text\n", "string")],
)
def test_a_stack_file_of_the_wrong_shape_is_one_line(tmp_path: Path, text: str, found: str) -> None:
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "Pulumi.listy.yaml").write_text(text)
    with pytest.raises(StackConfigError) as raised:
        load_stack_config("listy", load_project(tmp_path))
    assert str(raised.value) == (
        "Pulumi.listy.yaml: expected `config:` holding a mapping of keys to values at the top "
        f"level, found a {found}"
    )


def test_default_ports_sit_below_the_ephemeral_range_and_the_local_stack_names_them() -> None:
    """Linux hands out 32768-60999 to outgoing connections, which could hold a port we need."""
    import yaml

    from emulator.environment import DEFAULT_GATEWAY_PORT, DEFAULT_MOTO_PORT

    assert 1024 < DEFAULT_MOTO_PORT < 32768 and 1024 < DEFAULT_GATEWAY_PORT < 32768
    stack = yaml.safe_load((REPO_ROOT / "environments" / "Pulumi.local.yaml").read_text())
    urls = {url for entry in stack["config"]["aws:endpoints"] for url in entry.values()}
    assert urls == {f"http://127.0.0.1:{DEFAULT_MOTO_PORT}"}
