"""The access log group's retention computed inside an apply over the table's ARN, 0: the logs
(client IPs included) kept forever. Unknown on a first deploy, refused at preview."""

CLASS = "e"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "retention_in_days=settings.log_retention_days,",
        "retention_in_days=self.table.arn.apply(lambda _: 0),",
    )
]
EXPECT = [
    ("dynamodb-monthly-cost-budget", "LogGroup 'comments-prod-access-logs' keeps its logs forever"),
    (
        "apigateway-stage-access-logging",
        "LogGroup 'comments-prod-access-logs' keeps its logs forever",
    ),
]
EXPECT_PREVIEW = [
    (
        "dynamodb-monthly-cost-budget",
        "LogGroup 'comments-prod-access-logs' retentionInDays is unknown at preview, so this rule cannot check it",
    ),
    (
        "apigateway-stage-access-logging",
        "LogGroup 'comments-prod-access-logs' retentionInDays is unknown at preview, so this rule cannot check it",
    ),
    (
        "resource-inputs-reviewed",
        "LogGroup 'comments-prod-access-logs' retentionInDays is not known until apply",
    ),
]
