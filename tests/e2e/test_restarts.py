"""Restarts keep the URL and the comments; a bad config starts nothing; `down` stops both."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
import requests

from emulator.environment import free_port
from tests.e2e.test_local_environment import resource_count
from tests.local_environment import isolated_env, run_emulator

pytestmark = pytest.mark.e2e


def outputs(env: dict[str, str]) -> dict[str, str]:
    result = run_emulator(env, "outputs")
    assert result.returncode == 0, result.stderr
    values: dict[str, str] = json.loads(result.stdout)
    return values


def kill(state: Path, process: str) -> None:
    os.killpg(json.loads((state / f"{process}.json").read_text())["pid"], signal.SIGKILL)


def wait_for_snapshot_of(state: Path, text: str) -> None:
    """moto writes its snapshot every few seconds while items change."""
    deadline = time.monotonic() + 60
    snapshot = state / "moto-snapshot.json"
    while not (snapshot.exists() and text in snapshot.read_text()):
        assert time.monotonic() < deadline, "moto wrote no snapshot holding the comment"
        time.sleep(0.2)


def test_the_url_and_the_comments_survive_moto_dying_the_data_plane_dying_and_down(
    tmp_path: Path,
) -> None:
    # Fixed ports, as `make deploy` uses by default: a restarted data plane answers at the same URL.
    env = {
        **isolated_env(tmp_path),
        "COMMENTS_MOTO_PORT": str(free_port()),
        "COMMENTS_GATEWAY_PORT": str(free_port()),
    }
    try:
        assert run_emulator(env, "deploy").returncode == 0
        url = outputs(env)["url"]
        posted = requests.post(
            f"{url}/comments",
            json={"slug": "/e2e/restart", "author": "Ada", "comment": "still here"},
            timeout=10,
        )
        assert posted.status_code == 201, posted.text

        wait_for_snapshot_of(tmp_path, "still here")
        kill(tmp_path, "moto")
        again = run_emulator(env, "deploy")
        assert again.returncode == 0, again.stderr
        assert f"{resource_count()} created" in again.stdout, again.stdout
        assert outputs(env)["url"] == url

        kill(tmp_path, "gateway")
        assert run_emulator(env, "deploy").returncode == 0
        assert outputs(env)["url"] == url

        stopped = run_emulator(env, "down")
        assert stopped.stdout == "stopped demo site, data plane and moto\n"
        assert run_emulator(env, "status").returncode == 1
        assert run_emulator(env, "deploy").returncode == 0
        assert outputs(env)["url"] == url
        page = requests.get(f"{url}/comments", params={"slug": "/e2e/restart"}, timeout=10)
        assert page.status_code == 200
        assert [item["comment"] for item in page.json()["items"]] == ["still here"]
    finally:
        run_emulator(env, "down")


def test_a_bad_config_starts_nothing(tmp_path: Path) -> None:
    result = run_emulator(
        isolated_env(tmp_path), "deploy", "--config", "comments:tableReadCapacity=0"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "comments:tableReadCapacity='0': allowed values are whole numbers 1..40000" in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "moto.json").exists()
    assert not (tmp_path / "gateway.json").exists()
