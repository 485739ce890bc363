"""Code running with the dev or staging deploy role, or with a preview role from a pull request,
trying to get more: another environment's data, state or secrets, a stronger role, a user or a
key, a rewritten boundary or trust, the account's audit trail. Each case is one request the
planned role policy must refuse, evaluated with tests/bootstrap/iam_eval.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.bootstrap.conftest import ACCOUNT, DYNAMODB_KEY_ID, plan_bootstrap
from tests.bootstrap.iam_eval import Context, Request, decide
from tooling.offline_runner import Plan

REGION = "eu-west-1"
IAM = f"arn:aws:iam::{ACCOUNT}"
BUCKET = f"arn:aws:s3:::comments-pulumi-state-{ACCOUNT}-{REGION}"
APIGATEWAY = f"arn:aws:apigateway:{REGION}::"
PROJECT_TAGS = {"aws:TagKeys": ["project", "stack"]}
DYNAMODB_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{DYNAMODB_KEY_ID}"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("escalation"))


def policy(plan: Plan, role: str) -> dict[str, Any]:
    (resource,) = [r for r in plan.resources if r.name == f"{role}-access"]
    document: dict[str, Any] = json.loads(resource.inputs["policy"])
    return document


def key(plan: Plan, env: str) -> str:
    (resource,) = [k for k in plan.of_type("aws:kms/key:Key") if k.name.endswith(f"-{env}-secrets")]
    arn: str = resource.state["arn"]
    return arn


def table(env: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments-{env}-table-1a2b3c4"


def boundary(env: str) -> str:
    return f"{IAM}:policy/github-pipeline/comments-{env}-integration-boundary"


def bounded(env: str, **context: Any) -> Context:
    return {"iam:PermissionsBoundary": boundary(env), **context}


# (action, resource with {env} = the attacker's environment and {other} = the one attacked,
#  request context): every one is refused to the deploy role of {env}.
ATTACKS: list[tuple[str, str, str, Context]] = [
    # Users, keys and passwords: no statement names a user.
    ("a user", "iam:CreateUser", f"{IAM}:user/comments-{{env}}-x", {}),
    ("an access key", "iam:CreateAccessKey", f"{IAM}:user/admin", {}),
    ("a console password", "iam:CreateLoginProfile", f"{IAM}:user/admin", {}),
    ("another's password", "iam:UpdateLoginProfile", f"{IAM}:user/admin", {}),
    # Roles and policies.
    (
        "a managed policy on its own role",
        "iam:AttachRolePolicy",
        f"{IAM}:role/comments-{{env}}-integration-role-1",
        bounded("{env}", **{"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    ),
    ("a managed policy", "iam:CreatePolicy", f"{IAM}:policy/comments-{{env}}-x", {}),
    (
        "a new version of its boundary",
        "iam:CreatePolicyVersion",
        boundary("{env}"),
        {},
    ),
    ("an older version of its boundary", "iam:SetDefaultPolicyVersion", boundary("{env}"), {}),
    ("the boundary's deletion", "iam:DeletePolicy", boundary("{env}"), {}),
    (
        "a role without the boundary",
        "iam:CreateRole",
        f"{IAM}:role/comments-{{env}}-x",
        PROJECT_TAGS,
    ),
    (
        "a role with the other environment's boundary",
        "iam:CreateRole",
        f"{IAM}:role/comments-{{env}}-x",
        bounded("{other}", **PROJECT_TAGS),
    ),
    (
        "a role in the other environment's names",
        "iam:CreateRole",
        f"{IAM}:role/comments-{{other}}-x",
        bounded("{env}", **PROJECT_TAGS),
    ),
    (  # IAM paths are part of a role's ARN, but names are unique per account whatever the path
        "a role named outside its names, under a path in them",
        "iam:CreateRole",
        f"{IAM}:role/comments-{{env}}-x/comments-{{other}}-integration-role-1",
        bounded("{env}", **PROJECT_TAGS),
    ),
    (
        "its own deploy role's policy",
        "iam:PutRolePolicy",
        f"{IAM}:role/github-pipeline/comments-deploy-{{env}}",
        {},
    ),
    (
        "the other deploy role's policy",
        "iam:PutRolePolicy",
        f"{IAM}:role/github-pipeline/comments-deploy-{{other}}",
        {},
    ),
    (
        "the other environment's integration role's policy",
        "iam:PutRolePolicy",
        f"{IAM}:role/comments-{{other}}-integration-role-1",
        bounded("{other}"),
    ),
    (
        "a boundary off its own role",
        "iam:DeleteRolePermissionsBoundary",
        f"{IAM}:role/comments-{{env}}-integration-role-1",
        bounded("{env}"),
    ),
    (
        "a wider boundary on its own role",
        "iam:PutRolePermissionsBoundary",
        f"{IAM}:role/comments-{{env}}-integration-role-1",
        {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    (
        "its own role's trust",
        "iam:UpdateAssumeRolePolicy",
        f"{IAM}:role/comments-{{env}}-integration-role-1",
        {},
    ),
    (
        "break-glass's trust",
        "iam:UpdateAssumeRolePolicy",
        f"{IAM}:role/github-pipeline/comments-break-glass",
        {},
    ),
    (
        "its own role's tags",
        "iam:TagRole",
        f"{IAM}:role/github-pipeline/comments-deploy-{{env}}",
        {},
    ),
    (
        "the other environment's role's tags",
        "iam:UntagRole",
        f"{IAM}:role/comments-{{other}}-integration-role-1",
        {"aws:TagKeys": ["stack"]},
    ),
    (
        "a foreign tag key on a role it creates",
        "iam:CreateRole",
        f"{IAM}:role/comments-{{env}}-x",
        bounded("{env}", **{"aws:TagKeys": ["stack", "admin"]}),
    ),
    (
        "a service-linked role of another service",
        "iam:CreateServiceLinkedRole",
        f"{IAM}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        {"iam:AWSServiceName": "ecs.amazonaws.com"},
    ),
    # Passing a stronger role.
    (
        "its own deploy role to API Gateway",
        "iam:PassRole",
        f"{IAM}:role/github-pipeline/comments-deploy-{{env}}",
        {"iam:PassedToService": "apigateway.amazonaws.com"},
    ),
    (
        "break-glass to API Gateway",
        "iam:PassRole",
        f"{IAM}:role/github-pipeline/comments-break-glass",
        {"iam:PassedToService": "apigateway.amazonaws.com"},
    ),
    (
        "the account's API Gateway logging role",
        "iam:PassRole",
        f"{IAM}:role/github-pipeline/comments-apigateway-logging",
        {"iam:PassedToService": "apigateway.amazonaws.com"},
    ),
    (
        "the other environment's integration role",
        "iam:PassRole",
        f"{IAM}:role/comments-{{other}}-integration-role-1",
        {"iam:PassedToService": "apigateway.amazonaws.com"},
    ),
    (
        "its own integration role to Lambda",
        "iam:PassRole",
        f"{IAM}:role/comments-{{env}}-integration-role-1",
        {"iam:PassedToService": "lambda.amazonaws.com"},
    ),
    (
        "break-glass itself",
        "sts:AssumeRole",
        f"{IAM}:role/github-pipeline/comments-break-glass",
        {},
    ),
    # The other environment's table, its data and backups.
    ("the other table's deletion", "dynamodb:DeleteTable", table("{other}"), {}),
    ("the other table's update", "dynamodb:UpdateTable", table("{other}"), {}),
    ("the other table's PITR", "dynamodb:UpdateContinuousBackups", table("{other}"), {}),
    ("the other table's TTL", "dynamodb:UpdateTimeToLive", table("{other}"), {}),
    (
        "the other table's backups",
        "dynamodb:DeleteBackup",
        f"{table('{other}')}/backup/01700000000000-abcdef",
        {},
    ),
    ("the other table's items", "dynamodb:Scan", table("{other}"), {}),
    ("its own table's items", "dynamodb:GetItem", table("{env}"), {}),
    ("an export of its own table", "dynamodb:ExportTableToPointInTime", table("{env}"), {}),
    ("a stream of its own table", "dynamodb:EnableKinesisStreamingDestination", table("{env}"), {}),
    ("a policy on its own table", "dynamodb:PutResourcePolicy", table("{env}"), {}),
    # The other environment's state and secrets.
    ("the other state", "s3:GetObject", f"{BUCKET}/.pulumi/stacks/comments/{{other}}.json", {}),
    (
        "the other state's rewrite",
        "s3:PutObject",
        f"{BUCKET}/.pulumi/stacks/comments/{{other}}.json",
        {},
    ),
    (
        "the other state's history",
        "s3:GetObject",
        f"{BUCKET}/.pulumi/history/comments/{{other}}/x.history.json",
        {},
    ),
    (
        "the other state's lock",
        "s3:DeleteObject",
        f"{BUCKET}/.pulumi/locks/organization/comments/{{other}}/x.json",
        {},
    ),
    (
        "an old version of its own state",
        "s3:GetObjectVersion",
        f"{BUCKET}/.pulumi/stacks/comments/{{env}}.json",
        {},
    ),
    (
        "a version of its own state deleted for good",
        "s3:DeleteObjectVersion",
        f"{BUCKET}/.pulumi/stacks/comments/{{env}}.json",
        {},
    ),
    ("the bucket's policy", "s3:PutBucketPolicy", BUCKET, {}),
    ("the bucket's versioning", "s3:PutBucketVersioning", BUCKET, {}),
    ("an expiry of every state", "s3:PutLifecycleConfiguration", BUCKET, {}),
    ("the other secrets", "kms:Decrypt", "{other_key}", {}),
    ("a grant on its own secrets key", "kms:CreateGrant", "{env_key}", {}),
    (  # a table encrypted with it: DynamoDB asks for the grant on the deploy's behalf
        "a DynamoDB grant on the other secrets key",
        "kms:CreateGrant",
        "{other_key}",
        {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"},
    ),
    (
        "a DynamoDB grant on another key of the account",
        "kms:DescribeKey",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0a1b2c3d-audit-logs",
        {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"},
    ),
    ("its secrets key's policy", "kms:PutKeyPolicy", "{env_key}", {}),
    # The audit trail and alarms.
    ("the trail", "cloudtrail:StopLogging", f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/x", {}),
    (
        "the trail's deletion",
        "cloudtrail:DeleteTrail",
        f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/x",
        {},
    ),
    (
        "the trail's log group",
        "logs:DeleteLogGroup",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:aws-cloudtrail-logs-{ACCOUNT}",
        {},
    ),
    (
        "a subscription exporting another log group",
        "logs:PutSubscriptionFilter",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:comments-{{other}}-access-logs-1",
        {},
    ),
    (
        "the other stack's alarm silenced",
        "cloudwatch:DisableAlarmActions",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:comments-{{other}}-api-5xx-rate",
        {},
    ),
    (
        "its own alarm forced to OK",
        "cloudwatch:SetAlarmState",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:comments-{{env}}-api-5xx-rate",
        {},
    ),
    (
        "the other table's scaling alarm",
        "cloudwatch:DeleteAlarms",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:TargetTracking-table/comments-{{other}}-t-AlarmHigh-1",
        {},
    ),
    (
        "a publish to the other topic",
        "sns:Publish",
        f"arn:aws:sns:{REGION}:{ACCOUNT}:comments-{{other}}-alarms",
        {},
    ),
    (
        "a budget action (it applies IAM policies)",
        "budgets:CreateBudgetAction",
        f"arn:aws:budgets::{ACCOUNT}:budget/comments-{{env}}-monthly/action/x",
        {},
    ),
    # Account-wide API Gateway settings and secrets.
    ("the account's logging role", "apigateway:PATCH", f"{APIGATEWAY}/account", {}),
    ("the API keys' values", "apigateway:GET", f"{APIGATEWAY}/apikeys", {}),
    ("a custom domain", "apigateway:POST", f"{APIGATEWAY}/domainnames", {}),
    ("a usage plan", "apigateway:DELETE", f"{APIGATEWAY}/usageplans/x", {}),
    (
        "a scheduled scaling action",
        "application-autoscaling:PutScheduledAction",
        f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/0a1b",
        {"aws:ResourceTag/stack": "{env}"},
    ),
]


def _fill(value: Any, plan: Plan, env: str, other: str) -> Any:
    if isinstance(value, str):
        return value.format(
            env=env, other=other, env_key=key(plan, env), other_key=key(plan, other)
        )
    if isinstance(value, list):
        return [_fill(v, plan, env, other) for v in value]
    return value


def attack(plan: Plan, role: str, env: str, other: str, case: tuple[str, str, str, Context]) -> str:
    _, action, resource, context = case
    request = Request(
        action,
        _fill(resource, plan, env, other),
        {k: _fill(v, plan, env, other) for k, v in context.items()},
    )
    return decide([policy(plan, role)], request)


@pytest.mark.parametrize(("env", "other"), [("dev", "prod"), ("staging", "prod"), ("prod", "dev")])
@pytest.mark.parametrize("case", ATTACKS, ids=[c[0] for c in ATTACKS])
def test_a_deploy_role_refuses(
    plan: Plan, env: str, other: str, case: tuple[str, str, str, Context]
) -> None:
    assert attack(plan, f"comments-deploy-{env}", env, other, case) != "Allow"


@pytest.mark.parametrize("case", ATTACKS, ids=[c[0] for c in ATTACKS])
def test_a_preview_role_refuses(plan: Plan, case: tuple[str, str, str, Context]) -> None:
    assert attack(plan, "comments-preview-dev", "dev", "prod", case) != "Allow"


# -- REST APIs: their ids are generated, so their ARNs name no stack; their `stack` tag does, and
# API Gateway's child resources (resources, methods, integrations, deployments, stages) are
# authorised with the tags of their REST API.

API = f"{APIGATEWAY}/restapis/a1b2c3d4e5"
API_WRITES = [
    ("apigateway:PUT", API),  # the OpenAPI document
    ("apigateway:PATCH", f"{API}/resources/r1/methods/GET/integration"),
    ("apigateway:POST", f"{API}/deployments"),
    ("apigateway:PATCH", f"{API}/stages/v1"),
    ("apigateway:DELETE", API),
]


def tagged(stack: str) -> Context:
    return {"aws:ResourceTag/stack": stack}


def creating(stack: str) -> Context:
    return {"aws:RequestTag/stack": stack, **PROJECT_TAGS}


@pytest.mark.parametrize(("env", "other"), [("dev", "prod"), ("staging", "prod"), ("prod", "dev")])
def test_a_deploy_role_changes_its_own_stacks_rest_api_and_no_other(
    plan: Plan, env: str, other: str
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    for action, resource in API_WRITES:
        assert decide([deploy], Request(action, resource, tagged(env))) == "Allow", resource
        # The other stack's API (in a shared account), and one made by hand without the tag.
        assert decide([deploy], Request(action, resource, tagged(other))) != "Allow", resource
        assert decide([deploy], Request(action, resource)) != "Allow", resource
    assert decide([deploy], Request("apigateway:GET", API, tagged(other))) == "Allow"


@pytest.mark.parametrize(("env", "other"), [("dev", "prod"), ("prod", "dev")])
def test_a_deploy_role_creates_rest_apis_for_its_own_stack_only(
    plan: Plan, env: str, other: str
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    create = f"{APIGATEWAY}/restapis"
    assert decide([deploy], Request("apigateway:POST", create, creating(env))) == "Allow"
    assert decide([deploy], Request("apigateway:POST", create, creating(other))) != "Allow"
    assert decide([deploy], Request("apigateway:POST", create)) != "Allow"


@pytest.mark.parametrize(("env", "other"), [("dev", "prod"), ("prod", "dev")])
def test_a_deploy_role_cannot_tag_a_rest_api_into_or_out_of_its_stack(
    plan: Plan, env: str, other: str
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    tags = f"{APIGATEWAY}/tags/arn%3Aaws%3Aapigateway%3A{REGION}%3A%3A%2Frestapis%2Fa1b2c3d4e5"
    own = Request("apigateway:PUT", tags, {**tagged(env), **creating(env)})
    assert decide([deploy], own) == "Allow"
    for context in (
        {**tagged(other), **creating(env)},  # take the other stack's API
        creating(env),  # claim one made by hand
        {**tagged(env), **creating(other)},  # hand its own to the other stack
    ):
        assert decide([deploy], Request("apigateway:PUT", tags, context)) != "Allow", context
    untag = Request("apigateway:DELETE", tags, {**tagged(other), "aws:TagKeys": ["stack"]})
    assert decide([deploy], untag) != "Allow"


def test_table_encryption_uses_the_accounts_dynamodb_key_only_via_dynamodb(plan: Plan) -> None:
    """The AWS managed key aws/dynamodb, by the ARN the bootstrap resolved, not `key/*`."""
    deploy = policy(plan, "comments-deploy-dev")
    via = {"kms:ViaService": f"dynamodb.{REGION}.amazonaws.com"}
    for action in ("kms:CreateGrant", "kms:DescribeKey"):
        assert decide([deploy], Request(action, DYNAMODB_KEY, via)) == "Allow", action
        assert decide([deploy], Request(action, DYNAMODB_KEY)) == "ImplicitDeny", action
    assert decide([deploy], Request("kms:Decrypt", DYNAMODB_KEY, via)) == "ImplicitDeny"


# -- Alarm actions: an alarm acts when it changes state, as CloudWatch, not as whoever made it.

SNS = f"arn:aws:sns:{REGION}:{ACCOUNT}"
POLICY = f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:6d8972f3"


def alarm(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def scaling_policy(env: str) -> str:
    return f"{POLICY}:resource/dynamodb/table/comments-{env}-table-1a2b3c4:policyName/read"


@pytest.mark.parametrize(("env", "other"), [("dev", "prod"), ("staging", "prod"), ("prod", "dev")])
def test_a_deploy_roles_alarms_act_only_on_its_own_stack(plan: Plan, env: str, other: str) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    put = "cloudwatch:PutMetricAlarm"
    own_alarm = alarm(f"comments-{env}-api-5xx-rate")
    tracking = alarm(f"TargetTracking-table/comments-{env}-table-1a2b3c4-AlarmHigh-1")
    allowed = [
        (own_alarm, [f"{SNS}:comments-{env}-alarms"]),
        (own_alarm, []),
        (tracking, [scaling_policy(env)]),
    ]
    for resource, actions in allowed:
        context = {"cloudwatch:AlarmActions": actions, **PROJECT_TAGS}
        assert decide([deploy], Request(put, resource, context)) == "Allow", actions
    refused = [
        (own_alarm, [f"{SNS}:comments-{other}-alarms"]),
        (own_alarm, [f"{SNS}:comments-{env}-alarms", f"arn:aws:ssm:{REGION}:{ACCOUNT}:opsitem:1"]),
        (own_alarm, [f"arn:aws:automate:{REGION}:ec2:terminate"]),
        (own_alarm, [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:anything"]),
        (own_alarm, [scaling_policy(other)]),
        (tracking, [scaling_policy(other)]),
        (tracking, [f"{SNS}:comments-{other}-alarms"]),
        (tracking, [f"arn:aws:ssm-incidents::{ACCOUNT}:response-plan/page-everyone"]),
    ]
    for resource, actions in refused:
        context = {"cloudwatch:AlarmActions": actions, **PROJECT_TAGS}
        assert decide([deploy], Request(put, resource, context)) != "Allow", (resource, actions)
