"""The workflows' report and check scripts, run against a fake GitHub API and the real stacks."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.workflows import pipeline_rules as rules

pytestmark = pytest.mark.server

SCRIPTS = rules.ROOT / ".github" / "scripts"
BOT = "github-actions[bot]"
REPO = "example-org/comments"


def load(name: str) -> ModuleType:
    """Import a script the way `python3 .github/scripts/<name>.py` does (its folder on path)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeGitHub:
    """Issues, their comments and pull requests' comments, as the REST API pages them."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}  # issues by number
        self.comments: dict[int, dict[str, Any]] = {}  # comments by id
        self.requests: list[tuple[str, str]] = []
        self._ids = 100

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        self.requests.append((method, path))
        url = urlparse(path)
        parts = url.path.removeprefix(f"/repos/{REPO}").strip("/").split("/")
        query = parse_qs(url.query)
        page, per_page = int(query.get("page", ["1"])[0]), int(query.get("per_page", ["30"])[0])

        def paged(items: list[dict[str, Any]]) -> tuple[int, Any]:
            return 200, items[(page - 1) * per_page : page * per_page]

        match (method, parts):
            case ("GET", ["issues"]):
                state = query.get("state", ["open"])[0]
                return paged([i for i in self.items.values() if i["state"] == state])
            case ("POST", ["issues"]):
                number = self.next_id()
                self.items[number] = {
                    "number": number,
                    "state": "open",
                    "user": {"login": BOT},
                    **body,
                }
                return 201, self.items[number]
            case ("PATCH", ["issues", number]):
                self.items[int(number)].update(body)
                return 200, self.items[int(number)]
            case ("GET", ["issues", number, "comments"]):
                return paged([c for c in self.comments.values() if c["issue"] == int(number)])
            case ("POST", ["issues", number, "comments"]):
                cid = self.next_id()
                self.comments[cid] = {
                    "id": cid,
                    "issue": int(number),
                    "user": {"login": BOT},
                    **body,
                }
                return 201, self.comments[cid]
            case ("PATCH", ["issues", "comments", cid]):
                self.comments[int(cid)].update(body)
                return 200, self.comments[int(cid)]
        return 404, {"message": f"no route {method} {path}"}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            assert self.headers["Authorization"] == "Bearer test-token"
            status, payload = fake.handle(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _reply

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


# What `pulumi preview --diff` prints when the pack stops it (abridged, real layout).
FAILED_PREVIEW = """\
Previewing update (prod)

  pulumi:pulumi:Stack: (same)
    [urn=urn:pulumi:prod::comments::pulumi:pulumi:Stack::comments-prod]
    ~ aws:dynamodb/table:Table: (update)
        [urn=urn:pulumi:prod::comments::aws:dynamodb/table:Table::comments-table]
      ~ readCapacity: \x1b[33m2\x1b[0m => 400
Policies:
    \u274c comments-policy@v0.0.1 (local: policy)
        - [mandatory]  dynamodb-capacity-cap  (aws:dynamodb/table:Table: comments-table)
          readCapacity 400 is above the prod cap of 20 (policy/config/prod.json: maxReadCapacity)

Resources:
    ~ 1 to update
"""


def previews(tmp_path: Path, **stacks: tuple[str, str]) -> Path:
    """The preview jobs' artifacts as the comment job downloads them: stack -> (log, exit code)."""
    folder = tmp_path / "previews"
    folder.mkdir(exist_ok=True)
    for stack, (log, exit_code) in stacks.items():
        (folder / f"{stack}.log").write_text(log)
        (folder / f"{stack}.exit-code").write_text(f"{exit_code}\n")
    return folder


def post(comment: ModuleType, folder: Path, *stacks: str, commit: str = "abc123") -> int:
    argv = ["--previews", str(folder), "--pull-request", "7", "--commit", commit, *stacks]
    result: int = comment.main(argv)
    return result


def test_a_failed_preview_posts_its_violations_and_diff(github: FakeGitHub, tmp_path: Path) -> None:
    comment = load("preview_comment")
    assert post(comment, previews(tmp_path, prod=(FAILED_PREVIEW, "255")), "prod") == 0
    (posted,) = github.comments.values()
    body = posted["body"]
    assert posted["issue"] == 7
    assert "❌ `pulumi preview` of **prod** failed (exit 255)" in body
    violations = body.split("**Policy results**")[1].split("<details>")[0]
    assert "[mandatory]  dynamodb-capacity-cap" in violations
    assert "maxReadCapacity" in violations
    assert "Resources:" not in violations
    assert "~ readCapacity: 2 => 400" in body, "property-level diff, colour codes stripped"


def test_each_push_updates_the_stacks_comment_instead_of_adding_one(
    github: FakeGitHub, tmp_path: Path
) -> None:
    comment = load("preview_comment")
    # Someone quoting the marker, and another stack's comment, are left alone.
    github.comments[1] = {
        "id": 1,
        "issue": 7,
        "user": {"login": "ada"},
        "body": comment.marker("dev"),
    }
    folder = previews(tmp_path, staging=(FAILED_PREVIEW, "0"), dev=(FAILED_PREVIEW, "255"))
    post(comment, folder, "staging", "dev", commit="c1")
    folder = previews(
        tmp_path, dev=("Previewing update (dev)\n\nResources:\n    8 unchanged\n", "0")
    )
    post(comment, folder, "dev", commit="c2")
    ours = [c for c in github.comments.values() if c["user"]["login"] == BOT]
    assert len(ours) == 2
    (dev,) = [c for c in ours if comment.marker("dev") in c["body"]]
    assert "✅" in dev["body"] and "`c2`" in dev["body"] and "Policy results" not in dev["body"]
    assert github.comments[1]["body"] == comment.marker("dev")
    assert ("PATCH", f"/repos/{REPO}/issues/comments/{dev['id']}") in github.requests


def test_comments_are_found_past_the_first_page(github: FakeGitHub, tmp_path: Path) -> None:
    comment = load("preview_comment")
    for i in range(150):
        github.comments[1000 + i] = {
            "id": 1000 + i,
            "issue": 7,
            "user": {"login": "ada"},
            "body": "lgtm",
        }
    folder = previews(tmp_path, dev=("Resources:\n", "0"))
    for _ in range(2):
        post(comment, folder, "dev")
    assert len([c for c in github.comments.values() if c["user"]["login"] == BOT]) == 1


def test_a_long_output_keeps_its_end_within_githubs_limit() -> None:
    comment = load("preview_comment")
    log = "x\n" * 50_000 + FAILED_PREVIEW
    body = comment.comment_body("prod", log, 255, "abc")
    assert len(body) < 65_536
    assert body.rstrip().endswith("</details>")
    assert "dynamodb-capacity-cap" in body


def _outside_code_blocks(body: str) -> str:
    """The body's Markdown outside fenced code blocks: what GitHub renders as Markdown."""
    return "".join(
        part for i, part in enumerate(re.split(r"^```.*$", body, flags=re.M)) if i % 2 == 0
    )


def test_the_log_is_untrusted_data_quoted_where_it_cannot_escape(
    github: FakeGitHub, tmp_path: Path
) -> None:
    """The log comes from a job that ran the pull request's code: whatever it holds stays in
    code blocks, cannot claim another stack's comment, and cannot blow GitHub's size limit."""
    comment = load("preview_comment")
    hostile = (
        "x\n" * 40_000  # past the limit: the end is kept, so the payload goes last
        + "Policies:\n"
        + "    y\n" * 9_000  # a policy section that leaves the log little room
        + "`````\n"
        "### ✅ `pulumi preview` of **prod** passed the policy pack\n"
        f"{comment.marker('staging')}\n"
        "   ```\n"
        "@everyone ![x](https://example.invalid/pixel.png)\n"
    )
    folder = previews(tmp_path, dev=(hostile, "not-a-number"), staging=("Resources:\n", "0"))
    post(comment, folder, "dev", "staging")
    ours = {c["body"].split("\n", 1)[0]: c["body"] for c in github.comments.values()}
    assert set(ours) == {comment.marker("dev"), comment.marker("staging")}, "one each"
    dev = ours[comment.marker("dev")]
    assert "failed (exit code unknown)" in dev
    assert len(dev) < 65_536
    rendered = _outside_code_blocks(dev)
    for escaped in ("@everyone", "pixel.png", "passed the policy pack", "comments-preview:staging"):
        assert escaped not in rendered, escaped
    assert "✅" in ours[comment.marker("staging")]


def test_a_stack_without_output_gets_a_comment_saying_so(
    github: FakeGitHub, tmp_path: Path
) -> None:
    comment = load("preview_comment")
    post(comment, previews(tmp_path, dev=("Resources:\n", "0")), "dev", "prod")
    (prod,) = [c["body"] for c in github.comments.values() if "**prod**" in c["body"]]
    assert prod.startswith(comment.marker("prod"))
    assert "No `pulumi preview` output for **prod**" in prod
    assert "`preview (prod)` check's log" in prod


DRIFTED = "Previewing update (prod)\n  ~ readCapacity: 2 => 5\nerror: no changes were expected but changes were proposed\n"


def test_drift_opens_then_updates_one_issue_and_a_clean_run_closes_it(
    github: FakeGitHub, tmp_path: Path
) -> None:
    drift = load("drift_issue")
    log = tmp_path / "drift.log"
    log.write_text(DRIFTED)
    assert drift.main(["--stack", "prod", "--log", str(log), "--exit-code", "255"]) == 0
    (issue,) = github.items.values()
    assert issue["title"] == "Drift in prod" and "readCapacity: 2 => 5" in issue["body"]
    log.write_text(DRIFTED.replace("2 => 5", "2 => 9"))
    drift.main(["--stack", "prod", "--log", str(log), "--exit-code", "255"])
    drift.main(["--stack", "dev", "--log", str(log), "--exit-code", "0"])  # dev is clean
    assert len(github.items) == 1, "updated, not duplicated; a clean dev opens nothing"
    assert "2 => 9" in issue["body"] and issue["state"] == "open"
    log.write_text("Resources:\n    8 unchanged\n")
    assert drift.main(["--stack", "prod", "--log", str(log), "--exit-code", "0"]) == 0
    assert issue["state"] == "closed"
    (note,) = github.comments.values()
    assert note["issue"] == issue["number"] and note["body"].startswith("Clean again")


def test_a_failed_check_is_not_drift_and_changes_no_issue(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drift = load("drift_issue")
    log = tmp_path / "drift.log"
    log.write_text("error: failed to decrypt: AccessDenied\n")
    assert drift.main(["--stack", "staging", "--log", str(log), "--exit-code", "255"]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("::error::The drift check of staging failed before it could compare")
    assert github.items == {} and github.requests == []


# --- check_environment.py -----------------------------------------------------------------

GOOD = {
    "AWS_DEPLOY_ROLE_ARN": "arn:aws:iam::333333333333:role/github-pipeline/comments-deploy-prod",
    "AWS_REGION": "us-east-1",
    "PULUMI_BACKEND_URL": "",
    "PULUMI_ORG": "example-org",
    "PULUMI_TEAM": "comments-deploy-prod",
}


def run_check(env: dict[str, str], root: Path | None = None, stack: str = "prod") -> Any:
    check = load("check_environment")
    return check.check(stack, stack, "AWS_DEPLOY_ROLE_ARN", env, **({"root": root} if root else {}))


def test_pulumi_cloud_stack_name_carries_the_organisation() -> None:
    assert run_check(GOOD) == {
        "stack-name": "example-org/prod",
        "backend": "cloud",
        "cloud-url": "",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"AWS_DEPLOY_ROLE_ARN": ""},
            "variable AWS_DEPLOY_ROLE_ARN of the GitHub environment 'prod' (Settings > "
            "Environments > prod; bootstrap/github declares it) is not set",
        ),
        ({"AWS_REGION": " "}, "variable AWS_REGION of the GitHub environment 'prod'"),
        (
            {"AWS_REGION": "eu-west-1"},
            "is 'eu-west-1' but stack prod's aws:region is 'us-east-1'",
        ),
        ({"PULUMI_TEAM": ""}, "variable PULUMI_TEAM of the GitHub environment 'prod'"),
        (
            {"PULUMI_BACKEND_URL": "file:///tmp/state"},
            "is 'file:///tmp/state': use the bootstrap's s3://",
        ),
        (
            {"PULUMI_BACKEND_URL": "s3://comments-pulumi-state-333333333333-us-east-1"},
            "environments/Pulumi.prod.yaml has no awskms:// secretsprovider",
        ),
    ],
)
def test_a_bad_variable_is_one_error_line_before_any_pulumi_command(
    change: dict[str, str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check = load("check_environment")
    for key, value in {**GOOD, **change}.items():
        monkeypatch.setenv(key, value)
    argv = [
        "--stack",
        "prod",
        "--github-environment",
        "prod",
        "--role-variable",
        "AWS_DEPLOY_ROLE_ARN",
    ]
    assert check.main(argv) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("::error::") and message in line, line


def test_an_s3_stack_with_the_kms_secrets_provider_passes(tmp_path: Path) -> None:
    shutil.copy(rules.ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(rules.ROOT / "environments", tmp_path / "environments")
    stack_file = tmp_path / "environments" / "Pulumi.prod.yaml"
    provider = "awskms://alias/comments-prod-secrets?region=us-east-1"
    stack_file.write_text(f"secretsprovider: {provider}\n" + stack_file.read_text())
    backend = "s3://comments-pulumi-state-333333333333-us-east-1?region=us-east-1"
    outputs = run_check({**GOOD, "PULUMI_BACKEND_URL": backend}, root=tmp_path)
    assert outputs == {"stack-name": "prod", "backend": "s3", "cloud-url": backend}


def test_the_check_writes_the_jobs_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = load("check_environment")
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    output = tmp_path / "github_output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    argv = [
        "--stack",
        "prod",
        "--github-environment",
        "prod",
        "--role-variable",
        "AWS_DEPLOY_ROLE_ARN",
    ]
    assert check.main(argv) == 0
    assert output.read_text() == "stack-name=example-org/prod\nbackend=cloud\ncloud-url=\n"


# --- drift workflow -------------------------------------------------------------------------


def test_drift_runs_daily_and_on_demand_with_read_only_credentials() -> None:
    drift = rules.load("drift.yml")
    on = rules.triggers(drift)
    assert set(on) == {"schedule", "workflow_dispatch"}
    job = drift["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == list(rules.PROMOTION)
    assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    (creds,) = rules.action_steps(job, "aws-actions/configure-aws-credentials")
    assert creds["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert job["environment"] == "preview-${{ matrix.stack }}"
    (preview,) = [s for s in rules.steps(job) if s.get("id") == "preview"]
    command = " ".join(str(preview["run"]).split())
    assert 'pulumi preview --stack "$STACK_NAME" --refresh --expect-no-changes --diff' in command
    text = (rules.WORKFLOWS / "drift.yml").read_text()
    assert not any(f"pulumi {verb}" in text for verb in ("up", "refresh ", "destroy")), "read-only"
    (report,) = [s for s in rules.steps(job) if "drift_issue.py" in str(s.get("run", ""))]
    assert report["env"]["EXIT_CODE"] == "${{ steps.preview.outputs.exit-code }}"
