"""The stack's settings: read from Pulumi config, validated before any resource is declared.

Defaults and descriptions live in the root Pulumi.yaml (the CLI applies them); this module only
checks values, so a bad one stops the program with a message naming the key and what is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pulumi

CONFIG_NAMESPACE = "comments"

# CloudWatch Logs accepts only these retention periods.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
# API Gateway's account-level ceilings: a stage cannot go above them.
MAX_THROTTLE_RATE = 10_000.0
MAX_THROTTLE_BURST = 5_000
# An origin is scheme://host[:port] with nothing after it; "*" stands alone.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_]{1,128}$")
# Slugs under the smoke prefix get a TTL: DynamoDB deletes them. So the prefix is reserved: it
# starts with SMOKE_PREFIX_ROOT, a path no page has, and a prefix every page path shares ('/',
# '/blog') cannot be set. The policy pack checks the same in the template the prefix reaches
# (dynamodb-ttl-smoke-only). It is spliced into a VTL string literal, so it is kept to characters
# that need no escaping.
SMOKE_PREFIX_ROOT = "/__smoke__/"
_SLUG_PREFIX = re.compile(r"^/__smoke__/[A-Za-z0-9/_.-]{0,53}$")


class ConfigError(pulumi.RunError):
    """A config value is invalid; RunError makes the CLI print the message without a traceback."""


@dataclass(frozen=True)
class ServiceSettings:
    """Everything that differs between stacks, already validated."""

    read_capacity: int
    write_capacity: int
    throttle_rate_limit: float
    throttle_burst_limit: int
    cors_allowed_origins: tuple[str, ...]
    log_retention_days: int
    data_protection: bool
    stage_name: str
    smoke_slug_prefix: str
    smoke_ttl_hours: int
    integration_role_boundary: bool
    pre_moderation: bool


RawConfig = Callable[[str], str | None]


def _key(name: str) -> str:
    return f"{CONFIG_NAMESPACE}:{name}"


def _required(raw: RawConfig, name: str) -> str:
    value = raw(name)
    if value is None:
        raise ConfigError(f"{_key(name)} is not set (its default belongs in Pulumi.yaml)")
    return value.strip()


def _integer(raw: RawConfig, name: str, low: int, high: int) -> int:
    value = _required(raw, name)
    if not re.fullmatch(r"-?[0-9]+", value) or not low <= int(value) <= high:
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are whole numbers {low}..{high}")
    return int(value)


def _number(raw: RawConfig, name: str, low: float, high: float) -> float:
    value = _required(raw, name)
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low < number <= high:
        raise ConfigError(
            f"{_key(name)}={value!r}: allowed values are numbers above {low:g} up to {high:g}"
        )
    return number


def _boolean(raw: RawConfig, name: str) -> bool:
    value = _required(raw, name)
    if value.lower() not in ("true", "false"):
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are true or false")
    return value.lower() == "true"


def _origins(raw: RawConfig, name: str) -> tuple[str, ...]:
    value = _required(raw, name)
    allowed = 'a JSON list of origins like ["https://www.example.com"], or ["*"]'
    try:
        origins = json.loads(value)
    except json.JSONDecodeError:
        origins = None
    if not isinstance(origins, list) or not origins:
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are {allowed}")
    for origin in origins:
        if origin == "*" and len(origins) == 1:
            continue
        if not isinstance(origin, str) or not _ORIGIN.match(origin):
            raise ConfigError(
                f"{_key(name)}: {origin!r} is not an origin; allowed values are {allowed} "
                "(scheme://host[:port], no path or trailing slash; '*' only on its own)"
            )
    if len(set(origins)) != len(origins):
        raise ConfigError(f"{_key(name)}: origins must not repeat")
    return tuple(origins)


def _choice(raw: RawConfig, name: str, allowed: tuple[int, ...]) -> int:
    value = _required(raw, name)
    if not value.isdigit() or int(value) not in allowed:
        raise ConfigError(
            f"{_key(name)}={value!r}: allowed values are {', '.join(map(str, allowed))}"
        )
    return int(value)


def _matching(raw: RawConfig, name: str, pattern: re.Pattern[str], allowed: str) -> str:
    value = _required(raw, name)
    if not pattern.match(value):
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are {allowed}")
    return value


def _moderation(raw: RawConfig, name: str) -> bool:
    """True for pre-moderation (comments wait for approval), False for post-moderation."""
    value = _required(raw, name)
    if value not in ("pre", "post"):
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are pre or post")
    return value == "pre"


def parse_settings(raw: RawConfig) -> ServiceSettings:
    """Validate every key; `raw(name)` returns the config string for comments:<name> or None."""
    return ServiceSettings(
        read_capacity=_integer(raw, "tableReadCapacity", 1, 40_000),
        write_capacity=_integer(raw, "tableWriteCapacity", 1, 40_000),
        throttle_rate_limit=_number(raw, "throttleRateLimit", 0, MAX_THROTTLE_RATE),
        throttle_burst_limit=_integer(raw, "throttleBurstLimit", 1, MAX_THROTTLE_BURST),
        cors_allowed_origins=_origins(raw, "corsAllowedOrigins"),
        log_retention_days=_choice(raw, "logRetentionDays", LOG_RETENTION_DAYS),
        data_protection=_boolean(raw, "dataProtection"),
        stage_name=_matching(raw, "stageName", _STAGE_NAME, "1-128 letters, digits or _"),
        smoke_slug_prefix=_matching(
            raw,
            "smokeSlugPrefix",
            _SLUG_PREFIX,
            f"{SMOKE_PREFIX_ROOT} followed by up to 53 characters from A-Z a-z 0-9 / _ . - "
            "(reserved: no page path starts with it, and its comments expire)",
        ),
        smoke_ttl_hours=_integer(raw, "smokeTtlHours", 1, 24 * 30),
        integration_role_boundary=_boolean(raw, "integrationRoleBoundary"),
        pre_moderation=_moderation(raw, "moderation"),
    )


def load_settings() -> ServiceSettings:
    """Read this stack's settings from Pulumi config."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    return parse_settings(config.get)
