"""Every entry of the bypass corpus (tests/policy/corpus/) fails `make policy ENV=prod` with
exactly its findings, with known values and at preview; the unchanged repository passes both."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.policy import corpus
from tooling.policy_check import POLICY_DIR, main

pytestmark = pytest.mark.slow

# A bypass that adds a table or a stage is also unwatched by the stack's alarms; that rule has its
# own tests, so its findings are counted only for entries aimed at it.
UNWATCHED = "operations-alarms-required"
ENTRIES = sorted(
    info.name for info in pkgutil.iter_modules(corpus.__path__) if not info.name.startswith("_")
)


def entry(name: str) -> ModuleType:
    return importlib.import_module(f"{corpus.__name__}.{name}")


def _prepare(module: ModuleType, root: Path) -> None:
    for path, old, new in getattr(module, "EDITS", ()):
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{module.__name__}: {old!r} not in {path}"
        target.write_text(text.replace(old, new), encoding="utf-8")
    overrides: dict[str, Any] = getattr(module, "CONFIG", {})
    if overrides:
        stack_file = root / "environments" / "Pulumi.prod.yaml"
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
        document["config"].update(overrides)
        stack_file.write_text(yaml.safe_dump(document), encoding="utf-8")
    if hasattr(module, "apply"):
        with (root / "infra" / "__main__.py").open("a", encoding="utf-8") as program:
            program.write(f"\nimport {module.__name__} as _entry\n\n_entry.apply(service)\n")


def _mandatory(out: str, counted: bool) -> list[tuple[str, str]]:
    lines = [line.split(maxsplit=3) for line in out.splitlines()]
    return [
        (fields[1], fields[3])
        for fields in lines
        if fields and fields[0] == "[mandatory]" and (counted or fields[1] != UNWATCHED)
    ]


def check(name: str, root: Path, preview: bool, capsys: pytest.CaptureFixture[str]) -> None:
    module = entry(name)
    _prepare(module, root)
    args = ["prod", "--root", str(root)] + (["--preview"] if preview else [])
    if module.CLASS == "f":
        # As pr.yml's preview judges it: with the base commit's (the unmodified) policy config;
        # the pack is always the repository's own, whatever the copy holds.
        args += ["--config", str(POLICY_DIR / "config" / "prod.json")]
    status = main(args)
    captured = capsys.readouterr()
    out = captured.out
    if getattr(module, "EXIT", 1) == 2:
        # The program refuses the change itself (its settings validation): exit 2, one error line.
        assert status == 2, out + captured.err
        assert module.ERROR in captured.err, captured.err
        return
    assert status == 1, out
    # A value unknown at preview is refused as undecidable there: other findings than once known.
    expected = getattr(module, "EXPECT_PREVIEW", module.EXPECT) if preview else module.EXPECT
    _assert_exactly(out, list(expected))


def _assert_exactly(out: str, expected: list[tuple[str, str]]) -> None:
    counted = any(policy == UNWATCHED for policy, _ in expected)
    found = _mandatory(out, counted)
    assert len(found) == len(expected), out
    for policy, fragment in expected:
        matching = [m for p, m in found if p == policy and fragment in m]
        assert len(matching) == 1, f"{policy} {fragment!r} in:\n{out}"


def test_every_entry_declares_its_class_and_findings() -> None:
    assert ENTRIES
    for name in ENTRIES:
        module = entry(name)
        assert module.__doc__, name
        assert module.CLASS in corpus.ATTEMPT_CLASSES, name
        assert module.EXPECT or getattr(module, "EXIT", 1) == 2, name
        assert any(hasattr(module, k) for k in ("EDITS", "CONFIG", "apply")), name


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_fails_with_known_values(
    name: str, repo_copy: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    gap = getattr(entry(name), "KNOWN_GAP", None)
    if gap:
        request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    check(name, repo_copy, False, capsys)


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_fails_at_preview(
    name: str, repo_copy: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
) -> None:
    gap = getattr(entry(name), "KNOWN_GAP", None) or getattr(entry(name), "PREVIEW_GAP", None)
    if gap:
        request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    check(name, repo_copy, True, capsys)


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
def test_the_unchanged_copy_has_no_mandatory_finding(
    preview: bool, repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["prod", "--root", str(repo_copy)] + (["--preview"] if preview else []))
    out = capsys.readouterr().out
    assert status == 0, out
    assert _mandatory(out, True) == []


@pytest.mark.parametrize("name", [n for n in ENTRIES if entry(n).CLASS == "f"])
def test_a_policy_edit_entry_passes_its_own_edited_config(
    name: str, repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Judged by the config it edits it would merge (or meets only OWN_EXPECT, what the pack's
    code refuses whatever the config says): the base commit's config is what stops it."""
    module = entry(name)
    _prepare(module, repo_copy)
    status = main(["prod", "--root", str(repo_copy)])
    out = capsys.readouterr().out
    own: list[tuple[str, str]] = list(getattr(module, "OWN_EXPECT", []))
    assert status == (1 if own else 0), out
    _assert_exactly(out, own)


def test_corpus_count_per_class() -> None:
    """The corpus by class, printed for the record (pytest -s)."""
    counts: dict[str, int] = {}
    for name in ENTRIES:
        counts[entry(name).CLASS] = counts.get(entry(name).CLASS, 0) + 1
    print(json.dumps(counts, sort_keys=True))
    assert set(counts) <= set(corpus.ATTEMPT_CLASSES)
