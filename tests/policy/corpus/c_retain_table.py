"""retainOnDelete on the table ("never lose data"): a later removal or replacement leaves the
table in AWS, outside the stack, its alarms and its budget. Not in the analyzer protocol."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                protect=settings.data_protection,\n",
        "                protect=settings.data_protection,\n                retain_on_delete=True,\n",
    )
]
EXPECT = [("engine-plan-options", "Table 'comments-prod-table' sets retainOnDelete")]
