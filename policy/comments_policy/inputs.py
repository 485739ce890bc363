"""Every input of every resource is reviewed: an allow-list type -> input -> value.

The other rules each read the inputs they were written for; everything else used to pass. This
rule is the whole specification of what the service's resources may set: for each type the pack
knows, each input it accepts (the program's own and those pulumi-aws's Check adds before any
analyzer runs: tagsAll, region, auto-names and schema defaults, docs/reference/provider-check.md)
and what its value may be: an exact value, a range, a pattern, or "checked by <rule>" where
another rule already decides the value. Nested objects are allow-lists too. Anything else is
refused, naming the input and what the type accepts; a type with no allow-list here is refused
as a whole, so allowing a type in the config is not enough to use it.

Unknown values at preview. A value the engine does not know until apply (it comes from another
resource's output) cannot be checked against a literal, so for every input that must be a
literal an unknown value is a violation ("cannot be decided at preview"). Only inputs that
legitimately come from other resources accept one here: references (ids, names and ARNs of the
stack's own resources, whose provenance and decidability `stack-references-own-resources` checks,
and whose known value must still match this stack's account, region and names), a deployment's
trigger values, and the documents other rules read (the API document, IAM policies), which those
rules refuse themselves when they cannot read them (comments_policy/decidable.py).

Names are camelCase, as the analyzer receives them; the engine drops its own keys (`__defaults`)
before a pack sees the inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from comments_policy.common import (
    ACCOUNT_ID,
    ACCOUNT_ID_SCHEMA,
    DEPLOYMENT,
    LOG_GROUP,
    METHOD_SETTINGS,
    METRIC_ALARM,
    REST_API,
    ROLE,
    ROLE_POLICY,
    SCALING_POLICY,
    SCALING_TARGET,
    STAGE,
    TABLE,
    ConfigMissing,
    config_account,
    fmt,
    label,
    misconfigured,
    reporter,
    short_type,
    switched_on,
)
from comments_policy.region import REGION, config_region
from comments_policy.resource_types import engine_resource

INPUTS = "resource-inputs-reviewed"

BUDGET = "aws:budgets/budget:Budget"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
COMPONENT = "comments:service:CommentsService"

# The rules this one leaves a value to (their names, so the messages say who decides).
STACK_REGION = "resources-in-stack-region"
OWN_REFERENCES = "stack-references-own-resources"
CAPACITY = "dynamodb-provisioned-capacity"
DATA_PROTECTION = "dynamodb-data-protection"
ACCESS_LOGGING = "apigateway-stage-access-logging"
THROTTLING = "apigateway-throttling-within-caps"
NO_CACHE = "apigateway-no-cache"
AUTHORIZATION = "apigateway-iam-authorization"
API_DOCUMENT_RULES = (
    "apigateway-write-validation, apigateway-integration-credentials, apigateway-cors-origin "
    "and apigateway-iam-authorization"
)
LEAST_PRIVILEGE = "iam-least-privilege"
TRUST = "iam-trust-api-gateway-only"
TOPIC_PUBLISHERS = "operations-topic-publishers"
BUDGET_ACCOUNT = "operations-budget-own-account"

ALLOW_XRAY = "allowXrayTracing"
ALLOWED_KMS_KEYS = "allowedKmsKeyArns"

_SENTINELS = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


class _Unknown:
    """A value the engine knows only at apply time (the analyzer's unknown sentinel)."""

    def __repr__(self) -> str:
        return "a value unknown until apply"


UNKNOWN = _Unknown()


def plain(value: Any) -> Any:
    """The analyzer's unknown-checking proxies as plain values, each unknown as UNKNOWN.

    Reading every key this way never raises: this rule decides what an unknown means per input.
    """
    if isinstance(value, str):
        return UNKNOWN if value in _SENTINELS else value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in value:  # iterating a proxy's keys reads no value
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def shown(value: Any) -> str:
    if isinstance(value, bool) or value is UNKNOWN:
        return repr(value)
    if isinstance(value, (int, float)):
        return fmt(float(value))
    if isinstance(value, str):
        return repr(value if len(value) <= 80 else value[:77] + "...")
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind: True is not 1, and "1" is not 1 (numbers compare by value)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


@dataclass(frozen=True)
class Context:
    """What a constraint may compare with: the stack (from the resource's URN) and the config."""

    project: str
    stack: str
    account: str
    region: str
    config: Mapping[str, Any]
    props: Mapping[str, Any]  # the resource's inputs, plain (UNKNOWN for unknowns)

    @property
    def prefix(self) -> str:
        """How every physical name of the stack starts (the deploy roles may touch only these)."""
        return f"{self.project}-{self.stack}"

    def fill(self, template: str, escape: bool = True) -> str:
        """A pattern or shape with {prefix}, {account}, {region}, {stack} and {project} filled
        in (escaped for a pattern); other braces, such as regex counts, stay as they are."""
        for key, value in (
            ("prefix", self.prefix),
            ("account", self.account),
            ("region", self.region),
            ("stack", self.stack),
            ("project", self.project),
        ):
            template = template.replace("{" + key + "}", re.escape(value) if escape else value)
        return template


# -- constraints -----------------------------------------------------------------------------------


class Constraint:
    """What one input (or one key of a nested object) may be."""

    # Whether a value unknown at preview passes: only references and documents other rules read.
    accepts_unknown = False

    def accepts(self, ctx: Context) -> str:
        raise NotImplementedError

    def problems(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if value is UNKNOWN:
            if not self.accepts_unknown:
                yield (
                    f"{where} is not known until apply, so it cannot be decided at preview; it "
                    f"must be {self.accepts(ctx)}: set it from a literal or the stack's config, "
                    "not from another resource's output"
                )
            return
        yield from self.known(value, where, ctx)

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        raise NotImplementedError


@dataclass(frozen=True)
class OneOf(Constraint):
    values: tuple[Any, ...]
    why: str = ""

    def accepts(self, ctx: Context) -> str:
        if len(self.values) == 1:
            return shown(self.values[0])
        return "one of " + ", ".join(shown(v) for v in self.values)

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not any(_same(value, allowed) for allowed in self.values):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}" + (
                f": {self.why}" if self.why else ""
            )


def exactly(value: Any, why: str = "") -> OneOf:
    return OneOf((value,), why)


BOOLEAN = OneOf((True, False))


@dataclass(frozen=True)
class Number(Constraint):
    low: float
    high: float
    why: str = ""
    integer: bool = False
    high_open: bool = False  # the high end itself is excluded

    def accepts(self, ctx: Context) -> str:
        kind = "a whole number" if self.integer else "a number"
        top = f"below {fmt(self.high)}" if self.high_open else f"{fmt(self.high)}"
        if self.high_open:
            return f"{kind} from {fmt(self.low)} and {top}"
        return f"{kind} from {fmt(self.low)} to {top}"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok:
            number = float(value)
            ok = self.low <= number and (
                number < self.high if self.high_open else number <= self.high
            )
            ok = ok and (not self.integer or number.is_integer())
        if not ok:
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}" + (
                f": {self.why}" if self.why else ""
            )


