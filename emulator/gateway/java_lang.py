"""Java semantics for values seen by mapping templates.

API Gateway runs Velocity on the JVM: strings are ``java.lang.String`` (UTF-16, Java regexes),
JSON objects from ``$input.path`` are ``LinkedHashMap`` (printed ``{k=v}``) and JSON arrays are
``JSONArray`` (printed as JSON). airspeed hands templates plain Python values, so these
subclasses carry the Java behaviour and only exist inside our renderer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

# Characters String.trim() removes: everything up to and including U+0020.
_TRIM_CHARS = "".join(chr(i) for i in range(0x21))

_POSIX_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
    "L": "^\\W\\d_",
    "IsAlphabetic": "^\\W\\d_",
}


def to_utf16_units(text: str) -> str:
    """Spell astral characters as surrogate pairs so indexes count UTF-16 code units like Java."""
    if all(ord(c) < 0x10000 for c in text):
        return text
    out: list[str] = []
    for c in text:
        cp = ord(c)
        if cp < 0x10000:
            out.append(c)
        else:
            cp -= 0x10000
            out.append(chr(0xD800 + (cp >> 10)) + chr(0xDC00 + (cp & 0x3FF)))
    return "".join(out)


def from_utf16_units(units: str) -> str:
    """Join surrogate pairs back into code points (lone surrogates stay as they are)."""
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a java.util.regex pattern with Python's re, translating Java-only syntax."""
    return re.compile(_translate_java_regex(pattern))


def _translate_java_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt in "pP" and i + 2 < n and pattern[i + 2] == "{":
                end = pattern.index("}", i + 3)
                name = pattern[i + 3 : end].removeprefix("Is").removeprefix("java")
                name = {"Alphabetic": "L", "LowerCase": "Lower", "UpperCase": "Upper"}.get(
                    name, name
                )
                if name not in _POSIX_CLASSES:
                    raise ValueError(f"unsupported Java character class \\p{{{name}}}")
                body = _POSIX_CLASSES[name]
                negate = nxt == "P"
                if body.startswith("^"):
                    body, negate = body[1:], not negate
                out.append(("[^" if negate else "[") + body + "]")
                i = end + 1
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                out.append("(?=\\n?\\Z)")
            else:
                out.append(c + nxt)
            i += 2
            continue
        if pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


def java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """Interpret a Matcher.replaceAll replacement: ``$n``/``${name}`` groups, ``\\x`` literals."""
    parts: list[str | int] = []
    literal: list[str] = []
    i = 0
    n = len(replacement)
    while i < n:
        c = replacement[i]
        if c == "\\":
            if i + 1 >= n:
                raise ValueError("character to be escaped is missing")
            literal.append(replacement[i + 1])
            i += 2
        elif c == "$":
            if i + 1 >= n:
                raise ValueError("Illegal group reference: group index is missing")
            if replacement[i + 1] == "{":
                end = replacement.find("}", i + 2)
                if end < 0:
                    raise ValueError("named capturing group is missing trailing '}'")
                ref: str | int = replacement[i + 2 : end]
                i = end + 1
            elif replacement[i + 1].isdigit():
                ref = int(replacement[i + 1])
                i += 2
            else:
                raise ValueError("Illegal group reference")
            parts.append("".join(literal))
            literal = []
            parts.append(ref)
        else:
            literal.append(c)
            i += 1
    parts.append("".join(literal))

    def expand(match: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (match.group(p) or "") for p in parts)

    return expand


