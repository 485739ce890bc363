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
from comments_bootstrap.documents import environment_prefix

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
    github_repository_id: str
    """GitHub's id of that repository (a repository created under its old name has another)."""
    github_owner_id: str
    """GitHub's id of the repository's owner (the immutable subject names it)."""
    github_subject_prefix: str
    """The `repo` segment GitHub starts the repository's `sub` with: `repo:<owner>/<name>`, or
    `repo:<owner>@<owner id>/<name>@<repository id>` with immutable subject claims."""
    environments: list[str]
    resource_prefix: str
    stack_project: str
    oidc_provider_arn: str
    """An existing GitHub OIDC provider; empty creates one (an account holds one per URL)."""
    create_state_bucket: bool
    manage_apigateway_account: bool
    data_protected_environments: list[str] = field(default_factory=list)
    """Environments whose deploy role may not unprotect, change or delete their table."""
    protected_tables: dict[str, str] = field(default_factory=dict)
    """Environment -> the name of its (existing) table, which gets a policy of its own."""
    allowed_tag_keys: list[str] = field(default_factory=lambda: ["project", "stack"])
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owner, _, name = self.github_repository.partition("/")
        if not owner or not name or "/" in name or any(c in self.github_repository for c in "*?:"):
            raise ValueError(
                f"githubRepository={self.github_repository!r}: expected owner/name, no wildcards"
            )
        repo = self.github_repository
        ids_command = f"gh api repos/{repo} --jq '{{id: .id, owner_id: .owner.id}}'"
        prefix_command = f"gh api repos/{repo}/actions/oidc/customization/sub"
        settings = {
            "githubOwnerId": self.github_owner_id,
            "githubRepositoryId": self.github_repository_id,
            "githubSubjectPrefix": self.github_subject_prefix,
        }
        missing = [key for key, value in settings.items() if not value]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} not set: the roles trust exactly the `sub` GitHub sends "
                f"for {repo}. `{ids_command}` prints githubRepositoryId (id) and githubOwnerId "
                f"(owner_id); `{prefix_command}` prints githubSubjectPrefix (sub_claim_prefix: "
                f"repo:{owner}/{name}, or repo:{owner}@<owner_id>/{name}@<id> for a repository "
                "with immutable subject claims)"
            )
        for key in ("githubRepositoryId", "githubOwnerId"):
            if not settings[key].isdigit():
                raise ValueError(
                    f"{key}={settings[key]!r}: GitHub's numeric id (`{ids_command}` prints it)"
                )
        if self.subject_form is None:
            forms = " or ".join(repr(self._prefix(form)) for form in documents.SUBJECT_FORMS)
            raise ValueError(
                f"githubSubjectPrefix={self.github_subject_prefix!r}: GitHub sends {forms} for "
                f"{repo} with these ids; set the one `{prefix_command}` reports as "
                "sub_claim_prefix (a job's token starts its `sub` with it too)"
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
        # dataProtectedEnvironments may name environments another account hosts (the default
        # covers every account); protectedTables names tables this account holds.
        unknown = sorted(set(self.protected_tables) - set(self.environments))
        if unknown:
            raise ValueError(
                f"protectedTables: {unknown} are not in environments {self.environments}"
            )
        unprotected = sorted(set(self.protected_tables) - set(self.data_protected_environments))
        if unprotected:
            raise ValueError(
                f"protectedTables: {unprotected} must also be in dataProtectedEnvironments"
            )
        for env, table in self.protected_tables.items():
            if not table.startswith(environment_prefix(self.resource_prefix, env)):
                raise ValueError(
                    f"protectedTables.{env}={table!r}: not a table of that environment "
                    f"(names start with {environment_prefix(self.resource_prefix, env)!r})"
                )
        if documents.STACK_TAG_KEY not in self.allowed_tag_keys:
            raise ValueError(
                f"allowedTagKeys={self.allowed_tag_keys!r}: must include "
                f"'{documents.STACK_TAG_KEY}' (the tag that ties a scalable target to its stack)"
            )
        if ROLE_PATH.lstrip("/").startswith(self.resource_prefix):
            raise ValueError(
                f"resourcePrefix={self.resource_prefix!r} would cover the pipeline's own roles "
                f"(IAM path {ROLE_PATH})"
            )

    def _prefix(self, form: str) -> str:
        return documents.subject_prefix(
            self.github_repository, self.github_owner_id, self.github_repository_id, form
        )

    @property
    def subject_form(self) -> str | None:
        """The form githubSubjectPrefix is in, or None if it is neither for these ids."""
        forms = [
            f for f in documents.SUBJECT_FORMS if self._prefix(f) == self.github_subject_prefix
        ]
        return forms[0] if forms else None

    @property
    def repository(self) -> documents.GitHubRepository:
        form = self.subject_form
        assert form is not None  # __post_init__ refused the settings otherwise
        return documents.GitHubRepository(
            self.github_repository, self.github_repository_id, self.github_owner_id, form
        )


# The AWS managed key that encrypts the stacks' tables; DescribeKey of this alias reports (and,
# in an account that never used it, creates) it.
DYNAMODB_KEY_ALIAS = "alias/aws/dynamodb"


def _scope(args: PipelineAccessArgs, environment: str, values: list[Any]) -> documents.Scope:
    partition, account_id, region, state_bucket, secrets_key_arn, dynamodb_key_arn = values
    return documents.Scope(
        partition=partition,
        account_id=account_id,
        region=region,
        environment=environment,
        resource_prefix=args.resource_prefix,
        stack_project=args.stack_project,
        state_bucket=state_bucket or None,
        secrets_key_arn=secrets_key_arn or None,
        data_protected=environment in args.data_protected_environments,
        allowed_tag_keys=tuple(args.allowed_tag_keys),
        dynamodb_key_arn=dynamodb_key_arn,
    )


def _table_arn(table: str, scope: documents.Scope) -> str:
    return scope.arn("dynamodb", f"table/{table}")


class PipelineAccess(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: PipelineAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        caller = aws.get_caller_identity_output()
        region = aws.get_region_output()
        partition = aws.get_partition_output()
        dynamodb_key = aws.kms.get_key_output(key_id=DYNAMODB_KEY_ALIAS)

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
            self._apigateway_logging(name, args, caller, region, partition)

        self.boundary_arns: dict[str, pulumi.Output[str]] = {}
        self.deploy_role_arns: dict[str, pulumi.Output[str]] = {}
        self.preview_role_arns: dict[str, pulumi.Output[str]] = {}
        self.secrets_providers: dict[str, pulumi.Output[str]] = {}
        scopes: dict[str, pulumi.Output[documents.Scope]] = {}
        for env in args.environments:
            key_arn: pulumi.Output[str] | str = ""
            if args.create_state_bucket:
                key_arn = self._secrets_key(name, args, env, caller, partition, region)
            scope = pulumi.Output.all(
                partition.partition,
                caller.account_id,
                region.region,
                self.state_bucket if self.state_bucket is not None else "",
                key_arn,
                dynamodb_key.arn,
            ).apply(partial(_scope, args, env))
            scopes[env] = scope
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
                documents.deploy_subjects(args.repository, env),
                scope.apply(lambda s: json.dumps(documents.deploy_policy(s))),
                args,
            )
            self.preview_role_arns[env] = self._role(
                f"{args.stack_project}-preview-{env}",
                f"Read-only pull-request previews of the {env} comments stack",
                documents.preview_subjects(args.repository, env),
                scope.apply(lambda s: json.dumps(documents.preview_policy(s))),
                args,
            )

        self.break_glass_role_arn: pulumi.Output[str] | None = None
        protected = [env for env in args.environments if env in args.data_protected_environments]
        if protected:
            self.break_glass_role_arn = self._break_glass(
                name, args, [scopes[env] for env in protected], caller
            )
        for env, table in args.protected_tables.items():
            # After the table exists (its first deploy): the table refuses deletion and policy
            # changes to everyone but the break-glass role, administrators included.
            table_arn = scopes[env].apply(partial(_table_arn, table))
            aws.dynamodb.ResourcePolicy(
                f"{name}-{env}-table-protection",
                resource_arn=table_arn,
                policy=pulumi.Output.all(scopes[env], table_arn).apply(
                    lambda v: json.dumps(documents.table_resource_policy(v[0], v[1]))
                ),
                opts=pulumi.ResourceOptions(parent=self, protect=True),
            )

        self.register_outputs(
            {
                "oidcProviderArn": self.oidc_provider_arn,
                "secretsProviders": self.secrets_providers,
                "breakGlassRoleArn": self.break_glass_role_arn,
                "integrationBoundaryArns": self.boundary_arns,
                "deployRoleArns": self.deploy_role_arns,
                "previewRoleArns": self.preview_role_arns,
                "stateBucket": self.state_bucket,
                "backendUrl": self.backend_url,
            }
        )

    def _secrets_key(
        self,
        name: str,
        args: PipelineAccessArgs,
        env: str,
        caller: pulumi.Output[aws.GetCallerIdentityResult],
        partition: pulumi.Output[aws.GetPartitionResult],
        region: pulumi.Output[aws.GetRegionResult],
    ) -> pulumi.Output[str]:
        """The stack's awskms secrets provider key: the deploy role encrypts and decrypts, the
        preview role only decrypts (StackSecretsKey in their policies); no passphrase exists."""
        key = aws.kms.Key(
            f"{name}-{env}-secrets",
            description=f"Secrets of the {env} comments stack (Pulumi awskms secrets provider)",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.all(caller.account_id, partition.partition).apply(
                lambda v: json.dumps(documents.secrets_key_policy(v[0], v[1]))
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        alias = f"alias/{args.stack_project}-{env}-secrets"
        aws.kms.Alias(
            f"{name}-{env}-secrets",
            name=alias,
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=key),
        )
        self.secrets_providers[env] = pulumi.Output.concat(
            "awskms://", alias, "?region=", region.region
        )
        return key.arn

    def _break_glass(
        self,
        name: str,
        args: PipelineAccessArgs,
        scopes: list[pulumi.Output[documents.Scope]],
        caller: pulumi.Output[aws.GetCallerIdentityResult],
    ) -> pulumi.Output[str]:
        role = aws.iam.Role(
            f"{name}-break-glass",
            name=f"{args.stack_project}-{documents.BREAK_GLASS_ROLE}",
            path=ROLE_PATH,
            description="Deliberate changes to data-protected comments tables (README: Bootstrap)",
            assume_role_policy=caller.account_id.apply(
                lambda account: json.dumps(documents.break_glass_trust_policy(account))
            ),
            max_session_duration=3600,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-break-glass-access",
            role=role.id,
            policy=pulumi.Output.all(*scopes).apply(
                lambda s: json.dumps(documents.break_glass_policy(list(s)))
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return role.arn

    def _role(
        self,
        name: str,
        description: str,
        subjects: list[str],
        policy: pulumi.Output[str],
        args: PipelineAccessArgs,
    ) -> pulumi.Output[str]:
        role = aws.iam.Role(
            name,
            name=name,
            path=ROLE_PATH,
            description=description,
            assume_role_policy=self.oidc_provider_arn.apply(
                lambda arn: json.dumps(documents.github_trust_policy(arn, subjects))
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
        region: pulumi.Output[aws.GetRegionResult],
        partition: pulumi.Output[aws.GetPartitionResult],
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
        access = aws.iam.RolePolicy(
            f"{name}-apigateway-logging-access",
            role=role.id,
            policy=pulumi.Output.all(partition.partition, caller.account_id, region.region).apply(
                lambda v: json.dumps(
                    documents.apigateway_logging_policy(v[0], v[1], v[2], args.resource_prefix)
                )
            ),
            opts=pulumi.ResourceOptions(parent=role),
        )
        aws.apigateway.Account(
            f"{name}-apigateway-account",
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access]),
        )
