"""Operations: the stack watches its own API, table and spend, and someone is told when an alarm
fires.

Stack policies, because only the whole stack shows which alarm watches which stage and table, and
which topic has a subscriber. Alarm dimensions and topic ARNs are matched against the names and
ARNs the API, stage, table and topic resources carry. Only whose spend a budget watches is one
resource's business (operations-budget-own-account).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from comments_policy import decidable
from comments_policy.common import (
    ACCOUNT_ID,
    ACCOUNT_ID_SCHEMA,
    METRIC_ALARM,
    STAGE,
    TABLE,
    ConfigMissing,
    as_list,
    config_account,
    label,
    mapping,
    misconfigured,
    parse_document,
    reporter,
    statements,
)

TOPIC = "aws:sns/topic:Topic"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
BUDGET = "aws:budgets/budget:Budget"

ALARMS_REQUIRED = "operations-alarms-required"
ALARM_SUBSCRIBERS = "operations-alarm-subscribers"
TOPIC_PUBLISHERS = "operations-topic-publishers"
BUDGET_ACCOUNT = "operations-budget-own-account"
# Who may publish to the stack's topics: its alarms and the account's budgets, nothing else.
PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
_POSITIVE_OPERATORS = frozenset({"stringequals", "stringlike", "arnequals", "arnlike"})

API_NAMESPACE = "AWS/ApiGateway"
DYNAMODB_NAMESPACE = "AWS/DynamoDB"
# What every stage and every table must be watched for: (namespace, metric, what it catches).
STAGE_METRICS = (
    (API_NAMESPACE, "5XXError", "server errors"),
    (API_NAMESPACE, "4XXError", "client errors"),
    (API_NAMESPACE, "Latency", "latency"),
)
TABLE_METRICS = (
    (DYNAMODB_NAMESPACE, "ReadThrottleEvents", "throttled reads"),
    (DYNAMODB_NAMESPACE, "WriteThrottleEvents", "throttled writes"),
    (DYNAMODB_NAMESPACE, "ConsumedReadCapacityUnits", "read capacity use"),
    (DYNAMODB_NAMESPACE, "ConsumedWriteCapacityUnits", "write capacity use"),
)
_SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:([A-Za-z0-9_-]{1,256})$")


@dataclass(frozen=True)
class _Watch:
    """One metric an alarm evaluates, with the alarm's name and the topics it notifies."""

    alarm: str
    namespace: str
    metric: str
    dimensions: Mapping[str, Any]
    actions: tuple[str, ...]


def _text(resource: PolicyResource, key: str) -> str:
    value = resource.props.get(key)
    return value if isinstance(value, str) else ""


def _watches(resources: list[PolicyResource]) -> Iterator[_Watch]:
    """Every metric of every alarm: the alarm's own, or each of its metric queries'."""
    for alarm in resources:
        if alarm.resource_type != METRIC_ALARM:
            continue
        props = alarm.props
        actions = tuple(a for a in as_list(props.get("alarmActions")) if isinstance(a, str))
        name = _text(alarm, "name") or alarm.name
        if props.get("metricName"):
            yield _Watch(
                name,
                str(props.get("namespace", "")),
                str(props.get("metricName")),
                mapping(props.get("dimensions")),
                actions,
            )
        for query in as_list(props.get("metricQueries")):
            metric = mapping(mapping(query).get("metric"))
            if metric.get("metricName"):
                yield _Watch(
                    name,
                    str(metric.get("namespace", "")),
                    str(metric.get("metricName")),
                    mapping(metric.get("dimensions")),
                    actions,
                )


class _Topics:
    """The stack's SNS topics, named by ARN (an output) or by the name at the end of an ARN."""

    def __init__(self, resources: list[PolicyResource]) -> None:
        self.topics = [r for r in resources if r.resource_type == TOPIC]

    def owns(self, arn: str) -> bool:
        return any(_refers_to(arn, topic) for topic in self.topics)


def _stage_api_names(resources: list[PolicyResource]) -> list[tuple[str, str, str]]:
    """(stage name, API name, stage label) per stage; the API found by its id in executionArn,
    or at preview (a new API's id is drawn at create) by the stage's provenance."""
    found = []
    for stage in resources:
        if stage.resource_type == STAGE:
            api = decidable.api_of(stage, resources)
            found.append((_text(stage, "stageName"), _text(api, "name") if api else "", stage.name))
    return found


