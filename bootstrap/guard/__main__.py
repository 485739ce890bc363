"""Policy pack for the bootstrap stack: the roles it creates stay least-privilege."""

from typing import Any

from checks import permission_findings, trust_findings
from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)


def _report(args: ResourceValidationArgs, report: ReportViolation, findings: list[str]) -> None:
    for finding in findings:
        report(f"{args.urn}: {finding}", None)


def _role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != "aws:iam/role:Role":
        return
    props: dict[str, Any] = dict(args.props)
    if "assumeRolePolicy" in props:
        _report(args, report, trust_findings(props["assumeRolePolicy"]))


def _permissions(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"):
        return
    if "policy" in args.props:
        _report(args, report, permission_findings(args.props["policy"]))


PolicyPack(
    name="comments-bootstrap-guard",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
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
    ],
)
