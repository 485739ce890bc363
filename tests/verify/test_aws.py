"""The AWS checks against recorded answers (botocore Stubbers): each passes on a correctly
bootstrapped and deployed account, and each kind of difference fails its row or leaves it not run."""

from __future__ import annotations

import pytest

from tests.verify import aws_answers as answers
from tests.verify.recorded import Stubs
from verify import aws, cases, repo
from verify.report import Check, Status

pytestmark = pytest.mark.slow

IDENTITY = repo.RepositoryIdentity(
    "example-org/comments", "123456789", "1", "repo:example-org/comments"
)


@pytest.fixture(scope="module")
def bootstrap() -> repo.BootstrapSettings:
    return repo.bootstrap_settings()


def account(stack: str, bootstrap: repo.BootstrapSettings) -> aws.Account:
    return answers.account_of(stack, repo.stack_settings(stack), bootstrap)


def resolved(stack: str, bootstrap: repo.BootstrapSettings) -> tuple[Stubs, aws.Account]:
    """Stubs with the resolve answers consumed, and the Account the kit resolved from them."""
    settings = repo.stack_settings(stack)
    stubs = Stubs(settings.region)
    answers.queue_resolve(stubs, stack)
    return stubs, aws.resolve(stubs, settings, bootstrap, answers.outputs(stack))


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def test_resolve_reads_the_account_keys_and_the_integration_role(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)
    stubs.assert_done()
    assert found.account_id == answers.ACCOUNT
    assert found.value("dynamodb_key").endswith(answers.DYNAMODB_KEY_ID)
    assert found.value("env_key").endswith("key/dev-secrets-id")
    # Not in this account (NotFound): a key ARN the policy does not name stands for it.
    assert found.value("other_key").endswith("key/prod-secrets-key")
    assert (
        found.value("table")
        == "arn:aws:dynamodb:us-east-1:111111111111:table/comments-dev-table-1a2b3c4"
    )
    assert found.integration_role_arn == answers.INTEGRATION_ROLE.format(
        account=answers.ACCOUNT, stack="dev"
    )
    assert found.other_environment == "prod"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_simulation_answered_as_expected_passes(
    stack: str, bootstrap: repo.BootstrapSettings
) -> None:
    stubs, found = resolved(stack, bootstrap)
    sent = answers.queue_simulations(stubs, found)
    checks = aws.iam_checks(stubs, found)
    stubs.assert_done()
    assert sent > 150
    assert [c.status for c in checks] == [Status.PASS] * len(checks), checks
    names = {c.name for c in checks}
    protected = "iam: deploy role keeps its protected table protected"
    assert (protected in names) is (stack == "prod")
    assert "iam: moderator role allows the moderation routes" in names


def test_an_escalation_the_simulator_allows_fails_its_row(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)

    def decide(row: aws.RoleCheck, request: aws.Simulation) -> str:
        if row.kind == "deploy" and request.case.name == "break-glass to API Gateway":
            return "allowed"
        return answers.expected_decision(row, request)

    answers.queue_simulations(stubs, found, decide)
    checks = by_name(aws.iam_checks(stubs, found))
    row = checks["iam: deploy role refuses escalation attempts"]
    assert row.status is Status.FAIL
    assert (
        "break-glass to API Gateway: iam:PassRole on arn:aws:iam::111111111111:role/github-pipeline/comments-break-glass was allowed"
        in row.detail
    )
    assert checks["iam: preview role refuses escalation attempts"].status is Status.PASS


def test_a_needed_action_the_simulator_denies_fails_its_row(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)

    def decide(row: aws.RoleCheck, request: aws.Simulation) -> str:
        if (
            row.kind == "integration"
            and request.action == "dynamodb:DeleteItem"
            and row.expect_allowed
        ):
            return "implicitDeny"
        return answers.expected_decision(row, request)

    answers.queue_simulations(stubs, found, decide)
    row = by_name(aws.iam_checks(stubs, found))[
        "iam: integration role allows the API's DynamoDB calls"
    ]
    assert row.status is Status.FAIL
    assert "delete a comment: dynamodb:DeleteItem" in row.detail


def test_a_simulation_the_credentials_may_not_run_leaves_the_row_not_run(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)
    rows = aws.role_checks(found)
    for row in rows:
        for _ in row.applicable:
            stubs.error(
                "iam",
                "simulate_principal_policy",
                "AccessDenied",
                "not authorized to perform: iam:SimulatePrincipalPolicy",
                403,
            )
    checks = aws.iam_checks(stubs, found)
    assert {c.status for c in checks} == {Status.NOT_RUN}
    assert "AccessDenied" in checks[0].detail


