"""Every AWS call pulumi-aws makes for the stacks' resource types gets a well-formed answer.

moto runs as the local environment runs it (``python -m emulator.moto_backend``, fixes applied,
answering over HTTP); each test sends one call of tests/moto_backend/provider_calls.py with boto3,
after making the resource with its type's Create calls, and checks the answer carries what the
provider reads from it. A call the provider waits to fail (a table gone after DeleteTable) must
fail with the error it waits for.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator import environment
from tests.moto_backend.provider_calls import ALLOWED_AWS_TYPES, PROVIDER_CALLS, ProviderCall
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.server

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
TAGS = {"stack": "local", "project": "comments"}
POLICY_DIR = REPO_ROOT / "policy" / "config"
CALLS_DOC = REPO_ROOT / "docs" / "reference" / "provider-calls.md"


# -- moto, started as the local environment starts it ---------------------------------------------


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = environment.free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    command = [
        sys.executable,
        "-m",
        "emulator.moto_backend",
        "--host",
        environment.HOST,
        "--port",
        str(port),
        "--log-file",
        str(log),
    ]
    child = subprocess.Popen(command, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 60
        while not environment._answers(port):
            if child.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto did not start: {log.read_text() if log.exists() else ''}")
            time.sleep(0.1)
        yield f"http://{environment.HOST}:{port}"
    finally:
        child.terminate()
        child.wait(timeout=30)


@pytest.fixture(scope="module")
def clients(moto_url: str) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = boto3.client(
                service,
                region_name=REGION,
                endpoint_url=moto_url,
                aws_access_key_id="test",
                aws_secret_access_key="test",
                config=Config(retries={"max_attempts": 1}),
            )
        return made[service]

    return client


@dataclass
class World:
    """One test's clients, and the ids of what its Create calls made."""

    client: Callable[[str], Any]
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    ids: dict[str, Any] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)

    def name(self, base: str) -> str:
        return f"comments-{base}-{self.suffix}"


Step = Callable[[World], None]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def as_dict(tags: list[dict[str, str]]) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags}


def error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    code: str = raised.value.response["Error"]["Code"]
    return code


# -- API Gateway ----------------------------------------------------------------------------------

API_DOCUMENT = {
    "openapi": "3.0.1",
    "info": {"title": "comments", "version": "1"},
    "paths": {
        "/comments": {
            "options": {
                "responses": {"200": {"description": "preflight"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": '{"statusCode": 200}'},
                    "responses": {"default": {"statusCode": "200"}},
                },
            },
            "get": {
                "responses": {"200": {"description": "a page of comments"}},
                "x-amazon-apigateway-integration": {
                    "type": "aws",
                    "httpMethod": "POST",
                    "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/Query",
                    "credentials": f"arn:aws:iam::{ACCOUNT}:role/comments-integration",
                    "requestTemplates": {"application/json": "{}"},
                    "responses": {"default": {"statusCode": "200"}},
                },
            },
        }
    },
}


def rest_api_arn(api_id: str) -> str:
    return f"arn:aws:apigateway:{REGION}::/restapis/{api_id}"


def stage_arn(api_id: str, stage: str) -> str:
    return f"{rest_api_arn(api_id)}/stages/{stage}"


def apigw(world: World) -> Any:
    return world.client("apigateway")


def create_rest_api(world: World) -> None:
    answer = apigw(world).create_rest_api(
        name=world.name("api"), description="Comments API", tags=TAGS
    )
    assert answer["name"] == world.name("api") and answer["id"]
    world.ids["api"] = answer["id"]


def put_rest_api(world: World) -> None:
    answer = apigw(world).put_rest_api(
        restApiId=world.ids["api"], mode="overwrite", body=json.dumps(API_DOCUMENT).encode()
    )
    assert answer["id"] == world.ids["api"]
    resources = apigw(world).get_resources(restApiId=world.ids["api"])["items"]
    assert {"/", "/comments"} <= {resource["path"] for resource in resources}


def update_rest_api(world: World) -> None:
    answer = apigw(world).update_rest_api(
        restApiId=world.ids["api"],
        patchOperations=[{"op": "replace", "path": "/description", "value": "Comments API v2"}],
    )
    assert answer["description"] == "Comments API v2"


def get_rest_api(world: World) -> None:
    answer = apigw(world).get_rest_api(restApiId=world.ids["api"])
    assert answer["id"] == world.ids["api"] and answer["name"] == world.name("api")
    assert answer["createdDate"] and answer["tags"] == TAGS


def get_resources(world: World) -> None:
    items = apigw(world).get_resources(restApiId=world.ids["api"])["items"]
    assert [item["id"] for item in items if item["path"] == "/"]


def tag_rest_api(world: World) -> None:
    apigw(world).tag_resource(resourceArn=rest_api_arn(world.ids["api"]), tags={"owner": "team"})
    assert apigw(world).get_rest_api(restApiId=world.ids["api"])["tags"] == {
        **TAGS,
        "owner": "team",
    }


def untag_rest_api(world: World) -> None:
    apigw(world).untag_resource(resourceArn=rest_api_arn(world.ids["api"]), tagKeys=["project"])
    assert apigw(world).get_rest_api(restApiId=world.ids["api"])["tags"] == {"stack": "local"}


def delete_rest_api(world: World) -> None:
    apigw(world).delete_rest_api(restApiId=world.ids["api"])
    assert error_code(lambda: apigw(world).get_rest_api(restApiId=world.ids["api"])) == (
        "NotFoundException"
    )


def create_deployment(world: World) -> None:
    answer = apigw(world).create_deployment(
        restApiId=world.ids["api"], description="Re-created whenever the API document changes"
    )
    assert answer["id"] and answer["createdDate"]
    world.ids["deployment"] = answer["id"]


def get_deployment(world: World) -> None:
    answer = apigw(world).get_deployment(
        restApiId=world.ids["api"], deploymentId=world.ids["deployment"]
    )
    assert answer["id"] == world.ids["deployment"] and answer["createdDate"]
    assert answer["description"] == "Re-created whenever the API document changes"


def update_deployment(world: World) -> None:
    answer = apigw(world).update_deployment(
        restApiId=world.ids["api"],
        deploymentId=world.ids["deployment"],
        patchOperations=[{"op": "replace", "path": "/description", "value": "second"}],
    )
    assert answer["id"] == world.ids["deployment"] and answer["description"] == "second"
    assert (
        apigw(world).get_deployment(
            restApiId=world.ids["api"], deploymentId=world.ids["deployment"]
        )["description"]
        == "second"
    )


def get_legacy_stage(world: World) -> None:
    # A deployment made with the deprecated stage_name makes that stage as well.
    legacy = apigw(world).create_deployment(restApiId=world.ids["api"], stageName="legacy")
    world.ids["legacy_deployment"] = legacy["id"]
    answer = apigw(world).get_stage(restApiId=world.ids["api"], stageName="legacy")
    assert answer["deploymentId"] == legacy["id"]


def delete_legacy_stage(world: World) -> None:
    apigw(world).delete_stage(restApiId=world.ids["api"], stageName="legacy")
    assert error_code(
        lambda: apigw(world).get_stage(restApiId=world.ids["api"], stageName="legacy")
    ) == ("NotFoundException")


def delete_deployment(world: World) -> None:
    apigw(world).delete_deployment(restApiId=world.ids["api"], deploymentId=world.ids["deployment"])
    assert error_code(
        lambda: apigw(world).get_deployment(
            restApiId=world.ids["api"], deploymentId=world.ids["deployment"]
        )
    ) == ("NotFoundException")


def create_stage(world: World) -> None:
    answer = apigw(world).create_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        deploymentId=world.ids["deployment"],
        tags=TAGS,
    )
    assert answer["stageName"] == "v1" and answer["deploymentId"] == world.ids["deployment"]


