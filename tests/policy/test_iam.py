"""IAM rules: least privilege, API Gateway-only trust, no managed policies - one mutation per failure."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.builders import (
    ACCOUNT,
    ROLE_NAME,
    TABLE_ARN,
    Stack,
    assert_has_violation,
    assert_no_violations,
    findings,
    resource,
)

LEAST = "iam-least-privilege"
TRUST = "iam-trust-api-gateway-only"
MANAGED = "iam-no-managed-policy-attachments"


def with_statement(**changes: Any) -> Stack:
    stack = Stack()
    stack.access["Statement"][0].update(changes)
    return stack


def test_least_privilege_happy_path() -> None:
    assert_no_violations(LEAST, Stack().resources())


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"Action": "dynamodb:*"},
            "statement 'CommentsTable' allows the wildcard action 'dynamodb:*'",
        ),
        ({"Action": ["dynamodb:Put*"]}, "allows the wildcard action 'dynamodb:Put*'"),
        ({"Action": "*"}, "allows every action ('*')"),
        (
            {"Action": ["dynamodb:Query", "dynamodb:Scan"]},
            "allows 'dynamodb:Scan', which is not in allowedActions",
        ),
        ({"Resource": "*"}, "applies to every resource ('Resource: \"*\"')"),
        (
            {"Resource": "arn:aws:dynamodb:us-east-1:333333333333:table/*"},
            "uses the wildcard resource",
        ),
        ({"Resource": f"{TABLE_ARN}/stream/2026"}, "which is not a DynamoDB table ARN"),
        ({"Resource": "arn:aws:s3:::site-bucket"}, "which is not a DynamoDB table ARN"),
    ],
)
def test_least_privilege_statement_mutations(changes: dict[str, Any], fragment: str) -> None:
    finding = assert_has_violation(LEAST, with_statement(**changes).resources(), fragment)
    assert finding.level == "mandatory"
    assert finding.urn.endswith("RolePolicy::comments-integration-access")
    assert "RolePolicy 'comments-integration-access'" in finding.message


def test_not_action_and_not_resource_allows_are_refused() -> None:
    stack = Stack()
    statement = stack.access["Statement"][0]
    statement["NotAction"] = statement.pop("Action")
    statement["NotResource"] = statement.pop("Resource")
    resources = stack.resources()
    assert_has_violation(LEAST, resources, "allows NotAction")
    assert_has_violation(LEAST, resources, "allows NotResource")


def test_deny_statements_may_use_wildcards() -> None:
    stack = Stack()
    stack.access["Statement"].append({"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"})
    assert_no_violations(LEAST, stack.resources())


def test_a_policy_that_is_not_json_cannot_pass() -> None:
    stack = Stack(access="{not json")
    assert_has_violation(LEAST, stack.resources(), "policy is not valid JSON")


@pytest.mark.parametrize(
    ("type_", "inputs"),
    [
        (
            "aws:iam/policy:Policy",
            {"policy": '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}'},
        ),
        (
            "aws:iam/role:Role",
            {
                "assumeRolePolicy": "{}",
                "inlinePolicies": [
                    {
                        "name": "extra",
                        "policy": '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
                    }
                ],
            },
        ),
    ],
)
def test_every_way_a_document_reaches_a_role_is_checked(type_: str, inputs: dict[str, Any]) -> None:
    extra = resource(type_, "extra", inputs)
    found = findings(LEAST, [extra])
    messages = " | ".join(f.message for f in found)
    assert "allows every action ('*')" in messages
    assert "applies to every resource" in messages


def test_missing_allow_list_is_a_violation_not_a_pass() -> None:
    # The CLI refuses such a config before the pack runs; the rule itself still never passes.
    found = findings(LEAST, Stack().resources(), allowedActions=None)
    # Once per role policy: the integration role's and the moderator role's.
    assert [f.message for f in found] == 2 * [
        "iam-least-privilege: policy parameter 'allowedActions' is missing or not a list of "
        "strings; set it in the stack's policy config (policy/config/<stack>.json)"
    ]


def test_trust_happy_path() -> None:
    assert_no_violations(TRUST, Stack().resources())


def trust_with(**changes: Any) -> Stack:
    stack = Stack()
    stack.trust["Statement"][0].update(changes)
    return stack


def trust_messages(stack: Stack, **properties: Any) -> list[str]:
    prefix = f"{TRUST}: Role 'comments-integration-role' trust policy statement 'ApiGatewayOfThisAccount' "
    found = [f.message for f in findings(TRUST, stack.resources(), **properties)]
    assert all(m.startswith(prefix) for m in found), found
    return [m.removeprefix(prefix) for m in found]


NO_GUARD = (
    f"has no aws:SourceAccount or aws:SourceArn condition naming this stack's account ({ACCOUNT}); "
    "without it another account's API could use this role (confused deputy)"
)
OPERATORS = (
    "a trust condition takes only StringEquals, StringLike, ArnEquals or ArnLike "
    "(no negation, no IfExists, no ForAnyValue/ForAllValues)"
)
OTHER = "444444444444"
ONLY_PRINCIPALS = (
    "only apigateway.amazonaws.com (integration roles) or this stack's account root "
    f"'arn:aws:iam::{ACCOUNT}:root' (moderator roles) may assume a role"
)
OUR_API = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:mockapi123"


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        {"StringLike": {"aws:SourceAccount": ACCOUNT}},
        {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}},
        {"ArnLike": {"aws:SourceArn": f"{OUR_API}/*"}},
        {"ArnEquals": {"aws:SourceArn": f"{OUR_API}/v1/POST/comments"}},
        {"StringLike": {"aws:SourceArn": f"{OUR_API}/*/GET/*"}},
        {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"{OUR_API}/*"},
        },
    ],
)
def test_trust_positive_conditions_naming_this_account_pass(condition: dict[str, Any]) -> None:
    assert trust_messages(trust_with(Condition=condition)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Principal": "*"}, ["trusts any principal ('*'); trust apigateway.amazonaws.com only"]),
        (
            {"Principal": {"AWS": "*"}},
            ["trusts any principal ('*'); trust apigateway.amazonaws.com only"],
        ),
        (
            {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/someone"}},
            [f"trusts AWS 'arn:aws:iam::{ACCOUNT}:user/someone'; {ONLY_PRINCIPALS}"],
        ),
        (
            {"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}},
            [
                f"trusts the root of account '{OTHER}'; this stack's account is {ACCOUNT} "
                "(accountId)"
            ],
        ),
        (
            {"Principal": {"AWS": "arn:aws:iam::*:root"}},
            [f"trusts AWS 'arn:aws:iam::*:root'; {ONLY_PRINCIPALS}"],
        ),
        (
            {"Principal": {"Service": "lambda.amazonaws.com"}},
            [f"trusts Service 'lambda.amazonaws.com'; {ONLY_PRINCIPALS}"],
        ),
        ({"Action": "sts:*"}, ["allows 'sts:*'; a role needs sts:AssumeRole only"]),
        ({"Condition": {}}, [NO_GUARD]),
        ({}, []),
    ],
)
def test_trust_principal_and_action_mutations(changes: dict[str, Any], expected: list[str]) -> None:
    assert trust_messages(trust_with(**changes)) == expected


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        (
            {"StringEquals": {"aws:SourceAccount": OTHER}},
            f"StringEquals aws:SourceAccount names account '{OTHER}'; this stack's account is "
            f"{ACCOUNT} (accountId)",
        ),
        (
            {"StringEquals": {"aws:SourceAccount": [ACCOUNT, OTHER]}},
            f"StringEquals aws:SourceAccount lists 2 values ['{ACCOUNT}', '{OTHER}']; name exactly "
            f"this stack's account ({ACCOUNT}) and nothing else",
        ),
        (
            {"StringEquals": {"aws:SourceAccount": []}},
            f"StringEquals aws:SourceAccount lists 0 values []; name exactly this stack's account "
            f"({ACCOUNT}) and nothing else",
        ),
        (
            {"StringLike": {"aws:SourceAccount": "*"}},
            f"StringLike aws:SourceAccount is '*', not an account id; name this stack's account "
            f"({ACCOUNT})",
        ),
        (
            {"StringLike": {"aws:SourceAccount": "3333333333?3"}},
            f"StringLike aws:SourceAccount is '3333333333?3', not an account id; name this "
            f"stack's account ({ACCOUNT})",
        ),
        (
            {"StringNotEquals": {"aws:SourceAccount": OTHER}},
            f"uses the condition operator 'StringNotEquals'; {OPERATORS}",
        ),
        (
            {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}},
            f"uses the condition operator 'StringEqualsIfExists'; {OPERATORS}",
        ),
        (
            {"ArnNotLike": {"aws:SourceArn": f"arn:aws:execute-api:us-east-1:{OTHER}:x/*"}},
            f"uses the condition operator 'ArnNotLike'; {OPERATORS}",
        ),
        (
            {"ForAnyValue:StringEquals": {"aws:SourceAccount": ACCOUNT}},
            f"uses the condition operator 'ForAnyValue:StringEquals'; {OPERATORS}",
        ),
        (
            {"Null": {"aws:SourceAccount": "false"}},
            f"uses the condition operator 'Null'; {OPERATORS}",
        ),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:*:mockapi123/*"}},
            "ArnLike aws:SourceArn is 'arn:aws:execute-api:us-east-1:*:mockapi123/*', not an API "
            "Gateway ARN naming an account and an API (arn:aws:execute-api:<region>:<account>:"
            "<api-id>/...)",
        ),
        (
            {"ArnLike": {"aws:SourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*"}},
            f"ArnLike aws:SourceArn is 'arn:aws:execute-api:us-east-1:{ACCOUNT}:*', not an API "
            "Gateway ARN naming an account and an API (arn:aws:execute-api:<region>:<account>:"
            "<api-id>/...)",
        ),
        (
            {"ArnLike": {"aws:SourceArn": f"arn:aws:execute-api:us-east-1:{OTHER}:abc/*"}},
            f"ArnLike aws:SourceArn names account '{OTHER}'; this stack's account is {ACCOUNT} "
            "(accountId)",
        ),
        (
            {"ArnEquals": {"aws:SourceArn": f"{OUR_API}/*"}},
            f"ArnEquals aws:SourceArn compares '{OUR_API}/*' literally with ArnEquals; the "
            "wildcard matches nothing",
        ),
        (
            {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:PrincipalOrgID": "o-123"}},
            "conditions on 'aws:PrincipalOrgID'; a trust condition names only aws:SourceAccount "
            "or aws:SourceArn",
        ),
    ],
)
def test_trust_condition_ways_around(condition: dict[str, Any], problem: str) -> None:
    found = trust_messages(trust_with(Condition=condition))
    assert found[0] == problem
    # A condition that pinned the account elsewhere in the statement still reports the bad part.
    pinned_elsewhere = any(
        key == "aws:SourceAccount" and values == ACCOUNT
        for op, tests in condition.items()
        if op in ("StringEquals", "StringLike")
        for key, values in tests.items()
    )
    assert found[1:] == ([] if pinned_elsewhere else [NO_GUARD])


def test_a_second_statement_is_checked_too() -> None:
    stack = Stack()
    loose = {**stack.trust["Statement"][0], "Sid": "Loose", "Condition": {}}
    stack.trust["Statement"].append(loose)
    found = [f.message for f in findings(TRUST, stack.resources())]
    assert found == [
        f"{TRUST}: Role 'comments-integration-role' trust policy statement 'Loose' {NO_GUARD}"
    ]


def test_trust_without_the_stacks_account_in_config_is_refused() -> None:
    found = findings(TRUST, Stack().resources(), accountId=None)
    # Once per role: the integration role's and the moderator role's.
    assert [f.message for f in found] == 2 * [
        f"{TRUST}: policy parameter 'accountId' is missing or not a 12-digit account id; set it "
        "in the stack's policy config (policy/config/<stack>.json)"
    ]


def test_trust_for_another_stacks_account_is_refused() -> None:
    """prod's trust checked against dev's account: the config's account is the one that counts."""
    stack = Stack()
    stack.moderator_trust["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::111111111111:root"}
    found = trust_messages(stack, accountId="111111111111")
    assert found == [
        f"StringEquals aws:SourceAccount names account '{ACCOUNT}'; this stack's account is "
        "111111111111 (accountId)",
        NO_GUARD.replace(ACCOUNT, "111111111111"),
    ]


