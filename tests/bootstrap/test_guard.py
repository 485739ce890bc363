"""The bootstrap's policy rules: each catches the mistake it exists for."""

from __future__ import annotations

import copy
from typing import Any

import checks
import comments_bootstrap.documents as documents
import pytest
from checks import boundary_findings, permission_findings, role_write_findings, trust_findings

PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SCOPE = documents.Scope(
    "aws",
    "111122223333",
    "eu-west-1",
    "dev",
    "comments-",
    "comments",
    "state-bucket",
    dynamodb_key_arn="arn:aws:kms:eu-west-1:111122223333:key/1f2e3d4c-aws-dynamodb",
)


REPOSITORY = "example-org/comments"
REPOSITORY_ID = "123456789"
OWNER_ID = "24681357"
SUB = "token.actions.githubusercontent.com:sub"
DEPLOY_SUB = (
    f"repo:{REPOSITORY}:repository_id:{REPOSITORY_ID}:environment:dev:ref:refs/heads/main:"
    "job_workflow_ref:"
    f"{REPOSITORY}/.github/workflows/deploy-environment.yml@refs/heads/main"
)
PR_SUB = (
    f"repo:{REPOSITORY}:repository_id:{REPOSITORY_ID}:environment:preview-dev:"
    "ref:refs/pull/*/merge:job_workflow_ref:"
    f"{REPOSITORY}/.github/workflows/pr.yml@refs/pull/*/merge"
)
# The same subjects under immutable subject claims: only the `repo` segment differs.
IMMUTABLE_REPO = "repo:example-org@24681357/comments@123456789"
IMMUTABLE_DEPLOY_SUB = DEPLOY_SUB.replace(f"repo:{REPOSITORY}:", f"{IMMUTABLE_REPO}:", 1)
IMMUTABLE_PR_SUB = PR_SUB.replace(f"repo:{REPOSITORY}:", f"{IMMUTABLE_REPO}:", 1)


def repository(form: str = "name") -> documents.GitHubRepository:
    return documents.GitHubRepository(REPOSITORY, REPOSITORY_ID, OWNER_ID, form)


def good_trust() -> dict[str, Any]:
    return documents.github_trust_policy(PROVIDER, documents.deploy_subjects(repository(), "dev"))


@pytest.mark.parametrize(
    ("form", "deploy_sub", "pr_sub"),
    [("name", DEPLOY_SUB, PR_SUB), ("immutable", IMMUTABLE_DEPLOY_SUB, IMMUTABLE_PR_SUB)],
)
def test_both_subject_forms_pass(form: str, deploy_sub: str, pr_sub: str) -> None:
    deploy = documents.github_trust_policy(
        PROVIDER, documents.deploy_subjects(repository(form), "dev")
    )
    assert trust_findings(deploy) == []
    assert deploy["Statement"][0]["Condition"]["StringEquals"][SUB] == deploy_sub
    preview = documents.github_trust_policy(
        PROVIDER, documents.preview_subjects(repository(form), "dev")
    )
    assert trust_findings(preview) == []
    assert [s["Condition"].get("StringLike", {}).get(SUB) for s in preview["Statement"]] == [
        pr_sub,
        None,
        None,
    ]


def test_happy_path_has_no_findings() -> None:
    assert trust_findings(good_trust()) == []
    for document in (
        documents.deploy_policy(SCOPE),
        documents.preview_policy(SCOPE),
        documents.boundary_policy(SCOPE),
    ):
        assert permission_findings(document) == []
        assert role_write_findings(document) == []
    assert boundary_findings(documents.boundary_policy(SCOPE)) == []


def test_the_guard_and_the_program_agree_on_the_names_they_both_define() -> None:
    """The pack cannot import the program's package (see checks.py), so the copies are pinned."""
    assert checks.GITHUB_OIDC_HOST == documents.GITHUB_OIDC_HOST
    assert checks.PIPELINE_PATH == documents.PIPELINE_PATH
    assert {a.lower() for a in documents.BOUNDARY_ACTIONS} == checks.BOUNDARY_ACTIONS


