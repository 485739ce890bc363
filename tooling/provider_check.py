"""The inputs an analyzer sees: a resource's inputs after the pulumi-aws provider's Check.

The engine sends each resource to the policy pack with the inputs the provider's Check returned,
not the ones the program registered. For the types our stacks allow, pulumi-aws 7 (a Terraform
bridge provider) adds (docs/reference/provider-check.md has the derivation):

- `region`: the provider config's `aws:region`, unless the input is set (applyRegion; only types
  whose upstream schema has a usable `region` argument; global ones such as IAM and Budgets get none).
- `tagsAll`: the provider's default tags merged with the resource's `tags` (the resource's win),
  minus `aws:ignoreTags`; `{}` when there are none; unknown when `tags` holds an unknown
  (applyTags; SDKv2 types with `tags` and a computed `tags_all`).
- policy documents given as objects become JSON strings (TransformJSONDocument).
- an autoname for the name input when the program sets none: `<logical name>-<7 hex>`.
- the upstream Terraform schema defaults that are not falsy (bridge v3.127.0 and later omit fresh
  `false`, `0` and `""` defaults), at the top level and inside the blocks the program gives.
- `null` inputs are dropped. The bridge's `__defaults` bookkeeping never reaches an analyzer.

If any provider config value is unknown the engine does not call Check at all, and the analyzer
sees the inputs as registered. Components are not checked by a provider.

A type missing from PROVIDER_CHECK raises UnmodelledResourceType: allowing a new type in
policy/config means deriving its row here first.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

# The engine's mark for a value unknown at preview (pulumi/pulumi sdk: rpc.UNKNOWN). Check returns
# an unknown tagsAll or policy document as this string.
UNKNOWN: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Every sentinel the policy SDK treats as unknown (pulumi_policy.proxy: bool, number, string,
# array, asset, archive, object).
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        UNKNOWN,
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)

AUTONAME_RANDOM_CHARS: Final = 7  # tfbridge AutoName: Randlen 7, charset [0-9a-f], separator "-"


class ProviderCheckError(Exception):
    """The provider's Check would fail (or this model cannot say what it returns)."""


class UnmodelledResourceType(ProviderCheckError):
    """The type has no row in PROVIDER_CHECK: derive one from pulumi-aws before allowing it."""


@dataclass(frozen=True)
class Nested:
    """Schema defaults inside a block, filled in the block's object (or each object of a list)."""

    defaults: Mapping[str, DefaultValue]


DefaultValue: TypeAlias = str | float | bool | Nested


@dataclass(frozen=True)
class AutoName:
    """The input the provider names `<logical name>-<7 hex>` when the program leaves it unset."""

    key: str
    maxlen: int
    conflicts_with: tuple[str, ...] = ()  # a set input here (Terraform ConflictsWith) means no name
    fifo_flag: str | None = None  # a True input here appends ".fifo" (the topic's PostTransform)


@dataclass(frozen=True)
class CheckSpec:
    """What Check adds for one resource type."""

    region: bool = False
    tags_all: bool = False
    autoname: AutoName | None = None
    defaults: Mapping[str, DefaultValue] = field(default_factory=dict)
    json_documents: tuple[str, ...] = ()  # inputs given as objects become JSON strings
    component: bool = False  # not a provider resource: nothing is checked

    @property
    def added_inputs(self) -> frozenset[str]:
        """Top-level input keys Check may add (each only under its condition)."""
        keys = {key for key, value in self.defaults.items() if not isinstance(value, Nested)}
        keys |= {"region"} if self.region else set()
        keys |= {"tagsAll"} if self.tags_all else set()
        keys |= {self.autoname.key} if self.autoname else set()
        return frozenset(keys)


_NAME = AutoName("name", 255)
_NAME_OR_PREFIX = AutoName("name", 255, conflicts_with=("namePrefix",))

