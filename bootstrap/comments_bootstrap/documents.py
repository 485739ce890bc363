"""IAM policy documents for the pipeline's roles, built as plain dicts so tests read them.

Scope: the comments stack of environment <env> names its table, integration role, log group,
alarms, alarm topic and budget `<resourcePrefix><env>-...` and its dashboard
`<resourcePrefix><env>`, tags its scalable targets `stack=<env>`, keeps its state under
`.pulumi/*/<stackProject>/<env>` in the state bucket, and owns REST APIs in one region. Wildcards
left in a Resource are the ones AWS gives no narrower form for; each statement's Sid says which
and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
# The pipeline's own roles and the integration roles' boundaries live under this IAM path, which
# no `<resourcePrefix><env>-*` grant of a deploy role reaches.
PIPELINE_PATH = "/github-pipeline/"
# All an integration role ever needs: the API's three DynamoDB integrations.
BOUNDARY_ACTIONS = ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"]
# All a moderator role ever needs: calling the API's signed routes.
MODERATOR_BOUNDARY_ACTIONS = ["execute-api:Invoke"]

# The repository's OIDC subject template (bootstrap/github sets it): every token's `sub` names
# the repository by name and by id (a repository created under an old name after a rename or
# transfer gets another id), the job's context (here always `environment:<name>`), the ref the
# run was triggered for, and the workflow file and ref the job's definition came from, so a role
# can trust one workflow on one ref. Both refs: a workflow on any branch may call another at
# `@main` (`uses: <repo>/.github/workflows/<file>@main`), and then only `ref` tells them apart.
SUBJECT_CLAIM_KEYS = ("repo", "repository_id", "context", "ref", "job_workflow_ref")
# The `repo` segment comes in one of two forms (GitHub's OIDC reference, "Immutable subject
# claims"): `repo:OWNER/REPO`, or, for repositories created, renamed or transferred after
# 2026-07-15 and for those opted in (by the repository or its organization),
# `repo:OWNER@OWNER_ID/REPO@REPO_ID`, which a custom template cannot remove. Only the `repo` segment changes: `repository_id` stays as the
# template lists it, and `job_workflow_ref` names the workflow by repository name either way.
SUBJECT_FORMS = ("name", "immutable")
DEPLOY_WORKFLOW = ".github/workflows/deploy-environment.yml"
PREVIEW_WORKFLOW = ".github/workflows/pr.yml"
DRIFT_WORKFLOW = ".github/workflows/drift.yml"
VERIFY_WORKFLOW = ".github/workflows/verify.yml"
MAIN_REF = "refs/heads/main"
# A pull_request job's ref; the number is the only part a trust cannot name in advance.
PULL_REQUEST_REF = "refs/pull/*/merge"
# Who deliberately changes a data-protected table: an administrator, with MFA, after review.
BREAK_GLASS_ROLE = "break-glass"
# Table actions that would unprotect a data-protected table or discard its data or backups.
TABLE_PROTECTION_ACTIONS = [
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateContinuousBackups",
    # TTL set on another attribute deletes every item whose value there is a past epoch second.
    "dynamodb:UpdateTimeToLive",
    "dynamodb:DeleteBackup",
    "dynamodb:PutResourcePolicy",
    "dynamodb:DeleteResourcePolicy",
]
# Actions that write tags, including creates that carry them (IAM evaluates aws:TagKeys there).
TAG_WRITES = [
    "iam:CreateRole",
    "iam:TagRole",
    "iam:UntagRole",
    "dynamodb:CreateTable",
    "dynamodb:TagResource",
    "dynamodb:UntagResource",
    "logs:CreateLogGroup",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:TagLogGroup",
    "logs:UntagLogGroup",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
    "sns:CreateTopic",
    "sns:TagResource",
    "sns:UntagResource",
    "budgets:ModifyBudget",
    "budgets:TagResource",
    "budgets:UntagResource",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:TagResource",
    "application-autoscaling:UntagResource",
]
# The tag key the stacks put their stack's name under (infra/__main__.py). Scalable targets
# have generated ids, so this tag is what ties one to its stack (see deploy_policy).
STACK_TAG_KEY = "stack"
# Application Auto Scaling of a table: the two dimensions the stacks scale, and the
# service-linked role the service creates on an account's first DynamoDB registration.
TABLE_SCALABLE_DIMENSIONS = [
    "dynamodb:table:ReadCapacityUnits",
    "dynamodb:table:WriteCapacityUnits",
]
DYNAMODB_SCALING_SERVICE = "dynamodb.application-autoscaling.amazonaws.com"
DYNAMODB_SCALING_ROLE = "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
# The Service Authorization Reference ("Actions, resources, and condition keys for AWS
# Application Auto Scaling") lists no resource type for these reads: IAM accepts only
# `Resource: "*"` for them. They return targets and policies, never change one.
SCALING_DESCRIBE_ACTIONS = [
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScalingActivities",
]
# The actions an alarm takes on any state change (ALARM, OK, INSUFFICIENT_DATA), per request.
ALARM_ACTIONS = "cloudwatch:AlarmActions"
SCALING_TARGET_WRITES = [
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:DeregisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DeleteScalingPolicy",
]


def preview_environment(environment: str) -> str:
    """The GitHub environment the previews and drift checks of `environment` run in."""
    return f"preview-{environment}"


def subject_prefix(repository: str, owner_id: str, repository_id: str, form: str) -> str:
    """The `repo` segment GitHub starts every `sub` of the repository with, in `form`."""
    if form == "name":
        return f"repo:{repository}"
    if form == "immutable":
        owner, name = repository.split("/")
        return f"repo:{owner}@{owner_id}/{name}@{repository_id}"
    raise ValueError(f"subject form {form!r}: one of {SUBJECT_FORMS}")


@dataclass(frozen=True)
class GitHubRepository:
    """The repository whose workflows assume the roles, and the `sub` prefix GitHub gives it."""

    name: str
    """owner/name, as GitHub spells it (`job_workflow_ref` names workflows so)."""
    repository_id: str
    owner_id: str
    form: str
    """One of SUBJECT_FORMS: the one GitHub sends for this repository."""

    @property
    def prefix(self) -> str:
        return subject_prefix(self.name, self.owner_id, self.repository_id, self.form)


def github_subject(
    repository: GitHubRepository, github_environment: str, workflow: str, ref: str
) -> str:
    """The `sub` GitHub issues under SUBJECT_CLAIM_KEYS to a job with an environment, when the
    run's ref and the workflow file's ref are both `ref`."""
    return (
        f"{repository.prefix}:repository_id:{repository.repository_id}"
        f":environment:{github_environment}:ref:{ref}"
        f":job_workflow_ref:{repository.name}/{workflow}@{ref}"
    )


def environment_prefix(resource_prefix: str, environment: str) -> str:
    """`<resourcePrefix><env>-`: every physical name of this environment's stack starts so."""
    return f"{resource_prefix}{environment}-"


