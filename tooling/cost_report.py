"""Cost per environment, as a markdown table (a GitHub job summary reads it as is).

For every stack: the provisioned capacity the program declares (its floor, and the ceiling DynamoDB
auto scaling may reach), what each costs a month, the budget and caps from the stack's policy
config, and how many requests a second that capacity sustains. The monthly figures are the budget
rule's: replicas, autoscaling maximums and warm throughput count.
Then everything the budget rule counts, per stack and per resource: the pack's own pricing
(`policy/comments_policy/costs.py`), so the report and `dynamodb-monthly-cost-budget` cannot
disagree. Then what one POST and one GET of a page of typical comments consume, by DynamoDB's
size rules, checked against the seed's figure. Prices come from the policy pack's one price table.

    python -m tooling.cost_report [stack ...]
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tooling.offline_runner import (
    REPO_ROOT,
    Plan,
    StackConfigError,
    available_stacks,
    load_project,
    run_command,
    run_stack,
)
from tooling.policy_check import PolicyConfigError, load_pack, load_policy_config, pack_module

# The pack's price table: the one place prices live.
prices = pack_module("comments_policy.prices")
# ... and its pricing: what each resource of a stack is counted for, as the budget rule counts it.
costs = pack_module("comments_policy.costs")
# The report's columns, in order: the kinds of cost costs.py names.
COST_KINDS = (
    "DynamoDB",
    "API Gateway",
    "CloudWatch alarms",
    "CloudWatch dashboards",
    "CloudWatch Logs",
    "AWS Budgets",
    "AWS WAF",
)

# The seed's worked example: 2 RCU provisioned, $0.1872 a month.
SEED_RCU = 2
SEED_MONTHLY_USD = 0.1872
PAGE_SIZE = 10  # the API's default page (DESIGN: GET /comments)

# A typical comment: a blog path, a display name, a few sentences, a millisecond timestamp.
TYPICAL_COMMENT: dict[str, str | int] = {
    "slug": "/blog/2026/11/hello-world",
    "createdAt": 1795600000123,
    "author": "Ada Lovelace",
    "comment": (
        "Thanks for writing this up - the part about conditional writes finally made it click "
        "for me. One question: how do you handle two comments posted in the same millisecond? "
        "I assume the condition fails and the client retries, but it would be good to say so."
    ),
}


def number_size(value: int | float | Decimal) -> int:
    """DynamoDB: about 1 byte per 2 significant digits, plus 1 (leading/trailing zeros trimmed)."""
    digits = str(Decimal(str(value)).normalize()).lstrip("-").replace(".", "")
    digits = digits.split("E")[0].strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def item_size(item: dict[str, str | int]) -> int:
    """Bytes an item counts for capacity: attribute names plus values (no storage overhead)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode("utf-8"))
        size += len(value.encode("utf-8")) if isinstance(value, str) else number_size(value)
    return size


def write_units(size: int) -> int:
    """A write costs its item size rounded up to 1 KB (at least 1 WCU)."""
    return max(1, math.ceil(size / 1024))


def query_read_units(total_size: int, *, consistent: bool = False) -> float:
    """A Query costs the total size read rounded up to 4 KB; half that eventually consistent."""
    units = max(1, math.ceil(total_size / 4096))
    return float(units) if consistent else units / 2


@dataclass(frozen=True)
class Capacity:
    read: float
    write: float
    monthly: float  # the budget rule's figure: replicas and warm throughput included


@dataclass(frozen=True)
class Row:
    stack: str
    floor: Capacity  # what the tables are provisioned with: paid every hour
    ceiling: Capacity  # the most auto scaling may provision (the floor without it)
    budget: float | None
    caps: str
    error: str | None = None
    cost: Any = None  # the pack's StackCost: every item the budget rule counts


@dataclass
class _Resource:
    """A planned resource as the pack's pricing reads it (what a stack policy sees)."""

    resource_type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    property_dependencies: dict[str, list[Any]] = field(default_factory=dict)


def plan_resources(plan: Plan) -> list[_Resource]:
    """The stack's resources with their outputs and property dependencies, as the analyzer
    hands them to a stack policy."""
    resources = {r.urn: _Resource(r.type, r.name, r.urn, r.state) for r in plan.analyzed()}
    for planned in plan.analyzed():
        resources[planned.urn].property_dependencies = {
            key: [resources[u] for u in urns if u in resources]
            for key, urns in planned.property_dependencies.items()
        }
    return list(resources.values())


