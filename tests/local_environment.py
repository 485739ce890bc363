"""Running `python -m emulator` for tests: an environment of the test's own, on free ports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tooling.offline_runner import REPO_ROOT


def isolated_env(state_dir: Path) -> dict[str, str]:
    """Environment variables for a local environment in `state_dir` on free ports, so tests never
    touch the environment `make deploy` runs."""
    return {
        **os.environ,
        "COMMENTS_LOCAL_DIR": str(state_dir),
        "COMMENTS_MOTO_PORT": "0",
        "COMMENTS_GATEWAY_PORT": "0",
        "COMMENTS_DEMO_PORT": "0",
    }


def run_emulator(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m emulator <args>` as a user runs it; the caller checks the outcome."""
    return run_module("emulator", env, *args)


def run_module(module: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <args>` from the repository root; the caller checks the outcome."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