# Derived from pulumi-aws provider/resources.go providerFromMeta, provider/region.go (applyRegion,
# 72bd5227071b), provider/tags.go (applyTags/mergeTags, e1efaecd1eb1), provider/autonaming.go and
# provider/resource_overrides.go (015d343812852f40), with the per-type facts of
# provider/cmd/pulumi-resource-aws/aws-resource-metadata.json at 237608904dbf07ba01f37c4791384ff56f45958e
# (hasUsableRegion -> region, hasTagsAndTagsAll -> tagsAll, hasInputName -> autoname), the defaults
# from the upstream terraform-provider-aws v6 schemas, and the bridge's Check at
# pulumi-terraform-bridge 59de6c661df1 (v3.136.0). Per-type sources: docs/reference/provider-check.md.
PROVIDER_CHECK: Final[Mapping[str, CheckSpec]] = {
    "aws:apigateway/deployment:Deployment": CheckSpec(region=True),
    "aws:apigateway/methodSettings:MethodSettings": CheckSpec(
        region=True,
        defaults={"settings": Nested({"throttlingBurstLimit": -1.0, "throttlingRateLimit": -1.0})},
    ),
    "aws:apigateway/restApi:RestApi": CheckSpec(
        region=True, tags_all=True, autoname=_NAME, defaults={"putRestApiMode": "overwrite"}
    ),
    "aws:apigateway/stage:Stage": CheckSpec(region=True, tags_all=True),
    "aws:appautoscaling/policy:Policy": CheckSpec(
        region=True,
        autoname=_NAME,
        defaults={
            "policyType": "StepScaling",
            "targetTrackingScalingPolicyConfiguration": Nested(
                {"customizedMetricSpecification": Nested({"metrics": Nested({"returnData": True})})}
            ),
        },
    ),
    "aws:appautoscaling/target:Target": CheckSpec(region=True, tags_all=True),
    "aws:budgets/budget:Budget": CheckSpec(
        tags_all=True,
        autoname=_NAME_OR_PREFIX,
        defaults={
            "timePeriodEnd": "2087-06-15_00:00",
            "costTypes": Nested(
                {
                    key: True
                    for key in (
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
                }
            ),
        },
    ),
    "aws:cloudwatch/dashboard:Dashboard": CheckSpec(region=True),
    "aws:cloudwatch/logGroup:LogGroup": CheckSpec(
        region=True, tags_all=True, autoname=_NAME_OR_PREFIX
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": CheckSpec(
        region=True,
        tags_all=True,
        autoname=_NAME,  # alarm_name, which pulumi-aws names `name`
        defaults={"actionsEnabled": True, "treatMissingData": "missing"},
    ),
    "aws:dynamodb/table:Table": CheckSpec(
        region=True,
        tags_all=True,
        autoname=_NAME,
        defaults={
            "billingMode": "PROVISIONED",
            "tableClass": "STANDARD",
            "replicas": Nested({"consistencyMode": "EVENTUAL"}),
        },
    ),
    "aws:iam/role:Role": CheckSpec(
        tags_all=True,
        autoname=AutoName("name", 64, conflicts_with=("namePrefix",)),
        defaults={"path": "/", "maxSessionDuration": 3600.0},
        json_documents=("assumeRolePolicy",),
    ),
    "aws:iam/rolePolicy:RolePolicy": CheckSpec(
        autoname=_NAME_OR_PREFIX, json_documents=("policy",)
    ),
    "aws:sns/topic:Topic": CheckSpec(
        region=True,
        tags_all=True,
        autoname=AutoName("name", 80, conflicts_with=("namePrefix",), fifo_flag="fifoTopic"),
    ),
    "aws:sns/topicPolicy:TopicPolicy": CheckSpec(region=True, json_documents=("policy",)),
    "aws:sns/topicSubscription:TopicSubscription": CheckSpec(
        region=True, defaults={"confirmationTimeoutInMinutes": 1.0}
    ),
    "comments:service:CommentsService": CheckSpec(component=True),
}

# Type token -> the top-level inputs Check may add (see CheckSpec.added_inputs for the conditions).
ADDED_INPUTS: Final[Mapping[str, frozenset[str]]] = {
    type_token: spec.added_inputs for type_token, spec in PROVIDER_CHECK.items()
}


def checked_inputs(
    type_token: str,
    inputs: Mapping[str, Any],
    provider_config: Mapping[str, str],
    *,
    resource_name: str | None = None,
) -> dict[str, Any]:
    """`inputs` as the analyzer sees them after the provider's Check; `inputs` is not changed.

    provider_config holds the stack's `aws:*` config as the CLI hands it (strings; JSON for
    `aws:defaultTags` and `aws:ignoreTags`). resource_name is the logical name, which the autoname
    starts with; without it no autoname is added. The real suffix comes from the engine's random
    seed: the one here is a stable stand-in of the same shape (sha256 of type and name).
    """
    spec = PROVIDER_CHECK.get(type_token)
    if spec is None:
        raise UnmodelledResourceType(
            f"{type_token}: tooling/provider_check.py does not say what the provider's Check adds "
            "to this type's inputs; derive its row from pulumi-aws (docs/reference/"
            "provider-check.md) before allowing it"
        )
    # An unknown anywhere in the config (also inside a JSON value) leaves the provider unconfigured.
    config_unknown = any(m in v for v in provider_config.values() for m in UNKNOWN_SENTINELS)
    if spec.component or config_unknown:
        return copy.deepcopy(dict(inputs))
    config = _ProviderConfig.parse(provider_config)
    news: dict[str, Any] = {k: _without_nulls(v) for k, v in inputs.items() if v is not None}
    if spec.region and "region" not in news and config.region is not None:
        news["region"] = config.region
    if spec.tags_all:
        news["tagsAll"] = _merge_tags(news.get("tags", {}), config)
    for key in spec.json_documents:
        if key in news:
            news[key] = _json_document(type_token, key, news[key])
    if spec.autoname is not None and resource_name is not None:
        _autoname(type_token, resource_name, spec.autoname, news)
    _fill_defaults(news, spec.defaults)
    return news


def _contains_unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value in UNKNOWN_SENTINELS
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


def _without_nulls(value: Any) -> Any:
    """A copy without null object members (the bridge unmarshals Check's inputs with SkipNulls)."""
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_without_nulls(v) for v in value]
    return value