def stack_row(stack: str, overrides: dict[str, str] | None = None) -> Row:
    none = Capacity(0, 0, 0)
    try:
        plan = run_stack(stack, config_overrides=overrides)
        settings = load_policy_config(
            REPO_ROOT / "policy" / "config" / f"{stack}.json", load_pack()
        )
    except (StackConfigError, PolicyConfigError) as error:
        return Row(stack, none, none, None, "", error=str(error).splitlines()[0])
    except Exception as error:  # the program failed: one line in the table, not a traceback
        return Row(
            stack, none, none, None, "", error=(str(error).strip().splitlines() or ["?"])[-1]
        )
    dynamodb = pack_module("comments_policy.dynamodb")

    def capacity(with_scaling: bool) -> Capacity:
        # The policy pack's own accounting: autoscaling maximums count toward the ceiling.
        tables = dynamodb.table_capacities(
            [
                (r.type, r.state)
                for r in plan.resources
                if with_scaling
                or r.type not in (dynamodb.SCALING_TARGET, dynamodb.SCHEDULED_ACTION)
            ]
        )
        return Capacity(
            sum(t.read for t in tables),
            sum(t.write for t in tables),
            float(sum(t.monthly_usd for t in tables)),
        )

    caps = settings["dynamodb-provisioned-capacity"].properties
    budget = settings["dynamodb-monthly-cost-budget"].properties.get("monthlyBudgetUsd")
    return Row(
        stack,
        capacity(with_scaling=False),
        capacity(with_scaling=True),
        float(budget) if budget is not None else None,
        f"{caps.get('maxReadCapacity')} / {caps.get('maxWriteCapacity')}",
        cost=costs.stack_cost(plan_resources(plan)),
    )


def _range(low: float, high: float) -> str:
    """'2' when auto scaling is off, '2 - 10' when it may scale."""
    return f"{low:g}" if low == high else f"{low:g} - {high:g}"