def test_the_guard_and_the_program_bound_a_pull_requests_subject_alike() -> None:
    for subject in (PR_SUB, DEPLOY_SUB, IMMUTABLE_PR_SUB, "a:b"):
        assert checks.no_more_colons_than(subject) == documents.no_more_colons_than(subject)


@pytest.mark.parametrize(
    ("statement", "mutate"),
    [
        pytest.param(0, lambda c: c.pop("StringNotLike"), id="pull request without the bound"),
        pytest.param(0, lambda c: c["StringNotLike"].update({SUB: "*:*:*"}), id="a wrong bound"),
        pytest.param(1, lambda c: c.update({"StringNotLike": {SUB: "*"}}), id="on an exact sub"),
    ],
)
def test_trust_rule_catches_a_pull_request_subject_without_its_colon_bound(
    statement: int, mutate: Any
) -> None:
    doc = documents.github_trust_policy(PROVIDER, documents.preview_subjects(repository(), "dev"))
    mutate(doc["Statement"][statement]["Condition"])
    assert any("needs exactly the StringNotLike" in f for f in trust_findings(doc))


def _condition(doc: dict[str, Any]) -> dict[str, Any]:
    condition: dict[str, Any] = doc["Statement"][0]["Condition"]
    return condition


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: _condition(d)["StringEquals"].pop("token.actions.githubusercontent.com:aud"),
            "audience",
        ),
        (
            lambda d: _condition(d)["StringEquals"].pop("token.actions.githubusercontent.com:sub"),
            "one `sub` claim",
        ),
        (
            lambda d: _condition(d)["StringEquals"].update({SUB: "repo:example-org/*"}),
            "does not name the repository with its id, a GitHub environment, the run's ref",
        ),
        (  # the name alone: a repository created under it later gets the same subject
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: DEPLOY_SUB.replace(f":repository_id:{REPOSITORY_ID}", "")}
            ),
            "does not name the repository with its id",
        ),
        (  # a wildcard where the immutable form has the owner's id
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("@24681357/", "@*/")}
            ),
            "does not name the repository with its id",
        ),
        (  # ... or the repository's
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("/comments@123456789:", "/comments@*:")}
            ),
            "does not name the repository with its id",
        ),
        (  # any owner under the immutable form
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("repo:example-org@", "repo:*@")}
            ),
            "does not name the repository with its id",
        ),
        (  # an id that is not digits
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("@24681357/", "@x/")}
            ),
            "does not name the repository with its id",
        ),
        (  # half of the immutable form: GitHub sends both ids or neither
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("@24681357/", "/")}
            ),
            "neither repo:OWNER/REPO nor repo:OWNER@OWNER_ID/REPO@REPO_ID",
        ),
        (  # two repositories' ids in one subject: no token matches it
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: IMMUTABLE_DEPLOY_SUB.replace("/comments@123456789:", "/comments@987654321:")}
            ),
            "the repository's id in the repo segment and the repository_id claim differ",
        ),
        (  # a run on a branch that calls the workflow at main
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: DEPLOY_SUB.replace("ref:refs/heads/main", "ref:refs/heads/x")}
            ),
            "the run's ref and the workflow's ref differ",
        ),
        (
            lambda d: _condition(d).update({"StringLike": {SUB: "repo:x/y:*"}}),
            "exactly one `sub`",
        ),
        (  # the default template's subject: any workflow of the repository in that environment
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: f"repo:{REPOSITORY}:environment:dev"}
            ),
            "job_workflow_ref",
        ),
        (
            lambda d: _condition(d)["StringEquals"].update(
                {SUB: DEPLOY_SUB.replace("heads/main", "heads/*")}
            ),
            "wildcard beyond a PR number",
        ),
        (  # a pull request's token in the dev environment could deploy
            lambda d: _condition(d).update(
                {
                    "StringEquals": {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                    },
                    "StringLike": {SUB: PR_SUB.replace("preview-dev", "dev")},
                }
            ),
            "a pull request in a deploy environment",
        ),
        (
            lambda d: _condition(d)["StringEquals"].update({SUB: PR_SUB}),
            "StringLike exactly when it has '*'",
        ),
        (
            lambda d: _condition(d).update({"StringNotEquals": {SUB: "repo:x/y"}}),
            "only StringEquals/Like/NotLike",
        ),
    ],
)
def test_trust_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(good_trust())
    mutate(doc)
    assert any(expected in f for f in trust_findings(doc))


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s.update(Action=["*"]), "whole service"),
        (lambda s: s.update(Action=["dynamodb:*"]), "whole service"),
        (lambda s: s.update(Resource="*"), "Resource '*' for ['dynamodb:CreateTable'"),
        (lambda s: s.update(NotResource=["x"]), "NotAction/NotResource"),
        (lambda s: s.update(Action=["iam:PassRole"], Condition={}), "PassedToService"),
    ],
)
def test_permission_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(documents.deploy_policy(SCOPE))
    mutate(doc["Statement"][0])
    assert any(expected in f for f in permission_findings(doc))


