"""Gateway responses: how API Gateway answers errors it produces itself."""

from __future__ import annotations

import json
import re
from typing import Any

from emulator.gateway.context import MethodRequest
from emulator.gateway.errors import GatewayError, GatewayResponseType
from emulator.gateway.integration_response import select_response_template
from emulator.gateway.method_request import DEFAULT_MEDIA_TYPE
from emulator.gateway.method_response import HttpResponse

GATEWAY_RESPONSES_KEY = "x-amazon-apigateway-gateway-responses"
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
# API Gateway answers these with its built-in response whatever the API customises.
NOT_CUSTOMISABLE = frozenset({GatewayResponseType.REQUEST_TOO_LARGE})

_VARIABLE = re.compile(
    r"\$!?(?:\{(?P<braced>(?:context|stageVariables)(?:\.[A-Za-z0-9_-]+)+)\}"
    r"|(?P<plain>(?:context|stageVariables)(?:\.[A-Za-z0-9_-]+)+))"
)


def _lookup(path: str, context: dict[str, Any], stage_variables: dict[str, str]) -> str:
    root, _, rest = path.partition(".")
    if root == "stageVariables":
        return stage_variables.get(rest, "")
    node: Any = context
    for part in rest.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return ""
    if rest == "error.validationErrorString":
        # Escaped so it can sit inside a JSON string, as templates put it.
        return json.dumps(str(node), ensure_ascii=False)[1:-1]
    return str(node)


def substitute(template: str, context: dict[str, Any], stage_variables: dict[str, str]) -> str:
    """Gateway response templates substitute $context / $stageVariables; they are not VTL."""
    return _VARIABLE.sub(
        lambda m: _lookup(m["braced"] or m["plain"], context, stage_variables), template
    )


def _parameter_value(
    source: str, request: MethodRequest, context: dict[str, Any], stage_variables: dict[str, str]
) -> str | None:
    if len(source) >= 2 and source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    if source.startswith("method.request.header."):
        return request.header(source.removeprefix("method.request.header."))
    if source.startswith("method.request.querystring."):
        return request.query.get(source.removeprefix("method.request.querystring."))
    if source.startswith("method.request.path."):
        return request.path_params.get(source.removeprefix("method.request.path."))
    if source.startswith("stageVariables."):
        return stage_variables.get(source.removeprefix("stageVariables."))
    if source.startswith("context."):
        value = _lookup(source, context, stage_variables)
        return value or None
    return None


def gateway_response(
    error: GatewayError,
    *,
    definition: dict[str, Any] | None,
    request: MethodRequest,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> HttpResponse:
    """Render the (customised, else DEFAULT_4XX/5XX, else built-in) gateway response."""
    kind = error.response_type
    customised: dict[str, Any] = (
        {} if kind in NOT_CUSTOMISABLE else (definition or {}).get(GATEWAY_RESPONSES_KEY) or {}
    )
    own = customised.get(kind.name)
    spec: dict[str, Any] = own if isinstance(own, dict) else customised.get(kind.fallback) or {}
    status = error.status
    if isinstance(own, dict) and own.get("statusCode") is not None:
        status = int(str(own["statusCode"]))
    response = HttpResponse(status)
    selected = select_response_template(
        spec.get("responseTemplates") or {}, request.header("Accept")
    )
    mime, template = selected if selected else (DEFAULT_MEDIA_TYPE, DEFAULT_TEMPLATE)
    response.body = substitute(template, context, stage_variables).encode("utf-8")
    response.set_header("Content-Type", mime)
    for target, source in (spec.get("responseParameters") or {}).items():
        if not str(target).startswith("gatewayresponse.header."):
            continue
        value = _parameter_value(str(source), request, context, stage_variables)
        if value is not None:
            response.set_header(str(target).removeprefix("gatewayresponse.header."), value)
    response.set_header("x-amzn-ErrorType", error.error_type)
    return response
