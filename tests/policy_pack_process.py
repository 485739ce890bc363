"""A policy pack served the way the Pulumi CLI starts one, for the tests that speak to it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
from pulumi.runtime.proto import analyzer_pb2_grpc

from tooling.offline_runner import REPO_ROOT

# What the packs' PulumiPolicy.yaml `virtualenv` resolves to; the test's own interpreter otherwise.
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


@contextmanager
def served_pack(directory: Path) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """`python <pack dir> <engine address>` from the pack's directory with nothing else on the
    path: the pack announces its port on stdout, then serves the Analyzer protocol there."""
    python = str(VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process = subprocess.Popen(
        [python, "-u", str(directory), "127.0.0.1:1"],
        cwd=directory,
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
            raise AssertionError(
                f"{directory.name} announced no port ({announced!r}): {stderr.decode()}"
            )
        with grpc.insecure_channel(f"127.0.0.1:{announced}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.terminate()
        process.wait(timeout=30)
