"""The kit's cases are right about this repository's documents: evaluated offline with
tests/bootstrap/iam_eval.py against the planned bootstrap and program, every request the kit
expects refused is refused and every request it expects allowed is allowed. So a real account
whose roles hold exactly the reviewed documents passes the simulation, and a case that could never
fail (or never pass) shows up here first. The bootstrap tests' escalation attempts are all in the
kit's data."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tests.bootstrap.conftest import ACCOUNT, DYNAMODB_KEY_ID, plan_bootstrap
from tests.bootstrap.iam_eval import Request, decide
from tests.bootstrap.test_escalation import ATTACKS
from tooling.offline_runner import MOCK_ACCOUNT_ID, Plan, run_stack
from verify import aws, cases, repo

REGION = "eu-west-1"  # the region tests/bootstrap plans in


@pytest.fixture(scope="module")
def bootstrap_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("verify-cases"))


def _inline(plan: Plan, name: str) -> dict[str, Any]:
    (policy,) = [r for r in plan.resources if r.name == name]
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


def _key(plan: Plan, env: str) -> str:
    (key,) = [k for k in plan.of_type("aws:kms/key:Key") if k.name.endswith(f"-{env}-secrets")]
    arn: str = key.state["arn"]
    return arn


def _account(
    settings: repo.StackSettings, account_id: str, region: str, values: dict[str, aws.Value]
) -> aws.Account:
    bootstrap = repo.bootstrap_settings()
    env = settings.stack
    other = aws.other_environment(env, bootstrap.environments)
    account = aws.Account(
        partition="aws",
        account_id=account_id,
        region=region,
        caller_arn=f"arn:aws:iam::{account_id}:user/offline",
        environment=env,
        other_environment=other,
        settings=settings,
        bootstrap=bootstrap,
    )
    account.values = {
        "partition": "aws",
        "account": account_id,
        "region": region,
        "env": env,
        "other": other,
        "prefix": bootstrap.resource_prefix,
        "project": bootstrap.stack_project,
        "bucket": f"{bootstrap.stack_project}-pulumi-state-{account_id}-{region}",
        **values,
    }
    return account


def _request(simulation: aws.Simulation) -> Request:
    context: dict[str, Any] = {}
    for entry in simulation.context_entries:
        values = entry["ContextKeyValues"]
        context[entry["ContextKeyName"]] = (
            values if entry["ContextKeyType"] == "stringList" else values[0]
        )
    return Request(simulation.action, simulation.resource, context)


def _wrong(account: aws.Account, kind: str, document: dict[str, Any]) -> list[str]:
    wrong = []
    rows = [row for row in aws.role_checks(account) if row.kind == kind]
    assert rows
    for row in rows:
        for case in row.applicable:
            decision = decide([document], _request(aws.simulation(case, account)))
            if (decision == "Allow") != row.expect_allowed:
                wrong.append(f"{row.name}: {case.name} -> {decision}")
    return wrong


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
@pytest.mark.parametrize("kind", ["deploy", "preview"])
def test_the_pipeline_roles_cases_hold_for_the_planned_bootstrap(
    bootstrap_plan: Plan, stack: str, kind: str
) -> None:
    settings = repo.stack_settings(stack)
    other = aws.other_environment(stack, repo.bootstrap_settings().environments)
    account = _account(
        settings,
        ACCOUNT,
        REGION,
        {
            "env_key": _key(bootstrap_plan, stack),
            "other_key": _key(bootstrap_plan, other),
            "dynamodb_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{DYNAMODB_KEY_ID}",
        },
    )
    document = _inline(bootstrap_plan, f"comments-{kind}-{stack}-access")
    assert _wrong(account, kind, document) == []


def _program_account(plan: Plan, settings: repo.StackSettings) -> aws.Account:
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    (api,) = plan.of_type("aws:apigateway/restApi:RestApi")
    return _account(
        settings,
        MOCK_ACCOUNT_ID,
        "us-east-1",
        {
            "table": table.state["arn"],
            "api": api.state["executionArn"],
            "stage": settings.service.stage_name,
        },
    )


@pytest.mark.parametrize("moderation", ["post", "pre"])
@pytest.mark.parametrize("kind", ["integration", "moderator"])
def test_the_program_roles_cases_hold_for_the_planned_program(moderation: str, kind: str) -> None:
    plan = run_stack("dev", config_overrides={"comments:moderation": moderation})
    settings = repo.stack_settings("dev")
    settings = dataclasses.replace(
        settings, service=dataclasses.replace(settings.service, pre_moderation=moderation == "pre")
    )
    document = _inline(plan, f"comments-dev-{kind}-access")
    assert _wrong(_program_account(plan, settings), kind, document) == []


def test_a_wrong_case_would_be_caught(bootstrap_plan: Plan) -> None:
    """The offline check fails a case whose expectation the documents contradict."""
    settings = repo.stack_settings("dev")
    account = _account(
        settings,
        ACCOUNT,
        REGION,
        {
            "env_key": _key(bootstrap_plan, "dev"),
            "other_key": _key(bootstrap_plan, "prod"),
            "dynamodb_key": "arn:aws:kms:eu-west-1:1:key/x",
        },
    )
    document = _inline(bootstrap_plan, "comments-deploy-dev-access")
    widened = {
        **document,
        "Statement": [
            *document["Statement"],
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        ],
    }
    assert any("break-glass to API Gateway" in w for w in _wrong(account, "deploy", widened))


def test_every_escalation_the_bootstrap_tests_encode_is_in_the_kit() -> None:
    kit = {case.name for case in cases.ESCALATIONS}
    assert [name for name, *_ in ATTACKS if name not in kit] == []


def test_the_case_names_are_unique_per_row() -> None:
    for _, description, group, _ in cases.ROLE_CASES:
        names = [case.name for case in group]
        assert len(names) == len(set(names)), description


def test_an_unknown_condition_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown conditions"):
        cases.Case("x", "s3:GetObject", "*", when=frozenset({"sometimes"}))
