"""`python -m tooling.restore`: its answers to bad input, without an environment to restore in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tooling.restore import epoch_ms, iso, main, parse_time, restored_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T14:04:00Z", datetime(2026, 12, 1, 14, 4, tzinfo=UTC)),
        ("2026-12-01T15:04:00+01:00", datetime(2026, 12, 1, 14, 4, tzinfo=UTC)),
        ("1796133840000", datetime(2026, 12, 1, 14, 4, tzinfo=UTC)),
    ],
)
def test_times_with_a_zone_or_in_epoch_milliseconds(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected
    assert epoch_ms(parse_time(text)) == 1796133840000


def test_a_time_without_a_zone_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["point-in-time", "--table", "t", "--to", "2026-12-01T14:04:00"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "python -m tooling.restore point-in-time: error: argument --to: "
        "'2026-12-01T14:04:00' is not a time with a zone: use ISO 8601 like "
        "2026-12-01T14:04:00Z or epoch milliseconds"
    )


def test_names_and_printed_times_keep_the_millisecond() -> None:
    moment = datetime(2026, 12, 1, 14, 4, 0, 250_000, tzinfo=UTC)
    assert restored_name("comments-prod-table-1a2b3c4", moment) == (
        "comments-prod-table-1a2b3c4-restored-20261201t140400z"
    )
    assert iso(moment) == "2026-12-01T14:04:00.250Z"


def test_a_future_restore_point_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # Checked before any AWS call: no credentials or endpoint are needed to get this answer.
    status = main(["point-in-time", "--table", "t", "--to", "2999-01-01T00:00:00Z"])
    assert status == 2
    assert capsys.readouterr().err == (
        "error: 2999-01-01T00:00:00.000Z is in the future: nothing to restore yet\n"
    )


def test_local_needs_a_running_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COMMENTS_LOCAL_DIR", str(tmp_path))
    status = main(["--local", "copy-back", "--from", "x", "--until", "2026-12-01T14:04:00Z"])
    assert status == 2
    assert capsys.readouterr().err == (
        "error: the local environment is not running: run `make deploy` first\n"
    )