def test_without_stack_outputs_the_program_roles_are_not_run(
    bootstrap: repo.BootstrapSettings,
) -> None:
    settings = repo.stack_settings("dev")
    stubs = Stubs(settings.region)
    # Without outputs there is no API id, so the integration role is not looked up.
    answers.queue_resolve(stubs, "dev", integration=False)
    missing = aws.Missing("no stack outputs: the Pulumi CLI is not installed (or pass --outputs)")
    found = aws.resolve(stubs, settings, bootstrap, missing)
    answers.queue_simulations(stubs, found)
    checks = by_name(aws.iam_checks(stubs, found))
    for name in (
        "iam: integration role allows the API's DynamoDB calls",
        "iam: moderator role allows the moderation routes",
    ):
        assert checks[name].status is Status.NOT_RUN
        assert "Pulumi CLI is not installed" in checks[name].detail
    assert checks["iam: deploy role allows what a deploy needs"].status is Status.PASS


def test_boundaries_of_the_program_roles(bootstrap: repo.BootstrapSettings) -> None:
    stubs, found = resolved("dev", bootstrap)
    answers.queue_boundaries(stubs, found)
    (ok,) = aws.boundary_check(stubs, found)
    assert ok.status is Status.PASS
    answers.queue_boundaries(stubs, found, boundary="arn:aws:iam::aws:policy/AdministratorAccess")
    (wrong,) = aws.boundary_check(stubs, found)
    assert wrong.status is Status.FAIL
    assert "AdministratorAccess" in wrong.detail


def documents(stubs: Stubs, found: aws.Account) -> list[aws.Reviewed]:
    return aws.reviewed_documents(stubs, found, IDENTITY)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_document_validates_and_grants_no_new_access(
    stack: str, bootstrap: repo.BootstrapSettings
) -> None:
    stubs, found = resolved(stack, bootstrap)
    reviewed = documents(stubs, found)
    answers.queue_analyzer(stubs, reviewed)
    checks = aws.analyzer_checks(stubs, reviewed)
    stubs.assert_done()
    assert len(checks) == 2 * len(reviewed)
    assert [c.status for c in checks] == [Status.PASS] * len(checks), [
        c for c in checks if c.status is not Status.PASS
    ]
    names = {d.name for d in reviewed}
    assert {
        f"deploy role policy ({stack})",
        "moderator role trust",
        "alarm topic policy",
        "state bucket policy",
    } <= names
    assert ("break-glass role policy" in names) is True  # staging and prod are protected by default


def test_a_security_warning_fails_validation(bootstrap: repo.BootstrapSettings) -> None:
    stubs, found = resolved("dev", bootstrap)
    reviewed = documents(stubs, found)
    answers.queue_analyzer(
        stubs,
        reviewed,
        findings={"deploy role policy (dev)": [answers.finding("SECURITY_WARNING")]},
    )
    checks = by_name(aws.analyzer_checks(stubs, reviewed))
    row = checks["analyzer: deploy role policy (dev) validates"]
    assert row.status is Status.FAIL
    assert "SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE" in row.detail
    assert checks["analyzer: preview role policy (dev) validates"].status is Status.PASS


def test_an_error_finding_fails_validation(bootstrap: repo.BootstrapSettings) -> None:
    stubs, found = resolved("dev", bootstrap)
    reviewed = documents(stubs, found)
    answers.queue_analyzer(
        stubs,
        reviewed,
        findings={"alarm topic policy": [answers.finding("ERROR", "MISSING_PRINCIPAL")]},
    )
    row = by_name(aws.analyzer_checks(stubs, reviewed))["analyzer: alarm topic policy validates"]
    assert row.status is Status.FAIL and "ERROR MISSING_PRINCIPAL" in row.detail


def test_a_deployed_policy_with_new_access_fails(bootstrap: repo.BootstrapSettings) -> None:
    stubs, found = resolved("dev", bootstrap)
    reviewed = documents(stubs, found)
    reason = "Statement 0 grants iam:PassRole on role/*"
    answers.queue_analyzer(stubs, reviewed, new_access={"preview role policy (dev)": reason})
    row = by_name(aws.analyzer_checks(stubs, reviewed))[
        "analyzer: preview role policy (dev) deployed grants no new access"
    ]
    assert row.status is Status.FAIL
    assert reason in row.detail


def test_a_managed_policy_attached_to_a_role_fails(bootstrap: repo.BootstrapSettings) -> None:
    stubs, found = resolved("dev", bootstrap)
    reviewed = documents(stubs, found)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    answers.queue_analyzer(stubs, reviewed, attached={"deploy role policy (dev)": [admin]})
    checks = aws.analyzer_checks(stubs, reviewed)
    stubs.assert_done()
    row = by_name(checks)["analyzer: deploy role policy (dev) deployed grants no new access"]
    assert row.status is Status.FAIL
    assert admin in row.detail


def test_a_deployed_document_the_credentials_cannot_read_is_not_run(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)
    (topic,) = [d for d in documents(stubs, found) if d.name == "alarm topic policy"]
    stubs.add("accessanalyzer", "validate_policy", {"findings": []})
    stubs.error("sns", "get_topic_attributes", "AuthorizationError", "not authorized", 403)
    validate, compare = aws.analyzer_checks(stubs, [topic])
    assert validate.status is Status.PASS
    assert compare.status is Status.NOT_RUN
    assert "get_topic_attributes: AuthorizationError" in compare.detail


