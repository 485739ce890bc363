"""Entry point of the bootstrap stack: read config, build PipelineAccess, export role ARNs."""

import pulumi
from comments_bootstrap.access import PipelineAccess, PipelineAccessArgs

config = pulumi.Config()
access = PipelineAccess(
    "comments-pipeline",
    PipelineAccessArgs(
        github_repository=config.require("githubRepository"),
        environments=config.get_object("environments") or ["dev", "staging", "prod"],
        resource_prefix=config.get("resourcePrefix") or "comments-",
        stack_project=config.get("stackProject") or "comments",
        oidc_provider_arn=config.get("oidcProviderArn") or "",
        create_state_bucket=config.get_bool("createStateBucket") is not False,
        manage_apigateway_account=config.get_bool("manageApiGatewayAccount") is not False,
        tags={"project": "comments-bootstrap", "stack": pulumi.get_stack()},
    ),
)

pulumi.export("oidcProviderArn", access.oidc_provider_arn)
pulumi.export("deployRoleArns", access.deploy_role_arns)
pulumi.export("previewRoleArns", access.preview_role_arns)
if access.state_bucket is not None:
    pulumi.export("stateBucket", access.state_bucket)
    pulumi.export("backendUrl", access.backend_url)
