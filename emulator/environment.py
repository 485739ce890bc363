"""The local environment's processes: the moto backend and the API Gateway data plane.

Both run in the background on loopback, recorded under the state directory (`.local/`, or
`COMMENTS_LOCAL_DIR`) so `make deploy` can find them again and `make down` can stop them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# Below Linux's ephemeral range (32768-60999), so an outgoing connection never holds them.
DEFAULT_MOTO_PORT = 4560  # environments/Pulumi.local.yaml's aws:endpoints point here
DEFAULT_GATEWAY_PORT = 4561
PORT_VARIABLES = {"moto": "COMMENTS_MOTO_PORT", "gateway": "COMMENTS_GATEWAY_PORT"}
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
HOST = "127.0.0.1"


class LocalEnvironmentError(Exception):
    """The local environment cannot be started or reached; the message says what to do."""


@dataclass(frozen=True)
class Paths:
    root: Path

    @classmethod
    def default(cls) -> Paths:
        return cls(Path(os.environ.get("COMMENTS_LOCAL_DIR", REPO_ROOT / ".local")).resolve())

    @property
    def moto(self) -> Path:
        return self.root / "moto.json"

    @property
    def gateway(self) -> Path:
        return self.root / "gateway.json"

    @property
    def gateway_state(self) -> Path:
        return self.root / "gateway-state.json"

    def stack(self, name: str) -> Path:
        return self.root / "stacks" / f"{name}.json"

    def log(self, process: str) -> Path:
        return self.root / f"{process}.log"

    @property
    def snapshot(self) -> Path:
        """moto's DynamoDB items, kept across restarts of moto (see emulator/moto_backend.py)."""
        return self.root / "moto-snapshot.json"


@dataclass(frozen=True)
class Process:
    """A background process of the environment, as recorded in its JSON file."""

    name: str
    pid: int
    port: int
    instance: str  # changes on every start: moto's data lives only as long as one instance

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass(frozen=True)
class PortSetting:
    """The variable choosing a process's port, and its default (0 in the variable: any port)."""

    label: str  # as messages name the process
    variable: str
    default: int

    def requested(self) -> int:
        """The port asked for; 0 for any free one."""
        value = os.environ.get(self.variable, str(self.default))
        if not value.isdigit() or not 0 <= int(value) <= 65535:
            raise LocalEnvironmentError(
                f"{self.variable}={value!r}: allowed values are port numbers 0..65535"
            )
        return int(value)

    def in_use(self, port: int) -> LocalEnvironmentError:
        return LocalEnvironmentError(
            f"port {port} on {HOST} is in use by another program: stop it, or choose another "
            f"port with {self.variable}=<port>"
        )

    def keep(self, process: Process) -> Process:
        """`process`, which keeps running, if the variable does not ask for another port."""
        requested = self.requested()
        if requested and requested != process.port:
            asked = (
                f"{self.variable}={requested}"
                if self.variable in os.environ
                else f"{self.variable} is unset (default {self.default})"
            )
            raise LocalEnvironmentError(
                f"{asked}, but the running {self.label} listens on port {process.port}, and a "
                "port changes only when the environment starts: run `make down` first, then "
                f"deploy again for port {requested} (or set {self.variable}={process.port} "
                "to keep the running one)"
            )
        return process

    def check(self, process: Process | None, kept: bool) -> None:
        """Before anything starts: the running `process` is `kept` on the port asked for, or
        the port for a process that will start is free (or held by `process`, which it stops)."""
        if process and kept:
            self.keep(process)
            return
        requested = self.requested()
        if requested and _answers(requested) and not (process and process.port == requested):
            raise self.in_use(requested)


MOTO_PORT = PortSetting("moto backend", "COMMENTS_MOTO_PORT", DEFAULT_MOTO_PORT)
GATEWAY_PORT = PortSetting("data plane", "COMMENTS_GATEWAY_PORT", DEFAULT_GATEWAY_PORT)
_PORTS = {"moto": MOTO_PORT, "gateway": GATEWAY_PORT}


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return data


