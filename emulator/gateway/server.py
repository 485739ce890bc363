"""The gateway: route /<apiId>/<stage>/<path> through API Gateway's phases."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

from emulator.gateway.access_log import AccessLogWriter, format_line
from emulator.gateway.authorization import authorize, refuse_resource_policy, requires_iam
from emulator.gateway.aws import AwsBackend
from emulator.gateway.context import MethodRequest, build_context
from emulator.gateway.errors import (
    GatewayError,
    GatewayResponseType,
    UnsupportedFeatureError,
    configuration_error,
    internal_error,
    missing_authentication_token,
)
from emulator.gateway.gateway_responses import gateway_response
from emulator.gateway.http_server import GatewayHTTPServer, Limits, RawRequest
from emulator.gateway.integration import INTEGRATION_KEY, InvocationTarget, invoke_integration
from emulator.gateway.integration_request import build_integration_request
from emulator.gateway.integration_response import build_integration_response
from emulator.gateway.method_request import validate_method_request
from emulator.gateway.method_response import HttpResponse, build_method_response
from emulator.gateway.routing import Route, match_route
from emulator.gateway.state import DeployedStage, StateStore, find_stage
from emulator.gateway.throttling import Throttler

LOG = logging.getLogger("emulator.gateway")
# How long stopping waits for requests in flight to be answered (and logged).
STOP_GRACE_SECONDS = 5.0


@dataclass
class _Outcome:
    """What one request produced, for the response and the access log."""

    response: HttpResponse
    deployed: DeployedStage | None = None
    route: Route | None = None
    error: GatewayError | None = None
    integration_status: int | None = None
    integration_latency_ms: int | None = None


class GatewayApp:
    """A WSGI application executing the deployed REST APIs found in the state file."""

    def __init__(
        self,
        state_file: str | os.PathLike[str],
        aws_endpoint: str,
        region: str = "us-east-1",
        access_log_out: TextIO | None = None,
    ) -> None:
        self.store = StateStore(state_file)
        self.backend = AwsBackend(aws_endpoint, region)
        self.region = region
        self.throttler = Throttler()
        self.access_log = AccessLogWriter(self.backend, access_log_out)

    def respond(self, raw: RawRequest, refusal: GatewayError | None = None) -> HttpResponse:
        """Run a request through API Gateway's phases, or answer its refusal at the HTTP level
        (too large, malformed, too slow) through the stage's gateway responses; either way the
        stage's access log gets its line."""
        method_request = self._method_request(raw)
        try:
            if refusal is not None:
                outcome = self._refuse(method_request, refusal)
            else:
                outcome = self._handle(method_request)
        except Exception:  # last line of defence: never a traceback to the client
            LOG.exception("unhandled error for %s %s", raw.method, raw.target)
            outcome = _Outcome(
                HttpResponse(
                    500,
                    {
                        "Content-Type": "application/json",
                        "x-amzn-ErrorType": "InternalServerErrorException",
                    },
                    b'{"message":"Internal server error"}',
                )
            )
        response = outcome.response
        response.set_header("x-amzn-RequestId", method_request.request_id)
        response.set_header("x-amz-apigw-id", method_request.extended_request_id)
        try:
            self._write_access_log(method_request, outcome)
        except Exception:
            LOG.exception("access log failed for request %s", method_request.request_id)
        return response

    @staticmethod
    def _method_request(raw: RawRequest) -> MethodRequest:
        """Split /<apiId>/<stage>/<resource path> and capture what the phases need."""
        target = raw.target
        if target.startswith(("http://", "https://")):  # absolute form: the path is what counts
            parts = urlsplit(target)
            path, query = parts.path or "/", parts.query
        else:
            path, _, query = target.partition("?")
            query = query.partition("#")[0]
        segments = path.split("/", 3)
        raw_resource = "/" + segments[3] if len(segments) > 3 else "/"
        headers: dict[str, str] = {}
        for name, value in raw.headers:
            # A repeated header reads as its values joined by commas (RFC 9110, section 5.3).
            headers[name] = f"{headers[name]},{value}" if name in headers else value
        return MethodRequest(
            http_method=raw.method,
            api_id=unquote(segments[1]) if len(segments) > 1 else "",
            stage=unquote(segments[2]) if len(segments) > 2 else "",
            resource_part=unquote(raw_resource),
            raw_resource_part=raw_resource,
            headers=headers,
            # Multi-valued query parameters: API Gateway hands templates the last value.
            query=dict(parse_qsl(query, keep_blank_values=True)),
            body=raw.body,
            source_ip=raw.client_ip,
            protocol=raw.version,
            raw_path=path,
            raw_query=query,
        )

    def _refuse(self, request: MethodRequest, refusal: GatewayError) -> _Outcome:
        """A request refused before routing, answered as the stage's gateway response."""
        deployed = find_stage(self.store.current(), request.api_id, request.stage)
        stage_variables = dict((deployed.stage.get("variables") or {}) if deployed else {})
        response = gateway_response(
            refusal,
            definition=deployed.definition if deployed else None,
            request=request,
            context=self._context(request, None, refusal),
            stage_variables=stage_variables,
        )
        return _Outcome(response, deployed, None, refusal)

    def _handle(self, request: MethodRequest) -> _Outcome:
        snapshot = self.store.current()
        deployed = find_stage(snapshot, request.api_id, request.stage)
        route = (
            match_route(deployed.definition, request.http_method, request.raw_resource_part)
            if deployed
            else None
        )
        if route is not None:
            request.path_params = dict(route.path_params)
        stage_variables = dict((deployed.stage.get("variables") or {}) if deployed else {})
        outcome = _Outcome(HttpResponse(500), deployed, route)
        try:
            if deployed is None or route is None:
                raise missing_authentication_token()
            if not self.throttler.allow(
                request.api_id, request.stage, deployed.stage.get("throttle")
            ):
                raise GatewayError(GatewayResponseType.THROTTLED, "Too Many Requests")
            # Authorization phase: AWS_IAM methods need a valid signature and an allowing policy.
            refuse_resource_policy(deployed.definition)
            if requires_iam(deployed.definition, route.operation):
                authorize(self.backend, self.region, request, route, generation=deployed.generation)
            outcome.response = self._execute(deployed, route, request, stage_variables, outcome)
        except GatewayError as exc:
            outcome.error = exc
        except UnsupportedFeatureError as exc:
            LOG.error("unsupported API definition feature: %s", exc)
            outcome.error = configuration_error(f"not supported by the emulator: {exc}")
        except Exception as exc:
            LOG.exception(
                "internal error while executing %s %s", request.http_method, request.resource_part
            )
            outcome.error = internal_error(str(exc))
        if outcome.error is not None:
            error = outcome.error
            if error.log_detail:
                LOG.warning(
                    "%s %s: %s", request.http_method, request.resource_part, error.log_detail
                )
            outcome.response = gateway_response(
                error,
                definition=deployed.definition if deployed else None,
                request=request,
                context=self._context(request, route, error),
                stage_variables=stage_variables,
            )
        return outcome

    def _context(
        self, request: MethodRequest, route: Route | None, error: GatewayError | None = None
    ) -> dict[str, Any]:
        return build_context(
            request,
            resource_path=route.resource_path if route else request.resource_part,
            resource_id=route.resource_id if route else "",
            error_message=error.message if error else "",
            validation_error=error.validation_error if error else "",
        )

    def _execute(
        self,
        deployed: DeployedStage,
        route: Route,
        request: MethodRequest,
        stage_variables: dict[str, str],
        outcome: _Outcome,
    ) -> HttpResponse:
        """Method request -> integration request -> integration -> integration/method response."""
        definition = deployed.definition
        validate_method_request(definition, route, request)
        integration = route.operation.get(INTEGRATION_KEY)
        if not isinstance(integration, dict):
            raise configuration_error(
                f"{route.http_method} {route.resource_path} has no integration"
            )
        context = self._context(request, route)
        rendered = build_integration_request(integration, request, context, stage_variables)
        started = time.monotonic()
        backend_response = invoke_integration(
            route,
            rendered,
            backend=self.backend,
            target=InvocationTarget(
                request.api_id, request.stage, route, self.region, deployed.generation
            ),
            request=request,
        )
        outcome.integration_latency_ms = int((time.monotonic() - started) * 1000)
        outcome.integration_status = backend_response.status
        integration_response = build_integration_response(
            integration,
            backend_response,
            request=request,
            context=context,
            stage_variables=stage_variables,
        )
        return build_method_response(route, integration_response)

    def _write_access_log(self, request: MethodRequest, outcome: _Outcome) -> None:
        """One line per request in the stage's access log format."""
        deployed = outcome.deployed
        settings = deployed.stage.get("accessLog") if deployed else None
        if not deployed or not settings:
            return
        variables = self._context(request, outcome.route, outcome.error)
        elapsed_ms = (time.time_ns() - request.start_ns) // 1_000_000
        variables.update(
            {
                "status": outcome.response.status,
                "responseLength": len(outcome.response.body),
                "responseLatency": elapsed_ms,
                "integrationStatus": outcome.integration_status,
                "integrationLatency": outcome.integration_latency_ms,
                "integration": {
                    "status": outcome.integration_status,
                    "latency": outcome.integration_latency_ms,
                },
            }
        )
        if outcome.error is not None:
            variables["error"]["responseType"] = outcome.error.response_type.name
        line = format_line(settings["format"], variables)
        self.access_log.write(
            settings["destinationArn"], f"{deployed.api_id}-{deployed.stage_name}", line
        )

    def close(self) -> None:
        """Flush and stop background work."""
        self.access_log.close()


