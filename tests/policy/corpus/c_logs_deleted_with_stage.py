"""The access log group is `deletedWith` the stage: whenever the stage goes, the group's own
delete is skipped and it stays in AWS outside the stack. Not in the analyzer protocol."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "            retention_in_days=settings.log_retention_days,\n            tags=tags,\n"
        "            opts=child,",
        "            retention_in_days=settings.log_retention_days,\n            tags=tags,\n"
        "            opts=pulumi.ResourceOptions(parent=self, deleted_with=self.api),",
    )
]
EXPECT = [("engine-plan-options", "LogGroup 'comments-prod-access-logs' is deletedWith")]
