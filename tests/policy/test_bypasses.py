"""Each way around the pack, appended to a copy of the program, fails `make policy ENV=prod`.

Every case asserts the exact number of mandatory findings and, for each, the rule and what its
message says, so a rule that stops firing, fires twice or fires for the wrong reason fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policy.bypass_snippets import PRELUDE, SNIPPETS
from tooling.offline_runner import run_stack
from tooling.policy_check import main
from tooling.provider_check import checked_inputs

pytestmark = pytest.mark.slow

# Names and ids the engine stand-in gives: the prod program's table and API, a bypass's table.
_PROD = run_stack("prod")
PROD_TABLE = _PROD.one("aws:dynamodb/table:Table").id
PROD_API_ID = _PROD.one("aws:apigateway/restApi:RestApi").id
BYPASS_TABLE = checked_inputs("aws:dynamodb/table:Table", {}, {}, resource_name="bypass-table")[
    "name"
]
ALLOW = "allowed-resource-types"
TRUST = "iam-trust-api-gateway-only"
UNWATCHED = "operations-alarms-required"
NOT_ALLOWED = "which this stack does not allow (allowedResourceTypes); if the service needs it, add"
CANNOT_BE_ALLOWED = (
    "which this stack does not allow (allowedResourceTypes); it cannot be allowed: "
    "allowedResourceTypes takes only pulumi_aws resource types and this project's components"
)
NO_GUARD = (
    "has no aws:SourceAccount or aws:SourceArn condition naming this stack's account "
    "(333333333333); without it another account's API could use this role (confused deputy)"
)
OPERATORS = (
    "a trust condition takes only StringEquals, StringLike, ArnEquals or ArnLike "
    "(no negation, no IfExists, no ForAnyValue/ForAllValues)"
)
GET_WRITES = "RestApi 'bypass-api' GET /bypass writes (the integration calls dynamodb:UpdateItem)"
# /bypass is not one of prod's publicRoutes, so the route must also be signed.
GET_UNSIGNED = (
    "apigateway-iam-authorization",
    "RestApi 'bypass-api' GET /bypass is not AWS_IAM-authorized (exactly one security "
    "requirement naming one scheme that is type apiKey, name Authorization, in header, "
    "x-amazon-apigateway-authtype awsSigv4 and nothing else, no authorizer), and only the public "
    "routes (GET /comments, POST /comments, OPTIONS /comments) may be called unsigned",
)
PUBLISHERS = "operations-topic-publishers"
TOPIC_ACCOUNT = (
    "has no StringEquals aws:SourceAccount naming only the topic's account (333333333333); "
    "without it another account's alarms or budgets could publish"
)
FOREVER = (
    "keeps its logs forever (retentionInDays unset or 0); set a retention so the logs, and what "
    "they cost, stop growing"
)
REGION = "resources-in-stack-region"
ELSEWHERE = "this stack deploys to us-east-1 (region), where its alarms, budget and IAM rules look"
INPUTS = "resource-inputs-reviewed"
PROVIDERS = "providers-stack-config"
OWN_REFERENCES = "stack-references-own-resources"
RESOURCE_POLICY = (
    "it could open the routes to other accounts, and only AWS_IAM and publicRoutes may decide "
    "who calls; remove it"
)


# What resource-inputs-reviewed says of the parts a stage snippet brings along (OWN_PARTS): a
# log group named and tagged outside the stack's conventions, a stage logging only request ids.
def stage_parts(stage: str = "bypass-stage") -> list[tuple[str, str]]:
    return [
        (
            INPUTS,
            "LogGroup 'bypass-logs' name is 'bypass-logs-c58af99'; it must be a name starting "
            "with 'comments-prod-'",
        ),
        (INPUTS, "LogGroup 'bypass-logs' sets no tags; set the stack's tags (project, stack)"),
        (
            INPUTS,
            f"Stage '{stage}' accessLogSettings.destinationArn is 'arn:aws:logs:us-east-1:"
            "333333333333:log-group:bypass-logs-c58af99'; it must be the ARN of a log group of this "
            "stack",
        ),
        (
            INPUTS,
            f"Stage '{stage}' accessLogSettings.format leaves out $context.identity.sourceIp, "
            "$context.requestTime, $context.httpMethod, $context.resourcePath, $context.status",
        ),
        (INPUTS, f"Stage '{stage}' sets no tags; set the stack's tags (project, stack)"),
    ]


UNTHROTTLED = (
    "apigateway-stage-throttled",
    "Stage 'bypass-stage' has no MethodSettings for '*/*' setting throttlingRateLimit and "
    "throttlingBurstLimit",
)


def own_reference(
    type_: str, where: str, value: str, target: str, name: str = "bypass-stage"
) -> tuple[str, str]:
    """A literal where an input must name a resource of this stack."""
    return (
        OWN_REFERENCES,
        f"{type_} '{name}' {where} is {value}, not taken from a {target} of this stack (it "
        "depends on no resource of this stack)",
    )


def type_refused(name: str, type_: str, listable: bool = True) -> tuple[str, str]:
    return (ALLOW, f"'{name}' is of type {type_}, {NOT_ALLOWED if listable else CANNOT_BE_ALLOWED}")


EXPECTED: dict[str, list[tuple[str, str]]] = {
    "trust: another account": [
        (
            TRUST,
            "StringEquals aws:SourceAccount names account '444444444444'; this stack's account "
            "is 333333333333 (accountId)",
        ),
        (TRUST, NO_GUARD),
    ],
    "trust: ours and another": [
        (
            TRUST,
            "StringEquals aws:SourceAccount lists 2 values ['333333333333', '444444444444']; "
            "name exactly this stack's account (333333333333) and nothing else",
        ),
        (TRUST, NO_GUARD),
    ],
    "trust: StringNotEquals": [
        (TRUST, f"uses the condition operator 'StringNotEquals'; {OPERATORS}"),
        (TRUST, NO_GUARD),
    ],
    "trust: IfExists": [
        (TRUST, f"uses the condition operator 'StringEqualsIfExists'; {OPERATORS}"),
        (TRUST, NO_GUARD),
    ],
    "trust: ForAnyValue": [
        (TRUST, f"uses the condition operator 'ForAnyValue:StringEquals'; {OPERATORS}"),
        (TRUST, NO_GUARD),
    ],
    "trust: wildcard account in SourceArn": [
        (
            TRUST,
            "ArnLike aws:SourceArn is 'arn:aws:execute-api:us-east-1:*:abc123/*', not an API "
            "Gateway ARN naming an account and an API",
        ),
        (TRUST, NO_GUARD),
    ],
    "trust: SourceArn of an API not in the stack": [
        (
            "stack-trust-names-own-api",
            "Role 'bypass-role' trust policy statement 0 aws:SourceArn names API 'abc123', "
            f"which is not a REST API in this stack ({PROD_API_ID})",
        )
    ],
    "trust: our account plus a condition on another key": [
        (
            TRUST,
            "conditions on 'aws:PrincipalOrgID'; a trust condition names only aws:SourceAccount "
            "or aws:SourceArn",
        )
    ],
    "trust: another account's root": [
        (
            TRUST,
            "trust policy statement 0 trusts the root of account '444444444444'; this stack's "
            "account is 333333333333 (accountId)",
        ),
    ],
    "write on GET without a validator": [
        (
            "apigateway-write-validation",
            f"{GET_WRITES} without a request validator (x-amazon-apigateway-request-validator)",
        ),
        (
            "apigateway-write-validation",
            f"{GET_WRITES} from request parameters but requires none",
        ),
        GET_UNSIGNED,
    ],
    "write on GET with a validator that requires nothing": [
        (
            "apigateway-write-validation",
            f"{GET_WRITES} from request parameters but requires none; declare the parameters it "
            "uses with required: true",
        ),
        GET_UNSIGNED,
    ],
    "write on GET with a body-only validator": [
        (
            "apigateway-write-validation",
            f"{GET_WRITES} from request parameters with request validator 'body', which does "
            "not validate parameters",
        ),
        GET_UNSIGNED,
    ],
    "MethodSettings without throttling": [
        (
            "apigateway-throttling-within-caps",
            # pulumi-aws's Check fills the unset limits with their schema default, -1
            # (docs/reference/provider-check.md), which is what the analyzer then reads.
            "MethodSettings 'bypass-metrics' turns throttling off (throttlingRateLimit -1); set "
            "it at most 100",
        ),
        (
            "apigateway-throttling-within-caps",
            "MethodSettings 'bypass-metrics' turns throttling off (throttlingBurstLimit -1); set "
            "it at most 200",
        ),
    ],
    "warm throughput": [
        (
            "dynamodb-provisioned-capacity",
            "Table 'bypass-table' warmThroughput.readUnitsPerSecond is 40000, above this "
            "stack's cap of 10 (maxReadCapacity)",
        ),
        (
            "dynamodb-provisioned-capacity",
            "Table 'bypass-table' warmThroughput.writeUnitsPerSecond is 40000, above this "
            "stack's cap of 5 (maxWriteCapacity)",
        ),
        (
            "dynamodb-monthly-cost-budget",
            f"table '{BYPASS_TABLE}' 1 RCU + 1 WCU + warm throughput 40000 read / 40000 "
            "write units/s",
        ),
    ],
    "TableReplica": [
        type_refused("bypass-replica", "aws:dynamodb/tableReplica:TableReplica"),
        (
            "dynamodb-monthly-cost-budget",
            f"DynamoDB $6.5520 (table '{PROD_TABLE}' 20 RCU + 10 WCU (x2 copies)",
        ),
    ],
    "replicas on a table": [
        (
            "dynamodb-provisioned-capacity",
            "Table 'bypass-table' readCapacity is 2 x 6 copies (the table and its replicas) = "
            "12, above this stack's cap of 10 (maxReadCapacity)",
        ),
        (
            "dynamodb-provisioned-capacity",
            "Table 'bypass-table' writeCapacity is 1 x 6 copies (the table and its replicas) = "
            "6, above this stack's cap of 5 (maxWriteCapacity)",
        ),
        (
            "dynamodb-monthly-cost-budget",
            f"DynamoDB $7.2072 (table '{BYPASS_TABLE}' 12 RCU + 6 WCU (x6 copies) = $3.9312, "
            f"table '{PROD_TABLE}' 10 RCU + 5 WCU = $3.2760)",
        ),
        (
            REGION,
            "Table 'bypass-table' replicates its data to 'us-west-2', 'eu-west-1', "
            "'eu-central-1', 'ap-south-1', 'sa-east-1' (replicas); this stack's data stays in "
            "us-east-1 (region)",
        ),
    ],
    "scheduled scaling above the cap": [
        type_refused("bypass-schedule", "aws:appautoscaling/scheduledAction:ScheduledAction"),
        (
            "dynamodb-provisioned-capacity",
            "ScheduledAction 'bypass-schedule' scheduled maxCapacity for "
            "dynamodb:table:ReadCapacityUnits is 40000, above this stack's cap of 10",
        ),
        (
            "dynamodb-monthly-cost-budget",
            f"DynamoDB $3746.3400 (table '{PROD_TABLE}' 40000 RCU + 5 WCU",
        ),
    ],
    "IAM user with a key and policies": [
        type_refused("bypass-user", "aws:iam/user:User"),
        type_refused("bypass-key", "aws:iam/accessKey:AccessKey"),
        type_refused("bypass-user-policy", "aws:iam/userPolicy:UserPolicy"),
        type_refused("bypass-attachment", "aws:iam/policyAttachment:PolicyAttachment"),
    ],
    "table resource policy for anyone": [
        type_refused("bypass-resource-policy", "aws:dynamodb/resourcePolicy:ResourcePolicy"),
    ],
    "Cloud Control resource": [
        type_refused("bypass-cloudcontrol", "aws:cloudcontrol/resource:Resource"),
    ],
    "CloudFormation stack": [
        type_refused("bypass-cfn", "aws:cloudformation/stack:Stack"),
    ],
    "HTTP API (apigatewayv2)": [
        type_refused("bypass-http-api", "aws:apigatewayv2/api:Api"),
    ],
    "dynamic provider": [
        type_refused("bypass-dynamic", "pulumi-python:dynamic:Resource", listable=False),
    ],
    "someone else's component": [
        type_refused("bypass-component", "awsx:ec2:Vpc", listable=False),
    ],
    "explicit provider for another region": [
        type_refused("bypass-provider", "pulumi:providers:aws"),
        (REGION, f"provider 'bypass-provider' sets region 'eu-west-1'; {ELSEWHERE}"),
        (PROVIDERS, "provider 'bypass-provider' (pulumi:providers:aws) is an explicit provider"),
        (PROVIDERS, "sets allowedAccountIds ['444444444444']; this stack's account is"),
    ],
    "API resource policy (policy)": [
        (
            "apigateway-iam-authorization",
            f"RestApi 'bypass-api' sets a resource policy (policy); {RESOURCE_POLICY}",
        ),
    ],
    "API resource policy (x-amazon-apigateway-policy)": [
        (
            "apigateway-iam-authorization",
            "RestApi 'bypass-api' sets a resource policy (x-amazon-apigateway-policy); "
            f"{RESOURCE_POLICY}",
        ),
    ],
    "authorizer on the SigV4 scheme": [GET_UNSIGNED],
    "RolePolicy on a role outside the stack": [
        (
            "stack-iam-targets-own-table",
            "RolePolicy 'bypass-role-policy' is attached to role 'OrganizationAccountAccessRole', "
            "which is not a role in this stack; a stack's policies go on its own roles only",
        ),
        (
            OWN_REFERENCES,
            "RolePolicy 'bypass-role-policy' role is 'OrganizationAccountAccessRole', not taken "
            "from a Role of this stack (it depends on no resource of this stack); pass its output "
            "(role=role.id)",
        ),
    ],
    "stage cache cluster": [
        (
            "apigateway-no-cache",
            "Stage 'bypass-stage' enables a cache cluster (cacheClusterEnabled, 237 GB); the "
            "service caches nothing, and the cache is billed hourly outside the budget",
        ),
        (
            "apigateway-no-cache",
            "MethodSettings 'bypass-settings' enables caching (settings.cachingEnabled); the "
            "service caches nothing",
        ),
        (
            INPUTS,
            "Stage 'bypass-stage' sets cacheClusterSize; the service caches nothing, so there is "
            "no cache to size",
        ),
        *stage_parts(),
    ],
    "public route proxied to another server": [
        (
            "apigateway-integration-credentials",
            "RestApi 'bypass-api' GET /comments is a 'http_proxy' integration; this service's "
            "integrations are 'aws' calling DynamoDB, or 'mock'",
        ),
    ],
    "lower-case Effect": [
        (
            "iam-least-privilege",
            "RolePolicy 'bypass-role-policy' policy statement 0 allows the wildcard action "
            "'dynamodb:*'; list exact actions from allowedActions",
        ),
    ],
    "trust: NotAction": [
        (
            TRUST,
            "Role 'bypass-role' trust policy statement 0 uses NotAction or names no Action; list "
            "sts:AssumeRole in Action",
        ),
    ],
    "alarm topic open to anyone": [
        (
            PUBLISHERS,
            "TopicPolicy 'bypass-topic-policy' statement 0 lets '*' in; only the services "
            "cloudwatch.amazonaws.com, budgets.amazonaws.com may publish",
        ),
        (
            PUBLISHERS,
            "TopicPolicy 'bypass-topic-policy' statement 0 allows ['sns:*']; a topic's publishers "
            "get sns:Publish only",
        ),
        (PUBLISHERS, f"TopicPolicy 'bypass-topic-policy' statement 0 {TOPIC_ACCOUNT}"),
    ],
    "alarm topic: another account's alarms": [
        (PUBLISHERS, f"TopicPolicy 'bypass-topic-policy' statement 0 {TOPIC_ACCOUNT}"),
    ],
    "topic policy on a topic outside the stack": [
        (
            PUBLISHERS,
            "TopicPolicy 'bypass-topic-policy' is on "
            "'arn:aws:sns:us-east-1:333333333333:someone-elses-topic', which is not a topic of "
            "this stack",
        ),
    ],
    "MethodSettings data trace": [
        (
            "apigateway-stage-access-logging",
            "MethodSettings 'bypass-settings' enables dataTraceEnabled, which logs whole requests "
            "and responses (comment text and authors) to CloudWatch; the access log format is the "
            "trace",
        ),
    ],
    "alarm actions outside the stack": [
        (
            UNWATCHED,
            "MetricAlarm 'bypass-alarm' alarmActions names "
            "'arn:aws:sns:us-east-1:444444444444:collector', which is not an SNS topic of this "
            "stack; alarms notify the stack's topic only",
        ),
        (
            UNWATCHED,
            "MetricAlarm 'bypass-alarm' okActions names 'arn:aws:automate:us-east-1:ec2:terminate', "
            "which is not an SNS topic of this stack",
        ),
    ],
    "Standard-IA table class": [
        (
            "dynamodb-provisioned-capacity",
            "Table 'bypass-table' uses tableClass STANDARD_INFREQUENT_ACCESS; the caps and the "
            "budget are priced for STANDARD, and STANDARD_INFREQUENT_ACCESS throughput costs more",
        ),
    ],
    "log group that never expires": [
        ("apigateway-stage-access-logging", f"LogGroup 'bypass-logs' {FOREVER}"),
        ("apigateway-stage-access-logging", f"LogGroup 'bypass-logs-unset' {FOREVER}"),
    ],
    "table in another region": [
        (REGION, f"Table 'bypass-table' sets region 'eu-west-1'; {ELSEWHERE}"),
    ],
    "table replica in another region": [
        (
            REGION,
            "Table 'bypass-table' replicates its data to 'eu-west-1' (replicas); this stack's data "
            "stays in us-east-1 (region)",
        ),
    ],
    "access logs in another region": [
        (REGION, f"LogGroup 'bypass-logs' sets region 'ap-southeast-2'; {ELSEWHERE}"),
    ],
    "provider named like the default one, another region": [
        (REGION, f"provider 'default_7_51_1' sets region 'eu-west-1'; {ELSEWHERE}"),
        # Check put the provider's region into the topic's inputs.
        (REGION, f"Topic 'bypass-topic' sets region 'eu-west-1'; {ELSEWHERE}"),
        # The program's provider has a parent, the engine's default none (options.py).
        (PROVIDERS, "provider 'default_7_51_1' (pulumi:providers:aws) is an explicit provider"),
        (PROVIDERS, "provider 'default_7_51_1' (pulumi:providers:aws) sets no allowedAccountIds"),
        (PROVIDERS, "Topic 'bypass-topic' is managed by the explicit provider 'default_7_51_1'"),
    ],
    "stage canary to another deployment": [
        (
            INPUTS,
            "Stage 'bypass-stage' sets canarySettings; a canary sends a share of the stage's "
            "traffic to another deployment (possibly one made outside this program, whose API "
            "document no rule checked) with its own stage variables",
        ),
        *stage_parts(),
    ],
    "stage client certificate": [
        (
            INPUTS,
            "Stage 'bypass-stage' sets clientCertificateId; a client certificate authenticates "
            "API Gateway to HTTP backends, and this service's only backend is DynamoDB",
        ),
        *stage_parts(),
    ],
    "stage variables": [
        (
            INPUTS,
            "Stage 'bypass-stage' sets variables (stage variables); no mapping template reads "
            "any, so set none",
        ),
        *stage_parts(),
    ],
    "stage X-Ray tracing": [
        (
            INPUTS,
            "Stage 'bypass-stage' enables xrayTracingEnabled; X-Ray bills per trace recorded, "
            "outside the stack's budget",
        ),
        *stage_parts(),
    ],
    "deployment variables": [
        (
            INPUTS,
            "Deployment 'bypass-deployment' sets variables (stage variables); no mapping "
            "template reads any, so set none",
        ),
    ],
    "stage input nobody reviewed": [
        (
            INPUTS,
            "Stage 'bypass-raw-stage' sets routingMode, an input this pack has not reviewed; the "
            "service's Stage sets only accessLogSettings, cacheClusterEnabled, deployment,",
        ),
        *stage_parts("bypass-raw-stage"),
    ],
    "budget of another account": [
        (
            "operations-budget-own-account",
            "Budget 'bypass-budget' watches account '444444444444' (accountId); this stack's "
            "account is 333333333333, whose spend the budget is for; leave accountId unset",
        ),
    ],
    "stage on a deployment made outside the program": [
        own_reference("Stage", "deployment", "'abc123'", "Deployment"),
    ],
    "stage of another stack's API": [
        own_reference("Stage", "restApi", "'a1b2c3d4e5'", "RestApi"),
        UNTHROTTLED,
    ],
    # the engine keeps a `.get` out of the stack's resources: the API it reads is not ours
    "stage of an API read with .get": [
        own_reference("Stage", "restApi", "'a1b2c3d4e5'", "RestApi"),
        UNTHROTTLED,
    ],
    "stage access logs to a log group outside the stack": [
        own_reference(
            "Stage",
            "accessLogSettings.destinationArn",
            "'arn:aws:logs:us-east-1:333333333333:log-group:collector'",
            "LogGroup",
        ),
    ],
    "deployment of another stack's API": [
        own_reference("Deployment", "restApi", "'a1b2c3d4e5'", "RestApi", "bypass-deployment"),
    ],
    "MethodSettings on a stage the program doesn't manage": [
        own_reference("MethodSettings", "restApi", "'a1b2c3d4e5'", "RestApi", "bypass-settings"),
        own_reference("MethodSettings", "stageName", "'prod'", "Stage", "bypass-settings"),
    ],
    "MethodSettings naming the stage by a literal": [
        own_reference("MethodSettings", "stageName", "'v1'", "Stage", "bypass-settings"),
    ],
    "scaling target on a table by literal name": [
        own_reference(
            "Target", "resourceId", "'table/someone-elses-table'", "Table", "bypass-scaling"
        ),
    ],
    "scaling policy without a target of the stack": [
        (
            OWN_REFERENCES,
            f"Policy 'bypass-scaling-policy' resourceId is 'table/{PROD_TABLE}', "
            "not taken from a Target of this stack (it comes from Table 'comments-prod-table'); "
            "pass its output (resource_id=target.resource_id)",
        ),
    ],
    "alarm on a table by literal name": [
        own_reference(
            "MetricAlarm", "dimensions.TableName", "'someone-elses-table'", "Table", "bypass-alarm"
        ),
    ],
    # dimensions depends on the stack's Stage (its Stage value), but on no RestApi
    "alarm on an API by literal name": [
        (
            OWN_REFERENCES,
            "MetricAlarm 'bypass-api-alarm' dimensions.ApiName is 'someone-elses-api', not taken "
            "from a RestApi of this stack (it comes from Stage 'comments-prod-stage'); pass its "
            "output (api.name)",
        ),
    ],
}


# Every resource a bypass adds is also priced by the budget (an extra stage at its throttle, a
# log group by its retention, ...); test_dynamodb has those tests.
BUDGET = "dynamodb-monthly-cost-budget"
SIDE_RULES = (UNWATCHED, INPUTS, BUDGET)


def test_every_bypass_has_its_expectation() -> None:
    assert set(EXPECTED) == set(SNIPPETS)


@pytest.mark.parametrize("bypass", list(SNIPPETS))
def test_bypass_appended_to_the_program_fails_make_policy_prod(
    bypass: str, repo_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (repo_copy / "infra/__main__.py").open("a", encoding="utf-8") as program:
        program.write(PRELUDE + SNIPPETS[bypass])
    status = main(["prod", "--root", str(repo_copy)])
    captured = capsys.readouterr()
    assert status == 1, captured.out + captured.err
    # A bypass that adds a table or a stage is also unwatched by the stack's alarms, and every
    # resource it adds is judged input by input (its name and tags, to begin with); those rules
    # have their own tests (test_operations, test_inputs), so their findings are left out of the
    # count here unless the bypass is aimed at that rule.
    expected = EXPECTED[bypass]
    counted = {rule for rule in SIDE_RULES if any(policy == rule for policy, _ in expected)}
    mandatory = [
        fields
        for fields in (line.split(maxsplit=3) for line in captured.out.splitlines())
        if fields[0] == "[mandatory]" and (fields[1] not in SIDE_RULES or fields[1] in counted)
    ]
    assert len(mandatory) == len(expected), captured.out
    assert "0 advisory violation(s)" in captured.out, captured.out
    for policy, fragment in expected:
        matching = [
            (p, m)
            for _, p, _, m in mandatory
            if p == policy and m.startswith(f"{policy}: ") and fragment in m
        ]
        assert len(matching) == 1, f"{policy} {fragment!r} in:\n{captured.out}"


def test_the_unchanged_copy_passes(repo_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The prelude alone (helpers, no resources) changes nothing: the findings are the bypass's."""
    with (repo_copy / "infra/__main__.py").open("a", encoding="utf-8") as program:
        program.write(PRELUDE)
    assert main(["prod", "--root", str(repo_copy)]) == 0, capsys.readouterr().out
