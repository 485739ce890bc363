"""The front door: the README and its links, the licence, and the Makefile's answers (bad input is
one line naming the problem, non-zero exit, no traceback)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tooling.offline_runner import REPO_ROOT, StackConfigError, load_project, load_stack_config

pytestmark = pytest.mark.slow


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


def test_smoke_on_an_aws_stack_fails_up_front_without_the_cli() -> None:
    if shutil.which("pulumi"):
        pytest.skip("the Pulumi CLI is installed here")
    result = make("smoke", "ENV=dev")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].startswith(
        "error: make smoke ENV=dev reads the stack's url output with the Pulumi CLI"
    )
    assert "passed" not in result.stdout and "pytest" not in result.stdout


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_destroying_a_data_protected_stack_needs_the_operator_to_name_it(stack: str) -> None:
    for confirm in ([], ["CONFIRM=dev"]):
        result = make("destroy", f"ENV={stack}", *confirm)
        assert result.returncode == 2
        assert result.stderr.splitlines()[0] == (
            f"error: {stack} is data-protected (comments:dataProtection): destroying it deletes "
            f"its comments; if that is what you mean, run make destroy ENV={stack} "
            f"CONFIRM={stack} (and see docs/aws.md, Tearing it down)"
        )


def test_destroying_a_named_stack_goes_on_to_the_cli() -> None:
    if shutil.which("pulumi"):
        pytest.skip("the Pulumi CLI is installed here")
    result = make("destroy", "ENV=prod", "CONFIRM=prod")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].startswith("error: ENV=prod needs the Pulumi CLI")


def test_help_lists_the_front_door() -> None:
    result = make("help")
    assert result.returncode == 0
    for target in ("deploy", "test", "down", "outputs", "smoke", "policy", "cost", "bench", "fuzz"):
        assert f"make {target} " in result.stdout


# A stand-in for the Pulumi CLI: appends each call (argv, and for `up` whether the plan file it
# names exists and what it holds) to $FAKE_PULUMI_LOG; `preview --save-plan <f>` writes <f>;
# $FAKE_PULUMI_FAIL names the command that fails, as a policy violation or a refused apply would.
FAKE_PULUMI = """\
import json, os, sys
args = sys.argv[1:]
entry = {"argv": args, "env": {"SMOKE_STACK": os.environ.get("SMOKE_STACK")}}
if "--plan" in args:
    plan = args[args.index("--plan") + 1]
    entry["plan_exists"] = os.path.exists(plan)
    entry["plan"] = open(plan).read() if entry["plan_exists"] else None
with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
if "--save-plan" in args:
    with open(args[args.index("--save-plan") + 1], "w") as plan:
        plan.write('{"resourcePlans": {"checked": true}}')
sys.exit(1 if args and args[0] == os.environ.get("FAKE_PULUMI_FAIL") else 0)
"""


def deploy_with_fake_pulumi(tmp_path: Path, fail: str = "") -> tuple[int, list[dict[str, Any]]]:
    """`make deploy ENV=dev` with the stand-in CLI on PATH; the smoke gate is the stand-in too
    (the smoke tests themselves run against the local environment elsewhere)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "pulumi"
    fake.write_text(f"#!{sys.executable}\n{FAKE_PULUMI}")
    fake.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "deploy", "ENV=dev", f"PYTEST_GATE={fake} smoke"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_PULUMI_LOG": str(log),
            "FAKE_PULUMI_FAIL": fail,
        },
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result.returncode, calls


POLICY = ["--policy-pack", "policy", "--policy-pack-config", "policy/config/dev.json"]


def test_an_aws_deploy_applies_exactly_the_plan_its_checked_preview_saved(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path)
    assert returncode == 0
    preview, up, smoke = calls
    saved = preview["argv"][preview["argv"].index("--save-plan") + 1]
    assert preview["argv"] == ["preview", "--stack", "dev", "--diff", *POLICY, "--save-plan", saved]
    assert up["argv"] == [
        "up", "--stack", "dev", "--yes", "--skip-preview", "--plan", saved, *POLICY,
    ]  # fmt: skip
    assert up["plan_exists"] and up["plan"] == '{"resourcePlans": {"checked": true}}'
    assert smoke["argv"] == ["smoke", "smoke_tests", "-p", "no:cacheprovider"]
    assert smoke["env"] == {"SMOKE_STACK": "dev"}
    assert not Path(saved).exists(), "the plan file outlived the deploy"


def test_a_failed_preview_applies_nothing(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path, fail="preview")
    assert returncode != 0
    assert [call["argv"][0] for call in calls] == ["preview"]


def test_a_refused_apply_runs_no_smoke_tests(tmp_path: Path) -> None:
    returncode, calls = deploy_with_fake_pulumi(tmp_path, fail="up")
    assert returncode != 0
    assert [call["argv"][0] for call in calls] == ["preview", "up"]