def stage_access_logs(world: World) -> None:
    destination = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{world.name('access')}"
    answer = apigw(world).update_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": destination},
            {
                "op": "replace",
                "path": "/accessLogSettings/format",
                "value": '{"id":"$context.requestId"}',
            },
        ],
    )
    assert answer["accessLogSettings"] == {
        "destinationArn": destination,
        "format": '{"id":"$context.requestId"}',
    }


def get_stage(world: World) -> None:
    answer = apigw(world).get_stage(restApiId=world.ids["api"], stageName="v1")
    assert answer["stageName"] == "v1" and answer["deploymentId"] == world.ids["deployment"]
    assert answer["tags"] == TAGS and answer["accessLogSettings"]["destinationArn"]


def update_stage(world: World) -> None:
    answer = apigw(world).update_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        patchOperations=[
            {"op": "replace", "path": "/description", "value": "the only stage"},
            {"op": "replace", "path": "/tracingEnabled", "value": "false"},
        ],
    )
    assert answer["description"] == "the only stage" and answer["tracingEnabled"] is False


def tag_stage(world: World) -> None:
    apigw(world).tag_resource(resourceArn=stage_arn(world.ids["api"], "v1"), tags={"owner": "x"})
    tags = apigw(world).get_stage(restApiId=world.ids["api"], stageName="v1")["tags"]
    assert tags == {**TAGS, "owner": "x"}


def untag_stage(world: World) -> None:
    apigw(world).untag_resource(resourceArn=stage_arn(world.ids["api"], "v1"), tagKeys=["stack"])
    tags = apigw(world).get_stage(restApiId=world.ids["api"], stageName="v1")["tags"]
    assert tags == {"project": "comments"}


def delete_stage(world: World) -> None:
    apigw(world).delete_stage(restApiId=world.ids["api"], stageName="v1")
    assert error_code(
        lambda: apigw(world).get_stage(restApiId=world.ids["api"], stageName="v1")
    ) == ("NotFoundException")


def put_method_settings(world: World) -> None:
    answer = apigw(world).update_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "OFF"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "200"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100.000000"},
        ],
    )
    settings = answer["methodSettings"]["*/*"]
    assert settings["loggingLevel"] == "OFF"
    assert settings["throttlingBurstLimit"] == 200 and settings["throttlingRateLimit"] == 100.0


def get_method_settings(world: World) -> None:
    stage = apigw(world).get_stage(restApiId=world.ids["api"], stageName="v1")
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 200


def update_method_settings(world: World) -> None:
    answer = apigw(world).update_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        patchOperations=[{"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "300"}],
    )
    assert answer["methodSettings"]["*/*"]["throttlingBurstLimit"] == 300


def delete_method_settings(world: World) -> None:
    answer = apigw(world).update_stage(
        restApiId=world.ids["api"],
        stageName="v1",
        patchOperations=[{"op": "remove", "path": "/*/*"}],
    )
    assert "*/*" not in answer.get("methodSettings", {})


# -- Application Auto Scaling ---------------------------------------------------------------------

SCALING = "application-autoscaling"
READ_UNITS = "dynamodb:table:ReadCapacityUnits"


def scaling(world: World) -> Any:
    return world.client(SCALING)


def target_key(world: World) -> dict[str, Any]:
    return {
        "ServiceNamespace": "dynamodb",
        "ResourceId": f"table/{world.ids['table']}",
        "ScalableDimension": READ_UNITS,
    }


def described_targets(world: World) -> list[dict[str, Any]]:
    key = target_key(world)
    targets: list[dict[str, Any]] = scaling(world).describe_scalable_targets(
        ServiceNamespace="dynamodb",
        ResourceIds=[key["ResourceId"]],
        ScalableDimension=READ_UNITS,
    )["ScalableTargets"]
    return targets


def target_tags(world: World) -> dict[str, str]:
    tags: dict[str, str] = scaling(world).list_tags_for_resource(
        ResourceARN=world.ids["target_arn"]
    )["Tags"]
    return tags


def register_target(world: World) -> None:
    answer = scaling(world).register_scalable_target(
        **target_key(world), MinCapacity=1, MaxCapacity=5, Tags=TAGS
    )
    assert answer["ScalableTargetARN"].startswith(f"arn:aws:application-autoscaling:{REGION}:")
    world.ids["target_arn"] = answer["ScalableTargetARN"]


def describe_target(world: World) -> None:
    [target] = described_targets(world)
    assert target["ScalableTargetARN"] == world.ids["target_arn"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 5)


def list_target_tags(world: World) -> None:
    assert target_tags(world) == TAGS


def reregister_target(world: World) -> None:
    answer = scaling(world).register_scalable_target(
        **target_key(world), MinCapacity=1, MaxCapacity=10
    )
    assert answer["ScalableTargetARN"] == world.ids["target_arn"]
    [target] = described_targets(world)
    assert target["MaxCapacity"] == 10
    assert target_tags(world) == TAGS  # tags are set at creation only


def tag_target(world: World) -> None:
    scaling(world).tag_resource(ResourceARN=world.ids["target_arn"], Tags={"owner": "team"})
    assert target_tags(world) == {**TAGS, "owner": "team"}


def untag_target(world: World) -> None:
    scaling(world).untag_resource(ResourceARN=world.ids["target_arn"], TagKeys=["stack"])
    assert target_tags(world) == {"project": "comments"}


def deregister_target(world: World) -> None:
    scaling(world).deregister_scalable_target(**target_key(world))


def target_is_gone(world: World) -> None:
    assert described_targets(world) == []
    assert error_code(lambda: target_tags(world)) == "ResourceNotFoundException"


def policy_key(world: World) -> dict[str, Any]:
    return {**target_key(world), "PolicyName": world.name("read-scaling")}


def put_policy(world: World, target_value: float = 70.0) -> None:
    answer = scaling(world).put_scaling_policy(
        **policy_key(world),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": target_value,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "DynamoDBReadCapacityUtilization"
            },
            "ScaleInCooldown": 300,
            "ScaleOutCooldown": 60,
        },
    )
    assert answer["PolicyARN"] and isinstance(answer["Alarms"], list)


def described_policies(world: World) -> list[dict[str, Any]]:
    key = policy_key(world)
    policies: list[dict[str, Any]] = scaling(world).describe_scaling_policies(
        PolicyNames=[key["PolicyName"]],
        ServiceNamespace="dynamodb",
        ResourceId=key["ResourceId"],
        ScalableDimension=READ_UNITS,
    )["ScalingPolicies"]
    return [p for p in policies if p["PolicyName"] == key["PolicyName"]]


def describe_policy(world: World) -> None:
    [policy] = described_policies(world)
    assert policy["PolicyARN"] and policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0


def update_policy(world: World) -> None:
    put_policy(world, 60.0)
    [policy] = described_policies(world)
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60.0


def delete_policy(world: World) -> None:
    scaling(world).delete_scaling_policy(**policy_key(world))
    assert described_policies(world) == []


# -- Budgets --------------------------------------------------------------------------------------


def budgets(world: World) -> Any:
    return world.client("budgets")


