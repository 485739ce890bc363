"""The prod budget's cost filter copied from dev: it watches the spend tagged stack=dev, and prod's
own spend goes unwatched."""

CLASS = "a"
EDITS = [
    (
        "infra/comments_infra/monitoring.py",
        'values=[f"user:{BUDGET_TAG}${stack}"]',
        'values=[f"user:{BUDGET_TAG}$dev"]',
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Budget 'comments-prod-monthly-budget' costFilters is 'TagKeyValue' 'user:stack$dev'",
    ),
]