class GatewayServer:
    """A running gateway (threaded HTTP server in a background thread)."""

    def __init__(self, app: GatewayApp, server: GatewayHTTPServer) -> None:
        self.app = app
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="gateway", daemon=True)

    @property
    def port(self) -> int:
        """The bound TCP port."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (append /<apiId>/<stage>/<path>)."""
        return f"http://{self._server.host}:{self.port}"

    def start(self) -> GatewayServer:
        """Serve requests in the background."""
        self._thread.start()
        return self

    def flush_logs(self, timeout: float = 5.0) -> None:
        """Wait until access log lines have reached CloudWatch Logs."""
        self.app.access_log.flush(timeout)

    def serve_forever(self) -> None:
        """Serve requests in the calling thread until stopped."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop accepting, let requests in flight finish, release the port, then deliver every
        access-log line still queued."""
        self._server.shutdown()
        self._server.close_connections(grace=STOP_GRACE_SECONDS)
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        self.app.close()


def create_server(
    state_file: str | os.PathLike[str],
    aws_endpoint: str,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = "us-east-1",
    access_log_out: TextIO | None = None,
    limits: Limits | None = None,
) -> GatewayServer:
    """Bind the gateway (port 0 picks a free port) without starting to serve."""
    app = GatewayApp(state_file, aws_endpoint, region, access_log_out)
    server = GatewayHTTPServer(host, port, app.respond, limits or Limits())
    return GatewayServer(app, server)


def serve(
    state_file: str | os.PathLike[str],
    aws_endpoint: str,
    host: str = "127.0.0.1",
    port: int = 0,
    region: str = "us-east-1",
    access_log_out: TextIO | None = None,
    limits: Limits | None = None,
) -> GatewayServer:
    """Start the gateway in a background thread; returns a server with ``.url`` and ``.stop()``."""
    return create_server(
        state_file, aws_endpoint, host, port, region, access_log_out, limits
    ).start()