def boundary_name(resource_prefix: str, environment: str) -> str:
    """The environment's integration-role boundary (the comments stacks reference it by name)."""
    return f"{environment_prefix(resource_prefix, environment)}integration-boundary"


@dataclass(frozen=True)
class Scope:
    """Where one environment's resources live; every ARN below is built from it."""

    partition: str
    account_id: str
    region: str
    environment: str
    resource_prefix: str
    stack_project: str
    state_bucket: str | None
    secrets_key_arn: str | None = None
    """The KMS key of the awskms secrets provider (S3 backend only)."""
    data_protected: bool = False
    allowed_tag_keys: tuple[str, ...] = ("project", "stack")
    dynamodb_key_arn: str = ""
    """The account's AWS managed key aws/dynamodb (its id differs per account), which encrypts
    the tables; the deploy policy names it and no other key."""

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        return f"arn:{self.partition}:{service}:{where}:{self.account_id}:{resource}"

    @property
    def name_prefix(self) -> str:
        return environment_prefix(self.resource_prefix, self.environment)

    @property
    def boundary_arn(self) -> str:
        name = boundary_name(self.resource_prefix, self.environment)
        return self.arn("iam", f"policy{PIPELINE_PATH}{name}", region=False)

    @property
    def tables(self) -> list[str]:
        """This environment's tables and what lives under them (indexes, streams, backups)."""
        table = self.arn("dynamodb", f"table/{self.name_prefix}*")
        return [table, f"{table}/*"]

    @property
    def break_glass_role_arn(self) -> str:
        name = f"{self.stack_project}-{BREAK_GLASS_ROLE}"
        return self.arn("iam", f"role{PIPELINE_PATH}{name}", region=False)

    @property
    def apigateway(self) -> str:
        # API Gateway resource ARNs carry no account id.
        return f"arn:{self.partition}:apigateway:{self.region}::"

    @property
    def alarms(self) -> str:
        """The stack's metric alarms, `<prefix><env>-<suffix>` (infra's monitoring.py)."""
        return self.arn("cloudwatch", f"alarm:{self.name_prefix}*")

    @property
    def scaling_alarms(self) -> str:
        """The alarms target tracking creates for this environment's tables."""
        return self.arn("cloudwatch", f"alarm:TargetTracking-table/{self.name_prefix}*")

    @property
    def dashboard(self) -> str:
        """The stack's one dashboard, named `<prefix><env>` exactly; dashboards are global."""
        name = f"{self.resource_prefix}{self.environment}"
        return self.arn("cloudwatch", f"dashboard/{name}", region=False)

    @property
    def topics(self) -> str:
        """The alarm topic and its subscriptions (a subscription's ARN is `<topic ARN>:<id>`)."""
        return self.arn("sns", f"{self.name_prefix}*")

    @property
    def budgets(self) -> str:
        """The stack's monthly budget; Budgets ARNs carry no region."""
        return self.arn("budgets", f"budget/{self.name_prefix}*", region=False)

    @property
    def table_scaling_policies(self) -> str:
        """Application Auto Scaling policies of this environment's tables (alarm actions)."""
        table = f"resource/dynamodb/table/{self.name_prefix}*"
        return self.arn("autoscaling", f"scalingPolicy:*:{table}")

    @property
    def scalable_targets(self) -> str:
        """Every scalable target of the account's region: their ids are generated, no name."""
        return self.arn("application-autoscaling", "scalable-target/*")

    @property
    def scaling_service_linked_role(self) -> str:
        path = f"aws-service-role/{DYNAMODB_SCALING_SERVICE}/{DYNAMODB_SCALING_ROLE}"
        return self.arn("iam", f"role/{path}", region=False)


