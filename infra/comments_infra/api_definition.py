"""The REST API as one OpenAPI document with API Gateway extensions, built from code and .vtl files.

Pure functions of plain values, so tests (and the local emulator) can build and inspect the exact
document the stack deploys without any cloud call.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).parent / "templates"

COMMENTS_PATH = "/comments"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50
# Whole-match regex for limit 1..MAX_PAGE_SIZE, used by the list request template.
PAGE_SIZE_PATTERN = "[1-9]|[1-4][0-9]|50"
SLUG_MAX = 256
# A slug needs one character that no engine counts as white space: API Gateway's validator
# refuses a blank required parameter, so a comment under a blank slug could never be read back.
# The class excludes the union of Java's, ECMA 262's and Python's white space (and C0 controls,
# which Java's trim() drops), so the model, the validator and the emulator all agree.
NON_BLANK_PATTERN = (
    "[^\\x00-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
)
AUTHOR_MAX = 64
COMMENT_MAX = 2000

# The DynamoDB action behind each route: the integration role is granted exactly these.
CREATE_ACTION = "UpdateItem"
LIST_ACTION = "Query"
DELETE_ACTION = "DeleteItem"
APPROVE_ACTION = "UpdateItem"
DYNAMODB_ACTIONS = tuple(
    sorted(f"dynamodb:{a}" for a in (CREATE_ACTION, LIST_ACTION, DELETE_ACTION))
)
# createdAt as the API accepts it: epoch milliseconds, a whole number without leading zeros.
CREATED_AT_PATTERN = "[1-9][0-9]{0,15}"

# Pre-moderation: two sparse global secondary indexes. Only pending comments carry the pending
# index's key, only approved ones the published index's, so the moderation queue and the public
# pages each read nothing but their own comments.
PENDING_PATH = "/moderation/pending"
APPROVE_PATH = "/moderation/approve"
PENDING_INDEX = "pending"
PENDING_ATTRIBUTE = "pendingQueue"
PENDING_QUEUE = "pending"
PUBLISHED_INDEX = "published"
PUBLISHED_ATTRIBUTE = "publishedSlug"

# Routes anyone may call; every other route is AWS_IAM-authorized (SigV4) and is a moderation
# route, which the stack's moderator role may invoke and nobody else is granted.
PUBLIC_ROUTES = (("GET", COMMENTS_PATH), ("POST", COMMENTS_PATH), ("OPTIONS", COMMENTS_PATH))
POST_MODERATION_ROUTES = (("DELETE", COMMENTS_PATH),)
PRE_MODERATION_ROUTES = (*POST_MODERATION_ROUTES, ("GET", PENDING_PATH), ("POST", APPROVE_PATH))
SIGV4_SCHEME = "sigv4"


def moderation_routes(pre_moderation: bool) -> tuple[tuple[str, str], ...]:
    """The AWS_IAM routes of a stack: delete, plus the queue and approval with pre-moderation."""
    return PRE_MODERATION_ROUTES if pre_moderation else POST_MODERATION_ROUTES


ALLOWED_METHODS = "GET,POST,OPTIONS"
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE_SECONDS = 600

JSON = "application/json"
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
# Values spliced into templates must need no escaping in either JSON or a VTL string literal.
_SAFE_VALUE = re.compile(r"^[^\"'\\$#\n]*$")
_PREBUILT = ("CORS", "CORS_ORIGIN_LIST", "INDEX_NAME_MEMBER")


@dataclass(frozen=True)
class ApiInputs:
    """What the document depends on: resolved names and the stack's settings."""

    title: str
    region: str
    table_name: str
    role_arn: str
    cors_allowed_origins: tuple[str, ...]
    smoke_slug_prefix: str
    smoke_ttl_seconds: int
    pre_moderation: bool = False


