"""resource-inputs-reviewed: every input of every resource type on the allow-list, with its value.

A happy resource per allowed type (the prod program's inputs after pulumi-aws's Check, as the
analyzer sees them), then one change per constraint, each with exactly one finding; an unlisted
input, an unreviewed type, and values unknown at preview.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from comments_policy.inputs import INPUTS, SPECS
from tests.policy.builders import findings, resource, urn
from tooling.offline_runner import REPO_ROOT, load_stack_config, run_stack
from tooling.policy_check import POLICY_DIR, analyze, load_pack, load_policy_config, stack_mocks

ACCOUNT = "333333333333"
OTHER = "444444444444"
TAGS = {"project": "comments", "stack": "prod"}
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:comments-prod-alarms"
TABLE_NAME = "comments-prod-table-ee653ba"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
OWN_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

DEPLOYMENT = "aws:apigateway/deployment:Deployment"
METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
SCALING_TARGET = "aws:appautoscaling/target:Target"
BUDGET = "aws:budgets/budget:Budget"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TABLE = "aws:dynamodb/table:Table"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
COMPONENT = "comments:service:CommentsService"

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
    },
    separators=(",", ":"),
)

# The prod program's resources as the analyzer sees them (tests/policy/test_inputs.py keeps them
# in step with the program: test_the_program_passes_in_every_stack).
HAPPY: dict[str, dict[str, Any]] = {
    DEPLOYMENT: {
        "description": "Re-created whenever the API document changes",
        "region": "us-east-1",
        "restApi": "8xiprmmupw",
        "triggers": {"apiDocument": "c403d7db391cf40a052273681ee072c3cd88fef5dc4a53d6ddf5963ca9"},
    },
    METHOD_SETTINGS: {
        "methodPath": "*/*",
        "region": "us-east-1",
        "restApi": "8xiprmmupw",
        "settings": {
            "dataTraceEnabled": False,
            "loggingLevel": "OFF",
            "metricsEnabled": False,
            "throttlingBurstLimit": 100.0,
            "throttlingRateLimit": 50.0,
        },
        "stageName": "v1",
    },
    REST_API: {
        "body": '{"openapi": "3.0.1"}',
        "description": "Comments API: API Gateway straight to DynamoDB",
        "endpointConfiguration": {"types": "REGIONAL"},
        "name": "comments-prod",
        "putRestApiMode": "overwrite",
        "region": "us-east-1",
        "tags": TAGS,
        "tagsAll": TAGS,
    },
    STAGE: {
        "accessLogSettings": {
            "destinationArn": (
                f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:comments-prod-access-logs-0c4a3e6"
            ),
            "format": ACCESS_LOG_FORMAT,
        },
        "deployment": "e1stvy",
        "region": "us-east-1",
        "restApi": "8xiprmmupw",
        "stageName": "v1",
        "tags": TAGS,
        "tagsAll": TAGS,
    },
    SCALING_POLICY: {
        "name": "comments-prod-read-scaling-policy-cf2d41f",
        "policyType": "TargetTrackingScaling",
        "region": "us-east-1",
        "resourceId": f"table/{TABLE_NAME}",
        "scalableDimension": "dynamodb:table:ReadCapacityUnits",
        "serviceNamespace": "dynamodb",
        "targetTrackingScalingPolicyConfiguration": {
            "predefinedMetricSpecification": {
                "predefinedMetricType": "DynamoDBReadCapacityUtilization"
            },
            "scaleInCooldown": 300.0,
            "scaleOutCooldown": 60.0,
            "targetValue": 70.0,
        },
    },
    SCALING_TARGET: {
        "maxCapacity": 10.0,
        "minCapacity": 2.0,
        "region": "us-east-1",
        "resourceId": f"table/{TABLE_NAME}",
        "scalableDimension": "dynamodb:table:ReadCapacityUnits",
        "serviceNamespace": "dynamodb",
        "tags": TAGS,
        "tagsAll": TAGS,
    },
    BUDGET: {
        "budgetType": "COST",
        "costFilters": [{"name": "TagKeyValue", "values": ["user:stack$prod"]}],
        "limitAmount": "5.00",
        "limitUnit": "USD",
        "name": "comments-prod-monthly",
        "notifications": [
            {
                "comparisonOperator": "GREATER_THAN",
                "notificationType": kind,
                "subscriberSnsTopicArns": [TOPIC_ARN],
                "threshold": 100.0,
                "thresholdType": "PERCENTAGE",
            }
            for kind in ("FORECASTED", "ACTUAL")
        ],
        "tags": TAGS,
        "tagsAll": TAGS,
        "timePeriodEnd": "2087-06-15_00:00",
        "timeUnit": "MONTHLY",
    },
    DASHBOARD: {
        "dashboardBody": '{"widgets": []}',
        "dashboardName": "comments-prod",
        "region": "us-east-1",
    },
    LOG_GROUP: {
        "name": "comments-prod-access-logs-0c4a3e6",
        "region": "us-east-1",
        "retentionInDays": 90.0,
        "tags": TAGS,
        "tagsAll": TAGS,
    },
    ALARM: {
        "actionsEnabled": True,
        "alarmActions": [TOPIC_ARN],
        "alarmDescription": "Share of requests answered 4xx is above the threshold.",
        "comparisonOperator": "GreaterThanThreshold",
        "datapointsToAlarm": 3.0,
        "dimensions": {"ApiName": "comments-prod", "Stage": "v1"},
        "evaluationPeriods": 3.0,
        "metricName": "4XXError",
        "name": "comments-prod-api-4xx-rate",
        "namespace": "AWS/ApiGateway",
        "okActions": [TOPIC_ARN],
        "period": 300.0,
        "region": "us-east-1",
        "statistic": "Average",
        "tags": TAGS,
        "tagsAll": TAGS,
        "threshold": 0.25,
        "treatMissingData": "notBreaching",
    },
    TABLE: {
        "attributes": [{"name": "slug", "type": "S"}, {"name": "createdAt", "type": "N"}],
        "billingMode": "PROVISIONED",
        "deletionProtectionEnabled": True,
        "hashKey": "slug",
        "name": TABLE_NAME,
        "pointInTimeRecovery": {"enabled": True},
        "rangeKey": "createdAt",
        "readCapacity": 2.0,
        "region": "us-east-1",
        "serverSideEncryption": {"enabled": True},
        "tableClass": "STANDARD",
        "tags": TAGS,
        "tagsAll": TAGS,
        "ttl": {"attributeName": "expiresAt", "enabled": True},
        "writeCapacity": 1.0,
    },
    ROLE: {
        "assumeRolePolicy": '{"Version": "2012-10-17", "Statement": []}',
        "description": "Assumed by API Gateway to read and write the comments table",
        "maxSessionDuration": 3600.0,
        "name": "comments-prod-integration-role-64b12f4",
        "path": "/",
        "permissionsBoundary": (
            f"arn:aws:iam::{ACCOUNT}:policy/github-pipeline/comments-prod-integration-boundary"
        ),
        "tags": TAGS,
        "tagsAll": TAGS,
    },
    ROLE_POLICY: {
        "name": "comments-prod-integration-access-3f570be",
        "policy": '{"Version": "2012-10-17", "Statement": []}',
        "role": "comments-prod-integration-role-64b12f4",
    },
    TOPIC: {"name": "comments-prod-alarms", "region": "us-east-1", "tags": TAGS, "tagsAll": TAGS},
    TOPIC_POLICY: {
        "arn": TOPIC_ARN,
        "policy": '{"Version": "2012-10-17", "Statement": []}',
        "region": "us-east-1",
    },
    SUBSCRIPTION: {
        "confirmationTimeoutInMinutes": 1.0,
        "endpoint": "oncall@comments-demo.example",
        "endpointAutoConfirms": False,
        "protocol": "email",
        "region": "us-east-1",
        "topic": TOPIC_ARN,
    },
    COMPONENT: {},
}


def _capacity_query(query_id: str, metric: str, stat: str) -> dict[str, Any]:
    return {
        "id": query_id,
        "metric": {
            "dimensions": {"TableName": TABLE_NAME},
            "metricName": metric,
            "namespace": "AWS/DynamoDB",
            "period": 300.0,
            "stat": stat,
        },
        "returnData": False,
    }


# The program's other shapes of a type: the capacity and latency alarms, a pre-moderation table,
# a webhook subscription, the moderator role.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "capacity alarm": (
        ALARM,
        {
            **{k: v for k, v in HAPPY[ALARM].items() if k not in ("metricName", "namespace")},
            "name": "comments-prod-table-read-capacity",
            "dimensions": None,
            "period": None,
            "statistic": None,
            "threshold": 80.0,
            "metricQueries": [
                _capacity_query("consumed", "ConsumedReadCapacityUnits", "Sum"),
                _capacity_query("provisioned", "ProvisionedReadCapacityUnits", "Average"),
                {
                    "expression": "100 * (consumed / PERIOD(consumed)) / provisioned",
                    "id": "utilization",
                    "label": "Read capacity used, % of provisioned",
                    "returnData": True,
                },
            ],
        },
    ),
    "latency alarm": (
        ALARM,
        {
            **HAPPY[ALARM],
            "metricName": "Latency",
            "statistic": None,
            "extendedStatistic": "p99",
            "evaluateLowSampleCountPercentiles": "ignore",
            "threshold": 1000.0,
        },
    ),
    "throttle alarm": (
        ALARM,
        {
            **HAPPY[ALARM],
            "namespace": "AWS/DynamoDB",
            "metricName": "ReadThrottleEvents",
            "dimensions": {"TableName": TABLE_NAME},
            "statistic": "Sum",
            "comparisonOperator": "GreaterThanOrEqualToThreshold",
            "datapointsToAlarm": 1.0,
            "threshold": 1.0,
        },
    ),
    "pre-moderation table": (
        TABLE,
        {
            **HAPPY[TABLE],
            "globalSecondaryIndexes": [
                {
                    "keySchemas": [
                        {"attributeName": "pendingQueue", "keyType": "HASH"},
                        {"attributeName": "createdAt", "keyType": "RANGE"},
                    ],
                    "name": "pending",
                    "projectionType": "ALL",
                    "readCapacity": 2.0,
                    "writeCapacity": 1.0,
                }
            ],
        },
    ),
    "webhook subscription": (
        SUBSCRIPTION,
        {
            **HAPPY[SUBSCRIPTION],
            "protocol": "https",
            "endpoint": "https://hooks.example.com/alarms",
            "endpointAutoConfirms": True,
        },
    ),
    "role without a boundary (local)": (ROLE, {**HAPPY[ROLE], "permissionsBoundary": None}),
    "an allowed customer key": (
        TABLE,
        {**HAPPY[TABLE], "serverSideEncryption": {"enabled": True, "kmsKeyArn": OWN_KEY}},
    ),
}


def messages(type_: str, inputs: dict[str, Any], **config: Any) -> list[str]:
    """The rule's findings for one resource named like the program's, with the prod config."""
    inputs = {k: v for k, v in inputs.items() if v is not None}
    found = findings(INPUTS, [resource(type_, "comments-prod-x", inputs)], **config)
    # The rule reads every unknown itself: none of its findings is the analyzer's can't-run line.
    assert all(f.level == "mandatory" for f in found), [f.line() for f in found]
    prefix = f"{INPUTS}: {type_.rsplit(':', 1)[-1]} 'comments-prod-x' "
    assert all(f.message.startswith(prefix) for f in found), [f.message for f in found]
    return [f.message.removeprefix(prefix) for f in found]


@pytest.mark.parametrize("type_", sorted(HAPPY))
def test_the_programs_resources_pass(type_: str) -> None:
    assert messages(type_, HAPPY[type_]) == []


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_programs_other_shapes_pass(variant: str) -> None:
    type_, inputs = VARIANTS[variant]
    assert messages(type_, inputs, allowedKmsKeyArns=[OWN_KEY]) == []


@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_every_allowed_type_has_reviewed_inputs(stack: str) -> None:
    """Allowing a type in a stack's config is not enough: its inputs are allow-listed here."""
    document = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    allowed = document["allowed-resource-types"]["allowedResourceTypes"]
    assert sorted(set(allowed) - set(SPECS)) == []
    assert set(HAPPY) == set(SPECS)


