"""The table and the exit code: 0 only when every check passed."""

from __future__ import annotations

from verify.report import Status, exit_code, failed, from_problems, not_run, passed, render


def test_exit_code_is_0_only_when_every_check_passed() -> None:
    assert exit_code([passed("a"), passed("b")]) == 0
    assert exit_code([passed("a"), failed("b", "differs")]) == 1
    assert exit_code([passed("a"), not_run("b", "AccessDenied")]) == 1
    assert exit_code([]) == 1, "no check at all proves nothing"


def test_a_problem_fails_and_an_unchecked_part_is_not_run() -> None:
    assert from_problems("x", [], "ok").status is Status.PASS
    assert from_problems("x", [], "ok", ["403"]).status is Status.NOT_RUN
    mixed = from_problems("x", ["wrong"], "ok", ["403"])
    assert mixed.status is Status.FAIL
    assert mixed.detail == "wrong (and 1 not run: 403)"


def test_the_table_has_a_row_per_check_and_a_count() -> None:
    table = render([passed("one", "fine"), failed("two", "differs"), not_run("three", "why")])
    lines = table.splitlines()
    assert lines[0].split() == ["check", "status", "detail"]
    assert lines[2].split() == ["one", "pass", "fine"]
    assert lines[3].split() == ["two", "FAIL", "differs"]
    assert lines[4].split() == ["three", "not", "run", "why"]
    assert lines[-1] == "verify: 1 pass, 1 FAIL, 1 not run"