def render_template(name: str, values: dict[str, str]) -> str:
    """Fill {{NAME}} placeholders of a .vtl file; an unknown or unsafe value is a build error."""
    text = (TEMPLATES_DIR / name).read_text(encoding="utf-8")

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"template {name} uses {{{{{key}}}}} but no value was given for it")
        value = values[key]
        # CORS is a rendered snippet and the origin list is quoted by _response_template; the
        # index member is built here from a constant.
        if key not in _PREBUILT and not _SAFE_VALUE.match(value):
            raise ValueError(f"template {name}: value for {key} needs escaping: {value!r}")
        return value

    return _PLACEHOLDER.sub(substitute, text)


def _allows_any_origin(inputs: ApiInputs) -> bool:
    return inputs.cors_allowed_origins == ("*",)


def _response_template(name: str, inputs: ApiInputs, extra: dict[str, str] | None = None) -> str:
    """A response template with the CORS origin echo spliced in where the stack needs it."""
    cors = ""
    if not _allows_any_origin(inputs):
        unsafe = [o for o in inputs.cors_allowed_origins if not _SAFE_VALUE.match(o)]
        if unsafe:
            raise ValueError(f"CORS origins need escaping: {unsafe!r}")
        origin_list = ", ".join(f"'{origin}'" for origin in inputs.cors_allowed_origins)
        cors = render_template("cors.vtl", {"CORS_ORIGIN_LIST": origin_list})
    return render_template(name, {"CORS": cors, **(extra or {})})


def _static_origin(inputs: ApiInputs) -> str:
    """The Access-Control-Allow-Origin sent when no echo applies: '*' or the primary origin."""
    return f"'{inputs.cors_allowed_origins[0]}'"


def _cors_response_parameters(inputs: ApiInputs) -> dict[str, str]:
    params = {"method.response.header.Access-Control-Allow-Origin": _static_origin(inputs)}
    if not _allows_any_origin(inputs):
        params["method.response.header.Vary"] = "'Origin'"
    return params


def _method_responses(statuses: tuple[str, ...], schemas: dict[str, str]) -> dict[str, Any]:
    headers = {
        "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
        "Vary": {"schema": {"type": "string"}},
    }
    return {
        status: {
            "description": f"HTTP {status}",
            "headers": headers,
            "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{schemas[status]}"}}},
        }
        for status in statuses
    }


def _dynamodb_integration(
    inputs: ApiInputs,
    action: str,
    request_template: str,
    success: tuple[str, str],
    validation_message: str,
    condition: tuple[int, str] = (
        409,
        "Another comment was stored at the same moment; retry the request",
    ),
) -> dict[str, Any]:
    """An AWS service integration calling one DynamoDB action as the integration role; a failed
    condition answers `condition` (status, message)."""
    success_status, success_template = success
    cors = _cors_response_parameters(inputs)
    return {
        "type": "aws",
        "httpMethod": "POST",
        "uri": f"arn:aws:apigateway:{inputs.region}:dynamodb:action/{action}",
        "credentials": inputs.role_arn,
        "passthroughBehavior": "never",
        "requestTemplates": {JSON: request_template},
        "responses": {
            "2\\d{2}": {
                "statusCode": success_status,
                "responseParameters": cors,
                "responseTemplates": {JSON: _response_template(success_template, inputs)},
            },
            "4\\d{2}": {
                "statusCode": "400",
                "responseParameters": cors,
                "responseTemplates": {
                    JSON: _response_template(
                        "dynamodb_error.response.vtl",
                        inputs,
                        {
                            "VALIDATION_MESSAGE": validation_message,
                            "CONDITION_STATUS": str(condition[0]),
                            "CONDITION_MESSAGE": condition[1],
                        },
                    )
                },
            },
            "default": {
                "statusCode": "500",
                "responseParameters": cors,
                "responseTemplates": {
                    JSON: _response_template("server_error.response.vtl", inputs)
                },
            },
        },
    }