def test_resource_star_is_only_for_actions_iam_authorises_on_no_resource() -> None:
    doc = copy.deepcopy(documents.preview_policy(SCOPE))
    (reads,) = [s for s in doc["Statement"] if s["Resource"] == ["*"]]
    assert {a.lower() for a in reads["Action"]} <= checks.RESOURCELESS_ACTIONS
    assert permission_findings(doc) == []
    reads["Action"].append("application-autoscaling:RegisterScalableTarget")
    assert permission_findings(doc) == [
        "ScalingReadsHaveNoResourceLevelPermissions: Resource '*' for "
        "['application-autoscaling:RegisterScalableTarget'] (scope it to the stack's ARNs; only "
        "actions IAM authorises on no resource may use '*')"
    ]


def test_the_guards_resourceless_actions_are_the_programs() -> None:
    """The pack's copy of the list (it cannot import the program) names the same actions."""
    assert {a.lower() for a in documents.SCALING_DESCRIBE_ACTIONS} == checks.RESOURCELESS_ACTIONS


@pytest.mark.parametrize(
    "condition",
    [
        {},
        {"StringLike": {"iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com"}},
        {"StringEquals": {"iam:AWSServiceName": "*.application-autoscaling.amazonaws.com"}},
        {"StringEquals": {"iam:AWSServiceName": ["a.amazonaws.com", "b.amazonaws.com"]}},
    ],
)
def test_service_linked_roles_only_of_one_named_service(condition: dict[str, Any]) -> None:
    doc = copy.deepcopy(documents.deploy_policy(SCOPE))
    linked = _sid(doc, "DynamoDbScalingServiceLinkedRoleOnly")
    assert permission_findings(doc) == []
    linked["Condition"] = condition
    assert permission_findings(doc) == [
        "DynamoDbScalingServiceLinkedRoleOnly: iam:CreateServiceLinkedRole without a "
        "StringEquals iam:AWSServiceName condition naming one service"
    ]


def test_rules_read_json_strings_as_the_engine_passes_them() -> None:
    import json

    assert trust_findings(json.dumps(good_trust())) == []