def _stack_rows(report: str) -> list[str]:
    """The stacks the cost table has a row for."""
    # The first table (capacity per environment) ends at its first blank line.
    table = report.split("| stack |", 1)[1].split("\n\n", 1)[0]
    cells = [line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")]
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


# --- the README, the docs and the licence ---------------------------------------------------

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
# Pages written by hand, one per reader task, and the generated references the README links.
DOC_PAGES = [
    "api.md",
    "local-environment.md",
    "moderation.md",
    "operations.md",
    "policy-pack.md",
    "delivery.md",
    "bootstrap.md",
    "aws.md",
    "testing.md",
]


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def _prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where links are links."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"`[^`\n]*`", "", text)


def _links(path: Path) -> list[str]:
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", _prose(path.read_text()))


def _anchors(path: Path) -> set[str]:
    """The fragments GitHub gives the headings of a Markdown file."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in re.findall(
        r"^#{1,6} +(.+?) *#*$", _strip_fences(path.read_text()), re.MULTILINE
    ):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _strip_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def test_the_readme_is_a_front_door() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; the depth belongs in docs/"
    top = lines[:30]
    for command in ("make deploy", "make test"):
        assert any(line.startswith(f"{command} ") for line in top), f"`{command}` not in lines 1-30"
    text = README.read_text()
    for prerequisite in ("Python 3.11", "make", "Node.js", "npm", ".ci/install-system-packages"):
        assert prerequisite in text, prerequisite
    for page in DOC_PAGES:
        assert f"(docs/{page})" in text, f"README.md does not link docs/{page}"
    for page in (
        "docs/reference/configuration.md",
        "docs/reference/policies.md",
        "docs/reference/apigateway-http.md",
        "docs/reference/apigateway-iam.md",
        "docs/reference/provider-check.md",
        "docs/reference/provider-calls.md",
        "docs/vtl-fidelity.md",
        "docs/proof-kit.md",
        "LICENSE",
    ):
        assert f"({page})" in text, f"README.md does not link {page}"


def test_the_readme_keeps_no_dated_measurements() -> None:
    """Figures come from the commands that measure them, not from a log edited by hand; the one
    dated figure the front door keeps is the cold first deploy's, which a newcomer plans by."""
    paragraphs = _prose(README.read_text()).split("\n\n")
    dated = [p for p in paragraphs if re.search(r"\b20\d\d-\d\d-\d\d\b", p)]
    assert len(dated) <= 1, dated
    for paragraph in dated:
        assert "first" in paragraph and "deploy" in paragraph and "cores" in paragraph, paragraph


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for link in _links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", link):  # https:, mailto:
            continue
        target, _, fragment = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(f"{link}: no such file")
        elif fragment and file.suffix == ".md" and fragment not in _anchors(file):
            broken.append(f"{link}: no heading #{fragment} in {file.relative_to(REPO_ROOT)}")
    assert broken == [], f"{path.relative_to(REPO_ROOT)}: {broken}"


def test_each_docs_page_is_written() -> None:
    for page in DOC_PAGES:
        text = (DOCS / page).read_text()
        assert text.startswith("# "), page


# Sections that code, workflows and other pages name by title: where each title now lives.
NAMED_SECTIONS = {
    "operations.md": ["Alarms and what to do", "Restoring deleted comments"],
    "delivery.md": [
        "Pull requests GitHub gives no token",
        "Adding an environment",
        "Rolling back",
        "Variables the workflows read (no secrets)",
    ],
    "bootstrap.md": [
        "Bootstrap: from an empty AWS account to the first green deploy",
        "Break glass: a deliberate change to a protected table",
    ],
    "moderation.md": ["How the local data plane authorizes"],
    "aws.md": ["Tearing it down", "Lifting the protection deliberately"],
}


@pytest.mark.parametrize("page", sorted(NAMED_SECTIONS))
def test_the_named_sections_are_there(page: str) -> None:
    headings = re.findall(r"^#{1,6} +(.+)$", _strip_fences((DOCS / page).read_text()), re.MULTILINE)
    for title in NAMED_SECTIONS[page]:
        assert title in headings, f"docs/{page} has no section {title!r}"


def test_alarm_descriptions_name_a_runbook_section_that_exists() -> None:
    from comments_infra.monitoring import RUNBOOK

    (section,) = re.findall(r"section '([^']+)'", RUNBOOK)
    pages = [p for p in DOCS.glob("*.md") if f"## {section}\n" in p.read_text()]
    assert pages, f"no page of docs/ has the section {section!r} the alarms point at"


def test_the_unknown_values_decision_is_documented() -> None:
    """policy/comments_policy/decidable.py, through which every policy enters the pack, is
    explained on the policy page: undecidable at preview is refused."""
    page = (DOCS / "policy-pack.md").read_text()
    assert "## Deciding at preview (fail closed)" in page
    assert "**Every policy fails closed.**" in page


def test_every_variable_and_secret_the_workflows_read_is_in_the_delivery_page() -> None:
    names: set[str] = set()
    for workflow in (REPO_ROOT / ".github" / "workflows").glob("*.yml"):
        names |= set(re.findall(r"\b(?:vars|secrets)\.([A-Z][A-Z0-9_]*)", workflow.read_text()))
    assert names
    delivery = (DOCS / "delivery.md").read_text()
    assert sorted(n for n in names if f"| `{n}` |" not in delivery) == []


def test_tearing_down_names_the_protections_and_how_to_lift_them() -> None:
    text = (DOCS / "aws.md").read_text()
    for fact in (
        "pulumi destroy",
        "`protect`",
        "deletionProtectionEnabled",
        "pulumi state unprotect",
        "--no-deletion-protection-enabled",
        "comments-break-glass",
        "dataProtectedEnvironments",
        "protectedTables",
    ):
        assert fact in text, fact


# The Apache License 2.0 as apache.org publishes it (LICENSE-2.0.txt): its SHA-256.
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_the_licence_is_apache_2() -> None:
    first, _, text = (REPO_ROOT / "LICENSE").read_text().partition("\n")
    assert first == "Copyright 2026 The comments-service authors"
    assert hashlib.sha256(text.encode()).hexdigest() == APACHE_2_SHA256
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        assert tomllib.load(handle)["project"]["license"] == "Apache-2.0"
