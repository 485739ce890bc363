"""Small hand-written OpenAPI definitions, as the deployer hands them to the gateway."""

from __future__ import annotations

import json
from typing import Any

import requests

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLE = "comments"
OTHER_TABLE = "other"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
ACCESS_LOG_GROUP = "/aws/apigateway/gateway-tests"


def dynamodb(
    action: str,
    template: str,
    role: str,
    responses: dict[str, Any],
    *,
    passthrough: str = "never",
) -> dict[str, Any]:
    """An AWS integration calling a DynamoDB action as ``role``."""
    return {
        "type": "aws",
        "httpMethod": "POST",
        "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/{action}",
        "credentials": role,
        "passthroughBehavior": passthrough,
        "requestTemplates": {"application/json": template},
        "responses": responses,
    }


def mock(
    responses: dict[str, Any],
    *,
    templates: dict[str, str] | None = None,
    passthrough: str = "when_no_match",
) -> dict[str, Any]:
    """A MOCK integration; its request template decides the integration status."""
    return {
        "type": "mock",
        "passthroughBehavior": passthrough,
        "requestTemplates": {"application/json": '{"statusCode": 200}'}
        if templates is None
        else templates,
        "responses": responses,
    }


def method(
    integration: dict[str, Any],
    *,
    statuses: tuple[str, ...] = ("200",),
    **extra: Any,
) -> dict[str, Any]:
    """An operation with method responses for ``statuses``."""
    return {
        "responses": {s: {"description": s} for s in statuses},
        "x-amazon-apigateway-integration": integration,
        **extra,
    }


def api(paths: dict[str, Any], **extensions: Any) -> dict[str, Any]:
    """An OpenAPI 3.0 document with the given paths and document-level extensions."""
    return {
        "openapi": "3.0.1",
        "info": {"title": "gateway-tests", "version": "1"},
        "paths": paths,
        "components": extensions.pop("components", {}),
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": True, "validateRequestParameters": True},
            "params-only": {"validateRequestBody": False, "validateRequestParameters": True},
        },
        **extensions,
    }


def echo_api(template: str, *, mime: str = "text/plain", path: str = "/echo") -> dict[str, Any]:
    """GET ``path`` answers ``template`` rendered as a response template (mock integration)."""
    return api(
        {
            path: {
                "get": method(
                    mock({"default": {"statusCode": "200", "responseTemplates": {mime: template}}})
                )
            }
        }
    )


def invoke(
    base: str,
    api_id: str,
    path: str,
    *,
    method_name: str = "GET",
    stage: str = "test",
    body: Any = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> requests.Response:
    """Call the deployed API like a client would."""
    data = json.dumps(body) if isinstance(body, dict | list) else body
    return requests.request(
        method_name,
        f"{base}/{api_id}/{stage}{path}",
        data=data.encode("utf-8") if isinstance(data, str) else data,
        headers=headers or {},
        params=params,
        timeout=30,
    )
