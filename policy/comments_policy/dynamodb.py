"""DynamoDB: capacity stays provisioned and under the stack's caps and budget; prod data is protected."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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
    INTEGRATION,
    REST_API,
    SCALING_TARGET,
    SCHEDULED_ACTION,
    TABLE,
    ConfigMissing,
    NotANumber,
    api_document,
    as_list,
    config_number,
    fmt,
    integrations,
    label,
    mapping,
    misconfigured,
    quantity,
    reporter,
)
from comments_policy.costs import BUDGET as BUDGET_TYPE
from comments_policy.costs import TableCapacity, stack_cost, table_capacities

CAPACITY = "dynamodb-provisioned-capacity"
BUDGET = "dynamodb-monthly-cost-budget"
DATA_PROTECTION = "dynamodb-data-protection"
TTL_SMOKE_ONLY = "dynamodb-ttl-smoke-only"

__all__ = ["TableCapacity", "table_capacities"]  # the cost report reads them from here too

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
        try:
            # A number given as text is counted by its value, as the provider reads it.
            units = quantity(value)
        except NotANumber as error:
            say(
                f"{what} is not a number ({error}); give it as a number, at most "
                f"{fmt(caps[cap_key])}"
            )
            return
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


def _budget_limits(args: StackValidationArgs, budget: float) -> Iterator[str]:
    """What lets an AWS Budgets budget of the stack watch for more than the stack's budget."""
    for resource in args.resources:
        if resource.resource_type != BUDGET_TYPE:
            continue
        props = resource.props
        subject = label(resource.resource_type, resource.name)
        if props.get("budgetType") != "COST" or props.get("timeUnit") != "MONTHLY":
            yield (
                f"{subject} watches {props.get('budgetType')} per {props.get('timeUnit')}; the "
                "stack's budget is a monthly cost (budgetType COST, timeUnit MONTHLY)"
            )
        if props.get("autoAdjustData") is not None:
            yield (
                f"{subject} sets autoAdjustData: its limit would follow past spend, not this "
                "stack's budget"
            )
        limits = [("limitAmount", props.get("limitAmount"), props.get("limitUnit"))]
        for index, planned in enumerate(as_list(props.get("plannedLimits"))):
            planned = mapping(planned)
            limits.append((f"plannedLimits[{index}]", planned.get("amount"), planned.get("unit")))
        if limits[0][1] is None and len(limits) == 1:
            yield f"{subject} sets no limitAmount; set it to this stack's budget of ${budget:.2f}"
        for where, amount, unit in limits:
            if amount is None:
                continue
            try:
                value = quantity(amount)
            except NotANumber as error:
                yield f"{subject} {where} is not an amount ({error})"
                continue
            if unit is not None and unit != "USD":  # unset is resource-inputs-reviewed's
                yield f"{subject} {where} is in {unit!r}; the stack's budget is in USD"
            if value is not None and value > budget:
                yield (
                    f"{subject} {where} is ${value:.2f}, above this stack's budget of "
                    f"${budget:.2f} (monthlyBudgetUsd): it would stay quiet while the stack "
                    "spends more than the pack allows"
                )


def _budget(args: StackValidationArgs, report: ReportViolation) -> None:
    try:
        budget = config_number(args.get_config(), "monthlyBudgetUsd")
    except ConfigMissing as error:
        misconfigured(report, BUDGET, error)
        return
    cost = stack_cost(args.resources)
    for problem in cost.problems:
        report(f"{BUDGET}: {problem}, and the budget of ${budget:.2f} cannot hold", None)
    for problem in _budget_limits(args, budget):
        report(f"{BUDGET}: {problem}", None)
    total = cost.monthly_usd
    if total > budget:
        kinds: dict[str, list[Any]] = {}
        for item in cost.items:
            if item.counted and item.monthly_usd:
                kinds.setdefault(item.kind, []).append(item)
        detail = "; ".join(
            f"{kind} ${sum(i.monthly_usd for i in items):.4f} ("
            + (
                ", ".join(f"{i.subject} {i.what} = ${i.monthly_usd:.4f}" for i in items)
                if len(items) <= 2
                else f"{len(items)} resources"
            )
            + ")"
            for kind, items in sorted(kinds.items())
        )
        report(
            f"{BUDGET}: the stack costs ${total:.4f}/month ({detail}) at {prices.REGION} prices "
            f"of {prices.PRICES_AS_OF}, above this stack's budget of ${budget:.2f} "
            "(monthlyBudgetUsd)",
            None,
        )


