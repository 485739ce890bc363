"""What the kit asks IAM's policy simulator, as data: the escalation attempts every role must be
refused, and the requests each role exists to make, which must be allowed.

Each case is one request: an action, a resource ARN and the request context IAM evaluates the
role's policies with. Templates name the environment under test `{env}` and the one attacked
`{other}`; `{partition}`, `{account}` and `{region}` are the account's; `{prefix}` is the stacks'
resource prefix and `{project}` their Pulumi project (bootstrap/Pulumi.yaml); `{env_key}`,
`{other_key}`, `{dynamodb_key}` and `{bucket}` the secrets keys, the aws/dynamodb key and the
state bucket; `{table}`, `{api}` (the REST API's execute-api ARN), `{stage}` and `{topic}` the
deployed stack's own. A context value `("{tag_keys}",)` stands for the bootstrap's allowedTagKeys.

The escalation attempts are the ones tests/bootstrap/test_escalation.py and test_denials.py
evaluate offline against the planned documents; here they go to the real account's simulator,
which also applies what the tests cannot see (permissions boundaries, organization SCPs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# When a case applies: a data-protected environment or not, pre- or post-moderation, the S3
# state backend (state bucket and secrets keys) or Pulumi Cloud.
PROTECTED = "protected"
UNPROTECTED = "unprotected"
PRE_MODERATION = "pre-moderation"
POST_MODERATION = "post-moderation"
STATE_BUCKET = "state-bucket"
CONDITIONS = frozenset({PROTECTED, UNPROTECTED, PRE_MODERATION, POST_MODERATION, STATE_BUCKET})

ContextValue = str | tuple[str, ...]
_NO_CONTEXT: Mapping[str, ContextValue] = MappingProxyType({})


@dataclass(frozen=True)
class Case:
    """One request to the simulator. `write`: a request that changes something (a preview role
    must be refused every write a deploy needs)."""

    name: str
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=lambda: _NO_CONTEXT)
    when: frozenset[str] = frozenset()
    write: bool = False

    def __post_init__(self) -> None:
        unknown = self.when - CONDITIONS
        if unknown:
            raise ValueError(f"case {self.name!r}: unknown conditions {sorted(unknown)}")


def _case(
    name: str,
    action: str,
    resource: str,
    context: Mapping[str, ContextValue] | None = None,
    *,
    when: tuple[str, ...] = (),
    write: bool = False,
) -> Case:
    return Case(
        name, action, resource, MappingProxyType(dict(context or {})), frozenset(when), write
    )


IAM = "arn:{partition}:iam::{account}"
DYNAMODB = "arn:{partition}:dynamodb:{region}:{account}"
LOGS = "arn:{partition}:logs:{region}:{account}"
CLOUDWATCH = "arn:{partition}:cloudwatch:{region}:{account}"
SNS = "arn:{partition}:sns:{region}:{account}"
KMS = "arn:{partition}:kms:{region}:{account}"
APIGATEWAY = "arn:{partition}:apigateway:{region}::"
SCALING = "arn:{partition}:application-autoscaling:{region}:{account}"
BUCKET = "arn:{partition}:s3:::{bucket}"
STATE = BUCKET + "/.pulumi"

# Names in the stacks' own forms (`<prefix><env>-<name>-<suffix>`), as the deploy and preview
# policies scope them; the real names differ only in the generated suffix.
OWN_TABLE = DYNAMODB + ":table/{prefix}{env}-table-1a2b3c4"
OTHER_TABLE = DYNAMODB + ":table/{prefix}{other}-table-1a2b3c4"
OWN_ROLE = IAM + ":role/{prefix}{env}-integration-role-1a2b3c4"
OTHER_ROLE = IAM + ":role/{prefix}{other}-integration-role-1a2b3c4"
DEPLOY_ROLE = IAM + ":role/github-pipeline/{project}-deploy-{env}"
OTHER_DEPLOY_ROLE = IAM + ":role/github-pipeline/{project}-deploy-{other}"
BREAK_GLASS = IAM + ":role/github-pipeline/{project}-break-glass"
LOGGING_ROLE = IAM + ":role/github-pipeline/{project}-apigateway-logging"
BOUNDARY = IAM + ":policy/github-pipeline/{prefix}{env}-integration-boundary"
OTHER_BOUNDARY = IAM + ":policy/github-pipeline/{prefix}{other}-integration-boundary"
OWN_LOG_GROUP = LOGS + ":log-group:{prefix}{env}-access-logs-1a2b3c4"
OWN_ALARM = CLOUDWATCH + ":alarm:{prefix}{env}-api-5xx-rate"
TRACKING_ALARM = CLOUDWATCH + ":alarm:TargetTracking-table/{prefix}{env}-table-1a2b3c4-AlarmHigh-1"
OWN_TOPIC = SNS + ":{prefix}{env}-alarms"
OTHER_TOPIC = SNS + ":{prefix}{other}-alarms"
OWN_BUDGET = "arn:{partition}:budgets::{account}:budget/{prefix}{env}-monthly"
OWN_DASHBOARD = "arn:{partition}:cloudwatch::{account}:dashboard/{prefix}{env}"
REST_APIS = APIGATEWAY + "/restapis"
API = REST_APIS + "/a1b2c3d4e5"
API_TAGS = (
    APIGATEWAY + "/tags/arn%3A{partition}%3Aapigateway%3A{region}%3A%3A%2Frestapis%2Fa1b2c3d4e5"
)
SCALABLE_TARGET = SCALING + ":scalable-target/0a1b2c3d4e5f"
SCALING_POLICY = "arn:{partition}:autoscaling:{region}:{account}:scalingPolicy:6d8972f3"
OWN_SCALING_POLICY = (
    SCALING_POLICY + ":resource/dynamodb/table/{prefix}{env}-table-1a2b3c4:policyName/read"
)
OTHER_SCALING_POLICY = (
    SCALING_POLICY + ":resource/dynamodb/table/{prefix}{other}-table-1a2b3c4:policyName/read"
)
SCALING_ROLE = (
    IAM + ":role/aws-service-role/dynamodb.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable"
)
OWN_STATE = STATE + "/stacks/{project}/{env}.json"
OTHER_STATE = STATE + "/stacks/{project}/{other}.json"

TAGS: Mapping[str, ContextValue] = MappingProxyType({"aws:TagKeys": ("{tag_keys}",)})
TAGGED_OWN = {"aws:ResourceTag/stack": "{env}"}
TAGGED_OTHER = {"aws:ResourceTag/stack": "{other}"}
CREATING_OWN = {"aws:RequestTag/stack": "{env}", **TAGS}
CREATING_OTHER = {"aws:RequestTag/stack": "{other}", **TAGS}
VIA_DYNAMODB = {"kms:ViaService": "dynamodb.{region}.amazonaws.com"}
TO_API_GATEWAY = {"iam:PassedToService": "apigateway.amazonaws.com"}
READ_CAPACITY = {"application-autoscaling:scalable-dimension": "dynamodb:table:ReadCapacityUnits"}


def _bounded(
    boundary: str = BOUNDARY, extra: Mapping[str, ContextValue] | None = None
) -> dict[str, ContextValue]:
    return {"iam:PermissionsBoundary": boundary, **(extra or {})}


def _alarm_actions(*actions: str) -> dict[str, ContextValue]:
    return {"cloudwatch:AlarmActions": tuple(actions), **TAGS}


# -- refused to every pipeline role (deploy and preview) of `{env}` ------------------------------

ESCALATIONS: tuple[Case, ...] = (
    # Users, keys and passwords: no statement names a user.
    _case("a user", "iam:CreateUser", IAM + ":user/{prefix}{env}-x"),
    _case("an access key", "iam:CreateAccessKey", IAM + ":user/admin"),
    _case("a console password", "iam:CreateLoginProfile", IAM + ":user/admin"),
    _case("another's password", "iam:UpdateLoginProfile", IAM + ":user/admin"),
    # Roles and policies.
    _case(
        "a managed policy on its own role",
        "iam:AttachRolePolicy",
        OWN_ROLE,
        _bounded(extra={"iam:PolicyARN": "arn:{partition}:iam::aws:policy/AdministratorAccess"}),
    ),
    _case("a managed policy", "iam:CreatePolicy", IAM + ":policy/{prefix}{env}-x"),
    _case("a new version of its boundary", "iam:CreatePolicyVersion", BOUNDARY),
    _case("an older version of its boundary", "iam:SetDefaultPolicyVersion", BOUNDARY),
    _case("the boundary's deletion", "iam:DeletePolicy", BOUNDARY),
    _case("a role without the boundary", "iam:CreateRole", IAM + ":role/{prefix}{env}-x", TAGS),
    _case(
        "a role with the other environment's boundary",
        "iam:CreateRole",
        IAM + ":role/{prefix}{env}-x",
        _bounded(OTHER_BOUNDARY, TAGS),
    ),
    _case(
        "a role in the other environment's names",
        "iam:CreateRole",
        IAM + ":role/{prefix}{other}-x",
        _bounded(extra=TAGS),
    ),
    _case(
        "a role named outside its names, under a path in them",
        "iam:CreateRole",
        IAM + ":role/{prefix}{env}-x/{prefix}{other}-integration-role-1",
        _bounded(extra=TAGS),
    ),
    _case("its own deploy role's policy", "iam:PutRolePolicy", DEPLOY_ROLE),
    _case("the other deploy role's policy", "iam:PutRolePolicy", OTHER_DEPLOY_ROLE),
    _case(
        "the other environment's integration role's policy",
        "iam:PutRolePolicy",
        OTHER_ROLE,
        _bounded(OTHER_BOUNDARY),
    ),
    _case("a boundary off its own role", "iam:DeleteRolePermissionsBoundary", OWN_ROLE, _bounded()),
    _case(
        "a wider boundary on its own role",
        "iam:PutRolePermissionsBoundary",
        OWN_ROLE,
        {"iam:PermissionsBoundary": "arn:{partition}:iam::aws:policy/AdministratorAccess"},
    ),
    _case("its own role's trust", "iam:UpdateAssumeRolePolicy", OWN_ROLE),
    _case("break-glass's trust", "iam:UpdateAssumeRolePolicy", BREAK_GLASS),
    _case("its own role's tags", "iam:TagRole", DEPLOY_ROLE),
    _case(
        "the other environment's role's tags",
        "iam:UntagRole",
        OTHER_ROLE,
        {"aws:TagKeys": ("stack",)},
    ),
    _case(
        "a foreign tag key on a role it creates",
        "iam:CreateRole",
        IAM + ":role/{prefix}{env}-x",
        _bounded(extra={"aws:TagKeys": ("stack", "admin")}),
    ),
    _case(
        "a service-linked role of another service",
        "iam:CreateServiceLinkedRole",
        IAM + ":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        {"iam:AWSServiceName": "ecs.amazonaws.com"},
    ),
    # Passing a stronger role.
    _case("its own deploy role to API Gateway", "iam:PassRole", DEPLOY_ROLE, TO_API_GATEWAY),
    _case("break-glass to API Gateway", "iam:PassRole", BREAK_GLASS, TO_API_GATEWAY),
    _case("the account's API Gateway logging role", "iam:PassRole", LOGGING_ROLE, TO_API_GATEWAY),
    _case("the other environment's integration role", "iam:PassRole", OTHER_ROLE, TO_API_GATEWAY),
    _case(
        "its own integration role to Lambda",
        "iam:PassRole",
        OWN_ROLE,
        {"iam:PassedToService": "lambda.amazonaws.com"},
    ),
    _case("break-glass itself", "sts:AssumeRole", BREAK_GLASS),
    # The other environment's table, its data and backups.
    _case("the other table's deletion", "dynamodb:DeleteTable", OTHER_TABLE),
    _case("the other table's update", "dynamodb:UpdateTable", OTHER_TABLE),
    _case("the other table's PITR", "dynamodb:UpdateContinuousBackups", OTHER_TABLE),
    _case("the other table's TTL", "dynamodb:UpdateTimeToLive", OTHER_TABLE),
    _case(
        "the other table's backups",
        "dynamodb:DeleteBackup",
        OTHER_TABLE + "/backup/01700000000000-abcdef",
    ),
    _case("the other table's items", "dynamodb:Scan", OTHER_TABLE),
    _case("its own table's items", "dynamodb:GetItem", OWN_TABLE),
    _case("an export of its own table", "dynamodb:ExportTableToPointInTime", OWN_TABLE),
    _case("a stream of its own table", "dynamodb:EnableKinesisStreamingDestination", OWN_TABLE),
    _case("a policy on its own table", "dynamodb:PutResourcePolicy", OWN_TABLE),
    # The other environment's state and secrets.
    _case("the other state", "s3:GetObject", OTHER_STATE, when=(STATE_BUCKET,)),
    _case("the other state's rewrite", "s3:PutObject", OTHER_STATE, when=(STATE_BUCKET,)),
    _case(
        "the other state's history",
        "s3:GetObject",
        STATE + "/history/{project}/{other}/x.history.json",
        when=(STATE_BUCKET,),
    ),
    _case(
        "the other state's lock",
        "s3:DeleteObject",
        STATE + "/locks/organization/{project}/{other}/x.json",
        when=(STATE_BUCKET,),
    ),
    _case(
        "an old version of its own state",
        "s3:GetObjectVersion",
        OWN_STATE,
        when=(STATE_BUCKET,),
    ),
    _case(
        "a version of its own state deleted for good",
        "s3:DeleteObjectVersion",
        OWN_STATE,
        when=(STATE_BUCKET,),
    ),
    _case("the bucket's policy", "s3:PutBucketPolicy", BUCKET, when=(STATE_BUCKET,)),
    _case("the bucket's versioning", "s3:PutBucketVersioning", BUCKET, when=(STATE_BUCKET,)),
    _case("an expiry of every state", "s3:PutLifecycleConfiguration", BUCKET, when=(STATE_BUCKET,)),
    _case("the other secrets", "kms:Decrypt", "{other_key}", when=(STATE_BUCKET,)),
    _case("a grant on its own secrets key", "kms:CreateGrant", "{env_key}", when=(STATE_BUCKET,)),
    _case(
        "a DynamoDB grant on the other secrets key",
        "kms:CreateGrant",
        "{other_key}",
        VIA_DYNAMODB,
        when=(STATE_BUCKET,),
    ),
    _case(
        "a DynamoDB grant on another key of the account",
        "kms:DescribeKey",
        KMS + ":key/0a1b2c3d-audit-logs",
        VIA_DYNAMODB,
    ),
    _case("its secrets key's policy", "kms:PutKeyPolicy", "{env_key}", when=(STATE_BUCKET,)),
    # The audit trail and alarms.
    _case(
        "the trail",
        "cloudtrail:StopLogging",
        "arn:{partition}:cloudtrail:{region}:{account}:trail/x",
    ),
    _case(
        "the trail's deletion",
        "cloudtrail:DeleteTrail",
        "arn:{partition}:cloudtrail:{region}:{account}:trail/x",
    ),
    _case(
        "the trail's log group",
        "logs:DeleteLogGroup",
        LOGS + ":log-group:aws-cloudtrail-logs-{account}",
    ),
    _case(
        "a subscription exporting another log group",
        "logs:PutSubscriptionFilter",
        LOGS + ":log-group:{prefix}{other}-access-logs-1",
    ),
    _case(
        "the other stack's alarm silenced",
        "cloudwatch:DisableAlarmActions",
        CLOUDWATCH + ":alarm:{prefix}{other}-api-5xx-rate",
    ),
    _case("its own alarm forced to OK", "cloudwatch:SetAlarmState", OWN_ALARM),
    _case(
        "the other table's scaling alarm",
        "cloudwatch:DeleteAlarms",
        CLOUDWATCH + ":alarm:TargetTracking-table/{prefix}{other}-t-AlarmHigh-1",
    ),
    _case("a publish to the other topic", "sns:Publish", OTHER_TOPIC),
    _case(
        "a budget action (it applies IAM policies)",
        "budgets:CreateBudgetAction",
        OWN_BUDGET + "/action/x",
    ),
    # Account-wide API Gateway settings and secrets.
    _case("the account's logging role", "apigateway:PATCH", APIGATEWAY + "/account"),
    _case("the API keys' values", "apigateway:GET", APIGATEWAY + "/apikeys"),
    _case("a custom domain", "apigateway:POST", APIGATEWAY + "/domainnames"),
    _case("a usage plan", "apigateway:DELETE", APIGATEWAY + "/usageplans/x"),
    _case(
        "a scheduled scaling action",
        "application-autoscaling:PutScheduledAction",
        SCALABLE_TARGET,
        TAGGED_OWN,
    ),
    # REST APIs are tied to their stack by the `stack` tag (their ids are generated).
    _case("the other stack's API document", "apigateway:PUT", API, TAGGED_OTHER),
    _case("an untagged API's document", "apigateway:PUT", API),
    _case(
        "the other stack's integration",
        "apigateway:PATCH",
        API + "/resources/r1/methods/GET/integration",
        TAGGED_OTHER,
    ),
    _case("the other stack's deployment", "apigateway:POST", API + "/deployments", TAGGED_OTHER),
    _case("the other stack's stage", "apigateway:PATCH", API + "/stages/v1", TAGGED_OTHER),
    _case("the other stack's API deleted", "apigateway:DELETE", API, TAGGED_OTHER),
    _case("a REST API for the other stack", "apigateway:POST", REST_APIS, CREATING_OTHER),
    _case("an untagged REST API", "apigateway:POST", REST_APIS),
    _case(
        "the other stack's API tagged into its own",
        "apigateway:PUT",
        API_TAGS,
        {**TAGGED_OTHER, **CREATING_OWN},
    ),
    _case("an untagged API claimed", "apigateway:PUT", API_TAGS, CREATING_OWN),
    _case(
        "its own API handed to the other stack",
        "apigateway:PUT",
        API_TAGS,
        {**TAGGED_OWN, **CREATING_OTHER},
    ),
    _case(
        "the other stack's API untagged",
        "apigateway:DELETE",
        API_TAGS,
        {**TAGGED_OTHER, "aws:TagKeys": ("stack",)},
    ),
    # An alarm acts as CloudWatch when its state changes: only on the stack's own topic.
    _case(
        "its alarm notifying the other topic",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions(OTHER_TOPIC),
    ),
    _case(
        "its alarm opening OpsItems",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions(OWN_TOPIC, "arn:{partition}:ssm:{region}:{account}:opsitem:1"),
    ),
    _case(
        "its alarm terminating instances",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions("arn:{partition}:automate:{region}:ec2:terminate"),
    ),
    _case(
        "its alarm invoking a function",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions("arn:{partition}:lambda:{region}:{account}:function:anything"),
    ),
    _case(
        "its alarm scaling the other table",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions(OTHER_SCALING_POLICY),
    ),
    _case(
        "a tracking alarm scaling the other table",
        "cloudwatch:PutMetricAlarm",
        TRACKING_ALARM,
        _alarm_actions(OTHER_SCALING_POLICY),
    ),
    _case(
        "a tracking alarm notifying the other topic",
        "cloudwatch:PutMetricAlarm",
        TRACKING_ALARM,
        _alarm_actions(OTHER_TOPIC),
    ),
    _case(
        "a tracking alarm paging through incident manager",
        "cloudwatch:PutMetricAlarm",
        TRACKING_ALARM,
        _alarm_actions("arn:{partition}:ssm-incidents::{account}:response-plan/page-everyone"),
    ),
    # Scaling anything but a table's capacity.
    _case(
        "a scalable target of another dimension",
        "application-autoscaling:RegisterScalableTarget",
        SCALABLE_TARGET,
        {
            **CREATING_OWN,
            "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
        },
    ),
)

# -- refused to the deploy role of a data-protected environment ----------------------------------

TABLE_PROTECTION: tuple[Case, ...] = (
    *(
        _case(f"its protected table: {action}", action, OWN_TABLE, when=(PROTECTED,))
        for action in (
            "dynamodb:DeleteTable",
            "dynamodb:UpdateTable",  # deletion protection off (IAM has no key for the flag)
            "dynamodb:UpdateContinuousBackups",  # PITR off
            "dynamodb:UpdateTimeToLive",
            "dynamodb:PutResourcePolicy",
            "dynamodb:DeleteResourcePolicy",
        )
    ),
    _case(
        "its protected table's backups",
        "dynamodb:DeleteBackup",
        OWN_TABLE + "/backup/01700000000000-abcdef",
        when=(PROTECTED,),
    ),
)

# -- allowed to the deploy role: what `pulumi up` of the stack calls ----------------------------

DEPLOY_NEEDS: tuple[Case, ...] = (
    _case("create its table", "dynamodb:CreateTable", OWN_TABLE, TAGS, write=True),
    _case("tag its table", "dynamodb:TagResource", OWN_TABLE, TAGS, write=True),
    _case("read its table", "dynamodb:DescribeTable", OWN_TABLE),
    _case("read its table's backups", "dynamodb:DescribeContinuousBackups", OWN_TABLE),
    _case("read its table's TTL", "dynamodb:DescribeTimeToLive", OWN_TABLE),
    _case(
        "update its table",
        "dynamodb:UpdateTable",
        OWN_TABLE,
        when=(UNPROTECTED,),
        write=True,
    ),
    _case(
        "set its table's PITR",
        "dynamodb:UpdateContinuousBackups",
        OWN_TABLE,
        when=(UNPROTECTED,),
        write=True,
    ),
    _case(
        "set its table's TTL",
        "dynamodb:UpdateTimeToLive",
        OWN_TABLE,
        when=(UNPROTECTED,),
        write=True,
    ),
    _case(
        "delete its table",
        "dynamodb:DeleteTable",
        OWN_TABLE,
        when=(UNPROTECTED,),
        write=True,
    ),
    _case(
        "create its integration role with the boundary",
        "iam:CreateRole",
        OWN_ROLE,
        _bounded(extra=TAGS),
        write=True,
    ),
    _case("write its role's policy", "iam:PutRolePolicy", OWN_ROLE, _bounded(), write=True),
    _case("tag its role", "iam:TagRole", OWN_ROLE, TAGS, write=True),
    _case("delete its role", "iam:DeleteRole", OWN_ROLE, write=True),
    _case("read its role", "iam:GetRole", OWN_ROLE),
    _case("pass its role to API Gateway", "iam:PassRole", OWN_ROLE, TO_API_GATEWAY, write=True),
    _case("create its log group", "logs:CreateLogGroup", OWN_LOG_GROUP, TAGS, write=True),
    _case("set its log retention", "logs:PutRetentionPolicy", OWN_LOG_GROUP, write=True),
    _case("list log groups", "logs:DescribeLogGroups", LOGS + ":log-group:*"),
    _case(
        "create a REST API for its stack", "apigateway:POST", REST_APIS, CREATING_OWN, write=True
    ),
    _case("write its API document", "apigateway:PUT", API, TAGGED_OWN, write=True),
    _case(
        "change its integration",
        "apigateway:PATCH",
        API + "/resources/r1/methods/GET/integration",
        TAGGED_OWN,
        write=True,
    ),
    _case("deploy its API", "apigateway:POST", API + "/deployments", TAGGED_OWN, write=True),
    _case("change its stage", "apigateway:PATCH", API + "/stages/v1", TAGGED_OWN, write=True),
    _case("delete its API", "apigateway:DELETE", API, TAGGED_OWN, write=True),
    _case("tag its API", "apigateway:PUT", API_TAGS, {**TAGGED_OWN, **CREATING_OWN}, write=True),
    _case("read any REST API", "apigateway:GET", API, TAGGED_OTHER),
    _case(
        "its alarm notifying its topic",
        "cloudwatch:PutMetricAlarm",
        OWN_ALARM,
        _alarm_actions(OWN_TOPIC),
        write=True,
    ),
    _case(
        "a tracking alarm scaling its table",
        "cloudwatch:PutMetricAlarm",
        TRACKING_ALARM,
        _alarm_actions(OWN_SCALING_POLICY),
        write=True,
    ),
    _case("read its alarms", "cloudwatch:DescribeAlarms", OWN_ALARM),
    _case("write its dashboard", "cloudwatch:PutDashboard", OWN_DASHBOARD, write=True),
    _case("create its topic", "sns:CreateTopic", OWN_TOPIC, TAGS, write=True),
    _case("write its topic's policy", "sns:SetTopicAttributes", OWN_TOPIC, write=True),
    _case("subscribe to its topic", "sns:Subscribe", OWN_TOPIC, write=True),
    _case("write its budget", "budgets:ModifyBudget", OWN_BUDGET, TAGS, write=True),
    _case("read its budget", "budgets:ViewBudget", OWN_BUDGET),
    _case(
        "register its table's scalable target",
        "application-autoscaling:RegisterScalableTarget",
        SCALABLE_TARGET,
        {**CREATING_OWN, **READ_CAPACITY},
        write=True,
    ),
    _case(
        "put its target's scaling policy",
        "application-autoscaling:PutScalingPolicy",
        SCALABLE_TARGET,
        {**TAGGED_OWN, **READ_CAPACITY},
        write=True,
    ),
    _case(
        "list scalable targets",
        "application-autoscaling:DescribeScalableTargets",
        "*",
    ),
    _case(
        "create the DynamoDB scaling service-linked role",
        "iam:CreateServiceLinkedRole",
        SCALING_ROLE,
        {"iam:AWSServiceName": "dynamodb.application-autoscaling.amazonaws.com"},
        write=True,
    ),
    _case(
        "a grant on aws/dynamodb via DynamoDB",
        "kms:CreateGrant",
        "{dynamodb_key}",
        VIA_DYNAMODB,
        write=True,
    ),
    _case("describe aws/dynamodb via DynamoDB", "kms:DescribeKey", "{dynamodb_key}", VIA_DYNAMODB),
    _case(
        "encrypt with its secrets key", "kms:Encrypt", "{env_key}", when=(STATE_BUCKET,), write=True
    ),
    _case("decrypt with its secrets key", "kms:Decrypt", "{env_key}", when=(STATE_BUCKET,)),
    _case("read its state", "s3:GetObject", OWN_STATE, when=(STATE_BUCKET,)),
    _case("write its state", "s3:PutObject", OWN_STATE, when=(STATE_BUCKET,), write=True),
    _case(
        "release its lock",
        "s3:DeleteObject",
        STATE + "/locks/organization/{project}/{env}/x.json",
        when=(STATE_BUCKET,),
        write=True,
    ),
    _case("list the state bucket", "s3:ListBucket", BUCKET, when=(STATE_BUCKET,)),
)

# -- allowed to the preview role: what `pulumi preview --refresh` reads -------------------------

PREVIEW_NEEDS: tuple[Case, ...] = (
    _case("read its table", "dynamodb:DescribeTable", OWN_TABLE),
    _case("read its table's tags", "dynamodb:ListTagsOfResource", OWN_TABLE),
    _case("read its role", "iam:GetRole", OWN_ROLE),
    _case("read its role's policy", "iam:GetRolePolicy", OWN_ROLE),
    _case("list log groups", "logs:DescribeLogGroups", LOGS + ":log-group:*"),
    _case("read its log group's tags", "logs:ListTagsForResource", OWN_LOG_GROUP),
    _case("list REST APIs", "apigateway:GET", REST_APIS),
    _case("read a REST API", "apigateway:GET", API),
    _case("read its alarms", "cloudwatch:DescribeAlarms", OWN_ALARM),
    _case("read its dashboard", "cloudwatch:GetDashboard", OWN_DASHBOARD),
    _case("read its topic", "sns:GetTopicAttributes", OWN_TOPIC),
    _case("read its budget", "budgets:ViewBudget", OWN_BUDGET),
    _case(
        "list scalable targets",
        "application-autoscaling:DescribeScalableTargets",
        "*",
    ),
    _case(
        "read its scalable target's tags",
        "application-autoscaling:ListTagsForResource",
        SCALABLE_TARGET,
        TAGGED_OWN,
    ),
    _case("decrypt with its secrets key", "kms:Decrypt", "{env_key}", when=(STATE_BUCKET,)),
    _case("read its state", "s3:GetObject", OWN_STATE, when=(STATE_BUCKET,)),
    _case("list the state bucket", "s3:ListBucket", BUCKET, when=(STATE_BUCKET,)),
)

# Every write a deploy makes is refused to the preview role (it runs pull requests' code).
PREVIEW_REFUSES: tuple[Case, ...] = tuple(case for case in DEPLOY_NEEDS if case.write)

# -- the integration role API Gateway assumes: the three DynamoDB calls on its own table ---------

INTEGRATION_NEEDS: tuple[Case, ...] = (
    _case("create a comment", "dynamodb:UpdateItem", "{table}"),
    _case("delete a comment", "dynamodb:DeleteItem", "{table}"),
    _case("list comments", "dynamodb:Query", "{table}", when=(POST_MODERATION,)),
    _case(
        "list the moderation queue",
        "dynamodb:Query",
        "{table}/index/pending",
        when=(PRE_MODERATION,),
    ),
    _case(
        "list published comments",
        "dynamodb:Query",
        "{table}/index/published",
        when=(PRE_MODERATION,),
    ),
)

INTEGRATION_REFUSES: tuple[Case, ...] = (
    _case("read one item", "dynamodb:GetItem", "{table}"),
    _case("scan the table", "dynamodb:Scan", "{table}"),
    _case("put an item whole", "dynamodb:PutItem", "{table}"),
    _case("batch writes", "dynamodb:BatchWriteItem", "{table}"),
    _case("delete the table", "dynamodb:DeleteTable", "{table}"),
    _case("change the table", "dynamodb:UpdateTable", "{table}"),
    _case(
        "query the table past the indexes",
        "dynamodb:Query",
        "{table}",
        when=(PRE_MODERATION,),
    ),
    _case("write the other environment's table", "dynamodb:UpdateItem", OTHER_TABLE),
    _case("read the other environment's table", "dynamodb:Query", OTHER_TABLE),
    _case("write a table of its environment's names", "dynamodb:UpdateItem", OWN_TABLE),
    _case("assume the deploy role", "sts:AssumeRole", DEPLOY_ROLE),
    _case("pass a role", "iam:PassRole", OWN_ROLE, TO_API_GATEWAY),
    _case("read the state", "s3:GetObject", OWN_STATE, when=(STATE_BUCKET,)),
    _case("call the moderation routes", "execute-api:Invoke", "{api}/{stage}/DELETE/comments"),
)

# -- the moderator role: the stage's moderation routes, nothing else ------------------------------

MODERATION_ROUTES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("DELETE", "/comments", frozenset()),
    ("GET", "/moderation/pending", frozenset({PRE_MODERATION})),
    ("POST", "/moderation/approve", frozenset({PRE_MODERATION})),
)

MODERATOR_NEEDS: tuple[Case, ...] = tuple(
    _case(
        f"invoke {method} {path}",
        "execute-api:Invoke",
        "{api}/{stage}/" + method + path,
        when=tuple(when),
    )
    for method, path, when in MODERATION_ROUTES
)

MODERATOR_REFUSES: tuple[Case, ...] = (
    _case("another stage's routes", "execute-api:Invoke", "{api}/other/DELETE/comments"),
    _case(
        "another API's routes",
        "execute-api:Invoke",
        "arn:{partition}:execute-api:{region}:{account}:a1b2c3d4e5/{stage}/DELETE/comments",
    ),
    _case(
        "the approval route without pre-moderation",
        "execute-api:Invoke",
        "{api}/{stage}/POST/moderation/approve",
        when=(POST_MODERATION,),
    ),
    _case(
        "websocket connections",
        "execute-api:ManageConnections",
        "{api}/{stage}/POST/@connections/x",
    ),
    _case("the table directly", "dynamodb:DeleteItem", "{table}"),
    _case("the table's items directly", "dynamodb:Scan", "{table}"),
    _case("assume the deploy role", "sts:AssumeRole", DEPLOY_ROLE),
    _case("pass a role", "iam:PassRole", OWN_ROLE, TO_API_GATEWAY),
    _case("a user", "iam:CreateUser", IAM + ":user/{prefix}{env}-x"),
)

# The roles the kit simulates and, for each, what must be refused and what must be allowed.
ROLE_CASES: tuple[tuple[str, str, tuple[Case, ...], bool], ...] = (
    ("deploy", "refuses escalation attempts", ESCALATIONS, False),
    ("deploy", "keeps its protected table protected", TABLE_PROTECTION, False),
    ("deploy", "allows what a deploy needs", DEPLOY_NEEDS, True),
    ("preview", "refuses escalation attempts", ESCALATIONS, False),
    ("preview", "refuses every write of a deploy", PREVIEW_REFUSES, False),
    ("preview", "allows what a preview reads", PREVIEW_NEEDS, True),
    ("integration", "refuses all but its integrations", INTEGRATION_REFUSES, False),
    ("integration", "allows the API's DynamoDB calls", INTEGRATION_NEEDS, True),
    ("moderator", "refuses all but the moderation routes", MODERATOR_REFUSES, False),
    ("moderator", "allows the moderation routes", MODERATOR_NEEDS, True),
)

# What the kit itself calls, read-only: the credentials it runs with need these (the preview
# role's policy does not hold them all; docs/proof-kit.md).
AWS_READS: tuple[str, ...] = (
    "sts:GetCallerIdentity",
    "iam:SimulatePrincipalPolicy",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "access-analyzer:ValidatePolicy",
    "access-analyzer:CheckNoNewAccess",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "s3:GetBucketPolicy",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:GetResourcePolicy",
    "apigateway:GET",
    "cloudwatch:DescribeAlarms",
    "sns:GetTopicAttributes",
    "budgets:ViewBudget",
)
