"""The incoming method request and the ``$context`` variables API Gateway derives from it."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from emulator.gateway.vtl import MethodRequestParams

ACCOUNT_ID = "123456789012"


@dataclass
class MethodRequest:
    """One client request as API Gateway receives it (after the /<apiId>/<stage> prefix)."""

    http_method: str
    api_id: str
    stage: str
    resource_part: str  # percent-decoded once, as $context.path shows it
    headers: dict[str, str]
    query: dict[str, str]
    body: bytes
    source_ip: str
    protocol: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    extended_request_id: str = field(
        default_factory=lambda: base64.b64encode(os.urandom(11)).decode("ascii")
    )
    start_ns: int = field(default_factory=time.time_ns)
    path_params: dict[str, str] = field(default_factory=dict)
    # The path and query string exactly as sent, for recomputing a SigV4 signature.
    raw_path: str = ""
    raw_query: str = ""
    raw_resource_part: str = ""  # as sent, still percent-encoded: routing decodes it once

    def header(self, name: str) -> str | None:
        """A request header, looked up case-insensitively like HTTP requires."""
        lower = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lower:
                return value
        return None

    @property
    def body_text(self) -> str:
        """The payload as text (API Gateway treats non-binary payloads as UTF-8)."""
        return self.body.decode("utf-8", "replace")

    @property
    def epoch_ms(self) -> int:
        """$context.requestTimeEpoch: epoch milliseconds."""
        return self.start_ns // 1_000_000

    def params(self) -> MethodRequestParams:
        """$input.params(): path, querystring and header maps of the method request."""
        return {
            "path": dict(self.path_params),
            "querystring": dict(self.query),
            "header": dict(self.headers),
        }


def request_time(epoch_ms: int) -> str:
    """$context.requestTime: CLF format ``dd/MMM/yyyy:HH:mm:ss +0000``."""
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_ms / 1000))


def build_context(
    request: MethodRequest,
    *,
    resource_path: str,
    resource_id: str,
    error_message: str = "",
    validation_error: str = "",
) -> dict[str, Any]:
    """The ``$context`` map mapping templates and access logs see."""
    return {
        "accountId": ACCOUNT_ID,
        "apiId": request.api_id,
        "domainName": request.header("Host") or "127.0.0.1",
        "domainPrefix": request.api_id,
        "extendedRequestId": request.extended_request_id,
        "httpMethod": request.http_method,
        "identity": {
            "accountId": "",
            "sourceIp": request.source_ip,
            "userAgent": request.header("User-Agent") or "",
            "caller": "",
            "user": "",
            "userArn": "",
        },
        "path": f"/{request.stage}{request.resource_part}",
        "protocol": request.protocol,
        "requestId": request.request_id,
        "requestTime": request_time(request.epoch_ms),
        "requestTimeEpoch": request.epoch_ms,
        "resourceId": resource_id,
        "resourcePath": resource_path,
        "stage": request.stage,
        "error": {
            "message": error_message,
            "messageString": _quote(error_message),
            "validationErrorString": validation_error,
        },
    }


def _quote(text: str) -> str:
    """$context.error.messageString is the message in double quotes (JSON-escaped)."""
    return json.dumps(text, ensure_ascii=False)
