"""comments:monthlyBudgetUsd raised to 500 in the stack's file only, not in its policy config:
the program sets the AWS Budgets limit from it, so the alert would come 40 times too late."""

CLASS = "g"
CONFIG = {"comments:monthlyBudgetUsd": 500}
EXPECT = [
    (
        "dynamodb-monthly-cost-budget",
        "Budget 'comments-prod-monthly-budget' limitAmount is $500.00, above this stack's budget",
    ),
]