def budget_arn(world: World) -> str:
    return f"arn:aws:budgets::{ACCOUNT}:budget/{world.name('monthly')}"


def budget_body(world: World, amount: str) -> dict[str, Any]:
    return {
        "BudgetName": world.name("monthly"),
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": amount, "Unit": "USD"},
        "CostFilters": {"TagKeyValue": ["user:stack$local"]},
        "TimePeriod": {"Start": 1_767_225_600, "End": 3_706_473_600},
    }


def notification(kind: str, threshold: float = 100.0) -> dict[str, Any]:
    return {
        "NotificationType": kind,
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": threshold,
        "ThresholdType": "PERCENTAGE",
    }


def sns_subscriber(world: World) -> dict[str, str]:
    return {"SubscriptionType": "SNS", "Address": world.ids["topic_arn"]}


def budget_notifications(world: World) -> list[dict[str, Any]]:
    notifications: list[dict[str, Any]] = budgets(world).describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName=world.name("monthly")
    )["Notifications"]
    return notifications


def budget_tags(world: World) -> dict[str, str]:
    answer = budgets(world).list_tags_for_resource(ResourceARN=budget_arn(world))
    return as_dict(answer["ResourceTags"])


def create_budget(world: World) -> None:
    budgets(world).create_budget(
        AccountId=ACCOUNT, Budget=budget_body(world, "5.0"), ResourceTags=tag_list(TAGS)
    )


def describe_budget(world: World) -> None:
    budget = budgets(world).describe_budget(AccountId=ACCOUNT, BudgetName=world.name("monthly"))[
        "Budget"
    ]
    assert budget["BudgetName"] == world.name("monthly") and budget["BudgetType"] == "COST"
    assert budget["BudgetLimit"] == {"Amount": "5.0", "Unit": "USD"}
    assert budget["TimePeriod"]["Start"] and budget["TimeUnit"] == "MONTHLY"


def create_notifications(world: World) -> None:
    for kind in ("FORECASTED", "ACTUAL"):
        budgets(world).create_notification(
            AccountId=ACCOUNT,
            BudgetName=world.name("monthly"),
            Notification=notification(kind),
            Subscribers=[sns_subscriber(world)],
        )
    assert len(budget_notifications(world)) == 2


def describe_notifications(world: World) -> None:
    kinds = sorted(n["NotificationType"] for n in budget_notifications(world))
    assert kinds == ["ACTUAL", "FORECASTED"]


def describe_subscribers(world: World) -> None:
    for each in budget_notifications(world):  # as the provider does: the notification as read
        answer = budgets(world).describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName=world.name("monthly"), Notification=each
        )
        assert answer["Subscribers"] == [sns_subscriber(world)]


def list_budget_tags(world: World) -> None:
    assert budget_tags(world) == TAGS


def update_budget(world: World) -> None:
    budgets(world).update_budget(AccountId=ACCOUNT, NewBudget=budget_body(world, "10.0"))
    budget = budgets(world).describe_budget(AccountId=ACCOUNT, BudgetName=world.name("monthly"))[
        "Budget"
    ]
    assert budget["BudgetLimit"] == {"Amount": "10.0", "Unit": "USD"}
    assert len(budget_notifications(world)) == 2 and budget_tags(world) == TAGS


def delete_notification(world: World) -> None:
    budgets(world).delete_notification(
        AccountId=ACCOUNT, BudgetName=world.name("monthly"), Notification=notification("ACTUAL")
    )
    assert [n["NotificationType"] for n in budget_notifications(world)] == ["FORECASTED"]


def add_notification(world: World) -> None:
    budgets(world).create_notification(
        AccountId=ACCOUNT,
        BudgetName=world.name("monthly"),
        Notification=notification("ACTUAL", 80.0),
        Subscribers=[sns_subscriber(world)],
    )
    assert sorted(n["Threshold"] for n in budget_notifications(world)) == [80.0, 100.0, 100.0]


def tag_budget(world: World) -> None:
    budgets(world).tag_resource(
        ResourceARN=budget_arn(world), ResourceTags=[{"Key": "owner", "Value": "team"}]
    )
    assert budget_tags(world) == {**TAGS, "owner": "team"}


def untag_budget(world: World) -> None:
    budgets(world).untag_resource(ResourceARN=budget_arn(world), ResourceTagKeys=["stack"])
    assert budget_tags(world) == {"project": "comments"}


def delete_budget(world: World) -> None:
    budgets(world).delete_budget(AccountId=ACCOUNT, BudgetName=world.name("monthly"))
    # Every read of a budget that is gone is NotFoundException (the provider's "deleted").
    gone = {"AccountId": ACCOUNT, "BudgetName": world.name("monthly")}
    reads: list[Callable[[], Any]] = [
        lambda: budgets(world).describe_budget(**gone),
        lambda: budgets(world).describe_notifications_for_budget(**gone),
        lambda: budgets(world).describe_subscribers_for_notification(
            **gone, Notification=notification("ACTUAL")
        ),
        lambda: budgets(world).list_tags_for_resource(ResourceARN=budget_arn(world)),
    ]
    assert [error_code(read) for read in reads] == ["NotFoundException"] * len(reads)


# -- CloudWatch -----------------------------------------------------------------------------------

DASHBOARD_BODY = {
    "widgets": [
        {
            "type": "text",
            "x": 0,
            "y": 0,
            "width": 6,
            "height": 2,
            "properties": {"markdown": "comments"},
        }
    ]
}


def cloudwatch(world: World) -> Any:
    return world.client("cloudwatch")


def put_dashboard(world: World) -> None:
    answer = cloudwatch(world).put_dashboard(
        DashboardName=world.name("dashboard"), DashboardBody=json.dumps(DASHBOARD_BODY)
    )
    assert answer.get("DashboardValidationMessages", []) == []


def get_dashboard(world: World) -> None:
    answer = cloudwatch(world).get_dashboard(DashboardName=world.name("dashboard"))
    assert answer["DashboardArn"].endswith(f":dashboard/{world.name('dashboard')}")
    assert json.loads(answer["DashboardBody"]) == DASHBOARD_BODY
    assert answer["DashboardName"] == world.name("dashboard")


def delete_dashboard(world: World) -> None:
    cloudwatch(world).delete_dashboards(DashboardNames=[world.name("dashboard")])
    assert error_code(
        lambda: cloudwatch(world).get_dashboard(DashboardName=world.name("dashboard"))
    ) == ("ResourceNotFound")


def alarm_input(world: World, threshold: float) -> dict[str, Any]:
    return {
        "AlarmName": world.name("write-throttles"),
        "AlarmDescription": "DynamoDB throttled writes to the comments table",
        "ActionsEnabled": True,
        "AlarmActions": [f"arn:aws:sns:{REGION}:{ACCOUNT}:comments-alarms"],
        "OKActions": [f"arn:aws:sns:{REGION}:{ACCOUNT}:comments-alarms"],
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "DatapointsToAlarm": 1,
        "Dimensions": [{"Name": "TableName", "Value": "comments"}],
        "EvaluationPeriods": 3,
        "MetricName": "WriteThrottleEvents",
        "Namespace": "AWS/DynamoDB",
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": threshold,
        "TreatMissingData": "notBreaching",
        "Tags": tag_list(TAGS),
    }


def described_alarm(world: World) -> dict[str, Any]:
    [alarm] = cloudwatch(world).describe_alarms(
        AlarmNames=[world.name("write-throttles")], AlarmTypes=["MetricAlarm"]
    )["MetricAlarms"]
    assert isinstance(alarm, dict)
    return alarm


