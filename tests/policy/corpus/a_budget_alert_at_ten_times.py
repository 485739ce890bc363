"""Budget notifications at 1000 % of the limit: the budget exists and notifies the stack's topic, so
every rule passes, and the warning comes after ten months' money is spent."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        "threshold=100,",
        "threshold=1000,",
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Budget 'comments-prod-monthly-budget' notifications[0].threshold is 1000",
    ),
    (
        "resource-inputs-reviewed",
        "Budget 'comments-prod-monthly-budget' notifications[1].threshold is 1000",
    ),
]
