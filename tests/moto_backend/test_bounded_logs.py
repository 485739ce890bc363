"""moto's log store and moto.log stay bounded however long the local environment runs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from emulator import moto_backend
from tests.moto_backend.conftest import REGION
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.slow

GROUP, STREAM = "/aws/apigateway/comments-local", "access"
DAY_MS = 86_400_000


@pytest.fixture
def logs() -> Iterator[Any]:
    moto_backend.apply_fixes()
    with mock_aws():
        client = boto3.client(
            "logs", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        yield client


def stored(logs: Any) -> list[str]:
    events = logs.get_log_events(logGroupName=GROUP, logStreamName=STREAM, startFromHead=True)
    return [event["message"] for event in events["events"]]


def test_events_older_than_the_groups_retention_are_dropped(logs: Any) -> None:
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=1)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName=STREAM,
        logEvents=[
            {"timestamp": now - 3 * DAY_MS, "message": "three days old"},
            {"timestamp": now - DAY_MS - 60_000, "message": "a day and a minute old"},
            {"timestamp": now - DAY_MS + 60_000, "message": "a minute short of a day"},
        ],
    )
    logs.put_log_events(
        logGroupName=GROUP, logStreamName=STREAM, logEvents=[{"timestamp": now, "message": "now"}]
    )
    assert stored(logs) == ["a minute short of a day", "now"]


def test_a_stream_keeps_only_its_newest_events(logs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_backend, "LOG_EVENTS_KEPT_PER_STREAM", 50)
    now = int(time.time() * 1000)
    for batch in range(4):
        logs.put_log_events(
            logGroupName=GROUP,
            logStreamName=STREAM,
            logEvents=[
                {"timestamp": now + batch * 100 + n, "message": f"{batch}-{n}"} for n in range(30)
            ],
        )
    kept = stored(logs)
    assert len(kept) == 50
    assert kept == [f"{b}-{n}" for b in range(4) for n in range(30)][-50:]
    group = logs.describe_log_streams(logGroupName=GROUP)["logStreams"][0]
    assert group["storedBytes"] == sum(len(message) for message in kept)


def test_moto_log_rotates_and_tracebacks_follow_the_current_file(tmp_path: Path) -> None:
    log = tmp_path / "moto.log"
    script = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from emulator.moto_backend import log_to\n"
        f"log_to(Path({str(log)!r}), max_bytes=2000)\n"
        "for n in range(400):\n"
        "    logging.getLogger('werkzeug').info('request line %03d', n)\n"
        "print('written to stderr', file=sys.stderr, flush=True)\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, check=True, timeout=60)
    current, older = log.read_text(), Path(f"{log}.1").read_text()
    assert len(current.encode()) <= 2000 and len(older.encode()) <= 2000
    assert not Path(f"{log}.2").exists()
    assert "request line 399" in current and "request line 000" not in current + older
    assert current.endswith("written to stderr\n")
