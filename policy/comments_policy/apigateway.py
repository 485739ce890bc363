"""API Gateway: logged and throttled stages, validated writes, role credentials, no '*' CORS origin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from comments_policy.common import (
    AWS_INTEGRATION_URI,
    BODY_METHODS,
    GATEWAY_RESPONSE,
    INTEGRATION,
    INTEGRATION_RESPONSE,
    LOG_GROUP,
    METHOD,
    METHOD_SETTINGS,
    REST_API,
    ROLE_ARN,
    STAGE,
    USAGE_PLAN,
    WRITE_METHODS,
    ConfigMissing,
    api_document,
    as_list,
    config_number,
    config_strings,
    fmt,
    header_key,
    iam_authorized,
    integration_writes,
    integrations,
    label,
    mapping,
    misconfigured,
    number,
    operations,
    reporter,
    switched_on,
    walk,
)

# A new API's id is unknown at preview: a stage and its method settings then match by the API
# their restApi comes from (decidable.reference).
from comments_policy.decidable import reference

ACCESS_LOGGING = "apigateway-stage-access-logging"
THROTTLING = "apigateway-throttling-within-caps"
STAGE_THROTTLED = "apigateway-stage-throttled"
WRITE_VALIDATION = "apigateway-write-validation"
CREDENTIALS = "apigateway-integration-credentials"
CORS = "apigateway-cors-origin"
AUTHORIZATION = "apigateway-iam-authorization"
NO_CACHE = "apigateway-no-cache"

_RATE, _BURST = "maxRateLimit", "maxBurstLimit"
ALL_METHODS = "*/*"
_ALLOW_ORIGIN = "Access-Control-Allow-Origin"
_BODY_POLICY = "x-amazon-apigateway-policy"
_NO_RESOURCE_POLICY = (
    "it could open the routes to other accounts, and only AWS_IAM and publicRoutes may decide "
    "who calls; remove it"
)


def _access_logging(args: ResourceValidationArgs, report: ReportViolation) -> None:
    say = reporter(report, ACCESS_LOGGING, label(args.resource_type, args.name))
    if args.resource_type == METHOD_SETTINGS:
        # Access logs are the trace; a data trace would copy whole requests and responses
        # (comment text, names, what the table returns) into execution logs.
        if switched_on(mapping(args.props.get("settings")).get("dataTraceEnabled")):
            say(
                "enables dataTraceEnabled, which logs whole requests and responses (comment text "
                "and authors) to CloudWatch; the access log format is the trace"
            )
        return
    if args.resource_type == LOG_GROUP:
        days = number(args.props.get("retentionInDays"))
        if days is None or days <= 0:
            say(
                "keeps its logs forever (retentionInDays unset or 0); set a retention so the "
                "logs, and what they cost, stop growing"
            )
        return
    if args.resource_type != STAGE:
        return
    settings = mapping(args.props.get("accessLogSettings"))
    if not settings.get("destinationArn"):
        say("has no access log destination (accessLogSettings.destinationArn)")
    if not settings.get("format"):
        say("has no access log format (accessLogSettings.format)")


def _throttling(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (METHOD_SETTINGS, USAGE_PLAN):
        return
    try:
        config = args.get_config()
        caps = {_RATE: config_number(config, _RATE), _BURST: config_number(config, _BURST)}
    except ConfigMissing as error:
        misconfigured(report, THROTTLING, error)
        return
    say = reporter(report, THROTTLING, label(args.resource_type, args.name))

    def within(value: Any, what: str, cap_key: str, unset_is_off: bool = False) -> None:
        limit = number(value)
        if limit is None and unset_is_off:
            # The provider sends an unset MethodSettings limit as -1: throttling off for that path.
            say(
                f"leaves {what} unset, which the provider sends as -1 (throttling off); "
                f"set it at most {fmt(caps[cap_key])}"
            )
            return
        if limit is None:
            return  # a usage plan without a limit adds none; the stage's limits still apply
        if limit < 0:
            say(f"turns throttling off ({what} {fmt(limit)}); set it at most {fmt(caps[cap_key])}")
        elif limit > caps[cap_key]:
            say(
                f"{what} is {fmt(limit)}, above this stack's cap of {fmt(caps[cap_key])} ({cap_key})"
            )

    if args.resource_type == METHOD_SETTINGS:
        settings = mapping(args.props.get("settings"))
        within(settings.get("throttlingRateLimit"), "throttlingRateLimit", _RATE, True)
        within(settings.get("throttlingBurstLimit"), "throttlingBurstLimit", _BURST, True)
        return
    throttle = mapping(args.props.get("throttleSettings"))
    within(throttle.get("rateLimit"), "throttleSettings.rateLimit", _RATE)
    within(throttle.get("burstLimit"), "throttleSettings.burstLimit", _BURST)
    for stage in as_list(args.props.get("apiStages")):
        for per_path in as_list(mapping(stage).get("throttles")):
            path = mapping(per_path).get("path", "?")
            within(mapping(per_path).get("rateLimit"), f"rateLimit for {path}", _RATE)
            within(mapping(per_path).get("burstLimit"), f"burstLimit for {path}", _BURST)


def _stage_throttled(args: StackValidationArgs, report: ReportViolation) -> None:
    throttled: set[tuple[Any, Any]] = set()
    for resource in args.resources:
        if resource.resource_type != METHOD_SETTINGS:
            continue
        settings = mapping(resource.props.get("settings"))
        rate = number(settings.get("throttlingRateLimit"))
        burst = number(settings.get("throttlingBurstLimit"))
        if (
            resource.props.get("methodPath") == ALL_METHODS
            and rate is not None
            and rate >= 0
            and burst is not None
            and burst >= 0
        ):
            throttled.add(
                (reference(resource, "restApi", REST_API), resource.props.get("stageName"))
            )
    for resource in args.resources:
        if resource.resource_type != STAGE:
            continue
        key = (reference(resource, "restApi", REST_API), resource.props.get("stageName"))
        if key not in throttled:
            report(
                f"{STAGE_THROTTLED}: {label(resource.resource_type, resource.name)} has no "
                f"MethodSettings for '{ALL_METHODS}' setting throttlingRateLimit and "
                "throttlingBurstLimit; without them it gets the account's limits",
                resource.urn,
            )


def _no_cache(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The service caches nothing: a stage cache is billed by the hour whether used or not (up to
    237 GB, thousands of dollars a month) and no budget here counts it, and a cached GET would
    serve comments a moderator has deleted."""
    say = reporter(report, NO_CACHE, label(args.resource_type, args.name))
    if args.resource_type == STAGE and switched_on(args.props.get("cacheClusterEnabled")):
        size = args.props.get("cacheClusterSize")
        say(
            f"enables a cache cluster (cacheClusterEnabled{f', {size} GB' if size else ''}); "
            "the service caches nothing, and the cache is billed hourly outside the budget"
        )
    elif args.resource_type == METHOD_SETTINGS and switched_on(
        mapping(args.props.get("settings")).get("cachingEnabled")
    ):
        say("enables caching (settings.cachingEnabled); the service caches nothing")


