"""Stack-level rules: what only the whole stack shows (whose table, whose role)."""

from __future__ import annotations

import json

import pytest

from tests.policy.builders import (
    ACCOUNT,
    EXECUTION_ARN,
    ROLE_NAME,
    TABLE_ARN,
    Stack,
    assert_has_violation,
    assert_no_violations,
    findings,
    resource,
)

OWN_TABLE = "stack-iam-targets-own-table"
INTEGRATION_ROLE = "stack-integration-role-grants-table"
MODERATOR_ROLE = "stack-account-trusted-role-only-invokes"
OTHER_TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/someone-elses-table"


@pytest.mark.parametrize("policy", [OWN_TABLE, INTEGRATION_ROLE, MODERATOR_ROLE])
def test_happy_path(policy: str) -> None:
    assert_no_violations(policy, Stack().resources())


def test_role_policy_names_another_table() -> None:
    # A valid table ARN passes iam-least-privilege; only the stack knows it is not ours.
    stack = Stack()
    stack.access["Statement"][0]["Resource"] = OTHER_TABLE
    finding = assert_has_violation(
        OWN_TABLE,
        stack.resources(),
        f"RolePolicy 'comments-integration-access' policy statement 'CommentsTable' names '{OTHER_TABLE}', "
        "which is not the ARN of a table in this stack",
    )
    assert finding.urn.endswith("RolePolicy::comments-integration-access")


def test_attached_policy_from_outside_the_stack() -> None:
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "attachment",
        {"role": ROLE_NAME, "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/made-by-hand"},
    )
    assert_has_violation(
        OWN_TABLE,
        Stack(extra=[attachment]).resources(),
        "attaches 'arn:aws:iam::333333333333:policy/made-by-hand' (policyArn), a policy this stack does not define",
    )


def test_integration_uses_a_role_from_elsewhere() -> None:
    stack = Stack()
    stack.body["paths"]["/comments"]["get"]["x-amazon-apigateway-integration"]["credentials"] = (
        f"arn:aws:iam::{ACCOUNT}:role/shared-admin"
    )
    assert_has_violation(
        INTEGRATION_ROLE,
        stack.resources(),
        "RestApi 'comments-api' GET /comments uses credentials 'arn:aws:iam::333333333333:role/shared-admin', "
        "which is not the ARN of a role in this stack",
    )


def test_role_lacks_the_action_its_integration_calls() -> None:
    stack = Stack()
    stack.access["Statement"][0]["Action"] = ["dynamodb:Query"]
    assert_has_violation(
        INTEGRATION_ROLE,
        stack.resources(),
        "POST /comments calls dynamodb:UpdateItem as role 'comments-integration-role-0000000', whose "
        "policies do not allow it on table 'comments-table-0000000'",
    )


def test_role_policy_names_another_table_so_integrations_lose_access() -> None:
    stack = Stack()
    stack.access["Statement"][0]["Resource"] = OTHER_TABLE
    assert_has_violation(
        INTEGRATION_ROLE, stack.resources(), "whose policies do not allow it on table"
    )


def test_template_names_a_table_outside_the_stack() -> None:
    stack = Stack()
    integration = stack.body["paths"]["/comments"]["get"]["x-amazon-apigateway-integration"]
    integration["requestTemplates"]["application/json"] = '{"TableName": "someone-elses-table"}'
    assert_has_violation(
        INTEGRATION_ROLE,
        stack.resources(),
        "sends dynamodb:Query to table 'someone-elses-table', which is not a table in this stack",
    )


def test_grants_through_an_attached_stack_policy_count() -> None:
    stack = Stack()
    document = stack.access
    stack.access = {"Version": "2012-10-17", "Statement": []}
    policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/comments-access"
    managed = resource(
        "aws:iam/policy:Policy",
        "comments-access",
        {"policy": json.dumps(document)},
        {"arn": policy_arn},
    )
    attachment = resource(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "attachment",
        {"role": ROLE_NAME, "policyArn": policy_arn},
    )
    stack.extra = [managed, attachment]
    assert_no_violations(INTEGRATION_ROLE, stack.resources())
    assert_no_violations(OWN_TABLE, stack.resources())


OWN_API = "stack-trust-names-own-api"


def trust_by_source_arn(arn: str) -> Stack:
    stack = Stack()
    stack.trust["Statement"][0]["Condition"] = {"ArnLike": {"aws:SourceArn": arn}}
    return stack


