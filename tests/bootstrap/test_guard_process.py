"""The guard as the Pulumi CLI runs it: `python guard/ <engine>` from guard/, nothing else on the
path; it must import its rules without the program's package and serve every policy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grpc
from google.protobuf import empty_pb2
from pack import PACK_NAME, POLICIES
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tests.bootstrap.conftest import BOOTSTRAP

GUARD = BOOTSTRAP / "guard"
# What PulumiPolicy.yaml's `virtualenv: ../../.venv` resolves to; the test's own interpreter else.
GUARD_PYTHON = BOOTSTRAP.parent / ".venv" / "bin" / "python"


def test_served_guard_announces_every_policy_as_mandatory() -> None:
    python = str(GUARD_PYTHON if GUARD_PYTHON.exists() else Path(sys.executable))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [python, "-u", str(GUARD), "127.0.0.1:1"],
        cwd=GUARD,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        announced = process.stdout.readline().decode().strip()
        if not announced.isdigit():
            process.terminate()
            _, stderr = process.communicate(timeout=30)
            raise AssertionError(f"the guard announced no port ({announced!r}): {stderr.decode()}")
        with grpc.insecure_channel(f"127.0.0.1:{announced}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty())
        assert info.name == PACK_NAME
        assert [p.name for p in info.policies] == [p.name for p in POLICIES]
        assert "role-writes-carry-boundary" in [p.name for p in info.policies]
        assert all(p.enforcementLevel == analyzer_pb2.MANDATORY for p in info.policies)
    finally:
        process.terminate()
        process.wait(timeout=30)
