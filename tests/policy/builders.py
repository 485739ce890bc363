"""A happy-path stack shaped like the real program's, and the two assertion helpers.

Tests take `Stack()`, change one thing, and run the pack through the offline checker's `analyze`
(the same path `make policy` takes: wire-format properties, unknown-checking proxies, the CLI's
enforcement levels) with the prod policy config unless a test says otherwise.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from tooling.offline_runner import Plan, PlannedResource
from tooling.policy_check import (
    POLICY_DIR,
    Finding,
    PolicySettings,
    analyze,
    load_pack,
    load_policy_config,
)

PACK = load_pack()
ACCOUNT = "333333333333"
REGION = "us-east-1"
TABLE_NAME = "comments-table-0000000"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE_NAME}"
ROLE_NAME = "comments-integration-role-0000000"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
API_ID = "mockapi123"
EXECUTION_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}"
MODERATION_ARN = f"{EXECUTION_ARN}/v1/DELETE/comments"
MODERATOR_ROLE_NAME = "comments-moderator-role-0000000"
COMPONENT = "urn:pulumi:prod::comments::comments:service:CommentsService::comments"


def urn(type_: str, name: str, stack: str = "prod") -> str:
    return f"urn:pulumi:{stack}::comments::comments:service:CommentsService${type_}::{name}"


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any],
    state: dict[str, Any] | None = None,
    *,
    protect: bool = False,
    sources: dict[str, list[str]] | None = None,
) -> PlannedResource:
    """`sources`: input name -> URNs its value came from (the engine's propertyDependencies)."""
    return PlannedResource(
        type=type_,
        name=name,
        urn=urn(type_, name),
        id=f"{name}-id",
        inputs=inputs,
        state={**inputs, **(state or {})},
        parent=COMPONENT,
        protect=protect,
        dependencies=sorted({u for urns in (sources or {}).values() for u in urns}),
        property_dependencies=dict(sources or {}),
    )


TABLE = "aws:dynamodb/table:Table"
ROLE = "aws:iam/role:Role"
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TABLE_URN = urn(TABLE, "comments-table")
ROLE_URN = urn(ROLE, "comments-integration-role")
MODERATOR_ROLE_URN = urn(ROLE, "comments-moderator-role")
API_URN = urn(REST_API, "comments-api")
STAGE_URN = urn(STAGE, "comments-stage")
LOG_GROUP_URN = urn(LOG_GROUP, "comments-access-logs")


def trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ApiGatewayOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ],
    }


def access_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CommentsTable",
                "Effect": "Allow",
                "Action": ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"],
                "Resource": TABLE_ARN,
            }
        ],
    }


def moderator_trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def moderator_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ModerationRoutes",
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": [MODERATION_ARN],
            }
        ],
    }


def _integration(action: str) -> dict[str, Any]:
    origin = {
        "method.response.header.Access-Control-Allow-Origin": "'https://comments-demo.example'"
    }
    return {
        "type": "aws",
        "httpMethod": "POST",
        "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/{action}",
        "credentials": ROLE_ARN,
        "requestTemplates": {"application/json": f'{{"TableName": "{TABLE_NAME}"}}'},
        "responses": {"default": {"statusCode": "200", "responseParameters": origin}},
    }


def api_body() -> dict[str, Any]:
    return {
        "openapi": "3.0.1",
        "paths": {
            "/comments": {
                "post": {
                    "x-amazon-apigateway-request-validator": "body",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/NewComment"}
                            }
                        }
                    },
                    "x-amazon-apigateway-integration": _integration("UpdateItem"),
                },
                "get": {
                    "x-amazon-apigateway-request-validator": "params",
                    "x-amazon-apigateway-integration": _integration("Query"),
                },
                "delete": {
                    "security": [{"sigv4": []}],
                    "x-amazon-apigateway-request-validator": "params",
                    # DeleteItem writes: the validator must require the key it is built from.
                    "parameters": [
                        {"name": "slug", "in": "query", "required": True},
                        {"name": "createdAt", "in": "query", "required": True},
                    ],
                    "x-amazon-apigateway-integration": _integration("DeleteItem"),
                },
            }
        },
        "components": {
            "schemas": {"NewComment": {"type": "object"}},
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
        },
        "x-amazon-apigateway-request-validators": {
            "body": {"validateRequestBody": True, "validateRequestParameters": False},
            "params": {"validateRequestBody": False, "validateRequestParameters": True},
        },
    }


