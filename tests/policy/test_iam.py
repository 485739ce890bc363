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
            {"Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/*"},
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


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"Principal": "*"}, "trusts any principal ('*')"),
        ({"Principal": {"AWS": "*"}}, "trusts any principal ('*')"),
        (
            {"Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/someone"}},
            "trusts AWS 'arn:aws:iam::123456789012:user/someone'",
        ),
        (
            {"Principal": {"Service": "lambda.amazonaws.com"}},
            "trusts Service 'lambda.amazonaws.com'",
        ),
        ({"Action": "sts:*"}, "allows 'sts:*'"),
        ({"Condition": {}}, "has no aws:SourceAccount or aws:SourceArn condition"),
        ({"Condition": {"StringEquals": {"aws:SourceAccount": "*"}}}, "has no aws:SourceAccount"),
        (
            {"Condition": {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}},
            "has no aws:SourceAccount",
        ),
    ],
)
def test_trust_mutations(changes: dict[str, Any], fragment: str) -> None:
    finding = assert_has_violation(TRUST, trust_with(**changes).resources(), fragment)
    assert (
        "Role 'comments-integration-role' trust policy statement 'ApiGatewayOfThisAccount'"
        in finding.message
    )


def test_trust_by_source_arn_is_accepted() -> None:
    condition = {"ArnLike": {"aws:SourceArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*"}}
    assert_no_violations(TRUST, trust_with(Condition=condition).resources())


def test_not_principal_trust_is_refused() -> None:
    stack = Stack()
    statement = stack.trust["Statement"][0]
    statement["NotPrincipal"] = statement.pop("Principal")
    assert_has_violation(
        TRUST, stack.resources(), "trusts every principal but a list (NotPrincipal)"
    )


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
