"""Policy config: the CLI's format and reconciliation, and clear errors for bad input."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from tests.policy.builders import PACK, Stack, findings, prod_settings, resource
from tooling.offline_runner import load_stack_config
from tooling.policy_check import POLICY_DIR, PolicyConfigError, load_policy_config, main

STACKS = ("local", "dev", "staging", "prod")
PROD = json.loads((POLICY_DIR / "config" / "prod.json").read_text(encoding="utf-8"))


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(
        document if isinstance(document, str) else json.dumps(document), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_config_loads(stack: str) -> None:
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", PACK)
    assert set(settings) == {p.name for p in PACK.policies}


def test_all_then_per_policy_override(tmp_path: Path) -> None:
    document = {
        **PROD,
        "all": "advisory",
        "iam-least-privilege": {**PROD["iam-least-privilege"], "enforcementLevel": "mandatory"},
    }
    settings = load_policy_config(write(tmp_path, document), PACK)
    assert settings["iam-least-privilege"].level is EnforcementLevel.MANDATORY
    assert settings["iam-trust-api-gateway-only"].level is EnforcementLevel.ADVISORY
    assert settings["dynamodb-provisioned-capacity"].properties == {
        "maxReadCapacity": 10,
        "maxWriteCapacity": 5,
    }


def test_unmentioned_policies_default_to_mandatory(tmp_path: Path) -> None:
    document = {k: v for k, v in PROD.items() if k != "all"}
    settings = load_policy_config(write(tmp_path, document), PACK)
    assert settings["iam-trust-api-gateway-only"].level is EnforcementLevel.MANDATORY


def test_levels_reach_the_findings(tmp_path: Path) -> None:
    stack = Stack()
    stack.trust["Statement"][0]["Principal"] = "*"
    for level, expected in (
        ("advisory", ["advisory"]),
        ("disabled", []),
        ("remediate", ["mandatory"]),
    ):
        document = {
            **PROD,
            "iam-trust-api-gateway-only": {
                **PROD["iam-trust-api-gateway-only"],
                "enforcementLevel": level,
            },
        }
        settings = load_policy_config(write(tmp_path, document), PACK)
        found = findings("iam-trust-api-gateway-only", stack.resources(), settings=settings)
        assert sorted({f.level for f in found}) == expected, level


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (
            {**PROD, "iam-least-privlege": "disabled"},
            "unknown policy name(s): iam-least-privlege. Policies in comments-guardrails:",
        ),
        ({**PROD, "all": "strict"}, "'all': 'strict' is not an enforcement level"),
        ({**PROD, "iam-least-privilege": 3}, "is neither an enforcement level nor an object"),
        (
            {**PROD, "dynamodb-provisioned-capacity": {"maxReadCapacity": 10}},
            "dynamodb-provisioned-capacity: 'maxWriteCapacity' is a required property",
        ),
        (
            {**PROD, "dynamodb-monthly-cost-budget": {"monthlyBudgetUsd": "5"}},
            "dynamodb-monthly-cost-budget: '5' is not of type 'number'",
        ),
        ({**PROD, "iam-least-privilege": {"allowedActions": ["dynamodb:*"]}}, "does not match"),
        (
            {**PROD, "dynamodb-data-protection": {"pitr": True}},
            "Additional properties are not allowed ('pitr' was unexpected)",
        ),
        ({"all": "mandatory"}, "iam-least-privilege: 'allowedActions' is a required property"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, document: Any, message: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(write(tmp_path, document), PACK)
    assert message in str(raised.value)


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match=r"not found\. Every stack needs a policy config"):
        load_policy_config(tmp_path / "absent.json", PACK)


UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown-at-preview sentinel
TRUST = "iam-trust-api-gateway-only"


def test_unknown_at_preview_is_a_violation_at_the_policys_level() -> None:
    """pulumi_policy's analyzer turns an unknown a policy reads into an advisory "can't run", and
    the preview passes. The pack's policies catch it first (comments_policy/decidable.py): a
    violation at the policy's own level, on the resource, naming the path
    (tests/policy/test_fail_closed.py covers the rest)."""
    role = resource("aws:iam/role:Role", "pending", {"assumeRolePolicy": UNKNOWN_STRING})
    [finding] = findings(TRUST, [role])
    assert (finding.level, finding.urn) == ("mandatory", role.urn)
    assert finding.message.startswith(
        f"{TRUST}: Role 'pending' assumeRolePolicy is unknown at preview, so this rule cannot "
        "check it and refuses it"
    )
    settings = prod_settings()
    settings[TRUST] = dataclasses.replace(settings[TRUST], level=EnforcementLevel.ADVISORY)
    [advisory] = findings(TRUST, [role], settings=settings)
    assert advisory.level == "advisory"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("policy", ["iam-trust-api-gateway-only", "operations-budget-own-account"])
def test_policy_account_is_the_stacks_pinned_account(stack: str, policy: str) -> None:
    """Each rule's accountId and the provider's aws:allowedAccountIds name the same account."""
    document = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    pinned = json.loads(load_stack_config(stack)["aws:allowedAccountIds"])
    assert pinned == [document[policy]["accountId"]]


@pytest.mark.parametrize("stack", STACKS)
def test_policy_region_is_the_stacks_region(stack: str) -> None:
    """The region rule's region is the stack's aws:region (Pulumi.yaml's, or the stack file's)."""
    document = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    assert load_stack_config(stack)["aws:region"] == document["resources-in-stack-region"]["region"]


def test_the_offline_check_runs_the_program_as_the_pinned_account(
    repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Re-pinning prod to another account without its policy config fails: the trust names it."""
    stack_file = repo_copy / "environments/Pulumi.prod.yaml"
    stack_file.write_text(stack_file.read_text().replace("333333333333", "444444444444"))
    assert main(["prod", "--root", str(repo_copy)]) == 1
    out = capsys.readouterr().out
    assert (
        "StringEquals aws:SourceAccount names account '444444444444'; this stack's account is "
        "333333333333 (accountId)" in out
    )
