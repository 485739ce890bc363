"""The oracle's prerequisites: one line that says what to install, and one list of packages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.vtl_oracle import oracle

SCRIPT = Path(".ci/install-system-packages")


def test_missing_jars_fail_with_one_line_naming_the_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle, "JAVA_DIR", tmp_path)
    with pytest.raises(oracle.OracleUnavailable) as raised:
        oracle.classpath()
    message = str(raised.value)
    assert "\n" not in message
    assert ".ci/install-system-packages" in message
    assert "default-jdk-headless" in message
    for package in set(oracle.JARS.values()):
        assert package in message


def test_missing_javac_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "javac" else tool)
    with pytest.raises(oracle.OracleUnavailable, match="needs javac"):
        oracle.classpath()


def test_the_ci_script_installs_every_package_the_harness_loads() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    block = re.search(r"packages=\((.*?)\n\)", text, re.S)
    assert block is not None
    installed = {line.split("#")[0].strip() for line in block.group(1).splitlines()} - {""}
    assert installed == {"default-jdk-headless", *oracle.JARS.values()}
