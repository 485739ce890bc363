"""The AWS API calls pulumi-aws makes for each resource type the stacks may create.

pulumi-aws is terraform-provider-aws underneath: these are the calls of each type's Create, Read,
Update and Delete in its Go source (docs/reference/provider-calls.md has the same as tables, with
the revision read). Read includes the tag listing the provider's transparent tagging adds after
every Create, Read and Update (internal/provider/sdkv2/tags_interceptor.go) when the resource's
own Read does not return tags; Update includes the TagResource/UntagResource it makes before the
resource's Update when tags change.

tests/moto_backend/test_provider_reads.py sends every call here to the project's moto and checks
the answer, so a call added here is a call tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["create", "read", "update", "delete"]

# Every `allowed-resource-types` entry of policy/config/*.json that is an AWS type.
ALLOWED_AWS_TYPES = (
    "aws:apigateway/deployment:Deployment",
    "aws:apigateway/methodSettings:MethodSettings",
    "aws:apigateway/restApi:RestApi",
    "aws:apigateway/stage:Stage",
    "aws:appautoscaling/policy:Policy",
    "aws:appautoscaling/target:Target",
    "aws:budgets/budget:Budget",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:dynamodb/table:Table",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:sns/topic:Topic",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topicSubscription:TopicSubscription",
)


@dataclass(frozen=True)
class ProviderCall:
    """One AWS API call a resource type's phase makes."""

    resource_type: str  # Pulumi type token, as in policy/config/*.json
    phase: Phase
    service: str  # boto3 client name of the AWS service
    operation: str  # AWS API operation name
    source: str  # terraform-provider-aws file the call is made in
    when: str = ""  # empty: every run of the phase makes the call; else when it does
    expects: str = ""  # an error code the provider waits for (its "done"), not a failure


# The tag listing/updating code every @Tags resource shares.
_TAGGING = "internal/provider/sdkv2/tags_interceptor.go"


def _tags(svc: str) -> str:
    return f"internal/service/{svc}/tags_gen.go (called from {_TAGGING})"


_APIGW = "internal/service/apigateway"
_SCALING = "internal/service/appautoscaling"
_CW = "internal/service/cloudwatch"
_DDB = "internal/service/dynamodb"
_IAM = "internal/service/iam"
_SNS = "internal/service/sns"

_TAGS_CHANGE = "tags change"

_REST_API = "aws:apigateway/restApi:RestApi"
_DEPLOYMENT = "aws:apigateway/deployment:Deployment"
_STAGE = "aws:apigateway/stage:Stage"
_METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
_TARGET = "aws:appautoscaling/target:Target"
_POLICY = "aws:appautoscaling/policy:Policy"
_BUDGET = "aws:budgets/budget:Budget"
_DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
_TABLE = "aws:dynamodb/table:Table"
_ROLE = "aws:iam/role:Role"
_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
_TOPIC = "aws:sns/topic:Topic"
_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"

C = ProviderCall