def test_not_principal_trust_is_refused() -> None:
    stack = Stack()
    statement = stack.trust["Statement"][0]
    statement["NotPrincipal"] = statement.pop("Principal")
    assert trust_messages(stack) == [
        "trusts every principal but a list (NotPrincipal); trust apigateway.amazonaws.com only"
    ]


@pytest.mark.parametrize(
    ("type_", "inputs", "fragment"),
    [
        (
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            {"role": ROLE_NAME, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            "attaches the AWS-managed policy 'arn:aws:iam::aws:policy/AdministratorAccess' (policyArn)",
        ),
        (
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            {"role": ROLE_NAME, "policyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"},
            "attaches the AWS-managed policy",
        ),
        (
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            {"role": ROLE_NAME, "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"},
            "attaches the admin policy",
        ),
        (
            "aws:iam/policyAttachment:PolicyAttachment",
            {"roles": [ROLE_NAME], "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"},
            "attaches the AWS-managed policy",
        ),
        (
            "aws:iam/role:Role",
            {
                "assumeRolePolicy": "{}",
                "managedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            },
            "(managedPolicyArns[0])",
        ),
        (
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
            {"roleName": ROLE_NAME, "policyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
            "(policyArns[0])",
        ),
    ],
)
def test_managed_policy_attachments(type_: str, inputs: dict[str, Any], fragment: str) -> None:
    stack = Stack(extra=[resource(type_, "attachment", inputs)])
    assert_has_violation(MANAGED, stack.resources(), fragment)


def test_customer_managed_attachment_passes_this_rule() -> None:
    # Its document is checked by iam-least-privilege; stack-iam-targets-own-table checks its origin.
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "attachment",
        {"role": ROLE_NAME, "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/comments-extra"},
    )
    assert_no_violations(MANAGED, Stack(extra=[attachment]).resources())


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/comments-table-0000000"},
            "which is not an execute-api method ARN (api/stage/METHOD/path)",
        ),
        (
            {"Resource": "arn:aws:execute-api:us-east-1:123456789012:mockapi123/v1/*/*"},
            "uses the wildcard resource",
        ),
        (
            {"Action": ["execute-api:Invoke", "dynamodb:DeleteItem"]},
            "mixes the services dynamodb, execute-api",
        ),
        ({"Action": "execute-api:ManageConnections"}, "which is not in allowedActions"),
    ],
)
def test_moderator_statement_mutations(changes: dict[str, Any], fragment: str) -> None:
    stack = Stack()
    stack.moderator_access["Statement"][0].update(changes)
    found = [f for f in findings(LEAST, stack.resources()) if fragment in f.message]
    assert len(found) == 1, [f.message for f in findings(LEAST, stack.resources())]
    assert found[0].urn.endswith("RolePolicy::comments-moderator-access")


