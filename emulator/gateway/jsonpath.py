"""The JSONPath subset mapping templates use with ``$input.path`` / ``$input.json``."""

from __future__ import annotations

import re
from typing import Any

_MISSING = object()

# One step of a path: .name, .*, ..name, ['name'], ["name"], [n], [*]
_STEP = re.compile(
    r"""\.\.(?P<deep>[^.\[\]]+)
      | \.(?P<name>[^.\[\]]+)
      | \[\s*(?:'(?P<sq>(?:[^'\\]|\\.)*)'|"(?P<dq>(?:[^"\\]|\\.)*)"|(?P<idx>-?\d+)|(?P<star>\*)
               |(?P<slice>-?\d*\s*:\s*-?\d*)|(?P<multi>-?\d+(?:\s*,\s*-?\d+)+))\s*\]
    """,
    re.X,
)


class JsonPathError(ValueError):
    """A JSONPath expression outside the supported subset."""


def _steps(path: str) -> list[tuple[str, str | int]]:
    text = path.strip()
    if not text:
        raise JsonPathError("empty JSONPath")
    if text[0] not in "$@":
        text = "$." + text  # Jayway JsonPath reads a path without a root as relative to $
    steps: list[tuple[str, str | int]] = []
    pos = 1
    while pos < len(text):
        m = _STEP.match(text, pos)
        if not m:
            raise JsonPathError(f"unsupported JSONPath syntax at {text[pos:]!r}")
        if m["deep"] is not None:
            steps.append(("deep", m["deep"]))
        elif m["name"] is not None:
            steps.append(("all", "*") if m["name"] == "*" else ("key", m["name"]))
        elif m["dq"] is not None:
            raise JsonPathError(f"Jayway JsonPath 2.0 quotes property names with ': {path!r}")
        elif m["sq"] is not None:
            steps.append(("key", re.sub(r"\\(.)", r"\1", m["sq"])))
        elif m["idx"] is not None:
            steps.append(("index", int(m["idx"])))
        elif m["slice"] is not None:
            steps.append(("slice", m["slice"]))
        elif m["multi"] is not None:
            steps.append(("multi", m["multi"]))
        else:
            steps.append(("all", "*"))
        pos = m.end()
    return steps


def _descend(node: Any, name: str) -> list[Any]:
    found: list[Any] = []
    if isinstance(node, dict):
        if name in node:
            found.append(node[name])
        for child in node.values():
            found.extend(_descend(child, name))
    elif isinstance(node, list):
        for child in node:
            found.extend(_descend(child, name))
    return found


def evaluate(document: Any, path: str) -> Any:
    """Evaluate ``path`` like Jayway JsonPath: definite paths give one value, others a list.

    A definite path that does not exist gives None.
    """
    steps = _steps(path)
    definite = all(kind in ("key", "index") for kind, _ in steps)
    nodes = [document]
    for kind, arg in steps:
        nxt: list[Any] = []
        for node in nodes:
            if kind == "key" and isinstance(node, dict) and arg in node:
                nxt.append(node[arg])
            elif kind == "index" and isinstance(node, list) and isinstance(arg, int):
                if 0 <= arg < len(node):  # a negative index finds nothing in Jayway 2.0
                    nxt.append(node[arg])
            elif kind == "multi" and isinstance(node, list) and isinstance(arg, str):
                for index in (int(part) for part in arg.split(",")):
                    if 0 <= index < len(node):
                        nxt.append(node[index])
            elif kind == "slice" and isinstance(node, list) and isinstance(arg, str):
                start, _, stop = (part.strip() for part in arg.partition(":"))
                nxt.extend(node[int(start) if start else None : int(stop) if stop else None])
            elif kind == "all":
                if isinstance(node, dict):
                    nxt.extend(node.values())
                elif isinstance(node, list):
                    nxt.extend(node)
            elif kind == "deep" and isinstance(arg, str):
                nxt.extend(_descend(node, arg))
        nodes = nxt
    if definite:
        return nodes[0] if nodes else None
    return nodes
