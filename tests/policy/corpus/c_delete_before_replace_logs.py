"""deleteBeforeReplace on the access log group: a replacement deletes the audit trail of every
request before a new, empty group exists."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "            retention_in_days=settings.log_retention_days,\n            tags=tags,\n"
        "            opts=child,",
        "            retention_in_days=settings.log_retention_days,\n            tags=tags,\n"
        "            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),",
    )
]
EXPECT = [
    ("resource-options-reviewed", "LogGroup 'comments-prod-access-logs' sets deleteBeforeReplace")
]