class JavaString(str):
    """A template string with java.lang.String's methods (UTF-16 indexes, Java regexes)."""

    __slots__ = ()

    def __add__(self, other: object) -> JavaString:
        return JavaString(str.__add__(self, java_to_string(other)))

    def __radd__(self, other: object) -> JavaString:
        return JavaString(java_to_string(other) + str(self))

    def _units(self) -> str:
        return to_utf16_units(str(self))

    def length(self) -> int:
        return len(self._units())

    def isEmpty(self) -> bool:
        return len(self) == 0

    def charAt(self, index: int) -> JavaString:
        units = self._units()
        if not 0 <= index < len(units):
            raise IndexError(f"String index out of range: {index}")
        return JavaString(units[index])

    def substring(self, begin: int, end: int | None = None) -> JavaString:
        units = self._units()
        stop = len(units) if end is None else end
        if begin < 0 or stop > len(units) or begin > stop:
            raise IndexError(f"begin {begin}, end {stop}, length {len(units)}")
        return JavaString(from_utf16_units(units[begin:stop]))

    def indexOf(self, needle: object, start: int = 0) -> int:
        return self._units().find(to_utf16_units(java_to_string(needle)), max(start, 0))

    def lastIndexOf(self, needle: object) -> int:
        return self._units().rfind(to_utf16_units(java_to_string(needle)))

    def contains(self, needle: object) -> bool:
        return java_to_string(needle) in self

    def startsWith(self, prefix: object, offset: int = 0) -> bool:
        return self._units().startswith(to_utf16_units(java_to_string(prefix)), offset)

    def endsWith(self, suffix: object) -> bool:
        return str(self).endswith(java_to_string(suffix))

    def equals(self, other: object) -> bool:
        return isinstance(other, str) and str(self) == str(other)

    def equalsIgnoreCase(self, other: object) -> bool:
        return isinstance(other, str) and self.lower() == other.lower()

    def compareTo(self, other: object) -> int:
        a, b = self._units(), to_utf16_units(java_to_string(other))
        for x, y in zip(a, b, strict=False):
            if x != y:
                return ord(x) - ord(y)
        return len(a) - len(b)

    def toLowerCase(self) -> JavaString:
        return JavaString(self.lower())

    def toUpperCase(self) -> JavaString:
        return JavaString(self.upper())

    def trim(self) -> JavaString:
        return JavaString(str(self).strip(_TRIM_CHARS))

    def concat(self, other: object) -> JavaString:
        return JavaString(str(self) + java_to_string(other))

    def matches(self, regex: str) -> bool:
        return java_regex(regex).fullmatch(self) is not None

    def replaceAll(self, regex: str, replacement: str) -> JavaString:
        return JavaString(java_regex(regex).sub(java_replacement(replacement), str(self)))

    def replaceFirst(self, regex: str, replacement: str) -> JavaString:
        return JavaString(java_regex(regex).sub(java_replacement(replacement), str(self), count=1))

    def replace(self, target: object, replacement: object, count: int = -1) -> JavaString:  # type: ignore[override]
        """String.replace(CharSequence, CharSequence): literal, every occurrence."""
        return JavaString(
            str(self).replace(java_to_string(target), java_to_string(replacement), count)
        )

    def split(self, regex: str | None = None, limit: int = 0) -> JavaList:  # type: ignore[override]
        """String.split(regex[, limit]): no capture groups, trailing empty strings dropped."""
        text = str(self)
        if regex is None:
            raise TypeError("split() needs a regex")
        pieces: list[str] = []
        pos = 0
        for m in java_regex(regex).finditer(text):
            if 0 < limit <= len(pieces) + 1:
                break
            if m.end() == 0:
                continue  # a zero-width match at the start never yields a leading empty string
            pieces.append(text[pos : m.start()])
            pos = m.end()
        pieces.append(text[pos:])
        if limit == 0:
            while len(pieces) > 1 and pieces[-1] == "":
                pieces.pop()
            if pieces == [""] and text:
                pieces = []
        return JavaList(JavaString(p) for p in pieces)

    def toString(self) -> JavaString:
        return self


class JavaMap(dict[str, Any]):
    """A JSON object as Jayway JsonPath returns it: a LinkedHashMap printing as ``{k=v}``."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={java_to_string(v)}" for k, v in self.items()) + "}"

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def containsKey(self, key: object) -> bool:
        return key in self

    def put(self, key: str, value: Any) -> Any:
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def keySet(self) -> JavaList:
        return JavaList(self.keys())

    def values(self) -> JavaList:  # type: ignore[override]
        return JavaList(dict.values(self))

    def toString(self) -> str:
        return str(self)


class JavaList(list[Any]):
    """A JSON array as Jayway JsonPath returns it: a JSONArray printing as compact JSON."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)

    def __str__(self) -> str:
        return json.dumps(to_plain(self), separators=(",", ":"), ensure_ascii=False)

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def get(self, index: int) -> Any:
        return self[index]

    def contains(self, value: object) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def toString(self) -> str:
        return str(self)


def from_json(value: Any) -> Any:
    """Wrap a decoded JSON value into the Java-like types templates see."""
    if isinstance(value, dict):
        return JavaMap((k, from_json(v)) for k, v in value.items())
    if isinstance(value, list):
        return JavaList(from_json(v) for v in value)
    if isinstance(value, str):
        return JavaString(value)
    return value


def to_plain(value: Any) -> Any:
    """Unwrap Java-like values into plain JSON-serialisable Python values."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def java_to_string(value: object) -> str:
    """String.valueOf(value) as Velocity prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JavaMap | JavaList):
        return str(value)
    if isinstance(value, dict):
        return str(JavaMap(value))
    if isinstance(value, list):
        return str(JavaList(value))
    return str(value)
