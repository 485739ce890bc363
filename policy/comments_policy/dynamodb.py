"""DynamoDB: capacity stays provisioned and under the stack's caps and budget; prod data is protected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from comments_policy import prices
from comments_policy.common import (
    GLOBAL_SECONDARY_INDEX,
    SCALING_TARGET,
    SCHEDULED_ACTION,
    TABLE,
    TABLE_REPLICA,
    ConfigMissing,
    as_list,
    config_number,
    fmt,
    label,
    mapping,
    misconfigured,
    number,
    reporter,
)

CAPACITY = "dynamodb-provisioned-capacity"
BUDGET = "dynamodb-monthly-cost-budget"
DATA_PROTECTION = "dynamodb-data-protection"

_READ, _WRITE = "maxReadCapacity", "maxWriteCapacity"


def _caps(config: Mapping[str, Any]) -> dict[str, float]:
    return {_READ: config_number(config, _READ), _WRITE: config_number(config, _WRITE)}


def _dimension_cap(dimension: str) -> str:
    return _READ if dimension.endswith("ReadCapacityUnits") else _WRITE


def _capacity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (TABLE, GLOBAL_SECONDARY_INDEX, SCALING_TARGET, SCHEDULED_ACTION):
        return
    props = args.props
    if (
        args.resource_type in (SCALING_TARGET, SCHEDULED_ACTION)
        and props.get("serviceNamespace") != "dynamodb"
    ):
        return
    try:
        caps = _caps(args.get_config())
    except ConfigMissing as error:
        misconfigured(report, CAPACITY, error)
        return
    say = reporter(report, CAPACITY, label(args.resource_type, args.name))

    def within(value: Any, what: str, cap_key: str, copies: int = 1, required: bool = True) -> None:
        units = number(value)
        if units is None:
            if required:
                say(
                    f"sets no {what}; provisioned capacity must be set, at most {fmt(caps[cap_key])}"
                )
            return
        total = units * copies
        if total > caps[cap_key]:
            counted = (
                f" x {copies} copies (the table and its replicas) = {fmt(total)}"
                if copies > 1
                else ""
            )
            say(
                f"{what} is {fmt(units)}{counted}, above this stack's cap of "
                f"{fmt(caps[cap_key])} ({cap_key})"
            )

    def warm(value: Any, where: str, copies: int = 1) -> None:
        # Pre-warming is billed capacity the table keeps: it counts against the caps like any unit.
        throughput = mapping(value)
        within(
            throughput.get("readUnitsPerSecond"), f"{where}readUnitsPerSecond", _READ, copies, False
        )
        within(
            throughput.get("writeUnitsPerSecond"),
            f"{where}writeUnitsPerSecond",
            _WRITE,
            copies,
            False,
        )

    if args.resource_type == TABLE:
        billing = props.get("billingMode") or "PROVISIONED"  # the provider's default
        if billing != "PROVISIONED":
            say(
                f"uses billingMode {billing}: on-demand capacity has no ceiling; "
                "use PROVISIONED within the stack's caps"
            )
            return
        table_class = props.get("tableClass") or "STANDARD"  # the provider's default
        if table_class != "STANDARD":
            # The prices and the budget are Standard's; Standard-IA's throughput costs more.
            say(
                f"uses tableClass {table_class}; the caps and the budget are priced for "
                "STANDARD, and STANDARD_INFREQUENT_ACCESS throughput costs more"
            )
        copies = 1 + len(as_list(props.get("replicas")))
        within(props.get("readCapacity"), "readCapacity", _READ, copies)
        within(props.get("writeCapacity"), "writeCapacity", _WRITE, copies)
        warm(props.get("warmThroughput"), "warmThroughput.", copies)
        for index in as_list(props.get("globalSecondaryIndexes")):
            gsi = mapping(index)
            name = gsi.get("name", "?")
            within(gsi.get("readCapacity"), f"index '{name}' readCapacity", _READ, copies)
            within(gsi.get("writeCapacity"), f"index '{name}' writeCapacity", _WRITE, copies)
            warm(gsi.get("warmThroughput"), f"index '{name}' warmThroughput.", copies)
    elif args.resource_type == GLOBAL_SECONDARY_INDEX:
        throughput = mapping(props.get("provisionedThroughput"))
        within(throughput.get("readCapacityUnits"), "readCapacityUnits", _READ)
        within(throughput.get("writeCapacityUnits"), "writeCapacityUnits", _WRITE)
        warm(props.get("warmThroughput"), "warmThroughput.")
    elif args.resource_type == SCALING_TARGET:
        dimension = str(props.get("scalableDimension", ""))
        cap_key = _dimension_cap(dimension)
        within(props.get("maxCapacity"), f"autoscaling maxCapacity for {dimension}", cap_key)
        within(
            props.get("minCapacity"),
            f"autoscaling minCapacity for {dimension}",
            cap_key,
            required=False,
        )
    else:
        dimension = str(props.get("scalableDimension", ""))
        cap_key = _dimension_cap(dimension)
        action = mapping(props.get("scalableTargetAction"))
        within(
            action.get("maxCapacity"),
            f"scheduled maxCapacity for {dimension}",
            cap_key,
            required=False,
        )
        within(
            action.get("minCapacity"),
            f"scheduled minCapacity for {dimension}",
            cap_key,
            required=False,
        )


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


def _warm_units(value: Any) -> _Units:
    throughput = mapping(value)
    return _Units(
        number(throughput.get("readUnitsPerSecond")) or 0.0,
        number(throughput.get("writeUnitsPerSecond")) or 0.0,
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
            number(props.get("readCapacity")) or 0.0, number(props.get("writeCapacity")) or 0.0
        )
        table.warm = _warm_units(props.get("warmThroughput"))
        for index in as_list(props.get("globalSecondaryIndexes")):
            gsi = mapping(index)
            table.units[f"table/{name}/index/{gsi.get('name')}"] = _Units(
                number(gsi.get("readCapacity")) or 0.0, number(gsi.get("writeCapacity")) or 0.0
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
                number(throughput.get("readCapacityUnits")) or 0.0,
                number(throughput.get("writeCapacityUnits")) or 0.0,
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
        maximum = max((number(v) or 0.0) for v in limits)
        units = tables[table_name].units.setdefault(resource_id, _Units())
        if str(props.get("scalableDimension", "")).endswith("ReadCapacityUnits"):
            units.read = max(units.read, maximum)
        else:
            units.write = max(units.write, maximum)
    return list(tables.values())


def _budget(args: StackValidationArgs, report: ReportViolation) -> None:
    try:
        budget = config_number(args.get_config(), "monthlyBudgetUsd")
    except ConfigMissing as error:
        misconfigured(report, BUDGET, error)
        return
    tables = table_capacities([(r.resource_type, r.props) for r in args.resources])
    for table in tables:
        if table.copies == 0:
            report(
                f"{BUDGET}: a TableReplica copies '{table.name}', which is not a table in this "
                "stack, so its cost cannot be bounded",
                None,
            )
        if table.on_demand:
            report(
                f"{BUDGET}: table '{table.name}' is on-demand, so its monthly cost has no ceiling "
                f"and the budget of ${budget:.2f} cannot hold",
                None,
            )
    total = sum(t.monthly_usd for t in tables)
    if total > budget:
        detail = "; ".join(
            f"table '{t.name}' {fmt(t.read)} RCU + {fmt(t.write)} WCU"
            + (f" (x{t.copies} copies)" if t.copies > 1 else "")
            + (
                f" + warm throughput {fmt(t.warm.read * t.copies)} read / "
                f"{fmt(t.warm.write * t.copies)} write units/s"
                if t.warm.read or t.warm.write
                else ""
            )
            + f" = ${t.monthly_usd:.4f}"
            # By name: the engine registers resources in no fixed order, the message must not vary.
            for t in sorted(tables, key=lambda t: t.name)
        )
        report(
            f"{BUDGET}: provisioned DynamoDB capacity costs ${total:.4f}/month ({detail}) at "
            f"{prices.REGION} prices of {prices.PRICES_AS_OF}, above this stack's budget of "
            f"${budget:.2f} (monthlyBudgetUsd)",
            None,
        )


def _data_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != TABLE:
        return
    say = reporter(report, DATA_PROTECTION, label(args.resource_type, args.name))
    if mapping(args.props.get("pointInTimeRecovery")).get("enabled") is not True:
        say(
            "has point-in-time recovery off; enable pointInTimeRecovery so bad writes can be undone"
        )
    if args.props.get("deletionProtectionEnabled") is not True:
        say(
            "has deletion protection off; set deletionProtectionEnabled so AWS refuses to delete it"
        )
    if not args.opts.protect:
        say(
            "is not protected in Pulumi (protect=True); a destroy or a replace could delete its data"
        )


POLICIES = [
    ResourceValidationPolicy(
        name=CAPACITY,
        description=(
            "Tables use PROVISIONED billing with read/write capacity, index capacity and "
            "autoscaling maximums within the stack's caps."
        ),
        validate=_capacity,
        config_schema=PolicyConfigSchema(
            properties={
                _READ: {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Most read capacity units a table, index or scaling target may have.",
                },
                _WRITE: {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Most write capacity units a table, index or scaling target may have.",
                },
            },
            required=[_READ, _WRITE],
        ),
    ),
    StackValidationPolicy(
        name=BUDGET,
        description=(
            "The stack's provisioned DynamoDB capacity, at its autoscaling maximum, costs no more "
            "per month than the stack's budget."
        ),
        validate=_budget,
        config_schema=PolicyConfigSchema(
            properties={
                "monthlyBudgetUsd": {
                    "type": "number",
                    "minimum": 0.01,
                    "description": "Most the stack's DynamoDB capacity may cost per 30-day month, in USD.",
                }
            },
            required=["monthlyBudgetUsd"],
        ),
    ),
    ResourceValidationPolicy(
        name=DATA_PROTECTION,
        description=(
            "Tables have point-in-time recovery, deletion protection and Pulumi protect on."
        ),
        validate=_data_protection,
    ),
]