@dataclass(frozen=True)
class Text(Constraint):
    """A string matching `pattern` (a template: {prefix}, {account}, {region}, {stack})."""

    pattern: str
    shape: str  # what it is, for messages (same template keys, unescaped)
    why: str = ""

    def accepts(self, ctx: Context) -> str:
        return ctx.fill(self.shape, escape=False)

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, str) or not re.fullmatch(ctx.fill(self.pattern), value, re.S):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}" + (
                f": {self.why}" if self.why else ""
            )


def free_text(limit: int) -> Text:
    return Text(
        rf"[^\x00-\x08\x0b\x0c\x0e-\x1f]{{0,{limit}}}", f"text of at most {limit} characters"
    )


@dataclass(frozen=True)
class Ref(Text):
    """The id, name or ARN of another resource of this stack: its provenance is
    stack-references-own-resources' (or the named rule's) to check, so a value unknown at preview
    passes; a known value must still have this stack's account, region and names."""

    checked_by: str = OWN_REFERENCES
    accepts_unknown = True

    def accepts(self, ctx: Context) -> str:
        return f"{ctx.fill(self.shape, escape=False)} (a reference, checked by {self.checked_by})"


@dataclass(frozen=True)
class CheckedBy(Constraint):
    """A value another rule decides; `literal`: it must be known at preview (a document or a
    reference built from other resources' outputs may not be)."""

    rule: str
    literal: bool = True

    @property
    def accepts_unknown(self) -> bool:  # type: ignore[override]
        return not self.literal

    def accepts(self, ctx: Context) -> str:
        return f"a literal value ({self.rule} checks it)"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Later(Constraint):
    """A literal whose value a check of the whole resource decides (with the inputs it depends
    on); here only that it is known at preview."""

    what: str

    def accepts(self, ctx: Context) -> str:
        return f"a literal ({self.what})"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Free(Constraint):
    """Any value, known or not: it changes nothing the service does."""

    why: str
    accepts_unknown = True

    def accepts(self, ctx: Context) -> str:
        return f"any value ({self.why})"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        return iter(())


@dataclass(frozen=True)
class Empty(Constraint):
    """Set to nothing: an empty object or list."""

    why: str  # follows "sets <where>"

    def accepts(self, ctx: Context) -> str:
        return "empty"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if value not in ({}, [], ""):
            yield f"sets {where}{self.why}"


@dataclass(frozen=True)
class Obj(Constraint):
    """A nested object: only these keys, each with its constraint; `refused`: keys reviewed and
    refused, with the reason; `required`: keys that must be set, with the reason."""

    fields: Mapping[str, Constraint]
    refused: Mapping[str, str] = field(default_factory=dict)
    required: Mapping[str, str] = field(default_factory=dict)

    def accepts(self, ctx: Context) -> str:
        return f"an object of {', '.join(sorted(self.fields))}"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}"
            return
        yield from members(value, where, self.fields, self.refused, ctx, f"{where} takes only")
        for key, why in self.required.items():
            if value.get(key) is None:
                yield f"{where} sets no {key}; {why}"


@dataclass(frozen=True)
class ListOf(Constraint):
    item: Constraint
    low: int = 0
    high: int | None = None
    why: str = ""

    def accepts(self, ctx: Context) -> str:
        count = f"{self.low} to {self.high}" if self.high is not None else f"at least {self.low}"
        return f"a list of {count} items"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, list):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}"
            return
        if len(value) < self.low or (self.high is not None and len(value) > self.high):
            yield f"{where} has {len(value)} items; it must be {self.accepts(ctx)}" + (
                f": {self.why}" if self.why else ""
            )
        for index, item in enumerate(value):
            yield from self.item.problems(item, f"{where}[{index}]", ctx)


@dataclass(frozen=True)
class MapOf(Constraint):
    key: Text
    value: Constraint
    high: int = 50

    def accepts(self, ctx: Context) -> str:
        return f"an object of at most {self.high} keys, each {self.key.accepts(ctx)}"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, Mapping) or len(value) > self.high:
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}"
            return
        for key in sorted(value):
            yield from self.key.known(key, f"{where} key", ctx)
            yield from self.value.problems(value[key], f"{where}.{key}", ctx)


_TAG_KEY = r"(?!aws:)[A-Za-z0-9 _.:/=+@-]{1,128}"
_TAG_VALUE = r"[A-Za-z0-9 _.:/=+@-]{0,256}"


@dataclass(frozen=True)
class Tags(Constraint):
    """The stack's tags: project and stack name the URN's, so the AWS Budgets budget (which
    filters on the stack tag) and cost allocation see what the resource costs."""

    def accepts(self, ctx: Context) -> str:
        return f"tags with project '{ctx.project}' and stack '{ctx.stack}'"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}"
            return
        for key, wanted in (("project", ctx.project), ("stack", ctx.stack)):
            if not _same(value.get(key), wanted):
                yield (
                    f"{where}.{key} is {shown(value.get(key))}; it must be '{wanted}': the "
                    "stack's budget watches the spend tagged with its stack, so an untagged or "
                    "mistagged resource costs money nobody is warned about"
                )
        for key in sorted(value):
            if key in ("project", "stack"):
                continue
            item = value[key]
            if not re.fullmatch(_TAG_KEY, key) or not isinstance(item, str):
                yield f"{where}.{key} is not a tag this stack may set (a key not starting with aws:, a string value)"
            elif not re.fullmatch(_TAG_VALUE, item):
                yield f"{where}.{key} is {shown(item)}; a tag value is at most 256 plain characters"


@dataclass(frozen=True)
class TagsAll(Constraint):
    """What Check merged for AWS: exactly the resource's own tags, so AWS gets the tags `tags`
    shows (the stacks set neither aws:defaultTags nor aws:ignoreTags)."""

    def accepts(self, ctx: Context) -> str:
        return "the resource's own tags"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        own = ctx.props.get("tags")
        if own is UNKNOWN:
            return  # reported by tags
        if not _same_tags(value, own or {}):
            yield (
                f"{where} is not the resource's own tags: the provider's default tags "
                "(aws:defaultTags) or ignored tags (aws:ignoreTags) change what AWS gets, and "
                "this stack sets neither"
            )


def _same_tags(a: Any, b: Any) -> bool:
    return (
        isinstance(a, Mapping)
        and isinstance(b, Mapping)
        and set(a) == set(b)
        and all(_same(a[k], b[k]) for k in a)
    )


@dataclass(frozen=True)
class Switch(Constraint):
    """Off unless the stack's policy config allows it (`key`); anything but false counts as on."""

    key: str
    why: str  # follows "enables <where>; "

    def accepts(self, ctx: Context) -> str:
        return f"false (true only where {self.key} is true)"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not switched_on(value):
            return
        allowed = ctx.config.get(self.key, False)
        if not isinstance(allowed, bool):
            yield f"cannot be checked: policy parameter '{self.key}' is not a boolean"
        elif not allowed:
            yield f"enables {where}; {self.why}"


_KMS_KEY_ARN = r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):key/[0-9a-f-]{36}"


