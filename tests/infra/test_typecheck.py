"""mypy, with pulumi-aws's typed arguments, catches what mocks accept: a misspelt property."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.slow


def mypy(program: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(REPO_ROOT / "pyproject.toml"),
            "--cache-dir",
            str(REPO_ROOT / ".mypy_cache"),
            str(program),
        ],
        cwd=program.parent,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_misspelt_property_fails_the_type_check(tmp_path: Path) -> None:
    program = tmp_path / "infra"
    shutil.copytree(REPO_ROOT / "infra", program)
    service = program / "comments_infra" / "service.py"
    text = service.read_text()
    assert "read_capacity=settings.read_capacity" in text
    service.write_text(
        text.replace(
            "read_capacity=settings.read_capacity", "read_capacityy=settings.read_capacity"
        )
    )

    result = mypy(program)
    assert result.returncode == 1, result.stdout
    assert (
        'Unexpected keyword argument "read_capacityy" for overloaded function "Table"'
        in result.stdout
    )


def test_the_program_as_it_is_type_checks(tmp_path: Path) -> None:
    program = tmp_path / "infra"
    shutil.copytree(REPO_ROOT / "infra", program)
    result = mypy(program)
    assert result.returncode == 0, result.stdout
