"""Method request phase: request validators (required parameters, then the body model)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator

from emulator.gateway.context import MethodRequest
from emulator.gateway.errors import (
    GatewayError,
    GatewayResponseType,
    UnsupportedFeatureError,
)
from emulator.gateway.routing import Route

VALIDATORS_KEY = "x-amazon-apigateway-request-validators"
VALIDATOR_KEY = "x-amazon-apigateway-request-validator"
DEFAULT_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class Validation:
    """What the method's request validator checks."""

    body: bool
    parameters: bool


def media_type(content_type: str | None) -> str:
    """The MIME type of a Content-Type header: parameters dropped, lower-cased, JSON if absent."""
    if content_type is None or not content_type.strip():
        return DEFAULT_MEDIA_TYPE
    return content_type.split(";", 1)[0].strip().lower()


def resolve_ref(definition: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (``#/components/...``) inside the API definition."""
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise UnsupportedFeatureError(f"only local $ref are supported, got {ref!r}")
        target: Any = definition
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise UnsupportedFeatureError(f"$ref {ref!r} does not resolve")
            target = target[part]
        node = target
        seen += 1
        if seen > 32:
            raise UnsupportedFeatureError(f"$ref loop at {ref!r}")
    return node


def validation_for(definition: dict[str, Any], route: Route) -> Validation:
    """The request validator in force: the method's, else the API's default, else none."""
    name = route.operation.get(VALIDATOR_KEY, definition.get(VALIDATOR_KEY))
    if name is None:
        return Validation(body=False, parameters=False)
    validators = definition.get(VALIDATORS_KEY) or {}
    spec = validators.get(name)
    if not isinstance(spec, dict):
        raise UnsupportedFeatureError(
            f"request validator {name!r} is not defined in {VALIDATORS_KEY}"
        )
    return Validation(
        body=bool(spec.get("validateRequestBody", False)),
        parameters=bool(spec.get("validateRequestParameters", False)),
    )


def declared_parameters(definition: dict[str, Any], route: Route) -> list[dict[str, Any]]:
    """Path-item parameters overridden by operation parameters, in declaration order."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for source in (
        route.path_item.get("parameters") or [],
        route.operation.get("parameters") or [],
    ):
        for raw in source:
            param = resolve_ref(definition, raw)
            if isinstance(param, dict) and "name" in param and "in" in param:
                merged[(str(param["in"]), str(param["name"]))] = param
    return list(merged.values())


def _value(request: MethodRequest, location: str, name: str) -> str | None:
    if location == "query":
        return request.query.get(name)
    if location == "header":
        return request.header(name)
    if location == "path":
        return request.path_params.get(name)
    return None


def check_required_parameters(
    definition: dict[str, Any], route: Route, request: MethodRequest
) -> None:
    """Missing or blank required parameters: 400 'Missing required request parameters: [a, b]'."""
    missing = [
        str(p["name"])
        for p in declared_parameters(definition, route)
        if p.get("required") is True
        and not (_value(request, str(p["in"]), str(p["name"])) or "").strip()
    ]
    if missing:
        raise GatewayError(
            GatewayResponseType.BAD_REQUEST_PARAMETERS,
            f"Missing required request parameters: [{', '.join(missing)}]",
        )


def _fge_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _js(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _describe(error: Any) -> str:
    """One error worded like API Gateway's validator (java-json-tools json-schema-validator)."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        allowed = expected if isinstance(expected, list) else [expected]
        return (
            f"instance type ({_fge_type(instance)}) does not match any allowed primitive "
            f"type (allowed: {_js(sorted(allowed))})"
        )
    if kind == "minLength":
        return (
            f"string {_js(instance)} is too short (length: {len(instance)}, "
            f"required minimum: {expected})"
        )
    if kind == "maxLength":
        return (
            f"string {_js(instance)} is too long (length: {len(instance)}, "
            f"maximum allowed: {expected})"
        )
    if kind == "additionalProperties" and isinstance(instance, dict):
        props = error.schema.get("properties", {})
        extra = sorted(k for k in instance if k not in props)
        return f"object instance has properties which are not allowed by the schema: {_js(extra)}"
    if kind == "pattern":
        return f"ECMA 262 regex {_js(expected)} does not match input string {_js(instance)}"
    if kind == "enum":
        return (
            f"instance value ({_js(instance)}) not found in enum (possible values: {_js(expected)})"
        )
    if kind == "minimum":
        return f"numeric instance is lower than the required minimum (minimum: {expected}, found: {instance})"
    if kind == "maximum":
        return f"numeric instance is greater than the required maximum (maximum: {expected}, found: {instance})"
    return str(error.message)


def validation_error_string(errors: list[Any]) -> str:
    """$context.error.validationErrorString: the validator's messages as ``[m1, m2]``."""
    messages: list[str] = []
    missing: dict[tuple[Any, ...], list[str]] = {}
    for error in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        if error.validator == "required" and isinstance(error.instance, dict):
            key = tuple(error.absolute_path)
            if key not in missing:
                missing[key] = sorted(r for r in error.validator_value if r not in error.instance)
                messages.append(f"object has missing required properties ({_js(missing[key])})")
            continue
        messages.append(_describe(error))
    return "[" + ", ".join(messages) + "]"


_validators: dict[tuple[int, str, str, str], tuple[dict[str, Any], Draft4Validator]] = {}
_validators_lock = threading.Lock()


def _validator(definition: dict[str, Any], route: Route, mime: str, root: Any) -> Draft4Validator:
    """The body model's validator, built once per deployed document, route and media type (a
    deployed document never changes: a deploy brings a new one)."""
    key = (id(definition), route.resource_path, route.http_method, mime)
    with _validators_lock:
        hit = _validators.get(key)
        if hit is not None and hit[0] is definition:
            return hit[1]
    schema = _inline_refs(root, root, ())
    if isinstance(schema, dict) and isinstance(root, dict) and "components" in root:
        # References left in place (recursive models) still resolve against the document.
        schema = {**schema, "components": root["components"]}
    validator = Draft4Validator(schema)
    with _validators_lock:
        if len(_validators) > 256:
            _validators.clear()
        # The document is kept with its validator, so its id cannot be reused while cached.
        _validators[key] = (definition, validator)
    return validator


# Keywords whose values are instance data, never schemas: a "$ref" inside them is not a reference.
_DATA_KEYWORDS = frozenset({"enum", "default", "example", "examples", "const"})


def _inline_refs(node: Any, root: Any, following: tuple[str, ...]) -> Any:
    """The schema with each local ``$ref`` replaced by what it points to, so validating a body
    does not resolve references again on every request. Draft 4 ignores a ``$ref``'s sibling
    keywords, so the replacement is exact; a reference already being followed (a recursive
    model) or one that does not resolve stays for the validator to handle."""
    if isinstance(node, list):
        return [_inline_refs(item, root, following) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if ref in following or not ref.startswith("#/"):
            return node
        try:
            target = resolve_ref(root, {"$ref": ref})
        except UnsupportedFeatureError:
            return node
        return _inline_refs(target, root, (*following, ref))
    return {
        key: value if key in _DATA_KEYWORDS else _inline_refs(value, root, following)
        for key, value in node.items()
    }


def check_body(definition: dict[str, Any], route: Route, request: MethodRequest) -> None:
    """Validate the body against the model for its content type: 400 'Invalid request body'."""
    request_body = resolve_ref(definition, route.operation.get("requestBody") or {})
    content = (request_body.get("content") if isinstance(request_body, dict) else None) or {}
    mime = media_type(request.header("Content-Type"))
    media = next((v for k, v in content.items() if k.lower() == mime), None)
    if media is None:
        media = content.get("$default")
    if not isinstance(media, dict) or "schema" not in media:
        return
    schema = media["schema"]
    components = definition.get("components") or {}
    root = {**schema, "components": components} if isinstance(schema, dict) else schema
    try:
        # The validator parses the payload bytes as UTF-8 JSON (Jackson): invalid UTF-8 and
        # nesting deeper than its parser allows are malformed JSON, not a server error.
        text = request.body.decode("utf-8")
        document = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise GatewayError(
            GatewayResponseType.BAD_REQUEST_BODY,
            "Invalid request body",
            validation_error=f"[Invalid JSON: {exc}]",
        ) from exc
    errors = list(_validator(definition, route, mime, root).iter_errors(document))
    if errors:
        raise GatewayError(
            GatewayResponseType.BAD_REQUEST_BODY,
            "Invalid request body",
            validation_error=validation_error_string(errors),
        )


def validate_method_request(
    definition: dict[str, Any], route: Route, request: MethodRequest
) -> None:
    """Run the method's request validator: required parameters first, then the body."""
    validation = validation_for(definition, route)
    if validation.parameters:
        check_required_parameters(definition, route, request)
    if validation.body:
        check_body(definition, route, request)
