"""The Makefile's bad-input answers: one line naming the problem, non-zero exit, no traceback."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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


def _stack_rows(report: str) -> list[str]:
    """The stacks the cost table has a row for."""
    cells = [line.split("|")[1].strip() for line in report.splitlines() if line.startswith("| ")]
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
