"""Policy tests import the pack the way the CLI runs it: with policy/ first on the path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tooling.offline_runner import REPO_ROOT
from tooling.policy_check import POLICY_DIR

if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """The program, its stacks and the policy config, copied so a test can break them."""
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    for name in ("environments", "infra", "policy/config"):
        shutil.copytree(
            REPO_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path