def _statement(sid: str, actions: list[str], resources: list[str], **extra: Any) -> Document:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def no_more_colons_than(subject: str) -> str:
    """A StringNotLike pattern matching every string with more ':' than `subject` has.

    StringLike's `*` matches ':' too, and a job may name any GitHub environment: one named
    `preview-dev:job_workflow_ref:<repo>/.github/workflows/pr.yml@refs/pull/1` would put the
    whole pattern before its own `:job_workflow_ref:<other workflow>@<ref>`, which `*/merge`
    then swallows. Every claim adds a ':', so a subject with more than the pattern's is forged.
    """
    return ":".join(["*"] * (subject.count(":") + 2))


def _github_statement(provider_arn: str, subject: str) -> Document:
    # A subject with `*` (only a pull request's number) needs StringLike, and no more claims
    # than it names; all else is exact.
    sub = f"{GITHUB_OIDC_HOST}:sub"
    condition: dict[str, dict[str, str]] = {
        "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": OIDC_AUDIENCE}
    }
    if "*" in subject:
        condition["StringLike"] = {sub: subject}
        condition["StringNotLike"] = {sub: no_more_colons_than(subject)}
    else:
        condition["StringEquals"][sub] = subject
    return {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }


def github_trust_policy(provider_arn: str, subjects: list[str]) -> Document:
    """Only GitHub tokens for this audience with one of these `sub` claims, one statement each."""
    return {
        "Version": "2012-10-17",
        "Statement": [_github_statement(provider_arn, subject) for subject in subjects],
    }


def deploy_subjects(repository: GitHubRepository, environment: str) -> list[str]:
    """The deploy job of deploy-environment.yml on main, in the environment's GitHub environment
    (which only main may use): not a pull request that declares `environment: <env>`."""
    return [github_subject(repository, environment, DEPLOY_WORKFLOW, MAIN_REF)]


def preview_subjects(repository: GitHubRepository, environment: str) -> list[str]:
    """pr.yml's previews of any pull request (GitHub gives forks no token), drift.yml on main and
    the proof kit's verify.yml on main, all in the environment's preview GitHub environment."""
    github_environment = preview_environment(environment)
    return [
        github_subject(repository, github_environment, PREVIEW_WORKFLOW, PULL_REQUEST_REF),
        github_subject(repository, github_environment, DRIFT_WORKFLOW, MAIN_REF),
        github_subject(repository, github_environment, VERIFY_WORKFLOW, MAIN_REF),
    ]


