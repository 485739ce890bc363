"""The suite's own bookkeeping: a documented 429 is retried and counted, never a violation;
a 429 that is not API Gateway's throttling answer is one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.abuse.conftest import Ledger

pytestmark = pytest.mark.server

THROTTLED = {
    "status": 429,
    "headers": {
        "Content-Type": "application/json",
        "Access-Control-Allow-Origin": "*",
        "x-amzn-ErrorType": "TooManyRequestsException",
    },
    "body": {"message": "Too Many Requests"},
}
OK = {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"items": []}}


class _Scripted(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.script: list[dict[str, object]] = []


class _Answer(BaseHTTPRequestHandler):
    server: _Scripted

    def do_GET(self) -> None:
        answer = self.server.script.pop(0)
        body = json.dumps(answer["body"]).encode()
        self.send_response(int(str(answer["status"])))
        for name, value in dict(answer["headers"]).items():  # type: ignore[call-overload]
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[_Scripted]:
    running = _Scripted()
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield running
    running.shutdown()
    running.server_close()


def test_a_documented_429_is_retried_and_counted_not_a_violation(server: _Scripted) -> None:
    ledger = Ledger()
    server.script = [THROTTLED, THROTTLED, OK]
    response = ledger.session("s", generated=False).get(f"http://127.0.0.1:{server.server_port}/")
    assert response.status_code == 200
    assert ledger.statuses == {"429": 2, "200": 1}
    assert ledger.violations == []


def test_a_429_without_the_documented_shape_is_a_violation(server: _Scripted) -> None:
    ledger = Ledger()
    server.script = [{**THROTTLED, "headers": {"Content-Type": "text/html"}}, OK]
    response = ledger.session("s", generated=False).get(f"http://127.0.0.1:{server.server_port}/")
    assert response.status_code == 429
    assert len(ledger.violations) == 1


def test_the_throttling_suite_sees_its_429s(server: _Scripted) -> None:
    ledger = Ledger()
    server.script = [THROTTLED, OK]
    session = ledger.session("s", generated=False, retry_throttled=False)
    assert session.get(f"http://127.0.0.1:{server.server_port}/").status_code == 429
    assert ledger.statuses == {"429": 1}
