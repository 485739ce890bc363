"""The operations resources a stack declares (infra/comments_infra/monitoring.py, autoscaling.py):
its deploy role may create, update and delete each of its own and none of another stack's, and
its preview role may read them and write none. Each case evaluates the planned bootstrap's role
policies with tests/bootstrap/iam_eval.py, request by request."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from comments_bootstrap import documents

from tests.bootstrap.conftest import ACCOUNT, plan_bootstrap
from tests.bootstrap.iam_eval import Context, Request, decide
from tooling.offline_runner import Plan

REGION = "eu-west-1"
ENVIRONMENTS = ("dev", "staging", "prod")
TAGS = {"aws:TagKeys": ["project", "stack"]}
READ_CAPACITY = "dynamodb:table:ReadCapacityUnits"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("ops"))


def policy(plan: Plan, role: str) -> dict[str, Any]:
    (resource,) = [r for r in plan.resources if r.name == f"{role}-access"]
    document: dict[str, Any] = json.loads(resource.inputs["policy"])
    return document


@dataclass(frozen=True)
class Kind:
    """One resource type of a stack: its ARN for an environment, what a deploy does to it
    (create, update, delete, refresh), and what a preview reads."""

    name: str
    arn: str  # with {env}
    writes: list[str]
    reads: list[str]
    write_context: dict[str, Any] = field(default_factory=dict)

    def of(self, env: str) -> str:
        return self.arn.format(env=env, region=REGION, account=ACCOUNT)


KINDS = [
    Kind(
        "metric alarm",
        "arn:aws:cloudwatch:{region}:{account}:alarm:comments-{env}-api-5xx-rate",
        ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource"],
        ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
        TAGS,
    ),
    Kind(
        "dashboard",
        "arn:aws:cloudwatch::{account}:dashboard/comments-{env}",
        ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"],
        ["cloudwatch:GetDashboard"],
    ),
    Kind(
        "alarm topic and its policy",
        "arn:aws:sns:{region}:{account}:comments-{env}-alarms",
        ["sns:CreateTopic", "sns:SetTopicAttributes", "sns:DeleteTopic", "sns:Subscribe"],
        ["sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic"],
        TAGS,
    ),
    Kind(
        "topic subscription",
        "arn:aws:sns:{region}:{account}:comments-{env}-alarms:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        ["sns:Unsubscribe", "sns:SetSubscriptionAttributes"],
        ["sns:GetSubscriptionAttributes"],
    ),
    Kind(
        "monthly budget",
        "arn:aws:budgets::{account}:budget/comments-{env}-monthly",
        ["budgets:ModifyBudget", "budgets:TagResource"],
        ["budgets:ViewBudget", "budgets:ListTagsForResource"],
        TAGS,
    ),
    Kind(
        "target-tracking alarm",
        "arn:aws:cloudwatch:{region}:{account}:alarm:TargetTracking-table/comments-{env}-table-1a2b3c4-AlarmHigh-5d6c",
        ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"],
        ["cloudwatch:DescribeAlarms"],
    ),
]


def ids(kinds: list[Kind]) -> list[str]:
    return [k.name for k in kinds]


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("kind", KINDS, ids=ids(KINDS))
def test_a_deploy_role_writes_its_own_stacks_operations_resources(
    plan: Plan, env: str, kind: Kind
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    for action in kind.writes + kind.reads:
        assert decide([deploy], Request(action, kind.of(env), kind.write_context)) == "Allow", (
            action
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("kind", KINDS, ids=ids(KINDS))
def test_but_not_another_stacks(plan: Plan, env: str, kind: Kind) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    preview = policy(plan, f"comments-preview-{env}")
    for other in set(ENVIRONMENTS) - {env}:
        for action in kind.writes + kind.reads:
            request = Request(action, kind.of(other), kind.write_context)
            assert decide([deploy], request) != "Allow", (other, action)
            assert decide([preview], request) != "Allow", (other, action)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("kind", KINDS, ids=ids(KINDS))
def test_a_preview_role_reads_them_and_writes_none(plan: Plan, env: str, kind: Kind) -> None:
    preview = policy(plan, f"comments-preview-{env}")
    for action in kind.reads:
        assert decide([preview], Request(action, kind.of(env))) == "Allow", action
    for action in kind.writes:
        request = Request(action, kind.of(env), kind.write_context)
        assert decide([preview], request) == "ImplicitDeny", action


def test_the_dashboard_grant_is_the_stacks_one_name() -> None:
    """`dashboard/comments-dev` is not a prefix: a `comments-dev-eu` stack's is another name."""
    scope = documents.Scope("aws", ACCOUNT, REGION, "dev", "comments-", "comments", None)
    assert scope.dashboard == f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/comments-dev"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("cloudwatch:PutMetricAlarm", KINDS[0].arn),
        ("sns:CreateTopic", KINDS[2].arn),
        ("budgets:TagResource", KINDS[4].arn),
    ],
)
def test_operations_resources_carry_only_the_projects_tag_keys(
    plan: Plan, action: str, resource: str
) -> None:
    deploy = policy(plan, "comments-deploy-prod")
    arn = resource.format(env="prod", region=REGION, account=ACCOUNT)
    foreign = {"aws:TagKeys": ["project", "stack", "cost-center"]}
    assert decide([deploy], Request(action, arn, foreign)) == "Deny"


# -- Application Auto Scaling ---------------------------------------------------------------------

