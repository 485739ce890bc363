"""What a whole stack costs a month: every resource priced, at the prices in `prices.py`.

The one place the pricing logic lives: the budget rule (`dynamodb-monthly-cost-budget`) totals
these items against the stack's `monthlyBudgetUsd`, and `make cost` (tooling/cost_report.py)
prints the same items. Each resource of the stack is one of:
- priced here (tables and their indexes, replicas, autoscaling maxima and warm throughput; stages;
  alarms; dashboards; log groups; budgets; scaling policies; WAF web ACLs and rule groups);
- free, with the reason in `prices.FREE_TYPES` (IAM, the API's own resources, SNS: negligible);
- neither: a problem, so a type whose inputs someone reviews (inputs.SPECS) to make it usable
  is refused by the budget until it is priced too (a type not reviewed is refused by
  resource-inputs-reviewed already); tests/policy/test_dynamodb.py keeps every reviewed type
  priced or free.
A problem is also anything whose cost has no bound the pack can read: an on-demand table, a log
group kept forever, an alarm on a Metrics Insights query, execution logs or detailed metrics.

What is assumed, and why:
- **Requests.** API Gateway bills per request; so do WAF's inspections. The stack's own stage
  carries the service's traffic: its requests are what the service is for, its throttle bounds
  them and the AWS Budgets budget watches what they cost, so they are shown (at the throttle's
  ceiling) but not counted. Every other stage is counted at the most requests its throttle lets
  through in a month: API Gateway applies a stage's limits to each method (API Gateway's
  throttling documentation: "Per-API, per-stage throttling limits are applied at the API method
  level for a stage"), so a stage's ceiling is its highest `throttlingRateLimit` times the
  methods of its API, and at most the account's 10,000 requests a second. A stage without a
  `*/*` limit, or whose API's methods cannot be read (at preview), is at the account's ceiling.
  Which stage is the stack's own cannot be told from the resources, so the one with the highest
  ceiling is taken as it: whichever stage is the extra one, the stack is counted for every stage
  but one, at its ceiling (a second stage throttled to a trickle costs a trickle).
- **Logs.** A log group is priced at a stated ingest (`prices.LOG_INGEST_GB_PER_MONTH`) plus the
  storage its retention keeps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_policy.proxy import UnknownValueError

from comments_policy import prices
from comments_policy.common import (
    GLOBAL_SECONDARY_INDEX,
    LOG_GROUP,
    METHOD_SETTINGS,
    METRIC_ALARM,
    REST_API,
    SCALING_POLICY,
    SCALING_TARGET,
    SCHEDULED_ACTION,
    STAGE,
    TABLE,
    TABLE_REPLICA,
    NotANumber,
    api_document,
    as_list,
    fmt,
    label,
    load_json,
    mapping,
    number,
    operations,
    quantity,
    switched_on,
    walk,
)
from comments_policy.inputs import SPECS as REVIEWED_TYPES

COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
BUDGET = "aws:budgets/budget:Budget"
WAF_WEB_ACLS = (
    "aws:wafv2/webAcl:WebAcl",
    "aws:wafregional/webAcl:WebAcl",
    "aws:waf/webAcl:WebAcl",
)
WAF_RULE_GROUP = "aws:wafv2/ruleGroup:RuleGroup"
ALL_METHODS = "*/*"
# Dashboard widgets that cost nothing to show. A log widget runs a Logs Insights query (billed
# per GB scanned) each time the dashboard is open; a custom widget calls a Lambda function.
FREE_WIDGETS = frozenset({"metric", "alarm", "text"})


class Resource(Protocol):
    """What the pricing reads of a resource: a pulumi_policy PolicyResource, or the cost
    report's equivalent built from the offline runner's plan."""

    @property
    def resource_type(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def props(self) -> Mapping[str, Any]: ...

    @property
    def property_dependencies(self) -> Mapping[str, Sequence[Any]]: ...


@dataclass(frozen=True)
class Item:
    """One line of the bill: what a resource is counted for, a month."""

    kind: str  # what is billed: "DynamoDB", "API Gateway", "CloudWatch alarms", ...
    subject: str  # "Table 'comments-prod-table'"
    what: str  # what is counted, e.g. "7 standard alarm metrics"
    monthly_usd: float
    counted: bool = True  # False: shown for the record (the service's own traffic)


@dataclass
class StackCost:
    items: list[Item] = field(default_factory=list)
    # What cannot be priced or bounded: each is a violation of the budget rule.
    problems: list[str] = field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return sum(i.monthly_usd for i in self.items if i.counted)


# -- DynamoDB --------------------------------------------------------------------------------------


@dataclass
class _Units:
    read: float = 0.0
    write: float = 0.0


@dataclass
class TableCapacity:
    """A table's worst case: its own, its indexes' and autoscaling maximums, warm throughput, copies."""

    name: str
    units: dict[str, _Units] = field(default_factory=dict)  # by scaling resource id
    copies: int = 1  # the table plus its replicas, each billed
    on_demand: bool = False
    warm: _Units = field(default_factory=_Units)  # pre-warmed units/s, table and indexes

    @property
    def read(self) -> float:
        return sum(u.read for u in self.units.values()) * self.copies

    @property
    def write(self) -> float:
        return sum(u.write for u in self.units.values()) * self.copies

    @property
    def monthly_usd(self) -> float:
        return prices.provisioned_monthly_usd(self.read, self.write) + prices.warm_throughput_usd(
            self.warm.read * self.copies, self.warm.write * self.copies
        )

    def describe(self) -> str:
        return (
            f"{fmt(self.read)} RCU + {fmt(self.write)} WCU"
            + (f" (x{self.copies} copies)" if self.copies > 1 else "")
            + (
                f" + warm throughput {fmt(self.warm.read * self.copies)} read / "
                f"{fmt(self.warm.write * self.copies)} write units/s"
                if self.warm.read or self.warm.write
                else ""
            )
        )


def _units(value: Any) -> float:
    # A value that is not a number counts as none here; dynamodb-provisioned-capacity refuses it.
    return number(value) or 0.0


def _warm_units(value: Any) -> _Units:
    throughput = mapping(value)
    return _Units(
        _units(throughput.get("readUnitsPerSecond")), _units(throughput.get("writeUnitsPerSecond"))
    )


def table_capacities(resources: list[tuple[str, Mapping[str, Any]]]) -> list[TableCapacity]:
    """Capacity per table from (type, props) pairs of a whole stack.

    A TableReplica whose table is not in the stack comes back as a table named after its ARN
    with no capacity of its own, so the budget can say it cannot be bounded.
    """
    tables: dict[str, TableCapacity] = {}
    by_arn: dict[str, TableCapacity] = {}
    for resource_type, props in resources:
        if resource_type != TABLE:
            continue
        name = str(props.get("name", "?"))
        table = TableCapacity(name=name, copies=1 + len(as_list(props.get("replicas"))))
        table.on_demand = (props.get("billingMode") or "PROVISIONED") != "PROVISIONED"
        table.units[f"table/{name}"] = _Units(
            _units(props.get("readCapacity")), _units(props.get("writeCapacity"))
        )
        table.warm = _warm_units(props.get("warmThroughput"))
        for index in as_list(props.get("globalSecondaryIndexes")):
            gsi = mapping(index)
            table.units[f"table/{name}/index/{gsi.get('name')}"] = _Units(
                _units(gsi.get("readCapacity")), _units(gsi.get("writeCapacity"))
            )
            index_warm = _warm_units(gsi.get("warmThroughput"))
            table.warm.read += index_warm.read
            table.warm.write += index_warm.write
        tables[name] = table
        if any(t == TABLE_REPLICA for t, _ in resources) and isinstance(
            arn := props.get("arn"), str
        ):
            # Only with a replica to match: a new table's arn is unknown at preview.
            by_arn[arn] = table
    for resource_type, props in resources:
        if resource_type == GLOBAL_SECONDARY_INDEX:
            owner = tables.get(str(props.get("tableName", "")))
            if owner is None:
                continue
            throughput = mapping(props.get("provisionedThroughput"))
            owner.units[f"table/{owner.name}/index/{props.get('indexName')}"] = _Units(
                _units(throughput.get("readCapacityUnits")),
                _units(throughput.get("writeCapacityUnits")),
            )
            index_warm = _warm_units(props.get("warmThroughput"))
            owner.warm.read += index_warm.read
            owner.warm.write += index_warm.write
            continue
        if resource_type == TABLE_REPLICA:
            arn = str(props.get("globalTableArn", "?"))
            if arn in by_arn:
                by_arn[arn].copies += 1
            else:
                tables.setdefault(arn, TableCapacity(name=arn, units={}, copies=0))
            continue
        if (
            resource_type not in (SCALING_TARGET, SCHEDULED_ACTION)
            or props.get("serviceNamespace") != "dynamodb"
        ):
            continue
        resource_id = str(props.get("resourceId", ""))
        table_name = resource_id.split("/")[1] if resource_id.count("/") >= 1 else ""
        if table_name not in tables:
            continue
        if resource_type == SCALING_TARGET:
            limits = [props.get("maxCapacity"), props.get("minCapacity")]
        else:
            action = mapping(props.get("scalableTargetAction"))
            limits = [action.get("maxCapacity"), action.get("minCapacity")]
        maximum = max(_units(v) for v in limits)
        units = tables[table_name].units.setdefault(resource_id, _Units())
        if str(props.get("scalableDimension", "")).endswith("ReadCapacityUnits"):
            units.read = max(units.read, maximum)
        else:
            units.write = max(units.write, maximum)
    return list(tables.values())


def _table_items(resources: Sequence[Resource], cost: StackCost) -> None:
    tables = table_capacities([(r.resource_type, r.props) for r in resources])
    # By name: the engine registers resources in no fixed order, the messages must not vary.
    for table in sorted(tables, key=lambda t: t.name):
        if table.copies == 0:
            cost.problems.append(
                f"a TableReplica copies '{table.name}', which is not a table in this stack, so "
                "its cost cannot be bounded"
            )
            continue
        if table.on_demand:
            cost.problems.append(
                f"table '{table.name}' is on-demand, so its monthly cost has no ceiling"
            )
        cost.items.append(
            Item("DynamoDB", f"table '{table.name}'", table.describe(), table.monthly_usd)
        )


# -- API Gateway -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageCeiling:
    stage: Resource
    requests_per_second: float
    how: str  # how the ceiling was reached, for the message


def _depends_on(resource: Resource, key: str, target: Resource) -> bool:
    """Whether `resource`'s input `key` took its value from `target` (propertyDependencies)."""
    target_urn = getattr(target, "urn", None)
    return any(
        d is target or (target_urn is not None and getattr(d, "urn", None) == target_urn)
        for d in resource.property_dependencies.get(key, ())
    )


