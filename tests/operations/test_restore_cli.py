"""`python -m tooling.restore`: its answers to bad input, without an environment to restore in."""

from __future__ import annotations

import json
import os
import shlex
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tooling import restore
from tooling.offline_runner import load_stack_config
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


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str | None, str]]]:
    """moto in this process in place of AWS and of the local environment's moto; the list
    records the (endpoint, region) each run aimed its client at."""
    aimed: list[tuple[str | None, str]] = []

    def client(endpoint: str | None, region: str) -> Any:
        aimed.append((endpoint, region))
        return boto3.client("dynamodb", region_name=region)

    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(variable, "test")
    for variable in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(restore, "_client", client)
    with mock_aws():
        yield aimed


CREATED = epoch_ms(datetime.now(tz=UTC)) - 60_000  # a comment of a minute ago
KEY = {"slug": {"S": "/blog/a"}, "createdAt": {"N": str(CREATED)}}


def protected_table(region: str, name: str) -> None:
    """A comments table with point-in-time recovery and one comment."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "slug", "KeyType": "HASH"},
            {"AttributeName": "createdAt", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "slug", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    dynamodb.put_item(TableName=name, Item=KEY)


def lose_the_comment(region: str, table: str) -> None:
    boto3.client("dynamodb", region_name=region).delete_item(TableName=table, Key=KEY)


def has_the_comment(region: str, table: str) -> bool:
    found = boto3.client("dynamodb", region_name=region).get_item(TableName=table, Key=KEY)
    return "Item" in found


def local_environment(root: Path, table: str, port: int) -> None:
    """Records of a running local environment whose moto listens on `port`."""
    root.mkdir(parents=True, exist_ok=True)
    moto = {"pid": os.getpid(), "port": port, "instance": "i"}
    (root / "moto.json").write_text(json.dumps(moto))
    (root / "stacks").mkdir()
    (root / "stacks" / "local.json").write_text(json.dumps({"outputs": {"tableName": table}}))


def pasted(output: str) -> list[str]:
    """The arguments of the `next:` line of `output`, split as a shell splits what is pasted."""
    (line,) = [line for line in output.splitlines() if line.startswith("next: ")]
    words = shlex.split(line.removeprefix("next: "))
    assert words[:3] == ["python", "-m", "tooling.restore"], line
    return words[3:]


def now_past() -> str:
    time.sleep(0.01)
    return iso(datetime.now(tz=UTC) - timedelta(milliseconds=5))


@pytest.mark.parametrize(
    "where",
    [
        ["--stack", "prod"],
        ["--stack", "staging", "--region", "eu-west-1"],
        ["--region", "us-west-2"],
    ],
    ids=["stack", "stack-and-region", "region"],
)
def test_the_next_steps_pasted_as_printed_aim_where_the_restore_did(
    aws: list[tuple[str | None, str]], where: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    region = where[where.index("--region") + 1] if "--region" in where else None
    region = region or load_stack_config(where[1])["aws:region"]
    protected_table(region, "comments-live")
    to = now_past()
    assert main([*where, "point-in-time", "--table", "comments-live", "--to", to]) == 0
    lose_the_comment(region, "comments-live")
    listing = pasted(capsys.readouterr().out)
    assert main(listing) == 0
    listed = capsys.readouterr().out
    assert "would copy 1 comment(s) into comments-live" in listed, listed
    applying = pasted(listed)
    assert applying == [*listing, "--apply"]
    assert main(applying) == 0
    assert "copied 1 comment(s) into comments-live" in capsys.readouterr().out
    assert has_the_comment(region, "comments-live")
    assert aws == [(None, region)] * 3  # every step: AWS, in the region the first one used


def test_the_next_steps_of_a_local_restore_stay_local(
    aws: list[tuple[str | None, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as moto:
        moto.bind(("127.0.0.1", 0))
        moto.listen()
        port = moto.getsockname()[1]
        local_environment(tmp_path, "comments-local-table", port)
        monkeypatch.setenv("COMMENTS_LOCAL_DIR", str(tmp_path))
        protected_table("us-east-1", "comments-local-table")
        to = now_past()
        assert main(["--local", "point-in-time", "--to", to]) == 0
        lose_the_comment("us-east-1", "comments-local-table")
        listing = pasted(capsys.readouterr().out)
        since = iso(datetime.now(tz=UTC) - timedelta(hours=1))
        assert main([*listing, "--since", since]) == 0
        applying = pasted(capsys.readouterr().out)
        assert applying == [*listing, "--since", since, "--apply"]
        assert main(applying) == 0
        assert "copied 1 comment(s) into comments-local-table" in capsys.readouterr().out
    assert has_the_comment("us-east-1", "comments-local-table")
    # Every step aimed at the local environment's moto, none at AWS.
    assert aws == [(f"http://127.0.0.1:{port}", "us-east-1")] * 3