def alarm_tags(world: World) -> dict[str, str]:
    return as_dict(
        cloudwatch(world).list_tags_for_resource(ResourceARN=world.ids["alarm_arn"])["Tags"]
    )


def put_alarm(world: World) -> None:
    cloudwatch(world).put_metric_alarm(**alarm_input(world, 1.0))
    world.ids["alarm_arn"] = described_alarm(world)["AlarmArn"]


def describe_alarm(world: World) -> None:
    alarm = described_alarm(world)
    assert alarm["AlarmArn"].endswith(f":alarm:{world.name('write-throttles')}")
    assert alarm["Threshold"] == 1.0 and alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Dimensions"] == [{"Name": "TableName", "Value": "comments"}]


def list_alarm_tags(world: World) -> None:
    assert alarm_tags(world) == TAGS


def update_alarm(world: World) -> None:
    cloudwatch(world).put_metric_alarm(**alarm_input(world, 2.0))
    assert described_alarm(world)["Threshold"] == 2.0 and alarm_tags(world) == TAGS


def tag_alarm(world: World) -> None:
    cloudwatch(world).tag_resource(
        ResourceARN=world.ids["alarm_arn"], Tags=[{"Key": "owner", "Value": "team"}]
    )
    assert alarm_tags(world) == {**TAGS, "owner": "team"}


def untag_alarm(world: World) -> None:
    cloudwatch(world).untag_resource(ResourceARN=world.ids["alarm_arn"], TagKeys=["stack"])
    assert alarm_tags(world) == {"project": "comments"}


def delete_alarm(world: World) -> None:
    cloudwatch(world).delete_alarms(AlarmNames=[world.name("write-throttles")])
    assert (
        cloudwatch(world).describe_alarms(AlarmNames=[world.name("write-throttles")])[
            "MetricAlarms"
        ]
        == []
    )


# -- CloudWatch Logs ------------------------------------------------------------------------------


def logs(world: World) -> Any:
    return world.client("logs")


def described_group(world: World) -> dict[str, Any]:
    groups = logs(world).describe_log_groups(logGroupNamePrefix=world.name("access"))["logGroups"]
    [group] = [g for g in groups if g["logGroupName"] == world.name("access")]
    assert isinstance(group, dict)
    return group


def group_arn(world: World) -> str:
    # The provider's `arn`: DescribeLogGroups' arn without its ":*".
    arn: str = described_group(world)["arn"]
    return arn.removesuffix(":*")


def group_tags(world: World) -> dict[str, str]:
    tags: dict[str, str] = logs(world).list_tags_for_resource(resourceArn=group_arn(world))["tags"]
    return tags


def create_log_group(world: World) -> None:
    logs(world).create_log_group(logGroupName=world.name("access"), tags=TAGS)
    assert described_group(world)["logGroupName"] == world.name("access")


def put_retention(world: World, days: int = 1) -> None:
    logs(world).put_retention_policy(logGroupName=world.name("access"), retentionInDays=days)
    assert described_group(world)["retentionInDays"] == days


def describe_log_group(world: World) -> None:
    group = described_group(world)
    assert group["arn"].startswith(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:")
    assert group["retentionInDays"] == 1 and group["creationTime"]


def list_group_tags(world: World) -> None:
    assert group_tags(world) == TAGS


def change_retention(world: World) -> None:
    put_retention(world, 3)


def delete_retention(world: World) -> None:
    logs(world).delete_retention_policy(logGroupName=world.name("access"))
    assert "retentionInDays" not in described_group(world)


def protect_group(world: World) -> None:
    identifier = described_group(world).get("logGroupArn") or group_arn(world)
    logs(world).put_log_group_deletion_protection(
        logGroupIdentifier=identifier, deletionProtectionEnabled=True
    )
    assert described_group(world)["deletionProtectionEnabled"] is True
    logs(world).put_log_group_deletion_protection(
        logGroupIdentifier=world.name("access"), deletionProtectionEnabled=False
    )
    assert described_group(world)["deletionProtectionEnabled"] is False


def associate_key(world: World) -> None:
    key = world.client("kms").create_key(Description="logs")["KeyMetadata"]["Arn"]
    logs(world).associate_kms_key(logGroupName=world.name("access"), kmsKeyId=key)
    assert described_group(world)["kmsKeyId"] == key


def disassociate_key(world: World) -> None:
    associate_key(world)
    logs(world).disassociate_kms_key(logGroupName=world.name("access"))
    assert "kmsKeyId" not in described_group(world)


def tag_group(world: World) -> None:
    logs(world).tag_resource(resourceArn=group_arn(world), tags={"owner": "team"})
    assert group_tags(world) == {**TAGS, "owner": "team"}


def untag_group(world: World) -> None:
    logs(world).untag_resource(resourceArn=group_arn(world), tagKeys=["stack"])
    assert group_tags(world) == {"project": "comments"}


def delete_log_group(world: World) -> None:
    logs(world).delete_log_group(logGroupName=world.name("access"))
    assert logs(world).describe_log_groups(logGroupNamePrefix=world.name("access"))[
        "logGroups"
    ] == ([])


# -- DynamoDB -------------------------------------------------------------------------------------


def dynamodb(world: World) -> Any:
    return world.client("dynamodb")


def described_table(world: World) -> dict[str, Any]:
    table: dict[str, Any] = dynamodb(world).describe_table(TableName=world.ids["table"])["Table"]
    return table


def table_tags(world: World) -> dict[str, str]:
    arn = described_table(world)["TableArn"]
    return as_dict(dynamodb(world).list_tags_of_resource(ResourceArn=arn)["Tags"])


def create_table(world: World) -> None:
    world.ids["table"] = world.name("table")
    answer = dynamodb(world).create_table(
        TableName=world.ids["table"],
        AttributeDefinitions=[
            {"AttributeName": "slug", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "slug", "KeyType": "HASH"},
            {"AttributeName": "createdAt", "KeyType": "RANGE"},
        ],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        SSESpecification={"Enabled": True},
        DeletionProtectionEnabled=False,
        Tags=tag_list(TAGS),
    )
    assert answer["TableDescription"]["TableName"] == world.ids["table"]


def wait_table_active(world: World) -> None:
    # waitTableActive, then waitTableWarmThroughputActive: both read DescribeTable, and the
    # second waits for WarmThroughput.Status (a table without WarmThroughput never settles).
    table = described_table(world)
    assert table["TableStatus"] == "ACTIVE"
    assert table["WarmThroughput"]["Status"] == "ACTIVE"


def enable_ttl(world: World) -> None:
    answer = dynamodb(world).update_time_to_live(
        TableName=world.ids["table"],
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
    )
    assert answer["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expiresAt"}


def wait_ttl(world: World, status: str = "ENABLED") -> None:
    answer = dynamodb(world).describe_time_to_live(TableName=world.ids["table"])
    assert answer["TimeToLiveDescription"]["TimeToLiveStatus"] == status


def enable_pitr(world: World) -> None:
    answer = dynamodb(world).update_continuous_backups(
        TableName=world.ids["table"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    assert answer["ContinuousBackupsDescription"]["ContinuousBackupsStatus"] == "ENABLED"


def wait_pitr(world: World, status: str = "ENABLED") -> None:
    answer = dynamodb(world).describe_continuous_backups(TableName=world.ids["table"])
    description = answer["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert description["PointInTimeRecoveryStatus"] == status


def describe_table(world: World) -> None:
    table = described_table(world)
    assert table["TableArn"].endswith(f":table/{world.ids['table']}")
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    assert {k["KeyType"] for k in table["KeySchema"]} == {"HASH", "RANGE"}
    assert table["SSEDescription"]["Status"] == "ENABLED"


def default_dynamodb_key(world: World) -> None:
    # The provider compares the table's key with the default key, to leave kms_key_arn empty.
    key = world.client("kms").describe_key(KeyId="alias/aws/dynamodb")["KeyMetadata"]
    assert key["Arn"] == described_table(world)["SSEDescription"]["KMSMasterKeyArn"]


def describe_backups(world: World) -> None:
    wait_pitr(world)


def describe_ttl(world: World) -> None:
    answer = dynamodb(world).describe_time_to_live(TableName=world.ids["table"])
    assert answer["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expiresAt",
    }


def list_table_tags(world: World) -> None:
    assert table_tags(world) == TAGS


def update_table(world: World) -> None:
    answer = dynamodb(world).update_table(
        TableName=world.ids["table"],
        ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 2},
    )
    assert answer["TableDescription"]["TableName"] == world.ids["table"]


def wait_table_updated(world: World) -> None:
    update_table(world)
    table = described_table(world)
    assert table["TableStatus"] == "ACTIVE" and table["WarmThroughput"]["Status"] == "ACTIVE"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2


def disable_ttl(world: World) -> None:
    dynamodb(world).update_time_to_live(
        TableName=world.ids["table"],
        TimeToLiveSpecification={"Enabled": False, "AttributeName": "expiresAt"},
    )
    wait_ttl(world, "DISABLED")


def disable_pitr(world: World) -> None:
    dynamodb(world).update_continuous_backups(
        TableName=world.ids["table"],
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    wait_pitr(world, "DISABLED")


def tag_table(world: World) -> None:
    arn = described_table(world)["TableArn"]
    dynamodb(world).tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "team"}])
    assert table_tags(world) == {**TAGS, "owner": "team"}


def untag_table(world: World) -> None:
    arn = described_table(world)["TableArn"]
    dynamodb(world).untag_resource(ResourceArn=arn, TagKeys=["stack"])
    assert table_tags(world) == {"project": "comments"}


def delete_table(world: World) -> None:
    answer = dynamodb(world).delete_table(TableName=world.ids["table"])
    assert answer["TableDescription"]["TableName"] == world.ids["table"]


def table_is_gone(world: World) -> None:
    assert error_code(lambda: described_table(world)) == "ResourceNotFoundException"


# -- IAM ------------------------------------------------------------------------------------------

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TABLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/comments",
        }
    ],
}


