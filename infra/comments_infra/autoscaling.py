"""Optional DynamoDB auto scaling: target tracking between the table's capacity and a maximum.

Off unless a stack sets comments:autoscalingMaxReadCapacity / ...WriteCapacity. The minimum is the
table's provisioned capacity (the floor the stack pays for anyway); the maximum is checked against
the stack's caps and counted in its budget by the policy pack (dynamodb-provisioned-capacity,
dynamodb-monthly-cost-budget).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from comments_infra.operations import Autoscaling

# Scale in no faster than this after a scale-out: DynamoDB allows few decreases per day.
SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60


def table_scaling(
    name: str,
    *,
    kind: str,
    scaling: Autoscaling,
    table_name: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
) -> tuple[aws.appautoscaling.Target, aws.appautoscaling.Policy]:
    """A scalable target and its target-tracking policy for kind 'Read' or 'Write'."""
    child = pulumi.ResourceOptions(parent=parent)
    target = aws.appautoscaling.Target(
        f"{name}-{kind.lower()}-scaling",
        service_namespace="dynamodb",
        resource_id=pulumi.Output.from_input(table_name).apply(lambda table: f"table/{table}"),
        scalable_dimension=f"dynamodb:table:{kind}CapacityUnits",
        min_capacity=scaling.minimum,
        max_capacity=scaling.maximum,
        tags=tags,
        opts=child,
    )
    policy = aws.appautoscaling.Policy(
        f"{name}-{kind.lower()}-scaling-policy",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        resource_id=target.resource_id,
        scalable_dimension=target.scalable_dimension,
        target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
            predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type=f"DynamoDB{kind}CapacityUtilization"
            ),
            target_value=scaling.target_percent,
            scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
            scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
        ),
        opts=child,
    )
    return target, policy
