"""The generated reference pages (docs/reference/configuration.md, policies.md) are up to date."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from tooling import docs_reference
from tooling.offline_runner import REPO_ROOT
from tooling.policy_check import load_pack

STALE = "run `python -m tooling.docs_reference` (`make docs`)"


def test_the_generated_pages_are_up_to_date() -> None:
    assert docs_reference.stale() == [], STALE


def _copy_inputs(tmp_path: Path) -> Path:
    """What the pages are generated from, and the pages, in a repository of their own."""
    shutil.copy(REPO_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(REPO_ROOT / "environments", tmp_path / "environments")
    shutil.copytree(REPO_ROOT / "policy" / "config", tmp_path / "policy" / "config")
    (tmp_path / "docs" / "reference").mkdir(parents=True)
    for page in docs_reference.PAGES:
        shutil.copy(REPO_ROOT / page, tmp_path / page)
    return tmp_path


def _check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = docs_reference.main(["--check", "--root", str(root)])
    return status, capsys.readouterr().err.splitlines()


def test_a_changed_stack_file_makes_the_configuration_page_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_inputs(tmp_path)
    assert _check(root, capsys) == (0, [])
    stack = root / "environments" / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack.read_text())
    document["config"]["comments:stageName"] = "v2"
    stack.write_text(yaml.safe_dump(document))
    assert _check(root, capsys) == (
        1,
        [f"error: docs/reference/configuration.md is stale: {STALE}"],
    )
    # Regenerating writes only that page, and the check passes again.
    assert docs_reference.write(root) == [docs_reference.CONFIGURATION]
    page = (root / docs_reference.CONFIGURATION).read_text()
    (row,) = [line for line in page.splitlines() if line.startswith("| `comments:stageName` |  |")]
    assert row == "| `comments:stageName` |  |  | `v2` |  |"
    assert _check(root, capsys) == (0, [])


def test_a_changed_policy_config_makes_the_policy_page_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_inputs(tmp_path)
    config = root / "policy" / "config" / "staging.json"
    document = json.loads(config.read_text())
    document["dynamodb-data-protection"] = "mandatory"
    config.write_text(json.dumps(document))
    assert _check(root, capsys) == (1, [f"error: docs/reference/policies.md is stale: {STALE}"])


def test_a_missing_page_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_inputs(tmp_path)
    (root / docs_reference.POLICIES).unlink()
    assert _check(root, capsys) == (1, [f"error: docs/reference/policies.md is stale: {STALE}"])


def test_a_broken_policy_config_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_inputs(tmp_path)
    (root / "policy" / "config" / "dev.json").write_text("{not json")
    status, errors = _check(root, capsys)
    assert status == 2
    (line,) = errors
    assert line.startswith("error: ") and "dev.json: not valid JSON" in line


def test_the_pages_name_every_key_stack_and_policy() -> None:
    configuration = (REPO_ROOT / docs_reference.CONFIGURATION).read_text()
    policies = (REPO_ROOT / docs_reference.POLICIES).read_text()
    declared = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]
    for key in declared:
        assert f"| `{key}` |" in configuration, key
    stacks = docs_reference.stacks(REPO_ROOT)
    assert stacks == sorted(
        p.stem.removeprefix("Pulumi.") for p in (REPO_ROOT / "environments").glob("Pulumi.*.yaml")
    )
    header = "| key | " + " | ".join(stacks) + " |"
    assert header in configuration
    for stack in stacks:
        for key in yaml.safe_load(
            (REPO_ROOT / "environments" / f"Pulumi.{stack}.yaml").read_text()
        )["config"]:
            assert f"| `{key}` |" in configuration, (stack, key)
    pack = load_pack()
    assert f"holds {len(pack.policies)} policies" in policies
    for policy in pack.policies:
        assert f"| `{policy.name}` |" in policies, policy.name
    # Each stack's column holds the level its config gives: the policy's own entry, else `all`.
    for policy in pack.policies:
        (row,) = [line for line in policies.splitlines() if line.startswith(f"| `{policy.name}` |")]
        levels = []
        for stack in stacks:
            config = json.loads((REPO_ROOT / "policy" / "config" / f"{stack}.json").read_text())
            entry = config.get(policy.name)
            level = entry if isinstance(entry, str) else (entry or {}).get("enforcementLevel")
            levels.append(f"`{level or config.get('all', 'mandatory')}`")
        assert row.endswith("| " + " | ".join(levels) + " |"), row
