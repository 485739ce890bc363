"""What merged code running as a deploy role can and cannot do, request by request.

Each case evaluates the planned bootstrap's documents (the role's inline policy, and for table
deletes the table's own resource policy) with tests/bootstrap/iam_eval.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.bootstrap.conftest import ACCOUNT, plan_bootstrap
from tests.bootstrap.iam_eval import Request, decide
from tooling.offline_runner import Plan

REGION = "eu-west-1"
PROD_TABLE = "comments-prod-table-1a2b3c4"
ROOT = Path(__file__).resolve().parents[2]


def table(env: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments-{env}-table-1a2b3c4"


def role(env: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/comments-{env}-integration-role-1a2b3c4"


def boundary(env: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/github-pipeline/comments-{env}-integration-boundary"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("b"), protectedTables={"prod": PROD_TABLE})


def inline(plan: Plan, role_name: str) -> dict[str, Any]:
    (policy,) = [r for r in plan.resources if r.name == f"{role_name}-access"]
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


def key_arn(plan: Plan, env: str) -> str:
    (key,) = [k for k in plan.of_type("aws:kms/key:Key") if k.name.endswith(f"-{env}-secrets")]
    arn: str = key.state["arn"]
    return arn


PROTECTING = [
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",  # deletion protection off (IAM has no key for the flag)
    "dynamodb:UpdateContinuousBackups",  # PITR off
    # TTL on another attribute: every item whose value there reads as a past epoch second goes
    "dynamodb:UpdateTimeToLive",
    "dynamodb:PutResourcePolicy",
    "dynamodb:DeleteResourcePolicy",
]


@pytest.mark.parametrize("env", ["staging", "prod"])
@pytest.mark.parametrize("action", PROTECTING)
def test_a_protected_environments_deploy_role_cannot_unprotect_or_delete_its_table(
    plan: Plan, env: str, action: str
) -> None:
    deploy = inline(plan, f"comments-deploy-{env}")
    assert decide([deploy], Request(action, table(env))) == "Deny"


def test_nor_delete_its_backups(plan: Plan) -> None:
    backup = f"{table('prod')}/backup/01700000000000-abcdef"
    assert (
        decide([inline(plan, "comments-deploy-prod")], Request("dynamodb:DeleteBackup", backup))
        == "Deny"
    )


def test_an_unprotected_environment_keeps_the_table_writes_its_deploys_need(plan: Plan) -> None:
    deploy = inline(plan, "comments-deploy-dev")
    for action in (
        "dynamodb:UpdateTable",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:DeleteTable",
    ):
        assert decide([deploy], Request(action, table("dev"))) == "Allow", action
    for action in ("dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"):
        assert decide([deploy], Request(action, table("dev"))) == "ImplicitDeny", action


def test_protected_deploys_still_create_and_describe(plan: Plan) -> None:
    deploy = inline(plan, "comments-deploy-prod")
    tags = {"aws:TagKeys": ["project", "stack"]}
    assert decide([deploy], Request("dynamodb:CreateTable", table("prod"), tags)) == "Allow"
    assert decide([deploy], Request("dynamodb:TagResource", table("prod"), tags)) == "Allow"
    assert decide([deploy], Request("dynamodb:DescribeTable", table("prod"))) == "Allow"
    assert decide([deploy], Request("dynamodb:DescribeTimeToLive", table("prod"))) == "Allow"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_no_deploy_role_rewrites_an_existing_roles_trust(plan: Plan, env: str) -> None:
    deploy = inline(plan, f"comments-deploy-{env}")
    for target in (role(env), role("dev"), f"arn:aws:iam::{ACCOUNT}:role/anything"):
        assert decide([deploy], Request("iam:UpdateAssumeRolePolicy", target)) == "Deny", target


@pytest.mark.parametrize(
    ("action", "resource", "keys", "expected"),
    [
        ("iam:TagRole", role("prod"), ["project"], "Allow"),
        ("iam:TagRole", role("prod"), ["project", "owner"], "Deny"),
        ("iam:UntagRole", role("prod"), ["access-team"], "Deny"),
        ("dynamodb:TagResource", table("prod"), ["stack"], "Allow"),
        ("dynamodb:UntagResource", table("prod"), ["backup-plan"], "Deny"),
        (
            "logs:TagResource",
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:comments-prod-access-logs-1",
            ["project", "cost-center"],
            "Deny",
        ),
        ("apigateway:PUT", f"arn:aws:apigateway:{REGION}::/tags/x", ["env"], "Deny"),
        ("apigateway:PUT", f"arn:aws:apigateway:{REGION}::/tags/x", ["stack"], "Allow"),
    ],
)
def test_tags_only_under_the_projects_keys(
    plan: Plan, action: str, resource: str, keys: list[str], expected: str
) -> None:
    deploy = inline(plan, "comments-deploy-prod")
    # Each resource is prod's own (REST APIs are tied to their stack by this tag).
    context = {"aws:TagKeys": keys, "aws:ResourceTag/stack": "prod"}
    assert decide([deploy], Request(action, resource, context)) == expected


def test_creating_a_role_needs_the_boundary_and_the_projects_tag_keys(plan: Plan) -> None:
    deploy = inline(plan, "comments-deploy-prod")
    bounded = {"iam:PermissionsBoundary": boundary("prod"), "aws:TagKeys": ["project", "stack"]}
    assert decide([deploy], Request("iam:CreateRole", role("prod"), bounded)) == "Allow"
    foreign = {**bounded, "aws:TagKeys": ["project", "admin"]}
    assert decide([deploy], Request("iam:CreateRole", role("prod"), foreign)) == "Deny"
    unbounded = {"iam:PermissionsBoundary": boundary("dev")}
    assert decide([deploy], Request("iam:CreateRole", role("prod"), unbounded)) == "ImplicitDeny"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_secrets_key_encrypts_for_deploys_and_only_decrypts_for_previews(
    plan: Plan, env: str
) -> None:
    deploy, preview = (
        inline(plan, f"comments-deploy-{env}"),
        inline(plan, f"comments-preview-{env}"),
    )
    key = key_arn(plan, env)
    assert decide([deploy], Request("kms:Encrypt", key)) == "Allow"
    assert decide([deploy], Request("kms:Decrypt", key)) == "Allow"
    assert decide([preview], Request("kms:Decrypt", key)) == "Allow"
    assert decide([preview], Request("kms:Encrypt", key)) == "ImplicitDeny"
    for other in {"dev", "staging", "prod"} - {env}:
        assert decide([deploy], Request("kms:Decrypt", key_arn(plan, other))) == "ImplicitDeny"
    for action in ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"):
        assert decide([deploy], Request(action, key)) == "ImplicitDeny", action


def test_secrets_providers_name_each_environments_key(plan: Plan) -> None:
    assert plan.outputs["secretsProviders"] == {
        env: f"awskms://alias/comments-{env}-secrets?region={REGION}"
        for env in ("dev", "staging", "prod")
    }
    aliases = {
        a.inputs["name"]: a.inputs["targetKeyId"] for a in plan.of_type("aws:kms/alias:Alias")
    }
    assert aliases["alias/comments-prod-secrets"] == key_arn(plan, "prod").rsplit("/", 1)[1]
    assert all(k.protect and k.inputs["enableKeyRotation"] for k in plan.of_type("aws:kms/key:Key"))


BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-break-glass"


def table_policy(plan: Plan) -> dict[str, Any]:
    (policy,) = plan.of_type("aws:dynamodb/resourcePolicy:ResourcePolicy")
    assert policy.protect
    assert policy.inputs["resourceArn"] == table("prod").replace(
        "table-1a2b3c4", PROD_TABLE.split("prod-")[1]
    )
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-deploy-prod", "Deny"),
        (f"arn:aws:iam::{ACCOUNT}:role/Administrator", "Deny"),
        (BREAK_GLASS, "ImplicitDeny"),  # not refused by the table: its own policy decides
    ],
)
def test_the_prod_table_refuses_deletion_to_all_but_break_glass(
    plan: Plan, principal: str, expected: str
) -> None:
    document = table_policy(plan)
    prod_table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{PROD_TABLE}"
    for action in (
        "dynamodb:DeleteTable",
        "dynamodb:PutResourcePolicy",
        "dynamodb:DeleteResourcePolicy",
    ):
        request = Request(action, prod_table, {"aws:PrincipalArn": principal})
        assert decide([document], request) == expected, (principal, action)


def test_break_glass_needs_mfa_and_reaches_only_protected_tables(plan: Plan) -> None:
    assert plan.outputs["breakGlassRoleArn"] == BREAK_GLASS
    (glass,) = [
        r for r in plan.of_type("aws:iam/role:Role") if r.name == "comments-pipeline-break-glass"
    ]
    (trust,) = json.loads(glass.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    policy = inline(plan, "comments-pipeline-break-glass")
    assert decide([policy], Request("dynamodb:UpdateTable", table("prod"))) == "Allow"
    assert decide([policy], Request("dynamodb:DeleteTable", table("staging"))) == "Allow"
    assert decide([policy], Request("dynamodb:UpdateTable", table("dev"))) == "ImplicitDeny"
    assert decide([policy], Request("dynamodb:Scan", table("prod"))) == "ImplicitDeny"


def test_protected_environments_are_the_stacks_with_data_protection() -> None:
    """The bootstrap's default list and the stacks' comments:dataProtection cannot diverge."""
    project = yaml.safe_load((ROOT / "bootstrap" / "Pulumi.yaml").read_text())
    listed = set(project["config"]["dataProtectedEnvironments"]["default"])
    protected = set()
    for path in (ROOT / "environments").glob("Pulumi.*.yaml"):
        config = (yaml.safe_load(path.read_text()) or {}).get("config", {})
        if config.get("comments:dataProtection") is True:
            protected.add(path.name.split(".")[1])
    assert protected and listed == protected


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"protectedTables": {"qa": "comments-qa-table"}},
            "protectedTables: ['qa'] are not in environments",
        ),
        (
            {"protectedTables": {"dev": "comments-dev-table"}},
            "must also be in dataProtectedEnvironments",
        ),
        ({"protectedTables": {"prod": "comments-dev-table-1"}}, "not a table of that environment"),
    ],
)
def test_bad_protection_settings_fail_before_anything_is_planned(
    tmp_path: Path, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message.replace("[", r"\[")):
        plan_bootstrap(tmp_path, **config)
