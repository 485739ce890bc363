"""Mapping templates: Velocity 1.7 (emulator.gateway.velocity) with API Gateway's variables.

``$input``, ``$util``, ``$context`` and ``$stageVariables`` as AWS's mapping-template reference
describes them; the choices where AWS leaves room (which JSON parser, which JSONPath options)
are the ones docs/vtl-fidelity.md records, and the differential suite (tests/vtl_oracle) checks
every case against the real Velocity 1.7 with the same variables.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, TypedDict

from emulator.gateway import jsonpath
from emulator.gateway.java_lang import (
    JavaException,
    JavaList,
    JavaMap,
    JavaString,
    JsonArray,
    MethodTable,
    from_json,
    json_smart,
)
from emulator.gateway.velocity import (
    Template,
    VelocityRenderError,
    VelocitySyntaxError,
    parse,
    render_template,
)

# Characters Java's String.trim() removes: a payload of only these counts as empty.
_JAVA_BLANK = "".join(chr(i) for i in range(0x21))

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


# What escapeJavaScript rewrites: controls, non-ASCII, and the four characters it backslashes
# (DEL, 0x7F, passes through). Everything else is copied as it is.
_JS_ESCAPED = re.compile(r"[^\x20-\x7f]|['\"\\/]")
_JS_SHORT_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}


def _escape_javascript_char(match: re.Match[str]) -> str:
    ch = match.group()
    cp = ord(ch)
    if cp > 0xFFFF:  # Java escapes each UTF-16 unit of a supplementary character
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04X}\\u{0xDC00 + (cp & 0x3FF):04X}"
    if cp > 0x7F:
        return f"\\u{cp:04X}"
    if cp < 0x20:
        return _JS_SHORT_ESCAPES.get(cp) or f"\\u{cp:04X}"
    return "\\" + ch


def escape_javascript(text: str) -> str:
    """$util.escapeJavaScript: commons-lang 2 StringEscapeUtils.escapeJavaScript."""
    return _JS_ESCAPED.sub(_escape_javascript_char, text)


def java_utf8(text: str) -> bytes:
    """String.getBytes(UTF_8): a lone surrogate becomes '?'."""
    return (
        text.encode("utf-16-le", "surrogatepass")
        .decode("utf-16-le", "replace")
        .replace("\ufffd", "?")
        .encode("utf-8")
        if _has_lone_surrogate(text)
        else text.encode("utf-8")
    )


def _has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def url_encode(text: str) -> str:
    """$util.urlEncode: java.net.URLEncoder.encode(s, "UTF-8") (form encoding, space is '+')."""
    out: list[str] = []
    for byte in java_utf8(text):
        if byte in _URL_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def url_decode(text: str) -> str:
    """$util.urlDecode: java.net.URLDecoder.decode(s, "UTF-8"); a bad escape is an error.

    Each run of %XX escapes is decoded as UTF-8 on its own (malformed bytes become U+FFFD).
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "+":
            out.append(" ")
            i += 1
        elif ch == "%":
            raw = bytearray()
            while i < len(text) and text[i] == "%":
                if i + 3 > len(text):
                    raise JavaException("URLDecoder: Incomplete trailing escape (%) pattern")
                raw.append(_escape_byte(text[i + 1 : i + 3]))
                i += 3
            out.append(raw.decode("utf-8", "replace"))
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _escape_byte(pair: str) -> int:
    """Integer.parseInt(pair, 16) as URLDecoder uses it: a sign is allowed, a negative is not."""
    digits = pair[1:] if pair[:1] in "+-" else pair
    if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise JavaException("URLDecoder: Illegal hex characters in escape (%) pattern")
    value = int(pair, 16)
    if value < 0:
        raise JavaException(
            "URLDecoder: Illegal hex characters in escape (%) pattern - negative value"
        )
    return value


def base64_decode(text: str) -> str:
    """java.util.Base64.getDecoder().decode(s) read as UTF-8: padding optional, never partial."""
    body = text.rstrip("=")
    padding = len(text) - len(body)
    if (
        len(body) % 4 == 1
        or padding > 2
        or (padding and len(text) % 4)
        or any(ord(c) > 0x7F for c in text)
    ):
        raise JavaException("IllegalArgumentException: bad Base64 input")
    try:
        data = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:
        raise JavaException(f"IllegalArgumentException: {exc}") from exc
    return data.decode("utf-8", "replace")


def _json_float(text: str) -> float | Decimal:
    """json-smart (high-precision mode): a number written with more than 18 characters is a BigDecimal."""
    return Decimal(text) if len(text) > 18 else float(text)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def parse_json(text: str) -> Any:
    """Strict JSON (RFC 8259) into the Java values json-smart gives: LinkedHashMap, JSONArray, ..."""
    return from_json(json.loads(text, parse_float=_json_float, parse_constant=_not_json))


def _util_call(function: Callable[[str], Any]) -> Callable[[Any, Any], Any]:
    """A $util method taking one String: null in gives null out where Java does, else NPE."""

    def call(_util: Any, value: Any) -> Any:
        if value is None:
            raise JavaException("java.lang.NullPointerException")
        return function(str(value))

    return call


