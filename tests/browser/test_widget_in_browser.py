"""The widget in a real browser: playwright-core drives headless Chromium (widget.test.mjs).

This module deploys a local environment of its own whose stack allows exactly one origin, serves
the demo page from that origin and from a second one the stack does not allow, then runs the
Node test file against them. Without a Chromium the test fails with one line naming the package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.environment import free_port
from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.e2e

TEST_FILE = Path(__file__).with_name("widget.test.mjs")
# Debian's package, then Google Chrome as GitHub's Ubuntu runners have it preinstalled.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER_PATHS = ("/usr/bin/chromium", "/opt/google/chrome/chrome")
MISSING_BROWSER = (
    "no Chromium or Chrome found: install it (Debian: apt-get install chromium; "
    ".ci/install-system-packages does) or set CHROME_PATH to its executable"
)


def find_browser() -> str | None:
    """CHROME_PATH, else a Chromium or Chrome on PATH or where the packages put them."""
    configured = os.environ.get("CHROME_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        # Ubuntu's chromium-browser is a stub that asks for the snap: it cannot run headless here.
        if found and not Path(found).resolve().name.endswith(".snap-stub"):
            return found
    return next((p for p in BROWSER_PATHS if os.access(p, os.X_OK)), None)


@pytest.fixture(scope="module")
def browser() -> str:
    """The browser's executable; without one, fail at once with what to install."""
    found = find_browser()
    if found is None:
        pytest.fail(MISSING_BROWSER, pytrace=False)
    return found


@pytest.fixture(scope="module")
def pages(browser: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A deployed local environment allowing one origin; the demo page on it and on another."""
    state = tmp_path_factory.mktemp("browser-environment")
    allowed_port, foreign_port = free_port(), free_port()
    allowed = f"http://127.0.0.1:{allowed_port}"
    env = {
        key: value
        for key, value in isolated_env(state).items()
        if not key.startswith("AWS_")  # the CLI signs as the local moderator
    }
    env["COMMENTS_DEMO_PORT"] = str(allowed_port)
    origins = json.dumps([allowed])
    deployed = run_emulator(env, "deploy", "--config", f"comments:corsAllowedOrigins={origins}")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    api_url = json.loads(run_emulator(env, "outputs").stdout)["url"]
    foreign = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator.demo_site",
            "--port",
            str(foreign_port),
            "--api-url",
            api_url,
        ],
        cwd=REPO_ROOT,
    )
    try:
        yield {
            **env,
            "API_URL": api_url,
            "PAGE_URL": allowed,
            "FOREIGN_PAGE_URL": f"http://127.0.0.1:{foreign_port}",
            "PYTHON": sys.executable,
            "REPO_ROOT": str(REPO_ROOT),
            "SCREENSHOT_PATH": str(state / "widget-demo.png"),
        }
    finally:
        foreign.terminate()
        foreign.wait(timeout=10)
        run_emulator(env, "down")


def test_the_widget_in_chromium(browser: str, pages: dict[str, str]) -> None:
    result = subprocess.run(
        ["node", "--test", "--test-reporter=tap", str(TEST_FILE)],
        cwd=REPO_ROOT,
        env={**pages, "BROWSER_PATH": browser},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # TAP: one "ok N - name" line per passed test; all eight ran and none failed.
    passed = [line for line in result.stdout.splitlines() if line.startswith("ok ")]
    assert len(passed) == 8, result.stdout
    assert "# fail 0" in result.stdout, result.stdout
    screenshot = Path(pages["SCREENSHOT_PATH"])
    assert screenshot.stat().st_size > 10_000
    if os.environ.get("WIDGET_SCREENSHOT"):
        shutil.copyfile(screenshot, os.environ["WIDGET_SCREENSHOT"])
