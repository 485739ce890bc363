"""Helpers every rule shares: reading policy config, walking property bags, parsing documents.

Property bags arrive wrapped in pulumi_policy's unknown-checking proxy: mappings and lists are
`Mapping`/`Sequence` proxies, never `dict`/`list`, so everything here tests for the abstract types.
Reading a value that is unknown at preview raises the SDK's UnknownValueError; every policy of the
pack goes through decidable.fail_closed, which reports it as a violation at the policy's level
(the analyzer alone would print an advisory "can't run policy during preview" and pass).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import ReportViolation

# Types whose instances can carry an IAM policy document that ends up on a role.
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = (
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
)
TABLE = "aws:dynamodb/table:Table"
GLOBAL_SECONDARY_INDEX = "aws:dynamodb/globalSecondaryIndex:GlobalSecondaryIndex"
TABLE_REPLICA = "aws:dynamodb/tableReplica:TableReplica"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
INTEGRATION_RESPONSE = "aws:apigateway/integrationResponse:IntegrationResponse"
METHOD_RESPONSE = "aws:apigateway/methodResponse:MethodResponse"
GATEWAY_RESPONSE = "aws:apigateway/response:Response"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

# A table ARN names one table: no wildcard, no /index/ or /stream/ suffix.
TABLE_ARN = re.compile(
    r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$"
)
# An API's source ARN: partition, region, account and API id literal; only the rest may be a pattern.
SOURCE_API_ARN = re.compile(
    r"^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:(?P<account>[0-9]{12}):(?P<api>[a-z0-9]+)(/.*)?$"
)
# An index ARN names one global secondary index of one table (what a Query on it is checked on).
INDEX_ARN = re.compile(
    r"^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}"
    r"/index/[A-Za-z0-9_.-]{3,255}$"
)
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$")
# A method ARN names one method of one stage: api-id/stage/METHOD/path, no wildcard.
EXECUTE_API_ARN = re.compile(
    r"^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9]+/[A-Za-z0-9_]+/[A-Z]+/[^*?]*$"
)
# The only principal besides API Gateway a role may trust: an account (delegating to its IAM).
ACCOUNT_ROOT = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>[0-9]{12}):root$")


class ConfigMissing(Exception):
    """A policy parameter is absent or of the wrong type; reported as a violation, never skipped."""


def short_type(resource_type: str) -> str:
    """'aws:iam/rolePolicy:RolePolicy' -> 'RolePolicy', for messages."""
    return resource_type.rsplit(":", 1)[-1]


def label(resource_type: str, name: str) -> str:
    return f"{short_type(resource_type)} '{name}'"


def reporter(report: ReportViolation, policy: str, subject: str) -> Callable[[str], None]:
    """Messages that name the rule and the resource: '<policy>: <Type 'name'> <what is wrong>'."""

    def say(text: str) -> None:
        report(f"{policy}: {subject} {text}", None)

    return say


def config_number(config: Mapping[str, Any], key: str) -> float:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigMissing(f"policy parameter '{key}' is missing or not a number")
    return float(value)


def config_strings(config: Mapping[str, Any], key: str) -> list[str]:
    value = config.get(key)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ConfigMissing(f"policy parameter '{key}' is missing or not a list of strings")
    items = list(value)
    if not all(isinstance(item, str) for item in items):
        raise ConfigMissing(f"policy parameter '{key}' must list strings only")
    return items


# This stack's AWS account, a parameter of every policy that compares against it (the CLI gives
# each policy only its own config); a test keeps each equal to the stack's aws:allowedAccountIds.
ACCOUNT_ID = "accountId"
_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
ACCOUNT_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": _ACCOUNT_ID.pattern,
    "description": "This stack's AWS account: the one account the stack's aws:allowedAccountIds pins.",
}


def config_account(config: Mapping[str, Any]) -> str:
    value = config.get(ACCOUNT_ID)
    if not isinstance(value, str) or not _ACCOUNT_ID.match(value):
        raise ConfigMissing(
            f"policy parameter '{ACCOUNT_ID}' is missing or not a 12-digit account id"
        )
    return value


def misconfigured(report: ReportViolation, policy: str, error: ConfigMissing) -> None:
    report(
        f"{policy}: {error}; set it in the stack's policy config (policy/config/<stack>.json)",
        None,
    )


def as_list(value: Any) -> list[Any]:
    """IAM and OpenAPI fields that take one value or a list of them, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def switched_on(value: Any) -> bool:
    """Whether a switch input may be on: anything but unset or False counts, so a value the
    provider could read as true (the string "true", 1) is refused like True itself."""
    return value is not None and value is not False


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# A number written as text: what the provider reads as that number (pulumi-aws converts a string
# given for a numeric input). Only plain decimals count; anything else ("1e3", " 5", "0x10", "NaN")
# is refused by `quantity`, never read as some other number or as unset.
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


class NotANumber(ValueError):
    """A numeric input holds something that is not a plain number (text, a list, NaN, a bool)."""