@dataclass(frozen=True)
class KmsKey(Constraint):
    """A customer managed key only where the config lists it, and only of this account and
    region: whoever controls a key can make what it encrypts unreadable (disable or schedule it
    for deletion), and it is billed monthly and per request outside the budget."""

    def accepts(self, ctx: Context) -> str:
        return f"a key listed in {ALLOWED_KMS_KEYS} (of account {ctx.account}, {ctx.region})"

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        match = re.fullmatch(_KMS_KEY_ARN, value) if isinstance(value, str) else None
        if match is None:
            yield (
                f"{where} is {shown(value)}, not a KMS key ARN (arn:aws:kms:<region>:<account>:"
                "key/<id>); an alias or a key id could name any key"
            )
            return
        if match.group("account") != ctx.account or match.group("region") != ctx.region:
            yield (
                f"{where} names a key of account {match.group('account')} in "
                f"{match.group('region')}; this stack's keys are in account {ctx.account}, "
                f"{ctx.region}: another account's key holder could make the table unreadable"
            )
            return
        allowed = ctx.config.get(ALLOWED_KMS_KEYS, [])
        if not isinstance(allowed, list) or value not in allowed:
            yield (
                f"{where} is the customer managed key {value!r}, which {ALLOWED_KMS_KEYS} does "
                "not list; a customer key is billed monthly and per request outside the budget, "
                "and disabling or deleting it makes the table unreadable: leave kmsKeyArn unset "
                f"(the AWS managed key) or list the key in the stack's policy config"
            )


@dataclass(frozen=True)
class AccessLogFormat(Constraint):
    """The access log carries the trace: who called what, when, and what came back."""

    variables: tuple[str, ...]

    def accepts(self, ctx: Context) -> str:
        return "an access log format with " + ", ".join(self.variables)

    def known(self, value: Any, where: str, ctx: Context) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{where} is {shown(value)}; it must be {self.accepts(ctx)}"
            return
        missing = [
            v for v in self.variables if not re.search(re.escape(v) + r"(?![A-Za-z.])", value)
        ]
        if missing:
            yield (
                f"{where} leaves out {', '.join(missing)}; every access log line says who called "
                "what, when and what came back, so the log can answer for every request"
            )


def members(
    value: Mapping[str, Any],
    where: str,
    fields: Mapping[str, Constraint],
    refused: Mapping[str, str],
    ctx: Context,
    takes: str,
) -> Iterator[str]:
    """Problems of an object's keys: refused ones with their reason, unlisted ones by name."""
    for key in sorted(value):
        item = value[key]
        if item is None:
            continue  # unset
        path = f"{where}.{key}" if where else key
        if key in refused:
            yield f"sets {path}; {refused[key]}"
        elif key not in fields:
            yield (
                f"sets {path}, an input this pack has not reviewed; {takes} "
                f"{', '.join(sorted(fields))}"
            )
        else:
            yield from fields[key].problems(item, path, ctx)


# -- the allow-list --------------------------------------------------------------------------------

Check = Callable[[Context], Iterator[str]]


@dataclass(frozen=True)
class TypeSpec:
    inputs: Mapping[str, Constraint]
    refused: Mapping[str, str] = field(default_factory=dict)
    required: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()


REGION_INPUT = CheckedBy(STACK_REGION)
TAGS_WHY = "the stack's budget watches the spend tagged with its stack"
_NAME_WHY = (
    "every physical name starts with the stack's prefix: the deploy roles bootstrap/ creates may "
    "act only on such names, and the alarm topic takes alarms named so"
)


def stack_name(joined: bool = True, chars: str = "A-Za-z0-9_.-") -> Text:
    """A physical name of this stack: '<project>-<stack>-...' (or the prefix alone)."""
    if joined:
        return Text(rf"{{prefix}}-[{chars}]+", "a name starting with '{prefix}-'", _NAME_WHY)
    return Text(
        rf"{{prefix}}(-[{chars}]+)?", "'{prefix}' or a name starting with '{prefix}-'", _NAME_WHY
    )


def tagged(inputs: Mapping[str, Constraint]) -> dict[str, Constraint]:
    """A taggable, regional type: tags (required), tagsAll (what Check merges) and region."""
    return {**inputs, "tags": Tags(), "tagsAll": TagsAll(), "region": REGION_INPUT}


_TAGS_REQUIRED = {"tags": f"set the stack's tags (project, stack): {TAGS_WHY}"}

SNS_TOPIC_ARN = Ref(
    r"arn:aws:sns:{region}:{account}:{prefix}-[A-Za-z0-9_-]+",
    "the ARN of a topic of this stack (arn:aws:sns:{region}:{account}:{prefix}-...)",
)
API_ID = Ref(r"[a-z0-9]{10}", "a REST API id of this stack")
STAGE_NAME = Text(r"[A-Za-z0-9_]{1,128}", "a stage name (letters, digits, _; up to 128)")
DESCRIPTION = free_text(1024)

# -- API Gateway ----

ACCESS_LOG_VARIABLES = (
    "$context.requestId",
    "$context.identity.sourceIp",
    "$context.requestTime",
    "$context.httpMethod",
    "$context.resourcePath",
    "$context.status",
)
_STAGE_VARIABLES = " (stage variables); no mapping template reads any, so set none"

_STAGE = TypeSpec(
    inputs=tagged(
        {
            "accessLogSettings": Obj(
                {
                    "destinationArn": Ref(
                        r"arn:aws:logs:{region}:{account}:log-group:{prefix}-[A-Za-z0-9_./#-]+",
                        "the ARN of a log group of this stack "
                        "(arn:aws:logs:{region}:{account}:log-group:{prefix}-...)",
                    ),
                    "format": AccessLogFormat(ACCESS_LOG_VARIABLES),
                }
            ),
            "cacheClusterEnabled": CheckedBy(NO_CACHE),
            "deployment": Ref(r"[a-z0-9]{1,32}", "a deployment id of this stack"),
            "description": DESCRIPTION,
            "documentationVersion": free_text(64),
            "restApi": API_ID,
            "stageName": STAGE_NAME,
            "variables": Empty(_STAGE_VARIABLES),
            "xrayTracingEnabled": Switch(
                ALLOW_XRAY,
                "X-Ray bills per trace recorded, outside the stack's budget, and keeps each "
                f"traced request's URL for 30 days; allow it with {ALLOW_XRAY} in the stack's "
                "policy config if the stack needs traces",
            ),
        }
    ),
    refused={
        "canarySettings": (
            "a canary sends a share of the stage's traffic to another deployment (possibly one "
            "made outside this program, whose API document no rule checked) with its own stage "
            "variables"
        ),
        "clientCertificateId": (
            "a client certificate authenticates API Gateway to HTTP backends, and this service's "
            "only backend is DynamoDB, called with the integration role"
        ),
        "cacheClusterSize": "the service caches nothing, so there is no cache to size",
    },
    required=_TAGS_REQUIRED,
)

_DEPLOYMENT = TypeSpec(
    inputs={
        "description": DESCRIPTION,
        "region": REGION_INPUT,
        "restApi": API_ID,
        "triggers": MapOf(
            Text(r"[A-Za-z0-9_.-]{1,64}", "a trigger name"),
            Free("a trigger only makes a new deployment when it changes"),
            high=10,
        ),
        "variables": Empty(_STAGE_VARIABLES),
    },
    refused={
        "stageName": (
            "a deployment that names a stage creates or redeploys that stage outside the Stage "
            "resource, whose inputs this rule checks"
        ),
    },
)

