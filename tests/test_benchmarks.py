"""make bench's own logic: its verdicts, its client, and how a CPU case shares the run."""

from __future__ import annotations

import http.server
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from benchmarks import local_environment
from benchmarks.local_environment import (
    ApiClient,
    ColdStart,
    ColdStartRounds,
    Figure,
    cold_start_rounds,
    report,
    server_cpu_ms,
)


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


# -- the cold-start figure -------------------------------------------------------------------------

FAKE_DEPLOY = """
import http.server, sys, threading
answers = [503, 503, 200]
seen = []
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        seen.append(self.path)
        status = answers.pop(0) if self.path == "/api/v1/comments?slug=/bench/x" else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        if status == 200:
            done.set()
    def log_message(self, *args):
        pass
done = threading.Event()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("started moto on http://127.0.0.1:1")
print(f"url: http://127.0.0.1:{server.server_address[1]}/api/v1")
done.wait(30)
print("widget demo: ...")
"""


@pytest.mark.server
def test_the_cold_start_ends_at_the_apis_first_200(monkeypatch: pytest.MonkeyPatch) -> None:
    """The GETs go to the printed URL's /comments until one answers 200 (503s are waited out);
    the command's end is timed after it. The stand-in deploy returns once it answered its 200:
    a bench that stopped at a 503, or asked another path, would time out."""
    monkeypatch.setattr(local_environment, "COLD_TIMEOUT_SECONDS", 10.0)
    measured = local_environment.deploy_to_first_200(
        [sys.executable, "-c", FAKE_DEPLOY], dict(os.environ), "/bench/x"
    )
    assert 0 < measured.first_answer <= (measured.exited or 0) < 10
    assert len(measured.load) == 3


def test_a_deploy_that_prints_no_url_fails_the_measurement_with_its_output() -> None:
    script = "print('error: stack local does not pass the policy pack'); raise SystemExit(1)"
    with pytest.raises(RuntimeError, match="printed no url \\(exit 1\\):\nerror: stack local"):
        local_environment.deploy_to_first_200([sys.executable, "-c", script], dict(os.environ), "/")


def test_the_rounds_take_turns_after_one_untimed_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """The priming deploy writes bytecode even when PYTHONDONTWRITEBYTECODE is set; then a bare
    moto_server start and a cold start alternate, A B A B."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    order: list[str] = []

    def emulator(env: dict[str, str], *args: str) -> None:
        writes = args[0] == "deploy" and "PYTHONDONTWRITEBYTECODE" not in env
        order.append(f"untimed {args[0]}" + (" (writes bytecode)" if writes else ""))

    monkeypatch.setattr(local_environment, "_emulator", emulator)
    times = iter([1.0, 3.0, 1.2, 2.0, 0.8, 2.5])

    def start(name: str) -> Callable[[], ColdStart]:
        def measure() -> ColdStart:
            order.append(name)
            return ColdStart(next(times), 4.0 if name == "deploy" else None)

        return measure

    rounds = cold_start_rounds(3, moto=start("moto_server"), deploy=start("deploy"))
    assert order == [
        "untimed deploy (writes bytecode)",
        "untimed down",
        *["moto_server", "deploy"] * 3,
    ]
    assert [r.first_answer for r in rounds.moto_server] == [1.0, 1.2, 0.8]
    assert [r.first_answer for r in rounds.deploy] == [3.0, 2.0, 2.5]


def _rounds(*deploys: float) -> ColdStartRounds:
    return ColdStartRounds(
        moto_server=[ColdStart(1.25, None, (0.5, 0.4, 0.3)) for _ in deploys],
        deploy=[ColdStart(d, d + 1, (1.0, 0.9, 0.8)) for d in deploys],
    )


def test_the_cold_start_is_the_median_against_a_third_of_localstacks() -> None:
    assert round(local_environment.COLD_START_TARGET_SECONDS, 4) == round(11.2 / 3, 4)
    baseline, cold, returns = _rounds(3.0, 2.5, 9.0).figures()
    assert baseline.measured == "1.25 s (the baseline)" and baseline.ok is None
    assert cold.measured == "3.00 s = 2.4x moto_server (3.00, 2.50, 9.00)"
    assert cold.target == "<= 3.73 s" and cold.ok is True
    assert returns.measured == "4.00 s"
    assert _rounds(3.8, 4.0, 2.0).figures()[1].ok is False


def test_the_evidence_file_holds_the_run_its_machine_and_every_round(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make bench` writes what it printed, with the date, nproc, uname -m and the loads;
    a missed target is still written, and still fails the run."""
    monkeypatch.setattr(local_environment, "cold_start_rounds", lambda rounds: _rounds(4.0, 4.5))
    evidence = tmp_path / "evidence" / "bench.md"
    assert local_environment.main(["--cold-only", "--evidence", str(evidence)]) == 1
    text = evidence.read_text()
    machine = local_environment.Machine.now()
    assert f"nproc {machine.nproc}, {machine.arch}" in text
    assert f"- date: {machine.date[:10]}" in text
    assert f"- code: {machine.commit}" in text
    assert "load averages (1, 5, 15 min) at the start: " in text
    assert (
        "| cold start to the API's first 200, median of 2 | 4.25 s = 3.4x moto_server "
        "(4.00, 4.50) | <= 3.73 s | MISSED |"
    ) in text
    assert "| 1 | 0.50, 0.40, 0.30 | 1.25 s | 1.00, 0.90, 0.80 | 4.00 s | 5.00 s |" in text
    assert "| 2 | 0.50, 0.40, 0.30 | 1.25 s | 1.00, 0.90, 0.80 | 4.50 s | 5.50 s |" in text
    out = capsys.readouterr().out
    assert out.startswith(f"{machine.date[:10]}")
    assert f"figures written to {evidence}" in out
