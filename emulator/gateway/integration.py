"""Integration phase: call the backend (AWS service action as the credentials role, or mock)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from emulator.gateway import iam
from emulator.gateway.aws import AwsBackend, BackendResponse
from emulator.gateway.context import ACCOUNT_ID, MethodRequest
from emulator.gateway.errors import (
    GatewayError,
    GatewayResponseType,
    UnsupportedFeatureError,
    configuration_error,
)
from emulator.gateway.integration_request import IntegrationRequest
from emulator.gateway.routing import Route

LOG = logging.getLogger(__name__)

INTEGRATION_KEY = "x-amazon-apigateway-integration"
DEFAULT_TIMEOUT_MS = 29_000
_AWS_URI = re.compile(r"arn:aws[\w-]*:apigateway:([\w-]+):([\w.-]+):(action|path)/(.+)")
_DYNAMODB_JSON = "application/x-amz-json-1.0"


@dataclass(frozen=True)
class InvocationTarget:
    """Who calls: used for the trust policy's confused-deputy conditions."""

    api_id: str
    stage: str
    route: Route
    region: str
    state_generation: int = 0  # a new deploy: what was read from IAM is read again

    @property
    def source_arn(self) -> str:
        """aws:SourceArn of the call: the execute-api ARN of the method."""
        return (
            f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{self.api_id}/{self.stage}/"
            f"{self.route.http_method}{self.route.resource_path}"
        )


def _dynamodb_error(type_name: str, message: str | None) -> BackendResponse:
    """DynamoDB's JSON error document (HTTP 400, told apart by ``__type``)."""
    body: dict[str, str] = {"__type": type_name}
    if message is not None:
        body["Message"] = message
    return BackendResponse(
        400,
        {"Content-Type": _DYNAMODB_JSON, "x-amzn-RequestId": uuid.uuid4().hex.upper()},
        json.dumps(body),
    )


def dynamodb_resources(action: str, payload: dict[str, Any], region: str) -> list[str]:
    """The table (or index) ARNs a DynamoDB action acts on, as IAM authorises them."""
    prefix = f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/"

    def arn(table: Any, index: Any = None) -> str:
        base = str(table) if str(table).startswith("arn:") else prefix + str(table)
        return f"{base}/index/{index}" if index and action in ("Query", "Scan") else base

    names: list[str] = []
    if isinstance(payload.get("TableName"), str):
        names.append(arn(payload["TableName"], payload.get("IndexName")))
    if isinstance(payload.get("RequestItems"), dict):
        names.extend(arn(t) for t in payload["RequestItems"])
    for item in payload.get("TransactItems") or []:
        if isinstance(item, dict):
            for op in item.values():
                if isinstance(op, dict) and isinstance(op.get("TableName"), str):
                    names.append(arn(op["TableName"]))
    return names


def _invoke_dynamodb(
    backend: AwsBackend,
    *,
    action: str,
    region: str,
    credentials: str,
    body: str,
    target: InvocationTarget,
    timeout: float,
) -> BackendResponse:
    """DynamoDB as API Gateway reaches it: assume the role, authorise, then POST the payload."""
    try:
        role = backend.cached(
            f"role:{credentials}",
            lambda: iam.load_role(backend.client("iam"), credentials),
            target.state_generation,
        )
    except iam.RoleUnavailableError as exc:
        raise configuration_error(f"API Gateway cannot assume the role: {exc}") from exc
    trust_context = {"aws:SourceAccount": ACCOUNT_ID, "aws:SourceArn": target.source_arn}
    if not role.trusts_apigateway(trust_context):
        raise configuration_error(
            f"API Gateway does not have permission to assume the provided role {credentials}"
        )
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        # DynamoDB rejects a body that is not a JSON object before anything else.
        return _dynamodb_error("com.amazon.coral.service#SerializationException", None)
    resources = dynamodb_resources(action, payload, region)
    if not resources:
        return _dynamodb_error(
            "com.amazon.coral.validate#ValidationException",
            "1 validation error detected: Value null at 'tableName' failed to satisfy "
            "constraint: Member must not be null",
        )
    permission_context = {
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": role.account,
        "aws:SecureTransport": "true",
    }
    full_action = f"dynamodb:{action}"
    for resource in resources:
        decision = role.evaluate(full_action, resource, permission_context)
        if decision is not iam.Decision.ALLOW:
            reason = (
                "with an explicit deny in an identity-based policy"
                if decision is iam.Decision.EXPLICIT_DENY
                else f"because no identity-based policy allows the {full_action} action"
            )
            return _dynamodb_error(
                "com.amazon.coral.service#AccessDeniedException",
                f"User: {role.session_arn} is not authorized to perform: {full_action} "
                f"on resource: {resource} {reason}",
            )
    return backend.call_json_service(
        service="dynamodb",
        region=region,
        target=f"DynamoDB_20120810.{action}",
        body=body,
        timeout=timeout,
    )


def _invoke_mock(rendered: IntegrationRequest) -> BackendResponse:
    """MOCK integration: the request template's ``statusCode`` is the integration status."""
    try:
        status = int(json.loads(rendered.body)["statusCode"])
    except (ValueError, KeyError, TypeError) as exc:
        raise configuration_error(
            f"mock integration needs a request template with a statusCode, got {rendered.body!r}"
        ) from exc
    return BackendResponse(status, {}, "")


def invoke_integration(
    route: Route,
    rendered: IntegrationRequest,
    *,
    backend: AwsBackend,
    target: InvocationTarget,
    request: MethodRequest,
) -> BackendResponse:
    """Send the integration request to the backend the method is integrated with."""
    integration = route.operation.get(INTEGRATION_KEY)
    if not isinstance(integration, dict):
        raise configuration_error(f"{request.http_method} {route.resource_path} has no integration")
    kind = str(integration.get("type", "")).lower()
    if kind == "mock":
        return _invoke_mock(rendered)
    if kind != "aws":
        raise UnsupportedFeatureError(f"integration type {kind!r} is not emulated (only aws, mock)")
    uri = str(integration.get("uri", ""))
    m = _AWS_URI.fullmatch(uri)
    if not m:
        raise configuration_error(f"integration uri {uri!r} is not an AWS service URI")
    region, service, style, action = m.groups()
    if service != "dynamodb" or style != "action":
        raise UnsupportedFeatureError(
            f"AWS integration {uri!r}: only dynamodb actions are emulated"
        )
    if str(integration.get("httpMethod", "POST")).upper() != "POST":
        raise configuration_error("DynamoDB actions are invoked with httpMethod POST")
    credentials = integration.get("credentials")
    if not isinstance(credentials, str) or not credentials:
        raise configuration_error("AWS integration without credentials cannot call DynamoDB")
    timeout = float(integration.get("timeoutInMillis", DEFAULT_TIMEOUT_MS)) / 1000
    try:
        return _invoke_dynamodb(
            backend,
            action=action,
            region=region,
            credentials=credentials,
            body=rendered.body,
            target=target,
            timeout=timeout,
        )
    except TimeoutError as exc:
        raise GatewayError(
            GatewayResponseType.INTEGRATION_TIMEOUT,
            "Endpoint request timed out",
            log_detail=f"Execution failed due to a timeout error: {exc}",
        ) from exc
    except OSError as exc:
        raise GatewayError(
            GatewayResponseType.INTEGRATION_FAILURE,
            "Internal server error",
            log_detail=f"Execution failed due to an integration failure: {exc}",
        ) from exc
