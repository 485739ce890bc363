"""The stage ignores every change (`ignore_changes=["*"]`): "the stage keeps flapping on
deploys". Access logging, the deployment it serves and its throttling would all stay whatever
the console last made them."""

CLASS = "c"
SERVICE = "infra/comments_infra/service.py"
EDITS = [
    (
        SERVICE,
        "                format=ACCESS_LOG_FORMAT,\n            ),\n            tags=tags,\n"
        "            opts=child,",
        "                format=ACCESS_LOG_FORMAT,\n            ),\n            tags=tags,\n"
        '            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["*"]),',
    )
]
EXPECT = [("resource-options-reviewed", "Stage 'comments-prod-stage' ignores changes to '*'")]
