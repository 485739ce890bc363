"""`make cost`: DynamoDB size rules, the seed's figure, and the per-environment table."""

from __future__ import annotations

import pytest

from tooling.cost_report import (
    TYPICAL_COMMENT,
    item_size,
    number_size,
    query_read_units,
    report,
    write_units,
)


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
        "| prod | 2 - 10 | 1 - 5 | 0.6552 | 3.2760 | 5.00 | 10 / 5 | 3.50 | 4 - 20 | 1 - 5 |"
        in text
    )
    assert "| dev | 1 | 1 | 0.5616 | 0.5616 | 1.00 | 2 / 1 | 3.50 | 2 | 1 |" in text
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
    assert "| dev | 3 | 3 | 1.6848 | 1.6848 (over: raise monthlyBudgetUsd) | 1.00 |" in text
    # prod's table scales 2-10 RCU / 1-5 WCU; the two indexes stay at 2 RCU / 1 WCU each:
    # floor 6 x 0.0936 + 3 x 0.468 = 1.9656, ceiling 14 x 0.0936 + 7 x 0.468 = 4.5864.
    assert "| prod | 6 - 14 | 3 - 7 | 1.9656 | 4.5864 | 5.00 |" in text
    assert "| GET /comments, 10 comments (published index) | 0.5 RCU |" in text
    assert "a page of 10 would cost 5 RCU instead of 0.5" in text
