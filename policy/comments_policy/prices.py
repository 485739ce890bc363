"""AWS prices the budget rule and the cost report use: the one place they live.

Source: the project's pricing reference (shared/reference/dynamodb.md: AWS us-east-1 list prices,
on-demand rates since Nov 2024), copied on PRICES_AS_OF. Prices change: re-check them against
https://aws.amazon.com/dynamodb/pricing/ and .../api-gateway/pricing/ and update both together.
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11-25"
PRICES_SOURCE = "AWS list prices, us-east-1"
REGION = "us-east-1"

# Provisioned capacity, per capacity unit per hour.
WCU_HOUR_USD = 0.00065
RCU_HOUR_USD = 0.00013
# On-demand, per million request units (for comparison only: the tables here are provisioned).
ON_DEMAND_WRITE_MILLION_USD = 0.625
ON_DEMAND_READ_MILLION_USD = 0.125
# API Gateway REST requests, per million, first tier (up to 333 million a month).
API_GATEWAY_REST_MILLION_USD = 3.50

# AWS bills provisioned capacity per hour; a 30-day month is the convention the seed's figures use.
HOURS_PER_MONTH = 24 * 30


def provisioned_monthly_usd(read_units: float, write_units: float) -> float:
    """What provisioned capacity costs for a month, whether or not it is used."""
    return (read_units * RCU_HOUR_USD + write_units * WCU_HOUR_USD) * HOURS_PER_MONTH