def _method_count(resources: Sequence[Resource], stage: Resource) -> int | None:
    """How many methods the stage's API defines (operations of its body); None if unreadable."""
    apis = [
        r for r in resources if r.resource_type == REST_API and _depends_on(stage, "restApi", r)
    ]
    if len(apis) != 1:
        return None
    try:
        document, error = api_document(apis[0].props)
    except UnknownValueError:
        return None  # at preview: the body holds ARNs not known yet
    if error is not None or document is None:
        return None
    return sum(1 for _ in operations(document)) or None


def stage_ceilings(resources: Sequence[Resource], problems: list[str]) -> list[StageCeiling]:
    """The most requests a second each stage can serve, from its MethodSettings."""
    settings = [r for r in resources if r.resource_type == METHOD_SETTINGS]
    for resource in settings:
        values = mapping(resource.props.get("settings"))
        subject = label(resource.resource_type, resource.name)
        level = values.get("loggingLevel")
        if level is not None and str(level).upper() != "OFF":
            problems.append(
                f"{subject} sets loggingLevel {level!r}: execution logs go to a log group API "
                "Gateway creates outside the stack, kept forever, whose cost has no bound; "
                "set it OFF (the access log is the trace)"
            )
        if switched_on(values.get("metricsEnabled")):
            problems.append(
                f"{subject} enables metricsEnabled: detailed metrics are billed as custom "
                "metrics, per method, which nothing here prices; the alarms and the dashboard "
                "read the stage's own metrics"
            )
    ceilings = []
    for stage in (r for r in resources if r.resource_type == STAGE):
        own = [s for s in settings if _depends_on(s, "stageName", stage)]
        limits: list[float] = []
        throttled = False
        unthrottled_method = False
        for resource in own:
            values = mapping(resource.props.get("settings"))
            try:
                rate = quantity(values.get("throttlingRateLimit"))
            except NotANumber:
                rate = None
            if rate is None or rate < 0:
                unthrottled_method = True  # unset is sent as -1: throttling off there
                continue
            limits.append(rate)
            if resource.props.get("methodPath") == ALL_METHODS:
                throttled = True
        ceiling = prices.ACCOUNT_THROTTLE_RATE
        if not throttled or unthrottled_method or not limits:
            how = "no throttle on every method: the account's ceiling"
        else:
            methods = _method_count(resources, stage)
            if methods is None:
                how = (
                    f"throttled at {fmt(max(limits))}/s per method, its API's methods unknown "
                    "(at preview): the account's ceiling"
                )
            else:
                ceiling = min(ceiling, max(limits) * methods)
                how = f"{fmt(max(limits))}/s per method x {methods} methods"
                if ceiling == prices.ACCOUNT_THROTTLE_RATE:
                    how += ", capped at the account's ceiling"
        ceilings.append(StageCeiling(stage, ceiling, how))
    return ceilings