def break_glass_trust_policy(account_id: str, partition: str = "aws") -> Document:
    """Principals of this account whose own IAM policy lets them assume it, with MFA only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }


def break_glass_policy(scopes: list[Scope]) -> Document:
    """What the table protection denies to the deploy roles, on the protected tables only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                "DeliberateChangesToProtectedTables",
                [*TABLE_PROTECTION_ACTIONS, "dynamodb:Describe*", "dynamodb:GetResourcePolicy"],
                [resource for scope in scopes for resource in scope.tables],
            )
        ],
    }


def table_resource_policy(scope: Scope, table_arn: str) -> Document:
    """A protected table's own policy: nobody but the break-glass role deletes it or changes
    this policy, whatever their IAM policies allow (administrators included)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OnlyBreakGlassDeletesOrRepolicies",
                "Effect": "Deny",
                "Principal": "*",
                "Action": [
                    "dynamodb:DeleteTable",
                    "dynamodb:PutResourcePolicy",
                    "dynamodb:DeleteResourcePolicy",
                ],
                "Resource": table_arn,
                "Condition": {"ArnNotEquals": {"aws:PrincipalArn": scope.break_glass_role_arn}},
            }
        ],
    }


def _state_keys(scope: Scope) -> list[str]:
    """The diy backend's objects for one stack: checkpoint, history, backups, locks."""
    bucket, project, env = scope.state_bucket, scope.stack_project, scope.environment
    base = f"arn:{scope.partition}:s3:::{bucket}/.pulumi"
    return [
        f"{base}/stacks/{project}/{env}.json*",
        f"{base}/history/{project}/{env}/*",
        f"{base}/backups/{project}/{env}/*",
        f"{base}/locks/organization/{project}/{env}/*",
    ]


def _state_statements(scope: Scope, *, write: bool) -> list[Document]:
    if scope.state_bucket is None:
        return []
    bucket = f"arn:{scope.partition}:s3:::{scope.state_bucket}"
    object_actions = ["s3:GetObject"] + (["s3:PutObject", "s3:DeleteObject"] if write else [])
    return [
        _statement("StateList", ["s3:ListBucket", "s3:GetBucketLocation"], [bucket]),
        _statement("StateMeta", ["s3:GetObject"], [f"{bucket}/.pulumi/meta.yaml"]),
        _statement("StateOfThisStack", object_actions, _state_keys(scope)),
    ]


