"""`make policy`: the real program passes every stack's config; mutated copies fail, naming the rule."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tooling.offline_runner import REPO_ROOT, run_stack
from tooling.policy_check import load_pack, main

pytestmark = pytest.mark.slow

STACKS = ("local", "dev", "staging", "prod")
POLICY_COUNT = len(load_pack().policies)


def resource_count(stack: str) -> int:
    """What the check evaluates: every resource the stack's program registers."""
    return len(run_stack(stack).resources)


@pytest.mark.parametrize("stack", STACKS)
def test_real_program_passes_its_own_config(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main([stack])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "[mandatory]" not in out
    summary = f"{stack}: comments-guardrails ({POLICY_COUNT} policies) on {resource_count(stack)}"
    assert f"{summary} resources: 0 mandatory" in out


def test_prod_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prod"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [
        f"prod: comments-guardrails ({POLICY_COUNT} policies) on {resource_count('prod')} "
        "resources: 0 mandatory, 0 advisory violation(s)"
    ]


def edit(path: Path, old: str, new: str, also: tuple[str, str] | None = None) -> None:
    """Replace `old` with `new` in the file (and then the pair `also`); each must be there."""
    text = path.read_text(encoding="utf-8")
    for before, after in [(old, new), *([also] if also else [])]:
        assert before in text, f"{before!r} not in {path}"
        text = text.replace(before, after)
    path.write_text(text, encoding="utf-8")


MUTATIONS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "wildcard action": (
        lambda root: edit(
            root / "infra/comments_infra/service.py",
            '"Action": list(api_definition.DYNAMODB_ACTIONS)',
            '"Action": "dynamodb:*"',
        ),
        ["[mandatory] iam-least-privilege", "allows the wildcard action 'dynamodb:*'"],
    ),
    "resource star": (
        lambda root: edit(
            root / "infra/comments_infra/service.py", '"Resource": table_arn', '"Resource": "*"'
        ),
        [
            "[mandatory] iam-least-privilege",
            "applies to every resource",
            "[mandatory] stack-iam-targets-own-table",
        ],
    ),
    "trust for anyone": (
        lambda root: edit(
            root / "infra/comments_infra/service.py",
            '"Principal": {"Service": API_GATEWAY_PRINCIPAL}',
            '"Principal": "*"',
        ),
        ["[mandatory] iam-trust-api-gateway-only", "trusts any principal ('*')"],
    ),
    "prod capacity 10x the cap": (
        lambda root: edit(
            root / "environments/Pulumi.prod.yaml",
            "tableReadCapacity: 2",
            "tableReadCapacity: 100",
            also=("autoscalingMaxReadCapacity: 10", "autoscalingMaxReadCapacity: 0"),
        ),
        [
            "[mandatory] dynamodb-provisioned-capacity",
            "readCapacity is 100, above this stack's cap of 10",
            "[mandatory] dynamodb-monthly-cost-budget",
        ],
    ),
    "prod scales above the cap": (
        lambda root: edit(
            root / "environments/Pulumi.prod.yaml",
            "autoscalingMaxWriteCapacity: 5",
            "autoscalingMaxWriteCapacity: 50",
        ),
        [
            "[mandatory] dynamodb-provisioned-capacity",
            "autoscaling maxCapacity for dynamodb:table:WriteCapacityUnits is 50, above this "
            "stack's cap of 5",
            "[mandatory] dynamodb-monthly-cost-budget",
            "50 WCU",
        ],
    ),
    "prod without its alarms": (
        lambda root: edit(
            root / "infra/comments_infra/monitoring.py",
            "        self.alarms = [",
            "        self.alarms = [] and [",  # builds none of them
        ),
        [
            "[mandatory] operations-alarms-required",
            "Stage 'comments-prod-stage' has no alarm on AWS/ApiGateway 5XXError "
            "(ApiName=comments-prod, Stage=v1)",
            "has no alarm on AWS/DynamoDB WriteThrottleEvents",
        ],
    ),
    "prod without data protection": (
        lambda root: edit(
            root / "environments/Pulumi.prod.yaml", "dataProtection: true", "dataProtection: false"
        ),
        [
            "[mandatory] dynamodb-data-protection",
            "has point-in-time recovery off",
            "is not protected in Pulumi",
        ],
    ),
    "prod allows any origin": (
        lambda root: edit(
            root / "environments/Pulumi.prod.yaml", "- https://comments-demo.example", '- "*"'
        ),
        ["[mandatory] apigateway-cors-origin"],
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_mutated_program_fails_naming_the_rule(
    mutation: str, repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change, expected = MUTATIONS[mutation]
    change(repo_copy)
    status = main(["prod", "--root", str(repo_copy)])
    out = capsys.readouterr().out
    assert status == 1, out
    for fragment in expected:
        assert fragment in out


def test_command_line_exit_status_and_line_format(repo_copy: Path) -> None:
    MUTATIONS["wildcard action"][0](repo_copy)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tooling.policy_check",
            "prod",
            "--program-dir",
            str(repo_copy / "infra"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("[mandatory]"))
    level, policy, urn, message = line.split(maxsplit=3)
    assert (level, policy) == ("[mandatory]", "iam-least-privilege")
    assert (
        urn
        == "urn:pulumi:prod::comments::comments:service:CommentsService$aws:iam/rolePolicy:RolePolicy::comments-prod-integration-access"
    )
    assert message.startswith(
        "iam-least-privilege: RolePolicy 'comments-prod-integration-access' policy statement 'CommentsTable'"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["prod", "--config", "/nonexistent/prod.json"],
            "error: /nonexistent/prod.json: not found",
        ),
        (["nosuchstack"], "error: no stack 'nosuchstack'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert capsys.readouterr().err.startswith(message)


def test_broken_program_exits_2_without_traceback(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        repo_copy / "infra/__main__.py",
        "settings = load_settings()",
        "settings = load_settings()\nraise ValueError('boom')",
    )
    assert main(["prod", "--root", str(repo_copy)]) == 2
    assert capsys.readouterr().err == "error: the program failed for stack 'prod': boom\n"


@pytest.mark.parametrize(
    ("stack", "over_budget"), [("local", False), ("prod", False), ("dev", True)]
)
def test_pre_moderation_passes_the_pack_within_budget(stack: str, over_budget: bool) -> None:
    from tooling.offline_runner import REPO_ROOT, run_stack
    from tooling.policy_check import (
        POLICY_DIR,
        analyze,
        load_pack,
        load_policy_config,
        stack_mocks,
    )

    pack = load_pack()
    overrides = {"comments:moderation": "pre"}
    # As `make policy` runs it: the program sees the stack's pinned account.
    plan = run_stack(stack, stack_mocks(stack, REPO_ROOT, overrides), config_overrides=overrides)
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", pack)
    mandatory = [f for f in analyze(plan, pack, settings) if f.level == "mandatory"]
    # The two indexes triple the provisioned capacity: dev's $1 budget refuses it, and says so.
    assert [f.message.split(":")[0] for f in mandatory] == (
        ["dynamodb-monthly-cost-budget"] if over_budget else []
    ), [f.line() for f in mandatory]