def test_a_type_without_reviewed_inputs_is_refused_whole() -> None:
    found = findings(INPUTS, [resource("aws:sqs/queue:Queue", "comments-prod-x", {})])
    assert [f.message for f in found] == [
        f"{INPUTS}: Queue 'comments-prod-x' is of type aws:sqs/queue:Queue, whose inputs this "
        "pack has not reviewed; a type is usable once its inputs are allow-listed in "
        "policy/comments_policy/inputs.py, not only named in allowedResourceTypes"
    ]


def test_providers_are_left_to_the_providers_rule() -> None:
    """The engine's default provider and explicit ones: their inputs are providers-stack-config's."""
    for name in ("default_7_51_1", "elsewhere"):
        provider = resource("pulumi:providers:aws", name, {"region": "eu-west-1", "profile": "x"})
        assert findings(INPUTS, [provider]) == []
    stack = resource("pulumi:pulumi:Stack", "comments-prod", {})
    assert findings(INPUTS, [stack]) == []


@pytest.mark.parametrize("type_", sorted(HAPPY))
def test_an_unlisted_input_is_refused_naming_what_the_type_takes(type_: str) -> None:
    accepted = ", ".join(sorted(SPECS[type_].inputs))
    short = type_.rsplit(":", 1)[-1]
    assert messages(type_, {**HAPPY[type_], "newerProviderInput": "x"}) == [
        "sets newerProviderInput, an input this pack has not reviewed; the service's "
        f"{short} sets only {accepted}"
    ]


