"""PipelineAccess: the AWS side of the GitHub pipeline for the environments one account hosts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pulumi
import pulumi_aws as aws

from comments_bootstrap import documents

COMPONENT_TYPE = "comments:bootstrap:PipelineAccess"
# The roles and boundaries made here live under their own IAM path, so the deploy roles' rights
# over `role/<resourcePrefix><env>-*` (the stacks' integration roles) never reach them.
ROLE_PATH = documents.PIPELINE_PATH
GITHUB_OIDC_URL = f"https://{documents.GITHUB_OIDC_HOST}"
# Stack names as Pulumi allows them: the environment goes into ARNs and the OIDC `sub` literally.
_ENVIRONMENT = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class PipelineAccessArgs:
    """The bootstrap's settings; their defaults are declared once, in bootstrap/Pulumi.yaml."""

    github_repository: str
    """owner/name of the repository whose workflows assume the roles."""
    environments: list[str]
    resource_prefix: str
    stack_project: str
    oidc_provider_arn: str
    """An existing GitHub OIDC provider; empty creates one (an account holds one per URL)."""
    create_state_bucket: bool
    manage_apigateway_account: bool
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner, _, name = self.github_repository.partition("/")
        if not owner or not name or "/" in name or any(c in self.github_repository for c in "*?:"):
            raise ValueError(
                f"githubRepository={self.github_repository!r}: expected owner/name, no wildcards"
            )
        if not self.environments or len(set(self.environments)) != len(self.environments):
            raise ValueError(f"environments={self.environments!r}: list each environment once")
        for env in self.environments:
            if not _ENVIRONMENT.match(env):
                raise ValueError(f"environment {env!r}: a stack name (letters, digits, _ . -)")
            # `<prefix>dev-*` would also match every name of a `dev-eu` stack.
            nested = [other for other in self.environments if other.startswith(f"{env}-")]
            if nested:
                raise ValueError(
                    f"environment {env!r}: its deploy role's `{env}-*` names would cover "
                    f"{nested!r}; rename one"
                )
        if not self.resource_prefix or "*" in self.resource_prefix:
            raise ValueError(f"resourcePrefix={self.resource_prefix!r}: a literal name prefix")
        if ROLE_PATH.lstrip("/").startswith(self.resource_prefix):
            raise ValueError(
                f"resourcePrefix={self.resource_prefix!r} would cover the pipeline's own roles "
                f"(IAM path {ROLE_PATH})"
            )


def _scope(args: PipelineAccessArgs, environment: str, values: list[Any]) -> documents.Scope:
    partition, account_id, region, state_bucket = values
    return documents.Scope(
        partition=partition,
        account_id=account_id,
        region=region,
        environment=environment,
        resource_prefix=args.resource_prefix,
        stack_project=args.stack_project,
        state_bucket=state_bucket or None,
    )


