"""`make cost`: DynamoDB size rules, the seed's figure, and the per-environment table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tooling.cost_report import (
    TYPICAL_COMMENT,
    costs,
    item_size,
    number_size,
    plan_resources,
    query_read_units,
    report,
    write_units,
)
from tooling.offline_runner import REPO_ROOT, run_stack
from tooling.policy_check import check_stack


@pytest.mark.parametrize(
    ("value", "size"),
    [(1795600000123, 8), (1000, 2), (0, 2), (12, 2), (123, 3), (-1.5, 2)],
)
def test_number_size(value: float, size: int) -> None:
    assert number_size(value) == size


def test_typical_comment_size_and_units() -> None:
    # names 4+9+6+7 = 26; values 25 + 8 + 12 + 254 = 299
    assert item_size(TYPICAL_COMMENT) == 325
    assert write_units(325) == 1
    assert write_units(1025) == 2
    assert query_read_units(3250) == 0.5
    assert query_read_units(3250, consistent=True) == 1
    assert query_read_units(0) == 0.5  # a Query that reads nothing still costs
    assert query_read_units(4097) == 1


def test_report_rows_and_seed_comparison() -> None:
    text, status = report(["prod", "dev"])
    assert status == 0
    # prod scales 2-10 RCU and 1-5 WCU: 10 x 0.0936 + 5 x 0.468 = 3.276 at the ceiling.
    assert (
        "| prod | 2 - 10 | 1 - 5 | 0.6552 | 3.2760 | 12.00 | 10 / 5 | 3.50 | 4 - 20 | 1 - 5 |"
        in text
    )
    assert "| dev | 1 | 1 | 0.5616 | 0.5616 | 6.00 | 2 / 1 | 3.50 | 2 | 1 |" in text
    assert "| POST /comments (conditional UpdateItem) | 325 | 1 WCU |" in text
    assert "| GET /comments, 10 comments (Query, eventually consistent) | 3250 | 0.5 RCU |" in text
    assert (
        "Seed's figure: 2 RCU = $0.1872/month; from the price table: $0.1872/month (matches)"
        in text
    )


def test_report_names_a_broken_stack() -> None:
    text, status = report(["nosuchstack"])
    assert status == 2
    assert "| nosuchstack | error: no stack 'nosuchstack'" in text


def test_pre_moderation_cost_and_its_justification() -> None:
    text, status = report(["dev", "prod"])
    assert status == 0
    # dev: 1.6848 of capacity + 5.007 of the rest (alarms, dashboard, log, budget) > $6.
    assert (
        "| dev | 3 | 3 | 1.6848 | 1.6848 | 6.6918 (over: raise monthlyBudgetUsd) | 6.00 |" in text
    )
    # prod's table scales 2-10 RCU / 1-5 WCU; the two indexes stay at 2 RCU / 1 WCU each:
    # floor 6 x 0.0936 + 3 x 0.468 = 1.9656, ceiling 14 x 0.0936 + 7 x 0.468 = 4.5864.
    assert "| prod | 6 - 14 | 3 - 7 | 1.9656 | 4.5864 | 10.4764 | 12.00 |" in text
    assert "| GET /comments, 10 comments (published index) | 0.5 RCU |" in text
    assert "a page of 10 would cost 5 RCU instead of 0.5" in text


def test_the_report_shows_what_the_budget_rule_counts() -> None:
    text, status = report(["prod"])
    assert status == 0
    # DynamoDB at its ceiling; 5 one-metric and 2 two-metric alarms plus the 8 alarms two target
    # tracking policies create; the dashboard; 1 GB of access log kept 90 days; the budget.
    assert (
        "| prod | 3.2760 | 0.0000 | 1.7000 | 3.0000 | 0.5900 | 0.6000 | 0.0000 | 9.1660 | 12.00 |"
        in text
    )
    assert (
        "| MetricAlarm 'comments-prod-table-read-capacity' | 2 standard alarm metric(s) | 0.2000 |"
        in text
    )
    assert (
        "| LogGroup 'comments-prod-access-logs' | 1 GB ingested a month (assumed), kept 90 days | 0.5900 |"
        in text
    )
    # The service's own stage: at its throttle's ceiling, not counted.
    assert (
        "| Stage 'comments-prod-stage' | up to 518.4 million requests a month (50/s per method x 4 "
        "methods): the service's own traffic, watched by AWS Budgets, not counted | "
        "1814.4000 (not counted) |"
    ) in text


def test_the_report_and_the_budget_rule_price_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One pricing: the report's total is the pack's, and a cent under it the rule refuses."""
    plan = run_stack("prod")
    total = costs.stack_cost(plan_resources(plan)).monthly_usd
    assert total == pytest.approx(9.166)
    document = json.loads((REPO_ROOT / "policy" / "config" / "prod.json").read_text())
    document["dynamodb-monthly-cost-budget"]["monthlyBudgetUsd"] = round(total - 0.01, 2)
    (tmp_path / "prod.json").write_text(json.dumps(document))
    assert check_stack("prod", config_path=tmp_path / "prod.json") == 1
    assert f"the stack costs ${total:.4f}/month" in capsys.readouterr().out
