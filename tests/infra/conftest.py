"""Plans of the real program, one per stack, shared by the unit tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tooling.offline_runner import Plan, PlannedResource, run_stack

STACKS = ("local", "dev", "staging", "prod")
_plans: dict[str, Plan] = {}


def plan_for(stack: str) -> Plan:
    if stack not in _plans:
        _plans[stack] = run_stack(stack)
    return _plans[stack]


@pytest.fixture(params=STACKS)
def plan(request: pytest.FixtureRequest) -> Plan:
    return plan_for(request.param)


def api_document(plan: Plan) -> dict[str, Any]:
    api: PlannedResource = plan.one("aws:apigateway/restApi:RestApi")
    document: dict[str, Any] = json.loads(api.inputs["body"])
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