def write_json(path: Path, data: Any) -> None:
    """Write atomically, so a reader (or an interrupted deploy) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie has exited; only its parent (often init, which can take seconds) has yet to
    # collect it. /proc tells them apart where there is one.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Recorded:
    """A process record and what is true of it now: `state` is running, dead or not started."""

    name: str
    process: Process | None  # None: nothing recorded
    alive: bool = False
    answering: bool = False

    @property
    def state(self) -> str:
        if self.process is None:
            return "not started"
        return "running" if self.alive and self.answering else "dead"

    @property
    def detail(self) -> str:
        """Why a recorded process is dead, in words."""
        if self.process is None:
            return "no process recorded"
        if not self.alive:
            return f"pid {self.process.pid} recorded, no longer running"
        if not self.answering:
            return f"pid {self.process.pid} running, port {self.process.port} not answering"
        return f"pid {self.process.pid}"


def inspect(path: Path, name: str) -> Recorded:
    """The recorded process, whether its pid is alive and whether its port answers."""
    record = _read(path)
    if not record:
        return Recorded(name, None)
    process = Process(name, int(record["pid"]), int(record["port"]), str(record["instance"]))
    alive = _alive(process.pid)
    return Recorded(name, process, alive, alive and _answers(process.port))


def running(path: Path, name: str) -> Process | None:
    """The recorded process if it is still alive and answering, else None."""
    record = _read(path)
    if not record:
        return None
    process = Process(name, int(record["pid"]), int(record["port"]), str(record["instance"]))
    if _alive(process.pid) and _answers(process.port):
        return process
    return None


# How often a starting process's port is tried: the wait ends within this of it listening.
START_POLL_SECONDS = 0.01
# A discarded standby exits at once; one that does not within this is killed.
DISCARD_TIMEOUT_SECONDS = 2.0


class Standby:
    """A process of the environment loaded ahead (emulator/standby.py): its modules are
    imported while the deploy's gate runs; it binds no port and writes no file until
    `release`, and exits when `discard`ed (or when this process ends) without a release."""

    def __init__(self, name: str, region: str) -> None:
        self.name = name
        self.child: subprocess.Popen[bytes] | None = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "emulator.standby", name, "--region", region],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def release(self, argv: list[str], log: Path) -> subprocess.Popen[bytes] | None:
        """The process, told to run with `argv` and log to `log`; None if it is gone (it
        failed to load: the caller starts the module the ordinary way, which says why)."""
        child, self.child = self.child, None
        if child is None or child.stdin is None:
            return None
        try:
            child.stdin.write(json.dumps({"argv": argv, "log": str(log)}).encode() + b"\n")
            child.stdin.close()
        except (BrokenPipeError, OSError):
            child.wait()
            return None
        return child

    def discard(self) -> None:
        """End the standby unreleased: at the end of its input it exits, having done nothing."""
        child, self.child = self.child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            if child.stdin:
                child.stdin.close()
        try:
            child.wait(timeout=DISCARD_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@dataclass
class Standbys:
    """The standbys a deploy loaded for the processes it may start (None: none for it)."""

    moto: Standby | None = None
    gateway: Standby | None = None

    def discard(self) -> None:
        for standby in (self.moto, self.gateway):
            if standby is not None:
                standby.discard()


@contextlib.contextmanager
def standbys(paths: Paths, region: str) -> Iterator[Standbys]:
    """Standbys for the processes a deploy would start now: moto unless it runs, the data plane
    unless it runs for that moto. Each unreleased one is discarded when the block ends."""
    moto = running(paths.moto, "moto")
    gateway = running(paths.gateway, "gateway")
    loaded = Standbys(
        moto=None if moto else Standby("moto", region),
        gateway=None
        if moto and gateway and gateway_serves(paths) == moto.url
        else Standby("gateway", region),
    )
    try:
        yield loaded
    finally:
        loaded.discard()


def _start(
    paths: Paths,
    name: str,
    module: str,
    argv: list[str],
    port: int,
    standby: Standby | None = None,
    while_starting: Callable[[str], None] | None = None,
) -> Process:
    """Start `python -m module argv` listening on `port` (through `standby` when given, else a
    standby released at once) and record it once the port answers; `while_starting(url)` is
    called once it is on its way, before that wait."""
    if _answers(port):
        if standby:
            standby.discard()
        raise _PORTS[name].in_use(port)
    paths.root.mkdir(parents=True, exist_ok=True)
    child = (standby or Standby(name, "us-east-1")).release(argv, paths.log(name))
    if child is None:  # the standby failed as it loaded: the module itself reports why
        with paths.log(name).open("ab") as log:
            child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", module, *argv],
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    if while_starting:
        while_starting(f"http://{HOST}:{port}")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _answers(port):
        if child.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            tail = paths.log(name).read_text(errors="replace").splitlines()[-5:]
            raise LocalEnvironmentError(
                f"{name} did not start on port {port}; last lines of {paths.log(name)}:\n"
                + "\n".join(tail)
            )
        time.sleep(START_POLL_SECONDS)
    process = Process(name, child.pid, port, uuid.uuid4().hex)
    write_json(
        paths.root / f"{name}.json",
        {"pid": process.pid, "port": port, "instance": process.instance},
    )
    return process


def _port(setting: PortSetting) -> int:
    return setting.requested() or free_port()


def gateway_serves(paths: Paths) -> str | None:
    """The moto URL the recorded data plane talks to."""
    endpoint = (_read(paths.gateway) or {}).get("awsEndpoint")
    return str(endpoint) if endpoint else None


def ensure_moto(
    paths: Paths,
    standby: Standby | None = None,
    while_starting: Callable[[str], None] | None = None,
) -> tuple[Process, bool]:
    """The running moto backend, started if needed (from `standby` when given; `while_starting`
    as `_start` calls it); True when it was (re)started empty."""
    process = running(paths.moto, "moto")
    if process:
        if standby:
            standby.discard()
        return MOTO_PORT.keep(process), False
    port = _port(MOTO_PORT)
    paths.root.mkdir(parents=True, exist_ok=True)
    argv = [
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-file",
        str(paths.log("moto")),
        "--snapshot",
        str(paths.snapshot),
    ]
    return _start(paths, "moto", "emulator.moto_backend", argv, port, standby, while_starting), True


def ensure_gateway(
    paths: Paths, moto: Process, region: str, standby: Standby | None = None
) -> Process:
    """The running data plane serving what the state file describes, started if needed (from
    `standby` when given)."""
    process = running(paths.gateway, "gateway")
    if process and gateway_serves(paths) == moto.url:
        if standby:
            standby.discard()
        return GATEWAY_PORT.keep(process)
    if process:  # serving an older moto instance
        stop(paths.gateway)
    if not paths.gateway_state.exists():
        write_json(paths.gateway_state, {"restApis": {}})
    port = _port(GATEWAY_PORT)
    argv = [
        "--state-file",
        str(paths.gateway_state),
        "--aws-endpoint",
        moto.url,
        "--host",
        HOST,
        "--port",
        str(port),
        "--region",
        region,
        # Rotated by the data plane itself, so a long run cannot fill the disk.
        "--log-file",
        str(paths.log("gateway")),
    ]
    started = _start(paths, "gateway", "emulator.gateway", argv, port, standby)
    write_json(
        paths.gateway,
        {
            "pid": started.pid,
            "port": started.port,
            "instance": started.instance,
            "awsEndpoint": moto.url,
        },
    )
    return started


def stop(path: Path) -> bool:
    """Stop the process recorded in `path` (its whole process group); True if one was running."""
    return stop_all([path])[0]


def stop_all(paths: list[Path]) -> list[bool]:
    """Stop the processes recorded in `paths` together: SIGTERM to each process group, then one
    wait for all of them (SIGKILL after STOP_TIMEOUT_SECONDS). True for each that was running."""
    running: list[int] = []
    results: list[bool] = []
    for path in paths:
        record = _read(path)
        path.unlink(missing_ok=True)
        pid = int(record["pid"]) if record else 0
        results.append(bool(pid) and _alive(pid))
        if results[-1]:
            running.append(pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while running and time.monotonic() < deadline:
        for pid in running:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        running = [pid for pid in running if _alive(pid)]
        time.sleep(0.02)
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    return results


def _instance(path: Path) -> str | None:
    record = _read(path)
    return str(record["instance"]) if record else None


@contextlib.contextmanager
def stopping_on_failure(processes: list[tuple[Path, str]]) -> Iterator[None]:
    """If the block fails, stop each process (record, name) it started, in the order given: a
    record that appeared, or that now names another instance. What ran before the block stays."""
    before = {path: _instance(path) for path, _ in processes}
    try:
        yield
    except BaseException:
        started = [(p, n) for p, n in processes if _instance(p) not in (None, before[p])]
        for path, _ in started:
            stop(path)
        if started:
            print(f"stopped what this command started: {', '.join(n for _, n in started)}")
        raise


def check_ports(
    paths: Paths, *others: tuple[PortSetting, Process | None, bool], gateway: bool = True
) -> None:
    """Before anything starts: refuse a port variable that asks a process that keeps running
    to move, and a busy port for one that will start (moto, the data plane unless `gateway` is
    False, and `others`: (setting, process, kept))."""
    moto = running(paths.moto, "moto")
    MOTO_PORT.check(moto, kept=moto is not None)
    if not gateway:
        return
    # The data plane keeps running if it talks to the moto URL there will be: a moto restarted
    # on the same port has the same URL.
    requested = MOTO_PORT.requested()
    moto_url = moto.url if moto else (f"http://{HOST}:{requested}" if requested else None)
    data_plane = running(paths.gateway, "gateway")
    serves = gateway_serves(paths)
    GATEWAY_PORT.check(data_plane, kept=data_plane is not None and serves == moto_url)
    for setting, process, kept in others:
        setting.check(process, kept)