def test_the_stage_still_says_what_it_sets() -> None:
    """The message of the rule this one replaced (apigateway-stage-inputs), word for word."""
    assert messages(STAGE, {**HAPPY[STAGE], "routingMode": "ROUTING_RULE_ONLY"}) == [
        "sets routingMode, an input this pack has not reviewed; the service's Stage sets only "
        "accessLogSettings, cacheClusterEnabled, deployment, description, documentationVersion, "
        "region, restApi, stageName, tags, tagsAll, variables, xrayTracingEnabled"
    ]


_DELETE = object()


def changed(inputs: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy with `path` ('a.b', 'a[0].b') set to value (or removed with _DELETE); a change
    of tags changes tagsAll too, as pulumi-aws's Check would."""
    result: dict[str, Any] = json.loads(json.dumps(inputs))  # no shared objects (tags, tagsAll)
    keys: list[Any] = [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]
    target: Any = result
    for key in keys[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    if keys[0] == "tags" and "tagsAll" in result:
        result["tagsAll"] = dict(result.get("tags") or {})  # what Check merges from them
    return result


def base(name: str) -> tuple[str, dict[str, Any]]:
    return VARIANTS[name] if name in VARIANTS else (name, HAPPY[name])


# (resource: a type of HAPPY or a VARIANTS name, input path, value, what the one finding says)
MUTATIONS: list[tuple[str, str, Any, str]] = [
    # Stage: the reviewed-and-refused inputs keep their reasons
    (
        STAGE,
        "canarySettings",
        {"deploymentId": "elsewhere", "percentTraffic": 50},
        "sets canarySettings; a canary sends a share of the stage's traffic to another "
        "deployment (possibly one made outside this program, whose API document no rule "
        "checked) with its own stage variables",
    ),
    (
        STAGE,
        "canarySettings",
        UNKNOWN_OBJECT,  # set, though unknown until apply: refused the same
        "sets canarySettings; a canary sends a share",
    ),
    (
        STAGE,
        "clientCertificateId",
        "cert-1",
        "sets clientCertificateId; a client certificate authenticates API Gateway to HTTP "
        "backends, and this service's only backend is DynamoDB, called with the integration role",
    ),
    (
        STAGE,
        "cacheClusterSize",
        "0.5",
        "sets cacheClusterSize; the service caches nothing, so there is no cache to size",
    ),
    (
        STAGE,
        "variables",
        {"table": "someone-elses"},
        "sets variables (stage variables); no mapping template reads any, so set none",
    ),
    (
        STAGE,
        "accessLogSettings.destinationArn",
        f"arn:aws:logs:us-east-1:{OTHER}:log-group:comments-prod-access-logs",
        "accessLogSettings.destinationArn is "
        f"'arn:aws:logs:us-east-1:{OTHER}:log-group:comments-prod-access-logs'; it must be the "
        f"ARN of a log group of this stack (arn:aws:logs:us-east-1:{ACCOUNT}:log-group:"
        "comments-prod-...) (a reference, checked by stack-references-own-resources)",
    ),
    (
        STAGE,
        "accessLogSettings.destinationArn",
        f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/amazon-apigateway-x",
        "accessLogSettings.destinationArn is 'arn:aws:firehose:",
    ),
    (
        STAGE,
        "accessLogSettings.format",
        "$context.requestId",
        "accessLogSettings.format leaves out $context.identity.sourceIp, $context.requestTime, "
        "$context.httpMethod, $context.resourcePath, $context.status; every access log line",
    ),
    (
        STAGE,
        "accessLogSettings.format",
        ACCESS_LOG_FORMAT.replace("$context.status", "$context.statusX"),
        "accessLogSettings.format leaves out $context.status;",
    ),
    (
        STAGE,
        "accessLogSettings.sampling",
        0.1,
        "sets accessLogSettings.sampling, an input this pack has not reviewed; accessLogSettings "
        "takes only destinationArn, format",
    ),
    (STAGE, "stageName", "v1/../x", "stageName is 'v1/../x'; it must be a stage name"),
    (STAGE, "restApi", "not-an-api-id", "restApi is 'not-an-api-id'; it must be a REST API id"),
    (
        STAGE,
        "tags.stack",
        "dev",
        "tags.stack is 'dev'; it must be 'prod': the stack's budget watches the spend tagged",
    ),
    (
        STAGE,
        "tagsAll.owner",
        "someone",
        "tagsAll is not the resource's own tags: the provider's default tags (aws:defaultTags)",
    ),
    (
        STAGE,
        "tags.aws:cloudformation:stack-name",
        "x",
        "tags.aws:cloudformation:stack-name is not a tag this stack may set",
    ),
    (STAGE, "tags", _DELETE, "sets no tags; set the stack's tags (project, stack)"),
    (
        STAGE,
        "xrayTracingEnabled",
        True,
        "enables xrayTracingEnabled; X-Ray bills per trace recorded, outside the stack's budget, "
        "and keeps each traced request's URL for 30 days; allow it with allowXrayTracing in the "
        "stack's policy config if the stack needs traces",
    ),
    # a switch set to anything but false counts as on
    (STAGE, "xrayTracingEnabled", "true", "enables xrayTracingEnabled;"),
    (STAGE, "description", "x" * 2000, "description is 'xxx"),
    # Deployment
    (
        DEPLOYMENT,
        "stageName",
        "v2",
        "sets stageName; a deployment that names a stage creates or redeploys that stage",
    ),
    (DEPLOYMENT, "variables", {"table": "x"}, "sets variables (stage variables);"),
    (DEPLOYMENT, "triggers.bad key!", "1", "triggers key is 'bad key!'; it must be a trigger name"),
    # MethodSettings
    (
        METHOD_SETTINGS,
        "settings.loggingLevel",
        "INFO",
        "settings.loggingLevel is 'INFO'; it must be 'OFF': execution logs go to a log group",
    ),
    (
        METHOD_SETTINGS,
        "settings.metricsEnabled",
        True,
        "settings.metricsEnabled is True; it must be False: detailed metrics are billed",
    ),
    (
        METHOD_SETTINGS,
        "settings.cacheTtlInSeconds",
        300,
        "sets settings.cacheTtlInSeconds; the service caches nothing",
    ),
    (METHOD_SETTINGS, "methodPath", "comments/FETCH", "methodPath is 'comments/FETCH'; it must be"),
    (METHOD_SETTINGS, "stageName", "v1 ", "stageName is 'v1 '; it must be a stage name"),
    # RestApi
    (
        REST_API,
        "putRestApiMode",
        "merge",
        "putRestApiMode is 'merge'; it must be 'overwrite': merge keeps every resource and "
        "method the document no longer lists",
    ),
    (
        REST_API,
        "endpointConfiguration.types",
        "EDGE",
        "endpointConfiguration.types is 'EDGE'; it must be 'REGIONAL': an EDGE API is fronted",
    ),
    (REST_API, "endpointConfiguration", _DELETE, "sets no endpointConfiguration; without one AWS"),
    (
        REST_API,
        "endpointConfiguration.vpcEndpointIds",
        ["vpce-1"],
        "sets endpointConfiguration.vpcEndpointIds, an input this pack has not reviewed",
    ),
    (
        REST_API,
        "name",
        "orders-prod",
        "name is 'orders-prod'; it must be 'comments-prod' or a name",
    ),
    (REST_API, "parameters", {"basepath": "prepend"}, "sets parameters; import parameters change"),
    (
        REST_API,
        "binaryMediaTypes",
        ["*/*"],
        "sets binaryMediaTypes, an input this pack has not reviewed",
    ),
    # Table
    (
        TABLE,
        "pointInTimeRecovery.recoveryPeriodInDays",
        7,
        "pointInTimeRecovery.recoveryPeriodInDays is 7; it must be 35: fewer days leave less time",
    ),
    (
        TABLE,
        "serverSideEncryption.enabled",
        False,
        "serverSideEncryption.enabled is False; it must be True",
    ),
    (
        TABLE,
        "serverSideEncryption.kmsKeyArn",
        OWN_KEY,
        f"serverSideEncryption.kmsKeyArn is the customer managed key '{OWN_KEY}', which "
        "allowedKmsKeyArns does not list",
    ),
    (
        TABLE,
        "serverSideEncryption.kmsKeyArn",
        OWN_KEY.replace(ACCOUNT, OTHER),
        f"serverSideEncryption.kmsKeyArn names a key of account {OTHER} in us-east-1; this "
        f"stack's keys are in account {ACCOUNT}, us-east-1",
    ),
    (
        TABLE,
        "serverSideEncryption.kmsKeyArn",
        "alias/aws/dynamodb",
        "serverSideEncryption.kmsKeyArn is 'alias/aws/dynamodb', not a KMS key ARN",
    ),
    (
        TABLE,
        "ttl.attributeName",
        "createdAt",
        "ttl.attributeName is 'createdAt'; it must be 'expiresAt': the attribute only the smoke",
    ),
    (
        TABLE,
        "replicas",
        [{"regionName": "eu-west-1"}],
        "sets replicas; a replica is a copy of the comments in another region",
    ),
    (TABLE, "streamEnabled", True, "sets streamEnabled; a stream hands every change"),
    (
        TABLE,
        "restoreSourceName",
        "someone-elses",
        "sets restoreSourceName; a restore fills the table",
    ),
    (
        TABLE,
        "attributes[0].type",
        "X",
        "attributes[0].type is 'X'; it must be one of 'S', 'N', 'B'",
    ),
    (TABLE, "name", "orders", "name is 'orders'; it must be a name starting with 'comments-prod-'"),
    (
        "pre-moderation table",
        "globalSecondaryIndexes[0].warmThroughput",
        {"readUnitsPerSecond": 40000},
        "sets globalSecondaryIndexes[0].warmThroughput; the service pre-warms nothing",
    ),
    (
        "pre-moderation table",
        "globalSecondaryIndexes[0].keySchemas[1].keyType",
        "SORT",
        "globalSecondaryIndexes[0].keySchemas[1].keyType is 'SORT'; it must be one of",
    ),
    # Role and RolePolicy
    (
        ROLE,
        "maxSessionDuration",
        43200,
        "maxSessionDuration is 43200; it must be a whole number from 900 to 3600",
    ),
    (ROLE, "path", "/service-role/", "path is '/service-role/'; it must be '/'"),
    (
        ROLE,
        "permissionsBoundary",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "permissionsBoundary is 'arn:aws:iam::aws:policy/AdministratorAccess'; it must be the "
        f"boundary bootstrap/ creates (arn:aws:iam::{ACCOUNT}:policy/github-pipeline/"
        "comments-prod-integration-boundary)",
    ),
    (
        ROLE,
        "inlinePolicies",
        [{"name": "x", "policy": "{}"}],
        "sets inlinePolicies; the service grants through RolePolicy resources",
    ),
    (
        ROLE,
        "managedPolicyArns",
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "sets managedPolicyArns; the service attaches no managed policy",
    ),
    (
        ROLE_POLICY,
        "role",
        "OrganizationAccountAccessRole",
        "role is 'OrganizationAccountAccessRole'; it must be a role of this stack (a reference",
    ),
    (ROLE_POLICY, "namePrefix", "x", "sets namePrefix; names are the stack's auto-names"),
    # LogGroup
    (LOG_GROUP, "skipDestroy", True, "sets skipDestroy; it leaves the logs behind"),
    (LOG_GROUP, "logGroupClass", "DELIVERY", "sets logGroupClass; STANDARD is the class"),
    (LOG_GROUP, "kmsKeyId", OWN_KEY, "sets kmsKeyId; a customer key is billed"),
    (LOG_GROUP, "name", "audit", "name is 'audit'; it must be a name starting with"),
    # MetricAlarm: what decides whether it can fire
    (
        ALARM,
        "actionsEnabled",
        False,
        "actionsEnabled is False; it must be True: an alarm with its actions off changes state "
        "without telling anyone",
    ),
    (
        ALARM,
        "comparisonOperator",
        "LessThanThreshold",
        "comparisonOperator is 'LessThanThreshold'; it must be one of 'GreaterThanThreshold', "
        "'GreaterThanOrEqualToThreshold'",
    ),
    (
        ALARM,
        "threshold",
        1.0,
        "threshold is 1; it must be a number from 0.01 and below 1: the share of requests with "
        "that status (an average of 0s and 1s), so 1 or more never fires",
    ),
    (ALARM, "threshold", 0.0001, "threshold is 0.0001; it must be a number from 0.01"),
    (ALARM, "period", 10, "period is 10; it must be one of 60, 300, 900, 3600: the periods"),
    (ALARM, "evaluationPeriods", 61, "evaluationPeriods is 61; it must be a whole number from 1"),
    (ALARM, "evaluationPeriods", 3.5, "evaluationPeriods is 3.5; it must be a whole number"),
    (
        ALARM,
        "datapointsToAlarm",
        5,
        "datapointsToAlarm is 5, more than evaluationPeriods (3); the alarm could never collect",
    ),
    (
        ALARM,
        "treatMissingData",
        "breaching",
        "treatMissingData is 'breaching'; it must be one of 'missing', 'ignore', 'notBreaching'",
    ),
    (ALARM, "statistic", "Minimum", "statistic is 'Minimum'; it must be 'Average': the statistic"),
    (ALARM, "unit", "Bytes", "sets unit; a unit no datapoint has makes the alarm see nothing"),
    (
        ALARM,
        "insufficientDataActions",
        [TOPIC_ARN],
        "sets insufficientDataActions; the service's alarms notify on ALARM and OK only",
    ),
    (
        ALARM,
        "alarmActions[0]",
        f"arn:aws:sns:us-east-1:{OTHER}:comments-prod-alarms",
        f"alarmActions[0] is 'arn:aws:sns:us-east-1:{OTHER}:comments-prod-alarms'; it must be the "
        "ARN of a topic of this stack",
    ),
    (
        ALARM,
        "okActions[0]",
        "arn:aws:automate:us-east-1:ec2:terminate",
        "okActions[0] is 'arn:aws:automate:us-east-1:ec2:terminate'; it must be the ARN of a topic",
    ),
    (ALARM, "alarmActions", _DELETE, "sets no alarmActions; an alarm that notifies nobody"),
    (ALARM, "metricName", "Count", "alarms on 'AWS/ApiGateway' 'Count', a metric this pack"),
    (
        ALARM,
        "dimensions",
        {"ApiName": "comments-prod"},
        "dimensions are ApiName; an alarm on 4XXError names exactly ApiName, Stage",
    ),
    (
        ALARM,
        "dimensions.ApiName",
        "someone-elses-api",
        "dimensions.ApiName is 'someone-elses-api'; it must be the name of a REST API of this "
        "stack",
    ),
    (
        ALARM,
        "evaluateLowSampleCountPercentiles",
        "ignore",
        "sets evaluateLowSampleCountPercentiles",
    ),
    (
        "latency alarm",
        "extendedStatistic",
        "p10",
        "extendedStatistic is 'p10'; it must be one of 'p90', 'p95', 'p99'",
    ),
    (
        "latency alarm",
        "threshold",
        60000,
        "threshold is 60000; it must be a number from 50 to 29000: milliseconds",
    ),
    ("latency alarm", "statistic", "Average", "sets statistic; an alarm on Latency uses"),
    (
        "throttle alarm",
        "threshold",
        1000,
        "threshold is 1000; it must be a number from 1 to 10: throttled requests",
    ),
    (
        "throttle alarm",
        "dimensions.TableName",
        "someone-elses-table",
        "dimensions.TableName is 'someone-elses-table'; it must be the name of a table",
    ),
    (
        "capacity alarm",
        "metricQueries[2].expression",
        "0 * consumed",
        "metricQueries[2].expression is '0 * consumed'; it must be '100 * (consumed / "
        "PERIOD(consumed)) / provisioned': the alarm's expression is what it fires on",
    ),
    (
        "capacity alarm",
        "metricQueries[0].returnData",
        True,
        "metricQueries return data from consumed, utilization; only 'utilization'",
    ),
    (
        "capacity alarm",
        "threshold",
        500,
        "threshold is 500; it must be a number from 10 to 100: percent of the provisioned",
    ),
    (
        "capacity alarm",
        "metricQueries[1].metric.metricName",
        "ProvisionedWriteCapacityUnits",
        "metricQueries compare 'ConsumedReadCapacityUnits' with 'ProvisionedWriteCapacityUnits'",
    ),
    (
        "capacity alarm",
        "metricQueries[0].accountId",
        OTHER,
        "sets metricQueries[0].accountId; an alarm of this stack watches this account's metrics",
    ),
    (
        "capacity alarm",
        "metricQueries[0].metric.period",
        3600,
        "metricQueries 'consumed' and 'provisioned' have different periods",
    ),
    # Dashboard
    (DASHBOARD, "dashboardName", "ops", "dashboardName is 'ops'; it must be 'comments-prod' or"),
    # Topic, its policy and its subscriptions
    (
        TOPIC,
        "policy",
        '{"Statement": []}',
        "sets policy; a topic's policy is a TopicPolicy resource, which "
        "operations-topic-publishers reads",
    ),
    (TOPIC, "kmsMasterKeyId", "alias/aws/sns", "sets kmsMasterKeyId; CloudWatch cannot publish"),
    (
        TOPIC,
        "httpSuccessFeedbackRoleArn",
        f"arn:aws:iam::{ACCOUNT}:role/x",
        "sets httpSuccessFeedbackRoleArn; a feedback role is a role SNS assumes",
    ),
    (TOPIC, "fifoTopic", True, "sets fifoTopic; e-mail and https endpoints cannot subscribe"),
    (
        TOPIC_POLICY,
        "arn",
        f"arn:aws:sns:us-east-1:{ACCOUNT}:someone-elses-topic",
        f"arn is 'arn:aws:sns:us-east-1:{ACCOUNT}:someone-elses-topic'; it must be the ARN of a "
        "topic of this stack",
    ),
    (
        SUBSCRIPTION,
        "protocol",
        "sms",
        "protocol is 'sms'; it must be one of 'email', 'https': the stack's settings take",
    ),
    (SUBSCRIPTION, "protocol", "lambda", "protocol is 'lambda'; it must be one of 'email'"),
    (SUBSCRIPTION, "endpoint", "+15551234567", "endpoint is '+15551234567'; it must be an e-mail"),
    (
        "webhook subscription",
        "endpoint",
        "http://hooks.example.com/alarms",
        "endpoint is 'http://hooks.example.com/alarms'; it must be an https:// URL",
    ),
    (
        SUBSCRIPTION,
        "filterPolicy",
        '{"never": ["x"]}',
        "sets filterPolicy; a filter policy can drop the very alarms",
    ),
    (
        SUBSCRIPTION,
        "endpointAutoConfirms",
        True,
        "sets endpointAutoConfirms for an e-mail subscription",
    ),
    (
        SUBSCRIPTION,
        "topic",
        f"arn:aws:sns:us-east-1:{OTHER}:comments-prod-alarms",
        f"topic is 'arn:aws:sns:us-east-1:{OTHER}:comments-prod-alarms'; it must be the ARN",
    ),
    (
        SUBSCRIPTION,
        "confirmationTimeoutInMinutes",
        60,
        "confirmationTimeoutInMinutes is 60; it must be 1",
    ),
    # Budget: its shape (what it watches and who it tells)
    (BUDGET, "limitUnit", "EUR", "limitUnit is 'EUR'; it must be 'USD'"),
    (BUDGET, "limitAmount", "lots", "limitAmount is 'lots'; it must be an amount in USD"),
    (BUDGET, "timeUnit", "ANNUALLY", "timeUnit is 'ANNUALLY'; it must be 'MONTHLY'"),
    (BUDGET, "budgetType", "USAGE", "budgetType is 'USAGE'; it must be 'COST'"),
    (
        BUDGET,
        "timePeriodEnd",
        "2025-01-01_00:00",
        "timePeriodEnd is '2025-01-01_00:00'; it must be '2087-06-15_00:00': the provider's "
        "default; an earlier end stops the budget watching",
    ),
    (
        BUDGET,
        "timePeriodStart",
        "2087-01-01_00:00",
        "sets timePeriodStart; a start in the future leaves the budget watching nothing",
    ),
    (
        BUDGET,
        "costFilters[0].values[0]",
        "user:stack$dev",
        "costFilters is 'TagKeyValue' 'user:stack$dev'; it must be the one filter 'TagKeyValue' "
        "'user:stack$prod': the budget watches the spend tagged with this stack",
    ),
    (
        BUDGET,
        "notifications[1].threshold",
        1000,
        "notifications[1].threshold is 1000; it must be a number from 1 to 100: percent of the "
        "limit",
    ),
    (
        BUDGET,
        "notifications[0].thresholdType",
        "ABSOLUTE_VALUE",
        "notifications[0].thresholdType is 'ABSOLUTE_VALUE'; it must be 'PERCENTAGE'",
    ),
    (
        BUDGET,
        "notifications[0].subscriberEmailAddresses",
        ["someone@example.com"],
        "sets notifications[0].subscriberEmailAddresses; the budget notifies the stack's topic",
    ),
    (
        BUDGET,
        "costTypes",
        {"includeTax": False},
        "costTypes.includeTax is False; it must be True: the budget counts every kind of cost",
    ),
    (BUDGET, "autoAdjustData", {"autoAdjustType": "HISTORICAL"}, "sets autoAdjustData;"),
    (BUDGET, "notifications", _DELETE, "sets no notifications; a budget that tells nobody"),
    # Application Auto Scaling
    (SCALING_TARGET, "roleArn", f"arn:aws:iam::{ACCOUNT}:role/x", "sets roleArn; Application"),
    (SCALING_TARGET, "suspendedState", {"dynamicScalingInSuspended": True}, "sets suspendedState"),
    (
        SCALING_TARGET,
        "scalableDimension",
        "dynamodb:index:ReadCapacityUnits",
        "scalableDimension is 'dynamodb:index:ReadCapacityUnits'; it must be one of",
    ),
    (SCALING_TARGET, "serviceNamespace", "ecs", "serviceNamespace is 'ecs'; it must be 'dynamodb'"),
    (
        SCALING_TARGET,
        "resourceId",
        "table/someone-elses-table",
        "resourceId is 'table/someone-elses-table'; it must be table/<a table of this stack>",
    ),
    (
        SCALING_POLICY,
        "policyType",
        "StepScaling",
        "policyType is 'StepScaling'; it must be 'TargetTrackingScaling'",
    ),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.targetValue",
        99,
        "targetTrackingScalingPolicyConfiguration.targetValue is 99; it must be a number from "
        "20 to 90",
    ),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.customizedMetricSpecification",
        {"metrics": []},
        "sets targetTrackingScalingPolicyConfiguration.customizedMetricSpecification; a "
        "customized metric could scale the table on anything",
    ),
    (
        SCALING_POLICY,
        "targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType",
        "DynamoDBWriteCapacityUtilization",
        "scales dynamodb:table:ReadCapacityUnits on DynamoDBWriteCapacityUtilization",
    ),
    (
        SCALING_POLICY,
        "stepScalingPolicyConfiguration",
        {"adjustmentType": "ChangeInCapacity"},
        "sets stepScalingPolicyConfiguration; the service scales by target tracking",
    ),
]