def boundary_policy(scope: Scope) -> Document:
    """The permissions boundary of every role a deploy creates in this environment (the
    integration role and the moderator role): the API's DynamoDB calls on this environment's
    tables, and invoking this account's APIs, whatever policy a deploy puts on the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                "IntegrationCallsOnThisEnvironmentsTables",
                BOUNDARY_ACTIONS,
                [scope.arn("dynamodb", f"table/{scope.name_prefix}*")],
            ),
            # API ids are random, so no ARN names this environment's APIs before they exist;
            # the moderator role's own policy names the exact methods.
            _statement(
                "ModeratorCallsToThisAccountsApisAnyApiIdIsRandom",
                MODERATOR_BOUNDARY_ACTIONS,
                [scope.arn("execute-api", "*")],
            ),
        ],
    }


def deploy_policy(scope: Scope) -> Document:
    """What `pulumi up` of one comments stack needs: its table, role, API, log group, alarms,
    dashboard, alarm topic, budget, table auto scaling, state."""
    key = scope.dynamodb_key_arn
    if not key.startswith(scope.arn("kms", "key/")) or any(c in key for c in "*?"):
        raise ValueError(
            f"dynamodb_key_arn={scope.dynamodb_key_arn!r}: the ARN of aws/dynamodb in "
            f"{scope.account_id}/{scope.region}"
        )
    prefix = scope.name_prefix
    table = scope.arn("dynamodb", f"table/{prefix}*")
    role = scope.arn("iam", f"role/{prefix}*", region=False)
    any_role = scope.arn("iam", "role/*", region=False)
    log_group = scope.arn("logs", f"log-group:{prefix}*")
    with_boundary = {"StringEquals": {"iam:PermissionsBoundary": scope.boundary_arn}}
    statements = [
        _statement(
            "Tables",
            [
                "dynamodb:CreateTable",
                "dynamodb:UpdateTable",
                "dynamodb:DeleteTable",
                "dynamodb:Describe*",
                "dynamodb:ListTagsOfResource",
                "dynamodb:TagResource",
                "dynamodb:UntagResource",
                "dynamodb:UpdateContinuousBackups",
                "dynamodb:UpdateTimeToLive",
            ],
            [table],
        ),
        # A role the deploy creates, or whose permissions it writes, must carry this
        # environment's boundary: whatever inline policy it is given, it can do no more than
        # Query/UpdateItem on this environment's tables. These are the role writes IAM evaluates
        # iam:PermissionsBoundary for (it is the role's current boundary on the policy writes).
        _statement(
            "IntegrationRoleWritesRequireTheBoundary",
            [
                "iam:CreateRole",
                "iam:PutRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:PutRolePermissionsBoundary",
            ],
            [role],
            Condition=with_boundary,
        ),
        # IAM has no boundary condition key for these. They are safe because every role in
        # scope carries the boundary: the deploy can create none without it and never remove
        # it (the Deny statements below), so a role it changes stays capped at Query/UpdateItem
        # on this environment's tables. An existing role's trust is never rewritten (Deny
        # below): a trust change replaces the role, which the reviewed preview shows. The
        # prefix is the stacks' own: roles an administrator creates must not use it.
        _statement(
            "IntegrationRoleWritesCappedByTheBoundary",
            [
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:TagRole",
                "iam:UntagRole",
            ],
            [role],
        ),
        _statement(
            "ReadIntegrationRoles",
            [
                "iam:GetRole",
                "iam:ListRoleTags",
                "iam:GetRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            [role],
        ),
        _statement(
            "PassIntegrationRoleToApiGatewayOnly",
            ["iam:PassRole"],
            [role],
            Condition={"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
        ),
        # Explicit denies hold even if an Allow above is ever widened: no role loses its
        # boundary or gets another one, and the boundaries themselves (under the pipeline's
        # path, which no Allow here reaches) stay as the bootstrap wrote them.
        {
            "Sid": "NeverRemoveABoundary",
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary"],
            "Resource": [any_role],
        },
        {
            "Sid": "NoBoundaryButThisEnvironments",
            "Effect": "Deny",
            "Action": ["iam:PutRolePermissionsBoundary"],
            "Resource": [any_role],
            "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": scope.boundary_arn}},
        },
        # `role/<prefix><env>-*` also matches a role at the path `/<prefix><env>-x/` with any
        # name, and role names are unique per account whatever their path: such a role could
        # take a name another environment or the bootstrap will need. The stacks' roles have
        # no path.
        {
            "Sid": "RolesOnlyAtTheRootPath",
            "Effect": "Deny",
            "Action": ["iam:CreateRole"],
            "Resource": [scope.arn("iam", "role/*/*", region=False)],
        },
        {
            "Sid": "NoTrustRewrites",
            "Effect": "Deny",
            "Action": ["iam:UpdateAssumeRolePolicy"],
            "Resource": [any_role],
        },
        # Tags only under the project's keys, on creates too: no tag another policy keys on.
        {
            "Sid": "OnlyTheProjectsTagKeys",
            "Effect": "Deny",
            "Action": TAG_WRITES,
            "Resource": "*",
            "Condition": {
                "ForAnyValue:StringNotEquals": {"aws:TagKeys": list(scope.allowed_tag_keys)}
            },
        },
        {
            "Sid": "OnlyTheProjectsTagKeysOnRestApis",
            "Effect": "Deny",
            "Action": ["apigateway:POST", "apigateway:PUT", "apigateway:DELETE"],
            "Resource": [f"{scope.apigateway}/restapis", f"{scope.apigateway}/tags/*"],
            "Condition": {
                "ForAnyValue:StringNotEquals": {"aws:TagKeys": list(scope.allowed_tag_keys)}
            },
        },
        {
            "Sid": "BoundaryPoliciesAreReadOnly",
            "Effect": "Deny",
            "Action": [
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:SetDefaultPolicyVersion",
                "iam:DeletePolicyVersion",
                "iam:DeletePolicy",
                "iam:TagPolicy",
                "iam:UntagPolicy",
            ],
            "Resource": [scope.arn("iam", f"policy{PIPELINE_PATH}*", region=False)],
        },
        _statement(
            "AccessLogGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:ListTagsForResource",
                "logs:TagLogGroup",
                "logs:UntagLogGroup",
                "logs:ListTagsLogGroup",
            ],
            [log_group, f"{log_group}:*"],
        ),
        # DescribeLogGroups is a list call: IAM accepts only the log-group:* form for it.
        _statement(
            "ListLogGroupsNeedsAllGroupsArn",
            ["logs:DescribeLogGroups"],
            [scope.arn("logs", "log-group:*")],
        ),
        *_rest_api_statements(scope),
        *_monitoring_statements(scope),
        *_scaling_statements(scope),
        # Table encryption uses the AWS managed key aws/dynamodb (the bootstrap resolved its
        # ARN), only when DynamoDB in this region asks on the deploy's behalf: `key/*` would
        # let a table be encrypted under another environment's secrets key.
        _statement(
            "ManagedKeyOnlyViaDynamoDb",
            ["kms:DescribeKey", "kms:CreateGrant"],
            [scope.dynamodb_key_arn],
            Condition={
                "StringEquals": {"kms:ViaService": f"dynamodb.{scope.region}.amazonaws.com"}
            },
        ),
    ]
    if scope.data_protected:
        # IAM has no condition key for deletion protection or PITR in an UpdateTable or
        # UpdateContinuousBackups request, so neither call is allowed at all: a capacity change
        # or any other table change of a protected environment goes through the break-glass
        # role (README, Bootstrap). DeleteTable is also refused by the table's own policy.
        statements.append(
            {
                "Sid": "ProtectedTablesStayProtected",
                "Effect": "Deny",
                "Action": TABLE_PROTECTION_ACTIONS,
                "Resource": scope.tables,
            }
        )
    statements.extend(_secrets_statements(scope, ["kms:Encrypt", "kms:Decrypt"]))
    statements.extend(_state_statements(scope, write=True))
    return {"Version": "2012-10-17", "Statement": statements}


def _rest_api_statements(scope: Scope) -> list[Document]:
    """The stack's REST API, tied to it by its `stack` tag.

    REST API ids are generated by AWS, so their ARNs cannot carry a name prefix: the ARNs are
    every REST API of the region, and the `stack` tag says whose one is. API Gateway authorises
    a REST API's child resources (resources, methods, integrations, deployments, stages, its
    policy) with the tags of the REST API ("API Gateway resources that can be tagged", tag
    inheritance), so an existing one only with `stack=<env>` (aws:ResourceTag), a new one only
    when the request tags it so (aws:RequestTag), and no request moves an API to another stack.
    Reads stay on every REST API: a refresh reads its own, and API definitions hold no secret.
    """
    apis = f"{scope.apigateway}/restapis"
    writes = ["apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
    stack_tag = f"aws:RequestTag/{STACK_TAG_KEY}"
    return [
        _statement("ReadRestApisAnyIdIsGenerated", ["apigateway:GET"], [apis, f"{apis}/*"]),
        _statement(
            "NewRestApisTaggedForThisStack",
            ["apigateway:POST"],
            [apis],
            Condition={"StringEquals": {stack_tag: scope.environment}},
        ),
        _statement(
            "RestApisTaggedForThisStack",
            writes,
            [f"{apis}/*", f"{scope.apigateway}/tags/*"],
            Condition={"StringEquals": {f"aws:ResourceTag/{STACK_TAG_KEY}": scope.environment}},
        ),
        _no_move_to_another_stack(
            "NoRestApiMovesToAnotherStack",
            writes,
            [apis, f"{apis}/*", f"{scope.apigateway}/tags/*"],
            scope,
        ),
    ]


def _no_move_to_another_stack(
    sid: str, actions: list[str], resources: list[str], scope: Scope
) -> Document:
    """Refuses a request that tags a resource with another stack's name: the `stack` tag is
    what ties resources with generated ids (REST APIs, scalable targets) to their stack."""
    stack_tag = f"aws:RequestTag/{STACK_TAG_KEY}"
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": resources,
        "Condition": {
            "Null": {stack_tag: "false"},
            "StringNotEquals": {stack_tag: scope.environment},
        },
    }


def _monitoring_statements(scope: Scope) -> list[Document]:
    """The stack's alarms, dashboard, alarm topic with its policy and subscriptions, budget."""
    return [
        # An alarm acts as CloudWatch when its state changes (SNS, Systems Manager, Lambda,
        # scaling policies, EC2): the stack's alarms notify the stack's topic and nothing else.
        _statement(
            "StackAlarmsNotifyOnlyTheStacksTopic",
            ["cloudwatch:PutMetricAlarm"],
            [scope.alarms],
            Condition={"ForAllValues:StringLike": {ALARM_ACTIONS: [scope.topics]}},
        ),
        _statement(
            "StackAlarms",
            [
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
                "cloudwatch:ListTagsForResource",
            ],
            [scope.alarms],
        ),
        _statement(
            "StackDashboard",
            ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
            [scope.dashboard],
        ),
        # The topic policy is a topic attribute (SetTopicAttributes); subscriptions are
        # authorised on their topic's ARN prefix.
        _statement(
            "AlarmTopicAndSubscriptions",
            [
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:TagResource",
                "sns:UntagResource",
                "sns:ListTagsForResource",
                "sns:Subscribe",
                "sns:Unsubscribe",
                "sns:GetSubscriptionAttributes",
                "sns:SetSubscriptionAttributes",
                "sns:ListSubscriptionsByTopic",
            ],
            [scope.topics],
        ),
        # Create/Update/DeleteBudget and its notifications are all budgets:ModifyBudget.
        _statement(
            "MonthlyBudget",
            [
                "budgets:ModifyBudget",
                "budgets:ViewBudget",
                "budgets:TagResource",
                "budgets:UntagResource",
                "budgets:ListTagsForResource",
            ],
            [scope.budgets],
        ),
    ]


