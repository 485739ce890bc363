"""Integration response phase: select the response by backend status, map headers, render."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from emulator.gateway import jsonpath
from emulator.gateway.aws import BackendResponse
from emulator.gateway.context import MethodRequest
from emulator.gateway.errors import configuration_error
from emulator.gateway.java_lang import java_regex
from emulator.gateway.method_request import DEFAULT_MEDIA_TYPE
from emulator.gateway.vtl import (
    BodyNotJsonError,
    ResponseOverride,
    TemplateRenderError,
    render,
    template_namespace,
)


@dataclass
class IntegrationResponse:
    """The selected and rendered integration response, before it becomes the method response."""

    status: int
    headers: dict[str, str]
    body: str
    content_type: str
    override: ResponseOverride


def select_integration_response(
    responses: dict[str, Any], backend_status: int
) -> tuple[str, dict[str, Any]]:
    """Match selection patterns against the backend status as a whole string; else 'default'."""
    status_text = str(backend_status)
    for pattern, spec in responses.items():
        if pattern == "default" or not isinstance(spec, dict):
            continue
        try:
            compiled = java_regex(pattern)
        except (re.error, ValueError) as exc:
            raise configuration_error(f"invalid selection pattern {pattern!r}: {exc}") from exc
        if compiled.fullmatch(status_text):
            return pattern, spec
    default = responses.get("default")
    if isinstance(default, dict):
        return "default", default
    raise configuration_error(
        "No match for output mapping and no default output mapping configured. "
        f"Endpoint Response Status Code: {backend_status}"
    )


def accepted_media_types(accept: str | None) -> list[str]:
    """Media types named by Accept, most preferred first (q-values honoured, stable order)."""
    if not accept:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        fields = [f.strip() for f in item.split(";")]
        if not fields[0]:
            continue
        quality = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, fields[0].lower()))
    return [mime for _, _, mime in sorted(ranked)]


def select_response_template(
    templates: dict[str, Any], accept: str | None
) -> tuple[str, str] | None:
    """The template for the Accept MIME type, else application/json, else the first one."""
    if not templates:
        return None
    by_mime = {k.lower(): (k, v) for k, v in templates.items()}
    for mime in [*accepted_media_types(accept), DEFAULT_MEDIA_TYPE]:
        if mime in by_mime:
            key, template = by_mime[mime]
            return key, "" if template is None else str(template)
    key, template = next(iter(templates.items()))
    return key, "" if template is None else str(template)


def _mapped_value(
    expression: str,
    backend: BackendResponse,
    request: MethodRequest,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> str | None:
    """Evaluate a responseParameters source: 'static', integration.response.*, context, stage."""
    if len(expression) >= 2 and expression.startswith("'") and expression.endswith("'"):
        return expression[1:-1]
    if expression.startswith("integration.response.header."):
        name = expression.removeprefix("integration.response.header.").lower()
        return next((v for k, v in backend.headers.items() if k.lower() == name), None)
    if expression == "integration.response.body":
        return backend.body
    if expression.startswith("integration.response.body."):
        try:
            document = json.loads(backend.body)
        except ValueError:
            return None
        found = jsonpath.evaluate(
            document, "$." + expression.removeprefix("integration.response.body.")
        )
        if found is None:
            return None
        return found if isinstance(found, str) else json.dumps(found, separators=(",", ":"))
    if expression.startswith("stageVariables."):
        return stage_variables.get(expression.removeprefix("stageVariables."))
    if expression.startswith("context."):
        node: Any = context
        for part in expression.removeprefix("context.").split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return None if node is None else str(node)
    if expression.startswith("method.request.header."):
        return request.header(expression.removeprefix("method.request.header."))
    raise configuration_error(f"unsupported response parameter mapping {expression!r}")


def build_integration_response(
    integration: dict[str, Any],
    backend: BackendResponse,
    *,
    request: MethodRequest,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> IntegrationResponse:
    """Select the integration response, map its headers and render its template."""
    _, spec = select_integration_response(integration.get("responses") or {}, backend.status)
    try:
        status = int(str(spec.get("statusCode", "")))
    except ValueError as exc:
        raise configuration_error(
            f"integration response statusCode {spec.get('statusCode')!r}"
        ) from exc
    headers: dict[str, str] = {}
    for target, source in (spec.get("responseParameters") or {}).items():
        if not str(target).startswith("method.response.header."):
            raise configuration_error(f"unsupported response parameter target {target!r}")
        value = _mapped_value(str(source), backend, request, context, stage_variables)
        if value is not None:
            headers[str(target).removeprefix("method.response.header.")] = value
    override = ResponseOverride()
    selected = select_response_template(
        spec.get("responseTemplates") or {}, request.header("Accept")
    )
    if selected is None:
        return IntegrationResponse(status, headers, backend.body, DEFAULT_MEDIA_TYPE, override)
    mime, template = selected
    namespace = template_namespace(
        body=backend.body,
        params=request.params(),
        context={**context, "responseOverride": override.values},
        stage_variables=stage_variables,
    )
    try:
        body = render(template, namespace)
    except (BodyNotJsonError, TemplateRenderError) as exc:
        raise configuration_error(f"Unable to transform response: {exc}") from exc
    return IntegrationResponse(status, headers, body, mime, override)
