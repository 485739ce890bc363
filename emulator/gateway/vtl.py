"""Velocity (VTL) rendering of mapping templates, with API Gateway's ``$input`` and ``$util``.

airspeed parses and evaluates the template. Two things are adjusted on each compiled template
only (nothing global is patched): references are loud unless written ``$!x``, as in Velocity,
and string literals become ``JavaString`` so Java's String methods work on them.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

import airspeed

from emulator.gateway import jsonpath
from emulator.gateway.java_lang import JavaList, JavaMap, JavaString, from_json, to_plain

# Velocity prints an undefined or null reference as its own source text unless it is quiet
# (`$!x`). Set to False to render such references as empty strings instead.
UNDEFINED_RENDERS_LITERALLY = True

_URL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")


class TemplateRenderError(Exception):
    """The template could not be parsed or evaluated (API Gateway: 'Unable to transform')."""


class BodyNotJsonError(Exception):
    """``$input.path`` / ``$input.json`` was used on a payload that is not JSON."""


class MethodRequestParams(TypedDict):
    """The method request's parameters, as ``$input.params()`` exposes them."""

    path: dict[str, str]
    querystring: dict[str, str]
    header: dict[str, str]


def escape_javascript(text: str) -> str:
    """$util.escapeJavaScript: commons-lang 2 StringEscapeUtils.escapeJavaScript."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp > 0xFFFF:
            cp -= 0x10000
            out.append(f"\\u{0xD800 + (cp >> 10):04X}\\u{0xDC00 + (cp & 0x3FF):04X}")
        elif cp > 0x7F:
            out.append(f"\\u{cp:04X}")
        elif cp < 0x20:
            short = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}.get(cp)
            out.append(short if short else f"\\u{cp:04X}")
        elif ch in "'\"\\/":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def url_encode(text: str) -> str:
    """$util.urlEncode: java.net.URLEncoder.encode(s, "UTF-8") (form encoding, space is '+')."""
    out: list[str] = []
    for byte in text.encode("utf-8"):
        if byte in _URL_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def url_decode(text: str) -> str:
    """$util.urlDecode: java.net.URLDecoder.decode(s, "UTF-8"); a bad escape is an error."""
    raw = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "+":
            raw.append(0x20)
            i += 1
        elif ch == "%":
            hexdigits = text[i + 1 : i + 3]
            if len(hexdigits) != 2 or any(c not in "0123456789abcdefABCDEF" for c in hexdigits):
                raise ValueError(f"URLDecoder: Illegal hex characters in escape pattern {text!r}")
            raw.append(int(hexdigits, 16))
            i += 3
        else:
            raw.extend(ch.encode("utf-8"))
            i += 1
    return raw.decode("utf-8", "replace")


class Util:
    """``$util``: the helper functions API Gateway offers to mapping templates."""

    def escapeJavaScript(self, value: object) -> JavaString | None:
        """$util.escapeJavaScript(s)."""
        return None if value is None else JavaString(escape_javascript(str(value)))

    def parseJson(self, value: object) -> Any:
        """$util.parseJson(s): a JSON string into an object usable in VTL."""
        if value is None:
            return None
        return from_json(json.loads(str(value)))

    def urlEncode(self, value: object) -> JavaString | None:
        """$util.urlEncode(s)."""
        return None if value is None else JavaString(url_encode(str(value)))

    def urlDecode(self, value: object) -> JavaString | None:
        """$util.urlDecode(s)."""
        return None if value is None else JavaString(url_decode(str(value)))

    def base64Encode(self, value: object) -> JavaString | None:
        """$util.base64Encode(s) over the UTF-8 bytes."""
        if value is None:
            return None
        return JavaString(base64.b64encode(str(value).encode("utf-8")).decode("ascii"))

    def base64Decode(self, value: object) -> JavaString | None:
        """$util.base64Decode(s) into a UTF-8 string."""
        if value is None:
            return None
        return JavaString(base64.b64decode(str(value)).decode("utf-8", "replace"))


class Input:
    """``$input``: the payload (request or integration response) and the method request params."""

    def __init__(self, body: str, params: MethodRequestParams) -> None:
        self._raw = body
        self._params = params
        self._parsed: Any = None
        self._parsed_ok: bool | None = None

    @property
    def body(self) -> JavaString:
        """$input.body: the raw payload; an empty payload reads as '{}'."""
        return JavaString(self._raw if self._raw else "{}")

    def _document(self) -> Any:
        if self._parsed_ok is None:
            try:
                self._parsed = json.loads(self._raw) if self._raw.strip() else {}
                self._parsed_ok = True
            except (ValueError, RecursionError) as exc:  # too deep to parse is malformed too
                self._parsed_ok = False
                self._parsed = str(exc)
        if not self._parsed_ok:
            raise BodyNotJsonError(self._parsed)
        return self._parsed

    def path(self, expression: str) -> Any:
        """$input.path(x): the JSONPath result as an object (maps, lists, strings, numbers)."""
        return from_json(jsonpath.evaluate(self._document(), str(expression)))

    def json(self, expression: str) -> JavaString:
        """$input.json(x): the JSONPath result serialised as JSON."""
        value = jsonpath.evaluate(self._document(), str(expression))
        return JavaString(json.dumps(value, separators=(",", ":"), ensure_ascii=False))

    def params(self, name: str | None = None) -> Any:
        """$input.params() (all) or $input.params(x): path, then query string, then header."""
        if name is None:
            groups: dict[str, dict[str, str]] = {
                "path": self._params["path"],
                "querystring": self._params["querystring"],
                "header": self._params["header"],
            }
            return JavaMap(
                (kind, JavaMap((k, JavaString(v)) for k, v in values.items()))
                for kind, values in groups.items()
            )
        key = str(name)
        if key in self._params["path"]:
            return JavaString(self._params["path"][key])
        if key in self._params["querystring"]:
            return JavaString(self._params["querystring"][key])
        for header, value in self._params["header"].items():
            if header.lower() == key.lower():
                return JavaString(value)
        return JavaString("")


class OverrideMap(dict[str, Any]):
    """``$context.responseOverride`` (and ``.header``): remembers values set more than once."""

    def __init__(self, on_conflict: Callable[[str], None], prefix: str) -> None:
        super().__init__()
        self._on_conflict = on_conflict
        self._prefix = prefix

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self and not isinstance(self[key], OverrideMap):
            self._on_conflict(self._prefix + key)
        super().__setitem__(key, value)


@dataclass
class ResponseOverride:
    """Collects ``#set($context.responseOverride...)`` done by one response template."""

    conflicts: list[str] = field(default_factory=list)
    values: OverrideMap = field(init=False)

    def __post_init__(self) -> None:
        self.values = OverrideMap(self.conflicts.append, "")
        self.values["header"] = OverrideMap(self.conflicts.append, "header.")

    @property
    def status(self) -> Any:
        """The overriding status code, if a template set one."""
        return self.values.get("status")

    @property
    def headers(self) -> dict[str, str]:
        """The overriding headers a template set."""
        header = self.values.get("header")
        if not isinstance(header, Mapping):
            return {}
        return {str(k): str(v) for k, v in header.items()}