def _scaling_statements(scope: Scope) -> list[Document]:
    """Auto scaling of the stack's table: its scalable targets and target-tracking policies.

    A scalable target's ARN has a generated id and IAM has no key for the resource it scales, so
    the stack's `stack` tag is what ties a target to this environment: existing targets only
    with it (aws:ResourceTag), new ones only when the request sets it (aws:RequestTag), and
    never a dimension but a table's read/write capacity. Application Auto Scaling also requires
    the caller's own dynamodb:DescribeTable/UpdateTable on the table and the CloudWatch alarm
    calls below (its user guide, "Permissions required for API actions on target services"),
    which the Tables statement scopes to this environment's tables.
    """
    own_target = {"StringEquals": {f"aws:ResourceTag/{STACK_TAG_KEY}": scope.environment}}
    new_target = {
        "StringEquals": {f"aws:RequestTag/{STACK_TAG_KEY}": scope.environment},
        "Null": {f"aws:ResourceTag/{STACK_TAG_KEY}": "true"},
    }
    return [
        _statement(
            "ScalableTargetsTaggedForThisStack",
            [
                *SCALING_TARGET_WRITES,
                "application-autoscaling:TagResource",
                "application-autoscaling:UntagResource",
                "application-autoscaling:ListTagsForResource",
            ],
            [scope.scalable_targets],
            Condition=own_target,
        ),
        _statement(
            "NewScalableTargetsTaggedForThisStack",
            [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:TagResource",
            ],
            [scope.scalable_targets],
            Condition=new_target,
        ),
        _no_move_to_another_stack(
            "NoScalableTargetMovesToAnotherStack",
            [
                "application-autoscaling:RegisterScalableTarget",
                "application-autoscaling:TagResource",
            ],
            [scope.scalable_targets],
            scope,
        ),
        {
            "Sid": "ScalingOnlyTableCapacity",
            "Effect": "Deny",
            "Action": SCALING_TARGET_WRITES,
            "Resource": [scope.scalable_targets],
            "Condition": {
                "StringNotEquals": {
                    "application-autoscaling:scalable-dimension": TABLE_SCALABLE_DIMENSIONS
                }
            },
        },
        _statement("ScalingReadsHaveNoResourceLevelPermissions", SCALING_DESCRIBE_ACTIONS, ["*"]),
        # Target tracking's alarms are named after the table, TargetTracking-table/<table>-...,
        # and act on the table's own scaling policy only.
        _statement(
            "TargetTrackingAlarmsOfThisEnvironmentsTables",
            ["cloudwatch:PutMetricAlarm"],
            [scope.scaling_alarms],
            Condition={"ForAllValues:StringLike": {ALARM_ACTIONS: [scope.table_scaling_policies]}},
        ),
        _statement(
            "TargetTrackingAlarmsOfThisEnvironmentsTablesReadAndDelete",
            ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"],
            [scope.scaling_alarms],
        ),
        # Created once per account, on the first DynamoDB registration; only this service's.
        _statement(
            "DynamoDbScalingServiceLinkedRoleOnly",
            ["iam:CreateServiceLinkedRole"],
            [scope.scaling_service_linked_role],
            Condition={"StringEquals": {"iam:AWSServiceName": DYNAMODB_SCALING_SERVICE}},
        ),
    ]