def _parse_json_util(text: str) -> Any:
    try:
        return parse_json(text)
    except (ValueError, RecursionError) as exc:
        raise JavaException(f"$util.parseJson: {exc}") from exc


class Util:
    """``$util``: the helper functions API Gateway offers to mapping templates."""

    JAVA_METHODS: ClassVar[MethodTable] = {
        "escapeJavaScript": [
            (("S",), lambda _u, v: None if v is None else JavaString(escape_javascript(str(v))))
        ],
        "parseJson": [(("S",), _util_call(_parse_json_util))],
        "urlEncode": [(("S",), _util_call(lambda v: JavaString(url_encode(v))))],
        "urlDecode": [(("S",), _util_call(lambda v: JavaString(url_decode(v))))],
        "base64Encode": [
            (
                ("S",),
                _util_call(lambda v: JavaString(base64.b64encode(java_utf8(v)).decode("ascii"))),
            )
        ],
        "base64Decode": [(("S",), _util_call(lambda v: JavaString(base64_decode(v))))],
    }


def _java_result(found: Any) -> Any:
    """A JSONPath result: the document's own values; the list of an indefinite path a JSONArray."""
    if isinstance(found, list) and not isinstance(found, JsonArray):
        return JsonArray(found)
    return found


class Input:
    """``$input``: the payload (request or integration response) and the method request params."""

    def __init__(self, body: str, params: MethodRequestParams) -> None:
        self._raw = body
        self._params = params
        self._parsed: Any = None
        self._parsed_ok: bool | None = None

    def body(self) -> JavaString:
        """$input.body: the raw payload; an empty payload reads as '{}'."""
        return JavaString(self._raw if self._raw else "{}")

    def _document(self) -> Any:
        if self._parsed_ok is None:
            text = self._raw if self._raw.strip(_JAVA_BLANK) else "{}"
            try:
                self._parsed = parse_json(text)
                self._parsed_ok = True
            except (ValueError, RecursionError) as exc:  # too deep to parse is malformed too
                self._parsed_ok = False
                self._parsed = str(exc)
        if not self._parsed_ok:
            raise BodyNotJsonError(self._parsed)
        return self._parsed

    def _evaluate(self, expression: Any) -> Any:
        document = self._document()
        if document is None:
            return None  # the payload is JSON null: every path finds nothing
        if expression is None:
            raise JavaException("IllegalArgumentException: path can not be null")
        try:
            return jsonpath.evaluate(document, str(expression))
        except jsonpath.JsonPathError as exc:
            raise JavaException(f"InvalidPathException: {exc}") from exc

    def path(self, expression: Any) -> Any:
        """$input.path(x): the JSONPath result as an object (maps, lists, strings, numbers)."""
        return _java_result(self._evaluate(expression))

    def json(self, expression: Any) -> JavaString:
        """$input.json(x): the JSONPath result serialised as JSON (json-smart, '/' unescaped)."""
        return JavaString(json_smart(self._evaluate(expression), protect_slash=False))

    def params(self, name: Any = None, *, all_params: bool = False) -> Any:
        """$input.params() (all) or $input.params(x): path, then query string, then header."""
        if all_params:
            groups: dict[str, dict[str, str]] = {
                "path": self._params["path"],
                "querystring": self._params["querystring"],
                "header": self._params["header"],
            }
            return JavaMap(
                (kind, JavaMap((k, JavaString(v)) for k, v in values.items()))
                for kind, values in groups.items()
            )
        if name is None:
            return JavaString("")
        key = str(name)
        if key in self._params["path"]:
            return JavaString(self._params["path"][key])
        if key in self._params["querystring"]:
            return JavaString(self._params["querystring"][key])
        for header, value in self._params["header"].items():
            if header.lower() == key.lower():
                return JavaString(value)
        return JavaString("")

    JAVA_METHODS: ClassVar[MethodTable] = {
        "getBody": [((), lambda i: i.body())],
        "path": [(("S",), lambda i, x: i.path(x))],
        "json": [(("S",), lambda i, x: i.json(x))],
        "params": [((), lambda i: i.params(all_params=True)), (("S",), lambda i, x: i.params(x))],
    }


class OverrideMap(JavaMap):
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


_compiled: dict[str, Template] = {}
_compiled_lock = threading.Lock()


def _compile(source: str) -> Template:
    with _compiled_lock:
        template = _compiled.get(source)
        if template is None:
            try:
                template = parse(source)
            except VelocitySyntaxError as exc:
                raise TemplateRenderError(f"template syntax error: {exc}") from exc
            if len(_compiled) > 512:
                _compiled.clear()
            _compiled[source] = template
        return template


def render(source: str, namespace: Mapping[str, Any]) -> str:
    """Evaluate a mapping template the way API Gateway's Velocity engine does."""
    template = _compile(source)
    try:
        return render_template(template, dict(namespace))
    except (VelocityRenderError, JavaException) as exc:
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
    "parse_json",
    "render",
    "template_namespace",
    "to_template_value",
]