def _moderation_values(inputs: ApiInputs) -> dict[str, str]:
    return {
        "PRE_MODERATION": "true" if inputs.pre_moderation else "false",
        "PENDING_ATTRIBUTE": PENDING_ATTRIBUTE,
        "PENDING_QUEUE": PENDING_QUEUE,
        "INDEX_NAME_MEMBER": f'\n  "IndexName": "{PUBLISHED_INDEX}",'
        if inputs.pre_moderation
        else "",
        "SLUG_KEY": PUBLISHED_ATTRIBUTE if inputs.pre_moderation else "slug",
    }


def _create_comment(inputs: ApiInputs) -> dict[str, Any]:
    created = "202" if inputs.pre_moderation else "201"
    template = render_template(
        "create_comment.request.vtl",
        {
            "TABLE_NAME": inputs.table_name,
            "SMOKE_SLUG_PREFIX": inputs.smoke_slug_prefix,
            "SMOKE_TTL_SECONDS": str(inputs.smoke_ttl_seconds),
            **_moderation_values(inputs),
        },
    )
    return {
        "operationId": "createComment",
        "summary": "Store a new comment for a page",
        "x-amazon-apigateway-request-validator": "body",
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/NewComment"}}},
        },
        # 202 with pre-moderation: stored, but not visible until a moderator approves it.
        "responses": _method_responses(
            (created, "400", "409", "429", "500"),
            {created: "Comment", "400": "Error", "409": "Error", "429": "Error", "500": "Error"},
        ),
        "x-amazon-apigateway-integration": _dynamodb_integration(
            inputs,
            CREATE_ACTION,
            template,
            (created, "create_comment.response.vtl"),
            "The comment could not be stored as sent",
        ),
    }


