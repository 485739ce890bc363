"""The data plane as its own process (`python -m emulator.gateway`), as the local environment
runs it: memory stays flat under oversized payloads, its log file is rotated, and stopping it
delivers every access-log line first.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.gateway.apis import ACCESS_LOG_GROUP, ACCOUNT, REGION
from tests.gateway.conftest import Aws
from tests.gateway.test_gateway_http import LOG_FORMAT, _api, _send_chunked, read_response
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.server

API_ID = "processapi"
START_TIMEOUT = 60.0
MIB = 1 << 20


@dataclass
class GatewayProcess:
    process: subprocess.Popen[str]
    url: str
    port: int

    def rss_kib(self, field: str = "VmRSS") -> int:
        """The process's resident memory (VmHWM: its peak so far), from /proc."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def stop(self) -> int:
        """SIGTERM, as `make down` sends it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


Starter = Callable[..., GatewayProcess]


def _state(path: Path) -> Path:
    state = {
        "restApis": {
            API_ID: {
                "name": API_ID,
                "deployments": {"d1": {"definition": _api()}},
                "stages": {
                    "test": {
                        "deploymentId": "d1",
                        "variables": {},
                        "throttle": None,
                        "accessLog": {
                            "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
                            + ACCESS_LOG_GROUP,
                            "format": LOG_FORMAT,
                        },
                    }
                },
            }
        }
    }
    file = path / "gateway-state.json"
    file.write_text(json.dumps(state))
    return file


@pytest.fixture
def start(aws: Aws, tmp_path: Path) -> Iterator[Starter]:
    started: list[GatewayProcess] = []

    def run(*extra: str) -> GatewayProcess:
        command = [
            sys.executable,
            "-m",
            "emulator.gateway",
            "--state-file",
            str(_state(tmp_path)),
            "--aws-endpoint",
            aws.endpoint,
            "--port",
            "0",
            *extra,
        ]
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening on "), first
        url = first.removeprefix("listening on ").strip()
        gateway = GatewayProcess(process, url, int(url.rsplit(":", 1)[1]))
        started.append(gateway)
        # Keep reading stdout so the child never blocks on a full pipe.
        threading.Thread(target=process.stdout.read, daemon=True).start()
        return gateway

    yield run
    for gateway in started:
        if gateway.process.poll() is None:
            gateway.process.kill()
            gateway.process.wait()


def _upload(port: int, total: int) -> int:
    """Stream `total` bytes as a chunked POST and return the status the gateway answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sender = threading.Thread(
            target=_send_chunked, args=(sock, f"/{API_ID}/test/comments", total)
        )
        sender.start()
        response = read_response(sock)
        response.read()
        sender.join()
        return response.status


def test_three_100_mb_payloads_at_once_leave_memory_flat(start: Starter) -> None:
    """Before the limit, a 100 MB body was read whole (1.4 GB RSS, 2 GB for three at once)."""
    gateway = start()
    assert requests.get(f"{gateway.url}/{API_ID}/test/comments", timeout=30).status_code == 200
    before = gateway.rss_kib()
    statuses: list[int] = []
    uploads = [
        threading.Thread(target=lambda: statuses.append(_upload(gateway.port, 100 * MIB)))
        for _ in range(3)
    ]
    for upload in uploads:
        upload.start()
    for upload in uploads:
        upload.join()
    assert statuses == [413, 413, 413]
    growth_mib = (gateway.rss_kib("VmHWM") - before) / 1024
    # Each connection may hold up to the 10 MB limit while it decides.
    assert growth_mib < 3 * 10 * 2 + 20, f"peak RSS grew by {growth_mib:.0f} MiB"
    assert requests.get(f"{gateway.url}/{API_ID}/test/comments", timeout=30).status_code == 200


def _log_lines(directory: Path, name: str) -> list[str]:
    return [
        line
        for file in sorted(directory.glob(name + "*"))
        for line in file.read_text(encoding="utf-8").splitlines()
    ]


def test_the_log_file_is_rotated_and_bounded(start: Starter, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "gateway.log"
    max_bytes, backups = 20_000, 2
    gateway = start(
        "--log-file", str(log), "--log-max-bytes", str(max_bytes), "--log-backups", str(backups)
    )
    session = requests.Session()
    ids = []
    for _ in range(600):  # ~150 bytes a line: several times what the files may hold
        response = session.get(f"{gateway.url}/{API_ID}/test/comments", timeout=30)
        ids.append(response.headers["x-amzn-RequestId"])
    assert gateway.stop() == 0
    files = sorted(p.name for p in log.parent.iterdir())
    assert files == ["gateway.log", "gateway.log.1", "gateway.log.2"]
    sizes = {p.name: p.stat().st_size for p in log.parent.iterdir()}
    assert all(size <= max_bytes for size in sizes.values()), sizes
    # The newest lines are kept: the last request's line is in the current file.
    assert ids[-1] in log.read_text(encoding="utf-8")
    assert ids[0] not in "".join(_log_lines(log.parent, "gateway.log"))


def test_stopping_delivers_every_access_log_line(start: Starter, aws: Aws, tmp_path: Path) -> None:
    """`make down` sends SIGTERM: lines still waiting for their batch must not be lost."""
    log = tmp_path / "gateway.log"
    gateway = start("--log-file", str(log))
    session = requests.Session()
    marker = uuid.uuid4().hex
    ids = [
        session.get(
            f"{gateway.url}/{API_ID}/test/comments", params={"m": marker}, timeout=30
        ).headers["x-amzn-RequestId"]
        for _ in range(50)
    ]
    assert gateway.stop() == 0
    written = log.read_text(encoding="utf-8")
    assert [i for i in ids if i not in written] == []
    events = aws.logs.filter_log_events(
        logGroupName=ACCESS_LOG_GROUP, logStreamNames=[f"{API_ID}-test"]
    )["events"]
    delivered = {json.loads(e["message"])["requestId"] for e in events}
    assert set(ids) <= delivered