def test_an_account_root_may_be_trusted_but_not_a_user_of_it() -> None:
    stack = Stack()
    stack.moderator_trust["Statement"][0]["Principal"] = {
        "AWS": f"arn:aws:iam::{ACCOUNT}:user/moderator"
    }
    finding = assert_has_violation(
        TRUST, stack.resources(), f"trusts AWS 'arn:aws:iam::{ACCOUNT}:user/moderator'"
    )
    assert finding.urn.endswith("Role::comments-moderator-role")
    assert len(findings(TRUST, stack.resources())) == 1


def moderator_trust_messages(stack: Stack, **properties: Any) -> list[str]:
    prefix = f"{TRUST}: Role 'comments-moderator-role' trust policy statement "
    found = [f.message for f in findings(TRUST, stack.resources(), **properties)]
    assert all(m.startswith(prefix) for m in found), found
    return [m.removeprefix(prefix).split(" ", 1)[1] for m in found]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        (
            {"Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}},
            [
                f"trusts the root of account '{OTHER}'; this stack's account is {ACCOUNT} (accountId)"
            ],
        ),
        (
            {"Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", f"arn:aws:iam::{OTHER}:root"]}},
            [
                f"trusts the root of account '{OTHER}'; this stack's account is {ACCOUNT} (accountId)"
            ],
        ),
        (
            {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/someone"}},
            [f"trusts AWS 'arn:aws:iam::{ACCOUNT}:role/someone'; {ONLY_PRINCIPALS}"],
        ),
        (
            {"Principal": {"AWS": "*"}},
            ["trusts any principal ('*'); trust apigateway.amazonaws.com only"],
        ),
        (
            {"Condition": {"StringNotEquals": {"aws:SourceAccount": OTHER}}},
            [f"uses the condition operator 'StringNotEquals'; {OPERATORS}"],
        ),
        (
            {"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
            [f"uses the condition operator 'Bool'; {OPERATORS}"],
        ),
    ],
)
def test_the_moderator_trust_names_only_this_stacks_account(
    changes: dict[str, Any], expected: list[str]
) -> None:
    """The moderator role trusts an account root: only this stack's, never another or a wildcard."""
    stack = Stack()
    stack.moderator_trust["Statement"][0].update(changes)
    assert moderator_trust_messages(stack) == expected


def test_the_moderator_trust_is_checked_against_the_configs_account() -> None:
    """prod's moderator role checked against dev's account: the root of prod's is another's."""
    stack = Stack()
    stack.trust["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": "111111111111"}
    }
    assert moderator_trust_messages(stack, accountId="111111111111") == [
        f"trusts the root of account '{ACCOUNT}'; this stack's account is 111111111111 (accountId)"
    ]
