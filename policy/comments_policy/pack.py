"""The pack's identity and its policies, importable without starting the analyzer server.

`policy/__main__.py` hands these to `PolicyPack` (which serves them to the Pulumi CLI); the offline
check (`python -m tooling.policy_check`) evaluates the very same policy objects.
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import EnforcementLevel, Policy

from comments_policy import (
    apigateway,
    dynamodb,
    iam,
    inputs,
    operations,
    options,
    references,
    region,
    resource_types,
    stack,
)
from comments_policy.decidable import fail_closed

PACK_NAME = "comments-guardrails"
# A policy the stack's config does not mention blocks: forgetting a line must not open access.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

# Every policy goes through fail_closed: one it cannot decide at preview is a violation at its own
# level, never the analyzer's advisory "can't run" (comments_policy/decidable.py).
POLICIES: list[Policy] = fail_closed(
    [
        *resource_types.POLICIES,
        *region.POLICIES,
        *iam.POLICIES,
        *dynamodb.POLICIES,
        *apigateway.POLICIES,
        *inputs.POLICIES,
        *stack.POLICIES,
        *references.POLICIES,
        *operations.POLICIES,
        *options.POLICIES,
    ]
)

# Config checks a JSON schema cannot express, run by the offline check when it loads a config
# (policy name -> errors for its reconciled properties). The CLI never calls these, so each
# policy also reports an unusable config as a violation when it runs.
CONFIG_CHECKS: dict[str, Callable[[dict[str, object]], list[str]]] = {
    resource_types.ALLOWED_TYPES: resource_types.check_config,
}
