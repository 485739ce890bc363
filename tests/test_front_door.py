"""The Makefile's bad-input answers: one line naming the problem, non-zero exit, no traceback."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tooling.offline_runner import REPO_ROOT


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
