"""AWS prices the budget rule and the cost report use: the one place they live.

Every figure is a us-east-1 list price, per month unless it says otherwise, with no free tier
counted: AWS's free tiers (CloudWatch's 10 alarm metrics and 3 dashboards, API Gateway's first
year) are shared by every account of an AWS Organization and every stack in an account, so no
single stack can count on them. A month is 30 days (720 hours), the convention of the seed's
figures. What `costs.py` counts with these prices, and what it assumes, is described there.

Sources, read on PRICES_AS_OF (the pricing pages render their rate tables with scripts, so where
the stored copy of a page showed no figure, the figure is the one AWS's own documentation or the
page's free-tier text gives, and otherwise the one secondary sources quoting the page agree on;
each constant says which):
- DynamoDB: https://aws.amazon.com/dynamodb/pricing/provisioned/ (the stored copy shows the
  capacity terms, not the rate table; the figures are the team's earlier record of it).
- API Gateway: https://aws.amazon.com/api-gateway/pricing/ and AWS's whitepaper "Best Practices
  for Designing Amazon API Gateway Private APIs", section "Cost optimization", table 4
  (https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html).
- CloudWatch: https://aws.amazon.com/cloudwatch/pricing/ (free tier: "10 Alarm metrics (only
  applicable to Standard resolution alarms ...)", "3 Dashboards for up to 50 metrics per month");
  the paid figures as https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm and
  https://c3x.dev/blog/cloudwatch-logs-cost-optimization quote them.
- AWS Budgets: https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/budgets-managing-costs.html
  ("Your first two active budgets are free of charge. Each additional active budget costs $0.02
  per day.").
- SNS: https://aws.amazon.com/sns/pricing/, as https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/
  quotes it.
- AWS WAF: https://aws.amazon.com/waf/pricing/, as https://c3x.dev/blog/aws-waf-cost-explained/
  and https://awsnegotiations.com/waf-pricing-strategy.html quote it; AWS's blog "Cost-effective
  ways for securing your web applications using AWS WAF" (pricing is the same in every Region).
Prices change: re-read the pages, update the figures and PRICES_AS_OF together.
"""

from __future__ import annotations

PRICES_AS_OF = "2026-12-08"
PRICES_SOURCE = "AWS list prices, us-east-1, no free tier"
REGION = "us-east-1"

# AWS bills provisioned capacity per hour; a 30-day month is the convention the seed's figures use.
HOURS_PER_MONTH = 24 * 30
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600

# -- DynamoDB --------------------------------------------------------------------------------------

# Provisioned capacity (table class STANDARD), per capacity unit per hour.
WCU_HOUR_USD = 0.00065
RCU_HOUR_USD = 0.00013
# On-demand, per million request units (for comparison only: the tables here are provisioned).
ON_DEMAND_WRITE_MILLION_USD = 0.625
ON_DEMAND_READ_MILLION_USD = 0.125


def provisioned_monthly_usd(read_units: float, write_units: float) -> float:
    """What provisioned capacity costs for a month, whether or not it is used."""
    return (read_units * RCU_HOUR_USD + write_units * WCU_HOUR_USD) * HOURS_PER_MONTH


# Warm throughput (pre-warming a table or index, `warmThroughput`): AWS bills raising it once, per
# read/write unit per second raised, and the raised values stay (they cannot be lowered). AWS's
# per-unit figure could not be read from the offline sources these prices were checked against,
# so until it is copied here from https://aws.amazon.com/dynamodb/pricing/provisioned/ ("Warm
# throughput"), a pre-warmed unit is priced as a 30-day month of the same provisioned unit: what
# keeping that throughput provisioned would cost. Any warm throughput AWS accepts (thousands of
# units per second) is far above every stack's caps and budget at either figure.
WARM_THROUGHPUT_PRICE_SOURCE = (
    "stand-in: a pre-warmed unit/s priced as one month of the same provisioned unit"
)
WARM_READ_UNIT_USD = RCU_HOUR_USD * HOURS_PER_MONTH
WARM_WRITE_UNIT_USD = WCU_HOUR_USD * HOURS_PER_MONTH


