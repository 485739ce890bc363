"""Auto scaling computed from the prod table's name but pointed at dev's table ("same schema"): the
provenance is prod's table, the value is another stack's, which no cap or budget of prod counts."""

CLASS = "b"
EDITS = [
    (
        "infra/comments_infra/autoscaling.py",
        'apply(lambda table: f"table/{table}")',
        "apply(lambda table: f\"table/{table.replace('-prod-', '-dev-')}\")",
    ),
]
EXPECT = [
    (
        "resource-inputs-reviewed",
        "Policy 'comments-prod-read-scaling-policy' resourceId is 'table/comments-dev-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "Policy 'comments-prod-write-scaling-policy' resourceId is 'table/comments-dev-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "Target 'comments-prod-read-scaling' resourceId is 'table/comments-dev-table-ee653ba'",
    ),
    (
        "resource-inputs-reviewed",
        "Target 'comments-prod-write-scaling' resourceId is 'table/comments-dev-table-ee653ba'",
    ),
]