def _stage_items(resources: Sequence[Resource], cost: StackCost) -> None:
    ceilings = sorted(
        stage_ceilings(resources, cost.problems),
        key=lambda c: (-c.requests_per_second, c.stage.name),
    )
    own = ceilings[0].stage.name if ceilings else ""
    for index, ceiling in enumerate(ceilings):
        stage = ceiling.stage
        subject = label(stage.resource_type, stage.name)
        requests = ceiling.requests_per_second * prices.SECONDS_PER_MONTH
        what = f"up to {requests / 1e6:,.1f} million requests a month ({ceiling.how})"
        monthly = prices.requests_monthly_usd(ceiling.requests_per_second)
        if index == 0:
            cost.items.append(
                Item(
                    "API Gateway",
                    subject,
                    f"{what}: the service's own traffic, watched by AWS Budgets, not counted",
                    monthly,
                    counted=False,
                )
            )
        else:
            cost.items.append(
                Item(
                    "API Gateway",
                    subject,
                    f"{what}: a stage beyond the service's own (taken to be Stage '{own}'), "
                    "at its ceiling",
                    monthly,
                )
            )
        if switched_on(stage.props.get("cacheClusterEnabled")):
            size = str(stage.props.get("cacheClusterSize") or prices.DEFAULT_CACHE_SIZE)
            hourly = prices.CACHE_HOUR_USD.get(size)
            if hourly is None:
                cost.problems.append(f"{subject} asks for a cache of size {size!r}, not priced")
            else:
                cost.items.append(
                    Item(
                        "API Gateway",
                        subject,
                        f"a {size} GB cache, by the hour",
                        hourly * prices.HOURS_PER_MONTH,
                    )
                )