def quantity(value: Any) -> float | None:
    """A numeric input's value: None when unset, the number when it is one (an int, a float, or
    a decimal string, counted by its value); raises NotANumber for anything else, so a value the
    pack cannot read the way AWS would is refused instead of counted as unset or zero."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(f"{value!r} is a boolean, not a number")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise NotANumber(f"{value!r} is not a finite number")
        return float(value)
    if isinstance(value, str) and _DECIMAL.match(value):
        return float(value)
    raise NotANumber(f"{value!r} is not a number")


def number(value: Any) -> float | None:
    """A numeric input's value, or None when it is unset or not a number (see `quantity`)."""
    try:
        return quantity(value)
    except NotANumber:
        return None


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def fmt(value: float) -> str:
    """Capacities and limits as people write them: 2, not 2.0."""
    return f"{value:g}"


# -- JSON documents --------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(text: str) -> tuple[Any, str | None]:
    """Parse a JSON document the way AWS does, or stricter: (value, None), or (None, why not).

    Every JSON text the pack reads goes through here (an API body, IAM and topic policies, a
    dashboard body, WAF rules). Python's json keeps the last of two equal keys; another parser
    (IAM's, API Gateway's OpenAPI import, a reviewer's eye) may read the first, so a document
    with a duplicate key has two meanings and is refused. NaN and Infinity, which Python accepts
    and JSON does not, are refused too.
    """
    try:
        return (
            json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant),
            None,
        )
    except _DuplicateKey as error:
        return None, (
            f"repeats the key '{error}' in one object, which parsers read differently "
            "(first or last); write each key once"
        )
    except json.JSONDecodeError as error:
        return None, f"is not valid JSON ({error.msg})"
    except ValueError as error:
        return None, f"is not valid JSON ({error})"


def header_key(key: str, header: str) -> bool:
    """Whether a parameter key ('method.response.header.Access-Control-Allow-Origin',
    'gatewayresponse.header.access-control-allow-origin') names `header`: HTTP header names are
    case-insensitive (RFC 9110, section 5.1), so the comparison is too."""
    return key.lower().endswith(f"header.{header.lower()}")


# -- IAM documents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """One IAM policy document found on a resource, or why it could not be read."""

    where: str  # e.g. "policy" or "inlinePolicies[0].policy"
    body: Mapping[str, Any] | None
    error: str | None = None


def parse_document(where: str, raw: Any) -> Document:
    """A policy document given as JSON text (what the provider takes) or as a mapping."""
    if isinstance(raw, Mapping):
        return Document(where, raw)
    if not isinstance(raw, str) or not raw.strip():
        return Document(where, None, f"{where} is not a policy document")
    parsed, error = load_json(raw)
    if error is not None:
        return Document(where, None, f"{where} {error}; it cannot be checked")
    if not isinstance(parsed, dict):
        return Document(where, None, f"{where} is not a JSON object; it cannot be checked")
    return Document(where, parsed)


def role_documents(resource_type: str, props: Mapping[str, Any]) -> list[Document]:
    """Every identity-policy document a resource can put on a role."""
    if resource_type in (ROLE_POLICY, MANAGED_POLICY):
        return [parse_document("policy", props.get("policy"))]
    if resource_type == ROLE:
        return [
            parse_document(f"inlinePolicies[{i}].policy", mapping(inline).get("policy"))
            for i, inline in enumerate(as_list(props.get("inlinePolicies")))
            if mapping(inline).get("policy") is not None
        ]
    return []


@dataclass(frozen=True)
class Statement:
    index: int
    body: Mapping[str, Any]

    @property
    def name(self) -> str:
        sid = self.body.get("Sid")
        return f"statement '{sid}'" if isinstance(sid, str) and sid else f"statement {self.index}"

    @property
    def allows(self) -> bool:
        # Only an exact Deny is skipped: any other Effect ('allow', a typo) is checked as an Allow.
        return self.body.get("Effect") != "Deny"


def statements(document: Mapping[str, Any]) -> Iterator[Statement]:
    for index, body in enumerate(as_list(document.get("Statement"))):
        yield Statement(index, mapping(body))


# -- attached managed policies ---------------------------------------------------------------------


