"""The bootstrap's synthesized roles: who may assume them, and what they may do."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from checks import RESOURCELESS_ACTIONS, permission_findings, trust_findings
from comments_bootstrap import documents
from comments_bootstrap.access import PipelineAccessArgs
from pack import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel

from tests.bootstrap.conftest import (
    ACCOUNT,
    FORMS,
    OWNER_ID,
    REPOSITORY,
    REPOSITORY_ID,
    SUBJECT_PREFIXES,
    github_sub,
    plan_bootstrap,
)
from tests.bootstrap.iam_eval import Request, decide
from tooling.offline_runner import Plan, PlannedResource
from tooling.policy_check import Pack, PolicySettings, analyze

ENVIRONMENTS = ("dev", "staging", "prod")
SUB = "token.actions.githubusercontent.com:sub"
REGION = "eu-west-1"
# The physical names a comments stack gives its resources (`comments-<stack>-...-<suffix>`).
LIST_ONLY = "ListLogGroupsNeedsAllGroupsArn"  # logs:DescribeLogGroups, authorised on log-group:*


def stack_arns(env: str) -> list[str]:
    return [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments-{env}-table-1a2b3c4",
        f"arn:aws:iam::{ACCOUNT}:role/comments-{env}-integration-role-1a2b3c4",
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:comments-{env}-access-logs-1a2b3c4",
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:comments-{env}-api-5xx-rate",
        f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/comments-{env}",
        f"arn:aws:sns:{REGION}:{ACCOUNT}:comments-{env}-alarms",
        f"arn:aws:budgets::{ACCOUNT}:budget/comments-{env}-monthly",
    ]


def boundary_arn(env: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:policy/github-pipeline/comments-{env}-integration-boundary"


def roles(plan: Plan) -> dict[str, PlannedResource]:
    return {r.name: r for r in plan.of_type("aws:iam/role:Role")}


def inline_policy(plan: Plan, role_name: str) -> dict[str, Any]:
    (policy,) = [
        r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == f"{role_name}-access"
    ]
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    (found,) = [s for s in document["Statement"] if s.get("Sid") == sid]
    assert isinstance(found, dict)
    return found


def test_a_deploy_and_a_preview_role_per_environment(plan: Plan) -> None:
    expected = {f"comments-{kind}-{env}" for kind in ("deploy", "preview") for env in ENVIRONMENTS}
    assert expected <= set(roles(plan))
    assert set(plan.outputs["deployRoleArns"]) == set(ENVIRONMENTS)
    assert plan.outputs["deployRoleArns"]["prod"] == (
        f"arn:aws:iam::{ACCOUNT}:role/github-pipeline/comments-deploy-prod"
    )


def trusted_subjects(role: PlannedResource) -> list[str]:
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust_findings(trust) == [], role.urn
    subjects = []
    for statement in trust["Statement"]:
        assert statement["Principal"]["Federated"].endswith(
            "oidc-provider/token.actions.githubusercontent.com"
        )
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        condition = statement["Condition"]
        assert condition["StringEquals"]["token.actions.githubusercontent.com:aud"] == (
            "sts.amazonaws.com"
        )
        (operator,) = [op for op in ("StringEquals", "StringLike") if SUB in condition.get(op, {})]
        subjects.append(condition[operator][SUB])
        if operator == "StringLike":  # no more claims than the subject names (documents.py)
            assert condition["StringNotLike"] == {SUB: "*:*:*:*:*:*:*:*:*:*:*"}
    return subjects


@pytest.fixture(scope="module")
def immutable_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return plan_bootstrap(tmp_path_factory.mktemp("immutable"), form="immutable")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deploy_role_trusts_only_the_deploy_workflow_on_main_in_its_environment(
    plan: Plan, immutable_plan: Plan, env: str
) -> None:
    workflow = "deploy-environment.yml@refs/heads/main"
    assert trusted_subjects(roles(plan)[f"comments-deploy-{env}"]) == [
        f"repo:example-org/comments:repository_id:123456789:environment:{env}"
        f":ref:refs/heads/main:job_workflow_ref:example-org/comments/.github/workflows/{workflow}"
    ]
    # Immutable subject claims: the `repo` segment carries both ids, nothing else changes.
    assert trusted_subjects(roles(immutable_plan)[f"comments-deploy-{env}"]) == [
        "repo:example-org@24681357/comments@123456789:repository_id:123456789"
        f":environment:{env}:ref:refs/heads/main"
        f":job_workflow_ref:example-org/comments/.github/workflows/{workflow}"
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_preview_role_trusts_pr_previews_drift_checks_and_the_proof_kit_in_its_preview_environment(
    plan: Plan, immutable_plan: Plan, env: str
) -> None:
    for bootstrap, repo in (
        (plan, "example-org/comments"),
        (immutable_plan, "example-org@24681357/comments@123456789"),
    ):
        assert trusted_subjects(roles(bootstrap)[f"comments-preview-{env}"]) == [
            f"repo:{repo}:repository_id:123456789:environment:preview-{env}:ref:refs/pull/*/merge"
            ":job_workflow_ref:example-org/comments/.github/workflows/pr.yml@refs/pull/*/merge",
            f"repo:{repo}:repository_id:123456789:environment:preview-{env}:ref:refs/heads/main"
            ":job_workflow_ref:example-org/comments/.github/workflows/drift.yml@refs/heads/main",
            f"repo:{repo}:repository_id:123456789:environment:preview-{env}:ref:refs/heads/main"
            ":job_workflow_ref:example-org/comments/.github/workflows/verify.yml@refs/heads/main",
        ]


@pytest.mark.parametrize("form", FORMS)
def test_the_roles_trust_the_sub_in_githubs_documented_format(
    plan: Plan, immutable_plan: Plan, form: str
) -> None:
    """The trusts, compared with the subjects written from GitHub's format (conftest)."""
    bootstrap = immutable_plan if form == "immutable" else plan
    for env in ENVIRONMENTS:
        deploy = github_sub(env, "deploy-environment.yml", "refs/heads/main", form=form)
        assert trusted_subjects(roles(bootstrap)[f"comments-deploy-{env}"]) == [deploy]
        preview = [
            github_sub(f"preview-{env}", "pr.yml", "refs/pull/*/merge", form=form),
            github_sub(f"preview-{env}", "drift.yml", "refs/heads/main", form=form),
            github_sub(f"preview-{env}", "verify.yml", "refs/heads/main", form=form),
        ]
        assert trusted_subjects(roles(bootstrap)[f"comments-preview-{env}"]) == preview