def to_template_value(value: Any) -> Any:
    """Wrap a plain value (e.g. a $context entry) for use in templates."""
    if isinstance(value, dict) and not isinstance(value, OverrideMap | JavaMap):
        return JavaMap((k, to_template_value(v)) for k, v in value.items())
    if isinstance(value, str) and not isinstance(value, JavaString):
        return JavaString(value)
    return value


# Literal elements whose values become JavaString / JavaMap / JavaList.
_LITERALS = (
    airspeed.operators.StringLiteral,
    airspeed.operators.DictionaryLiteral,
    airspeed.operators.ArrayLiteral,
)

_compiled: dict[str, Any] = {}
_compiled_lock = threading.Lock()


def _adjust(root: Any) -> None:
    """Make references loud unless quiet and string literals Java strings, in this tree only."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, airspeed.operators.FormalReference):
            quiet = node.full_text()[node.start : node.start + 2] == "$!"
            node.silent = quiet or not UNDEFINED_RENDERS_LITERALLY
        elif isinstance(node, _LITERALS):
            node.calculate = _java_literal(node.calculate)
        children: list[Any] = []
        for value in vars(node).values():
            if isinstance(value, airspeed.operators._Element):
                children.append(value)
            elif isinstance(value, list):
                children.extend(v for v in value if isinstance(v, airspeed.operators._Element))
            elif isinstance(value, dict):
                for k, v in value.items():
                    children.extend(x for x in (k, v) if isinstance(x, airspeed.operators._Element))
        stack.extend(children)


def _java_literal(calculate: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(namespace: Any, loader: Any) -> Any:
        value = calculate(namespace, loader)
        if isinstance(value, str):
            return JavaString(value)
        if isinstance(value, dict):
            return JavaMap(value)
        if isinstance(value, list | range):
            return JavaList(value)
        return value

    return wrapped


def _compile(source: str) -> Any:
    with _compiled_lock:
        template = _compiled.get(source)
        if template is None:
            template = airspeed.Template(source)
            try:
                template.ensure_compiled()
            except airspeed.TemplateSyntaxError as exc:
                raise TemplateRenderError(f"template syntax error: {exc}") from exc
            _adjust(template.root_element)
            if len(_compiled) > 512:
                _compiled.clear()
            _compiled[source] = template
        return template


def render(source: str, namespace: Mapping[str, Any]) -> str:
    """Evaluate a mapping template the way API Gateway's Velocity engine does."""
    template = _compile(source)
    try:
        return str(template.merge(dict(namespace)))
    except airspeed.TemplateExecutionError as exc:
        cause = exc.__cause__
        if isinstance(cause, BodyNotJsonError):
            raise cause from exc
        raise TemplateRenderError(str(exc)) from exc


def template_namespace(
    *,
    body: str,
    params: MethodRequestParams,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
) -> dict[str, Any]:
    """The variables a mapping template sees: $input, $util, $context, $stageVariables."""
    return {
        "input": Input(body, params),
        "util": Util(),
        "context": to_template_value(dict(context)),
        "stageVariables": JavaMap((k, JavaString(v)) for k, v in stage_variables.items()),
    }


__all__ = [
    "BodyNotJsonError",
    "Input",
    "JavaList",
    "JavaMap",
    "JavaString",
    "MethodRequestParams",
    "OverrideMap",
    "ResponseOverride",
    "TemplateRenderError",
    "Util",
    "escape_javascript",
    "render",
    "template_namespace",
    "to_plain",
    "to_template_value",
]
