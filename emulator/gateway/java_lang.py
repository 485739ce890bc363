"""Java semantics for values seen by mapping templates.

API Gateway runs Velocity on the JVM: strings are ``java.lang.String`` (UTF-16, Java regexes),
JSON objects from ``$input.path`` are ``LinkedHashMap`` (printed ``{k=v}``) and JSON arrays are
json-smart's ``JSONArray`` (printed as JSON); numbers are Integer/Long/BigInteger (int), Double
(float) or BigDecimal (Decimal). Velocity calls methods by reflection: the tables below are the
methods a template can call on each kind of value, with Java's results and exceptions.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

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


@functools.lru_cache(maxsize=256)  # templates use a few fixed patterns, on every request
def java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a java.util.regex pattern with Python's re, translating Java-only syntax.

    Java's \\d, \\w, \\s, \\b and case folding are ASCII unless the pattern sets (?U).
    """
    if "(?U)" in pattern:
        return re.compile(_translate_java_regex(pattern.replace("(?U)", "")))
    return re.compile(_translate_java_regex(pattern), re.ASCII)


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


class JavaException(Exception):
    """A Java exception thrown inside a method a template called (the render fails)."""


class _NoSuchMethod:
    """Velocity found no method (or property) for these arguments: the reference prints as text."""

    def __repr__(self) -> str:
        return "NoSuchMethod"


NoSuchMethod = _NoSuchMethod()


class JavaString(str):
    """A java.lang.String (its methods are in STRING_METHODS)."""

    __slots__ = ()


class JavaMap(dict[Any, Any]):
    """java.util.LinkedHashMap: JSON objects from json-smart and Velocity's map literals."""


class JavaList(list[Any]):
    """java.util.ArrayList: Velocity's list literals and ranges, keySet(), values(); prints [a, b]."""


class JsonArray(JavaList):
    """net.minidev.json.JSONArray: JSON arrays; an ArrayList that prints itself as JSON."""


class JavaArray(JavaList):
    """A Java String[] (from String.split): prints as its type and identity, like Java."""


@dataclass(frozen=True)
class TypedKey:
    """A Boolean or Double map key: Python would take true for 1 and 1.0 for 1, Java does not."""

    value: Any
    kind: str


def map_key(key: Any) -> Any:
    """The dict key for a Java map key."""
    if isinstance(key, bool):
        return TypedKey(key, "Boolean")
    if isinstance(key, float):
        return TypedKey(key, "Double")
    return key


def _unkey(key: Any) -> Any:
    return key.value if isinstance(key, TypedKey) else key


@dataclass(frozen=True)
class MapEntry:
    """A Map.Entry from entrySet()."""

    key: Any
    value: Any


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _int_class(value: int) -> str:
    if -(2**31) <= value < 2**31:
        return "Integer"
    if -(2**63) <= value < 2**63:
        return "Long"
    return "BigInteger"