# -- the smoke tests' TTL --------------------------------------------------------------------------

# The program marks a comment as a smoke test's, with a TTL after which DynamoDB deletes it, when
# its slug starts with comments:smokeSlugPrefix. A prefix every page path shares ('/', '/blog')
# would make DynamoDB delete real comments, so the prefix is reserved: it starts with this, a
# path no page has (infra/comments_infra/settings.py refuses any other at settings load).
RESERVED_SMOKE_PREFIX = "/__smoke__/"
_SMOKE_PREFIX = re.compile(r"^/__smoke__/[A-Za-z0-9/_.-]{0,53}$")
# `#set($isSmoke = $rawSlug.startsWith('<prefix>'))`: the one shape of the guard.
_GUARD = re.compile(
    r"#set\(\s*\$(?P<var>\w+)\s*=\s*\$(?P<slug>\w+)\.startsWith\(\s*'(?P<prefix>[^']*)'\s*\)\s*\)"
)
_DIRECTIVE = re.compile(r"#\{?(?P<name>if|elseif|else|end|foreach|macro|define)\b\}?")


def _strip_comments(template: str) -> str:
    """VTL without its comments (## to the end of a line, #* ... *#), positions kept."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
    return re.sub(r"##[^\n]*", blank, re.sub(r"#\*.*?\*#", blank, template, flags=re.S))


def _condition(text: str, start: int) -> tuple[str, int]:
    """The parenthesised condition that opens at `start`, and where it ends."""
    depth, index, quote = 0, start, ""
    while index < len(text):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index], index + 1
        index += 1
    raise ValueError("a condition is not closed")


def _guarded_spans(text: str, guard: str) -> list[tuple[int, int]]:
    """(start, end) of every stretch of `text` inside an `#if($guard)` branch."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, bool, int]] = []  # (directive, this branch is the guard's, start)
    index = 0
    while (match := _DIRECTIVE.search(text, index)) is not None:
        name, index = match.group("name"), match.end()
        if name in ("if", "elseif", "foreach", "macro", "define"):
            condition = ""
            if text[index:].lstrip().startswith("("):
                condition, index = _condition(text, text.index("(", index))
            is_guard = name == "if" and re.sub(r"[\s{}!]", "", condition) == f"${guard}"
            if name == "elseif":
                if not stack:
                    raise ValueError("#elseif outside #if")
                kind, was_guard, start = stack.pop()
                if was_guard:
                    spans.append((start, match.start()))
                stack.append((kind, False, index))
            else:
                stack.append((name, is_guard, index))
        elif name == "else":
            if not stack:
                raise ValueError("#else outside #if")
            kind, was_guard, start = stack.pop()
            if was_guard:
                spans.append((start, match.start()))
            stack.append((kind, False, index))
        else:  # end
            if not stack:
                raise ValueError("#end without an opening directive")
            _, was_guard, start = stack.pop()
            if was_guard:
                spans.append((start, match.start()))
    if stack:
        raise ValueError(f"#{stack[-1][0]} is not closed")
    return spans