_NOT_CACHED = "the service caches nothing"
_METHOD_SETTINGS = TypeSpec(
    inputs={
        "methodPath": Text(
            r"\*/\*|[A-Za-z0-9._~{}+-]+(/[A-Za-z0-9._~{}+-]+)*/(\*|GET|HEAD|OPTIONS|POST|PUT|PATCH|DELETE)",
            "'*/*' or '<resource path>/<METHOD>'",
        ),
        "region": REGION_INPUT,
        "restApi": API_ID,
        "settings": Obj(
            {
                "cachingEnabled": CheckedBy(NO_CACHE),
                "dataTraceEnabled": CheckedBy(ACCESS_LOGGING),
                "loggingLevel": exactly(
                    "OFF",
                    "execution logs go to a log group API Gateway creates outside the stack "
                    "(API-Gateway-Execution-Logs_<api>/<stage>), kept forever; the access log "
                    "is the trace",
                ),
                "metricsEnabled": exactly(
                    False,
                    "detailed metrics are billed per method and metric, outside the budget; the "
                    "alarms read the stage's free metrics",
                ),
                "throttlingBurstLimit": CheckedBy(THROTTLING),
                "throttlingRateLimit": CheckedBy(THROTTLING),
            },
            refused={
                "cacheDataEncrypted": _NOT_CACHED,
                "cacheTtlInSeconds": _NOT_CACHED,
                "requireAuthorizationForCacheControl": _NOT_CACHED,
                "unauthorizedCacheControlHeaderStrategy": _NOT_CACHED,
            },
        ),
        "stageName": Ref(r"[A-Za-z0-9_]{1,128}", "a stage name of this stack"),
    },
)

_REST_API = TypeSpec(
    inputs=tagged(
        {
            "body": CheckedBy(API_DOCUMENT_RULES, literal=False),
            "description": DESCRIPTION,
            "endpointConfiguration": Obj(
                {
                    "types": exactly(
                        "REGIONAL",
                        "an EDGE API is fronted by a CloudFront distribution this stack does not "
                        "see, a PRIVATE one needs VPC endpoints and a resource policy",
                    )
                },
                required={"types": "name the endpoint type, REGIONAL"},
            ),
            "name": stack_name(joined=False),
            # Check's default is overwrite; an unknown or other value is decided here.
            "putRestApiMode": exactly(
                "overwrite",
                "merge keeps every resource and method the document no longer lists (and any "
                "added outside it), routes no rule reads",
            ),
            "policy": CheckedBy(AUTHORIZATION),
        }
    ),
    refused={
        "parameters": (
            "import parameters change how API Gateway reads the document (ignore=documentation, "
            "basepath=...); the rules read the document as written"
        ),
        "disableExecuteApiEndpoint": "the execute-api endpoint is the service's only endpoint",
        "endpointAccessMode": "the service's API is REGIONAL and public",
    },
    required={
        **_TAGS_REQUIRED,
        "endpointConfiguration": (
            "without one AWS creates an EDGE API, fronted by a CloudFront distribution outside "
            "the stack; set endpointConfiguration.types REGIONAL"
        ),
    },
)

# -- DynamoDB ----

_ATTRIBUTE = Text(r"[A-Za-z0-9_.-]{1,255}", "an attribute name")
_TABLE = TypeSpec(
    inputs=tagged(
        {
            "attributes": ListOf(
                Obj({"name": _ATTRIBUTE, "type": OneOf(("S", "N", "B"))}), low=1, high=10
            ),
            "billingMode": CheckedBy(CAPACITY),
            "deletionProtectionEnabled": CheckedBy(DATA_PROTECTION),
            "globalSecondaryIndexes": ListOf(
                Obj(
                    {
                        "keySchemas": ListOf(
                            Obj({"attributeName": _ATTRIBUTE, "keyType": OneOf(("HASH", "RANGE"))}),
                            low=1,
                            high=2,
                        ),
                        "name": Text(r"[A-Za-z0-9_.-]{3,255}", "an index name"),
                        "nonKeyAttributes": ListOf(_ATTRIBUTE, high=20),
                        "projectionType": OneOf(("ALL", "KEYS_ONLY", "INCLUDE")),
                        "readCapacity": CheckedBy(CAPACITY),
                        "writeCapacity": CheckedBy(CAPACITY),
                    },
                    refused={
                        "warmThroughput": "the service pre-warms nothing (billed capacity)",
                        "onDemandThroughput": "the table is provisioned, within the caps",
                    },
                ),
                high=5,
            ),
            "hashKey": _ATTRIBUTE,
            "name": stack_name(),
            "pointInTimeRecovery": Obj(
                {
                    "enabled": CheckedBy(DATA_PROTECTION),
                    "recoveryPeriodInDays": exactly(
                        35,
                        "fewer days leave less time to notice a bad write and restore from "
                        "before it; 35 is DynamoDB's maximum and its default "
                        "(PointInTimeRecoverySpecification)",
                    ),
                }
            ),
            "rangeKey": _ATTRIBUTE,
            "readCapacity": CheckedBy(CAPACITY),
            "serverSideEncryption": Obj(
                {
                    "enabled": exactly(
                        True,
                        "the table is encrypted with a KMS key of this account (aws/dynamodb, "
                        f"or a customer key {ALLOWED_KMS_KEYS} lists), whose use CloudTrail "
                        "records",
                    ),
                    "kmsKeyArn": KmsKey(),
                }
            ),
            "tableClass": CheckedBy(CAPACITY),
            "ttl": Obj(
                {
                    "attributeName": exactly(
                        "expiresAt",
                        "the attribute only the smoke tests' comments carry; another attribute "
                        "could expire real comments",
                    ),
                    "enabled": BOOLEAN,
                }
            ),
            "writeCapacity": CheckedBy(CAPACITY),
        }
    ),
    refused={
        "replicas": (
            "a replica is a copy of the comments in another region, outside the stack's "
            "alarms and budget"
        ),
        "streamEnabled": (
            "a stream hands every change, comment text included, to whoever reads it; nothing "
            "here reads one"
        ),
        "streamViewType": "the table has no stream",
        "restoreSourceName": "a restore fills the table with another table's data",
        "restoreSourceTableArn": "a restore fills the table with another table's data",
        "restoreBackupArn": "a restore fills the table with a backup's data",
        "restoreDateTime": "a restore fills the table with another table's data",
        "restoreToLatestTime": "a restore fills the table with another table's data",
        "importTable": "an import fills the table from S3, with data no validator checked",
        "warmThroughput": "the service pre-warms nothing (billed capacity)",
        "onDemandThroughput": "the table is provisioned, within the caps",
        "globalTableWitness": "the table has no replicas",
    },
    required=_TAGS_REQUIRED,
)

# -- IAM ----

_ROLE = TypeSpec(
    inputs={
        "assumeRolePolicy": CheckedBy(TRUST),
        "description": DESCRIPTION,
        "maxSessionDuration": Number(
            900,
            3600,
            "a session of a moderator (or of the API) lasts at most an hour, so leaked "
            "credentials expire soon",
            integer=True,
        ),
        "name": stack_name(chars="A-Za-z0-9+=,.@_-"),
        "path": exactly("/", "the boundary and the deploy roles' grants are for roles at /"),
        "permissionsBoundary": Text(
            r"arn:aws:iam::{account}:policy/github-pipeline/{prefix}-integration-boundary",
            "the boundary bootstrap/ creates (arn:aws:iam::{account}:policy/github-pipeline/"
            "{prefix}-integration-boundary)",
        ),
        "tags": Tags(),
        "tagsAll": TagsAll(),
    },
    refused={
        "inlinePolicies": (
            "the service grants through RolePolicy resources, which the stack rules tie to the "
            "stack's table and API"
        ),
        "managedPolicyArns": "the service attaches no managed policy",
        "namePrefix": "names are the stack's auto-names",
    },
    required=_TAGS_REQUIRED,
)

