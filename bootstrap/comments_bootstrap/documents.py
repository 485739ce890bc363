"""IAM policy documents for the pipeline's roles, built as plain dicts so tests read them.

Scope: the comments stack of environment <env> names its table, integration role and log group
`<resourcePrefix><env>-...`, keeps its state under `.pulumi/*/<stackProject>/<env>` in the state
bucket, and owns REST APIs in one region. Wildcards left in a Resource are the ones AWS gives no
narrower form for; each statement's Sid says which and why.
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
    def apigateway(self) -> str:
        # API Gateway resource ARNs carry no account id.
        return f"arn:{self.partition}:apigateway:{self.region}::"


def _statement(sid: str, actions: list[str], resources: list[str], **extra: Any) -> Document:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def github_trust_policy(provider_arn: str, subject: str) -> Document:
    """Only GitHub tokens for this audience and exactly this `sub` claim may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": OIDC_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": subject,
                    }
                },
            }
        ],
    }


def deploy_subject(repository: str, environment: str) -> str:
    """The `sub` GitHub issues to a job that declares `environment: <environment>`."""
    return f"repo:{repository}:environment:{environment}"


def preview_subject(repository: str) -> str:
    """The `sub` GitHub issues to a pull_request job without an environment (never to forks)."""
    return f"repo:{repository}:pull_request"


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
    """What `pulumi up` of one comments stack needs: its table, role, API, log group, state."""
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
        # it (the Deny statements below), so a trust or tag it rewrites still opens a role capped
        # at Query/UpdateItem on this environment's tables. The prefix is the stacks' own:
        # roles an administrator creates must not use it.
        _statement(
            "IntegrationRoleWritesCappedByTheBoundary",
            [
                "iam:DeleteRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
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
        # REST API ids are generated by AWS, so their ARNs cannot carry a name prefix: the
        # narrowest form is every REST API (and its tags) in this account's region.
        _statement(
            "RestApisHaveGeneratedIdsNoNamePrefix",
            [
                "apigateway:GET",
                "apigateway:POST",
                "apigateway:PUT",
                "apigateway:PATCH",
                "apigateway:DELETE",
            ],
            [
                f"{scope.apigateway}/restapis",
                f"{scope.apigateway}/restapis/*",
                f"{scope.apigateway}/tags/*",
            ],
        ),
        # Table encryption uses the AWS managed key aws/dynamodb, whose id differs per account:
        # any key, but only when DynamoDB in this region asks on the deploy's behalf.
        _statement(
            "ManagedKeyOnlyViaDynamoDb",
            ["kms:DescribeKey", "kms:CreateGrant"],
            [scope.arn("kms", "key/*")],
            Condition={
                "StringEquals": {"kms:ViaService": f"dynamodb.{scope.region}.amazonaws.com"}
            },
        ),
    ]
    statements.extend(_state_statements(scope, write=True))
    return {"Version": "2012-10-17", "Statement": statements}


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
            "RestApisHaveGeneratedIdsNoNamePrefix",
            ["apigateway:GET"],
            [f"{scope.apigateway}/restapis", f"{scope.apigateway}/restapis/*"],
        ),
    ]
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