@pytest.mark.parametrize("kind", ["deploy", "preview"])
def test_role_policies_pass_the_guard(plan: Plan, kind: str) -> None:
    for env in ENVIRONMENTS:
        assert permission_findings(inline_policy(plan, f"comments-{kind}-{env}")) == [], env


def test_deploy_policy_is_scoped_to_the_stacks_names(plan: Plan) -> None:
    policy = inline_policy(plan, "comments-deploy-dev")
    region = REGION
    assert statement(policy, "Tables")["Resource"] == [
        f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/comments-dev-*"
    ]
    for sid in (
        "IntegrationRoleWritesRequireTheBoundary",
        "IntegrationRoleWritesCappedByTheBoundary",
        "ReadIntegrationRoles",
        "PassIntegrationRoleToApiGatewayOnly",
    ):
        assert statement(policy, sid)["Resource"] == [
            f"arn:aws:iam::{ACCOUNT}:role/comments-dev-*"
        ], sid
    assert statement(policy, "PassIntegrationRoleToApiGatewayOnly")["Condition"] == {
        "StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}
    }
    apis = f"arn:aws:apigateway:{region}::/restapis"
    assert statement(policy, "NewRestApisTaggedForThisStack")["Resource"] == [apis]
    assert statement(policy, "NewRestApisTaggedForThisStack")["Condition"] == {
        "StringEquals": {"aws:RequestTag/stack": "dev"}
    }
    assert statement(policy, "RestApisTaggedForThisStack")["Resource"] == [
        f"{apis}/*",
        f"arn:aws:apigateway:{region}::/tags/*",
    ]
    assert statement(policy, "RestApisTaggedForThisStack")["Condition"] == {
        "StringEquals": {"aws:ResourceTag/stack": "dev"}
    }


