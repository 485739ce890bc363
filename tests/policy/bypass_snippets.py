"""Code appended to a copy of infra/__main__.py: each one a way someone tried to get past the pack.

The names are what `make policy ENV=prod` must refuse; tests/policy/test_bypasses.py holds the
exact findings each one must produce.
"""

from __future__ import annotations

import textwrap

PRELUDE = """
import json as _json

import pulumi_aws as aws

_API_GATEWAY = "apigateway.amazonaws.com"


def _trust(condition):
    return _json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": _API_GATEWAY},
                    "Action": "sts:AssumeRole",
                    "Condition": condition,
                }
            ],
        }
    )


def _api(method, operation, validators=None):
    def document(values):
        region, table, role = values
        integration = {
            "type": "aws",
            "httpMethod": "POST",
            "uri": f"arn:aws:apigateway:{region}:dynamodb:action/UpdateItem",
            "credentials": role,
            "requestTemplates": {
                "application/json": _json.dumps(
                    {
                        "TableName": table,
                        "Key": {"slug": {"S": "$input.params('slug')"}},
                    }
                )
            },
            "passthroughBehavior": "never",
            "responses": {"default": {"statusCode": "200"}},
        }
        body = {
            "openapi": "3.0.1",
            "info": {"title": "bypass", "version": "1"},
            "paths": {
                "/bypass": {method: {**operation, "x-amazon-apigateway-integration": integration}}
            },
            "x-amazon-apigateway-request-validators": validators or {},
        }
        return _json.dumps(body)

    body = pulumi.Output.all(
        aws.get_region_output().region, service.table.name, service.role.arn
    ).apply(document)
    aws.apigateway.RestApi("bypass-api", name="comments-prod-bypass", body=body)
"""


# A log group and a deployment of the snippet's own: its stage refers only to this stack's
# resources (stack-references-own-resources), so it fails for what the snippet is about.
OWN_PARTS = (
    '_logs = aws.cloudwatch.LogGroup("bypass-logs", retention_in_days=30)\n'
    '_deployment = aws.apigateway.Deployment("bypass-deployment", rest_api=service.api.id)\n'
)


def stage(**inputs: str) -> str:
    """The program's stage again (name, logs, throttling and alarms are its own), plus `inputs`."""
    extra = "".join(f"    {key}={value},\n" for key, value in inputs.items())
    return (
        f"{OWN_PARTS}"
        "aws.apigateway.Stage(\n"
        '    "bypass-stage",\n'
        "    rest_api=service.api.id,\n"
        "    deployment=_deployment.id,\n"
        "    stage_name=service.stage.stage_name,\n"
        "    access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(\n"
        '        destination_arn=_logs.arn, format="$context.requestId"\n'
        "    ),\n"
        f"{extra}"
        ")\n"
    )


def trust_role(condition: str) -> str:
    return f'aws.iam.Role("bypass-role", assume_role_policy=_trust({condition}))\n'


