"""Method response phase: the declared method response, then ``responseOverride``."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.gateway.errors import configuration_error
from emulator.gateway.integration_response import IntegrationResponse
from emulator.gateway.routing import Route


@dataclass
class HttpResponse:
    """What the client receives."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def set_header(self, name: str, value: str) -> None:
        """Set a header, replacing any existing one whatever its case."""
        for existing in [k for k in self.headers if k.lower() == name.lower()]:
            del self.headers[existing]
        self.headers[name] = value


def build_method_response(route: Route, integration_response: IntegrationResponse) -> HttpResponse:
    """Emit the method response; responseOverride applies after the template has rendered."""
    declared = route.operation.get("responses") or {}
    if str(integration_response.status) not in {str(k) for k in declared}:
        raise configuration_error(
            f"Output mapping refers to an invalid method response: {integration_response.status}"
        )
    override = integration_response.override
    if override.conflicts:
        raise configuration_error(
            "responseOverride set more than once: " + ", ".join(sorted(set(override.conflicts)))
        )
    status = integration_response.status
    if override.status is not None:
        try:
            status = int(str(override.status))
        except ValueError as exc:
            raise configuration_error(
                f"invalid responseOverride.status {override.status!r}"
            ) from exc
        if not 100 <= status <= 599:
            raise configuration_error(f"invalid responseOverride.status {status}")
    response = HttpResponse(status, body=integration_response.body.encode("utf-8"))
    response.set_header("Content-Type", integration_response.content_type)
    for name, value in integration_response.headers.items():
        response.set_header(name, value)
    for name, value in override.headers.items():
        response.set_header(name, value)
    return response
