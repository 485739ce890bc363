"""AWS prices the budget rule and the cost report use: the one place they live.

Source: AWS's us-east-1 list prices (on-demand rates since Nov 2024) as the team recorded them on
PRICES_AS_OF; not re-read from AWS on that day. Prices change: re-check them against
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


# Warm throughput (pre-warming a table or index, `warmThroughput`): AWS bills raising it once, per
# read/write unit per second raised, and the raised values stay (they cannot be lowered). AWS's
# per-unit figure could not be read from the offline sources these prices were checked against on
# PRICES_AS_OF, so until it is copied here from https://aws.amazon.com/dynamodb/pricing/provisioned/
# ("Warm throughput"), a pre-warmed unit is priced as a 30-day month of the same provisioned unit:
# what keeping that throughput provisioned would cost. Any warm throughput AWS accepts (thousands
# of units per second) is far above every stack's caps and budget at either figure.
WARM_THROUGHPUT_PRICE_SOURCE = (
    "stand-in: a pre-warmed unit/s priced as one month of the same provisioned unit"
)
WARM_READ_UNIT_USD = RCU_HOUR_USD * HOURS_PER_MONTH
WARM_WRITE_UNIT_USD = WCU_HOUR_USD * HOURS_PER_MONTH


def warm_throughput_usd(read_units: float, write_units: float) -> float:
    """What pre-warming to these units per second is counted as, in the month it happens."""
    return read_units * WARM_READ_UNIT_USD + write_units * WARM_WRITE_UNIT_USD
