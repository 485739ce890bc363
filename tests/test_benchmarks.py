"""make bench's own logic: its verdicts, its client, and how a CPU case shares the run."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from typing import ClassVar

import pytest
import requests

from benchmarks import local_environment
from benchmarks.local_environment import ApiClient, Figure, report, server_cpu_ms


def test_a_missed_target_fails_the_run_and_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    figures = [
        Figure("deploy from cold", "5.00 s", "-", None),
        Figure("GET server CPU/request, 16 client(s)", "1.52x", "<= 1.5x", False),
        Figure("POST server CPU/request, 1 client(s)", "1.20x", "<= 1.5x", True),
    ]
    assert report(figures) == 1
    out, err = capsys.readouterr()
    assert "MISSED" in out and "ok" in out
    assert err == "1 figure(s) missed the target: GET server CPU/request, 16 client(s)\n"
    assert report([figures[0], figures[2]]) == 0


class _Throttling(http.server.BaseHTTPRequestHandler):
    answers: ClassVar[list[int]] = []

    def do_GET(self) -> None:
        status = self.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[tuple[ApiClient, type[_Throttling]]]:
    handler = type("Handler", (_Throttling,), {"answers": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ApiClient(f"http://127.0.0.1:{server.server_address[1]}"), handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.server
def test_a_429_is_retried_and_counted(api: tuple[ApiClient, type[_Throttling]]) -> None:
    client, handler = api
    handler.answers = [429, 429, 200]
    client.request(requests.Session(), "GET", (200,))
    assert client.throttled == 2
    handler.answers = [500]
    with pytest.raises(RuntimeError, match="GET answered 500"):
        client.request(requests.Session(), "GET", (200,))


def test_the_two_ways_of_a_case_take_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way runs its share in ROUNDS slices, alternating, and is charged only the CPU of its
    own processes while its slice runs."""
    monkeypatch.setattr(local_environment, "FLUSH_WAIT_SECONDS", 0)
    order: list[str] = []
    cpu = {1: 0.0, 2: 0.0}  # seconds so far, by process id
    monkeypatch.setattr(local_environment, "cpu_seconds", lambda pid: cpu[pid])

    def way(name: str, pid: int, cost: float) -> Callable[[int, int], None]:
        def call(client: int, n: int) -> None:
            order.append(name)
            cpu[pid] += cost

        return call

    spent = server_cpu_ms(
        {"via": [1, 2], "direct": [2]},
        clients=1,
        total=8,
        calls={"via": way("via", 1, 0.003), "direct": way("direct", 2, 0.002)},
    )
    measured = order[16:]  # after 8 warm-up calls of each way
    rounds = local_environment.ROUNDS
    assert measured == (["via"] * (8 // rounds) + ["direct"] * (8 // rounds)) * rounds
    assert spent == pytest.approx({"via": 3.0, "direct": 2.0})
