"""A second API whose document is built inside an apply over the first API's id (unknown on a
first deploy): an unsigned GET that scans the whole table as the integration role. Nothing of it
is visible at preview, so every rule that reads API documents refuses it there instead of
passing it to `up`."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws

CLASS = "e"
EXPECT = [
    (
        "apigateway-iam-authorization",
        "RestApi 'comments-prod-export-api' GET /export is not AWS_IAM-authorized",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-export-api' GET /export calls dynamodb:Scan as role",
    ),
]
EXPECT_PREVIEW = [
    (
        "dynamodb-ttl-smoke-only",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-write-validation",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-integration-credentials",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-cors-origin",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-iam-authorization",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-names-own-resources",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-iam-targets-own-table",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
    (
        "stack-integration-role-grants-table",
        "RestApi 'comments-prod-export-api' body is unknown at preview, so this rule cannot check it",
    ),
]


def _document(role_arn: str, table: str) -> str:
    return json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "export", "version": "1"},
            "paths": {
                "/export": {
                    "get": {
                        "x-amazon-apigateway-integration": {
                            "type": "aws",
                            "httpMethod": "POST",
                            "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/Scan",
                            "credentials": role_arn,
                            "requestTemplates": {
                                "application/json": json.dumps({"TableName": table})
                            },
                            "responses": {"default": {"statusCode": "200"}},
                        }
                    }
                }
            },
        }
    )


def apply(service: Any) -> None:
    body = pulumi.Output.all(service.api.id, service.role.name, service.table.name).apply(
        lambda values: _document(f"arn:aws:iam::333333333333:role/{values[1]}", values[2])
    )
    aws.apigateway.RestApi(
        "comments-prod-export-api",
        name="comments-prod-export",
        body=body,
        endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(types="REGIONAL"),
        tags={"project": "comments", "stack": "prod"},
    )
