"""Entry point of the bootstrap stack: read config, build PipelineAccess, export the ARNs."""

import pulumi
from comments_bootstrap.access import PipelineAccess, PipelineAccessArgs

# Every key has its default declared in Pulumi.yaml, which the CLI applies before the program runs.
config = pulumi.Config()
access = PipelineAccess(
    "comments-pipeline",
    PipelineAccessArgs(
        github_repository=config.require("githubRepository"),
        # Empty by default: PipelineAccessArgs refuses them unset, with the commands that print them.
        github_repository_id=config.get("githubRepositoryId") or "",
        github_owner_id=config.get("githubOwnerId") or "",
        github_subject_prefix=config.get("githubSubjectPrefix") or "",
        environments=config.require_object("environments"),
        resource_prefix=config.require("resourcePrefix"),
        stack_project=config.require("stackProject"),
        oidc_provider_arn=config.require("oidcProviderArn"),
        create_state_bucket=config.require_bool("createStateBucket"),
        manage_apigateway_account=config.require_bool("manageApiGatewayAccount"),
        data_protected_environments=config.require_object("dataProtectedEnvironments"),
        protected_tables=config.require_object("protectedTables"),
        allowed_tag_keys=config.require_object("allowedTagKeys"),
        tags={"project": "comments-bootstrap", "stack": pulumi.get_stack()},
    ),
)

pulumi.export("oidcProviderArn", access.oidc_provider_arn)
pulumi.export("integrationBoundaryArns", access.boundary_arns)
pulumi.export("deployRoleArns", access.deploy_role_arns)
pulumi.export("previewRoleArns", access.preview_role_arns)
if access.state_bucket is not None:
    pulumi.export("stateBucket", access.state_bucket)
    pulumi.export("backendUrl", access.backend_url)
    pulumi.export("secretsProviders", access.secrets_providers)
if access.break_glass_role_arn is not None:
    pulumi.export("breakGlassRoleArn", access.break_glass_role_arn)