@dataclass(frozen=True)
class _ProviderConfig:
    """The provider config values Check reads (its `meta`), decoded as ConfigEncoding does."""

    region: str | None
    default_tags: dict[str, str]
    ignore_keys: frozenset[str]
    ignore_prefixes: frozenset[str]

    @classmethod
    def parse(cls, provider_config: Mapping[str, str]) -> _ProviderConfig:
        default_tags = _json_config(provider_config, "aws:defaultTags").get("tags")
        ignore = _json_config(provider_config, "aws:ignoreTags")
        return cls(
            region=provider_config.get("aws:region"),
            default_tags=_tag_values(default_tags),
            ignore_keys=frozenset(_strings(ignore.get("keys"))),
            ignore_prefixes=frozenset(_strings(ignore.get("keyPrefixes"))),
        )


def _json_config(provider_config: Mapping[str, str], key: str) -> dict[str, Any]:
    raw = provider_config.get(key)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise ProviderCheckError(f"config {key} is not JSON: {error}") from error
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProviderCheckError(f"config {key} must be a JSON object, got {raw!r}")
    return {str(k): v for k, v in value.items()}


def _strings(value: Any) -> Iterable[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _tag_values(tags: Any) -> dict[str, str]:
    """Tags as upstream tags.New reads them: a value that is not a string reads as ""."""
    if not isinstance(tags, Mapping):
        return {}
    return {str(k): v if isinstance(v, str) else "" for k, v in tags.items() if v is not None}


def _merge_tags(tags: Any, config: _ProviderConfig) -> Any:
    """mergeTags: default tags, then the resource's over them, then ignoreTags removed."""
    if _contains_unknown(tags):
        return UNKNOWN
    merged = {**config.default_tags, **_tag_values(tags)}
    return {
        key: value
        for key, value in merged.items()
        if key not in config.ignore_keys
        and not any(key.startswith(prefix) for prefix in config.ignore_prefixes)
    }


def _json_document(type_token: str, key: str, value: Any) -> Any:
    """TransformJSONDocument: a string stays; an object or array becomes Go's json.Marshal text."""
    if isinstance(value, str):
        return value
    if _contains_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping | list | tuple):
        text = json.dumps(_go_numbers(value), sort_keys=True, separators=(",", ":"))
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    raise ProviderCheckError(f"{type_token} {key}: expected string or JSON map, got {value!r}")


def _go_numbers(value: Any) -> Any:
    """Numbers reach the bridge as float64; Go prints integral ones without a fraction."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, Mapping):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_go_numbers(v) for v in value]
    return value


def _autoname(type_token: str, resource_name: str, rule: AutoName, news: dict[str, Any]) -> None:
    if rule.key in news or any(key in news for key in rule.conflicts_with):
        return
    prefix = f"{resource_name}-"
    if len(prefix) + AUTONAME_RANDOM_CHARS > rule.maxlen:
        raise ProviderCheckError(
            f"could not make instance of '{type_token}': name '{prefix}' plus "
            f"{AUTONAME_RANDOM_CHARS} random chars is longer than maximum length {rule.maxlen}"
        )
    digest = hashlib.sha256(f"{type_token}\0{resource_name}".encode()).hexdigest()
    name = prefix + digest[:AUTONAME_RANDOM_CHARS]
    if rule.fifo_flag is not None and news.get(rule.fifo_flag) is True:
        name += ".fifo"
    news[rule.key] = name


def _fill_defaults(block: dict[str, Any], defaults: Mapping[str, DefaultValue]) -> None:
    for key, default in defaults.items():
        if isinstance(default, Nested):
            value = block.get(key)
            for element in value if isinstance(value, list) else [value]:
                if isinstance(element, dict):
                    _fill_defaults(element, default.defaults)
        elif key not in block:
            block[key] = default