def _alarms_required(args: StackValidationArgs, report: ReportViolation) -> None:
    watches = list(_watches(args.resources))
    topics = _Topics(args.resources)

    def require(namespace: str, metric: str, dimensions: dict[str, str], subject: str) -> None:
        found = [
            w
            for w in watches
            if (w.namespace, w.metric) == (namespace, metric)
            and all(w.dimensions.get(k) == v for k, v in dimensions.items() if v)
        ]
        wanted = ", ".join(f"{k}={v}" for k, v in dimensions.items() if v)
        if not found:
            report(
                f"{ALARMS_REQUIRED}: {subject} has no alarm on {namespace} {metric} "
                f"({wanted}); this stack must be watched for it",
                None,
            )
        elif not any(topics.owns(action) for w in found for action in w.actions):
            names = ", ".join(sorted({w.alarm for w in found}))
            report(
                f"{ALARMS_REQUIRED}: alarm {names} on {namespace} {metric} notifies no SNS topic "
                "of this stack (alarmActions); a firing alarm nobody hears of is no alarm",
                None,
            )

    # Alarms tell this stack's topics only: an action elsewhere (another account's topic, an
    # EC2 or Systems Manager action) is nothing the service needs.
    for alarm in args.resources:
        if alarm.resource_type != METRIC_ALARM:
            continue
        for key in ("alarmActions", "okActions", "insufficientDataActions"):
            for action in as_list(alarm.props.get(key)):
                if not isinstance(action, str) or not topics.owns(action):
                    report(
                        f"{ALARMS_REQUIRED}: MetricAlarm '{alarm.name}' {key} names {action!r}, "
                        "which is not an SNS topic of this stack; alarms notify the stack's topic "
                        "only",
                        alarm.urn,
                    )
    for stage, api, stage_label in _stage_api_names(args.resources):
        for namespace, metric, _ in STAGE_METRICS:
            require(namespace, metric, {"ApiName": api, "Stage": stage}, f"Stage '{stage_label}'")
    for table in args.resources:
        if table.resource_type != TABLE:
            continue
        for namespace, metric, _ in TABLE_METRICS:
            require(namespace, metric, {"TableName": _text(table, "name")}, f"Table '{table.name}'")
    budgets = [b for b in args.resources if b.resource_type == BUDGET]
    notified = [
        b
        for b in budgets
        for notice in as_list(b.props.get("notifications"))
        for arn in as_list(mapping(notice).get("subscriberSnsTopicArns"))
        if isinstance(arn, str) and topics.owns(arn)
    ]
    if not notified:
        report(
            f"{ALARMS_REQUIRED}: no AWS Budgets budget of this stack notifies a topic of this "
            "stack; set comments:monthlyBudgetUsd to the stack's monthly budget",
            None,
        )


def _refers_to(reference: str, topic: PolicyResource) -> bool:
    """Whether an ARN names `topic`: its `arn` output, or at preview the ARN AWS will give it (its
    provider's region and account, its name); an SNS ARN ending in its name only when neither
    can be known (no provider to say where it lives)."""
    if not reference:
        return False
    arn = decidable.derived_arn(topic)
    if arn is not None:
        return reference == arn
    match = _SNS_ARN.match(reference)
    return match is not None and match.group(1) == _text(topic, "name")


def _alarm_subscribers(args: StackValidationArgs, report: ReportViolation) -> None:
    watches = list(_watches(args.resources))
    subscriptions = [
        _text(s, "topic") for s in args.resources if s.resource_type == TOPIC_SUBSCRIPTION
    ]
    for topic in _Topics(args.resources).topics:
        alarms = {w.alarm for w in watches for a in w.actions if _refers_to(a, topic)}
        if alarms and not any(_refers_to(s, topic) for s in subscriptions):
            report(
                f"{ALARM_SUBSCRIBERS}: Topic '{topic.name}' receives {len(alarms)} alarm(s) "
                "but has no subscription, so nobody is told when they fire; add an e-mail "
                "address or https:// webhook to comments:alarmSubscriptions",
                topic.urn,
            )