# -- CloudWatch ------------------------------------------------------------------------------------


def _period(value: Any, subject: str, problems: list[str]) -> float | None:
    try:
        return quantity(value)
    except NotANumber as error:
        problems.append(f"{subject} has a period that is not a number ({error})")
        return None


def _alarm_item(alarm: Resource, problems: list[str]) -> Item | None:
    props = alarm.props
    subject = label(alarm.resource_type, alarm.name)
    periods = [_period(props.get("period"), subject, problems)]
    metrics = 1 if props.get("metricName") is not None else 0
    for entry in as_list(props.get("metricQueries")):
        query = mapping(entry)
        metric = mapping(query.get("metric"))
        if metric:
            metrics += 1
            periods.append(_period(metric.get("period"), subject, problems))
        periods.append(_period(query.get("period"), subject, problems))
        expression = query.get("expression")
        if isinstance(expression, str):
            text = expression.upper()
            if "SELECT" in text or "SEARCH(" in text:
                problems.append(
                    f"{subject} evaluates {expression!r}: a query is billed per metric it "
                    "matches, which the pack cannot count; alarm on named metrics"
                )
                return None
            if "ANOMALY_DETECTION_BAND" in text:
                metrics += prices.ANOMALY_BAND_EXTRA_METRICS
    metrics = max(metrics, 1)
    high = any(p is not None and p < prices.HIGH_RESOLUTION_BELOW_SECONDS for p in periods)
    if high:
        return Item(
            "CloudWatch alarms",
            subject,
            f"{metrics} high-resolution alarm metric(s) (a period under "
            f"{prices.HIGH_RESOLUTION_BELOW_SECONDS} s)",
            prices.alarm_monthly_usd(0, metrics),
        )
    return Item(
        "CloudWatch alarms",
        subject,
        f"{metrics} standard alarm metric(s)",
        prices.alarm_monthly_usd(metrics, 0),
    )