def java_double(value: float) -> str:
    """Double.toString."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exponent, int)
    sci = len(digits) - 1 + exponent
    if 1e-3 <= abs(value) < 1e7:
        if sci >= 0:
            whole = digits[: sci + 1].ljust(sci + 1, "0")
            return f"{sign}{whole}.{digits[sci + 1 :] or '0'}"
        return f"{sign}0.{'0' * (-sci - 1)}{digits}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{sci}"


def json_smart_string(text: str, protect_slash: bool) -> str:
    """A JSON string literal as json-smart writes it."""
    out = ['"']
    for ch in text:
        cp = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ch == "/":
            out.append("\\/" if protect_slash else "/")
        elif cp <= 0x1F or 0x7F <= cp <= 0x9F or 0x2000 <= cp <= 0x20FF:
            out.append(f"\\u{cp:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_smart(value: Any, protect_slash: bool) -> str:
    """JSONValue.toJSONString: JSONArray.toString() protects '/', JsonPath's style does not."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json_smart_string(value, protect_slash)
    if isinstance(value, Mapping):
        return (
            "{"
            + ",".join(
                json_smart_string(java_to_string(k), protect_slash)
                + ":"
                + json_smart(v, protect_slash)
                for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(json_smart(v, protect_slash) for v in value) + "]"
    return java_to_string(value)


def java_to_string(value: object) -> str:
    """String.valueOf(value): what Velocity prints."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, JavaArray):
        return f"[Ljava.lang.String;@{id(value) & 0xFFFFFFF:x}"
    if isinstance(value, JsonArray):
        return json_smart(value, protect_slash=True)
    if isinstance(value, list):
        return "[" + ", ".join(java_to_string(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{"
            + ", ".join(f"{java_to_string(k)}={java_to_string(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, MapEntry):
        return f"{java_to_string(value.key)}={java_to_string(value.value)}"
    if isinstance(value, TypedKey):
        return java_to_string(value.value)
    return str(value)


def java_equals(a: Any, b: Any) -> bool:
    """Object.equals as the JDK's classes implement it."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and str(a) == str(b)
    if isinstance(a, int) and isinstance(b, int):
        return _int_class(a) == _int_class(b) and a == b
    if isinstance(a, float) and isinstance(b, float):
        return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a.as_tuple() == b.as_tuple()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(java_equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return len(a) == len(b) and all(k in b and java_equals(v, b[k]) for k, v in a.items())
    if isinstance(a, MapEntry) and isinstance(b, MapEntry):
        return java_equals(a.key, b.key) and java_equals(a.value, b.value)
    return a is b


# --- methods, by the Java class a value stands for --------------------------------------------
# A signature is a tuple of parameter kinds: S String/CharSequence, O Object, I int, M Map,
# L List/Collection. Velocity picks the method whose parameters accept the arguments; a null
# argument fits any reference parameter, never an int.

Signature = tuple[str, ...]
MethodTable = dict[str, list[tuple[Signature, Callable[..., Any]]]]


def _accepts(kind: str, arg: Any) -> bool:
    if kind == "O":
        return True
    if kind == "I":
        return isinstance(arg, int) and not isinstance(arg, bool) and _int_class(arg) == "Integer"
    if arg is None:
        return True
    if kind == "S":
        return isinstance(arg, str)
    if kind == "M":
        return isinstance(arg, Mapping)
    if kind == "L":
        return isinstance(arg, list)
    raise ValueError(kind)  # pragma: no cover


def _nn(*args: Any) -> None:
    if any(a is None for a in args):
        raise JavaException("java.lang.NullPointerException")


def _units(s: str) -> str:
    return to_utf16_units(str(s))


def _string_hash(s: str) -> int:
    h = 0
    for unit in _units(s):
        h = (31 * h + ord(unit)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def _substring(s: str, begin: int, end: int | None = None) -> JavaString:
    units = _units(s)
    stop = len(units) if end is None else end
    if begin < 0 or stop > len(units) or begin > stop:
        raise JavaException(f"StringIndexOutOfBoundsException: begin {begin}, end {stop}")
    return JavaString(from_utf16_units(units[begin:stop]))


class JavaChar(JavaString):
    """A java.lang.Character (from charAt): prints as its character, has Character's methods."""

    __slots__ = ()
    JAVA_METHODS: ClassVar[MethodTable]


def _char_at(s: str, index: int) -> JavaChar:
    units = _units(s)
    if not 0 <= index < len(units):
        raise JavaException(f"StringIndexOutOfBoundsException: index {index}")
    return JavaChar(units[index])


def _index_of(s: str, needle: str | None, start: int = 0) -> int:
    _nn(needle)
    assert needle is not None
    units, sub = _units(s), _units(needle)
    start = max(start, 0)
    if start > len(units):
        return -1 if sub else len(units)
    return units.find(sub, start)


def _last_index_of(s: str, needle: str | None, start: int | None = None) -> int:
    _nn(needle)
    assert needle is not None
    units, sub = _units(s), _units(needle)
    if start is None:
        return units.rfind(sub)
    if start < 0:
        return -1
    return units.rfind(sub, 0, min(start, len(units)) + len(sub))


def _compare(a: str, b: str | None) -> int:
    _nn(b)
    x, y = _units(a), _units(b or "")
    for p, q in zip(x, y, strict=False):
        if p != q:
            return ord(p) - ord(q)
    return len(x) - len(y)


def _fold(ch: str) -> str:
    upper = ch.upper()
    lower = (upper if len(upper) == 1 else ch).lower()
    return lower if len(lower) == 1 else ch


def _compare_ignore_case(a: str, b: str | None) -> int:
    _nn(b)
    x, y = _units(a), _units(b or "")
    for p, q in zip(x, y, strict=False):
        if p != q:
            fp, fq = _fold(p), _fold(q)
            if fp != fq:
                return ord(fp) - ord(fq)
    return len(x) - len(y)


def _equals_ignore_case(a: str, b: Any) -> bool:
    if not isinstance(b, str):
        return False
    x, y = _units(a), _units(b)
    return len(x) == len(y) and _compare_ignore_case(x, y) == 0


def _regex(pattern: str | None) -> re.Pattern[str]:
    _nn(pattern)
    try:
        return java_regex(pattern or "")
    except (re.error, ValueError) as exc:
        raise JavaException(f"PatternSyntaxException: {exc}") from exc


def _replacement(replacement: str | None) -> Callable[[re.Match[str]], str]:
    _nn(replacement)
    try:
        expand = java_replacement(replacement or "")
    except ValueError as exc:
        raise JavaException(f"IllegalArgumentException: {exc}") from exc

    def checked(match: re.Match[str]) -> str:
        try:
            return expand(match)
        except IndexError as exc:
            raise JavaException(f"IndexOutOfBoundsException: {exc}") from exc

    return checked


def _split(s: str, regex: str | None, limit: int = 0) -> JavaArray:
    """String.split(regex[, limit]): no capture groups, trailing empty strings dropped."""
    pattern = _regex(regex)
    text = str(s)
    pieces: list[str] = []
    pos = 0
    for m in pattern.finditer(text):
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
    return JavaArray(JavaString(p) for p in pieces)


def _concat(s: str, other: str | None) -> JavaString:
    _nn(other)
    return JavaString(str(s) + str(other))


def _contains(s: str, other: str | None) -> bool:
    _nn(other)
    return str(other) in str(s)


def _starts_with(s: str, prefix: str | None, offset: int = 0) -> bool:
    _nn(prefix)
    units = _units(s)
    if offset < 0 or offset > len(units):
        return False
    return units.startswith(_units(prefix or ""), offset)


def _ends_with(s: str, suffix: str | None) -> bool:
    _nn(suffix)
    return str(s).endswith(str(suffix))


def _replace(s: str, target: str | None, replacement: str | None) -> JavaString:
    _nn(target, replacement)
    text, old, new = str(s), str(target), str(replacement)
    if old == "":
        units = _units(text)
        return JavaString(
            new + new.join(from_utf16_units(u) for u in units) + new if units else new
        )
    return JavaString(text.replace(old, new))


def _trim(s: str) -> JavaString:
    return JavaString(str(s).strip(_TRIM_CHARS))


def _code_point(ch: int) -> str:
    """indexOf(int ch): the character; an invalid code point finds nothing."""
    return chr(ch) if 0 <= ch <= 0x10FFFF else "\uffff\uffff\uffff"


JavaChar.JAVA_METHODS = {
    "toString": [((), lambda c: JavaString(c))],
    "charValue": [((), lambda c: c)],
    "equals": [(("O",), lambda c, o: isinstance(o, JavaChar) and str(c) == str(o))],
    "hashCode": [((), ord)],
}


STRING_METHODS: MethodTable = {
    "length": [((), lambda s: len(_units(s)))],
    "isEmpty": [((), lambda s: len(s) == 0)],
    "charAt": [(("I",), _char_at)],
    "substring": [(("I",), _substring), (("I", "I"), _substring)],
    "indexOf": [
        (("S",), _index_of),
        (("S", "I"), _index_of),
        (("I",), lambda s, ch: _index_of(s, _code_point(ch))),
        (("I", "I"), lambda s, ch, start: _index_of(s, _code_point(ch), start)),
    ],
    "lastIndexOf": [
        (("S",), _last_index_of),
        (("S", "I"), _last_index_of),
        (("I",), lambda s, ch: _last_index_of(s, _code_point(ch))),
    ],
    "contains": [(("S",), _contains)],
    "startsWith": [(("S",), _starts_with), (("S", "I"), _starts_with)],
    "endsWith": [(("S",), _ends_with)],
    "equals": [(("O",), lambda s, o: isinstance(o, str) and str(s) == str(o))],
    "equalsIgnoreCase": [(("S",), _equals_ignore_case)],
    "compareTo": [(("S",), _compare)],
    "compareToIgnoreCase": [(("S",), _compare_ignore_case)],
    "toLowerCase": [((), lambda s: JavaString(str(s).lower()))],
    "toUpperCase": [((), lambda s: JavaString(str(s).upper()))],
    "trim": [((), _trim)],
    "concat": [(("S",), _concat)],
    "matches": [(("S",), lambda s, r: _regex(r).fullmatch(str(s)) is not None)],
    "replaceAll": [
        (("S", "S"), lambda s, r, t: JavaString(_regex(r).sub(_replacement(t), str(s))))
    ],
    "replaceFirst": [
        (("S", "S"), lambda s, r, t: JavaString(_regex(r).sub(_replacement(t), str(s), count=1)))
    ],
    "replace": [(("S", "S"), _replace)],
    "split": [(("S",), _split), (("S", "I"), _split)],
    "toString": [((), lambda s: JavaString(s))],
    "hashCode": [((), _string_hash)],
}


def _map_put(m: dict[Any, Any], key: Any, value: Any) -> Any:
    previous = m.get(map_key(key))
    m[map_key(key)] = value
    return previous


def _map_put_all(m: dict[Any, Any], other: Mapping[Any, Any] | None) -> None:
    _nn(other)
    assert other is not None
    for k, v in other.items():
        m[k] = v


MAP_METHODS: MethodTable = {
    "size": [((), len)],
    "isEmpty": [((), lambda m: not m)],
    "containsKey": [(("O",), lambda m, k: map_key(k) in m)],
    "containsValue": [(("O",), lambda m, v: any(java_equals(v, x) for x in m.values()))],
    "get": [(("O",), lambda m, k: m.get(map_key(k)))],
    "getOrDefault": [(("O", "O"), lambda m, k, d: m.get(map_key(k), d))],
    "put": [(("O", "O"), _map_put)],
    "putAll": [(("M",), _map_put_all)],
    "remove": [(("O",), lambda m, k: m.pop(map_key(k), None))],
    "clear": [((), lambda m: m.clear())],
    "keySet": [((), lambda m: JavaList(_unkey(k) for k in m))],
    "values": [((), lambda m: JavaList(dict.values(m)))],
    "entrySet": [((), lambda m: JavaList(MapEntry(_unkey(k), v) for k, v in m.items()))],
    "equals": [(("O",), java_equals)],
    "toString": [((), lambda m: JavaString(java_to_string(m)))],
}


def _list_get(items: list[Any], index: int) -> Any:
    if not 0 <= index < len(items):
        raise JavaException(f"IndexOutOfBoundsException: Index {index}, Size {len(items)}")
    return items[index]


def _list_insert(items: list[Any], index: int, value: Any) -> None:
    if not 0 <= index <= len(items):
        raise JavaException(f"IndexOutOfBoundsException: Index {index}, Size {len(items)}")
    items.insert(index, value)


def _list_set(items: list[Any], index: int, value: Any) -> Any:
    previous = _list_get(items, index)
    items[index] = value
    return previous


def _list_add_all(items: list[Any], other: list[Any] | None) -> bool:
    _nn(other)
    assert other is not None
    items.extend(other)
    return bool(other)


def _index(items: list[Any], value: Any) -> int:
    return next((i for i, x in enumerate(items) if java_equals(value, x)), -1)


def _sub_list(items: list[Any], start: int, stop: int) -> JavaList:
    if start < 0 or stop > len(items) or start > stop:
        raise JavaException(f"IndexOutOfBoundsException: {start}, {stop}")
    return JavaList(items[start:stop])


LIST_METHODS: MethodTable = {
    "size": [((), len)],
    "isEmpty": [((), lambda items: not items)],
    "get": [(("I",), _list_get)],
    "contains": [(("O",), lambda items, v: _index(items, v) >= 0)],
    "indexOf": [(("O",), _index)],
    "add": [(("O",), lambda items, v: items.append(v) or True), (("I", "O"), _list_insert)],
    "set": [(("I", "O"), _list_set)],
    "addAll": [(("L",), _list_add_all)],
    "clear": [((), lambda items: items.clear())],
    "subList": [(("I", "I"), _sub_list)],
    "equals": [(("O",), java_equals)],
    "toString": [((), lambda items: JavaString(java_to_string(items)))],
}
ARRAY_METHODS: MethodTable = {
    name: LIST_METHODS[name] for name in ("size", "isEmpty", "get", "contains", "indexOf")
}


def _int_value(n: Any) -> int:
    value = int(n) & 0xFFFFFFFF if not isinstance(n, float) else _double_to_int(n, 32)
    return value - (1 << 32) if value >= 1 << 31 else value


def _double_to_int(x: float, bits: int) -> int:
    if math.isnan(x):
        return 0
    limit = 1 << (bits - 1)
    if math.isinf(x):
        return limit - 1 if x > 0 else -limit
    return max(-limit, min(limit - 1, int(x))) & ((1 << bits) - 1)


def _long_value(n: Any) -> int:
    value = int(n) & 0xFFFFFFFFFFFFFFFF if not isinstance(n, float) else _double_to_int(n, 64)
    return value - (1 << 64) if value >= 1 << 63 else value


NUMBER_METHODS: MethodTable = {
    # toString(int) is the static Integer.toString(i), reachable through an instance.
    "toString": [
        ((), lambda n: JavaString(java_to_string(n))),
        (("I",), lambda _n, i: JavaString(str(i))),
    ],
    "intValue": [((), _int_value)],
    "longValue": [((), _long_value)],
    "doubleValue": [((), float)],
    "equals": [(("O",), java_equals)],
}
BOOLEAN_METHODS: MethodTable = {
    "toString": [((), lambda b: JavaString(java_to_string(b)))],
    "booleanValue": [((), lambda b: b)],
    "equals": [(("O",), java_equals)],
}
ENTRY_METHODS: MethodTable = {
    "getKey": [((), lambda e: e.key)],
    "getValue": [((), lambda e: e.value)],
    "toString": [((), lambda e: JavaString(java_to_string(e)))],
}


def methods_of(target: Any) -> MethodTable:
    """The methods Velocity can call on a value, by the Java class it stands for."""
    table = getattr(type(target), "JAVA_METHODS", None)
    if table is not None:
        return table  # type: ignore[no-any-return]
    if isinstance(target, str):
        return STRING_METHODS
    if isinstance(target, bool):
        return BOOLEAN_METHODS
    if is_number(target):
        return NUMBER_METHODS
    if isinstance(target, Mapping):
        return MAP_METHODS
    if isinstance(target, JavaArray):
        return ARRAY_METHODS
    if isinstance(target, list):
        return LIST_METHODS
    if isinstance(target, MapEntry):
        return ENTRY_METHODS
    return {}


def invoke(target: Any, name: str, args: list[Any]) -> Any:
    """Call ``target.name(args)`` the way Velocity's introspection does; NoSuchMethod if none fits.

    Velocity 1.7 counts a method without parameters as applicable to any arguments, so calling
    one with arguments (and no other overload fitting) fails when it is invoked.
    """
    overloads = methods_of(target).get(name, ())
    for signature, function in overloads:
        if len(signature) == len(args) and all(
            _accepts(kind, arg) for kind, arg in zip(signature, args, strict=True)
        ):
            return function(target, *args)
    if args and any(not signature for signature, _ in overloads):
        raise JavaException(f"IllegalArgumentException: wrong number of arguments for {name}")
    return NoSuchMethod


def get_property(target: Any, name: str) -> Any:
    """``$x.name``: Map.get(name) on maps, else getName() / getname() / isName()."""
    if isinstance(target, Mapping):
        return target.get(name)
    cap = name[:1].upper() + name[1:]
    for method in (f"get{cap}", f"get{name}", f"is{cap}"):
        result = invoke(target, method, [])
        if result is not NoSuchMethod:
            return result
    return NoSuchMethod


# json-smart refuses JSON nested deeper than this (Debian's json-smart, CVE-2023-1370 fix).
MAX_JSON_DEPTH = 400


class JsonTooDeep(ValueError):
    """A JSON document nested deeper than json-smart reads."""


def from_json(value: Any, depth: int = 0) -> Any:
    """Wrap a decoded JSON value into the Java types json-smart produces."""
    if isinstance(value, dict | list):
        if depth >= MAX_JSON_DEPTH:
            raise JsonTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        if isinstance(value, dict):
            return JavaMap((k, from_json(v, depth + 1)) for k, v in value.items())
        return JsonArray(from_json(v, depth + 1) for v in value)
    if isinstance(value, str):
        return JavaString(value)
    return value
