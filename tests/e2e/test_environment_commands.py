"""`python -m emulator status`, and what a deploy does around the processes it starts.

The status tests write the process records themselves (a pid that exited, a pid that lives but
whose port does not answer, a port this test listens on) and start no environment; the deploy
tests run environments of their own on free ports.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.environment import LocalEnvironmentError, Paths, free_port
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


def check_ports(paths: Paths, *, gateway: bool = True) -> None:
    from emulator.environment import check_ports as check

    check(paths, gateway=gateway)


@pytest.fixture
def running_moto(tmp_path: Path, listening: int) -> Paths:
    """Records of a moto and a data plane that talks to it, both alive and answering."""
    record(tmp_path, "moto", os.getpid(), listening)
    record(tmp_path, "gateway", os.getpid(), listening, awsEndpoint=f"http://127.0.0.1:{listening}")
    return Paths(tmp_path)


def test_a_port_variable_asking_a_running_process_to_move_is_refused(
    running_moto: Paths, listening: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = free_port()
    monkeypatch.setenv("COMMENTS_MOTO_PORT", str(other))
    with pytest.raises(LocalEnvironmentError) as refused:
        check_ports(running_moto)
    assert str(refused.value) == (
        f"COMMENTS_MOTO_PORT={other}, but the running moto backend listens on port {listening}, "
        "and a port changes only when the environment starts: run `make down` first, then "
        f"deploy again for port {other} (or set COMMENTS_MOTO_PORT={listening} to keep the "
        "running one)"
    )
    monkeypatch.delenv("COMMENTS_MOTO_PORT")  # unset asks for the default
    with pytest.raises(
        LocalEnvironmentError,
        match=r"^COMMENTS_MOTO_PORT is unset \(default 4560\), but the running moto backend listens on port \d+",
    ):
        check_ports(running_moto, gateway=False)
    for same in (str(listening), "0"):  # the running port, or any port
        monkeypatch.setenv("COMMENTS_MOTO_PORT", same)
        monkeypatch.setenv("COMMENTS_GATEWAY_PORT", same)
        check_ports(running_moto)
    monkeypatch.setenv("COMMENTS_GATEWAY_PORT", str(other))
    with pytest.raises(
        LocalEnvironmentError,
        match=r"^COMMENTS_GATEWAY_PORT=\d+, but the running data plane listens",
    ):
        check_ports(running_moto)


def test_a_data_plane_that_restarts_anyway_may_move(
    tmp_path: Path, listening: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It talks to a moto that is gone: the deploy starts moto on a free port and the data plane
    # again, on the port now asked for.
    record(tmp_path, "gateway", os.getpid(), listening, awsEndpoint="http://127.0.0.1:9")
    monkeypatch.setenv("COMMENTS_MOTO_PORT", "0")
    monkeypatch.setenv("COMMENTS_GATEWAY_PORT", str(free_port()))
    check_ports(Paths(tmp_path))
    monkeypatch.setenv("COMMENTS_GATEWAY_PORT", str(listening))  # its own port: it stops first
    check_ports(Paths(tmp_path))


def test_a_busy_port_is_refused_before_anything_starts(
    tmp_path: Path, listening: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMENTS_MOTO_PORT", "0")
    monkeypatch.setenv("COMMENTS_GATEWAY_PORT", str(listening))
    with pytest.raises(LocalEnvironmentError) as refused:
        check_ports(Paths(tmp_path))
    assert str(refused.value) == (
        f"port {listening} on 127.0.0.1 is in use by another program: stop it, or choose "
        "another port with COMMENTS_GATEWAY_PORT=<port>"
    )
    assert not (tmp_path / "moto.json").exists()


@pytest.fixture(scope="module")
def deployed_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    state = tmp_path_factory.mktemp("environment-commands")
    env = isolated_env(state)
    result = run_emulator(env, "deploy")
    assert result.returncode == 0, result.stdout + result.stderr
    yield env
    run_emulator(env, "down")


def ports(env: dict[str, str]) -> dict[str, int]:
    state = Path(env["COMMENTS_LOCAL_DIR"])
    return {
        name: json.loads((state / f"{name}.json").read_text())["port"]
        for name in ("moto", "gateway", "demo")
    }


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("variable", "name", "label"),
    [
        ("COMMENTS_MOTO_PORT", "moto", "moto backend"),
        ("COMMENTS_GATEWAY_PORT", "gateway", "data plane"),
        ("COMMENTS_DEMO_PORT", "demo", "demo site"),
    ],
)
def test_a_deploy_asking_the_running_environment_for_another_port_is_refused(
    deployed_env: dict[str, str], variable: str, name: str, label: str
) -> None:
    before = ports(deployed_env)
    other = free_port()
    result = run_emulator({**deployed_env, variable: str(other)}, "deploy")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        f"error: {variable}={other}, but the running {label} listens on port {before[name]}, "
        "and a port changes only when the environment starts: run `make down` first, then deploy "
        f"again for port {other} (or set {variable}={before[name]} to keep the running one)\n"
    )
    assert "started" not in result.stdout
    assert ports(deployed_env) == before
    assert run_emulator(deployed_env, "status").returncode == 0
    # The port it runs on is no change: the deploy goes ahead.
    same = run_emulator({**deployed_env, variable: str(before[name])}, "deploy")
    assert same.returncode == 0, same.stdout + same.stderr
    assert ports(deployed_env) == before


@pytest.mark.e2e
def test_a_failed_deploy_leaves_the_running_environment_running(
    deployed_env: dict[str, str],
) -> None:
    state = Path(deployed_env["COMMENTS_LOCAL_DIR"])
    before = ports(deployed_env)
    os.killpg(json.loads((state / "demo.json").read_text())["pid"], signal.SIGKILL)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        result = run_emulator({**deployed_env, "COMMENTS_DEMO_PORT": str(busy)}, "deploy")
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (
        f"error: port {busy} on 127.0.0.1 is in use by another program: stop it, or choose "
        "another port with COMMENTS_DEMO_PORT=<port>\n"
    )
    status = run_emulator(deployed_env, "status")
    assert status.stdout.startswith("moto backend:  running "), status.stdout
    assert "data plane:    running " in status.stdout
    assert "widget demo:   dead " in status.stdout
    assert ports(deployed_env)["moto"] == before["moto"]
    again = run_emulator(deployed_env, "deploy")  # starts the demo page again
    assert again.returncode == 0, again.stdout + again.stderr
    assert run_emulator(deployed_env, "status").returncode == 0
