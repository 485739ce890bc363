"""Every resource lives in the stack's region.

pulumi-aws 7 gives (almost) every resource an optional `region` input that deploys it into another
region than its provider's. Everything the stack assumes is per region: its alarms and dashboard
watch the stack's region, the budget's prices are that region's, the IAM rules compare ARNs the
program builds from it, and the data stays where the stack says. So a resource's `region` is
unset (the provider's) or the stack's region, an AWS provider resource names the stack's region
itself (an unset one would take whatever AWS_REGION or a profile says), and a table keeps no
replicas in other regions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from comments_policy.common import TABLE, ConfigMissing, as_list, label, mapping, misconfigured

STACK_REGION = "resources-in-stack-region"
REGION = "region"
AWS_PROVIDER = "pulumi:providers:aws"
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def config_region(config: Mapping[str, Any]) -> str:
    value = config.get(REGION)
    if not isinstance(value, str) or not _REGION.match(value):
        raise ConfigMissing(
            f"policy parameter '{REGION}' is missing or not an AWS region name (e.g. us-east-1)"
        )
    return value


def _stack_region(args: ResourceValidationArgs, report: ReportViolation) -> None:
    provider = args.resource_type == AWS_PROVIDER
    # A region unknown at preview raises here, and the policy reports it could not run.
    value = args.props.get(REGION)
    replicas = (
        [mapping(r).get("regionName") for r in as_list(args.props.get("replicas"))]
        if args.resource_type == TABLE
        else []
    )
    if value is None and not provider and not replicas:
        return
    try:
        region = config_region(args.get_config())
    except ConfigMissing as error:
        misconfigured(report, STACK_REGION, error)
        return
    subject = f"provider '{args.name}'" if provider else label(args.resource_type, args.name)
    if value is None and provider:
        report(
            f"{STACK_REGION}: {subject} sets no region, so it would deploy wherever its "
            f"environment (AWS_REGION, a profile) points; set region to this stack's, {region}",
            None,
        )
    elif value is not None and value != region:
        report(
            f"{STACK_REGION}: {subject} sets region {value!r}; this stack deploys to {region} "
            "(region), where its alarms, budget and IAM rules look",
            None,
        )
    # A replica is the table's data in another region (a global table): nothing here needs one.
    elsewhere = [r for r in replicas if r != region]
    if elsewhere:
        report(
            f"{STACK_REGION}: {subject} replicates its data to {', '.join(map(repr, elsewhere))} "
            f"(replicas); this stack's data stays in {region} (region)",
            None,
        )


POLICIES = [
    ResourceValidationPolicy(
        name=STACK_REGION,
        description=(
            "Every resource's region is unset or the stack's region, an AWS provider sets the "
            "stack's region, and no table replicates to another region."
        ),
        validate=_stack_region,
        config_schema=PolicyConfigSchema(
            properties={
                REGION: {
                    "type": "string",
                    "pattern": _REGION.pattern,
                    "description": (
                        "This stack's AWS region: the stack's aws:region (Pulumi.yaml's value "
                        "unless the stack file sets its own)."
                    ),
                }
            },
            required=[REGION],
        ),
    ),
]