def _publisher_problems(statement: Mapping[str, Any], topic_arn: str) -> Iterator[str]:
    """What lets a TopicPolicy statement reach beyond this account's alarms and budgets."""
    for negated in ("NotPrincipal", "NotAction", "NotResource"):
        if negated in statement:
            yield f"uses {negated} (everything but a list); name Principal, Action and Resource"
    principal = statement.get("Principal")
    services = as_list(mapping(principal).get("Service"))
    if (
        not isinstance(principal, Mapping)
        or set(principal) != {"Service"}
        or not services
        or any(s not in PUBLISHERS for s in services)
    ):
        yield f"lets {principal!r} in; only the services {', '.join(PUBLISHERS)} may publish"
    actions = as_list(statement.get("Action"))
    if not actions or any(not isinstance(a, str) or a.lower() != "sns:publish" for a in actions):
        yield f"allows {actions!r}; a topic's publishers get sns:Publish only"
    if as_list(statement.get("Resource")) != [topic_arn]:
        yield f"names Resource {statement.get('Resource')!r}; name the topic ({topic_arn}) only"
    account = topic_arn.split(":")[4] if _SNS_ARN.match(topic_arn) else "?"
    condition = mapping(statement.get("Condition"))
    for operator in condition:
        if str(operator).lower() not in _POSITIVE_OPERATORS:
            yield f"uses the condition operator '{operator}'; only positive operators guard"
    source_account = {
        str(key).lower(): as_list(value)
        for op, tests in condition.items()
        if str(op).lower() == "stringequals"
        for key, value in mapping(tests).items()
    }.get("aws:sourceaccount")
    if source_account != [account]:
        yield (
            f"has no StringEquals aws:SourceAccount naming only the topic's account ({account}); "
            "without it another account's alarms or budgets could publish"
        )


def _topic_publishers(args: StackValidationArgs, report: ReportViolation) -> None:
    topics = _Topics(args.resources)
    for resource in args.resources:
        if resource.resource_type != TOPIC_POLICY:
            continue
        subject = f"{TOPIC_PUBLISHERS}: {label(resource.resource_type, resource.name)}"
        arn = _text(resource, "arn")
        if not topics.owns(arn):
            report(f"{subject} is on '{arn}', which is not a topic of this stack", resource.urn)
            continue
        document = parse_document("policy", resource.props.get("policy"))
        if document.body is None:
            report(f"{subject} {document.error}", resource.urn)
            continue
        for statement in statements(document.body):
            if statement.allows:
                for problem in _publisher_problems(statement.body, arn):
                    report(f"{subject} {statement.name} {problem}", resource.urn)


def _budget_account(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A budget with another accountId (possible from an organization's management account)
    watches that account's spend, and the stack's own spend goes unwatched."""
    if args.resource_type != BUDGET:
        return
    value = args.props.get(ACCOUNT_ID)
    if value is None:
        return  # the account whose credentials create it: the stack's pinned account
    try:
        account = config_account(args.get_config())
    except ConfigMissing as error:
        misconfigured(report, BUDGET_ACCOUNT, error)
        return
    if value != account:
        reporter(report, BUDGET_ACCOUNT, label(args.resource_type, args.name))(
            f"watches account {value!r} (accountId); this stack's account is {account}, whose "
            "spend the budget is for; leave accountId unset"
        )


POLICIES = [
    ResourceValidationPolicy(
        name=BUDGET_ACCOUNT,
        description="A budget's accountId is unset or the stack's account.",
        validate=_budget_account,
        config_schema=PolicyConfigSchema(
            properties={ACCOUNT_ID: dict(ACCOUNT_ID_SCHEMA)}, required=[ACCOUNT_ID]
        ),
    ),
    StackValidationPolicy(
        name=TOPIC_PUBLISHERS,
        description=(
            "A topic policy is on a topic of this stack and lets only CloudWatch and AWS Budgets "
            "of the topic's account publish (sns:Publish, nothing else)."
        ),
        validate=_topic_publishers,
    ),
    StackValidationPolicy(
        name=ALARMS_REQUIRED,
        description=(
            "Every stage has 5XXError, 4XXError and Latency alarms, every table throttle and "
            "consumed-capacity alarms, and a budget, all notifying an SNS topic of the stack."
        ),
        validate=_alarms_required,
    ),
    StackValidationPolicy(
        name=ALARM_SUBSCRIBERS,
        description="Every SNS topic that alarms notify has at least one subscription.",
        validate=_alarm_subscribers,
    ),
]