@dataclass
class Stack:
    """The real program's resources, as plain values a test can change before building."""

    table: dict[str, Any] = field(
        default_factory=lambda: {
            "billingMode": "PROVISIONED",
            "readCapacity": 2,
            "writeCapacity": 1,
            "pointInTimeRecovery": {"enabled": True},
            "deletionProtectionEnabled": True,
        }
    )
    table_protect: bool = True
    trust: Any = field(default_factory=trust_policy)
    access: Any = field(default_factory=access_policy)
    access_resource: str = TABLE_ARN
    moderator_trust: Any = field(default_factory=moderator_trust_policy)
    moderator_access: Any = field(default_factory=moderator_policy)
    body: Any = field(default_factory=api_body)
    stage: dict[str, Any] = field(
        default_factory=lambda: {
            "restApi": API_ID,
            "stageName": "v1",
            "accessLogSettings": {
                "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:access",
                "format": '{"requestId":"$context.requestId"}',
            },
        }
    )
    method_settings: dict[str, Any] = field(
        default_factory=lambda: {
            "restApi": API_ID,
            "stageName": "v1",
            "methodPath": "*/*",
            "settings": {"throttlingRateLimit": 50, "throttlingBurstLimit": 100},
        }
    )
    extra: list[PlannedResource] = field(default_factory=list)

    def resources(self) -> list[PlannedResource]:
        def text(value: Any) -> Any:
            return json.dumps(value) if isinstance(value, dict) else value

        return [
            resource(
                TABLE,
                "comments-table",
                self.table,
                {"name": TABLE_NAME, "arn": TABLE_ARN},
                protect=self.table_protect,
            ),
            resource(
                ROLE,
                "comments-integration-role",
                {"assumeRolePolicy": text(self.trust)},
                {"name": ROLE_NAME, "arn": ROLE_ARN},
            ),
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                "comments-integration-access",
                {"role": ROLE_NAME, "policy": text(self.access)},
                sources={"role": [ROLE_URN], "policy": [TABLE_URN]},
            ),
            resource(
                ROLE,
                "comments-moderator-role",
                {"assumeRolePolicy": text(self.moderator_trust)},
                {
                    "name": MODERATOR_ROLE_NAME,
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/{MODERATOR_ROLE_NAME}",
                },
            ),
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                "comments-moderator-access",
                {"role": MODERATOR_ROLE_NAME, "policy": text(self.moderator_access)},
                sources={"role": [MODERATOR_ROLE_URN], "policy": [API_URN, STAGE_URN]},
            ),
            resource(
                REST_API,
                "comments-api",
                {"body": text(self.body)},
                {"executionArn": EXECUTION_ARN},
                sources={"body": [TABLE_URN, ROLE_URN]},
            ),
            resource(LOG_GROUP, "comments-access-logs", {"retentionInDays": 30}),
            resource(
                STAGE,
                "comments-stage",
                self.stage,
                sources={"restApi": [API_URN], "accessLogSettings": [LOG_GROUP_URN]},
            ),
            resource(
                "aws:apigateway/methodSettings:MethodSettings",
                "comments-throttling",
                self.method_settings,
                sources={"restApi": [API_URN], "stageName": [STAGE_URN]},
            ),
            *self.extra,
        ]


def prod_settings() -> dict[str, PolicySettings]:
    return load_policy_config(POLICY_DIR / "config" / "prod.json", PACK)


def findings(
    policy: str,
    resources: list[PlannedResource],
    *,
    settings: dict[str, PolicySettings] | None = None,
    **properties: Any,
) -> list[Finding]:
    """Run one policy of the real pack; keyword arguments override its config parameters."""
    settings = dict(settings or prod_settings())
    current = settings[policy]
    settings[policy] = PolicySettings(current.level, {**current.properties, **properties})
    only = dataclasses.replace(PACK, policies=[p for p in PACK.policies if p.name == policy])
    assert only.policies, f"no policy named {policy} in the pack"
    plan = Plan(stack="prod", project="comments", config={}, resources=resources, outputs={})
    return analyze(plan, only, settings)


def assert_no_violations(policy: str, resources: list[PlannedResource], **properties: Any) -> None:
    found = findings(policy, resources, **properties)
    assert not found, "unexpected violations:\n" + "\n".join(f.line() for f in found)


def assert_has_violation(
    policy: str, resources: list[PlannedResource], fragment: str, **properties: Any
) -> Finding:
    """One violation of `policy` whose message names the rule and contains `fragment`."""
    found = findings(policy, resources, **properties)
    matching = [f for f in found if fragment in f.message]
    assert matching, f"no {policy} violation mentioning {fragment!r}; got:\n" + "\n".join(
        f.line() for f in found
    )
    assert all(f.message.startswith(f"{policy}: ") for f in matching)
    return matching[0]
