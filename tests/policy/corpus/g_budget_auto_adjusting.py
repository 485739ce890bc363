"""The budget made auto-adjusting ("it learns our spend"): its limit follows the last months'
spend, so a stack whose bill doubles raises its own alarm level."""

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        '                limit_unit="USD",\n',
        '                limit_unit="USD",\n'
        "                auto_adjust_data=aws.budgets.BudgetAutoAdjustDataArgs(\n"
        '                    auto_adjust_type="HISTORICAL",\n'
        "                    historical_options=aws.budgets.BudgetAutoAdjustDataHistoricalOptionsArgs(\n"
        "                        budget_adjustment_period=3\n"
        "                    ),\n"
        "                ),\n",
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "Budget 'comments-prod-monthly-budget' sets autoAdjustData",
    ),
    ("resource-inputs-reviewed", "Budget 'comments-prod-monthly-budget' sets autoAdjustData"),
]