def iam(world: World) -> Any:
    return world.client("iam")


def got_role(world: World) -> dict[str, Any]:
    role: dict[str, Any] = iam(world).get_role(RoleName=world.name("role"))["Role"]
    return role


def create_role(world: World) -> None:
    answer = iam(world).create_role(
        RoleName=world.name("role"),
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="Assumed by API Gateway",
        Tags=tag_list(TAGS),
    )
    assert answer["Role"]["RoleName"] == world.name("role")


def get_role(world: World) -> None:
    role = got_role(world)
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{world.name('role')}"
    assert as_dict(role["Tags"]) == TAGS and role["RoleId"] and role["CreateDate"]
    assert role["AssumeRolePolicyDocument"] == TRUST and role["MaxSessionDuration"] == 3600


def list_role_policies(world: World) -> None:
    assert iam(world).list_role_policies(RoleName=world.name("role"))["PolicyNames"] == []


def get_inline_policies(world: World) -> None:
    put_role_policy(world)
    names = iam(world).list_role_policies(RoleName=world.name("role"))["PolicyNames"]
    assert names == [world.name("table-access")]
    for name in names:
        answer = iam(world).get_role_policy(RoleName=world.name("role"), PolicyName=name)
        assert answer["PolicyDocument"] == TABLE_POLICY


def list_attached(world: World) -> None:
    answer = iam(world).list_attached_role_policies(RoleName=world.name("role"))
    assert answer["AttachedPolicies"] == []


def update_trust(world: World) -> None:
    trust = {**TRUST, "Statement": [{**TRUST["Statement"][0], "Sid": "Gateway"}]}  # type: ignore[dict-item]
    iam(world).update_assume_role_policy(
        RoleName=world.name("role"), PolicyDocument=json.dumps(trust)
    )
    assert got_role(world)["AssumeRolePolicyDocument"] == trust


def update_description(world: World) -> None:
    iam(world).update_role_description(RoleName=world.name("role"), Description="second")
    assert got_role(world)["Description"] == "second"


def update_session(world: World) -> None:
    iam(world).update_role(RoleName=world.name("role"), MaxSessionDuration=7200)
    assert got_role(world)["MaxSessionDuration"] == 7200


def put_boundary(world: World) -> None:
    boundary = iam(world).create_policy(
        PolicyName=world.name("boundary"), PolicyDocument=json.dumps(TABLE_POLICY)
    )["Policy"]["Arn"]
    iam(world).put_role_permissions_boundary(
        RoleName=world.name("role"), PermissionsBoundary=boundary
    )
    assert got_role(world)["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary


def delete_boundary(world: World) -> None:
    put_boundary(world)
    iam(world).delete_role_permissions_boundary(RoleName=world.name("role"))
    assert "PermissionsBoundary" not in got_role(world)


def tag_role(world: World) -> None:
    iam(world).tag_role(RoleName=world.name("role"), Tags=[{"Key": "owner", "Value": "team"}])
    assert as_dict(got_role(world)["Tags"]) == {**TAGS, "owner": "team"}


def untag_role(world: World) -> None:
    iam(world).untag_role(RoleName=world.name("role"), TagKeys=["stack"])
    assert as_dict(got_role(world)["Tags"]) == {"project": "comments"}


def list_instance_profiles(world: World) -> None:
    answer = iam(world).list_instance_profiles_for_role(RoleName=world.name("role"))
    assert answer["InstanceProfiles"] == []


def delete_role(world: World) -> None:
    iam(world).delete_role(RoleName=world.name("role"))
    assert error_code(lambda: got_role(world)) == "NoSuchEntity"


def put_role_policy(world: World, policy: dict[str, Any] = TABLE_POLICY) -> None:
    iam(world).put_role_policy(
        RoleName=world.name("role"),
        PolicyName=world.name("table-access"),
        PolicyDocument=json.dumps(policy),
    )


def get_role_policy(world: World, policy: dict[str, Any] = TABLE_POLICY) -> None:
    answer = iam(world).get_role_policy(
        RoleName=world.name("role"), PolicyName=world.name("table-access")
    )
    assert answer["RoleName"] == world.name("role") and answer["PolicyDocument"] == policy


def update_role_policy(world: World) -> None:
    changed = {**TABLE_POLICY, "Statement": [{**TABLE_POLICY["Statement"][0], "Sid": "Table"}]}  # type: ignore[dict-item]
    put_role_policy(world, changed)
    get_role_policy(world, changed)


def delete_role_policy(world: World) -> None:
    iam(world).delete_role_policy(
        RoleName=world.name("role"), PolicyName=world.name("table-access")
    )
    assert error_code(lambda: get_role_policy(world)) == "NoSuchEntity"


# -- SNS ------------------------------------------------------------------------------------------


def sns(world: World) -> Any:
    return world.client("sns")


def topic_attributes(world: World) -> dict[str, str]:
    attributes: dict[str, str] = sns(world).get_topic_attributes(TopicArn=world.ids["topic_arn"])[
        "Attributes"
    ]
    return attributes


def topic_tags(world: World) -> dict[str, str]:
    return as_dict(sns(world).list_tags_for_resource(ResourceArn=world.ids["topic_arn"])["Tags"])


def stack_topic_policy(world: World, sid: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": world.ids["topic_arn"],
            }
        ],
    }