def warm_throughput_usd(read_units: float, write_units: float) -> float:
    """What pre-warming to these units per second is counted as, in the month it happens."""
    return read_units * WARM_READ_UNIT_USD + write_units * WARM_WRITE_UNIT_USD


# -- API Gateway (REST) ----------------------------------------------------------------------------

# Per million requests, first tier (up to 333 million a month; the whitepaper's table 4). Later
# tiers are cheaper ($2.80, $2.38, $1.51), but the tier is the account's whole month, so a stack's
# requests are priced at the first tier: an upper bound.
API_GATEWAY_REST_MILLION_USD = 3.50
# The account's steady-state request rate across all its APIs in a Region (API Gateway quotas,
# "Throttle quota per account, per Region across HTTP APIs, REST APIs, WebSocket APIs"): no stage
# serves more, whatever its settings say.
ACCOUNT_THROTTLE_RATE = 10_000.0
# Stage cache (refused by apigateway-no-cache; priced so the budget is right even without it),
# per hour by cacheClusterSize in GB ("0.5" when unset), from the pricing page's caching table.
CACHE_HOUR_USD = {
    "0.5": 0.02,
    "1.6": 0.038,
    "6.1": 0.20,
    "13.5": 0.25,
    "28.4": 0.50,
    "58.2": 1.00,
    "118": 1.90,
    "237": 3.80,
}
DEFAULT_CACHE_SIZE = "0.5"


def requests_monthly_usd(requests_per_second: float) -> float:
    """What a month of requests at this steady rate costs at the first-tier REST price."""
    return requests_per_second * SECONDS_PER_MONTH / 1e6 * API_GATEWAY_REST_MILLION_USD


# -- CloudWatch ------------------------------------------------------------------------------------

# Per alarm metric per month: an alarm on one metric is one alarm metric; a metric math alarm is
# one per metric its expression reads; an anomaly detection band adds two (its upper and lower
# bound). High resolution: a period under 60 seconds.
ALARM_METRIC_USD = 0.10
ALARM_METRIC_HIGH_RESOLUTION_USD = 0.30
COMPOSITE_ALARM_USD = 0.50
ANOMALY_BAND_EXTRA_METRICS = 2
HIGH_RESOLUTION_BELOW_SECONDS = 60
# Per dashboard per month, whatever it shows.
DASHBOARD_USD = 3.00
# CloudWatch Logs, Standard log class: per GB ingested, per GB stored per month. The Infrequent
# Access and Delivery classes are not priced here, so the budget refuses them until they are.
LOG_INGEST_GB_USD = {"STANDARD": 0.50}
LOG_STORAGE_GB_MONTH_USD = 0.03
# What a log group takes in is traffic, not configuration: this is the stated assumption the
# budget prices every log group at (the stage's access log: about 2.5 million requests a month at
# ~400 bytes a line). Its storage is bounded by the retention: at a steady ingest, a log group
# holds `retentionInDays / 30` months of it. A log group kept forever has no bound and is refused.
LOG_INGEST_GB_PER_MONTH = 1.0


def log_group_monthly_usd(retention_days: float, log_class: str = "STANDARD") -> float:
    """Ingest at the stated assumption plus what the retention keeps stored."""
    stored_gb = LOG_INGEST_GB_PER_MONTH * retention_days / 30
    return (
        LOG_INGEST_GB_PER_MONTH * LOG_INGEST_GB_USD[log_class]
        + stored_gb * LOG_STORAGE_GB_MONTH_USD
    )


def alarm_monthly_usd(standard_metrics: int, high_resolution_metrics: int) -> float:
    return (
        standard_metrics * ALARM_METRIC_USD
        + high_resolution_metrics * ALARM_METRIC_HIGH_RESOLUTION_USD
    )


# -- Application Auto Scaling ----------------------------------------------------------------------

