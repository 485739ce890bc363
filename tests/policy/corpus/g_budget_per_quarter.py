"""The budget per quarter at the same amount ("fewer false alarms"): $12 a quarter reads like
the monthly budget, but alerts per quarter and resets on another calendar."""

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'time_unit="MONTHLY",',
        'time_unit="QUARTERLY",',
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "Budget 'comments-prod-monthly-budget' watches COST per QUARTERLY",
    ),
    ("resource-inputs-reviewed", "Budget 'comments-prod-monthly-budget' timeUnit is 'QUARTERLY'"),
]