@pytest.mark.parametrize(
    ("subject", "path", "value", "fragment"),
    MUTATIONS,
    ids=[f"{m[0].rsplit(':', 1)[-1]} {m[1]}={str(m[2])[:20]}" for m in MUTATIONS],
)
def test_one_change_one_finding(subject: str, path: str, value: Any, fragment: str) -> None:
    type_, inputs = base(subject)
    found = messages(type_, changed(inputs, path, value))
    assert len(found) == 1, found
    assert fragment in found[0], found


def test_alarm_bounds_a_legitimate_change_keeps_within() -> None:
    """Thresholds and periods within the bounds pass: what the stack's settings may choose."""
    for path, value in (
        ("period", 3600),
        ("period", 60),
        ("threshold", 0.99),
        ("evaluationPeriods", 24),
        ("datapointsToAlarm", 1),
    ):
        assert messages(ALARM, changed(HAPPY[ALARM], path, value)) == [], path
    assert messages(ALARM, {**HAPPY[ALARM], "period": 3600, "evaluationPeriods": 30}) == [
        "looks back 108000 s (period x evaluationPeriods); the stack's alarms look back at most "
        "a day (86400 s), CloudWatch's limit for periods below an hour"
    ]


def test_pitr_at_its_default_and_x_ray_where_allowed_pass() -> None:
    table = changed(HAPPY[TABLE], "pointInTimeRecovery.recoveryPeriodInDays", 35)
    assert messages(TABLE, table) == []
    assert (
        messages(STAGE, {**HAPPY[STAGE], "xrayTracingEnabled": True}, allowXrayTracing=True) == []
    )
    assert messages(STAGE, {**HAPPY[STAGE], "xrayTracingEnabled": False}) == []


