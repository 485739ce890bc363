"""`make local-engine` (tooling/local_engine.sh) as far as it runs without the Pulumi CLI: it checks
for the CLI before touching anything, aims the stack at a moto of its own, and stops only that."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulator.environment import Paths, free_port, running
from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.e2e

SCRIPT = REPO_ROOT / "tooling" / "local_engine.sh"
# A stand-in for the CLI: `pulumi up` keeps the config file it was given, then fails, so the
# script stops at that point and its exit trap runs.
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $*" >> "$CAPTURE/calls"
if [ "$1" = up ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = --config-file ]; then cp "$2" "$CAPTURE/config.yaml"; fi
    shift
  done
  exit 1
fi
exit 0
"""


@pytest.fixture
def users_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment `make deploy` would run (moto only), which the script must leave alone."""
    env = isolated_env(tmp_path / "users")
    started = run_emulator(env, "up", "--moto-only")
    assert started.returncode == 0, started.stderr
    yield env
    run_emulator(env, "down")


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_without_the_cli_it_stops_before_touching_anything(
    users_environment: dict[str, str], tmp_path: Path
) -> None:
    users = Paths(Path(users_environment["COMMENTS_LOCAL_DIR"]))
    moto_before = running(users.moto, "moto")
    result = run_script(
        {**users_environment, "PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path / "runner")}
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: make local-engine needs the Pulumi CLI (https://www.pulumi.com/docs/install/); "
        "make deploy needs none"
    )
    assert running(users.moto, "moto") == moto_before
    assert not (tmp_path / "runner").exists()


def test_it_aims_the_stack_at_its_own_moto_and_stops_only_that(
    users_environment: dict[str, str], tmp_path: Path
) -> None:
    users = Paths(Path(users_environment["COMMENTS_LOCAL_DIR"]))
    moto_before = running(users.moto, "moto")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(FAKE_PULUMI)
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    capture = tmp_path / "capture"
    capture.mkdir()
    port = free_port()
    runner = tmp_path / "runner"
    result = run_script(
        {
            **users_environment,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "CAPTURE": str(capture),
            "RUNNER_TEMP": str(runner),
            "COMMENTS_MOTO_PORT": str(port),
        }
    )
    assert result.returncode == 1, result.stdout + result.stderr
    calls = (capture / "calls").read_text().splitlines()
    assert calls[0] == "pulumi stack select --create local"
    assert calls[1].startswith("pulumi up --stack local --yes --config-file ")
    config = yaml.safe_load((capture / "config.yaml").read_text())["config"]
    committed = yaml.safe_load((REPO_ROOT / "environments" / "Pulumi.local.yaml").read_text())
    endpoints = committed["config"]["aws:endpoints"]
    assert config["aws:endpoints"] == [
        {service: f"http://127.0.0.1:{port}" for service in entry} for entry in endpoints
    ]
    assert {k: v for k, v in config.items() if k != "aws:endpoints"} == {
        k: v for k, v in committed["config"].items() if k != "aws:endpoints"
    }
    # Its own moto is stopped again; the user's still runs, untouched.
    assert not (runner / "local-engine" / "environment" / "moto.json").exists()
    assert running(users.moto, "moto") == moto_before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
