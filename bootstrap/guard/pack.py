"""The guard's policies, wired to the rules in checks.py; __main__ serves them to the CLI and the
tests run them through tooling/policy_check.py against the planned bootstrap."""

from __future__ import annotations

from typing import Any

from checks import (
    PIPELINE_PATH,
    boundary_findings,
    permission_findings,
    role_write_findings,
    trust_findings,
)
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

PACK_NAME = "comments-bootstrap-guard"
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY
POLICY_DOCUMENTS = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")


def _report(args: ResourceValidationArgs, report: ReportViolation, findings: list[str]) -> None:
    for finding in findings:
        report(f"{args.urn}: {finding}", None)


def _document(args: ResourceValidationArgs) -> Any:
    if args.resource_type in POLICY_DOCUMENTS and "policy" in args.props:
        return args.props["policy"]
    return None


def _role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == "aws:iam/role:Role" and "assumeRolePolicy" in args.props:
        _report(args, report, trust_findings(args.props["assumeRolePolicy"]))


def _permissions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (document := _document(args)) is not None:
        _report(args, report, permission_findings(document))


def _role_writes(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (document := _document(args)) is not None:
        _report(args, report, role_write_findings(document))


def _boundary(args: ResourceValidationArgs, report: ReportViolation) -> None:
    # Managed policies on the pipeline's path are the boundaries the deploy roles must attach.
    if args.resource_type != "aws:iam/policy:Policy" or args.props.get("path") != PIPELINE_PATH:
        return
    if (document := _document(args)) is not None:
        _report(args, report, boundary_findings(document))


POLICIES: list[Policy] = [
    ResourceValidationPolicy(
        name="github-trust-pinned",
        description="Roles GitHub can assume pin the audience and one exact sub claim.",
        validate=_role,
    ),
    ResourceValidationPolicy(
        name="no-wildcard-permissions",
        description="Role policies grant named actions on scoped resources only.",
        validate=_permissions,
    ),
    ResourceValidationPolicy(
        name="role-writes-carry-boundary",
        description="Role creation and policy writes require the pipeline's boundary, which no "
        "role may delete and no policy write may change.",
        validate=_role_writes,
    ),
    ResourceValidationPolicy(
        name="integration-boundary-dynamodb-only",
        description="Integration-role boundaries allow dynamodb:Query/UpdateItem on tables only.",
        validate=_boundary,
    ),
]
