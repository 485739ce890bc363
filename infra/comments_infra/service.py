"""CommentsService: the table, the integration role, the REST API and its stage, as one component."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from comments_infra import api_definition, outputs
from comments_infra.autoscaling import table_scaling
from comments_infra.monitoring import StackMonitoring
from comments_infra.operations import OperationsSettings
from comments_infra.settings import ServiceSettings

COMPONENT_TYPE = "comments:service:CommentsService"
SMOKE_TTL_ATTRIBUTE = "expiresAt"
API_GATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
# The provider's name of a role's trust policy, the property `replace_on_changes` names.
TRUST_POLICY_PROPERTY = "assumeRolePolicy"
# Created by bootstrap/ for each environment; a deploy role may only create roles that carry it.
BOUNDARY_POLICY_PATH = "github-pipeline"
# JSON access-log lines: one per request, no bodies (they hold user text).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integration.status",
        "errorType": "$context.error.responseType",
    },
    separators=(",", ":"),
)


@dataclass(frozen=True)
class CommentsServiceArgs:
    settings: ServiceSettings
    operations: OperationsSettings
    tags: dict[str, str]


# ARNs built from names the preview already knows. Check gives every resource its name (an
# auto-name included) before anything is created, and the account and region are invokes, so an
# ARN built this way is known at preview, where the resource's own `arn` output is not; it is the
# ARN AWS gives (AWS General Reference, "Amazon Resource Names": DynamoDB table/<name>, IAM
# role<path><name>, CloudWatch Logs log-group:<name>). Each is built from the resource's own
# `name` output, so the value still depends on that resource (the engine's propertyDependencies),
# and the policy pack can both read it at preview and see where it came from.
def table_arn(partition: str, region: str, account_id: str, table_name: str) -> str:
    return f"arn:{partition}:dynamodb:{region}:{account_id}:table/{table_name}"


def role_arn(partition: str, account_id: str, role_name: str) -> str:
    """A role created without a path (path '/')."""
    return f"arn:{partition}:iam::{account_id}:role/{role_name}"


def log_group_arn(partition: str, region: str, account_id: str, group_name: str) -> str:
    """As the provider's `arn` output gives it: without the ':*' CloudWatch Logs appends."""
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{group_name}"


def integration_trust_policy(account_id: str) -> str:
    """Only API Gateway, and only on behalf of this account (the confused-deputy guard)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ApiGatewayOfThisAccount",
                    "Effect": "Allow",
                    "Principal": {"Service": API_GATEWAY_PRINCIPAL},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


def integration_role_boundary_arn(account_id: str, service_name: str) -> str:
    """The permissions boundary bootstrap/ creates for this environment's integration role."""
    return f"arn:aws:iam::{account_id}:policy/{BOUNDARY_POLICY_PATH}/{service_name}-integration-boundary"


def integration_access_policy(table_arn: str, pre_moderation: bool = False) -> str:
    """Exactly the DynamoDB actions the API's integrations call, on exactly this table; with
    pre-moderation every Query goes to one of the two indexes, never to the table itself."""
    if not pre_moderation:
        statements = [
            {
                "Sid": "CommentsTable",
                "Effect": "Allow",
                "Action": list(api_definition.DYNAMODB_ACTIONS),
                "Resource": table_arn,
            }
        ]
    else:
        statements = [
            {
                "Sid": "CommentsTable",
                "Effect": "Allow",
                "Action": sorted(
                    f"dynamodb:{a}"
                    for a in (api_definition.CREATE_ACTION, api_definition.DELETE_ACTION)
                ),
                "Resource": table_arn,
            },
            {
                "Sid": "CommentsIndexes",
                "Effect": "Allow",
                "Action": f"dynamodb:{api_definition.LIST_ACTION}",
                "Resource": [
                    f"{table_arn}/index/{index}"
                    for index in (api_definition.PENDING_INDEX, api_definition.PUBLISHED_INDEX)
                ],
            },
        ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def moderator_trust_policy(account_id: str) -> str:
    """Principals of this account only, and only those whose own IAM policies allow
    sts:AssumeRole on this role (trusting the account root delegates the choice to IAM)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PrincipalsOfThisAccountAllowedToModerate",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def moderator_access_policy(execution_arn: str, stage: str, pre_moderation: bool = False) -> str:
    """execute-api:Invoke on exactly the moderation methods of this API's stage."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ModerationRoutes",
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": [
                        api_definition.method_arn(execution_arn, stage, method, path)
                        for method, path in api_definition.moderation_routes(pre_moderation)
                    ],
                }
            ],
        }
    )