def _list_comments(inputs: ApiInputs) -> dict[str, Any]:
    template = render_template(
        "list_comments.request.vtl",
        {
            "TABLE_NAME": inputs.table_name,
            "DEFAULT_PAGE_SIZE": str(DEFAULT_PAGE_SIZE),
            "PAGE_SIZE_PATTERN": PAGE_SIZE_PATTERN,
            **_moderation_values(inputs),
        },
    )
    return {
        "operationId": "listComments",
        "summary": "One page of a page's comments, newest first",
        "x-amazon-apigateway-request-validator": "params",
        "parameters": [
            {
                "name": "slug",
                "in": "query",
                "required": True,
                "schema": _slug_schema(),
            },
            {
                "name": "before",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
        ],
        **_comment_page(inputs, template, cursor="before"),
    }


def _comment_page(inputs: ApiInputs, template: str, cursor: str) -> dict[str, Any]:
    """Responses and integration of a route answering one page of comments (a Query), paged
    back with the query parameter `cursor`."""
    return {
        "responses": _method_responses(
            ("200", "400", "429", "500"),
            {"200": "CommentPage", "400": "Error", "429": "Error", "500": "Error"},
        ),
        "x-amazon-apigateway-integration": _dynamodb_integration(
            inputs,
            LIST_ACTION,
            template,
            ("200", "list_comments.response.vtl"),
            f"Invalid query: limit must be a whole number from 1 to {MAX_PAGE_SIZE} and {cursor} "
            "the createdAt of a comment (epoch milliseconds)",
        ),
    }


def _delete_comment(inputs: ApiInputs) -> dict[str, Any]:
    template = render_template(
        "delete_comment.request.vtl",
        {"TABLE_NAME": inputs.table_name, "CREATED_AT_PATTERN": CREATED_AT_PATTERN},
    )
    return {
        "operationId": "deleteComment",
        "summary": "Moderation: delete one comment (SigV4, the stack's moderator role)",
        "security": [{SIGV4_SCHEME: []}],
        "x-amazon-apigateway-request-validator": "params",
        "parameters": [
            {"name": "slug", "in": "query", "required": True, "schema": _slug_schema()},
            {
                "name": "createdAt",
                "in": "query",
                "required": True,
                "schema": {"type": "integer", "minimum": 1},
            },
        ],
        "responses": _method_responses(
            ("200", "400", "404", "429", "500"),
            {"200": "Deleted", "400": "Error", "404": "Error", "429": "Error", "500": "Error"},
        ),
        "x-amazon-apigateway-integration": _dynamodb_integration(
            inputs,
            DELETE_ACTION,
            template,
            ("200", "delete_comment.response.vtl"),
            "Invalid query: createdAt must be the createdAt of a comment (epoch milliseconds)",
        ),
    }


def _pending_comments(inputs: ApiInputs) -> dict[str, Any]:
    template = render_template(
        "pending_comments.request.vtl",
        {
            "TABLE_NAME": inputs.table_name,
            "DEFAULT_PAGE_SIZE": str(DEFAULT_PAGE_SIZE),
            "PAGE_SIZE_PATTERN": PAGE_SIZE_PATTERN,
            "CREATED_AT_PATTERN": CREATED_AT_PATTERN,
            "PENDING_INDEX": PENDING_INDEX,
            "PENDING_ATTRIBUTE": PENDING_ATTRIBUTE,
            "PENDING_QUEUE": PENDING_QUEUE,
        },
    )
    page_size = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
    return {
        "operationId": "listPendingComments",
        "summary": "Moderation: comments waiting for approval, oldest first",
        "security": [{SIGV4_SCHEME: []}],
        "x-amazon-apigateway-request-validator": "params",
        "parameters": [
            {"name": "after", "in": "query", "required": False, "schema": {"type": "integer"}},
            {"name": "limit", "in": "query", "required": False, "schema": page_size},
        ],
        **_comment_page(inputs, template, cursor="after"),
    }


def _approve_comment(inputs: ApiInputs) -> dict[str, Any]:
    template = render_template(
        "approve_comment.request.vtl",
        {
            "TABLE_NAME": inputs.table_name,
            "PENDING_ATTRIBUTE": PENDING_ATTRIBUTE,
            "PUBLISHED_ATTRIBUTE": PUBLISHED_ATTRIBUTE,
            "CREATED_AT_PATTERN": CREATED_AT_PATTERN,
        },
    )
    return {
        "operationId": "approveComment",
        "summary": "Moderation: publish one pending comment",
        "security": [{SIGV4_SCHEME: []}],
        "x-amazon-apigateway-request-validator": "body",
        "requestBody": {
            "required": True,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/CommentKey"}}},
        },
        "responses": _method_responses(
            ("200", "400", "404", "429", "500"),
            {"200": "Approved", "400": "Error", "404": "Error", "429": "Error", "500": "Error"},
        ),
        "x-amazon-apigateway-integration": _dynamodb_integration(
            inputs,
            APPROVE_ACTION,
            template,
            ("200", "approve_comment.response.vtl"),
            "The comment key is not valid",
            (404, "No pending comment with this slug and createdAt"),
        ),
    }


def _preflight(inputs: ApiInputs) -> dict[str, Any]:
    headers = {
        "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
        "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
        "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
        "Access-Control-Max-Age": {"schema": {"type": "string"}},
        "Vary": {"schema": {"type": "string"}},
    }
    return {
        "operationId": "preflightComments",
        "summary": "CORS preflight",
        "responses": {"200": {"description": "CORS preflight", "headers": headers}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            # Browsers send preflights without a body or Content-Type (read as JSON, so the
            # template applies). Passing anything else through would let the client's body
            # replace the template's statusCode, and the mock would fail with a 500.
            "passthroughBehavior": "never",
            "requestTemplates": {JSON: render_template("preflight.request.vtl", {})},
            "responses": {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        **_cors_response_parameters(inputs),
                        "method.response.header.Access-Control-Allow-Methods": f"'{ALLOWED_METHODS}'",
                        "method.response.header.Access-Control-Allow-Headers": f"'{ALLOWED_HEADERS}'",
                        "method.response.header.Access-Control-Max-Age": f"'{PREFLIGHT_MAX_AGE_SECONDS}'",
                    },
                    "responseTemplates": {
                        JSON: _response_template("preflight.response.vtl", inputs)
                    },
                }
            },
        },
    }