def test_x_ray_is_off_unless_a_stack_config_says_otherwise() -> None:
    pack = load_pack()
    for stack in ("local", "dev", "staging", "prod"):
        settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", pack)
        assert settings[INPUTS].properties["allowXrayTracing"] is False, stack
        assert settings[INPUTS].properties["allowedKmsKeyArns"] == [], stack


@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_the_rules_account_and_region_are_the_stacks(stack: str) -> None:
    document = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    config = load_stack_config(stack)
    assert [document[INPUTS]["accountId"]] == json.loads(config["aws:allowedAccountIds"])
    assert document[INPUTS]["region"] == config["aws:region"]


def test_a_resource_of_another_stacks_names_is_refused() -> None:
    """The stack comes from the resource's URN: prod's rule takes no dev names."""
    found = findings(
        INPUTS,
        [resource(LOG_GROUP, "comments-prod-x", {**HAPPY[LOG_GROUP], "name": "comments-dev-logs"})],
    )
    assert len(found) == 1
    assert "name is 'comments-dev-logs'; it must be a name starting with 'comments-prod-'" in (
        found[0].message
    )
    assert urn(LOG_GROUP, "x").startswith("urn:pulumi:prod::comments::")


# Inputs that legitimately come from other resources' outputs: references and the documents
# other rules read. Every other input must be known at preview.
MAY_BE_UNKNOWN = {
    (DEPLOYMENT, "restApi"),
    (METHOD_SETTINGS, "restApi"),
    (METHOD_SETTINGS, "stageName"),
    (REST_API, "body"),
    (STAGE, "restApi"),
    (STAGE, "deployment"),
    (ROLE_POLICY, "policy"),
    (ROLE_POLICY, "role"),
    (SCALING_POLICY, "resourceId"),
    (SCALING_TARGET, "resourceId"),
    (TOPIC_POLICY, "arn"),
    (SUBSCRIPTION, "topic"),
}