PROVIDER_CALLS: tuple[ProviderCall, ...] = (
    # -- API Gateway REST API
    C(_REST_API, "create", "apigateway", "CreateRestApi", f"{_APIGW}/rest_api.go"),
    C(_REST_API, "create", "apigateway", "PutRestApi", f"{_APIGW}/rest_api.go", "body is set"),
    C(
        _REST_API,
        "create",
        "apigateway",
        "UpdateRestApi",
        f"{_APIGW}/rest_api.go",
        "body is set and a configured field differs from the imported document",
    ),
    C(_REST_API, "read", "apigateway", "GetRestApi", f"{_APIGW}/rest_api.go"),
    C(_REST_API, "read", "apigateway", "GetResources", f"{_APIGW}/rest_api.go"),
    C(_REST_API, "update", "apigateway", "UpdateRestApi", f"{_APIGW}/rest_api.go"),
    C(
        _REST_API,
        "update",
        "apigateway",
        "PutRestApi",
        f"{_APIGW}/rest_api.go",
        "body or parameters change",
    ),
    C(_REST_API, "update", "apigateway", "TagResource", _tags("apigateway"), _TAGS_CHANGE),
    C(_REST_API, "update", "apigateway", "UntagResource", _tags("apigateway"), _TAGS_CHANGE),
    C(_REST_API, "delete", "apigateway", "DeleteRestApi", f"{_APIGW}/rest_api.go"),
    # -- API Gateway deployment
    C(_DEPLOYMENT, "create", "apigateway", "CreateDeployment", f"{_APIGW}/deployment.go"),
    C(_DEPLOYMENT, "read", "apigateway", "GetDeployment", f"{_APIGW}/deployment.go"),
    C(
        _DEPLOYMENT,
        "update",
        "apigateway",
        "UpdateDeployment",
        f"{_APIGW}/deployment.go",
        "description changes",
    ),
    C(
        _DEPLOYMENT,
        "delete",
        "apigateway",
        "GetStage",
        f"{_APIGW}/deployment.go",
        "the deprecated stage_name is set (this stack does not set it)",
    ),
    C(
        _DEPLOYMENT,
        "delete",
        "apigateway",
        "DeleteStage",
        f"{_APIGW}/deployment.go",
        "the deprecated stage_name's stage still points at this deployment",
    ),
    C(_DEPLOYMENT, "delete", "apigateway", "DeleteDeployment", f"{_APIGW}/deployment.go"),
    # -- API Gateway stage (tags come back in GetStage)
    C(_STAGE, "create", "apigateway", "CreateStage", f"{_APIGW}/stage.go"),
    C(
        _STAGE,
        "create",
        "apigateway",
        "UpdateStage",
        f"{_APIGW}/stage.go",
        "access_log_settings or client_certificate_id is set (this stack sets access logs)",
    ),
    C(_STAGE, "read", "apigateway", "GetStage", f"{_APIGW}/stage.go"),
    C(_STAGE, "update", "apigateway", "UpdateStage", f"{_APIGW}/stage.go"),
    C(_STAGE, "update", "apigateway", "TagResource", _tags("apigateway"), _TAGS_CHANGE),
    C(_STAGE, "update", "apigateway", "UntagResource", _tags("apigateway"), _TAGS_CHANGE),
    C(_STAGE, "delete", "apigateway", "DeleteStage", f"{_APIGW}/stage.go"),
    # -- API Gateway method settings: a patch of the stage
    C(_METHOD_SETTINGS, "create", "apigateway", "UpdateStage", f"{_APIGW}/method_settings.go"),
    C(_METHOD_SETTINGS, "read", "apigateway", "GetStage", f"{_APIGW}/method_settings.go"),
    C(_METHOD_SETTINGS, "update", "apigateway", "UpdateStage", f"{_APIGW}/method_settings.go"),
    C(_METHOD_SETTINGS, "delete", "apigateway", "UpdateStage", f"{_APIGW}/method_settings.go"),
    # -- Application Auto Scaling target
    C(
        _TARGET,
        "create",
        "application-autoscaling",
        "RegisterScalableTarget",
        f"{_SCALING}/target.go",
    ),
    C(
        _TARGET,
        "read",
        "application-autoscaling",
        "DescribeScalableTargets",
        f"{_SCALING}/target.go",
    ),
    C(_TARGET, "read", "application-autoscaling", "ListTagsForResource", _tags("appautoscaling")),
    C(
        _TARGET,
        "update",
        "application-autoscaling",
        "RegisterScalableTarget",
        f"{_SCALING}/target.go",
    ),
    C(
        _TARGET,
        "update",
        "application-autoscaling",
        "TagResource",
        _tags("appautoscaling"),
        _TAGS_CHANGE,
    ),
    C(
        _TARGET,
        "update",
        "application-autoscaling",
        "UntagResource",
        _tags("appautoscaling"),
        _TAGS_CHANGE,
    ),
    C(
        _TARGET,
        "delete",
        "application-autoscaling",
        "DeregisterScalableTarget",
        f"{_SCALING}/target.go",
    ),
    C(
        _TARGET,
        "delete",
        "application-autoscaling",
        "DescribeScalableTargets",
        f"{_SCALING}/target.go",
        "until the target is gone",
    ),
    # -- Application Auto Scaling policy (no tags)
    C(_POLICY, "create", "application-autoscaling", "PutScalingPolicy", f"{_SCALING}/policy.go"),
    C(
        _POLICY,
        "read",
        "application-autoscaling",
        "DescribeScalingPolicies",
        f"{_SCALING}/policy.go",
    ),
    C(_POLICY, "update", "application-autoscaling", "PutScalingPolicy", f"{_SCALING}/policy.go"),
    C(
        _POLICY,
        "delete",
        "application-autoscaling",
        "DeleteScalingPolicy",
        f"{_SCALING}/policy.go",
    ),
    # -- Budget
    C(_BUDGET, "create", "budgets", "CreateBudget", "internal/service/budgets/budget.go"),
    C(_BUDGET, "create", "budgets", "DescribeBudget", "internal/service/budgets/budget.go"),
    C(
        _BUDGET,
        "create",
        "budgets",
        "CreateNotification",
        "internal/service/budgets/budget.go",
        "once per notification",
    ),
    C(_BUDGET, "read", "budgets", "DescribeBudget", "internal/service/budgets/budget.go"),
    C(
        _BUDGET,
        "read",
        "budgets",
        "DescribeNotificationsForBudget",
        "internal/service/budgets/budget.go",
    ),
    C(
        _BUDGET,
        "read",
        "budgets",
        "DescribeSubscribersForNotification",
        "internal/service/budgets/budget.go",
        "once per notification",
    ),
    C(_BUDGET, "read", "budgets", "ListTagsForResource", _tags("budgets")),
    C(_BUDGET, "update", "budgets", "UpdateBudget", "internal/service/budgets/budget.go"),
    C(
        _BUDGET,
        "update",
        "budgets",
        "DeleteNotification",
        "internal/service/budgets/budget.go",
        "a notification is removed or changed",
    ),
    C(
        _BUDGET,
        "update",
        "budgets",
        "CreateNotification",
        "internal/service/budgets/budget.go",
        "a notification is added or changed",
    ),
    C(_BUDGET, "update", "budgets", "TagResource", _tags("budgets"), _TAGS_CHANGE),
    C(_BUDGET, "update", "budgets", "UntagResource", _tags("budgets"), _TAGS_CHANGE),
    C(_BUDGET, "delete", "budgets", "DeleteBudget", "internal/service/budgets/budget.go"),
    # -- CloudWatch dashboard (no tags)
    C(_DASHBOARD, "create", "cloudwatch", "PutDashboard", f"{_CW}/dashboard.go"),
    C(_DASHBOARD, "read", "cloudwatch", "GetDashboard", f"{_CW}/dashboard.go"),
    C(_DASHBOARD, "update", "cloudwatch", "PutDashboard", f"{_CW}/dashboard.go"),
    C(_DASHBOARD, "delete", "cloudwatch", "DeleteDashboards", f"{_CW}/dashboard.go"),
    # -- CloudWatch Logs log group
    C(_LOG_GROUP, "create", "logs", "CreateLogGroup", "internal/service/logs/group.go"),
    C(
        _LOG_GROUP,
        "create",
        "logs",
        "PutRetentionPolicy",
        "internal/service/logs/group.go",
        "retention_in_days is set",
    ),
    C(_LOG_GROUP, "read", "logs", "DescribeLogGroups", "internal/service/logs/group.go"),
    C(_LOG_GROUP, "read", "logs", "ListTagsForResource", _tags("logs")),
    C(
        _LOG_GROUP,
        "update",
        "logs",
        "PutRetentionPolicy",
        "internal/service/logs/group.go",
        "retention_in_days changes to a value",
    ),
    C(
        _LOG_GROUP,
        "update",
        "logs",
        "DeleteRetentionPolicy",
        "internal/service/logs/group.go",
        "retention_in_days is removed",
    ),
    C(
        _LOG_GROUP,
        "update",
        "logs",
        "PutLogGroupDeletionProtection",
        "internal/service/logs/group.go",
        "deletion_protection_enabled changes",
    ),
    C(
        _LOG_GROUP,
        "update",
        "logs",
        "AssociateKmsKey",
        "internal/service/logs/group.go",
        "kms_key_id changes to a key",
    ),
    C(
        _LOG_GROUP,
        "update",
        "logs",
        "DisassociateKmsKey",
        "internal/service/logs/group.go",
        "kms_key_id is removed",
    ),
    C(_LOG_GROUP, "update", "logs", "TagResource", _tags("logs"), _TAGS_CHANGE),
    C(_LOG_GROUP, "update", "logs", "UntagResource", _tags("logs"), _TAGS_CHANGE),
    C(_LOG_GROUP, "delete", "logs", "DeleteLogGroup", "internal/service/logs/group.go"),
    # -- CloudWatch metric alarm
    C(_ALARM, "create", "cloudwatch", "PutMetricAlarm", f"{_CW}/metric_alarm.go"),
    C(_ALARM, "read", "cloudwatch", "DescribeAlarms", f"{_CW}/metric_alarm.go"),
    C(_ALARM, "read", "cloudwatch", "ListTagsForResource", _tags("cloudwatch")),
    C(_ALARM, "update", "cloudwatch", "PutMetricAlarm", f"{_CW}/metric_alarm.go"),
    C(_ALARM, "update", "cloudwatch", "TagResource", _tags("cloudwatch"), _TAGS_CHANGE),
    C(_ALARM, "update", "cloudwatch", "UntagResource", _tags("cloudwatch"), _TAGS_CHANGE),
    C(_ALARM, "delete", "cloudwatch", "DeleteAlarms", f"{_CW}/metric_alarm.go"),
    # -- DynamoDB table
    C(_TABLE, "create", "dynamodb", "CreateTable", f"{_DDB}/table.go"),
    C(
        _TABLE,
        "create",
        "dynamodb",
        "DescribeTable",
        f"{_DDB}/wait.go",
        "until the table and its warm throughput are ACTIVE",
    ),
    C(_TABLE, "create", "dynamodb", "UpdateTimeToLive", f"{_DDB}/table.go", "ttl is enabled"),
    C(
        _TABLE,
        "create",
        "dynamodb",
        "DescribeTimeToLive",
        f"{_DDB}/wait.go",
        "ttl is enabled, until it is ENABLED",
    ),
    C(
        _TABLE,
        "create",
        "dynamodb",
        "UpdateContinuousBackups",
        f"{_DDB}/table.go",
        "point_in_time_recovery is enabled",
    ),
    C(
        _TABLE,
        "create",
        "dynamodb",
        "DescribeContinuousBackups",
        f"{_DDB}/wait.go",
        "point_in_time_recovery is enabled, until it is ENABLED",
    ),
    C(_TABLE, "read", "dynamodb", "DescribeTable", f"{_DDB}/table.go"),
    C(
        _TABLE,
        "read",
        "kms",
        "DescribeKey",
        "internal/service/kms/key.go (findDefaultKeyARNForService, from dynamodb/table.go)",
        "the table reports server-side encryption (key alias/aws/dynamodb; errors ignored)",
    ),
    C(_TABLE, "read", "dynamodb", "DescribeContinuousBackups", f"{_DDB}/table.go"),
    C(_TABLE, "read", "dynamodb", "DescribeTimeToLive", f"{_DDB}/table.go"),
    C(_TABLE, "read", "dynamodb", "ListTagsOfResource", _tags("dynamodb")),
    C(
        _TABLE,
        "update",
        "dynamodb",
        "UpdateTable",
        f"{_DDB}/table.go",
        "capacity, billing mode, streams, indexes, SSE or deletion protection change",
    ),
    C(
        _TABLE,
        "update",
        "dynamodb",
        "DescribeTable",
        f"{_DDB}/wait.go",
        "after UpdateTable, until ACTIVE",
    ),
    C(_TABLE, "update", "dynamodb", "UpdateTimeToLive", f"{_DDB}/table.go", "ttl changes"),
    C(
        _TABLE,
        "update",
        "dynamodb",
        "UpdateContinuousBackups",
        f"{_DDB}/table.go",
        "point_in_time_recovery changes",
    ),
    C(_TABLE, "update", "dynamodb", "TagResource", _tags("dynamodb"), _TAGS_CHANGE),
    C(_TABLE, "update", "dynamodb", "UntagResource", _tags("dynamodb"), _TAGS_CHANGE),
    C(_TABLE, "delete", "dynamodb", "DeleteTable", f"{_DDB}/table.go"),
    C(
        _TABLE,
        "delete",
        "dynamodb",
        "DescribeTable",
        f"{_DDB}/wait.go",
        "until the table is gone",
        expects="ResourceNotFoundException",
    ),
    # -- IAM role (tags come back in GetRole)
    C(_ROLE, "create", "iam", "CreateRole", f"{_IAM}/role.go"),
    C(_ROLE, "read", "iam", "GetRole", f"{_IAM}/role.go"),
    C(_ROLE, "read", "iam", "ListRolePolicies", f"{_IAM}/role.go"),
    C(_ROLE, "read", "iam", "GetRolePolicy", f"{_IAM}/role.go", "once per inline policy"),
    C(_ROLE, "read", "iam", "ListAttachedRolePolicies", f"{_IAM}/role.go"),
    C(
        _ROLE,
        "update",
        "iam",
        "UpdateAssumeRolePolicy",
        f"{_IAM}/role.go",
        "assume_role_policy changes",
    ),
    C(_ROLE, "update", "iam", "UpdateRoleDescription", f"{_IAM}/role.go", "description changes"),
    C(_ROLE, "update", "iam", "UpdateRole", f"{_IAM}/role.go", "max_session_duration changes"),
    C(
        _ROLE,
        "update",
        "iam",
        "PutRolePermissionsBoundary",
        f"{_IAM}/role.go",
        "permissions_boundary is set",
    ),
    C(
        _ROLE,
        "update",
        "iam",
        "DeleteRolePermissionsBoundary",
        f"{_IAM}/role.go",
        "permissions_boundary is removed",
    ),
    C(_ROLE, "update", "iam", "TagRole", f"{_IAM}/tags.go (called from {_TAGGING})", _TAGS_CHANGE),
    C(
        _ROLE,
        "update",
        "iam",
        "UntagRole",
        f"{_IAM}/tags.go (called from {_TAGGING})",
        _TAGS_CHANGE,
    ),
    C(_ROLE, "delete", "iam", "ListInstanceProfilesForRole", f"{_IAM}/role.go"),
    C(_ROLE, "delete", "iam", "DeleteRole", f"{_IAM}/role.go"),
    # -- IAM role policy
    C(_ROLE_POLICY, "create", "iam", "PutRolePolicy", f"{_IAM}/role_policy.go"),
    C(_ROLE_POLICY, "create", "iam", "GetRolePolicy", f"{_IAM}/role_policy.go"),
    C(_ROLE_POLICY, "read", "iam", "GetRolePolicy", f"{_IAM}/role_policy.go"),
    C(_ROLE_POLICY, "update", "iam", "PutRolePolicy", f"{_IAM}/role_policy.go"),
    C(_ROLE_POLICY, "delete", "iam", "DeleteRolePolicy", f"{_IAM}/role_policy.go"),
    # -- SNS topic
    C(_TOPIC, "create", "sns", "CreateTopic", f"{_SNS}/topic.go"),
    C(
        _TOPIC,
        "create",
        "sns",
        "SetTopicAttributes",
        f"{_SNS}/topic.go",
        "once per configured attribute",
    ),
    C(_TOPIC, "read", "sns", "GetTopicAttributes", f"{_SNS}/topic.go"),
    C(_TOPIC, "read", "sns", "ListTagsForResource", _tags("sns")),
    C(_TOPIC, "update", "sns", "SetTopicAttributes", f"{_SNS}/topic.go"),
    C(_TOPIC, "update", "sns", "TagResource", _tags("sns"), _TAGS_CHANGE),
    C(_TOPIC, "update", "sns", "UntagResource", _tags("sns"), _TAGS_CHANGE),
    C(_TOPIC, "delete", "sns", "DeleteTopic", f"{_SNS}/topic.go"),
    # -- SNS topic policy: the topic's Policy attribute
    C(_TOPIC_POLICY, "create", "sns", "SetTopicAttributes", f"{_SNS}/topic_policy.go"),
    C(_TOPIC_POLICY, "read", "sns", "GetTopicAttributes", f"{_SNS}/topic_policy.go"),
    C(_TOPIC_POLICY, "update", "sns", "SetTopicAttributes", f"{_SNS}/topic_policy.go"),
    C(
        _TOPIC_POLICY,
        "delete",
        "sns",
        "SetTopicAttributes",
        f"{_SNS}/topic_policy.go",
        "puts back the default policy",
    ),
    # -- SNS subscription (email: the provider does not wait for confirmation)
    C(_SUBSCRIPTION, "create", "sns", "Subscribe", f"{_SNS}/topic_subscription.go"),
    C(_SUBSCRIPTION, "read", "sns", "GetSubscriptionAttributes", f"{_SNS}/topic_subscription.go"),
    C(
        _SUBSCRIPTION,
        "update",
        "sns",
        "SetSubscriptionAttributes",
        f"{_SNS}/topic_subscription.go",
    ),
    C(_SUBSCRIPTION, "delete", "sns", "Unsubscribe", f"{_SNS}/topic_subscription.go"),
    C(
        _SUBSCRIPTION,
        "delete",
        "sns",
        "GetSubscriptionAttributes",
        f"{_SNS}/topic_subscription.go",
        "until the subscription is gone",
        expects="NotFoundException",
    ),
)
