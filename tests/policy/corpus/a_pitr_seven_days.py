"""Point-in-time recovery stays on, so dynamodb-data-protection passes, but keeps 7 days instead of 35:
a bad write noticed in week two cannot be undone."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/service.py",
        "enabled=settings.data_protection\n            ),",
        "enabled=settings.data_protection, recovery_period_in_days=7\n            ),",
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Table 'comments-prod-table' pointInTimeRecovery.recoveryPeriodInDays is 7",
    ),
]