@pytest.mark.parametrize(
    ("type_", "name"),
    sorted((t, n) for t, inputs in HAPPY.items() for n in inputs),
    ids=lambda v: v.rsplit(":", 1)[-1],
)
def test_a_value_unknown_at_preview(type_: str, name: str) -> None:
    """A literal not known until apply is refused: it cannot be decided at preview."""
    found = messages(type_, {**HAPPY[type_], name: UNKNOWN_STRING})
    if (type_, name) in MAY_BE_UNKNOWN:
        assert found == []
    else:
        assert len(found) == 1, found
        assert found[0].startswith(
            f"{name} is not known until apply, so it cannot be decided at preview; it must be "
        ), found


@pytest.mark.parametrize(
    ("subject", "path", "passes"),
    [
        (STAGE, "accessLogSettings.destinationArn", True),
        (STAGE, "accessLogSettings.format", False),
        (DEPLOYMENT, "triggers.apiDocument", True),
        (ALARM, "alarmActions[0]", True),
        (ALARM, "dimensions.Stage", True),
        ("throttle alarm", "dimensions.TableName", True),
        (TABLE, "pointInTimeRecovery.enabled", False),
        (TABLE, "serverSideEncryption.enabled", False),
        (METHOD_SETTINGS, "settings.throttlingRateLimit", False),
        (BUDGET, "notifications[0].threshold", False),
        (BUDGET, "costFilters[0].values[0]", False),
        ("capacity alarm", "metricQueries[0].metric.dimensions.TableName", True),
        ("capacity alarm", "metricQueries[2].expression", False),
    ],
)
def test_a_nested_value_unknown_at_preview(subject: str, path: str, passes: bool) -> None:
    type_, inputs = base(subject)
    found = messages(type_, changed(inputs, path, UNKNOWN_STRING))
    if passes:
        assert found == []
    else:
        assert len(found) == 1, found
        assert "is not known until apply, so it cannot be decided at preview" in found[0]


@pytest.mark.slow
@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_the_program_passes_in_every_stack(stack: str, preview: bool) -> None:
    """The real program, as the engine would hand it over, known and at a first preview."""
    pack = load_pack()
    only = dataclasses.replace(pack, policies=[p for p in pack.policies if p.name == INPUTS])
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", pack)
    plan = run_stack(stack, stack_mocks(stack, REPO_ROOT, None), preview=preview)
    assert [f.line() for f in analyze(plan, only, settings)] == []
    assert {r.type for r in plan.resources} <= set(SPECS)
