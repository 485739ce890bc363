"""Recorded AWS answers for one stack, queued in the order the kit makes its calls."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any

from tests.verify import recorded
from verify import aws, repo

ACCOUNT = "111111111111"  # environments/Pulumi.dev.yaml's aws:allowedAccountIds
PROD_ACCOUNT = "333333333333"
CALLER = "arn:aws:sts::{account}:assumed-role/comments-preview-{stack}/verify"
INTEGRATION_ROLE = "arn:aws:iam::{account}:role/comments-{stack}-integration-role-5a6b7c8"
CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
DYNAMODB_KEY_ID = "1f2e3d4c-aws-dynamodb"


def account_id(stack: str) -> str:
    return PROD_ACCOUNT if stack == "prod" else ACCOUNT


def outputs(stack: str) -> dict[str, Any]:
    account = account_id(stack)
    return {
        "url": "https://k7x9q2m4p1.execute-api.us-east-1.amazonaws.com/v1",
        "tableName": f"comments-{stack}-table-1a2b3c4",
        "apiId": "k7x9q2m4p1",
        "stageName": "v1",
        "alarmTopicArn": f"arn:aws:sns:us-east-1:{account}:comments-{stack}-alarms",
        "dashboardName": f"comments-{stack}",
        "moderatorRoleArn": f"arn:aws:iam::{account}:role/comments-{stack}-moderator-role-9f8e7d6",
        "moderation": "post",
    }


def queue_resolve(
    stubs: recorded.Stubs, stack: str, *, other_key_found: bool = False, integration: bool = True
) -> None:
    account = account_id(stack)
    other = "dev" if stack == "prod" else "prod"
    stubs.add(
        "sts",
        "get_caller_identity",
        {
            "UserId": "AROAEXAMPLE:verify",
            "Account": account,
            "Arn": CALLER.format(account=account, stack=stack),
        },
    )
    key = f"arn:aws:kms:us-east-1:{account}:key/"
    stubs.add(
        "kms",
        "describe_key",
        {"KeyMetadata": {"KeyId": DYNAMODB_KEY_ID, "Arn": key + DYNAMODB_KEY_ID}},
        {"KeyId": "alias/aws/dynamodb"},
    )
    stubs.add(
        "kms",
        "describe_key",
        {"KeyMetadata": {"KeyId": f"{stack}-secrets-id", "Arn": f"{key}{stack}-secrets-id"}},
        {"KeyId": f"alias/comments-{stack}-secrets"},
    )
    if other_key_found:
        stubs.add(
            "kms",
            "describe_key",
            {"KeyMetadata": {"KeyId": f"{other}-secrets-id", "Arn": f"{key}{other}-secrets-id"}},
        )
    else:
        stubs.error("kms", "describe_key", "NotFoundException", "Alias is not found.")
    if not integration:
        return
    role = INTEGRATION_ROLE.format(account=account, stack=stack)
    method = {"type": "AWS", "credentials": role, "httpMethod": "POST"}
    stubs.add(
        "apigateway",
        "get_resources",
        {
            "items": [
                {"id": "root1", "path": "/"},
                {
                    "id": "res1",
                    "path": "/comments",
                    "resourceMethods": {
                        "GET": {"httpMethod": "GET", "methodIntegration": method},
                        "POST": {"httpMethod": "POST", "methodIntegration": method},
                        "DELETE": {"httpMethod": "DELETE", "methodIntegration": method},
                        "OPTIONS": {"httpMethod": "OPTIONS", "methodIntegration": {"type": "MOCK"}},
                    },
                },
            ]
        },
    )


def account_of(
    stack: str, settings: repo.StackSettings, bootstrap: repo.BootstrapSettings
) -> aws.Account:
    """The Account the kit resolves for `stack` from these answers (resolved once aside)."""
    stubs = recorded.Stubs(settings.region)
    queue_resolve(stubs, stack)
    return aws.resolve(stubs, settings, bootstrap, outputs(stack))


Decide = Callable[[aws.RoleCheck, aws.Simulation], str]


def expected_decision(row: aws.RoleCheck, request: aws.Simulation) -> str:
    """What a correctly bootstrapped account answers."""
    return "allowed" if row.expect_allowed else "implicitDeny"


def queue_simulations(
    stubs: recorded.Stubs, account: aws.Account, decide: Decide = expected_decision
) -> int:
    count = 0
    for row, role, request in aws.planned_simulations(account):
        stubs.add(
            "iam",
            "simulate_principal_policy",
            {
                "EvaluationResults": [
                    {
                        "EvalActionName": request.action,
                        "EvalResourceName": request.resource,
                        "EvalDecision": decide(row, request),
                    }
                ],
                "IsTruncated": False,
            },
            request.params(role),
        )
        count += 1
    return count


def _role(
    arn: str, trust: Mapping[str, Any] | None = None, boundary: str | None = None
) -> dict[str, Any]:
    path, _, name = arn.split(":role", 1)[1].rpartition("/")
    role: dict[str, Any] = {
        "Path": f"{path}/",
        "RoleName": name,
        "RoleId": "AROAEXAMPLEID1234567",
        "Arn": arn,
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": recorded.iam_document(
            trust or {"Version": "2012-10-17", "Statement": []}
        ),
    }
    if boundary:
        role["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return role


def queue_boundaries(
    stubs: recorded.Stubs, account: aws.Account, boundary: str | None = None
) -> None:
    expected = boundary or account.names().boundary_arn
    for kind in ("integration", "moderator"):
        arn = aws.role_arn(kind, account)
        stubs.add(
            "iam",
            "get_role",
            {"Role": _role(arn, boundary=expected)},
            {"RoleName": arn.rsplit("/", 1)[1]},
        )


Finding = dict[str, Any]


def queue_deployed(
    stubs: recorded.Stubs,
    document: aws.Reviewed,
    deployed: Mapping[str, Any],
    attached: list[str] | None = None,
) -> None:
    """The reads of one deployed document, answering `deployed`."""
    text = json.dumps(deployed)
    if document.source == "inline":
        stubs.add(
            "iam", "list_role_policies", {"PolicyNames": ["access-1a2b3c4"], "IsTruncated": False}
        )
        stubs.add(
            "iam",
            "list_attached_role_policies",
            {
                "AttachedPolicies": [
                    {"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in attached or []
                ],
                "IsTruncated": False,
            },
        )
        if attached:
            return
        stubs.add(
            "iam",
            "get_role_policy",
            {
                "RoleName": "role",
                "PolicyName": "access-1a2b3c4",
                "PolicyDocument": recorded.iam_document(deployed),
            },
        )
    elif document.source == "trust":
        stubs.add("iam", "get_role", {"Role": _role("arn:aws:iam::111111111111:role/x", deployed)})
    elif document.source == "managed":
        stubs.add(
            "iam", "get_policy", {"Policy": {"PolicyName": "boundary", "DefaultVersionId": "v3"}}
        )
        stubs.add(
            "iam",
            "get_policy_version",
            {
                "PolicyVersion": {
                    "Document": recorded.iam_document(deployed),
                    "VersionId": "v3",
                    "IsDefaultVersion": True,
                }
            },
        )
    elif document.source == "table":
        stubs.add("dynamodb", "get_resource_policy", {"Policy": text, "RevisionId": "1"})
    elif document.source == "bucket":
        stubs.add("s3", "get_bucket_policy", {"Policy": text})
    elif document.source == "key":
        stubs.add("kms", "get_key_policy", {"Policy": text, "PolicyName": "default"})
    elif document.source == "topic":
        stubs.add("sns", "get_topic_attributes", {"Attributes": {"Policy": text, "TopicArn": "x"}})
    else:
        raise AssertionError(document.source)


def finding(kind: str, code: str = "PASS_ROLE_WITH_STAR_IN_RESOURCE") -> Finding:
    return {
        "findingDetails": "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive.",
        "findingType": kind,
        "issueCode": code,
        "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
        "locations": [],
    }


def queue_analyzer(
    stubs: recorded.Stubs,
    documents: list[aws.Reviewed],
    *,
    findings: Mapping[str, list[Finding]] | None = None,
    new_access: Mapping[str, str] | None = None,
    attached: Mapping[str, list[str]] | None = None,
) -> None:
    """Validate, then read the deployed document, then compare, for each document in order;
    `findings`, `new_access` (a reason) and `attached` (managed policy ARNs) by document name."""
    for document in documents:
        built = document.build()
        stubs.add(
            "accessanalyzer",
            "validate_policy",
            {
                "findings": list(
                    (findings or {}).get(
                        document.name, [finding("SUGGESTION", "EMPTY_OBJECT_PRINCIPAL")]
                    )
                )
            },
            {
                "policyDocument": json.dumps(built),
                "policyType": document.policy_type,
                **(
                    {"validatePolicyResourceType": document.resource_type}
                    if document.resource_type
                    else {}
                ),
            },
        )
        extra = (attached or {}).get(document.name)
        queue_deployed(stubs, document, built, extra)
        if extra:
            continue
        reason = (new_access or {}).get(document.name)
        stubs.add(
            "accessanalyzer",
            "check_no_new_access",
            {
                "result": "FAIL" if reason else "PASS",
                "message": "The modified permissions grant new access compared to your existing policy."
                if reason
                else "The modified permissions do not grant new access.",
                "reasons": [{"description": reason, "statementIndex": 0}] if reason else [],
            },
            {
                "newPolicyDocument": json.dumps(built),
                "existingPolicyDocument": json.dumps(built),
                "policyType": document.policy_type,
            },
        )


def queue_stack(
    stubs: recorded.Stubs,
    account: aws.Account,
    *,
    rate: float = 10.0,
    burst: int = 20,
    deletion_protection: bool | None = None,
    pitr: bool | None = None,
    actions_enabled: bool = True,
    budget: str | None = None,
    budget_refused: bool = False,
) -> None:
    settings = account.settings
    protected = settings.enforcement("dynamodb-data-protection") == "mandatory"
    stubs.add(
        "apigateway",
        "get_stage",
        {
            "deploymentId": "dep1",
            "stageName": "v1",
            "methodSettings": {
                "*/*": {
                    "throttlingRateLimit": rate,
                    "throttlingBurstLimit": burst,
                    "loggingLevel": "OFF",
                    "dataTraceEnabled": False,
                    "metricsEnabled": False,
                }
            },
        },
        {"restApiId": "k7x9q2m4p1", "stageName": "v1"},
    )
    table = aws_table(settings, protected if deletion_protection is None else deletion_protection)
    stubs.add("dynamodb", "describe_table", {"Table": table}, {"TableName": table["TableName"]})
    on = protected if pitr is None else pitr
    stubs.add(
        "dynamodb",
        "describe_continuous_backups",
        {
            "ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {
                    "PointInTimeRecoveryStatus": "ENABLED" if on else "DISABLED"
                },
            }
        },
    )
    topic = account.output("alarmTopicArn")
    stubs.add(
        "cloudwatch",
        "describe_alarms",
        {
            "MetricAlarms": [
                {
                    "AlarmName": name,
                    "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{account.account_id}:alarm:{name}",
                    "ActionsEnabled": actions_enabled,
                    "AlarmActions": [topic],
                    "OKActions": [topic],
                    "StateValue": "OK",
                }
                for name in repo.alarm_names(settings)
            ]
        },
        {"AlarmNames": repo.alarm_names(settings)},
    )
    if budget_refused:
        stubs.error("budgets", "describe_budget", "AccessDeniedException", "not authorized", 403)
        return
    cap = settings.parameter("dynamodb-monthly-cost-budget", "monthlyBudgetUsd")
    stubs.add(
        "budgets",
        "describe_budget",
        {
            "Budget": {
                "BudgetName": repo.budget_name(settings),
                "BudgetLimit": {"Amount": budget or f"{cap:.1f}", "Unit": "USD"},
                "TimeUnit": "MONTHLY",
                "BudgetType": "COST",
            }
        },
        {"AccountId": account.account_id, "BudgetName": repo.budget_name(settings)},
    )


def aws_table(settings: repo.StackSettings, deletion_protection: bool) -> dict[str, Any]:
    return {
        "TableName": f"comments-{settings.stack}-table-1a2b3c4",
        "TableStatus": "ACTIVE",
        "ProvisionedThroughput": {
            "ReadCapacityUnits": settings.service.read_capacity,
            "WriteCapacityUnits": settings.service.write_capacity,
        },
        "BillingModeSummary": {"BillingMode": "PROVISIONED"},
        "SSEDescription": {"Status": "ENABLED", "SSEType": "KMS"},
        "DeletionProtectionEnabled": deletion_protection,
    }