def _body_schemas(operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Request body schemas of an OpenAPI 3 or Swagger 2 operation."""
    found = [
        mapping(mapping(media).get("schema"))
        for media in mapping(mapping(operation.get("requestBody")).get("content")).values()
    ]
    found += [
        mapping(mapping(p).get("schema"))
        for p in as_list(operation.get("parameters"))
        if mapping(p).get("in") == "body"
    ]
    return [schema for schema in found if schema]


def _write_validation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Routes that write need validation, whatever their verb: a GET that calls UpdateItem writes."""
    say = reporter(report, WRITE_VALIDATION, label(args.resource_type, args.name))
    if args.resource_type == METHOD:
        method = str(args.props.get("httpMethod", "")).lower()
        if method == "any":
            method = "x-amazon-apigateway-any-method"
        if method not in WRITE_METHODS:
            return
        if not args.props.get("requestValidatorId"):
            say(f"{method.upper()} writes without a request validator (requestValidatorId)")
        if method in BODY_METHODS and not mapping(args.props.get("requestModels")):
            say(f"{method.upper()} writes without a request model (requestModels)")
        return
    if args.resource_type != REST_API:
        return
    document, error = api_document(args.props)
    if error is not None:
        say(error)
        return
    if document is None:
        return
    validators = mapping(document.get("x-amazon-apigateway-request-validators"))
    default = document.get("x-amazon-apigateway-request-validator")
    components = mapping(mapping(document.get("components")).get("schemas"))
    models = {f"#/components/schemas/{name}" for name in components} | {
        f"#/definitions/{name}" for name in mapping(document.get("definitions"))
    }
    for path, method, operation in operations(document):
        integration = mapping(operation.get("x-amazon-apigateway-integration"))
        writes = integration_writes(integration) if integration else None
        if method not in WRITE_METHODS and writes is None:
            continue  # a read: nothing it is sent can change the table
        where = f"{method.upper()} {path}"
        what = f" (the integration calls {writes})" if writes else ""
        schemas = _body_schemas(operation)
        # A body is validated against a model; a route without one must have its parameters required.
        by_body = method in BODY_METHODS or bool(schemas)
        name = operation.get("x-amazon-apigateway-request-validator", default)
        if not isinstance(name, str) or not name:
            say(
                f"{where} writes{what} without a request validator "
                "(x-amazon-apigateway-request-validator)"
            )
        elif name not in validators:
            say(f"{where} uses request validator '{name}', which the API does not define")
        elif by_body and mapping(validators[name]).get("validateRequestBody") is not True:
            say(
                f"{where} writes{what} with request validator '{name}', which does not validate the body"
            )
        elif not by_body and mapping(validators[name]).get("validateRequestParameters") is not True:
            say(
                f"{where} writes{what} from request parameters with request validator '{name}', "
                "which does not validate parameters"
            )
        if by_body:
            if not schemas:
                say(f"{where} writes{what} without a request body model (requestBody schema)")
            for schema in schemas:
                ref = schema.get("$ref")
                if isinstance(ref, str) and ref not in models:
                    say(f"{where} refers to model '{ref}', which the API does not define")
        elif not any(
            mapping(p).get("required") is True for p in as_list(operation.get("parameters"))
        ):
            say(
                f"{where} writes{what} from request parameters but requires none; declare the "
                "parameters it uses with required: true"
            )


def _credentials(args: ResourceValidationArgs, report: ReportViolation) -> None:
    say = reporter(report, CREDENTIALS, label(args.resource_type, args.name))

    def check(where: str, integration: Mapping[str, Any]) -> None:
        # An allow-list of what the service calls: DynamoDB actions, and mock for preflight. An
        # HTTP integration could hand callers' requests to any server, with no role to limit it.
        kind = str(integration.get("type", "")).lower()
        if kind == "mock":
            return
        if kind != "aws":
            say(
                f"{where} is a '{integration.get('type')}' integration; this service's "
                "integrations are 'aws' calling DynamoDB, or 'mock'"
            )
            return
        uri = integration.get("uri")
        match = AWS_INTEGRATION_URI.match(uri) if isinstance(uri, str) else None
        if match is None or match.group("service") != "dynamodb" or not match.group("action"):
            say(
                f"{where} calls {uri!r}; an aws integration here calls a DynamoDB action "
                "(arn:aws:apigateway:<region>:dynamodb:action/<Action>) only"
            )
        credentials = integration.get("credentials")
        if not credentials:
            say(f"{where} calls AWS without credentials; use the stack's integration role ARN")
        elif not isinstance(credentials, str) or not ROLE_ARN.match(credentials):
            say(
                f"{where} uses credentials '{credentials}', which is not an IAM role ARN "
                "(caller pass-through and wildcards are not allowed)"
            )

    if args.resource_type == INTEGRATION:
        check("integration", args.props)
        return
    if args.resource_type != REST_API:
        return
    document, error = api_document(args.props)
    if error is not None:
        say(error)
        return
    for where, integration in integrations(document or {}):
        check(where, integration)


def _cors(args: ResourceValidationArgs, report: ReportViolation) -> None:
    say = reporter(report, CORS, label(args.resource_type, args.name))
    if args.resource_type in (INTEGRATION_RESPONSE, GATEWAY_RESPONSE):
        tree: Any = {"responseParameters": args.props.get("responseParameters")}
    elif args.resource_type == REST_API:
        document, error = api_document(args.props)
        if error is not None:
            say(error)
            return
        tree = document or {}
    else:
        return
    found = [
        where
        for where, key, value in walk(tree)
        # Header names are case-insensitive: access-control-allow-origin is the same header.
        if header_key(key, _ALLOW_ORIGIN)
        and isinstance(value, str)
        and value.strip().strip("'\"").strip() == "*"
    ]
    if found:
        more = f" and {len(found) - 1} more" if len(found) > 1 else ""
        say(f"allows any origin ('*') at {found[0]}{more}; list the site's origins instead")


def _authorization(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != REST_API:
        return
    say = reporter(report, AUTHORIZATION, label(args.resource_type, args.name))
    # Who may call is decided by AWS_IAM and publicRoutes alone: a resource policy could let other
    # accounts' principals call the signed routes, and the service never needs one.
    if args.props.get("policy"):
        say(f"sets a resource policy (policy); {_NO_RESOURCE_POLICY}")
    document, error = api_document(args.props)
    if error is not None:
        say(error)
        return
    if document is None:
        return
    if document.get(_BODY_POLICY) is not None:
        say(f"sets a resource policy ({_BODY_POLICY}); {_NO_RESOURCE_POLICY}")
    try:
        public = config_strings(args.get_config(), "publicRoutes")
    except ConfigMissing as missing:
        misconfigured(report, AUTHORIZATION, missing)
        return
    for path, method, operation in operations(document):
        route = f"{method.upper()} {path}"
        if route not in public and not iam_authorized(document, operation):
            say(
                f"{route} is not AWS_IAM-authorized (exactly one security requirement naming one "
                "scheme that is type apiKey, name Authorization, in header, "
                "x-amazon-apigateway-authtype awsSigv4 and nothing else, no authorizer), "
                "and only the public routes "
                f"({', '.join(public)}) may be called unsigned"
            )


POLICIES = [
    ResourceValidationPolicy(
        name=ACCESS_LOGGING,
        description=(
            "Stages write access logs (a destination and a format) to log groups that expire "
            "them; no method logs whole requests and responses (dataTraceEnabled)."
        ),
        validate=_access_logging,
    ),
    ResourceValidationPolicy(
        name=THROTTLING,
        description="Stage, method and usage-plan throttling stays on and within the stack's caps.",
        validate=_throttling,
        config_schema=PolicyConfigSchema(
            properties={
                _RATE: {
                    "type": "number",
                    "minimum": 0,
                    "description": "Most steady requests per second a stage or method may allow.",
                },
                _BURST: {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Largest burst (token bucket) a stage or method may allow.",
                },
            },
            required=[_RATE, _BURST],
        ),
    ),
    StackValidationPolicy(
        name=STAGE_THROTTLED,
        description="Every stage has stage-wide ('*/*') throttling set in MethodSettings.",
        validate=_stage_throttled,
    ),
    ResourceValidationPolicy(
        name=NO_CACHE,
        description="No stage cache cluster and no method caching: the service caches nothing.",
        validate=_no_cache,
    ),
    ResourceValidationPolicy(
        name=WRITE_VALIDATION,
        description="Every method that writes has a request validator, and a body model when it takes a body.",
        validate=_write_validation,
    ),
    ResourceValidationPolicy(
        name=CREDENTIALS,
        description=(
            "Integrations are 'mock' or 'aws' calling a DynamoDB action with an IAM role's "
            "credentials."
        ),
        validate=_credentials,
    ),
    ResourceValidationPolicy(
        name=CORS,
        description="No response allows any origin (Access-Control-Allow-Origin '*').",
        validate=_cors,
    ),
    ResourceValidationPolicy(
        name=AUTHORIZATION,
        description=(
            "Every route but the stack's public ones is AWS_IAM-authorized (SigV4), and no "
            "resource policy widens who may call."
        ),
        validate=_authorization,
        config_schema=PolicyConfigSchema(
            properties={
                "publicRoutes": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": "^[A-Z]+ /[^ ]*$"},
                    "description": "Routes ('METHOD /path') anyone may call without signing.",
                }
            },
            required=["publicRoutes"],
        ),
    ),
]
