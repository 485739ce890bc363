"""`python -m emulator status`, and what a deploy does around the processes it starts.

The status tests write the process records themselves (a pid that exited, a pid that lives but
whose port does not answer, a port this test listens on) and start no environment; the deploy
tests run environments of their own on free ports.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.environment import LocalEnvironmentError, free_port
from tests.local_environment import isolated_env, run_emulator

API_URL = "http://127.0.0.1:4561/abcdef1234/v1"


@pytest.fixture
def listening() -> Iterator[int]:
    """A port that answers (this test listens on it), as a live process's would."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def exited_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def record(state: Path, name: str, pid: int, port: int, **extra: str) -> dict[str, object]:
    data: dict[str, object] = {"pid": pid, "port": port, "instance": uuid.uuid4().hex, **extra}
    state.mkdir(parents=True, exist_ok=True)
    (state / f"{name}.json").write_text(json.dumps(data))
    return data


def deployed(state: Path, moto: dict[str, object]) -> None:
    (state / "stacks").mkdir(parents=True, exist_ok=True)
    (state / "stacks" / "local.json").write_text(
        json.dumps({"motoInstance": moto["instance"], "outputs": {"url": API_URL}})
    )


def status(state: Path) -> subprocess.CompletedProcess[str]:
    return run_emulator(isolated_env(state), "status")


def test_status_lists_every_process_with_its_state(tmp_path: Path, listening: int) -> None:
    moto = record(tmp_path, "moto", os.getpid(), listening)
    record(tmp_path, "gateway", os.getpid(), listening, awsEndpoint=f"http://127.0.0.1:{listening}")
    record(tmp_path, "demo", os.getpid(), listening)
    deployed(tmp_path, moto)
    result = status(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    url = f"http://127.0.0.1:{listening}"
    pid = os.getpid()
    assert result.stdout.splitlines() == [
        f"moto backend:  running      {url}  (pid {pid}, logs in {tmp_path / 'moto.log'})",
        f"data plane:    running      {url}  (pid {pid}, logs in {tmp_path / 'gateway.log'})",
        f"widget demo:   running      {url}/  (pid {pid}, logs in {tmp_path / 'demo.log'})",
        f"API url:       {API_URL}",
        "stop it with:  make down",
    ]


def test_a_dead_data_plane_is_reported_and_its_url_is_not_offered(
    tmp_path: Path, listening: int
) -> None:
    moto = record(tmp_path, "moto", os.getpid(), listening)
    gone = exited_pid()
    record(tmp_path, "gateway", gone, listening, awsEndpoint=f"http://127.0.0.1:{listening}")
    deployed(tmp_path, moto)
    result = status(tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("moto backend:  running ")
    assert lines[1] == (
        f"data plane:    dead         pid {gone} recorded, no longer running "
        f"(last lines in {tmp_path / 'gateway.log'})"
    )
    assert lines[2] == "widget demo:   not started"
    assert lines[3] == (
        "API url:       none answering: the data plane is dead (make deploy restarts it)"
    )
    assert API_URL not in result.stdout
    assert lines[4] == "dead: data plane; make deploy restarts what is missing, make down stops all"


def test_a_moto_whose_port_does_not_answer_is_dead(tmp_path: Path, listening: int) -> None:
    silent = free_port()
    moto = record(tmp_path, "moto", os.getpid(), silent)
    record(tmp_path, "gateway", os.getpid(), listening, awsEndpoint=f"http://127.0.0.1:{silent}")
    deployed(tmp_path, moto)
    result = status(tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"moto backend:  dead         pid {os.getpid()} running, port {silent} not answering "
        f"(last lines in {tmp_path / 'moto.log'})"
    )
    assert lines[1].startswith("data plane:    running ")
    assert lines[3] == "API url:       none answering: moto is dead (make deploy restarts it)"
    assert lines[4].startswith("dead: moto backend;")


def test_nothing_recorded_is_not_running(tmp_path: Path) -> None:
    result = status(tmp_path)
    assert result.returncode == 1
    assert result.stdout == "the local environment is not running (make deploy starts it)\n"


def sleeper() -> subprocess.Popen[bytes]:
    """A process of this test's own, in a session of its own as the environment's are."""
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


def test_a_failing_block_stops_what_it_started_and_only_that(tmp_path: Path) -> None:
    from emulator.environment import stopping_on_failure

    already, started = sleeper(), sleeper()
    try:
        record(tmp_path, "moto", already.pid, free_port())
        processes = [(tmp_path / "gateway.json", "data plane"), (tmp_path / "moto.json", "moto")]
        with pytest.raises(LocalEnvironmentError), stopping_on_failure(processes):
            record(tmp_path, "gateway", started.pid, free_port())
            raise LocalEnvironmentError("port in use")
        started.wait(timeout=15)  # stop() reaped it already (it is this process's child)
        with pytest.raises(ProcessLookupError):
            os.kill(started.pid, 0)
        assert not (tmp_path / "gateway.json").exists()
        assert already.poll() is None  # running before the block: left alone
        assert (tmp_path / "moto.json").exists()
    finally:
        for child in (already, started):
            child.kill()
            child.wait()


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.e2e
def test_a_deploy_failing_on_a_busy_port_leaves_nothing_running(tmp_path: Path) -> None:
    moto_port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        env = {
            **isolated_env(tmp_path),
            "COMMENTS_MOTO_PORT": str(moto_port),
            "COMMENTS_GATEWAY_PORT": str(busy),
        }
        try:
            result = run_emulator(env, "deploy")
            assert result.returncode == 2, result.stdout + result.stderr
            assert result.stderr.strip().splitlines()[-1] == (
                f"error: port {busy} on 127.0.0.1 is in use by another program: stop it, or "
                "choose another port with COMMENTS_GATEWAY_PORT=<port>"
            )
            assert not answers(moto_port), "the failed deploy left moto running"
            assert not (tmp_path / "moto.json").exists()
            assert run_emulator(env, "status").returncode == 1
        finally:
            run_emulator(env, "down")