_ROLE_POLICY = TypeSpec(
    inputs={
        "name": stack_name(),
        "policy": CheckedBy(LEAST_PRIVILEGE, literal=False),
        "role": Ref(r"{prefix}-[A-Za-z0-9+=,.@_-]+", "a role of this stack"),
    },
    refused={"namePrefix": "names are the stack's auto-names"},
)

# -- CloudWatch ----

_LOG_GROUP = TypeSpec(
    inputs=tagged(
        {"name": stack_name(chars="A-Za-z0-9_./#-"), "retentionInDays": CheckedBy(ACCESS_LOGGING)}
    ),
    refused={
        "kmsKeyId": "a customer key is billed outside the budget and can make the logs unreadable",
        "logGroupClass": "STANDARD is the class whose logs can be queried and alarmed on",
        "skipDestroy": "it leaves the logs behind after a destroy, outside every stack",
        "namePrefix": "names are the stack's auto-names",
    },
    required=_TAGS_REQUIRED,
)

ALARM_PERIODS = (60, 300, 900, 3600)
# CloudWatch: an alarm of a period below an hour evaluates at most a day (PutMetricAlarm).
MAX_EVALUATION_SECONDS = 86_400
_PERIOD = OneOf(
    ALARM_PERIODS,
    "the periods the stack's settings offer; below 60 s an alarm is high-resolution (billed "
    "higher) and API Gateway and DynamoDB publish per minute anyway",
)


@dataclass(frozen=True)
class AlarmMetric:
    """A metric the service alarms on, and what makes an alarm on it able to fire."""

    dimensions: tuple[str, ...]
    statistics: tuple[str, ...]  # statistic values, or extendedStatistic ones if `extended`
    threshold: Number
    extended: bool = False


_RATE = Number(
    0.01,
    1,
    "the share of requests with that status (an average of 0s and 1s), so 1 or more never fires",
    high_open=True,
)
ALARM_METRICS: dict[tuple[str, str], AlarmMetric] = {
    ("AWS/ApiGateway", "5XXError"): AlarmMetric(("ApiName", "Stage"), ("Average",), _RATE),
    ("AWS/ApiGateway", "4XXError"): AlarmMetric(("ApiName", "Stage"), ("Average",), _RATE),
    ("AWS/ApiGateway", "Latency"): AlarmMetric(
        ("ApiName", "Stage"),
        ("p90", "p95", "p99"),
        Number(
            50,
            29_000,
            "milliseconds; API Gateway ends an integration after 29 s, so a higher latency is "
            "never seen",
        ),
        extended=True,
    ),
    ("AWS/DynamoDB", "ReadThrottleEvents"): AlarmMetric(
        ("TableName",),
        ("Sum",),
        Number(1, 10, "throttled requests per period: the first ones are what users feel"),
    ),
    ("AWS/DynamoDB", "WriteThrottleEvents"): AlarmMetric(
        ("TableName",),
        ("Sum",),
        Number(1, 10, "throttled requests per period: the first ones are what users feel"),
    ),
}
_DIMENSION_VALUES: dict[str, Constraint] = {
    "ApiName": Ref(r"{prefix}(-[A-Za-z0-9_.-]+)?", "the name of a REST API of this stack"),
    "Stage": Ref(r"[A-Za-z0-9_]{1,128}", "a stage name of this stack"),
    "TableName": Ref(r"{prefix}-[A-Za-z0-9_.-]+", "the name of a table of this stack"),
}
# The one metric-math alarm the service has: consumed capacity as a share of provisioned.
CAPACITY_EXPRESSION = "100 * (consumed / PERIOD(consumed)) / provisioned"
_CAPACITY_THRESHOLD = Number(
    10, 100, "percent of the provisioned capacity (the stack's settings take 10..100)"
)
_QUERY = Obj(
    {
        "expression": exactly(
            CAPACITY_EXPRESSION, "the alarm's expression is what it fires on, so it is reviewed"
        ),
        "id": OneOf(("consumed", "provisioned", "utilization")),
        "label": free_text(255),
        "metric": Obj(
            {
                "dimensions": Obj(
                    {"TableName": _DIMENSION_VALUES["TableName"]},
                    required={"TableName": "the metric is the table's"},
                ),
                "metricName": OneOf(
                    (
                        "ConsumedReadCapacityUnits",
                        "ProvisionedReadCapacityUnits",
                        "ConsumedWriteCapacityUnits",
                        "ProvisionedWriteCapacityUnits",
                    )
                ),
                "namespace": exactly("AWS/DynamoDB"),
                "period": _PERIOD,
                "stat": OneOf(("Sum", "Average")),
            },
            refused={"unit": "a unit no datapoint has makes the alarm see nothing"},
        ),
        "returnData": BOOLEAN,
    },
    refused={
        "accountId": "an alarm of this stack watches this account's metrics",
        "period": "the period is the metric's",
    },
)


def _alarm_checks(ctx: Context) -> Iterator[str]:
    """What decides whether an alarm can fire: its metric, statistic, threshold and window.
    (An input unknown at preview is reported by its field; it is not judged again here.)"""
    props = ctx.props
    metric, queries = props.get("metricName"), props.get("metricQueries")
    if (metric is None) == (queries is None):
        yield "must set either metricName (one metric) or metricQueries (the capacity expression)"
        return
    periods = _known_number(props.get("evaluationPeriods"))
    datapoints = _known_number(props.get("datapointsToAlarm"))
    if periods is not None and datapoints is not None and datapoints > periods:
        yield (
            f"datapointsToAlarm is {fmt(datapoints)}, more than evaluationPeriods "
            f"({fmt(periods)}); the alarm could never collect enough breaching datapoints"
        )
    threshold: Constraint = _CAPACITY_THRESHOLD
    if metric is not None:
        namespace = props.get("namespace")
        if UNKNOWN in (metric, namespace):
            return
        spec = ALARM_METRICS.get((namespace, metric)) if isinstance(namespace, str) else None
        if spec is None:
            watched = ", ".join(f"{n} {m}" for n, m in ALARM_METRICS)
            yield (
                f"alarms on {shown(namespace)} {shown(metric)}, a metric this pack has not "
                f"reviewed; the service's alarms watch {watched} and the capacity expression"
            )
            return
        yield from _single_metric(ctx, str(metric), spec)
        threshold = spec.threshold
        period = _known_number(props.get("period"))
    else:
        yield from _capacity_queries(queries)
        metrics = (
            [q.get("metric") for q in queries if isinstance(q, Mapping)]
            if isinstance(queries, list)
            else []
        )
        period = next(
            (_known_number(m.get("period")) for m in metrics if isinstance(m, Mapping)), None
        )
        if props.get("period") is not None:
            yield "sets period; a metric-math alarm's period is each metric's"
    value = props.get("threshold")
    if value is None:
        yield "sets no threshold"
    elif value is not UNKNOWN:
        yield from threshold.known(value, "threshold", ctx)
    if period is not None and periods is not None and period * periods > MAX_EVALUATION_SECONDS:
        yield (
            f"looks back {fmt(period * periods)} s (period x evaluationPeriods); the stack's "
            f"alarms look back at most a day ({MAX_EVALUATION_SECONDS} s), CloudWatch's limit "
            "for periods below an hour"
        )


