"""Detailed CloudWatch metrics on every method ("per-route latency"): API Gateway publishes
seven custom metrics per method, billed per metric per month, which no budget priced."""

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "metrics_enabled=False,",
        "metrics_enabled=True,",
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "MethodSettings 'comments-prod-throttling' enables metricsEnabled",
    ),
    (
        "resource-inputs-reviewed",
        "MethodSettings 'comments-prod-throttling' settings.metricsEnabled is True",
    ),
]