def _sid(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    (found,) = [s for s in doc["Statement"] if s.get("Sid") == sid]
    assert isinstance(found, dict)
    return found


def _bounded(doc: dict[str, Any]) -> dict[str, Any]:
    return _sid(doc, "IntegrationRoleWritesRequireTheBoundary")


def _allow(doc: dict[str, Any], actions: list[str], resource: str) -> None:
    doc["Statement"].append(
        {"Sid": "Added", "Effect": "Allow", "Action": actions, "Resource": [resource]}
    )


ROLES = "arn:aws:iam::111122223333:role/comments-dev-*"
BOUNDARIES = "arn:aws:iam::111122223333:policy/github-pipeline/*"
BOUNDARY_CONDITION = "IntegrationRoleWritesRequireTheBoundary: iam:CreateRole without a StringEquals iam:PermissionsBoundary condition naming one boundary policy under /github-pipeline/"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(lambda d: _bounded(d).pop("Condition"), BOUNDARY_CONDITION, id="no-condition"),
        pytest.param(
            lambda d: _bounded(d).update(
                Condition={"StringLike": _bounded(d)["Condition"]["StringEquals"]}
            ),
            BOUNDARY_CONDITION,
            id="string-like",
        ),
        pytest.param(
            lambda d: _bounded(d)["Condition"]["StringEquals"].update(
                {"iam:PermissionsBoundary": BOUNDARIES}
            ),
            BOUNDARY_CONDITION,
            id="wildcard-boundary",
        ),
        pytest.param(
            lambda d: _bounded(d)["Condition"]["StringEquals"].update(
                {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"}
            ),
            BOUNDARY_CONDITION,
            id="boundary-outside-pipeline-path",
        ),
        pytest.param(
            lambda d: _allow(d, ["iam:AttachRolePolicy"], ROLES),
            "Added: iam:AttachRolePolicy without a StringEquals iam:PermissionsBoundary",
            id="attach-unbounded",
        ),
        pytest.param(
            lambda d: _allow(d, ["iam:Put*"], ROLES),
            "Added: iam:PutRolePolicy without a StringEquals iam:PermissionsBoundary",
            id="wildcard-put-unbounded",
        ),
        pytest.param(
            lambda d: _allow(d, ["iam:DeleteRolePermissionsBoundary"], ROLES),
            "Added: allows iam:DeleteRolePermissionsBoundary",
            id="allow-delete-boundary",
        ),
        pytest.param(
            lambda d: d["Statement"].remove(_sid(d, "NeverRemoveABoundary")),
            f"no unconditional Deny of iam:DeleteRolePermissionsBoundary on ['{ROLES}']",
            id="no-deny-of-delete-boundary",
        ),
        pytest.param(
            lambda d: _sid(d, "NeverRemoveABoundary").update(
                Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
            ),
            "no unconditional Deny of iam:DeleteRolePermissionsBoundary",
            id="conditional-deny-of-delete-boundary",
        ),
        pytest.param(
            lambda d: _allow(d, ["iam:CreatePolicyVersion"], BOUNDARIES),
            "Added: allows iam:CreatePolicyVersion (a boundary policy could be rewritten)",
            id="rewrite-boundary",
        ),
        pytest.param(
            lambda d: _allow(d, ["iam:SetDefault*"], BOUNDARIES),
            "Added: allows iam:SetDefaultPolicyVersion",
            id="roll-back-boundary",
        ),
    ],
)
def test_role_write_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(documents.deploy_policy(SCOPE))
    mutate(doc)
    findings = role_write_findings(doc)
    assert any(expected in f for f in findings), findings


TABLES = "arn:aws:dynamodb:eu-west-1:111122223333:table/comments-dev-*"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(
            lambda s: s.update(Action=["dynamodb:*"]),
            "boundary allows 'dynamodb:*' (only dynamodb:DeleteItem, dynamodb:Query and "
            "dynamodb:UpdateItem on tables, or execute-api:Invoke in a statement of its own)",
            id="dynamodb-star",
        ),
        pytest.param(
            lambda s: s["Action"].append("dynamodb:Scan"),
            "boundary allows 'dynamodb:Scan'",
            id="extra-action",
        ),
        pytest.param(
            lambda s: s["Action"].append("iam:PassRole"),
            "boundary allows 'iam:PassRole'",
            id="other-service",
        ),
        pytest.param(
            lambda s: s.update(Resource="*"),
            "boundary resource '*' is not a DynamoDB table ARN",
            id="any-resource",
        ),
        pytest.param(
            lambda s: s.update(Resource=["arn:aws:dynamodb:eu-west-1:111122223333:table/*"]),
            "is not a DynamoDB table ARN",
            id="every-table",
        ),
        pytest.param(
            lambda s: s.update(Resource=[TABLES.replace("111122223333", "*")]),
            "is not a DynamoDB table ARN",
            id="any-account",
        ),
        pytest.param(
            lambda s: s.update(NotAction=s.pop("Action")),
            "boundary uses NotAction/NotResource",
            id="not-action",
        ),
    ],
)
def test_boundary_rule_catches(mutate: Any, expected: str) -> None:
    doc = copy.deepcopy(documents.boundary_policy(SCOPE))
    assert doc["Statement"][0]["Resource"] == [TABLES]
    mutate(doc["Statement"][0])
    findings = boundary_findings(doc)
    assert any(expected in f for f in findings), findings