def _known_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _single_metric(ctx: Context, metric: str, spec: AlarmMetric) -> Iterator[str]:
    props = ctx.props
    if props.get("period") is None:
        yield "sets no period"
    if spec.extended:
        statistic = props.get("extendedStatistic")
        if statistic is not UNKNOWN:
            yield from OneOf(spec.statistics).problems(statistic, "extendedStatistic", ctx)
        if props.get("statistic") is not None:
            yield f"sets statistic; an alarm on {metric} uses extendedStatistic"
    else:
        statistic = props.get("statistic")
        if statistic is not UNKNOWN:
            yield from OneOf(
                spec.statistics, f"the statistic that measures {metric} as the alarm means"
            ).problems(statistic, "statistic", ctx)
        for key in ("extendedStatistic", "evaluateLowSampleCountPercentiles"):
            if props.get(key) is not None:
                yield f"sets {key}; an alarm on {metric} uses statistic"
    dimensions = props.get("dimensions")
    if dimensions is UNKNOWN:
        return
    if not isinstance(dimensions, Mapping) or set(dimensions) != set(spec.dimensions):
        have = ", ".join(sorted(dimensions)) if isinstance(dimensions, Mapping) else "none"
        yield (
            f"dimensions are {have}; an alarm on {metric} names exactly "
            f"{', '.join(spec.dimensions)}, or it watches nothing of this stack"
        )
        return
    for key in spec.dimensions:
        yield from _DIMENSION_VALUES[key].problems(dimensions[key], f"dimensions.{key}", ctx)


def _capacity_queries(queries: Any) -> Iterator[str]:
    """The capacity alarm's three queries: consumed and provisioned units of one dimension (read
    or write) of one table, and the expression, the only one returning data."""
    if not isinstance(queries, list):
        return  # the field constraint says what it must be
    by_id = {q.get("id"): q for q in queries if isinstance(q, Mapping)}
    if len(queries) != 3 or set(by_id) != {"consumed", "provisioned", "utilization"}:
        yield (
            "metricQueries must be exactly the capacity expression's three queries: consumed, "
            "provisioned and utilization"
        )
        return
    if not _has_unknown([q.get("returnData") for q in by_id.values()]):
        returning = sorted(str(i) for i, q in by_id.items() if q.get("returnData") is True)
        if returning != ["utilization"]:
            yield (
                f"metricQueries return data from {', '.join(returning) or 'none'}; only "
                "'utilization' (the expression) may, or the alarm fires on another series"
            )
    consumed = by_id["consumed"].get("metric")
    provisioned = by_id["provisioned"].get("metric")
    utilization = by_id["utilization"]
    if utilization.get("metric") is not None or utilization.get("expression") is None:
        yield "metricQueries 'utilization' must be the expression, with no metric of its own"
    for query_id in ("consumed", "provisioned"):
        if by_id[query_id].get("expression") is not None or by_id[query_id].get("metric") is None:
            yield f"metricQueries '{query_id}' must be a metric, with no expression"
    if not isinstance(consumed, Mapping) or not isinstance(provisioned, Mapping):
        return

    def differ(key: str, pairs: tuple[tuple[Any, Any], ...] | None = None) -> bool:
        """Whether the two metrics' `key` fails `pairs` (or differs); unknowns are the field's."""
        values = (consumed.get(key), provisioned.get(key))
        if _has_unknown(list(values)):
            return False
        return values not in pairs if pairs is not None else values[0] != values[1]

    if differ(
        "metricName",
        (
            ("ConsumedReadCapacityUnits", "ProvisionedReadCapacityUnits"),
            ("ConsumedWriteCapacityUnits", "ProvisionedWriteCapacityUnits"),
        ),
    ):
        yield (
            f"metricQueries compare {shown(consumed.get('metricName'))} with "
            f"{shown(provisioned.get('metricName'))}; 'consumed' and 'provisioned' are "
            "Consumed<Read|Write>CapacityUnits and the matching Provisioned one"
        )
    if differ("stat", (("Sum", "Average"),)):
        yield "metricQueries 'consumed' is the Sum and 'provisioned' the Average of their metric"
    if differ("period"):
        yield "metricQueries 'consumed' and 'provisioned' have different periods"
    if differ("dimensions"):
        yield "metricQueries 'consumed' and 'provisioned' watch different tables"


_WITH_METRIC = Later("checked with the alarm's metric")
_ALARM = TypeSpec(
    inputs=tagged(
        {
            "actionsEnabled": exactly(
                True,
                "an alarm with its actions off changes state without telling anyone",
            ),
            "alarmActions": ListOf(SNS_TOPIC_ARN, low=1, high=5),
            "alarmDescription": DESCRIPTION,
            "comparisonOperator": OneOf(
                ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold"),
                "the service's alarms fire when errors, latency, throttles or capacity use rise",
            ),
            "datapointsToAlarm": Number(1, 60, integer=True),
            "dimensions": _WITH_METRIC,
            "evaluateLowSampleCountPercentiles": OneOf(("ignore", "evaluate")),
            "evaluationPeriods": Number(
                1, 60, "the stack's settings take 1..60 periods", integer=True
            ),
            "extendedStatistic": _WITH_METRIC,
            "metricName": _WITH_METRIC,
            "metricQueries": ListOf(_QUERY, low=1, high=3),
            "name": stack_name(),
            "namespace": _WITH_METRIC,
            "okActions": ListOf(SNS_TOPIC_ARN, high=5),
            "period": _PERIOD,
            "statistic": _WITH_METRIC,
            "threshold": _WITH_METRIC,
            "treatMissingData": OneOf(
                ("missing", "ignore", "notBreaching"),
                "'breaching' holds an idle stack's alarm in ALARM, and an alarm that stays in "
                "ALARM never notifies again",
            ),
        }
    ),
    refused={
        "insufficientDataActions": "the service's alarms notify on ALARM and OK only",
        "unit": "a unit no datapoint has makes the alarm see nothing, so it never fires",
        "thresholdMetricId": "the service's alarms compare with a fixed threshold",
        "evaluationCriteria": "the service's alarms are metric alarms with a threshold",
        "evaluationInterval": "the service's alarms are evaluated every period",
        "evaluationWindow": "the service's alarms use CloudWatch's sliding window",
        "warmUpConfiguration": "an alarm warming up takes no action",
    },
    required={
        **_TAGS_REQUIRED,
        "alarmActions": "an alarm that notifies nobody is no alarm; notify the stack's topic",
        "evaluationPeriods": "CloudWatch needs it",
        "comparisonOperator": "CloudWatch needs it",
    },
    checks=(_alarm_checks,),
)

_DASHBOARD = TypeSpec(
    inputs={
        # A dashboard only shows: what its widgets display changes nothing the service does.
        "dashboardBody": free_text(100_000),
        "dashboardName": stack_name(joined=False),
        "region": REGION_INPUT,
    },
)

# -- SNS ----