def _dashboard_item(dashboard: Resource, problems: list[str]) -> Item:
    subject = label(dashboard.resource_type, dashboard.name)
    try:
        body = dashboard.props.get("dashboardBody")
    except UnknownValueError:
        body = None  # at preview it names resources not created yet; `up` reads it
    if isinstance(body, str):
        document, error = load_json(body)
        if error is not None:
            problems.append(f"{subject} dashboardBody {error}")
        else:
            kinds = {str(mapping(w).get("type")) for w in as_list(mapping(document).get("widgets"))}
            for kind in sorted(kinds - FREE_WIDGETS):
                problems.append(
                    f"{subject} has a {kind!r} widget: a log widget runs a Logs Insights query "
                    "(billed per GB scanned) whenever the dashboard is open, a custom widget "
                    f"calls a Lambda function; only {', '.join(sorted(FREE_WIDGETS))} widgets "
                    "are priced"
                )
    return Item("CloudWatch dashboards", subject, "a dashboard", prices.DASHBOARD_USD)


def _log_group_item(group: Resource, problems: list[str]) -> Item | None:
    subject = label(group.resource_type, group.name)
    log_class = str(group.props.get("logGroupClass") or "STANDARD")
    if log_class not in prices.LOG_INGEST_GB_USD:
        problems.append(f"{subject} uses logGroupClass {log_class}, which is not priced")
        return None
    try:
        days = quantity(group.props.get("retentionInDays"))
    except NotANumber as error:
        problems.append(f"{subject} retentionInDays is not a number ({error})")
        return None
    if days is None or days <= 0:
        problems.append(
            f"{subject} keeps its logs forever (retentionInDays unset or 0), so what it stores "
            "grows without bound"
        )
        return None
    return Item(
        "CloudWatch Logs",
        subject,
        f"{fmt(prices.LOG_INGEST_GB_PER_MONTH)} GB ingested a month (assumed), kept "
        f"{fmt(days)} days",
        prices.log_group_monthly_usd(days, log_class),
    )


# -- the rest --------------------------------------------------------------------------------------


def _scaling_policy_item(policy: Resource, problems: list[str]) -> Item | None:
    subject = label(policy.resource_type, policy.name)
    kind = policy.props.get("policyType") or "StepScaling"  # the provider's default
    if kind == "TargetTrackingScaling":
        alarms = prices.TARGET_TRACKING_ALARMS
        return Item(
            "CloudWatch alarms",
            subject,
            f"{alarms} alarms target tracking creates",
            prices.alarm_monthly_usd(alarms, 0),
        )
    if kind == "StepScaling":
        return Item(
            "CloudWatch alarms", subject, "its alarms are MetricAlarm resources, priced there", 0.0
        )
    problems.append(f"{subject} is a {kind} policy, which is not priced")
    return None