def test_trust_source_arn_of_this_stacks_api_passes() -> None:
    stack = trust_by_source_arn(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:mockapi123/*")
    assert findings(OWN_API, stack.resources()) == []


def test_trust_source_arn_of_another_api_is_refused() -> None:
    stack = trust_by_source_arn(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*")
    [finding] = findings(OWN_API, stack.resources())
    assert finding.message == (
        f"{OWN_API}: Role 'comments-integration-role' trust policy statement "
        "'ApiGatewayOfThisAccount' aws:SourceArn names API 'abc123', which is not a REST API in "
        "this stack (mockapi123)"
    )
    assert finding.urn.endswith("Role::comments-integration-role")


def test_trust_source_arn_with_no_api_in_the_stack_is_refused() -> None:
    stack = trust_by_source_arn(f"arn:aws:execute-api:us-east-1:{ACCOUNT}:mockapi123/*")
    resources = [r for r in stack.resources() if not r.type.endswith("RestApi")]
    [finding] = findings(OWN_API, resources)
    assert finding.message.endswith(
        "names API 'mockapi123', which is not a REST API in this stack (none)"
    )


UNKNOWN_AT_PREVIEW = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel


def test_own_api_reads_no_api_when_no_trust_names_one() -> None:
    """A new API's executionArn is unknown at preview; without a SourceArn nothing needs it."""
    resources = Stack().resources()
    api = next(r for r in resources if r.type.endswith("RestApi"))
    api.state["executionArn"] = UNKNOWN_AT_PREVIEW
    assert findings(OWN_API, resources) == []


@pytest.mark.parametrize(
    "arn",
    [
        f"{EXECUTION_ARN}/v1/GET/comments",  # a public route: signing grants nothing there
        f"{EXECUTION_ARN}/prod/DELETE/comments",  # a stage this stack does not have
        f"arn:aws:execute-api:us-east-1:{ACCOUNT}:otherapi99/v1/DELETE/comments",
    ],
)
def test_moderator_policy_names_a_method_that_is_not_a_signed_route_of_this_stack(
    arn: str,
) -> None:
    stack = Stack()
    stack.moderator_access["Statement"][0]["Resource"] = [arn]
    finding = assert_has_violation(
        OWN_TABLE,
        stack.resources(),
        f"names '{arn}', which is not an AWS_IAM-authorized method of this stack's API and stage "
        f"({EXECUTION_ARN}/v1/DELETE/comments)",
    )
    assert finding.urn.endswith("RolePolicy::comments-moderator-access")


def test_a_role_people_can_assume_must_not_reach_the_table() -> None:
    stack = Stack()
    stack.moderator_access["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": TABLE_ARN}
    )
    finding = assert_has_violation(
        MODERATOR_ROLE,
        stack.resources(),
        f"Role 'comments-moderator-role' trusts an account's principals but is granted "
        f"'dynamodb:deleteitem' on '{TABLE_ARN}'",
    )
    assert finding.urn.endswith("Role::comments-moderator-role")


def test_an_index_the_table_does_not_declare_is_not_ours() -> None:
    stack = Stack()
    stack.access["Statement"][0]["Resource"] = f"{TABLE_ARN}/index/byAuthor"
    assert_has_violation(
        OWN_TABLE,
        stack.resources(),
        f"names '{TABLE_ARN}/index/byAuthor', which is not the ARN of a table in this stack",
    )
    stack.table["globalSecondaryIndexes"] = [{"name": "byAuthor"}]
    assert_no_violations(OWN_TABLE, stack.resources())


def test_a_query_on_an_index_needs_the_grant_on_the_index() -> None:
    stack = Stack()
    get = stack.body["paths"]["/comments"]["get"]["x-amazon-apigateway-integration"]
    get["requestTemplates"]["application/json"] = (
        '{"TableName": "comments-table-0000000", "IndexName": "published"}'
    )
    assert_has_violation(
        INTEGRATION_ROLE,
        stack.resources(),
        f"GET /comments calls dynamodb:Query as role '{ROLE_NAME}', whose policies do not allow "
        f"it on table 'comments-table-0000000' ({TABLE_ARN}/index/published)",
    )
    stack.access["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": f"{TABLE_ARN}/index/published"}
    )
    assert_no_violations(INTEGRATION_ROLE, stack.resources())