def resourceless(statement: dict[str, Any]) -> bool:
    """Reads IAM authorises on no resource (the guard's list): `*` is their only form."""
    return all(a.lower() in RESOURCELESS_ACTIONS for a in statement["Action"])


def allowed_patterns(document: dict[str, Any]) -> list[str]:
    """Resource patterns of the Allow statements that name resources."""
    return [
        pattern
        for s in document["Statement"]
        if s["Effect"] == "Allow" and not resourceless(s)
        for pattern in s["Resource"]
    ]


def test_deploy_roles_cannot_touch_the_pipelines_own_roles_or_boundaries(plan: Plan) -> None:
    """The stacks' `role/comments-<env>-*` grant must not reach what the bootstrap made."""
    own = [r.state["arn"] for r in roles(plan).values()]
    own += [p.state["arn"] for p in plan.of_type("aws:iam/policy:Policy")]
    assert len(own) == 3 * 2 + 1 + 1 + 3  # deploy/preview per env, logging, break-glass
    for env in ENVIRONMENTS:
        patterns = allowed_patterns(inline_policy(plan, f"comments-deploy-{env}"))
        for arn in own:
            assert not any(fnmatch.fnmatchcase(arn, p) for p in patterns), (env, arn)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_environments_roles_reach_only_its_own_names(plan: Plan, env: str) -> None:
    """Even in one shared account, an environment's roles cannot touch another's table, role
    or log group (REST APIs excepted: their ARNs carry no name)."""
    for kind in ("deploy", "preview"):
        policy = inline_policy(plan, f"comments-{kind}-{env}")
        patterns = [
            pattern
            for s in policy["Statement"]
            if s["Effect"] == "Allow" and s.get("Sid") != LIST_ONLY and not resourceless(s)
            for pattern in s["Resource"]
        ]
        for arn in stack_arns(env):
            assert any(fnmatch.fnmatchcase(arn, p) for p in patterns), (kind, arn)
        for other in set(ENVIRONMENTS) - {env}:
            for arn in stack_arns(other):
                assert not any(fnmatch.fnmatchcase(arn, p) for p in patterns), (kind, arn)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deploy_role_creates_roles_only_with_its_own_boundary(plan: Plan, env: str) -> None:
    (boundary,) = [
        p
        for p in plan.of_type("aws:iam/policy:Policy")
        if p.name == f"comments-{env}-integration-boundary"
    ]
    assert (
        boundary.state["arn"] == boundary_arn(env) == plan.outputs["integrationBoundaryArns"][env]
    )
    policy = inline_policy(plan, f"comments-deploy-{env}")
    bounded = statement(policy, "IntegrationRoleWritesRequireTheBoundary")
    assert "iam:CreateRole" in bounded["Action"]
    assert "iam:PutRolePolicy" in bounded["Action"]
    assert bounded["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary_arn(env)}}
    assert statement(policy, "NoBoundaryButThisEnvironments")["Condition"] == {
        "StringNotEquals": {"iam:PermissionsBoundary": boundary_arn(env)}
    }
    never = statement(policy, "NeverRemoveABoundary")
    assert never["Effect"] == "Deny"
    assert never["Action"] == ["iam:DeleteRolePermissionsBoundary"]
    # Role writes on any other statement could bypass the boundary.
    writes = {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"}
    for s in policy["Statement"]:
        if s["Effect"] == "Allow" and s is not bounded:
            assert not writes & set(s["Action"]), s["Sid"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_boundary_allows_the_two_integration_calls_on_its_tables(plan: Plan, env: str) -> None:
    (boundary,) = [
        p
        for p in plan.of_type("aws:iam/policy:Policy")
        if p.name == f"comments-{env}-integration-boundary"
    ]
    assert boundary.inputs["path"] == "/github-pipeline/"
    tables, apis = json.loads(boundary.inputs["policy"])["Statement"]
    assert tables["Effect"] == apis["Effect"] == "Allow"
    assert tables["Action"] == ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    assert tables["Resource"] == [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments-{env}-*"]
    assert apis["Action"] == ["execute-api:Invoke"]
    assert apis["Resource"] == [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*"]


def guard_findings(plan: Plan) -> list[str]:
    settings = {p.name: PolicySettings(EnforcementLevel.MANDATORY, {}) for p in POLICIES}
    pack = Pack(PACK_NAME, EnforcementLevel.MANDATORY, POLICIES)
    return [f.line() for f in analyze(plan, pack, settings)]


def test_the_guard_pack_passes_the_planned_program(plan: Plan) -> None:
    assert guard_findings(plan) == []


def test_the_guard_pack_fails_a_deploy_role_without_the_boundary_condition(plan: Plan) -> None:
    (deploy,) = [r for r in plan.resources if r.name == "comments-deploy-dev-access"]
    document = json.loads(deploy.inputs["policy"])
    statement(document, "IntegrationRoleWritesRequireTheBoundary").pop("Condition")
    deploy.inputs["policy"] = json.dumps(document)
    findings = guard_findings(plan)
    assert findings, "the pack accepted a deploy role that creates unbounded roles"
    assert all("role-writes-carry-boundary" in f and deploy.urn in f for f in findings)
    assert any(
        "iam:CreateRole without a StringEquals iam:PermissionsBoundary" in f for f in findings
    )


def test_config_defaults_come_from_pulumi_yaml(tmp_path: Path) -> None:
    plan = plan_bootstrap(tmp_path, defaults={"resourcePrefix": "svc-", "environments": ["qa"]})
    assert set(plan.outputs["deployRoleArns"]) == {"qa"}
    policy = inline_policy(plan, "comments-deploy-qa")
    assert statement(policy, "Tables")["Resource"] == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/svc-qa-*"
    ]


def test_state_access_is_per_stack(plan: Plan) -> None:
    bucket = f"comments-pulumi-state-{ACCOUNT}-{REGION}"
    deploy = statement(inline_policy(plan, "comments-deploy-staging"), "StateOfThisStack")
    assert deploy["Action"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    assert f"arn:aws:s3:::{bucket}/.pulumi/stacks/comments/staging.json*" in deploy["Resource"]
    assert all("/staging" in key for key in deploy["Resource"])
    preview = statement(inline_policy(plan, "comments-preview-staging"), "StateOfThisStack")
    assert preview["Action"] == ["s3:GetObject"], "previews never write state"
    assert plan.outputs["backendUrl"] == f"s3://{bucket}?region=eu-west-1"


def test_preview_policy_is_read_only(plan: Plan) -> None:
    for env in ENVIRONMENTS:
        for s in inline_policy(plan, f"comments-preview-{env}")["Statement"]:
            for action in s["Action"]:
                verb = action.split(":")[1]
                # kms: secret config; ViewBudget is Budgets' only read of a budget
                reads = action in ("apigateway:GET", "kms:Decrypt", "budgets:ViewBudget")
                assert verb.startswith(("Get", "List", "Describe")) or reads, f"{env}: {action}"


def test_state_bucket_is_private_versioned_encrypted_and_protected(plan: Plan) -> None:
    bucket = plan.one("aws:s3/bucket:Bucket")
    assert bucket.protect, bucket.urn
    assert plan.one("aws:s3/bucketVersioning:BucketVersioning").inputs[
        "versioningConfiguration"
    ] == {"status": "Enabled"}
    block = plan.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(block[k] for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
    assert block["restrictPublicBuckets"]
    tls = json.loads(plan.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert tls["Statement"][0]["Effect"] == "Deny"
    plan.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )


def test_api_gateway_logging_role_is_set_account_wide(plan: Plan) -> None:
    account = plan.one("aws:apigateway/account:Account")
    role = roles(plan)["comments-pipeline-apigateway-logging"]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}, (
        role.urn
    )
    assert account.inputs["cloudwatchRoleArn"] == role.state["arn"]


def test_api_gateway_writes_only_the_stacks_access_logs(plan: Plan) -> None:
    """The account-wide role API Gateway writes access logs with reaches the comments stacks'
    log groups only: a stage whose destination names another group gets nothing written."""
    assert plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []
    policy = inline_policy(plan, "comments-pipeline-apigateway-logging")
    assert permission_findings(policy) == []
    groups = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    access_logs = f"{groups}comments-prod-access-logs-1a2b3c4:log-stream:x"
    assert decide([policy], Request("logs:PutLogEvents", access_logs)) == "Allow"
    assert decide([policy], Request("logs:CreateLogStream", access_logs)) == "Allow"
    for group in (f"aws-cloudtrail-logs-{ACCOUNT}", "/aws/lambda/billing", "other-app"):
        stream = f"{groups}{group}:log-stream:x"
        assert decide([policy], Request("logs:PutLogEvents", stream)) == "ImplicitDeny", group
    for read in ("logs:GetLogEvents", "logs:FilterLogEvents"):
        assert decide([policy], Request(read, access_logs)) == "ImplicitDeny", read


def test_pulumi_cloud_setup_has_no_bucket_and_no_state_grants(tmp_path: Path) -> None:
    plan = plan_bootstrap(tmp_path, createStateBucket=False, manageApiGatewayAccount=False)
    assert plan.of_type("aws:s3/bucket:Bucket") == []
    assert plan.of_type("aws:apigateway/account:Account") == []
    sids = {s.get("Sid") for s in inline_policy(plan, "comments-deploy-dev")["Statement"]}
    assert not any(str(sid).startswith("State") for sid in sids)


def test_existing_oidc_provider_is_reused(tmp_path: Path) -> None:
    existing = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    plan = plan_bootstrap(tmp_path, oidcProviderArn=existing, environments=["prod"])
    assert plan.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider") == []
    assert set(plan.outputs["deployRoleArns"]) == {"prod"}
    trust = json.loads(roles(plan)["comments-deploy-prod"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"]["Federated"] == existing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"github_repository": "comments"}, "githubRepository='comments'"),
        ({"github_repository": "org/*"}, "githubRepository='org/*'"),
        ({"github_repository_id": "example-org/comments"}, "githubRepositoryId='example-org/"),
        ({"github_owner_id": "example-org"}, "githubOwnerId='example-org': GitHub's numeric id"),
        ({"github_repository_id": ""}, "githubRepositoryId not set"),
        ({"github_owner_id": "", "github_subject_prefix": ""}, "githubOwnerId, githubSubjectPr"),
        (  # the name with ids that are not the repository's
            {"github_subject_prefix": "repo:example-org@1/comments@123456789"},
            "githubSubjectPrefix='repo:example-org@1/comments@123456789': GitHub sends",
        ),
        (  # a wildcard where GitHub sends an id
            {"github_subject_prefix": "repo:example-org@*/comments@*"},
            "githubSubjectPrefix='repo:example-org@*/comments@*': GitHub sends",
        ),
        (  # half of the immutable form
            {"github_subject_prefix": "repo:example-org/comments@123456789"},
            "githubSubjectPrefix='repo:example-org/comments@123456789'",
        ),
        (  # IAM's StringEquals is case-sensitive: the spelling GitHub sends, or no token matches
            {"github_subject_prefix": "repo:Example-Org/comments"},
            "githubSubjectPrefix='repo:Example-Org/comments'",
        ),
        ({"github_subject_prefix": "immutable"}, "githubSubjectPrefix='immutable'"),
        ({"environments": []}, "environments=[]"),
        ({"environments": ["dev", "dev"]}, "environments=['dev', 'dev']"),
        ({"environments": ["dev*"]}, "environment 'dev*': a stack name"),
        (
            {"environments": ["dev", "dev-eu"]},
            "environment 'dev': its deploy role's `dev-*` names would cover ['dev-eu']",
        ),
        ({"resource_prefix": "*"}, "resourcePrefix='*'"),
        ({"resource_prefix": "github-"}, "resourcePrefix='github-' would cover"),
    ],
)
def test_invalid_settings_fail_early(kwargs: dict[str, Any], message: str) -> None:
    settings: dict[str, Any] = {
        "github_repository": REPOSITORY,
        "github_repository_id": REPOSITORY_ID,
        "github_owner_id": OWNER_ID,
        "github_subject_prefix": SUBJECT_PREFIXES["name"],
        "environments": ["dev"],
        "resource_prefix": "comments-",
        "stack_project": "comments",
        "oidc_provider_arn": "",
        "create_state_bucket": True,
        "manage_apigateway_account": True,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("*", r"\*")):
        PipelineAccessArgs(**settings)


def test_a_deploy_policy_needs_the_accounts_dynamodb_key() -> None:
    """Without the ARN of aws/dynamodb the policy would need `key/*`: refused, not widened."""
    for key in (
        "",
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*",
        "arn:aws:kms:eu-west-1:444455556666:key/1",
    ):
        scope = documents.Scope(
            "aws", ACCOUNT, "eu-west-1", "dev", "comments-", "comments", "b", dynamodb_key_arn=key
        )
        with pytest.raises(ValueError, match="the ARN of aws/dynamodb"):
            documents.deploy_policy(scope)


def test_documents_scope_state_keys_to_the_stack() -> None:
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1"
    scope = documents.Scope(
        "aws", ACCOUNT, "eu-west-1", "dev", "comments-", "comments", "b", dynamodb_key_arn=key
    )
    keys = statement(documents.deploy_policy(scope), "StateOfThisStack")["Resource"]
    assert "arn:aws:s3:::b/.pulumi/locks/organization/comments/dev/*" in keys


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_aws_stack_files_hold_no_passphrase_secrets(env: str) -> None:
    """The pipeline has no passphrase to give Pulumi: an AWS stack's file names either no
    secrets provider (Pulumi Cloud) or the bootstrap's awskms key with its encrypted data key
    (S3), never a passphrase's salt; its comment says how the S3 keys get there."""
    path = Path(__file__).resolve().parents[2] / "environments" / f"Pulumi.{env}.yaml"
    text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert "encryptionsalt" not in document
    provider = document.get("secretsprovider")
    if provider is not None:
        assert provider.startswith(f"awskms://alias/comments-{env}-secrets?region=")
        assert document.get("encryptedkey")
    assert f"--secrets-provider <the bootstrap's secretsProviders.{env}>" in text


# What an operator sees who sets only githubRepository: every missing key at once, and the two
# commands that print them (GitHub's REST API: the repository's `id` and `owner.id`, and the
# repository's OIDC subject settings).
UNSET_GITHUB_IDS = (
    "githubOwnerId, githubRepositoryId, githubSubjectPrefix not set: the roles trust exactly the "
    "`sub` GitHub sends for example-org/comments. "
    "`gh api repos/example-org/comments --jq '{id: .id, owner_id: .owner.id}'` prints "
    "githubRepositoryId (id) and githubOwnerId (owner_id); "
    "`gh api repos/example-org/comments/actions/oidc/customization/sub` prints "
    "githubSubjectPrefix (sub_claim_prefix: repo:example-org/comments, or "
    "repo:example-org@<owner_id>/comments@<id> for a repository with immutable subject claims)"
)


def test_unset_ids_and_prefix_are_one_error_with_the_commands_that_print_them(
    tmp_path: Path,
) -> None:
    with pytest.raises(Exception) as raised:
        plan_bootstrap(
            tmp_path, githubRepositoryId=None, githubOwnerId=None, githubSubjectPrefix=None
        )
    assert UNSET_GITHUB_IDS in str(raised.value)
    assert str(raised.value).count("not set") == 1


def test_a_prefix_that_is_neither_form_names_both(tmp_path: Path) -> None:
    with pytest.raises(Exception) as raised:
        plan_bootstrap(tmp_path, githubSubjectPrefix="repo:example-org/comments@123456789")
    assert (
        "githubSubjectPrefix='repo:example-org/comments@123456789': GitHub sends "
        "'repo:example-org/comments' or 'repo:example-org@24681357/comments@123456789' for "
        "example-org/comments with these ids; set the one "
        "`gh api repos/example-org/comments/actions/oidc/customization/sub` reports as "
        "sub_claim_prefix"
    ) in str(raised.value)