def create_topic(world: World) -> None:
    answer = sns(world).create_topic(Name=world.name("alarms"), Tags=tag_list(TAGS))
    assert answer["TopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:{world.name('alarms')}"
    world.ids["topic_arn"] = answer["TopicArn"]


def set_display_name(world: World, name: str = "comments alarms") -> None:
    sns(world).set_topic_attributes(
        TopicArn=world.ids["topic_arn"], AttributeName="DisplayName", AttributeValue=name
    )
    assert topic_attributes(world)["DisplayName"] == name


def get_topic(world: World) -> None:
    attributes = topic_attributes(world)
    assert attributes["TopicArn"] == world.ids["topic_arn"] and attributes["Owner"] == ACCOUNT
    assert json.loads(attributes["Policy"])["Statement"]


def list_topic_tags(world: World) -> None:
    assert topic_tags(world) == TAGS


def update_topic(world: World) -> None:
    set_display_name(world, "comments alarms v2")


def tag_topic(world: World) -> None:
    sns(world).tag_resource(
        ResourceArn=world.ids["topic_arn"], Tags=[{"Key": "owner", "Value": "team"}]
    )
    assert topic_tags(world) == {**TAGS, "owner": "team"}


def untag_topic(world: World) -> None:
    sns(world).untag_resource(ResourceArn=world.ids["topic_arn"], TagKeys=["stack"])
    assert topic_tags(world) == {"project": "comments"}


def delete_topic(world: World) -> None:
    sns(world).delete_topic(TopicArn=world.ids["topic_arn"])
    assert error_code(lambda: topic_attributes(world)) == "NotFound"


def set_topic_policy(world: World, sid: str = "StackAlarms") -> None:
    policy = stack_topic_policy(world, sid)
    sns(world).set_topic_attributes(
        TopicArn=world.ids["topic_arn"], AttributeName="Policy", AttributeValue=json.dumps(policy)
    )
    assert json.loads(topic_attributes(world)["Policy"]) == policy


def get_topic_policy(world: World) -> None:
    attributes = topic_attributes(world)
    assert json.loads(attributes["Policy"]) == stack_topic_policy(world, "StackAlarms")
    assert attributes["Owner"] == ACCOUNT and attributes["TopicArn"] == world.ids["topic_arn"]


def update_topic_policy(world: World) -> None:
    set_topic_policy(world, "Alarms")


def reset_topic_policy(world: World) -> None:
    default = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["SNS:GetTopicAttributes", "SNS:Publish"],
                "Resource": world.ids["topic_arn"],
                "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}},
            }
        ],
    }
    sns(world).set_topic_attributes(
        TopicArn=world.ids["topic_arn"], AttributeName="Policy", AttributeValue=json.dumps(default)
    )
    assert json.loads(topic_attributes(world)["Policy"]) == default


def subscription_attributes(world: World) -> dict[str, str]:
    attributes: dict[str, str] = sns(world).get_subscription_attributes(
        SubscriptionArn=world.ids["subscription_arn"]
    )["Attributes"]
    return attributes


def subscribe(world: World) -> None:
    answer = sns(world).subscribe(
        TopicArn=world.ids["topic_arn"],
        Protocol="email",
        Endpoint="alarms@comments-demo.example",
        ReturnSubscriptionArn=True,
    )
    assert answer["SubscriptionArn"].startswith(f"{world.ids['topic_arn']}:")
    world.ids["subscription_arn"] = answer["SubscriptionArn"]


def get_subscription(world: World) -> None:
    attributes = subscription_attributes(world)
    assert attributes["SubscriptionArn"] == world.ids["subscription_arn"]
    assert attributes["TopicArn"] == world.ids["topic_arn"] and attributes["Protocol"] == "email"
    assert attributes["Endpoint"] == "alarms@comments-demo.example"
    assert attributes["PendingConfirmation"] in {"true", "false"}


def set_subscription_attribute(world: World) -> None:
    policy = json.dumps({"severity": ["high"]})
    sns(world).set_subscription_attributes(
        SubscriptionArn=world.ids["subscription_arn"],
        AttributeName="FilterPolicy",
        AttributeValue=policy,
    )
    assert subscription_attributes(world)["FilterPolicy"] == policy


def unsubscribe(world: World) -> None:
    sns(world).unsubscribe(SubscriptionArn=world.ids["subscription_arn"])


def subscription_is_gone(world: World) -> None:
    assert error_code(lambda: subscription_attributes(world)) == "NotFound"


# -- what each call sends, and what it must answer ------------------------------------------------

Key = tuple[str, str, str]  # (resource type, phase, operation)

