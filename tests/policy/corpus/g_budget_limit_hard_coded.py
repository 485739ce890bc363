"""The AWS Budgets limit written as 1000 ("so it stops mailing us"): the budget exists and
notifies the topic, every other rule passes, and a thousand dollars go by before anyone hears."""

CLASS = "g"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'limit_amount=f"{settings.monthly_budget_usd:.2f}",',
        'limit_amount="1000.00",',
    ),
]
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "Budget 'comments-prod-monthly-budget' limitAmount is $1000.00, above this stack's budget "
        "of $12.00 (monthlyBudgetUsd)",
    ),
]
