"""IAM policy documents for the pipeline's roles, built as plain dicts so tests read them.

Scope: the comments stacks name their tables, roles and log groups `<resourcePrefix>...`, keep
their state under `.pulumi/*/<stackProject>/<env>` in the state bucket, and own REST APIs in
one region. Wildcards left in a Resource are the ones AWS gives no narrower form for; each
statement's Sid says which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Document = dict[str, Any]
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"


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


def deploy_policy(scope: Scope) -> Document:
    """What `pulumi up` of one comments stack needs: its table, role, API, log group, state."""
    prefix = scope.resource_prefix
    table = scope.arn("dynamodb", f"table/{prefix}*")
    role = scope.arn("iam", f"role/{prefix}*", region=False)
    log_group = scope.arn("logs", f"log-group:{prefix}*")
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
        _statement(
            "IntegrationRoles",
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRoleTags",
                "iam:PutRolePolicy",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
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
    prefix = scope.resource_prefix
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
