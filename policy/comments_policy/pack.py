"""The pack's identity and its policies, importable without starting the analyzer server.

`policy/__main__.py` hands these to `PolicyPack` (which serves them to the Pulumi CLI); the offline
check (`python -m tooling.policy_check`) evaluates the very same policy objects.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy

from comments_policy import apigateway, dynamodb, iam, operations, stack

PACK_NAME = "comments-guardrails"
# A policy the stack's config does not mention blocks: forgetting a line must not open access.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

POLICIES: list[Policy] = [
    *iam.POLICIES,
    *dynamodb.POLICIES,
    *apigateway.POLICIES,
    *stack.POLICIES,
    *operations.POLICIES,
]