def report(stacks: list[str]) -> tuple[str, int]:
    size = item_size(TYPICAL_COMMENT)
    comment_wcu = write_units(size)
    page_rcu = query_read_units(size * PAGE_SIZE)
    rows = [stack_row(stack) for stack in stacks]
    lines = [
        "## Cost per environment",
        "",
        f"Prices: {prices.PRICES_SOURCE}, as of {prices.PRICES_AS_OF}; a month is "
        f"{prices.HOURS_PER_MONTH} hours. API Gateway REST: "
        f"${prices.API_GATEWAY_REST_MILLION_USD:.2f} per million requests (first tier). "
        f"Warm throughput: {prices.WARM_THROUGHPUT_PRICE_SOURCE}.",
        "",
        "Floor: the capacity the tables are provisioned with, paid every hour. Ceiling: the most "
        "DynamoDB auto scaling may provision (the floor where it is off); the budget must hold it.",
        "",
        "| stack | RCU | WCU | DynamoDB $/month floor | ceiling | budget $/month "
        "| caps RCU / WCU | API GW $/M requests | GET pages/s | POSTs/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    status = 0
    for row in rows:
        stack = row.stack
        if row.error:
            lines.append(f"| {stack} | error: {row.error} |  |  |  |  |  |  |  |  |")
            status = 2
            continue
        low, high = row.floor, row.ceiling
        budget = "-" if row.budget is None else f"{row.budget:.2f}"
        over = " (over)" if row.budget is not None and high.monthly > row.budget else ""
        lines.append(
            f"| {stack} | {_range(low.read, high.read)} | {_range(low.write, high.write)} "
            f"| {low.monthly:.4f} | {high.monthly:.4f}{over} | {budget} | {row.caps} "
            f"| {prices.API_GATEWAY_REST_MILLION_USD:.2f} "
            f"| {_range(low.read / page_rcu, high.read / page_rcu)} "
            f"| {_range(low.write / comment_wcu, high.write / comment_wcu)} |"
        )
    lines += budget_lines(rows)
    seed = float(prices.provisioned_monthly_usd(SEED_RCU, 0))
    lines += [
        "",
        "## Capacity per request",
        "",
        f"A typical comment is {size} bytes for capacity (attribute names + values; "
        f"{len(str(TYPICAL_COMMENT['comment']))}-character text).",
        "",
        "| request | bytes read or written | capacity |",
        "|---|---:|---:|",
        f"| POST /comments (conditional UpdateItem) | {size} | {comment_wcu} WCU |",
        f"| GET /comments, {PAGE_SIZE} comments (Query, eventually consistent) "
        f"| {size * PAGE_SIZE} | {page_rcu:g} RCU |",
        "",
        f"Seed's figure: {SEED_RCU} RCU = ${SEED_MONTHLY_USD:.4f}/month; from the price table: "
        f"${seed:.4f}/month ({'matches' if abs(seed - SEED_MONTHLY_USD) < 1e-9 else 'DIFFERS'}). "
        f"At {page_rcu:g} RCU a page, {SEED_RCU} RCU sustain {SEED_RCU / page_rcu:g} GET pages "
        "a second.",
    ]
    lines += pre_moderation_lines(stacks, size, page_rcu)
    return "\n".join(lines) + "\n", status


def budget_lines(rows: list[Row]) -> list[str]:
    """Everything the budget rule counts: per stack by kind, then per resource."""
    lines = [
        "",
        "## What the budget counts",
        "",
        "The budget rule's own items (`dynamodb-monthly-cost-budget`, priced by "
        "`policy/comments_policy/costs.py`): every resource of the stack, at list prices with no "
        f"free tier. Logs are priced at an assumed {prices.LOG_INGEST_GB_PER_MONTH:g} GB ingested "
        "a month per log group plus what their retention keeps; the stack's own stage is shown "
        "at its throttle's ceiling but not counted (its requests are the service's traffic, "
        "which the AWS Budgets budget watches); any other stage is counted at its ceiling. "
        f"{prices.SNS_NOTE}.",
        "",
        "| stack | " + " | ".join(COST_KINDS) + " | total $/month | budget $/month |",
        "|---|" + "---:|" * (len(COST_KINDS) + 2),
    ]
    details: list[str] = []
    for row in rows:
        if row.error:
            lines.append(f"| {row.stack} | error: {row.error} |" + " |" * (len(COST_KINDS) + 1))
            continue
        cost = row.cost
        sums = {kind: 0.0 for kind in COST_KINDS}
        for item in cost.items:
            if item.counted:
                sums[item.kind] = sums.get(item.kind, 0.0) + item.monthly_usd
        budget = "-" if row.budget is None else f"{row.budget:.2f}"
        over = (
            " (over)"
            if row.budget is not None and (cost.monthly_usd > row.budget or cost.problems)
            else ""
        )
        lines.append(
            f"| {row.stack} | "
            + " | ".join(f"{sums[kind]:.4f}" for kind in COST_KINDS)
            + f" | {cost.monthly_usd:.4f}{over} | {budget} |"
        )
        details += ["", f"### {row.stack}", "", "| resource | counted for | $/month |"]
        details.append("|---|---|---:|")
        for item in cost.items:
            figure = f"{item.monthly_usd:.4f}" + ("" if item.counted else " (not counted)")
            details.append(f"| {item.subject} | {item.what} | {figure} |")
        for problem in cost.problems:
            details.append(f"| problem | {problem} | refused |")
    return lines + details


# Pre-moderation marks a pending comment and an approved one with one attribute each (the two
# sparse indexes' hash keys; api_definition.PENDING_ATTRIBUTE / PUBLISHED_ATTRIBUTE).
PRE_MODERATION = {"comments:moderation": "pre"}
SPAM_BACKLOG = 100  # pending comments on one page's slug, for the filter comparison


def pre_moderation_lines(stacks: list[str], size: int, page_rcu: float) -> list[str]:
    """What `comments:moderation: pre` costs, and why it uses sparse indexes, not a filter."""
    pending = item_size({**TYPICAL_COMMENT, "pendingQueue": "pending"})
    published = item_size({**TYPICAL_COMMENT, "publishedSlug": str(TYPICAL_COMMENT["slug"])})
    filtered = query_read_units(pending * SPAM_BACKLOG + size * PAGE_SIZE)
    lines = [
        "",
        "## Pre-moderation (`comments:moderation: pre`)",
        "",
        "Two sparse global secondary indexes, each provisioned like the table: `pending` holds only "
        "comments waiting for approval, `published` only approved ones (the public GET reads it).",
        "",
        "| stack | RCU | WCU | DynamoDB $/month floor | ceiling | stack $/month | budget $/month |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for stack in stacks:
        row = stack_row(stack, PRE_MODERATION)
        if row.error:
            lines.append(f"| {stack} | error: {row.error} |  |  |  |  |  |")
            continue
        low, high = row.floor, row.ceiling
        budget = "-" if row.budget is None else f"{row.budget:.2f}"
        total = row.cost.monthly_usd
        over = (
            " (over: raise monthlyBudgetUsd)"
            if row.budget is not None and (total > row.budget or row.cost.problems)
            else ""
        )
        lines.append(
            f"| {stack} | {_range(low.read, high.read)} | {_range(low.write, high.write)} "
            f"| {low.monthly:.4f} | {high.monthly:.4f} | {total:.4f}{over} | {budget} |"
        )
    lines += [
        "",
        "| request | capacity |",
        "|---|---:|",
        f"| POST /comments (table + pending index, {pending} bytes) "
        f"| {2 * write_units(pending)} WCU |",
        f"| POST /moderation/approve (table, out of pending, into published, {published} bytes) "
        f"| {write_units(published) + write_units(pending) + write_units(published)} WCU |",
        f"| GET /comments, {PAGE_SIZE} comments (published index) "
        f"| {query_read_units(published * PAGE_SIZE):g} RCU |",
        f"| GET /moderation/pending, {PAGE_SIZE} comments (pending index) "
        f"| {query_read_units(pending * PAGE_SIZE):g} RCU |",
        "",
        f"Why indexes: a public page that filtered pending comments out of the table would read "
        f"them first and pay for them. With {SPAM_BACKLOG} pending comments on one page's slug "
        f"a page of {PAGE_SIZE} would cost {filtered:g} RCU instead of "
        f"{query_read_units(published * PAGE_SIZE):g} (and Limit would count the skipped ones, "
        "so pages would come back short). The indexes cost their provisioned capacity instead: "
        "spam never reaches a reader's bill or a public page.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stacks", nargs="*", help="stacks to report (default: all)")
    args = parser.parse_args(argv)
    try:
        stacks = args.stacks or available_stacks(load_project())
    except StackConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text, status = report(stacks)
    sys.stdout.write(text)
    return status


if __name__ == "__main__":
    run_command(main)
