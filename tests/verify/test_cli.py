"""python -m verify end to end on recorded answers: exit 0 only when every check passed, 1 when
one failed or did not run, 2 with one line when an input is missing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.verify import aws_answers as answers
from tests.verify import github_examples as examples
from tests.verify.recorded import RecordedGitHub, StubbedSession, Stubs, github_session
from verify import aws, cli, repo

pytestmark = pytest.mark.slow

STACK = "dev"
ENVIRON = {"GITHUB_TOKEN": "ghs_example"}


class NoCredentials(StubbedSession):
    def get_credentials(self) -> None:
        return None


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(answers.outputs(STACK)))
    return path


def queue_everything(stubs: Stubs, *, budget_refused: bool = False) -> None:
    """Every AWS answer of a run for STACK, in the order the kit asks."""
    settings, bootstrap = repo.stack_settings(STACK), repo.bootstrap_settings()
    account = answers.account_of(STACK, settings, bootstrap)
    answers.queue_resolve(stubs, STACK)
    answers.queue_simulations(stubs, account)
    answers.queue_boundaries(stubs, account)
    identity = repo.RepositoryIdentity(
        examples.REPOSITORY, str(examples.REPOSITORY_ID), "1", f"repo:{examples.REPOSITORY}"
    )
    answers.queue_analyzer(stubs, aws.reviewed_documents(stubs, account, identity))
    answers.queue_stack(stubs, account, budget_refused=budget_refused)


def main(
    args: list[str], stubs: Stubs, github_answers: dict[str, Any], environ: dict[str, str] = ENVIRON
) -> int:
    adapter = RecordedGitHub(examples.REPOSITORY, github_answers)
    return cli.main(
        args, session=StubbedSession(stubs), http=github_session(adapter), environ=environ
    )


def args(outputs: Path) -> list[str]:
    return ["--stack", STACK, "--github-repo", examples.REPOSITORY, "--outputs", str(outputs)]


def test_every_check_passing_exits_0(outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stubs = Stubs(repo.stack_settings(STACK).region)
    queue_everything(stubs)
    code = main(args(outputs), stubs, examples.answers(STACK))
    printed = capsys.readouterr().out
    stubs.assert_done()
    assert code == 0, printed
    lines = printed.splitlines()
    assert lines[0].split() == ["check", "status", "detail"]
    assert " FAIL " not in printed and "not run" not in printed.replace("0 not run", "")
    assert lines[-1].startswith("verify: ") and lines[-1].endswith(" pass, 0 FAIL, 0 not run")
    for row in (
        "aws: the credentials are for the stack's account",
        "iam: deploy role refuses escalation attempts",
        "analyzer: deploy role trust (dev) deployed grants no new access",
        "stack: budget limit equals the policy config's",
        "github: required checks of main",
    ):
        assert any(line.startswith(row) and "  pass  " in line for line in lines), row


def test_a_check_not_run_exits_1(outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stubs = Stubs(repo.stack_settings(STACK).region)
    queue_everything(stubs, budget_refused=True)
    code = main(args(outputs), stubs, examples.answers(STACK))
    printed = capsys.readouterr().out
    assert code == 1
    (row,) = [line for line in printed.splitlines() if line.startswith("stack: budget")]
    assert "not run" in row and "AccessDeniedException" in row
    assert printed.splitlines()[-1].endswith(" pass, 0 FAIL, 1 not run")


def test_a_failed_check_exits_1(outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stubs = Stubs(repo.stack_settings(STACK).region)
    queue_everything(stubs)
    github_answers = examples.answers(STACK)
    github_answers["/actions/permissions/workflow"]["can_approve_pull_request_reviews"] = True
    assert main(args(outputs), stubs, github_answers) == 1
    assert "1 FAIL, 0 not run" in capsys.readouterr().out


def test_no_stack_outputs_leave_the_stack_checks_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stubs = Stubs(repo.stack_settings(STACK).region)
    answers.queue_resolve(stubs, STACK, integration=False)
    missing = tmp_path / "none.json"
    code = main(
        ["--stack", STACK, "--github-repo", examples.REPOSITORY, "--outputs", str(missing)],
        stubs,
        examples.answers(STACK),
    )
    printed = capsys.readouterr().out
    assert code == 1
    (row,) = [line for line in printed.splitlines() if line.startswith("stack: alarms")]
    assert "not run" in row and "cannot read --outputs" in row


@pytest.mark.parametrize(
    ("session", "environ", "expected"),
    [
        (NoCredentials(Stubs("us-east-1")), ENVIRON, "error: missing AWS credentials"),
        (None, {}, "error: missing a GitHub token (GITHUB_TOKEN)"),
        (
            NoCredentials(Stubs("us-east-1")),
            {},
            "error: missing AWS credentials (a profile, AWS_ACCESS_KEY_ID or an assumed role) and a GitHub token (GITHUB_TOKEN)",
        ),
    ],
)
def test_missing_credentials_or_token_exit_2_with_one_line(
    session: StubbedSession | None,
    environ: dict[str, str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stubs = Stubs("us-east-1")
    code = cli.main(
        ["--stack", STACK, "--github-repo", examples.REPOSITORY],
        session=session or StubbedSession(stubs),
        http=github_session(RecordedGitHub(examples.REPOSITORY, {})),
        environ=environ,
    )
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith(expected)
    assert stubs.clients == {}, "nothing is asked of AWS"


def test_a_missing_repository_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--stack", STACK], session=StubbedSession(Stubs("us-east-1")), environ=ENVIRON)
    assert code == 2
    assert "missing the repository (--github-repo owner/name" in capsys.readouterr().err


def test_an_unknown_stack_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["--stack", "qa", "--github-repo", examples.REPOSITORY], environ=ENVIRON)
    assert code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: no stack 'qa'")
