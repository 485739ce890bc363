"""The offline runner records which resources each input came from, as the engine does.

`make policy` must give stack policies the same propertyDependencies the Pulumi CLI gives them:
the URNs the SDK sends with each RegisterResource, per input, and nothing for a `.get` (the engine
keeps reads out of the stack's resources).
"""

from __future__ import annotations

from pathlib import Path

from tests.policy.builders import PACK, prod_settings
from tooling.offline_runner import Plan, PlannedResource, run_stack
from tooling.policy_check import analyze

RULE = "stack-references-own-resources"


def named(plan: Plan, suffix: str) -> PlannedResource:
    [found] = [r for r in plan.resources if r.name.endswith(suffix)]
    return found


def test_each_input_lists_the_resources_its_value_came_from() -> None:
    plan = run_stack("prod")
    api, deployment = named(plan, "-api"), named(plan, "-deployment")
    stage, logs, table = named(plan, "-stage"), named(plan, "-access-logs"), named(plan, "-table")
    assert stage.property_dependencies == {
        "restApi": [api.urn],
        "deployment": [deployment.urn],
        "accessLogSettings": [logs.urn],
        "stageName": [],  # a literal of the program's config
        "tags": [],
    }
    assert named(plan, "-throttling").property_dependencies["stageName"] == [stage.urn]
    assert named(plan, "-read-scaling").property_dependencies["resourceId"] == [table.urn]
    role = named(plan, "-integration-role")
    assert named(plan, "-integration-access").property_dependencies == {
        "role": [role.urn],
        "policy": [table.urn],
    }


def test_a_get_is_left_out_of_the_stack_and_a_value_from_it_is_foreign(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        'api = aws.apigateway.RestApi.get("foreign-api", "a1b2c3d4e5")\n'
        'aws.apigateway.Deployment("bypass-deployment", rest_api=api.id)\n',
        encoding="utf-8",
    )
    plan = run_stack("prod", program_dir=tmp_path)
    [deployment] = plan.resources
    assert deployment.inputs["restApi"] == "a1b2c3d4e5"
    [read] = deployment.property_dependencies["restApi"]
    assert read.endswith("aws:apigateway/restApi:RestApi::foreign-api")
    found = [f for f in analyze(plan, PACK, prod_settings()) if f.policy == RULE]
    assert [f.message for f in found] == [
        f"{RULE}: Deployment 'bypass-deployment' restApi is 'a1b2c3d4e5', not taken from a "
        "RestApi of this stack (it depends on no resource of this stack); pass its output "
        "(rest_api=api.id) so the rules that check the RestApi cover what this uses"
    ]
