"""`make deploy` / `python -m emulator deploy` run the pack with the local config before starting anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import emulator.__main__ as emulator_main
from emulator import deployer, environment
from emulator.environment import LocalEnvironmentError
from tooling import offline_runner
from tooling.offline_runner import REPO_ROOT, run_stack
from tooling.policy_check import load_pack

pytestmark = pytest.mark.slow

POLICY_COUNT = len(load_pack().policies)
LOCAL_RESOURCES = len(run_stack("local").resources)

OVER_CAP = "comments:throttleRateLimit=500"  # the local cap is 200 (policy/config/local.json)
MANDATORY_LINE = (
    "[mandatory] apigateway-throttling-within-caps  urn:pulumi:local::comments::comments:service:"
    "CommentsService$aws:apigateway/methodSettings:MethodSettings::comments-local-throttling  "
    "apigateway-throttling-within-caps: MethodSettings 'comments-local-throttling' "
    "throttlingRateLimit is 500, above this stack's cap of 200 (maxRateLimit)"
)
STOPPED = (
    "error: stack 'local' does not pass the policy pack (policy/config/local.json); "
    "nothing was started or deployed\n"
)


def run(args: list[str], local_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COMMENTS_LOCAL_DIR": str(local_dir),
        "COMMENTS_MOTO_PORT": "0",
        "COMMENTS_GATEWAY_PORT": "0",
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_over_cap_deploy_stops_before_starting_anything_with_make_policys_output(
    tmp_path: Path,
) -> None:
    local_dir = tmp_path / "local"
    deploy = run(["-m", "emulator", "deploy", "--config", OVER_CAP], local_dir)
    assert deploy.returncode == 1, deploy.stdout + deploy.stderr
    assert MANDATORY_LINE in deploy.stdout.splitlines()
    assert deploy.stderr == STOPPED
    # Nothing started: no process records, no stack record, no data-plane state.
    assert not local_dir.exists() or list(local_dir.rglob("*")) == []

    # The same stack file value, checked by `make policy`, prints exactly the same report.
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(REPO_ROOT / "Pulumi.yaml", copy / "Pulumi.yaml")
    for name in ("environments", "infra", "policy/config"):
        shutil.copytree(REPO_ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    stack_file = copy / "environments/Pulumi.local.yaml"
    stack_file.write_text(
        stack_file.read_text().replace(
            "comments:throttleRateLimit: 100", "comments:throttleRateLimit: 500"
        )
    )
    policy = run(["-m", "tooling.policy_check", "local", "--root", str(copy)], local_dir)
    assert policy.returncode == 1
    assert deploy.stdout == policy.stdout


@pytest.fixture
def nothing_may_start(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way a deploy starts or creates something, recording that it was reached."""
    reached: list[str] = []

    def forbid(name: str) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            reached.append(name)
            raise LocalEnvironmentError(f"{name} reached")

        return called

    monkeypatch.setattr(environment, "ensure_moto", forbid("ensure_moto"))
    monkeypatch.setattr(environment, "ensure_gateway", forbid("ensure_gateway"))
    monkeypatch.setattr(deployer, "deploy", forbid("deployer.deploy"))
    # `_deploy` imports run_stack when it runs (the module stays light for `down`).
    monkeypatch.setattr(offline_runner, "run_stack", forbid("dry-run plan"))
    return reached


@pytest.mark.parametrize(
    "args",
    [
        ["deploy", "--config", OVER_CAP],
        ["deploy", "--dry-run", "--config", OVER_CAP],
        ["deploy", "--config", "comments:throttleBurstLimit=401"],
        ["deploy", "--config", "comments:autoscalingMaxReadCapacity=6"],
    ],
)
def test_gate_runs_before_anything_starts(
    args: list[str],
    nothing_may_start: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMMENTS_LOCAL_DIR", str(tmp_path))
    assert emulator_main.main(args) == 1
    captured = capsys.readouterr()
    assert captured.err == STOPPED
    assert (
        f"local: comments-guardrails ({POLICY_COUNT} policies) on {LOCAL_RESOURCES} resources: 1 mandatory"
        in captured.out
    )
    assert nothing_may_start == []


@pytest.mark.parametrize("args", [["deploy"], ["deploy", "--dry-run"]])
def test_a_clean_stack_passes_the_gate(
    args: list[str],
    nothing_may_start: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMMENTS_LOCAL_DIR", str(tmp_path))
    assert emulator_main.main(args) == 2  # the first step after the gate refuses (see fixture)
    captured = capsys.readouterr()
    assert (
        f"local: comments-guardrails ({POLICY_COUNT} policies) on {LOCAL_RESOURCES} resources: 0 mandatory"
        in captured.out
    )
    assert nothing_may_start == ["dry-run plan" if "--dry-run" in args else "ensure_moto"]


def test_a_broken_policy_config_is_one_line_and_nothing_starts(
    nothing_may_start: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COMMENTS_LOCAL_DIR", str(tmp_path))
    assert emulator_main.main(["deploy", "--stack", "nosuchstack"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no stack 'nosuchstack'")
    assert err.count("\n") == 1
    assert nothing_may_start == []
