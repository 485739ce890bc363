"""The pinned sets: moto stays the release the emulator's fixes are written against, and the dev
set installs the runtime set's pins rather than pinning anything again."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from emulator.moto_backend import MOTO_VERSION

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements"
PIN = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?==(\S+)$")


def pins(name: str) -> dict[str, str]:
    """Each `name==version` (or `name[extras]==version`) line: normalized name -> version."""
    found: dict[str, str] = {}
    for line in (REQUIREMENTS / name).read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    return found


def test_runtime_in_pins_the_moto_the_emulator_is_written_for() -> None:
    assert pins("runtime.in").get("moto") == MOTO_VERSION


def test_the_lock_keeps_that_moto() -> None:
    assert pins("runtime.txt")["moto"] == MOTO_VERSION
    assert "moto" not in pins("dev.txt")


def test_the_installed_moto_is_that_one() -> None:
    assert importlib.metadata.version("moto") == MOTO_VERSION


def test_every_line_of_a_lock_is_a_pin() -> None:
    for name in ("runtime.txt", "dev.txt"):
        lines = (REQUIREMENTS / name).read_text().splitlines()
        entries = [line for line in lines if line and not line.startswith("#")]
        if name == "dev.txt":
            assert entries[0] == "-r runtime.txt", "dev.txt installs the runtime set first"
            entries = entries[1:]
        assert entries and all(PIN.match(line) for line in entries), name


def test_the_dev_set_resolves_against_the_runtime_pins_and_repins_none() -> None:
    assert "-c runtime.txt" in (REQUIREMENTS / "dev.in").read_text().splitlines()
    assert not set(pins("runtime.txt")) & set(pins("dev.txt"))
