"""Access logs kept ten years ("for audits"): a valid CloudWatch Logs retention, but storage
grows to 120 months of logs, and no budget priced log storage."""

CLASS = "g"
CONFIG = {"comments:logRetentionDays": 3653}
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "LogGroup 'comments-prod-access-logs' 1 GB ingested a month (assumed), kept 3653 days",
    ),
]