def _waf_items(resource: Resource, problems: list[str]) -> Item | None:
    subject = label(resource.resource_type, resource.name)
    rules = list(as_list(resource.props.get("rules")))
    try:
        rule_json = resource.props.get("ruleJson")
    except UnknownValueError:
        rule_json = None
    if isinstance(rule_json, str):
        parsed, error = load_json(rule_json)
        if error is not None:
            problems.append(f"{subject} ruleJson {error}")
            return None
        rules += as_list(parsed)
    for _, key, value in walk(rules):
        if key.lower() != "managedrulegroupstatement":
            continue
        statement = {str(k).lower(): v for k, v in mapping(value).items()}
        vendor, name = statement.get("vendorname"), statement.get("name")
        if vendor != "AWS" or name in prices.WAF_PAID_RULE_GROUPS:
            problems.append(
                f"{subject} uses the managed rule group {vendor}/{name}, whose subscription fee "
                "is not priced"
            )
    if resource.resource_type == WAF_RULE_GROUP:
        return Item("AWS WAF", subject, "a rule group", prices.WAF_RULE_USD)
    return Item(
        "AWS WAF",
        subject,
        f"a web ACL with {len(rules)} rule(s) (inspections are traffic, like the stage's)",
        prices.WAF_WEB_ACL_USD + prices.WAF_RULE_USD * len(rules),
    )


# Types priced (or bounded) above, besides the tables'.
_DYNAMODB_TYPES = (TABLE, GLOBAL_SECONDARY_INDEX, TABLE_REPLICA, SCHEDULED_ACTION)
# Every type this module prices; any other must be free (prices.FREE_TYPES) or is refused.
PRICED_TYPES = frozenset(
    {
        *_DYNAMODB_TYPES,
        STAGE,
        METRIC_ALARM,
        COMPOSITE_ALARM,
        DASHBOARD,
        LOG_GROUP,
        BUDGET,
        SCALING_POLICY,
        *WAF_WEB_ACLS,
        WAF_RULE_GROUP,
    }
)


def stack_cost(resources: Iterable[Resource]) -> StackCost:
    """Every cost item of the stack, and what cannot be priced."""
    resources = list(resources)
    cost = StackCost()
    _table_items(resources, cost)
    _stage_items(resources, cost)
    for resource in sorted(resources, key=lambda r: (r.resource_type, r.name)):
        kind = resource.resource_type
        item: Item | None = None
        if kind in _DYNAMODB_TYPES or kind == STAGE:
            continue
        if kind == METRIC_ALARM:
            item = _alarm_item(resource, cost.problems)
        elif kind == COMPOSITE_ALARM:
            item = Item(
                "CloudWatch alarms",
                label(kind, resource.name),
                "a composite alarm",
                prices.COMPOSITE_ALARM_USD,
            )
        elif kind == DASHBOARD:
            item = _dashboard_item(resource, cost.problems)
        elif kind == LOG_GROUP:
            item = _log_group_item(resource, cost.problems)
        elif kind == BUDGET:
            item = Item(
                "AWS Budgets", label(kind, resource.name), "a budget", prices.BUDGET_MONTHLY_USD
            )
        elif kind == SCALING_POLICY:
            item = _scaling_policy_item(resource, cost.problems)
        elif kind in WAF_WEB_ACLS or kind == WAF_RULE_GROUP:
            item = _waf_items(resource, cost.problems)
        elif (
            kind in prices.FREE_TYPES
            or kind.startswith("pulumi:")
            or kind.startswith(prices.COMPONENT_PREFIX)
            # A type whose inputs nobody reviewed is refused by resource-inputs-reviewed (and
            # one not allowed by allowed-resource-types); only a reviewed one must be priced.
            or kind not in REVIEWED_TYPES
        ):
            continue
        else:
            cost.problems.append(
                f"{label(kind, resource.name)} is of type {kind}, which has no price; price it "
                "in policy/comments_policy/prices.py (or list it there as free, with why) before "
                "the stack may hold it"
            )
        if item is not None:
            cost.items.append(item)
    return cost
