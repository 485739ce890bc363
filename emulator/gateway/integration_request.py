"""Integration request phase: choose the request template and render the backend payload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.gateway.context import MethodRequest
from emulator.gateway.errors import GatewayError, GatewayResponseType, configuration_error
from emulator.gateway.method_request import media_type
from emulator.gateway.vtl import (
    BodyNotJsonError,
    OverrideMap,
    TemplateRenderError,
    render,
    template_namespace,
)

PASSTHROUGH_BEHAVIORS = ("when_no_match", "when_no_templates", "never")


@dataclass(frozen=True)
class IntegrationRequest:
    """The payload sent to the backend and whether a template produced it."""

    body: str
    template_mime: str | None


def select_request_template(
    integration: dict[str, Any], content_type: str | None
) -> tuple[str, str] | None:
    """Pick the template by the MIME type of Content-Type; apply passthroughBehavior otherwise."""
    templates: dict[str, Any] = integration.get("requestTemplates") or {}
    mime = media_type(content_type)
    for key, template in templates.items():
        if key.lower() == mime:
            return key, str(template)
    behavior = str(integration.get("passthroughBehavior") or "when_no_match").lower()
    if behavior not in PASSTHROUGH_BEHAVIORS:
        raise configuration_error(f"unknown passthroughBehavior {behavior!r}")
    if behavior == "when_no_match" or (behavior == "when_no_templates" and not templates):
        return None
    raise GatewayError(GatewayResponseType.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")


def build_integration_request(
    integration: dict[str, Any],
    request: MethodRequest,
    context: dict[str, Any],
    stage_variables: dict[str, str],
) -> IntegrationRequest:
    """Render the request template (or pass the body through) into the integration payload."""
    selected = select_request_template(integration, request.header("Content-Type"))
    if selected is None:
        return IntegrationRequest(request.body_text, None)
    mime, template = selected
    namespace = template_namespace(
        body=request.body_text,
        params=request.params(),
        context={**context, "requestOverride": _request_override()},
        stage_variables=stage_variables,
    )
    try:
        return IntegrationRequest(render(template, namespace), mime)
    except BodyNotJsonError as exc:
        raise GatewayError(
            GatewayResponseType.BAD_REQUEST_BODY,
            f"Could not parse request body into json: Could not parse payload into json: {exc}",
        ) from exc
    except TemplateRenderError as exc:
        raise configuration_error(f"Unable to transform request: {exc}") from exc


def _request_override() -> OverrideMap:
    """$context.requestOverride exists so templates may set it; DynamoDB calls ignore it."""
    conflicts: list[str] = []
    root = OverrideMap(conflicts.append, "")
    for part in ("header", "querystring", "path"):
        root[part] = OverrideMap(conflicts.append, part + ".")
    return root