# A target tracking policy on a DynamoDB table creates and manages its own CloudWatch alarms
# (DynamoDB developer guide, "DynamoDB provisioned capacity mode": "Application Auto Scaling
# creates and manages the CloudWatch alarms"); the console lists four per policy (AlarmHigh,
# AlarmLow, ProvisionedCapacityHigh, ProvisionedCapacityLow), priced as standard alarm metrics.
TARGET_TRACKING_ALARMS = 4

# -- AWS Budgets -----------------------------------------------------------------------------------

# Per budget per day; the two free budgets are the payer account's, shared, so none is counted.
BUDGET_DAY_USD = 0.02
BUDGET_MONTHLY_USD = BUDGET_DAY_USD * 30

# -- SNS -------------------------------------------------------------------------------------------

# Negligible, so counted as 0: a topic costs nothing to keep; publishes are $0.50 per million
# after the first million a month, e-mail deliveries $2 per 100,000 and HTTPS ones $0.60 per
# million. A stack's alarms and budgets publish a few notifications a month.
SNS_NOTE = (
    "SNS: negligible (publishes $0.50/million after the first million, e-mail $2/100,000); "
    "alarms publish a few a month"
)

# -- AWS WAF ---------------------------------------------------------------------------------------

WAF_WEB_ACL_USD = 5.00
WAF_RULE_USD = 1.00  # per rule or rule group in a web ACL, per month
# Per million requests inspected: traffic, like the stage's own requests (see costs.py).
WAF_REQUEST_MILLION_USD = 0.60
# AWS-managed rule groups with a subscription fee of their own on top of the rule price (Bot
# Control, account takeover and account creation fraud prevention): not priced here, so refused.
WAF_PAID_RULE_GROUPS = frozenset(
    {"AWSManagedRulesBotControlRuleSet", "AWSManagedRulesATPRuleSet", "AWSManagedRulesACFPRuleSet"}
)

# -- what costs nothing ----------------------------------------------------------------------------

# Types AWS does not bill for, each with why. Every other type must be priced in costs.py: a
# type that is neither (one newly added to allowedResourceTypes, say) is refused by the budget
# rule until someone prices it here.
FREE_TYPES: dict[str, str] = {
    "aws:iam/role:Role": "IAM is free",
    "aws:iam/rolePolicy:RolePolicy": "IAM is free",
    "aws:iam/policy:Policy": "IAM is free",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
    "aws:apigateway/restApi:RestApi": "billed per request, on its stages",
    "aws:apigateway/deployment:Deployment": "billed per request, on its stages",
    "aws:apigateway/methodSettings:MethodSettings": "the throttle its stage is priced by",
    "aws:apigateway/resource:Resource": "billed per request, on its stages",
    "aws:apigateway/method:Method": "billed per request, on its stages",
    "aws:apigateway/integration:Integration": "billed per request, on its stages",
    "aws:apigateway/integrationResponse:IntegrationResponse": "billed per request",
    "aws:apigateway/methodResponse:MethodResponse": "billed per request",
    "aws:apigateway/response:Response": "billed per request",
    "aws:apigateway/model:Model": "billed per request",
    "aws:apigateway/requestValidator:RequestValidator": "billed per request",
    "aws:appautoscaling/target:Target": "the capacity it scales is the table's (priced there)",
    "aws:sns/topic:Topic": SNS_NOTE,
    "aws:sns/topicPolicy:TopicPolicy": SNS_NOTE,
    "aws:sns/topicSubscription:TopicSubscription": SNS_NOTE,
    "aws:wafv2/webAclAssociation:WebAclAssociation": "the web ACL is priced",
    "aws:wafv2/ipSet:IpSet": "priced as the rule that uses it",
    "aws:wafv2/regexPatternSet:RegexPatternSet": "priced as the rule that uses it",
    "pulumi:pulumi:Stack": "the engine's own",
    "pulumi:providers:aws": "the engine's own",
}
# Component resources of this project (`comments:<module>:<Type>`) only group others: free.
COMPONENT_PREFIX = "comments:"