_TOPIC = TypeSpec(
    inputs=tagged({"name": stack_name(chars="A-Za-z0-9_-")}),
    refused={
        "policy": (
            f"a topic's policy is a TopicPolicy resource, which {TOPIC_PUBLISHERS} reads; an "
            "inline one no rule reads"
        ),
        "kmsMasterKeyId": (
            "CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key, and "
            "the messages hold alarm states, never comment text"
        ),
        "fifoTopic": "e-mail and https endpoints cannot subscribe to a FIFO topic",
        "deliveryPolicy": "SNS's default retries are the service's",
        "archivePolicy": "only FIFO topics archive, and this one is not",
        "namePrefix": "names are the stack's",
        **{
            f"{kind}{outcome}FeedbackRoleArn": (
                "a feedback role is a role SNS assumes, which no rule of this stack checks"
            )
            for kind in ("application", "firehose", "http", "lambda", "sqs")
            for outcome in ("Success", "Failure")
        },
    },
    required=_TAGS_REQUIRED,
)

_TOPIC_POLICY = TypeSpec(
    inputs={
        "arn": SNS_TOPIC_ARN,
        "policy": CheckedBy(TOPIC_PUBLISHERS),
        "region": REGION_INPUT,
    },
)

_EMAIL = r"[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
_HTTPS = r"https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\S*)?"


def _subscription_checks(ctx: Context) -> Iterator[str]:
    protocol, endpoint = ctx.props.get("protocol"), ctx.props.get("endpoint")
    confirms = ctx.props.get("endpointAutoConfirms")
    if endpoint is UNKNOWN:
        pass  # reported by the field
    elif protocol == "email":
        yield from Text(_EMAIL, "an e-mail address").problems(endpoint, "endpoint", ctx)
    elif protocol == "https":
        yield from Text(_HTTPS, "an https:// URL").problems(endpoint, "endpoint", ctx)
    if confirms is True and protocol != "https":
        yield "sets endpointAutoConfirms for an e-mail subscription, which a person confirms"


_TOPIC_SUBSCRIPTION = TypeSpec(
    inputs={
        "confirmationTimeoutInMinutes": exactly(
            1, "the provider's default; https endpoints confirm at once"
        ),
        "endpoint": Later("checked with the protocol"),
        "endpointAutoConfirms": BOOLEAN,
        "protocol": OneOf(
            ("email", "https"),
            "the stack's settings take e-mail addresses and https:// webhooks; SMS is billed per "
            "message, and lambda, sqs, firehose or application endpoints hand the alarms to "
            "resources this stack does not define",
        ),
        "region": REGION_INPUT,
        "topic": SNS_TOPIC_ARN,
    },
    refused={
        "filterPolicy": "a filter policy can drop the very alarms the subscription is for",
        "filterPolicyScope": "the subscription has no filter policy",
        "deliveryPolicy": "SNS's default retries are the service's",
        "rawMessageDelivery": "the endpoints read SNS's own message format",
        "redrivePolicy": "a dead-letter queue is a resource this stack does not define",
        "replayPolicy": "only FIFO topics replay, and this one is not",
        "subscriptionRoleArn": "a subscription role is for Firehose endpoints, which the service has none of",
    },
    required={
        "protocol": "SNS needs it",
        "endpoint": "SNS needs it",
        "topic": "SNS needs it",
    },
    checks=(_subscription_checks,),
)

# -- AWS Budgets ----

BUDGET_TAG_FILTER = "user:stack${stack}"


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return value is UNKNOWN


def _budget_checks(ctx: Context) -> Iterator[str]:
    """The budget watches this stack's spend: the cost filter is the stack's own tag."""
    filters = ctx.props.get("costFilters")
    if filters is None or _has_unknown(filters):
        return  # unset, or reported by the field
    tag = ctx.fill(BUDGET_TAG_FILTER, escape=False)
    if filters != [{"name": "TagKeyValue", "values": [tag]}]:
        have = "; ".join(
            f"{shown(f.get('name'))} {', '.join(shown(v) for v in f.get('values') or [])}"
            for f in filters
            if isinstance(f, Mapping)
        )
        yield (
            f"costFilters is {have or shown(filters)}; it must be the one filter 'TagKeyValue' "
            f"'{tag}': the budget watches the spend tagged with this stack, and another filter "
            "watches someone else's"
        )


_COST_TYPE_DEFAULTS = (
    "includeCredit",
    "includeDiscount",
    "includeOtherSubscription",
    "includeRecurring",
    "includeRefund",
    "includeSubscription",
    "includeSupport",
    "includeTax",
    "includeUpfront",
)
_BUDGET = TypeSpec(
    inputs={
        "accountId": CheckedBy(BUDGET_ACCOUNT),
        "budgetType": exactly("COST"),
        "costFilters": ListOf(
            Obj(
                {
                    "name": exactly("TagKeyValue"),
                    "values": ListOf(Text(r"[^\x00-\x1f]{1,256}", "a cost filter value"), 1, 1),
                }
            ),
            1,
            1,
        ),
        # Check fills each include* with its default, true; a false one hides that cost.
        "costTypes": Obj(
            {
                **{
                    name: exactly(True, "the budget counts every kind of cost")
                    for name in _COST_TYPE_DEFAULTS
                },
                "useAmortized": exactly(False, "the budget counts costs as billed"),
                "useBlended": exactly(False, "the budget counts costs as billed"),
            }
        ),
        # The shape here; the amount against the stack's budget is dynamodb-monthly-cost-budget's.
        "limitAmount": Text(
            r"[0-9]{1,7}(\.[0-9]{1,2})?",
            "an amount in USD (digits, at most two decimals)",
        ),
        "limitUnit": exactly("USD"),
        "name": stack_name(),
        "notifications": ListOf(
            Obj(
                {
                    "comparisonOperator": exactly("GREATER_THAN"),
                    "notificationType": OneOf(("ACTUAL", "FORECASTED")),
                    "subscriberSnsTopicArns": ListOf(SNS_TOPIC_ARN, 1, 1),
                    "threshold": Number(
                        1,
                        100,
                        "percent of the limit: above 100 the warning comes after the money is spent",
                    ),
                    "thresholdType": exactly(
                        "PERCENTAGE", "the threshold is a share of the stack's budget"
                    ),
                },
                refused={
                    "subscriberEmailAddresses": (
                        "the budget notifies the stack's topic, whose subscribers the stack lists"
                    )
                },
            ),
            1,
            10,
        ),
        "tags": Tags(),
        "tagsAll": TagsAll(),
        "timePeriodEnd": exactly(
            "2087-06-15_00:00",
            "the provider's default; an earlier end stops the budget watching",
        ),
        "timeUnit": exactly("MONTHLY", "the stack's budget is monthly"),
    },
    refused={
        "autoAdjustData": "an auto-adjusting limit follows past spend instead of the stack's budget",
        "billingViewArn": "the budget watches this account's own billing",
        "filterExpression": "the budget's filter is the stack's tag (costFilters)",
        "metrics": "the budget counts cost as billed (costTypes)",
        "plannedLimits": "the budget has one monthly limit",
        "timePeriodStart": "a start in the future leaves the budget watching nothing until then",
        "namePrefix": "names are the stack's",
    },
    required={
        **_TAGS_REQUIRED,
        "notifications": "a budget that tells nobody is no budget; notify the stack's topic",
    },
    checks=(_budget_checks,),
)

# -- Application Auto Scaling ----

