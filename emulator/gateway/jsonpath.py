"""JSONPath as ``$input.path`` / ``$input.json`` evaluate it: Jayway JsonPath 2.0's behaviour.

Definite paths give one value (None when missing), others a list. Filters support existence
(``@.a``, ``!@.a``) and comparisons of ``@`` or ``@.a.b`` with a number, a quoted string,
true, false or null, joined by ``&&`` / ``||``; anything else (``=~``, ``in``, functions) is an
error here, loud rather than silently different.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from emulator.gateway.java_lang import java_to_string

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


_FILTER_TERM = re.compile(
    r"""\s*(?P<not>!)?\s*@(?P<path>(?:\.[A-Za-z_][\w-]*)*)\s*
        (?:(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>-?\d+(?:\.\d+)?|'[^']*'|"[^"]*"|true|false|null))?\s*""",
    re.X,
)


@dataclass(frozen=True)
class _Term:
    negate: bool
    path: tuple[str, ...]
    op: str | None
    value: str | None


def _filter(text: str) -> list[list[_Term]]:
    """A filter as alternatives (||) of conjunctions (&&) of terms."""
    alternatives: list[list[_Term]] = []
    for alternative in text.split("||"):
        terms = []
        for part in alternative.split("&&"):
            m = _FILTER_TERM.fullmatch(part)
            if not m or (m["not"] and m["op"]):
                raise JsonPathError(f"unsupported JSONPath filter {text!r}")
            path = tuple(p for p in m["path"].split(".") if p)
            terms.append(_Term(bool(m["not"]), path, m["op"], m["value"]))
        alternatives.append(terms)
    return alternatives


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _compare(left: Any, op: str, literal: str) -> bool:
    """Jayway 2.0: numbers by value; otherwise the texts, a double-quoted literal quotes and all."""
    if re.fullmatch(r"-?\d+(?:\.\d+)?", literal):
        if not _number(left):
            return op == "!=" if op in ("==", "!=") else _text_order(left, literal, op)
        a, b = Decimal(str(left)), Decimal(literal)
    elif literal in ("true", "false", "null"):
        equal = {"true": left is True, "false": left is False, "null": False}[literal]
        return equal if op == "==" else (not equal if op == "!=" else False)
    else:
        text = literal[1:-1] if literal.startswith("'") else literal
        if op in ("==", "!="):
            equal = isinstance(left, str) and left == text
            return equal if op == "==" else not equal
        return _text_order(left, text, op)
    return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _text_order(left: Any, right: str, op: str) -> bool:
    if op in ("==", "!="):
        return op == "!="
    a = left if isinstance(left, str) else java_to_string(left)
    return {"<": a < right, ">": a > right, "<=": a <= right, ">=": a >= right}[op]


def _matches(item: Any, alternatives: list[list[_Term]]) -> bool:
    def term(t: _Term) -> bool:
        node = item
        for key in t.path:
            if not isinstance(node, dict) or key not in node:
                return t.negate
            node = node[key]
        if t.op is None:
            return not t.negate
        if not t.path and isinstance(item, str) and t.op in ("==", "!="):
            return False  # observed: Jayway 2.0 never finds a bare @ string equal or unequal
        assert t.value is not None
        return _compare(node, t.op, t.value)

    return any(all(term(t) for t in terms) for terms in alternatives)


def _steps(path: str) -> list[tuple[str, Any]]:
    text = path.strip()
    if not text:
        raise JsonPathError("empty JSONPath")
    if text[0] not in "$@":
        text = "$." + text  # Jayway JsonPath reads a path without a root as relative to $
    steps: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(text):
        if text.startswith("[?(", pos):
            end = text.find(")]", pos)
            if end < 0:
                raise JsonPathError(f"unterminated filter in {path!r}")
            steps.append(("filter", _filter(text[pos + 3 : end])))
            pos = end + 2
            continue
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
            elif kind == "filter":
                candidates = (
                    node if isinstance(node, list) else [node] if isinstance(node, dict) else []
                )
                nxt.extend(item for item in candidates if _matches(item, arg))
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
