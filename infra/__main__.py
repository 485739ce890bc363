"""Entry point of the comments stack: read config, build the service, export its outputs."""

import pulumi

from comments_infra import outputs
from comments_infra.operations import load_operations
from comments_infra.service import CommentsService, CommentsServiceArgs
from comments_infra.settings import load_settings

settings = load_settings()
operations = load_operations(settings)
# The stack is part of every physical name, so stacks can share an account without sharing names
# (and the bootstrap can scope each environment's deploy role to its own `comments-<stack>-*`).
service = CommentsService(
    f"comments-{pulumi.get_stack()}",
    CommentsServiceArgs(
        settings=settings,
        operations=operations,
        tags={"project": pulumi.get_project(), "stack": pulumi.get_stack()},
    ),
)

pulumi.export(outputs.URL, service.url)
pulumi.export(outputs.TABLE_NAME, service.table.name)
pulumi.export(outputs.API_ID, service.api.id)
pulumi.export(outputs.STAGE_NAME, service.stage.stage_name)
pulumi.export(outputs.ALARM_TOPIC_ARN, service.monitoring.topic_arn)
pulumi.export(outputs.DASHBOARD_NAME, service.monitoring.dashboard.dashboard_name)
pulumi.export(outputs.MODERATOR_ROLE_ARN, service.moderator_role.arn)
pulumi.export(
    outputs.MODERATION,
    outputs.PRE_MODERATION if settings.pre_moderation else outputs.POST_MODERATION,
)