STEPS: dict[Key, Step] = {
    ("aws:apigateway/restApi:RestApi", "create", "CreateRestApi"): create_rest_api,
    ("aws:apigateway/restApi:RestApi", "create", "PutRestApi"): put_rest_api,
    ("aws:apigateway/restApi:RestApi", "create", "UpdateRestApi"): update_rest_api,
    ("aws:apigateway/restApi:RestApi", "read", "GetRestApi"): get_rest_api,
    ("aws:apigateway/restApi:RestApi", "read", "GetResources"): get_resources,
    ("aws:apigateway/restApi:RestApi", "update", "UpdateRestApi"): update_rest_api,
    ("aws:apigateway/restApi:RestApi", "update", "PutRestApi"): put_rest_api,
    ("aws:apigateway/restApi:RestApi", "update", "TagResource"): tag_rest_api,
    ("aws:apigateway/restApi:RestApi", "update", "UntagResource"): untag_rest_api,
    ("aws:apigateway/restApi:RestApi", "delete", "DeleteRestApi"): delete_rest_api,
    ("aws:apigateway/deployment:Deployment", "create", "CreateDeployment"): create_deployment,
    ("aws:apigateway/deployment:Deployment", "read", "GetDeployment"): get_deployment,
    ("aws:apigateway/deployment:Deployment", "update", "UpdateDeployment"): update_deployment,
    ("aws:apigateway/deployment:Deployment", "delete", "GetStage"): get_legacy_stage,
    ("aws:apigateway/deployment:Deployment", "delete", "DeleteStage"): delete_legacy_stage,
    ("aws:apigateway/deployment:Deployment", "delete", "DeleteDeployment"): delete_deployment,
    ("aws:apigateway/stage:Stage", "create", "CreateStage"): create_stage,
    ("aws:apigateway/stage:Stage", "create", "UpdateStage"): stage_access_logs,
    ("aws:apigateway/stage:Stage", "read", "GetStage"): get_stage,
    ("aws:apigateway/stage:Stage", "update", "UpdateStage"): update_stage,
    ("aws:apigateway/stage:Stage", "update", "TagResource"): tag_stage,
    ("aws:apigateway/stage:Stage", "update", "UntagResource"): untag_stage,
    ("aws:apigateway/stage:Stage", "delete", "DeleteStage"): delete_stage,
    ("aws:apigateway/methodSettings:MethodSettings", "create", "UpdateStage"): put_method_settings,
    ("aws:apigateway/methodSettings:MethodSettings", "read", "GetStage"): get_method_settings,
    (
        "aws:apigateway/methodSettings:MethodSettings",
        "update",
        "UpdateStage",
    ): update_method_settings,
    (
        "aws:apigateway/methodSettings:MethodSettings",
        "delete",
        "UpdateStage",
    ): delete_method_settings,
    ("aws:appautoscaling/target:Target", "create", "RegisterScalableTarget"): register_target,
    ("aws:appautoscaling/target:Target", "read", "DescribeScalableTargets"): describe_target,
    ("aws:appautoscaling/target:Target", "read", "ListTagsForResource"): list_target_tags,
    ("aws:appautoscaling/target:Target", "update", "RegisterScalableTarget"): reregister_target,
    ("aws:appautoscaling/target:Target", "update", "TagResource"): tag_target,
    ("aws:appautoscaling/target:Target", "update", "UntagResource"): untag_target,
    ("aws:appautoscaling/target:Target", "delete", "DeregisterScalableTarget"): deregister_target,
    ("aws:appautoscaling/target:Target", "delete", "DescribeScalableTargets"): target_is_gone,
    ("aws:appautoscaling/policy:Policy", "create", "PutScalingPolicy"): put_policy,
    ("aws:appautoscaling/policy:Policy", "read", "DescribeScalingPolicies"): describe_policy,
    ("aws:appautoscaling/policy:Policy", "update", "PutScalingPolicy"): update_policy,
    ("aws:appautoscaling/policy:Policy", "delete", "DeleteScalingPolicy"): delete_policy,
    ("aws:budgets/budget:Budget", "create", "CreateBudget"): create_budget,
    ("aws:budgets/budget:Budget", "create", "DescribeBudget"): describe_budget,
    ("aws:budgets/budget:Budget", "create", "CreateNotification"): create_notifications,
    ("aws:budgets/budget:Budget", "read", "DescribeBudget"): describe_budget,
    (
        "aws:budgets/budget:Budget",
        "read",
        "DescribeNotificationsForBudget",
    ): describe_notifications,
    (
        "aws:budgets/budget:Budget",
        "read",
        "DescribeSubscribersForNotification",
    ): describe_subscribers,
    ("aws:budgets/budget:Budget", "read", "ListTagsForResource"): list_budget_tags,
    ("aws:budgets/budget:Budget", "update", "UpdateBudget"): update_budget,
    ("aws:budgets/budget:Budget", "update", "DeleteNotification"): delete_notification,
    ("aws:budgets/budget:Budget", "update", "CreateNotification"): add_notification,
    ("aws:budgets/budget:Budget", "update", "TagResource"): tag_budget,
    ("aws:budgets/budget:Budget", "update", "UntagResource"): untag_budget,
    ("aws:budgets/budget:Budget", "delete", "DeleteBudget"): delete_budget,
    ("aws:cloudwatch/dashboard:Dashboard", "create", "PutDashboard"): put_dashboard,
    ("aws:cloudwatch/dashboard:Dashboard", "read", "GetDashboard"): get_dashboard,
    ("aws:cloudwatch/dashboard:Dashboard", "update", "PutDashboard"): put_dashboard,
    ("aws:cloudwatch/dashboard:Dashboard", "delete", "DeleteDashboards"): delete_dashboard,
    ("aws:cloudwatch/logGroup:LogGroup", "create", "CreateLogGroup"): create_log_group,
    ("aws:cloudwatch/logGroup:LogGroup", "create", "PutRetentionPolicy"): put_retention,
    ("aws:cloudwatch/logGroup:LogGroup", "read", "DescribeLogGroups"): describe_log_group,
    ("aws:cloudwatch/logGroup:LogGroup", "read", "ListTagsForResource"): list_group_tags,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "PutRetentionPolicy"): change_retention,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "DeleteRetentionPolicy"): delete_retention,
    (
        "aws:cloudwatch/logGroup:LogGroup",
        "update",
        "PutLogGroupDeletionProtection",
    ): protect_group,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "AssociateKmsKey"): associate_key,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "DisassociateKmsKey"): disassociate_key,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "TagResource"): tag_group,
    ("aws:cloudwatch/logGroup:LogGroup", "update", "UntagResource"): untag_group,
    ("aws:cloudwatch/logGroup:LogGroup", "delete", "DeleteLogGroup"): delete_log_group,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "create", "PutMetricAlarm"): put_alarm,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "read", "DescribeAlarms"): describe_alarm,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "read", "ListTagsForResource"): list_alarm_tags,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "update", "PutMetricAlarm"): update_alarm,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "update", "TagResource"): tag_alarm,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "update", "UntagResource"): untag_alarm,
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "delete", "DeleteAlarms"): delete_alarm,
    ("aws:dynamodb/table:Table", "create", "CreateTable"): create_table,
    ("aws:dynamodb/table:Table", "create", "DescribeTable"): wait_table_active,
    ("aws:dynamodb/table:Table", "create", "UpdateTimeToLive"): enable_ttl,
    ("aws:dynamodb/table:Table", "create", "DescribeTimeToLive"): wait_ttl,
    ("aws:dynamodb/table:Table", "create", "UpdateContinuousBackups"): enable_pitr,
    ("aws:dynamodb/table:Table", "create", "DescribeContinuousBackups"): wait_pitr,
    ("aws:dynamodb/table:Table", "read", "DescribeTable"): describe_table,
    ("aws:dynamodb/table:Table", "read", "DescribeKey"): default_dynamodb_key,
    ("aws:dynamodb/table:Table", "read", "DescribeContinuousBackups"): describe_backups,
    ("aws:dynamodb/table:Table", "read", "DescribeTimeToLive"): describe_ttl,
    ("aws:dynamodb/table:Table", "read", "ListTagsOfResource"): list_table_tags,
    ("aws:dynamodb/table:Table", "update", "UpdateTable"): update_table,
    ("aws:dynamodb/table:Table", "update", "DescribeTable"): wait_table_updated,
    ("aws:dynamodb/table:Table", "update", "UpdateTimeToLive"): disable_ttl,
    ("aws:dynamodb/table:Table", "update", "UpdateContinuousBackups"): disable_pitr,
    ("aws:dynamodb/table:Table", "update", "TagResource"): tag_table,
    ("aws:dynamodb/table:Table", "update", "UntagResource"): untag_table,
    ("aws:dynamodb/table:Table", "delete", "DeleteTable"): delete_table,
    ("aws:dynamodb/table:Table", "delete", "DescribeTable"): table_is_gone,
    ("aws:iam/role:Role", "create", "CreateRole"): create_role,
    ("aws:iam/role:Role", "read", "GetRole"): get_role,
    ("aws:iam/role:Role", "read", "ListRolePolicies"): list_role_policies,
    ("aws:iam/role:Role", "read", "GetRolePolicy"): get_inline_policies,
    ("aws:iam/role:Role", "read", "ListAttachedRolePolicies"): list_attached,
    ("aws:iam/role:Role", "update", "UpdateAssumeRolePolicy"): update_trust,
    ("aws:iam/role:Role", "update", "UpdateRoleDescription"): update_description,
    ("aws:iam/role:Role", "update", "UpdateRole"): update_session,
    ("aws:iam/role:Role", "update", "PutRolePermissionsBoundary"): put_boundary,
    ("aws:iam/role:Role", "update", "DeleteRolePermissionsBoundary"): delete_boundary,
    ("aws:iam/role:Role", "update", "TagRole"): tag_role,
    ("aws:iam/role:Role", "update", "UntagRole"): untag_role,
    ("aws:iam/role:Role", "delete", "ListInstanceProfilesForRole"): list_instance_profiles,
    ("aws:iam/role:Role", "delete", "DeleteRole"): delete_role,
    ("aws:iam/rolePolicy:RolePolicy", "create", "PutRolePolicy"): put_role_policy,
    ("aws:iam/rolePolicy:RolePolicy", "create", "GetRolePolicy"): get_role_policy,
    ("aws:iam/rolePolicy:RolePolicy", "read", "GetRolePolicy"): get_role_policy,
    ("aws:iam/rolePolicy:RolePolicy", "update", "PutRolePolicy"): update_role_policy,
    ("aws:iam/rolePolicy:RolePolicy", "delete", "DeleteRolePolicy"): delete_role_policy,
    ("aws:sns/topic:Topic", "create", "CreateTopic"): create_topic,
    ("aws:sns/topic:Topic", "create", "SetTopicAttributes"): set_display_name,
    ("aws:sns/topic:Topic", "read", "GetTopicAttributes"): get_topic,
    ("aws:sns/topic:Topic", "read", "ListTagsForResource"): list_topic_tags,
    ("aws:sns/topic:Topic", "update", "SetTopicAttributes"): update_topic,
    ("aws:sns/topic:Topic", "update", "TagResource"): tag_topic,
    ("aws:sns/topic:Topic", "update", "UntagResource"): untag_topic,
    ("aws:sns/topic:Topic", "delete", "DeleteTopic"): delete_topic,
    ("aws:sns/topicPolicy:TopicPolicy", "create", "SetTopicAttributes"): set_topic_policy,
    ("aws:sns/topicPolicy:TopicPolicy", "read", "GetTopicAttributes"): get_topic_policy,
    ("aws:sns/topicPolicy:TopicPolicy", "update", "SetTopicAttributes"): update_topic_policy,
    ("aws:sns/topicPolicy:TopicPolicy", "delete", "SetTopicAttributes"): reset_topic_policy,
    ("aws:sns/topicSubscription:TopicSubscription", "create", "Subscribe"): subscribe,
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "read",
        "GetSubscriptionAttributes",
    ): get_subscription,
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "update",
        "SetSubscriptionAttributes",
    ): set_subscription_attribute,
    ("aws:sns/topicSubscription:TopicSubscription", "delete", "Unsubscribe"): unsubscribe,
    (
        "aws:sns/topicSubscription:TopicSubscription",
        "delete",
        "GetSubscriptionAttributes",
    ): subscription_is_gone,
}