class CommentsService(pulumi.ComponentResource):
    """The whole comments service of one stack."""

    table: aws.dynamodb.Table
    role: aws.iam.Role
    api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    monitoring: StackMonitoring
    moderator_role: aws.iam.Role
    url: pulumi.Output[str]

    def __init__(
        self, name: str, args: CommentsServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(COMPONENT_TYPE, name, None, opts)
        settings, tags = args.settings, args.tags
        scaling = {"Read": args.operations.read_scaling, "Write": args.operations.write_scaling}
        child = pulumi.ResourceOptions(parent=self)

        attributes = [
            aws.dynamodb.TableAttributeArgs(name="slug", type="S"),
            aws.dynamodb.TableAttributeArgs(name="createdAt", type="N"),
        ]
        indexes: list[aws.dynamodb.TableGlobalSecondaryIndexArgs] = []
        if settings.pre_moderation:
            # Sparse: an item is in an index only while it carries that index's hash key.
            for index, key in (
                (api_definition.PENDING_INDEX, api_definition.PENDING_ATTRIBUTE),
                (api_definition.PUBLISHED_INDEX, api_definition.PUBLISHED_ATTRIBUTE),
            ):
                attributes.append(aws.dynamodb.TableAttributeArgs(name=key, type="S"))
                indexes.append(
                    aws.dynamodb.TableGlobalSecondaryIndexArgs(
                        name=index,
                        key_schemas=[
                            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                                attribute_name=key, key_type="HASH"
                            ),
                            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                                attribute_name="createdAt", key_type="RANGE"
                            ),
                        ],
                        projection_type="ALL",
                        read_capacity=settings.read_capacity,
                        write_capacity=settings.write_capacity,
                    )
                )
        self.table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PROVISIONED",
            hash_key="slug",
            range_key="createdAt",
            attributes=attributes,
            global_secondary_indexes=indexes or None,
            read_capacity=settings.read_capacity,
            write_capacity=settings.write_capacity,
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=settings.data_protection
            ),
            deletion_protection_enabled=settings.data_protection,
            ttl=aws.dynamodb.TableTtlArgs(attribute_name=SMOKE_TTL_ATTRIBUTE, enabled=True),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=settings.data_protection,
                # Auto scaling owns a scaled dimension's capacity; a deploy must not reset it.
                ignore_changes=[f"{kind.lower()}Capacity" for kind, on in scaling.items() if on],
            ),
        )
        for kind, dimension in scaling.items():
            if dimension:
                table_scaling(
                    name,
                    kind=kind,
                    scaling=dimension,
                    table_name=self.table.name,
                    tags=tags,
                    parent=self,
                )

        caller = aws.get_caller_identity_output()
        region = aws.get_region_output()
        aws_partition = aws.get_partition_output()
        where = pulumi.Output.all(aws_partition.partition, region.region, caller.account_id)
        table_arn_known = pulumi.Output.all(where, self.table.name).apply(
            lambda values: table_arn(values[0][0], values[0][1], values[0][2], values[1])
        )

        boundary = None
        if settings.integration_role_boundary:
            boundary = caller.account_id.apply(
                lambda account: integration_role_boundary_arn(account, name)
            )
        self.role = aws.iam.Role(
            f"{name}-integration-role",
            description="Assumed by API Gateway to read and write the comments table",
            assume_role_policy=caller.account_id.apply(integration_trust_policy),
            permissions_boundary=boundary,
            tags=tags,
            # Deploy roles may not rewrite a role's trust (iam:UpdateAssumeRolePolicy is denied
            # by bootstrap/): a trust change creates a new role, which the preview shows.
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=[TRUST_POLICY_PROPERTY]),
        )
        integration_role_arn = pulumi.Output.all(
            aws_partition.partition, caller.account_id, self.role.name
        ).apply(lambda values: role_arn(values[0], values[1], values[2]))
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-integration-access",
            # The role's name is its id (terraform-provider-aws), and known at preview.
            role=self.role.name,
            policy=table_arn_known.apply(
                lambda arn: integration_access_policy(arn, settings.pre_moderation)
            ),
            opts=child,
        )

        title = name
        body = pulumi.Output.all(region.region, self.table.name, integration_role_arn).apply(
            lambda values: api_definition.document_json(
                api_definition.build_api_document(
                    api_definition.ApiInputs(
                        title=title,
                        region=values[0],
                        table_name=values[1],
                        role_arn=values[2],
                        cors_allowed_origins=settings.cors_allowed_origins,
                        smoke_slug_prefix=settings.smoke_slug_prefix,
                        smoke_ttl_seconds=settings.smoke_ttl_hours * 3600,
                        pre_moderation=settings.pre_moderation,
                    )
                )
            )
        )
        self.api = aws.apigateway.RestApi(
            f"{name}-api",
            name=title,
            description="Comments API: API Gateway straight to DynamoDB",
            body=body,
            endpoint_configuration=aws.apigateway.RestApiEndpointConfigurationArgs(
                types="REGIONAL"
            ),
            tags=tags,
            # The role's permissions must exist before the API can use it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy]),
        )
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.api.id,
            description="Re-created whenever the API document changes",
            triggers={"apiDocument": body.apply(api_definition.document_hash)},
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            retention_in_days=settings.log_retention_days,
            tags=tags,
            opts=child,
        )
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.api.id,
            deployment=deployment.id,
            stage_name=settings.stage_name,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(
                destination_arn=pulumi.Output.all(where, log_group.name).apply(
                    # mypy cannot count a starred argument; the four parts are (partition,
                    # region, account) and the group's name.
                    lambda values: log_group_arn(*values[0], values[1])  # type: ignore[call-arg]
                ),
                format=ACCESS_LOG_FORMAT,
            ),
            tags=tags,
            opts=child,
        )
        aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=self.api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings=aws.apigateway.MethodSettingsSettingsArgs(
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
                # Execution logs could hold comment text; access logs are enough.
                logging_level="OFF",
                data_trace_enabled=False,
                metrics_enabled=False,
            ),
            opts=child,
        )
        self.url = self.stage.invoke_url
        self.monitoring = StackMonitoring(
            name,
            settings=args.operations,
            stack=pulumi.get_stack(),
            api_name=self.api.name,
            stage_name=self.stage.stage_name,
            table_name=self.table.name,
            tags=tags,
            parent=self,
        )

        # Moderators assume this role; it can call the moderation routes and nothing else.
        self.moderator_role = aws.iam.Role(
            f"{name}-moderator-role",
            description="Assumed by moderators: SigV4-signed calls to the moderation routes only",
            assume_role_policy=caller.account_id.apply(moderator_trust_policy),
            max_session_duration=3600,
            permissions_boundary=boundary,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=[TRUST_POLICY_PROPERTY]),
        )
        aws.iam.RolePolicy(
            f"{name}-moderator-access",
            role=self.moderator_role.name,
            policy=pulumi.Output.all(self.api.execution_arn, self.stage.stage_name).apply(
                lambda values: moderator_access_policy(
                    values[0], values[1], settings.pre_moderation
                )
            ),
            opts=child,
        )

        self.register_outputs(
            {
                outputs.URL: self.url,
                outputs.TABLE_NAME: self.table.name,
                outputs.API_ID: self.api.id,
                outputs.STAGE_NAME: self.stage.stage_name,
                outputs.MODERATOR_ROLE_ARN: self.moderator_role.arn,
            }
        )
