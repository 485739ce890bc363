"""Operations settings: alarm thresholds, who is notified, the budget and DynamoDB auto scaling.

Read from Pulumi config and validated like the service's own settings (`settings.py`): defaults
and descriptions live in the root Pulumi.yaml, a bad value stops the program with one line naming
the key and what is allowed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi

from comments_infra.settings import (
    CONFIG_NAMESPACE,
    ConfigError,
    RawConfig,
    ServiceSettings,
    _choice,
    _integer,
    _key,
    _required,
)

# CloudWatch evaluates a metric over whole periods; these are the ones worth choosing for a
# regional API (API Gateway publishes every minute, DynamoDB's provisioned capacity every 5).
ALARM_PERIODS = (60, 300, 900, 3600)
# CloudWatch refuses an alarm whose evaluation window (period x periods) is longer than a day.
MAX_EVALUATION_SECONDS = 86_400
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HTTPS = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/\S*)?$")


@dataclass(frozen=True)
class Subscription:
    """One endpoint of the stack's alarm topic: an e-mail address or an HTTPS webhook."""

    protocol: str  # "email" | "https"
    endpoint: str


@dataclass(frozen=True)
class AlarmSettings:
    period_seconds: int
    evaluation_periods: int
    server_error_percent: int
    client_error_percent: int
    latency_p99_ms: int
    capacity_percent: int


@dataclass(frozen=True)
class Autoscaling:
    """Target tracking for one capacity dimension, between the table's capacity and `maximum`."""

    minimum: int
    maximum: int
    target_percent: int


@dataclass(frozen=True)
class OperationsSettings:
    alarms: AlarmSettings
    subscriptions: tuple[Subscription, ...]
    monthly_budget_usd: int  # 0: no budget
    read_scaling: Autoscaling | None
    write_scaling: Autoscaling | None


def _subscriptions(raw: RawConfig, name: str) -> tuple[Subscription, ...]:
    value = _required(raw, name)
    allowed = 'a JSON list of e-mail addresses and https:// URLs, like ["ops@example.com"]'
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        entries = None
    if not isinstance(entries, list):
        raise ConfigError(f"{_key(name)}={value!r}: allowed values are {allowed}")
    result = []
    for entry in entries:
        if isinstance(entry, str) and _HTTPS.match(entry):
            result.append(Subscription("https", entry))
        elif isinstance(entry, str) and _EMAIL.match(entry):
            result.append(Subscription("email", entry))
        else:
            raise ConfigError(
                f"{_key(name)}: {entry!r} is neither an e-mail address nor an https:// URL; "
                f"allowed values are {allowed}"
            )
    if len({s.endpoint for s in result}) != len(result):
        raise ConfigError(f"{_key(name)}: endpoints must not repeat")
    return tuple(result)


def _scaling(
    raw: RawConfig, name: str, minimum: int, minimum_key: str, target: int
) -> Autoscaling | None:
    maximum = _integer(raw, name, 0, 40_000)
    if maximum == 0:
        return None
    if maximum <= minimum:
        raise ConfigError(
            f"{_key(name)}={maximum}: must be above {_key(minimum_key)} ({minimum}), the floor "
            "auto scaling starts from; 0 turns auto scaling off"
        )
    return Autoscaling(minimum=minimum, maximum=maximum, target_percent=target)


def parse_operations(raw: RawConfig, service: ServiceSettings) -> OperationsSettings:
    """Validate every operations key; `raw(name)` returns the string for comments:<name>."""
    period = _choice(raw, "alarmPeriodSeconds", ALARM_PERIODS)
    evaluation_periods = _integer(raw, "alarmEvaluationPeriods", 1, 60)
    if period * evaluation_periods > MAX_EVALUATION_SECONDS:
        raise ConfigError(
            f"{_key('alarmEvaluationPeriods')}={evaluation_periods}: with "
            f"{_key('alarmPeriodSeconds')}={period} the alarms would look back "
            f"{period * evaluation_periods} s; CloudWatch allows at most {MAX_EVALUATION_SECONDS}"
        )
    alarms = AlarmSettings(
        period_seconds=period,
        evaluation_periods=evaluation_periods,
        server_error_percent=_integer(raw, "alarmServerErrorPercent", 1, 100),
        client_error_percent=_integer(raw, "alarmClientErrorPercent", 1, 100),
        latency_p99_ms=_integer(raw, "alarmLatencyP99Ms", 50, 29_000),
        capacity_percent=_integer(raw, "alarmCapacityPercent", 10, 100),
    )
    target = _integer(raw, "autoscalingTargetPercent", 20, 90)
    return OperationsSettings(
        alarms=alarms,
        subscriptions=_subscriptions(raw, "alarmSubscriptions"),
        monthly_budget_usd=_integer(raw, "monthlyBudgetUsd", 0, 1_000_000),
        read_scaling=_scaling(
            raw, "autoscalingMaxReadCapacity", service.read_capacity, "tableReadCapacity", target
        ),
        write_scaling=_scaling(
            raw,
            "autoscalingMaxWriteCapacity",
            service.write_capacity,
            "tableWriteCapacity",
            target,
        ),
    )


def load_operations(service: ServiceSettings) -> OperationsSettings:
    """Read this stack's operations settings from Pulumi config."""
    return parse_operations(pulumi.Config(CONFIG_NAMESPACE).get, service)
