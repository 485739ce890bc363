"""The processes a deploy loads ahead (emulator/standby.py): nothing bound or written before the
release, the same moto after it, and changes listed in registration order however they finish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from emulator import deployer, environment
from emulator.environment import Paths, Standby
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.e2e


def _listening_ports(pid: int) -> set[int]:
    """The TCP ports process `pid` listens on (Linux: its sockets' inodes in /proc/net/tcp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = str(fd.readlink()) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.parametrize("name", ["moto", "gateway"])
def test_a_discarded_standby_exits_having_bound_and_written_nothing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # anything it wrote relative to its directory would show here
    standby = Standby(name, "us-east-1")
    assert standby.child is not None
    child = standby.child
    time.sleep(1.0)  # part way through loading, or waiting for its release
    assert child.poll() is None
    assert _listening_ports(child.pid) == set()
    started = time.monotonic()
    standby.discard()
    assert child.returncode == 0
    assert time.monotonic() - started < environment.DISCARD_TIMEOUT_SECONDS
    assert list(tmp_path.iterdir()) == []


def test_a_refused_deploy_leaves_no_process_behind(tmp_path: Path) -> None:
    """The gate refuses: the standbys it loaded are gone when the command returns."""
    env = {
        **os.environ,
        "COMMENTS_LOCAL_DIR": str(tmp_path / "local"),
        "COMMENTS_MOTO_PORT": "0",
        "COMMENTS_GATEWAY_PORT": "0",
    }
    script = (
        "import subprocess, sys\n"
        "from emulator import environment\n"
        "spawned = []\n"
        "original = environment.Standby.__init__\n"
        "def record(self, *args):\n"
        "    original(self, *args)\n"
        "    spawned.append(self.child)\n"
        "environment.Standby.__init__ = record\n"
        "import emulator.__main__ as main\n"
        "code = main.main(['deploy', '--config', 'comments:throttleRateLimit=500'])\n"
        "print([child.poll() for child in spawned])\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[-1] == "[0, 0]"  # both loaded, both exited
    assert not (tmp_path / "local").exists()


@pytest.fixture
def moto_from_standby(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("COMMENTS_MOTO_PORT", "0")
    paths = Paths(tmp_path)
    moto, fresh = environment.ensure_moto(paths, Standby("moto", "us-east-1"))
    assert fresh
    try:
        yield moto
    finally:
        environment.stop(paths.moto)


def _client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _ecs_target_answers(url: str) -> list[str]:
    """What moto answers an `ecs` target: before its cluster exists, then after its service."""
    autoscaling = _client("application-autoscaling", url)
    target = {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/default/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 1,
        "MaxCapacity": 2,
    }
    answers = []
    try:
        autoscaling.register_scalable_target(**target)
        answers.append("registered")
    except ClientError as error:
        answers.append(error.response["Error"]["Code"])
    ecs = _client("ecs", url)
    ecs.create_cluster(clusterName="default")
    ecs.create_service(cluster="default", serviceName="web", desiredCount=1)
    autoscaling.register_scalable_target(**target)
    targets = autoscaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    return [*answers, *(t["ResourceId"] for t in targets)]


def test_moto_from_a_standby_still_checks_ecs_targets_against_ecs(moto_from_standby: Any) -> None:
    """moto.applicationautoscaling's ECS backends are looked up when used, and used: an `ecs`
    target is checked against ECS as moto started directly checks it."""
    port = environment.free_port()
    direct = subprocess.Popen(
        [sys.executable, "-m", "emulator.moto_backend", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + environment.START_TIMEOUT_SECONDS
        while not environment._answers(port):
            assert direct.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        expected = _ecs_target_answers(f"http://127.0.0.1:{port}")
    finally:
        direct.terminate()
        direct.wait()
    assert expected == ["ClusterNotFoundException", "service/default/web"]
    assert _ecs_target_answers(moto_from_standby.url) == expected


def test_every_warm_up_request_is_answered_and_regions_are_botocores() -> None:
    """Run in a process of its own: moto's warm-up requests all answer 200 (they would stop
    warming anything the day moto routes them elsewhere), and the regions read once are
    botocore's own for every partition."""
    script = (
        "import json, boto3\n"
        "partitions = ('aws', 'aws-cn', 'aws-us-gov')\n"
        "def regions():\n"
        "    return {p: boto3.session.Session().get_available_regions('ec2', p) for p in partitions}\n"
        "before = regions()\n"
        "from emulator import standby\n"
        "statuses = standby.prepare_moto('eu-west-1')\n"
        "print(json.dumps({'statuses': statuses, 'same': regions() == before, 'ec2': before['aws'][:1]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["statuses"] == dict.fromkeys(
        [
            "sts",
            "iam",
            "dynamodb",
            "logs",
            "apigateway",
            "monitoring",
            "sns",
            "budgets",
            "application-autoscaling",
        ],
        200,
    )
    assert answer["same"] is True
    assert answer["ec2"]  # botocore knows ec2's regions: the comparison compared something


class _Slow:
    """A handler whose creates take `delays[name]` seconds."""

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays

    def create(self, ctx: Any, name: str, inputs: Any) -> tuple[str, Any]:
        time.sleep(self.delays[name])
        return f"{name}-id", dict(inputs)


def test_independent_resources_are_created_at_once_and_listed_in_registration_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pulumi

    type_ = "aws:sns/topic:Topic"
    monkeypatch.setitem(deployer.HANDLERS, type_, _Slow({"first": 0.6, "second": 0.0}))
    ctx = deployer.Context(
        clients=lambda service: None, region="us-east-1", account_id="1", gateway_url=""
    )
    saved: list[dict[str, Any]] = []
    mocks = deployer.MotoMocks(ctx, {}, saved.append)

    def register(name: str) -> None:
        mocks.new_resource(
            pulumi.runtime.MockResourceArgs(
                typ=type_, name=name, inputs={}, provider="", resource_id="", custom=True
            )
        )

    first = threading.Thread(target=register, args=("first",))
    first.start()
    time.sleep(0.1)  # registered second, done first
    register("second")
    assert [c.name for c in mocks.changes] == ["second"]  # did not wait for the first
    first.join()
    mocks.remove_stale()
    assert [(c.action, c.name) for c in mocks.changes] == [
        ("created", "first"),
        ("created", "second"),
    ]
    assert set(saved[-1]) == {f"{type_}::first", f"{type_}::second"}


def test_a_standby_that_fails_as_it_loads_says_why_in_the_log_it_is_given(
    tmp_path: Path,
) -> None:
    """Its output goes nowhere until the release names a log: the failure waits for it, so
    the deploy's "did not start" error shows the cause."""
    script = (
        "import sys\n"
        "from emulator import standby\n"
        "def fail(region):\n"
        "    raise RuntimeError('botocore data missing')\n"
        "standby.prepare_gateway = fail\n"
        "sys.argv = ['emulator.standby', 'gateway']\n"
        "sys.exit(standby.main())\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = tmp_path / "gateway.log"
    assert child.stdin is not None
    child.stdin.write(json.dumps({"argv": ["--port", "0"], "log": str(log)}).encode() + b"\n")
    child.stdin.close()
    assert child.wait(timeout=120) == 1
    text = log.read_text()
    assert text.startswith("emulator.gateway failed as it loaded:\n")
    assert "RuntimeError: botocore data missing" in text