TARGET = f"arn:aws:application-autoscaling:{REGION}:{ACCOUNT}:scalable-target/0a1b2c3d4e5f"
REGISTER = "application-autoscaling:RegisterScalableTarget"
WRITES_ON_A_TARGET = [
    REGISTER,  # an update of min/max carries no tags
    "application-autoscaling:PutScalingPolicy",
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:DeregisterScalableTarget",
]


def existing(stack: str, dimension: str = READ_CAPACITY) -> Context:
    return {
        "aws:ResourceTag/stack": stack,
        "application-autoscaling:service-namespace": dimension.split(":")[0],
        "application-autoscaling:scalable-dimension": dimension,
    }


def new(stack: str, dimension: str = READ_CAPACITY) -> Context:
    return {
        "aws:RequestTag/stack": stack,
        "aws:TagKeys": ["project", "stack"],
        "application-autoscaling:service-namespace": dimension.split(":")[0],
        "application-autoscaling:scalable-dimension": dimension,
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_deploy_role_registers_scales_and_removes_its_stacks_table_capacity(
    plan: Plan, env: str
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    for dimension in documents.TABLE_SCALABLE_DIMENSIONS:
        assert decide([deploy], Request(REGISTER, TARGET, new(env, dimension))) == "Allow"
        tag = Request("application-autoscaling:TagResource", TARGET, new(env, dimension))
        assert decide([deploy], tag) == "Allow"
        for action in WRITES_ON_A_TARGET:
            request = Request(action, TARGET, existing(env, dimension))
            assert decide([deploy], request) == "Allow", (dimension, action)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_deploy_role_cannot_touch_another_stacks_scalable_targets(plan: Plan, env: str) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    for other in set(ENVIRONMENTS) - {env}:
        for action in [*WRITES_ON_A_TARGET, "application-autoscaling:UntagResource"]:
            assert decide([deploy], Request(action, TARGET, existing(other))) == "ImplicitDeny"
        # Nor create one under another stack's tag, nor re-tag an existing one into its own.
        assert decide([deploy], Request(REGISTER, TARGET, new(other))) == "Deny"
        retag = Request(
            "application-autoscaling:TagResource", TARGET, {**existing(other), **new(env)}
        )
        assert decide([deploy], retag) == "ImplicitDeny"
        # Nor hand its own to the other stack, where it would pass for the other's.
        give = Request(
            "application-autoscaling:TagResource", TARGET, {**existing(env), **new(other)}
        )
        assert decide([deploy], give) == "Deny"
        reregister = Request(REGISTER, TARGET, {**existing(env), **new(other)})
        assert decide([deploy], reregister) == "Deny"
    untagged = {k: v for k, v in new(env).items() if not k.startswith("aws:")}
    assert decide([deploy], Request(REGISTER, TARGET, untagged)) == "ImplicitDeny"


@pytest.mark.parametrize(
    "dimension", ["ecs:service:DesiredCount", "dynamodb:index:ReadCapacityUnits", "lambda:x"]
)
def test_scaling_is_only_of_a_tables_read_and_write_capacity(plan: Plan, dimension: str) -> None:
    deploy = policy(plan, "comments-deploy-dev")
    assert decide([deploy], Request(REGISTER, TARGET, new("dev", dimension))) == "Deny"
    for action in WRITES_ON_A_TARGET:
        assert decide([deploy], Request(action, TARGET, existing("dev", dimension))) == "Deny"


def test_a_scalable_targets_tags_are_the_projects_keys_only(plan: Plan) -> None:
    deploy = policy(plan, "comments-deploy-prod")
    request = Request(REGISTER, TARGET, {**new("prod"), "aws:TagKeys": ["stack", "owner"]})
    assert decide([deploy], request) == "Deny"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_preview_role_reads_scaling_and_changes_none(plan: Plan, env: str) -> None:
    preview = policy(plan, f"comments-preview-{env}")
    for action in documents.SCALING_DESCRIBE_ACTIONS:
        assert decide([preview], Request(action, "*")) == "Allow", action
    tags = Request("application-autoscaling:ListTagsForResource", TARGET, existing(env))
    assert decide([preview], tags) == "Allow"
    for action in WRITES_ON_A_TARGET:
        assert decide([preview], Request(action, TARGET, existing(env))) == "ImplicitDeny"
    assert decide([preview], Request(REGISTER, TARGET, new(env))) == "ImplicitDeny"


SERVICE_LINKED = (
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_only_dynamodb_auto_scalings_service_linked_role_may_be_created(
    plan: Plan, env: str
) -> None:
    deploy = policy(plan, f"comments-deploy-{env}")
    create = "iam:CreateServiceLinkedRole"
    dynamodb = {"iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com"}
    assert decide([deploy], Request(create, SERVICE_LINKED, dynamodb)) == "Allow"
    ecs = {"iam:AWSServiceName": "ecs.application-autoscaling.amazonaws.com"}
    ecs_role = SERVICE_LINKED.replace("dynamodb.", "ecs.").replace("DynamoDBTable", "ECSService")
    assert decide([deploy], Request(create, ecs_role, ecs)) == "ImplicitDeny"
    assert decide([deploy], Request(create, SERVICE_LINKED, ecs)) == "ImplicitDeny"
    assert (
        decide([policy(plan, f"comments-preview-{env}")], Request(create, SERVICE_LINKED, dynamodb))
        == "ImplicitDeny"
    )


def test_the_stack_tag_must_stay_an_allowed_tag_key(tmp_path: Path) -> None:
    with pytest.raises(Exception, match=r"allowedTagKeys=.*must include 'stack'"):
        plan_bootstrap(tmp_path, allowedTagKeys=["project"])