_DIMENSIONS = ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits")
_SCALED_TABLE = Ref(r"table/{prefix}-[A-Za-z0-9_.-]+", "table/<a table of this stack>")
_SCALING_TARGET = TypeSpec(
    inputs=tagged(
        {
            "maxCapacity": CheckedBy(CAPACITY),
            "minCapacity": CheckedBy(CAPACITY),
            "resourceId": _SCALED_TABLE,
            "scalableDimension": OneOf(
                _DIMENSIONS, "the service scales the table's own capacity, within the caps"
            ),
            "serviceNamespace": exactly("dynamodb"),
        }
    ),
    refused={
        "roleArn": (
            "Application Auto Scaling uses its service-linked role; another role is a grant no "
            "rule of this stack checks"
        ),
        "suspendedState": "suspended scaling leaves the capacity wherever it was",
    },
    required=_TAGS_REQUIRED,
)


def _scaling_policy_checks(ctx: Context) -> Iterator[str]:
    """A read dimension scales on read utilization, a write one on write utilization."""
    dimension = ctx.props.get("scalableDimension")
    config = ctx.props.get("targetTrackingScalingPolicyConfiguration")
    metric = config.get("predefinedMetricSpecification") if isinstance(config, Mapping) else None
    kind = metric.get("predefinedMetricType") if isinstance(metric, Mapping) else None
    if (
        isinstance(dimension, str)
        and isinstance(kind, str)
        and ("Read" in dimension) != ("Read" in kind)
    ):
        yield f"scales {dimension} on {kind}; a dimension scales on its own utilization"


_SCALING_POLICY = TypeSpec(
    inputs={
        "name": stack_name(),
        "policyType": exactly(
            "TargetTrackingScaling",
            "the service keeps utilization at a target; StepScaling (the provider's default) "
            "needs alarms of its own",
        ),
        "region": REGION_INPUT,
        "resourceId": _SCALED_TABLE,
        "scalableDimension": OneOf(_DIMENSIONS),
        "serviceNamespace": exactly("dynamodb"),
        "targetTrackingScalingPolicyConfiguration": Obj(
            {
                "predefinedMetricSpecification": Obj(
                    {
                        "predefinedMetricType": OneOf(
                            ("DynamoDBReadCapacityUtilization", "DynamoDBWriteCapacityUtilization")
                        )
                    },
                    refused={"resourceLabel": "DynamoDB's metrics need no label"},
                    required={"predefinedMetricType": "name the utilization metric"},
                ),
                "scaleInCooldown": Number(0, 3600, integer=True),
                "scaleOutCooldown": Number(0, 3600, integer=True),
                "targetValue": Number(
                    20, 90, "percent utilization (the stack's settings take 20..90)"
                ),
            },
            refused={
                "customizedMetricSpecification": (
                    "a customized metric could scale the table on anything; the service scales "
                    "on DynamoDB's own utilization"
                ),
                "disableScaleIn": "capacity comes back down when it is not used",
            },
            required={
                "predefinedMetricSpecification": "scale on DynamoDB's utilization",
                "targetValue": "name the utilization to keep",
            },
        ),
    },
    refused={
        "stepScalingPolicyConfiguration": "the service scales by target tracking",
        "predictiveScalingPolicyConfiguration": "the service scales by target tracking",
    },
    required={
        "policyType": "without one the provider sends StepScaling",
        "targetTrackingScalingPolicyConfiguration": "the service scales by target tracking",
    },
    checks=(_scaling_policy_checks,),
)

SPECS: dict[str, TypeSpec] = {
    DEPLOYMENT: _DEPLOYMENT,
    METHOD_SETTINGS: _METHOD_SETTINGS,
    REST_API: _REST_API,
    STAGE: _STAGE,
    SCALING_POLICY: _SCALING_POLICY,
    SCALING_TARGET: _SCALING_TARGET,
    BUDGET: _BUDGET,
    DASHBOARD: _DASHBOARD,
    LOG_GROUP: _LOG_GROUP,
    METRIC_ALARM: _ALARM,
    TABLE: _TABLE,
    ROLE: _ROLE,
    ROLE_POLICY: _ROLE_POLICY,
    TOPIC: _TOPIC,
    TOPIC_POLICY: _TOPIC_POLICY,
    TOPIC_SUBSCRIPTION: _TOPIC_SUBSCRIPTION,
    # The program's component: the engine registers it with no inputs.
    COMPONENT: TypeSpec(inputs={}),
}


def stack_of(urn: str) -> tuple[str, str]:
    """(project, stack) of a URN: urn:pulumi:<stack>::<project>::<type>::<name>."""
    parts = urn.split("::")
    stack = parts[0].split(":", 2)[2] if parts[0].count(":") >= 2 else ""
    project = parts[1] if len(parts) > 1 else ""
    return project, stack


PROVIDER_PREFIX = "pulumi:providers:"


def _inputs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    # A provider's inputs (account, region, credentials, endpoints) are providers-stack-config's,
    # for the engine's default provider and any explicit one that rule's config allows.
    if engine_resource(args.resource_type, args.name) or args.resource_type.startswith(
        PROVIDER_PREFIX
    ):
        return
    say = reporter(report, INPUTS, label(args.resource_type, args.name))
    spec = SPECS.get(args.resource_type)
    if spec is None:
        say(
            f"is of type {args.resource_type}, whose inputs this pack has not reviewed; a type is "
            "usable once its inputs are allow-listed in policy/comments_policy/inputs.py, not "
            "only named in allowedResourceTypes"
        )
        return
    config = args.get_config()
    try:
        account, region = config_account(config), config_region(config)
    except ConfigMissing as error:
        misconfigured(report, INPUTS, error)
        return
    props = plain(args.props)
    project, stack = stack_of(args.urn)
    ctx = Context(project, stack, account, region, config, props)
    takes = f"the service's {short_type(args.resource_type)} sets only"
    for problem in members(props, "", spec.inputs, spec.refused, ctx, takes):
        say(problem)
    for name, why in spec.required.items():
        if props.get(name) is None:
            say(f"sets no {name}; {why}")
    for check in spec.checks:
        for problem in check(ctx):
            say(problem)


POLICIES = [
    ResourceValidationPolicy(
        name=INPUTS,
        description=(
            "Every input of every resource is on the pack's allow-list of types, inputs and "
            "values (nested objects included); an unlisted input or type, a value outside its "
            "constraint, or a literal not known at preview is refused."
        ),
        validate=_inputs,
        config_schema=PolicyConfigSchema(
            properties={
                ACCOUNT_ID: dict(ACCOUNT_ID_SCHEMA),
                REGION: {
                    "type": "string",
                    "pattern": r"^[a-z]{2}(-[a-z]+)+-[0-9]+$",
                    "description": "This stack's AWS region: the stack's aws:region.",
                },
                ALLOW_XRAY: {
                    "type": "boolean",
                    "default": False,
                    "description": "Whether stages may enable X-Ray tracing (billed per trace).",
                },
                ALLOWED_KMS_KEYS: {
                    "type": "array",
                    "uniqueItems": True,
                    "default": [],
                    "items": {"type": "string", "pattern": f"^{_KMS_KEY_ARN}$"},
                    "description": (
                        "Customer managed KMS keys (ARNs of this account and region) a table "
                        "may be encrypted with; none by default (the AWS managed key)."
                    ),
                },
            },
            required=[ACCOUNT_ID, REGION],
        ),
    ),
]