class PipelineAccess(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: PipelineAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        caller = aws.get_caller_identity_output()
        region = aws.get_region_output()
        partition = aws.get_partition_output()

        if args.oidc_provider_arn:
            self.oidc_provider_arn: pulumi.Output[str] = pulumi.Output.from_input(
                args.oidc_provider_arn
            )
        else:
            provider = aws.iam.OpenIdConnectProvider(
                f"{name}-github-oidc",
                url=GITHUB_OIDC_URL,
                client_id_lists=[documents.OIDC_AUDIENCE],
                tags=args.tags,
                opts=child,
            )
            self.oidc_provider_arn = provider.arn

        self.state_bucket: pulumi.Output[str] | None = None
        self.backend_url: pulumi.Output[str] | None = None
        if args.create_state_bucket:
            self.state_bucket = self._state_bucket(name, args, caller, region, partition)
            self.backend_url = pulumi.Output.concat(
                "s3://", self.state_bucket, "?region=", region.region
            )

        if args.manage_apigateway_account:
            self._apigateway_logging(name, args, caller)

        self.boundary_arns: dict[str, pulumi.Output[str]] = {}
        self.deploy_role_arns: dict[str, pulumi.Output[str]] = {}
        self.preview_role_arns: dict[str, pulumi.Output[str]] = {}
        for env in args.environments:
            scope = pulumi.Output.all(
                partition.partition,
                caller.account_id,
                region.region,
                self.state_bucket if self.state_bucket is not None else "",
            ).apply(partial(_scope, args, env))
            boundary_name = documents.boundary_name(args.resource_prefix, env)
            boundary = aws.iam.Policy(
                boundary_name,
                name=boundary_name,
                path=ROLE_PATH,
                description=f"Permissions boundary of the {env} comments stack's integration roles",
                policy=scope.apply(lambda s: json.dumps(documents.boundary_policy(s))),
                tags=args.tags,
                opts=child,
            )
            self.boundary_arns[env] = boundary.arn
            self.deploy_role_arns[env] = self._role(
                f"{args.stack_project}-deploy-{env}",
                f"GitHub Actions deploys of the {env} comments stack",
                documents.deploy_subject(args.github_repository, env),
                scope.apply(lambda s: json.dumps(documents.deploy_policy(s))),
                args,
            )
            self.preview_role_arns[env] = self._role(
                f"{args.stack_project}-preview-{env}",
                f"Read-only pull-request previews of the {env} comments stack",
                documents.preview_subject(args.github_repository),
                scope.apply(lambda s: json.dumps(documents.preview_policy(s))),
                args,
            )

        self.register_outputs(
            {
                "oidcProviderArn": self.oidc_provider_arn,
                "integrationBoundaryArns": self.boundary_arns,
                "deployRoleArns": self.deploy_role_arns,
                "previewRoleArns": self.preview_role_arns,
                "stateBucket": self.state_bucket,
                "backendUrl": self.backend_url,
            }
        )

    def _role(
        self,
        name: str,
        description: str,
        subject: str,
        policy: pulumi.Output[str],
        args: PipelineAccessArgs,
    ) -> pulumi.Output[str]:
        role = aws.iam.Role(
            name,
            name=name,
            path=ROLE_PATH,
            description=description,
            assume_role_policy=self.oidc_provider_arn.apply(
                lambda arn: json.dumps(documents.github_trust_policy(arn, subject))
            ),
            max_session_duration=3600,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-access",
            role=role.id,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role.arn

    def _state_bucket(
        self,
        name: str,
        args: PipelineAccessArgs,
        caller: pulumi.Output[aws.GetCallerIdentityResult],
        region: pulumi.Output[aws.GetRegionResult],
        partition: pulumi.Output[aws.GetPartitionResult],
    ) -> pulumi.Output[str]:
        """Versioned, encrypted, private, TLS-only, and protected from `pulumi destroy`."""
        bucket = aws.s3.Bucket(
            f"{name}-state",
            bucket=pulumi.Output.concat(
                args.stack_project, "-pulumi-state-", caller.account_id, "-", region.region
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        opts = pulumi.ResourceOptions(parent=bucket)
        aws.s3.BucketOwnershipControls(
            f"{name}-state-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=opts,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-state-private",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=opts,
        )
        # Every checkpoint stays recoverable: a bad deploy's state can be rolled back.
        aws.s3.BucketVersioning(
            f"{name}-state-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=opts,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-state-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=opts,
        )
        aws.s3.BucketPolicy(
            f"{name}-state-tls-only",
            bucket=bucket.id,
            policy=pulumi.Output.all(partition.partition, bucket.bucket).apply(
                lambda v: json.dumps(documents.state_bucket_policy(v[0], v[1]))
            ),
            opts=opts,
        )
        return bucket.bucket

    def _apigateway_logging(
        self,
        name: str,
        args: PipelineAccessArgs,
        caller: pulumi.Output[aws.GetCallerIdentityResult],
    ) -> None:
        """Stage access logging needs this account-wide setting; no stack should own it."""
        role = aws.iam.Role(
            f"{name}-apigateway-logging",
            name=f"{args.stack_project}-apigateway-logging",
            path=ROLE_PATH,
            description="API Gateway writes stage access logs to CloudWatch Logs",
            assume_role_policy=caller.account_id.apply(
                lambda account: json.dumps(documents.apigateway_logging_trust_policy(account))
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-apigateway-logging",
            role=role.name,
            policy_arn=aws.get_partition_output().partition.apply(
                lambda p: (
                    f"arn:{p}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        aws.apigateway.Account(
            f"{name}-apigateway-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