def attached_policy_arns(resource_type: str, props: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(where, ARN) of every managed policy a resource attaches to a role."""
    if resource_type == ROLE_POLICY_ATTACHMENT:
        return [("policyArn", props.get("policyArn"))]
    if resource_type == POLICY_ATTACHMENT and as_list(props.get("roles")):
        return [("policyArn", props.get("policyArn"))]
    if resource_type == ROLE:
        return [
            (f"managedPolicyArns[{i}]", arn)
            for i, arn in enumerate(as_list(props.get("managedPolicyArns")))
        ]
    if resource_type == ROLE_POLICY_ATTACHMENTS_EXCLUSIVE:
        return [(f"policyArns[{i}]", arn) for i, arn in enumerate(as_list(props.get("policyArns")))]
    return []


# -- the REST API's OpenAPI document ---------------------------------------------------------------

WRITE_METHODS = ("post", "put", "patch", "delete", "x-amazon-apigateway-any-method")
BODY_METHODS = ("post", "put", "patch", "x-amazon-apigateway-any-method")

# An AWS service integration's uri: arn:aws:apigateway:<region>:<service>:action/<Action> or path/...
AWS_INTEGRATION_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:(?P<service>[a-z0-9.-]+):"
    r"(?:action/(?P<action>[A-Za-z0-9]+)|path/.*)$"
)
# DynamoDB actions that only read: an allow-list, so any other action counts as a write.
DYNAMODB_READ_ACTIONS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable"}
)
_READ_VERBS = ("GET", "HEAD", "OPTIONS")


def integration_writes(integration: Mapping[str, Any]) -> str | None:
    """What an integration changes, decided by what it calls; None when it only reads.

    A DynamoDB action outside DYNAMODB_READ_ACTIONS writes; so does any other AWS action, a
    path-style AWS call or HTTP backend request other than GET/HEAD/OPTIONS, and any integration
    type this function does not know. Only `mock` never reaches a backend.
    """
    kind = str(integration.get("type", "")).lower()
    verb = str(integration.get("httpMethod", "")).upper()
    if kind == "mock":
        return None
    if kind in ("aws", "aws_proxy"):
        match = AWS_INTEGRATION_URI.match(str(integration.get("uri", "")))
        if match is None:
            return f"an AWS integration with uri {integration.get('uri')!r}"
        service, action = match.group("service"), match.group("action")
        if action is not None:
            if service == "dynamodb" and action in DYNAMODB_READ_ACTIONS:
                return None
            return f"{service}:{action}"
        return None if verb in _READ_VERBS else f"{verb or 'a request'} to {service}"
    if kind in ("http", "http_proxy"):
        return None if verb in _READ_VERBS else f"{verb or 'a request'} to an HTTP backend"
    return f"a '{kind}' integration"


def api_document(props: Mapping[str, Any]) -> tuple[Mapping[str, Any] | None, str | None]:
    """The RestApi's `body` as a mapping; (None, None) when the API is built from resources."""
    body = props.get("body")
    if body is None:
        return None, None
    if not isinstance(body, str):
        return None, "body is not a JSON string; it cannot be checked"
    document, error = load_json(body)
    if error is not None:
        return None, f"body {error}; this pack reads JSON API definitions"
    if not isinstance(document, dict):
        return None, "body is not a JSON object; it cannot be checked"
    return document, None


def operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, method, operation) for every operation of an OpenAPI document."""
    for path, methods in mapping(document.get("paths")).items():
        for method, operation in mapping(methods).items():
            if isinstance(operation, Mapping):
                yield path, method.lower(), operation


# The OpenAPI security scheme API Gateway imports as authorizationType AWS_IAM.
SIGV4_AUTHTYPE = "awssigv4"


# The one shape of that scheme: a Lambda or Cognito authorizer added to it would decide instead.
SIGV4_SCHEME = {
    "type": "apiKey",
    "name": "Authorization",
    "in": "header",
    "x-amazon-apigateway-authtype": SIGV4_AUTHTYPE,
}


def iam_authorized(document: Mapping[str, Any], operation: Mapping[str, Any]) -> bool:
    """Whether API Gateway imports the operation with authorizationType AWS_IAM (SigV4).

    Allow-listed, not searched: exactly one security requirement naming exactly one scheme, and
    that scheme exactly SIGV4_SCHEME. A second requirement ({} is "anonymous"), a second scheme
    or an authorizer on the scheme could let a caller in without a signature.
    """
    schemes = mapping(mapping(document.get("components")).get("securitySchemes"))
    requirements = as_list(operation.get("security", document.get("security")))
    if len(requirements) != 1 or len(mapping(requirements[0])) != 1:
        return False
    (name,) = mapping(requirements[0])
    scheme = mapping(schemes.get(name))
    authtype = scheme.get("x-amazon-apigateway-authtype")
    return (
        isinstance(authtype, str)
        and {**scheme, "x-amazon-apigateway-authtype": authtype.lower()} == SIGV4_SCHEME
    )


def integrations(
    document: Mapping[str, Any],
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """('METHOD path', integration) for every x-amazon-apigateway-integration of a document."""
    for path, method, operation in operations(document):
        integration = operation.get("x-amazon-apigateway-integration")
        if isinstance(integration, Mapping):
            yield f"{method.upper()} {path}", integration


def walk(value: Any, where: str = "") -> Iterator[tuple[str, str, Any]]:
    """(location, key, value) of every key in nested mappings and lists."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            location = f"{where}.{key}" if where else str(key)
            yield location, str(key), item
            yield from walk(item, location)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for index, item in enumerate(value):
            yield from walk(item, f"{where}[{index}]")