def _secrets_statements(scope: Scope, actions: list[str]) -> list[Document]:
    """The awskms secrets provider calls Encrypt and Decrypt on the stack's key, nothing else."""
    if scope.secrets_key_arn is None:
        return []
    return [_statement("StackSecretsKey", actions, [scope.secrets_key_arn])]


def secrets_key_policy(account_id: str, partition: str = "aws") -> Document:
    """The account's IAM policies decide who uses the key (the roles' StackSecretsKey)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountIamPoliciesDecide",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def preview_policy(scope: Scope) -> Document:
    """Read-only: what `pulumi preview` (and `--refresh`) of one stack reads, nothing it writes."""
    prefix = scope.name_prefix
    log_group = scope.arn("logs", f"log-group:{prefix}*")
    statements = [
        _statement(
            "ReadTables",
            ["dynamodb:Describe*", "dynamodb:ListTagsOfResource"],
            [scope.arn("dynamodb", f"table/{prefix}*")],
        ),
        _statement(
            "ReadIntegrationRoles",
            [
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListRoleTags",
            ],
            [scope.arn("iam", f"role/{prefix}*", region=False)],
        ),
        _statement(
            "ReadAccessLogGroups",
            ["logs:ListTagsForResource", "logs:ListTagsLogGroup"],
            [log_group, f"{log_group}:*"],
        ),
        _statement(
            "ListLogGroupsNeedsAllGroupsArn",
            ["logs:DescribeLogGroups"],
            [scope.arn("logs", "log-group:*")],
        ),
        _statement(
            "ReadRestApisAnyIdIsGenerated",
            ["apigateway:GET"],
            [f"{scope.apigateway}/restapis", f"{scope.apigateway}/restapis/*"],
        ),
        _statement(
            "ReadStackAlarms",
            ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
            [scope.alarms, scope.scaling_alarms],
        ),
        _statement("ReadStackDashboard", ["cloudwatch:GetDashboard"], [scope.dashboard]),
        _statement(
            "ReadAlarmTopicAndSubscriptions",
            [
                "sns:GetTopicAttributes",
                "sns:ListTagsForResource",
                "sns:GetSubscriptionAttributes",
                "sns:ListSubscriptionsByTopic",
            ],
            [scope.topics],
        ),
        _statement(
            "ReadMonthlyBudget",
            ["budgets:ViewBudget", "budgets:ListTagsForResource"],
            [scope.budgets],
        ),
        _statement(
            "ReadScalableTargetTagsOfThisStack",
            ["application-autoscaling:ListTagsForResource"],
            [scope.scalable_targets],
            Condition={"StringEquals": {f"aws:ResourceTag/{STACK_TAG_KEY}": scope.environment}},
        ),
        _statement("ScalingReadsHaveNoResourceLevelPermissions", SCALING_DESCRIBE_ACTIONS, ["*"]),
    ]
    # Previews read secret config and state; they never encrypt (nothing is saved).
    statements.extend(_secrets_statements(scope, ["kms:Decrypt"]))
    statements.extend(_state_statements(scope, write=False))
    return {"Version": "2012-10-17", "Statement": statements}


def apigateway_logging_trust_policy(account_id: str) -> Document:
    """API Gateway, acting for this account only, writes the stages' access logs."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "apigateway.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ],
    }


def apigateway_logging_policy(
    partition: str, account_id: str, region: str, resource_prefix: str
) -> Document:
    """What API Gateway writes with the account's CloudWatch role: the comments stacks' access
    logs (`<resourcePrefix>*` log groups, which the stacks create), nothing else. The stacks turn
    execution logging off, so no `API-Gateway-Execution-Logs_*` group is needed, and no log is
    read. The AWS managed policy meant for this role writes and reads every log group of the
    account, so a stage whose access-log destination named another group (the trail's) would
    write into it."""
    groups = f"arn:{partition}:logs:{region}:{account_id}:log-group:"
    return {
        "Version": "2012-10-17",
        "Statement": [
            _statement(
                "AccessLogsOfTheCommentsStacksOnly",
                ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                [f"{groups}{resource_prefix}*", f"{groups}{resource_prefix}*:*"],
            ),
            _statement(
                "ListLogGroupsNeedsAllGroupsArn", ["logs:DescribeLogGroups"], [f"{groups}*"]
            ),
        ],
    }


def state_bucket_policy(partition: str, bucket: str) -> Document:
    """The state bucket refuses plain-HTTP requests."""
    arn = f"arn:{partition}:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