# What a type's resources need made first (the stack's own dependencies).
NEEDS: dict[str, tuple[str, ...]] = {
    "aws:apigateway/deployment:Deployment": ("aws:apigateway/restApi:RestApi",),
    "aws:apigateway/stage:Stage": (
        "aws:apigateway/deployment:Deployment",
        "aws:cloudwatch/logGroup:LogGroup",
    ),
    "aws:apigateway/methodSettings:MethodSettings": ("aws:apigateway/stage:Stage",),
    "aws:appautoscaling/target:Target": ("aws:dynamodb/table:Table",),
    "aws:appautoscaling/policy:Policy": ("aws:appautoscaling/target:Target",),
    "aws:budgets/budget:Budget": ("aws:sns/topic:Topic",),
    "aws:iam/rolePolicy:RolePolicy": ("aws:iam/role:Role",),
    "aws:sns/topicPolicy:TopicPolicy": ("aws:sns/topic:Topic",),
    "aws:sns/topicSubscription:TopicSubscription": ("aws:sns/topic:Topic",),
}


def key(call: ProviderCall) -> Key:
    return (call.resource_type, call.phase, call.operation)


def steps_of(resource_type: str, phase: str) -> list[ProviderCall]:
    return [c for c in PROVIDER_CALLS if c.resource_type == resource_type and c.phase == phase]


def create(world: World, resource_type: str) -> None:
    """Make a resource of the type as the provider's Create does (its needs first)."""
    if resource_type in world.created:
        return
    for needed in NEEDS.get(resource_type, ()):
        create(world, needed)
    for call in steps_of(resource_type, "create"):
        STEPS[key(call)](world)
    world.created.add(resource_type)


def run(world: World, call: ProviderCall) -> None:
    """The call as its phase makes it: after Create, and after the phase's earlier calls when
    those must come first (a delete's wait after the delete itself)."""
    for needed in NEEDS.get(call.resource_type, ()):
        create(world, needed)
    phase = steps_of(call.resource_type, call.phase)
    if call.phase == "create":
        for earlier in phase[: phase.index(call) + 1]:
            STEPS[key(earlier)](world)
        return
    create(world, call.resource_type)
    if call.phase == "delete":
        for earlier in phase[: phase.index(call)]:
            STEPS[key(earlier)](world)
    STEPS[key(call)](world)


@pytest.mark.parametrize("call", PROVIDER_CALLS, ids=lambda c: "-".join(key(c)))
def test_the_call_gets_the_answer_the_provider_reads(
    call: ProviderCall, clients: Callable[[str], Any]
) -> None:
    assert key(call) in STEPS, f"no request for {key(call)}: add one to STEPS"
    run(World(clients), call)


def test_every_call_has_a_request_and_every_request_a_call() -> None:
    assert set(STEPS) == {key(call) for call in PROVIDER_CALLS}
    assert len({key(call) for call in PROVIDER_CALLS}) == len(PROVIDER_CALLS)


def test_every_allowed_aws_type_is_listed_with_all_four_phases() -> None:
    allowed: set[str] = set()
    for config in sorted(Path(POLICY_DIR).glob("*.json")):
        document = json.loads(config.read_text(encoding="utf-8"))
        types = document["allowed-resource-types"]["allowedResourceTypes"]
        allowed |= {t for t in types if t.startswith("aws:")}
    assert allowed == set(ALLOWED_AWS_TYPES)
    for resource_type in ALLOWED_AWS_TYPES:
        phases = {c.phase for c in PROVIDER_CALLS if c.resource_type == resource_type}
        assert phases == {"create", "read", "update", "delete"}, resource_type


def test_the_reference_tables_list_the_same_calls() -> None:
    listed: set[Key] = set()
    resource_type = ""
    for line in CALLS_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("### `"):
            resource_type = line.strip("#` ")
        elif resource_type and line.startswith("| ") and "`" in line:
            phase, call = (cell.strip() for cell in line.split("|")[1:3])
            operation = call.split("`")[1].split(":", 1)[1]
            listed.add((resource_type, phase, operation))
    assert listed == {key(call) for call in PROVIDER_CALLS}


# pulumi-aws's endpoint keys for the boto3 service names the calls use.
_ENDPOINT_KEY = {
    "application-autoscaling": "appautoscaling",
    "logs": "cloudwatchlogs",
}


def test_every_service_the_provider_calls_has_a_local_endpoint() -> None:
    """`pulumi up --stack local` sends each call to moto only if aws:endpoints names its service;
    one left out goes to real AWS (a missing kms entry sent the table's key lookup there)."""
    stack = yaml.safe_load((REPO_ROOT / "environments" / "Pulumi.local.yaml").read_text())
    (endpoints,) = stack["config"]["aws:endpoints"]
    services = {_ENDPOINT_KEY.get(call.service, call.service) for call in PROVIDER_CALLS}
    assert services - set(endpoints) == set()