def _gateway_responses(inputs: ApiInputs) -> dict[str, Any]:
    """Errors API Gateway answers itself: JSON {"message": ...} with CORS, like our own errors."""
    parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": _static_origin(inputs)}
    if not _allows_any_origin(inputs):
        parameters["gatewayresponse.header.Vary"] = "'Origin'"
    template = {JSON: '{"message":$context.error.messageString}'}
    return {
        kind: {"responseParameters": parameters, "responseTemplates": template}
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    }


def _text_schema(max_length: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _slug_schema() -> dict[str, Any]:
    return {**_text_schema(SLUG_MAX), "pattern": NON_BLANK_PATTERN}


def _schemas() -> dict[str, Any]:
    return {
        "NewComment": {
            "title": "NewComment",
            "type": "object",
            "required": ["slug", "author", "comment"],
            "properties": {
                "slug": _slug_schema(),
                "author": _text_schema(AUTHOR_MAX),
                "comment": _text_schema(COMMENT_MAX),
            },
            "additionalProperties": False,
        },
        "Comment": {
            "title": "Comment",
            "type": "object",
            "required": ["slug", "createdAt", "author", "comment"],
            "properties": {
                "slug": _text_schema(SLUG_MAX),
                "createdAt": {"type": "integer"},
                "author": _text_schema(AUTHOR_MAX),
                "comment": _text_schema(COMMENT_MAX),
            },
            "additionalProperties": False,
        },
        "CommentPage": {
            "title": "CommentPage",
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
                "next": {"type": "integer", "nullable": True},
            },
            "additionalProperties": False,
        },
        "CommentKey": {
            "title": "CommentKey",
            "type": "object",
            "required": ["slug", "createdAt"],
            "properties": {
                "slug": _slug_schema(),
                "createdAt": {"type": "integer", "minimum": 1, "maximum": 9999999999999999},
            },
            "additionalProperties": False,
        },
        "Approved": {
            "title": "Approved",
            "type": "object",
            "required": ["approved"],
            "properties": {"approved": {"$ref": "#/components/schemas/Comment"}},
            "additionalProperties": False,
        },
        "Deleted": {
            "title": "Deleted",
            "type": "object",
            "required": ["deleted"],
            "properties": {"deleted": {"$ref": "#/components/schemas/Comment"}},
            "additionalProperties": False,
        },
        "Error": {
            "title": "Error",
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}},
        },
    }


def build_api_document(inputs: ApiInputs) -> dict[str, Any]:
    """The whole API: routes, validators, models, integrations and gateway responses."""
    paths: dict[str, Any] = {
        COMMENTS_PATH: {
            "post": _create_comment(inputs),
            "get": _list_comments(inputs),
            "options": _preflight(inputs),
            "delete": _delete_comment(inputs),
        }
    }
    if inputs.pre_moderation:
        paths[PENDING_PATH] = {"get": _pending_comments(inputs)}
        paths[APPROVE_PATH] = {"post": _approve_comment(inputs)}
    return {
        "openapi": "3.0.1",
        "info": {"title": inputs.title, "version": "1"},
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            # API Gateway imports this scheme as authorizationType AWS_IAM on the methods using it.
            "securitySchemes": {
                SIGV4_SCHEME: {
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
        "x-amazon-apigateway-gateway-responses": _gateway_responses(inputs),
    }


def method_arn(execution_arn: str, stage: str, method: str, path: str) -> str:
    """The execute-api ARN IAM authorizes a call to one method of one stage against."""
    return f"{execution_arn}/{stage}/{method}{path}"


def document_json(document: dict[str, Any]) -> str:
    """Canonical JSON: the RestApi body, and the input of the deployment trigger."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def document_hash(body: str) -> str:
    """Changes whenever any part of the API changes, so the stage never serves a stale deployment."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