def smoke_guard_problems(template: str, attribute: str) -> list[str]:
    """Why a request template could set the TTL `attribute` on more than smoke tests' comments.

    Allowed: the attribute appears only inside `#if($V)` branches, where `$V` is set once, as
    `#set($V = $S.startsWith('<prefix>'))`, `$S` is set once, from `$input.path('$.slug')`, and
    the prefix starts with /__smoke__/ (RESERVED_SMOKE_PREFIX). Anything else is refused.
    """
    text = _strip_comments(template)
    if attribute not in text:
        return []
    guards = list(_GUARD.finditer(text))
    if len(guards) != 1:
        return [
            f"writes the TTL attribute '{attribute}' without one guard "
            "#set($isSmoke = $rawSlug.startsWith('<comments:smokeSlugPrefix>')) to decide which "
            "comments are smoke tests'"
        ]
    guard = guards[0]
    var, slug, prefix = guard.group("var"), guard.group("slug"), guard.group("prefix")
    problems = []
    if not _SMOKE_PREFIX.match(prefix):
        problems.append(
            f"gives the TTL attribute '{attribute}' to every comment whose slug starts with "
            f"{prefix!r} (comments:smokeSlugPrefix), so DynamoDB would delete real comments; the "
            f"smoke prefix must start with {RESERVED_SMOKE_PREFIX}, a path no page has"
        )
    sets = re.findall(r"#set\(\s*\$\{?(\w+)", text)
    if sets.count(var) != 1:
        problems.append(f"sets the smoke guard ${var} more than once")
    sources = re.findall(rf"#set\(\s*\${slug}\s*=\s*\$input\.path\(\s*'\$\.slug'\s*\)\s*\)", text)
    if sets.count(slug) != 1 or len(sources) != 1:
        problems.append(
            f"decides the smoke guard on ${slug}, which is not set once from $input.path('$.slug')"
        )
    try:
        spans = _guarded_spans(text, var)
    except ValueError as error:
        return [*problems, f"cannot be read ({error}); the TTL attribute's guard cannot be checked"]
    outside = [
        m.start()
        for m in re.finditer(re.escape(attribute), text)
        if not any(start <= m.start() < end for start, end in spans)
    ]
    if outside:
        line = text.count("\n", 0, outside[0]) + 1
        problems.append(
            f"writes the TTL attribute '{attribute}' outside #if(${var}) (line {line}), so "
            "comments that are not smoke tests' (comments:smokeSlugPrefix) would expire"
        )
    return problems


def _templates(resource: Any) -> Iterator[tuple[str, str]]:
    """(where, template) of every request template a RestApi body or Integration holds."""
    if resource.resource_type == REST_API:
        document, _ = api_document(resource.props)  # an unreadable body is another rule's
        for where, integration in integrations(document or {}):
            for content_type, template in mapping(integration.get("requestTemplates")).items():
                if isinstance(template, str):
                    yield f"{where} requestTemplates['{content_type}']", template
    elif resource.resource_type == INTEGRATION:
        for content_type, template in mapping(resource.props.get("requestTemplates")).items():
            if isinstance(template, str):
                yield f"requestTemplates['{content_type}']", template


def _ttl_smoke_only(args: StackValidationArgs, report: ReportViolation) -> None:
    attributes = sorted(
        {
            str(ttl.get("attributeName"))
            for table in args.resources
            if table.resource_type == TABLE
            and (ttl := mapping(table.props.get("ttl")))
            and ttl.get("enabled") is not False
            and ttl.get("attributeName")
        }
    )
    if not attributes:
        return
    for resource in args.resources:
        if resource.resource_type not in (REST_API, INTEGRATION):
            continue
        for where, template in _templates(resource):
            for attribute in attributes:
                for problem in smoke_guard_problems(template, attribute):
                    report(
                        f"{TTL_SMOKE_ONLY}: {label(resource.resource_type, resource.name)} "
                        f"{where} {problem}",
                        resource.urn,
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
            "Everything the stack is billed for (DynamoDB capacity at its autoscaling maximum, "
            "stages beyond the service's own at their throttle, alarms, dashboards, logs, budgets, "
            "WAF) costs no more per month than the stack's budget, every resource is priced, and "
            "no AWS Budgets budget's limit is above it."
        ),
        validate=_budget,
        config_schema=PolicyConfigSchema(
            properties={
                "monthlyBudgetUsd": {
                    "type": "number",
                    "minimum": 0.01,
                    "description": "Most the stack may cost per 30-day month, in USD, at list prices.",
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
    StackValidationPolicy(
        name=TTL_SMOKE_ONLY,
        description=(
            "A request template writes a table's TTL attribute only for slugs under the reserved "
            "smoke prefix (/__smoke__/...), so DynamoDB never deletes real comments."
        ),
        validate=_ttl_smoke_only,
    ),
]