def test_a_reviewed_document_that_cannot_be_built_is_not_run(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)
    found.values["dynamodb_key"] = aws.Missing(
        "describe_key: AccessDeniedException: not authorized"
    )
    reviewed = aws.reviewed_documents(stubs, found, aws.Missing("GET /repos/x: 403"))
    rows = by_name(
        aws.analyzer_checks(stubs, [d for d in reviewed if d.name.startswith("deploy role")])
    )
    for row in rows.values():
        assert row.status is Status.NOT_RUN
    assert "AccessDeniedException" in rows["analyzer: deploy role policy (dev) validates"].detail
    assert "403" in rows["analyzer: deploy role trust (dev) validates"].detail


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_deployed_stack_matches_its_policy_config(
    stack: str, bootstrap: repo.BootstrapSettings
) -> None:
    stubs, found = resolved(stack, bootstrap)
    answers.queue_stack(stubs, found)
    checks = aws.stack_checks(stubs, found)
    stubs.assert_done()
    assert [c.status for c in checks] == [Status.PASS] * 5, checks


@pytest.mark.parametrize(
    ("changes", "row", "expected"),
    [
        (
            {"rate": 21.0},
            "stack: stage throttling within the policy config's caps",
            "above the cap of 20",
        ),
        (
            {"burst": -1},
            "stack: stage throttling within the policy config's caps",
            "throttling off",
        ),
        (
            {"actions_enabled": False},
            "stack: alarms exist with actions enabled on the stack's topic",
            "actions disabled",
        ),
        ({"budget": "100.0"}, "stack: budget limit equals the policy config's", "limit 100 USD"),
    ],
)
def test_a_stack_that_differs_from_its_policy_config_fails(
    changes: dict[str, object], row: str, expected: str, bootstrap: repo.BootstrapSettings
) -> None:
    stubs, found = resolved("dev", bootstrap)
    answers.queue_stack(stubs, found, **changes)  # type: ignore[arg-type]
    check = by_name(aws.stack_checks(stubs, found))[row]
    assert check.status is Status.FAIL
    assert expected in check.detail


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"pitr": False}, "point-in-time recovery is DISABLED"),
        ({"deletion_protection": False}, "deletion protection is off"),
    ],
)
def test_a_protected_table_without_its_protection_fails(
    changes: dict[str, bool], expected: str, bootstrap: repo.BootstrapSettings
) -> None:
    stubs, found = resolved("prod", bootstrap)
    answers.queue_stack(stubs, found, **changes)  # type: ignore[arg-type]
    check = by_name(aws.stack_checks(stubs, found))[
        "stack: table protection (deletion protection, PITR, SSE)"
    ]
    assert check.status is Status.FAIL
    assert expected in check.detail


def test_dev_needs_no_table_protection(bootstrap: repo.BootstrapSettings) -> None:
    """dev's policy config disables dynamodb-data-protection: PITR off passes there."""
    stubs, found = resolved("dev", bootstrap)
    answers.queue_stack(stubs, found, pitr=False, deletion_protection=False)
    check = by_name(aws.stack_checks(stubs, found))[
        "stack: table protection (deletion protection, PITR, SSE)"
    ]
    assert check.status is Status.PASS
    assert "not required" in check.detail


def test_a_missing_budget_fails_and_an_unreadable_stage_is_not_run(
    bootstrap: repo.BootstrapSettings,
) -> None:
    stubs, found = resolved("dev", bootstrap)
    stubs.error("apigateway", "get_stage", "AccessDeniedException", "not authorized", 403)
    stubs.error(
        "budgets",
        "describe_budget",
        "NotFoundException",
        "Unable to get budget: comments-dev-monthly",
    )
    throttling = aws.throttling_check(stubs, found)
    (budget,) = aws.budget_check(stubs, found)
    assert throttling.status is Status.NOT_RUN and "AccessDeniedException" in throttling.detail
    assert budget.status is Status.FAIL and "no budget named comments-dev-monthly" in budget.detail


def test_credentials_of_another_account_fail_the_account_row(
    bootstrap: repo.BootstrapSettings,
) -> None:
    settings = repo.stack_settings("prod")
    found = answers.account_of("prod", settings, bootstrap)
    assert aws.account_check(found).status is Status.PASS
    found.account_id = answers.ACCOUNT
    check = aws.account_check(found)
    assert check.status is Status.FAIL and "333333333333" in check.detail


def test_every_template_name_is_one_the_kit_fills(bootstrap: repo.BootstrapSettings) -> None:
    found = account("prod", bootstrap)
    groups = [group for _, _, group, _ in cases.ROLE_CASES]
    for group in groups:
        for case in group:
            aws.simulation(case, found)  # raises Unavailable or KeyError on an unknown name