SNIPPETS: dict[str, str] = {
    # 1. trust naming another account, a list with a second account, a negated operator
    "trust: another account": trust_role('{"StringEquals": {"aws:SourceAccount": "444444444444"}}'),
    "trust: ours and another": trust_role(
        '{"StringEquals": {"aws:SourceAccount": ["333333333333", "444444444444"]}}'
    ),
    "trust: StringNotEquals": trust_role(
        '{"StringNotEquals": {"aws:SourceAccount": "444444444444"}}'
    ),
    "trust: IfExists": trust_role(
        '{"StringEqualsIfExists": {"aws:SourceAccount": "333333333333"}}'
    ),
    "trust: ForAnyValue": trust_role(
        '{"ForAnyValue:StringEquals": {"aws:SourceAccount": "333333333333"}}'
    ),
    "trust: wildcard account in SourceArn": trust_role(
        '{"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:*:abc123/*"}}'
    ),
    "trust: SourceArn of an API not in the stack": trust_role(
        '{"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:333333333333:abc123/*"}}'
    ),
    "trust: our account plus a condition on another key": trust_role(
        '{"StringEquals": {"aws:SourceAccount": "333333333333", "aws:PrincipalOrgID": "o-1"}}'
    ),
    # a moderator-style role trusting another account's root (it would moderate our comments)
    "trust: another account's root": textwrap.dedent(
        """
        aws.iam.Role(
            "bypass-role",
            assume_role_policy=_json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )
        """
    ),
    # 2. a write on GET, no validator, key from the query string
    "write on GET without a validator": '_api("get", {})\n',
    "write on GET with a validator that requires nothing": (
        '_api("get", {"x-amazon-apigateway-request-validator": "params"}, '
        '{"params": {"validateRequestParameters": True, "validateRequestBody": False}})\n'
    ),
    "write on GET with a body-only validator": (
        '_api("get", {"x-amazon-apigateway-request-validator": "body", "parameters": '
        '[{"name": "slug", "in": "query", "required": True}]}, '
        '{"body": {"validateRequestParameters": False, "validateRequestBody": True}})\n'
    ),
    # 3. a method-level MethodSettings with metrics but no throttling (the provider sends -1)
    "MethodSettings without throttling": textwrap.dedent(
        """
        aws.apigateway.MethodSettings(
            "bypass-metrics",
            rest_api=service.api.id,
            stage_name=service.stage.stage_name,
            method_path="comments/GET",
            settings=aws.apigateway.MethodSettingsSettingsArgs(metrics_enabled=True),
        )
        """
    ),
    # 4. capacity the caps did not count
    "warm throughput": textwrap.dedent(
        """
        aws.dynamodb.Table(
            "bypass-table",
            billing_mode="PROVISIONED",
            hash_key="id",
            attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
            read_capacity=1,
            write_capacity=1,
            warm_throughput=aws.dynamodb.TableWarmThroughputArgs(
                read_units_per_second=40000, write_units_per_second=40000
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            opts=pulumi.ResourceOptions(protect=True),
        )
        """
    ),
    "TableReplica": 'aws.dynamodb.TableReplica("bypass-replica", global_table_arn=service.table.arn)\n',
    "replicas on a table": textwrap.dedent(
        """
        aws.dynamodb.Table(
            "bypass-table",
            billing_mode="PROVISIONED",
            hash_key="id",
            attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
            read_capacity=2,
            write_capacity=1,
            replicas=[
                aws.dynamodb.TableReplicaArgs(region_name=region)
                for region in ("us-west-2", "eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1")
            ],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            opts=pulumi.ResourceOptions(protect=True),
        )
        """
    ),
    "scheduled scaling above the cap": textwrap.dedent(
        """
        aws.appautoscaling.ScheduledAction(
            "bypass-schedule",
            service_namespace="dynamodb",
            resource_id=service.table.name.apply(lambda name: f"table/{name}"),
            scalable_dimension="dynamodb:table:ReadCapacityUnits",
            schedule="cron(0 0 * * ? *)",
            scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                min_capacity=1, max_capacity=40000
            ),
        )
        """
    ),
    # 5. types the service never needs
    "IAM user with a key and policies": textwrap.dedent(
        """
        _user = aws.iam.User("bypass-user")
        aws.iam.AccessKey("bypass-key", user=_user.name)
        aws.iam.UserPolicy(
            "bypass-user-policy",
            user=_user.name,
            policy=_json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            ),
        )
        aws.iam.PolicyAttachment(
            "bypass-attachment",
            users=[_user.name],
            policy_arn="arn:aws:iam::aws:policy/AdministratorAccess",
        )
        """
    ),
    "table resource policy for anyone": textwrap.dedent(
        """
        aws.dynamodb.ResourcePolicy(
            "bypass-resource-policy",
            resource_arn=service.table.arn,
            policy=service.table.arn.apply(
                lambda arn: _json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:*", "Resource": arn}
                        ],
                    }
                )
            ),
        )
        """
    ),
    "Cloud Control resource": textwrap.dedent(
        """
        aws.cloudcontrol.Resource(
            "bypass-cloudcontrol",
            type_name="AWS::IAM::User",
            desired_state=_json.dumps({"UserName": "bypass"}),
        )
        """
    ),
    "CloudFormation stack": textwrap.dedent(
        """
        aws.cloudformation.Stack(
            "bypass-cfn",
            template_body=_json.dumps(
                {"Resources": {"U": {"Type": "AWS::IAM::User", "Properties": {}}}}
            ),
            capabilities=["CAPABILITY_IAM"],
        )
        """
    ),
    "HTTP API (apigatewayv2)": ('aws.apigatewayv2.Api("bypass-http-api", protocol_type="HTTP")\n'),
    "dynamic provider": textwrap.dedent(
        """
        from pulumi.dynamic import CreateResult, Resource, ResourceProvider


        class _DirectCalls(ResourceProvider):
            def create(self, props):
                return CreateResult("direct", {})


        class DirectCalls(Resource):
            def __init__(self, name):
                super().__init__(_DirectCalls(), name, {}, None)


        DirectCalls("bypass-dynamic")
        """
    ),
    "someone else's component": textwrap.dedent(
        """
        class _Vpc(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("awsx:ec2:Vpc", name)


        _Vpc("bypass-component")
        """
    ),
    "explicit provider for another region": (
        'aws.Provider("bypass-provider", region="eu-west-1", allowed_account_ids=["444444444444"])\n'
    ),
    # 6. an API resource policy letting any AWS principal call the signed (moderation) routes
    "API resource policy (policy)": textwrap.dedent(
        """
        aws.apigateway.RestApi(
            "bypass-api",
            name="comments-prod-bypass",
            body=_json.dumps({"openapi": "3.0.1", "info": {"title": "b", "version": "1"}}),
            policy=_json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "*"},
                            "Action": "execute-api:Invoke",
                            "Resource": "*",
                        }
                    ],
                }
            ),
        )
        """
    ),
    "API resource policy (x-amazon-apigateway-policy)": textwrap.dedent(
        """
        aws.apigateway.RestApi(
            "bypass-api",
            name="comments-prod-bypass",
            body=_json.dumps(
                {
                    "openapi": "3.0.1",
                    "info": {"title": "b", "version": "1"},
                    "x-amazon-apigateway-policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": "*"},
                                "Action": "execute-api:Invoke",
                                "Resource": "*",
                            }
                        ],
                    },
                }
            ),
        )
        """
    ),
    # 7. a Lambda authorizer (another account's) hung on the SigV4 scheme decides instead of IAM
    "authorizer on the SigV4 scheme": textwrap.dedent(
        """
        _lambda = (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:444444444444:function:allow/invocations"
        )
        aws.apigateway.RestApi(
            "bypass-api",
            name="comments-prod-bypass",
            body=_json.dumps(
                {
                    "openapi": "3.0.1",
                    "info": {"title": "b", "version": "1"},
                    "components": {
                        "securitySchemes": {
                            "sigv4": {
                                "type": "apiKey",
                                "name": "Authorization",
                                "in": "header",
                                "x-amazon-apigateway-authtype": "awsSigv4",
                                "x-amazon-apigateway-authorizer": {
                                    "type": "token",
                                    "authorizerUri": _lambda,
                                },
                            }
                        }
                    },
                    "paths": {
                        "/bypass": {
                            "get": {
                                "security": [{"sigv4": []}],
                                "x-amazon-apigateway-integration": {
                                    "type": "mock",
                                    "responses": {"default": {"statusCode": "200"}},
                                },
                            }
                        }
                    },
                }
            ),
        )
        """
    ),
    # 8. our table's actions granted to a role outside the stack (an existing admin's role)
    "RolePolicy on a role outside the stack": textwrap.dedent(
        """
        aws.iam.RolePolicy(
            "bypass-role-policy",
            role="OrganizationAccountAccessRole",
            policy=service.table.arn.apply(
                lambda arn: _json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "dynamodb:DeleteItem", "Resource": arn}
                        ],
                    }
                )
            ),
        )
        """
    ),
    # 9. a 237 GB stage cache (billed hourly, outside the DynamoDB budget) and method caching
    "stage cache cluster": OWN_PARTS
    + textwrap.dedent(
        """
        _cache = aws.apigateway.Stage(
            "bypass-stage",
            rest_api=service.api.id,
            deployment=_deployment.id,
            stage_name="cache",
            cache_cluster_enabled=True,
            cache_cluster_size="237",
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=_logs.arn, format="$context.requestId"
            ),
        )
        aws.apigateway.MethodSettings(
            "bypass-settings",
            rest_api=service.api.id,
            stage_name=_cache.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=10, throttling_burst_limit=10, caching_enabled=True
            ),
        )
        """
    ),
    # 10. a public route (by its name) on a second API, proxied to someone else's server
    "public route proxied to another server": textwrap.dedent(
        """
        aws.apigateway.RestApi(
            "bypass-api",
            name="comments-prod-bypass",
            body=_json.dumps(
                {
                    "openapi": "3.0.1",
                    "info": {"title": "b", "version": "1"},
                    "paths": {
                        "/comments": {
                            "get": {
                                "x-amazon-apigateway-integration": {
                                    "type": "http_proxy",
                                    "httpMethod": "GET",
                                    "uri": "https://collector.example/",
                                }
                            }
                        }
                    },
                }
            ),
        )
        """
    ),
    # 11. an Effect IAM might read as Allow that a check for "Allow" would skip
    "lower-case Effect": textwrap.dedent(
        """
        aws.iam.RolePolicy(
            "bypass-role-policy",
            role=service.role.id,
            policy=service.table.arn.apply(
                lambda arn: _json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "allow", "Action": "dynamodb:*", "Resource": arn}],
                    }
                )
            ),
        )
        """
    ),
    # 12. an account-root trust with NotAction: every STS action but one
    "trust: NotAction": textwrap.dedent(
        """
        aws.iam.Role(
            "bypass-role",
            assume_role_policy=_json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::333333333333:root"},
                            "NotAction": "sts:AssumeRoleWithWebIdentity",
                        }
                    ],
                }
            ),
        )
        """
    ),
    # 13. the alarm topic opened to anyone (sns:* lets anyone rewrite the policy or subscribe)
    "alarm topic open to anyone": textwrap.dedent(
        """
        aws.sns.TopicPolicy(
            "bypass-topic-policy",
            arn=service.monitoring.topic_arn,
            policy=service.monitoring.topic_arn.apply(
                lambda arn: _json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Principal": "*", "Action": "sns:*", "Resource": arn}
                        ],
                    }
                )
            ),
        )
        """
    ),
    "alarm topic: another account's alarms": textwrap.dedent(
        """
        aws.sns.TopicPolicy(
            "bypass-topic-policy",
            arn=service.monitoring.topic_arn,
            policy=service.monitoring.topic_arn.apply(
                lambda arn: _json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Resource": arn,
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": "444444444444"}
                                },
                            }
                        ],
                    }
                )
            ),
        )
        """
    ),
    "topic policy on a topic outside the stack": textwrap.dedent(
        """
        aws.sns.TopicPolicy(
            "bypass-topic-policy",
            arn="arn:aws:sns:us-east-1:333333333333:someone-elses-topic",
            policy=_json.dumps({"Version": "2012-10-17", "Statement": []}),
        )
        """
    ),
    # 14. whole requests and responses (comment text, authors) copied into execution logs
    "MethodSettings data trace": textwrap.dedent(
        """
        aws.apigateway.MethodSettings(
            "bypass-settings",
            rest_api=service.api.id,
            stage_name=service.stage.stage_name,
            method_path="comments/POST",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=10,
                throttling_burst_limit=10,
                data_trace_enabled=True,
                logging_level="INFO",
            ),
        )
        """
    ),
    # 15. an alarm whose actions reach outside the stack (another account's topic, EC2)
    "alarm actions outside the stack": textwrap.dedent(
        """
        aws.cloudwatch.MetricAlarm(
            "bypass-alarm",
            comparison_operator="GreaterThanThreshold",
            evaluation_periods=1,
            metric_name="Count",
            namespace="AWS/ApiGateway",
            period=60,
            statistic="Sum",
            threshold=1,
            alarm_actions=["arn:aws:sns:us-east-1:444444444444:collector"],
            ok_actions=["arn:aws:automate:us-east-1:ec2:terminate"],
        )
        """
    ),
    # 16. a table class whose throughput costs more than the budget's prices assume
    "Standard-IA table class": textwrap.dedent(
        """
        aws.dynamodb.Table(
            "bypass-table",
            billing_mode="PROVISIONED",
            hash_key="id",
            attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
            read_capacity=1,
            write_capacity=1,
            table_class="STANDARD_INFREQUENT_ACCESS",
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            opts=pulumi.ResourceOptions(protect=True),
        )
        """
    ),
    # 17. logs that never expire (retention 0 or unset)
    "log group that never expires": textwrap.dedent(
        """
        aws.cloudwatch.LogGroup("bypass-logs", retention_in_days=0)
        aws.cloudwatch.LogGroup("bypass-logs-unset")
        """
    ),
    # 18. resources placed outside the stack's region (its alarms, budget and ARNs are in us-east-1)
    "table in another region": textwrap.dedent(
        """
        aws.dynamodb.Table(
            "bypass-table",
            region="eu-west-1",
            billing_mode="PROVISIONED",
            hash_key="id",
            attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
            read_capacity=1,
            write_capacity=1,
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            opts=pulumi.ResourceOptions(protect=True),
        )
        """
    ),
    # one small replica: within the caps and the budget, but the comments leave the region
    "table replica in another region": textwrap.dedent(
        """
        aws.dynamodb.Table(
            "bypass-table",
            billing_mode="PROVISIONED",
            hash_key="id",
            attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")],
            read_capacity=1,
            write_capacity=1,
            replicas=[aws.dynamodb.TableReplicaArgs(region_name="eu-west-1")],
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=True,
            opts=pulumi.ResourceOptions(protect=True),
        )
        """
    ),
    "access logs in another region": (
        'aws.cloudwatch.LogGroup("bypass-logs", retention_in_days=7, region="ap-southeast-2")\n'
    ),
    # a provider of the program's own named like the engine's default one passes the type list
    "provider named like the default one, another region": textwrap.dedent(
        """
        _elsewhere = aws.Provider("default_7_51_1", region="eu-west-1")
        aws.sns.Topic("bypass-topic", opts=pulumi.ResourceOptions(provider=_elsewhere))
        """
    ),
    # 19. stage and deployment inputs no rule looked at
    "stage canary to another deployment": stage(
        canary_settings=(
            'aws.apigateway.StageCanarySettingsArgs(deployment_id="outside", percent_traffic=50, '
            'stage_variable_overrides={"table": "someone-elses"})'
        )
    ),
    "stage client certificate": stage(client_certificate_id='"cert-from-elsewhere"'),
    "stage variables": stage(variables='{"table": "someone-elses"}'),
    "stage X-Ray tracing": stage(xray_tracing_enabled="True"),
    "deployment variables": (
        'aws.apigateway.Deployment("bypass-deployment", rest_api=service.api.id, '
        'variables={"table": "someone-elses"})\n'
    ),
    # an input of a newer provider version (or one the SDK class lacks), set through the raw type
    "stage input nobody reviewed": OWN_PARTS
    + textwrap.dedent(
        """
        pulumi.CustomResource(
            "aws:apigateway/stage:Stage",
            "bypass-raw-stage",
            {
                "restApi": service.api.id,
                "deployment": _deployment.id,
                "stageName": service.stage.stage_name,
                "accessLogSettings": {"destinationArn": _logs.arn, "format": "$context.requestId"},
                "routingMode": "ROUTING_RULE_ONLY",
            },
        )
        """
    ),
    # 20. the budget set to watch another account (from a management account), not the stack's
    "budget of another account": textwrap.dedent(
        """
        aws.budgets.Budget(
            "bypass-budget",
            account_id="444444444444",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount="1000.00",
            limit_unit="USD",
        )
        """
    ),
    # 21. references to API Gateway, DynamoDB and IAM resources by literal id or name: what they
    # name was made outside the program, so no rule checked it
    "stage on a deployment made outside the program": OWN_PARTS
    + textwrap.dedent(
        """
        aws.apigateway.Stage(
            "bypass-stage",
            rest_api=service.api.id,
            deployment="abc123",
            stage_name=service.stage.stage_name,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=_logs.arn, format="$context.requestId"
            ),
        )
        """
    ),
    "stage of another stack's API": OWN_PARTS
    + textwrap.dedent(
        """
        aws.apigateway.Stage(
            "bypass-stage",
            rest_api="a1b2c3d4e5",
            deployment=_deployment.id,
            stage_name=service.stage.stage_name,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=_logs.arn, format="$context.requestId"
            ),
        )
        """
    ),
    "stage of an API read with .get": OWN_PARTS
    + textwrap.dedent(
        """
        _foreign = aws.apigateway.RestApi.get("bypass-foreign-api", "a1b2c3d4e5")
        aws.apigateway.Stage(
            "bypass-stage",
            rest_api=_foreign.id,
            deployment=_deployment.id,
            stage_name=service.stage.stage_name,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=_logs.arn, format="$context.requestId"
            ),
        )
        """
    ),
    "stage access logs to a log group outside the stack": OWN_PARTS
    + textwrap.dedent(
        """
        aws.apigateway.Stage(
            "bypass-stage",
            rest_api=service.api.id,
            deployment=_deployment.id,
            stage_name=service.stage.stage_name,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn="arn:aws:logs:us-east-1:333333333333:log-group:collector",
                format="$context.requestId",
            ),
        )
        """
    ),
    "deployment of another stack's API": (
        'aws.apigateway.Deployment("bypass-deployment", rest_api="a1b2c3d4e5")\n'
    ),
    "MethodSettings on a stage the program doesn't manage": textwrap.dedent(
        """
        aws.apigateway.MethodSettings(
            "bypass-settings",
            rest_api="a1b2c3d4e5",
            stage_name="prod",
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=10, throttling_burst_limit=10
            ),
        )
        """
    ),
    # the stage's name as a literal: the same text as our stage's, but not taken from it
    "MethodSettings naming the stage by a literal": textwrap.dedent(
        """
        aws.apigateway.MethodSettings(
            "bypass-settings",
            rest_api=service.api.id,
            stage_name="v1",
            method_path="comments/GET",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=10, throttling_burst_limit=10
            ),
        )
        """
    ),
    "scaling target on a table by literal name": textwrap.dedent(
        """
        aws.appautoscaling.Target(
            "bypass-scaling",
            service_namespace="dynamodb",
            resource_id="table/someone-elses-table",
            scalable_dimension="dynamodb:table:ReadCapacityUnits",
            min_capacity=1,
            max_capacity=5,
        )
        """
    ),
    # a scaling policy straight on the table: no Target of this stack bounds it
    "scaling policy without a target of the stack": textwrap.dedent(
        """
        aws.appautoscaling.Policy(
            "bypass-scaling-policy",
            policy_type="TargetTrackingScaling",
            service_namespace="dynamodb",
            resource_id=service.table.name.apply(lambda name: f"table/{name}"),
            scalable_dimension="dynamodb:table:ReadCapacityUnits",
            target_tracking_scaling_policy_configuration=(
                aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type="DynamoDBReadCapacityUtilization"
                    ),
                    target_value=70,
                )
            ),
        )
        """
    ),
    "alarm on a table by literal name": textwrap.dedent(
        """
        aws.cloudwatch.MetricAlarm(
            "bypass-alarm",
            comparison_operator="GreaterThanOrEqualToThreshold",
            evaluation_periods=1,
            metric_name="ReadThrottleEvents",
            namespace="AWS/DynamoDB",
            dimensions={"TableName": "someone-elses-table"},
            period=60,
            statistic="Sum",
            threshold=1,
            alarm_actions=[service.monitoring.topic_arn],
        )
        """
    ),
    "alarm on an API by literal name": textwrap.dedent(
        """
        aws.cloudwatch.MetricAlarm(
            "bypass-api-alarm",
            comparison_operator="GreaterThanOrEqualToThreshold",
            evaluation_periods=1,
            metric_name="5XXError",
            namespace="AWS/ApiGateway",
            dimensions={"ApiName": "someone-elses-api", "Stage": service.stage.stage_name},
            period=60,
            statistic="Sum",
            threshold=1,
            alarm_actions=[service.monitoring.topic_arn],
        )
        """
    ),
}
