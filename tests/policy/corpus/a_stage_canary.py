"""A canary on the stage sends a share of traffic to a deployment no rule checked."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

CLASS = "a"
EXPECT = [
    ("resource-inputs-reviewed", "Stage 'bypass-stage' sets canarySettings"),
    ("resource-inputs-reviewed", "Stage 'bypass-stage' accessLogSettings.format leaves out"),
    ("resource-inputs-reviewed", "Stage 'bypass-stage' sets no tags"),
    ("apigateway-stage-throttled", "Stage 'bypass-stage' has no MethodSettings for '*/*'"),
    ("stack-references-own-resources", "Stage 'bypass-stage' deployment is"),
    ("stack-references-own-resources", "Stage 'bypass-stage' accessLogSettings.destinationArn"),
    # A second stage: the budget counts one of the two at its throttle's ceiling.
    ("dynamodb-monthly-cost-budget", "a stage beyond the service's own"),
]


def apply(service: Any) -> None:
    deployment = aws.apigateway.Deployment(
        "bypass-deployment", rest_api=service.api.id, triggers={"v": "2"}
    )
    aws.apigateway.Stage(
        "bypass-stage",
        rest_api=service.api.id,
        deployment=service.stage.deployment,
        stage_name="canary",
        access_log_settings={
            "destination_arn": service.stage.access_log_settings.destination_arn,
            "format": "$context.requestId",
        },
        canary_settings={"deployment_id": deployment.id, "percent_traffic": 50},
        opts=pulumi.ResourceOptions(depends_on=[deployment]),
    )
