"""Local deploy: the infra program, run through the offline runner, creating its resources in moto.

The mocks below play the Pulumi engine plus AWS provider: each registered resource is created,
updated or left alone in moto with boto3, and its real ids, ARNs and the local invoke URL flow
back into the program. What was deployed is recorded per stack (written after every change, so an
interrupted deploy is picked up by the next one), and turned into the data plane's state file.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3
import pulumi

from emulator.environment import write_json
from tooling.offline_runner import DefaultMocks, Plan, run_stack

Record = dict[str, Any]  # {"type", "name", "id", "inputs", "state"}
# moto (moto.utilities.id_generator) creates a resource with the id this tag names.
MOTO_CUSTOM_ID_TAG = "_custom_id_"


class DeployError(Exception):
    """The deploy cannot go on; the message names the resource and the reason."""


def _autoname(logical_name: str) -> str:
    """Pulumi's auto-naming: the logical name plus a random suffix."""
    return f"{logical_name}-{secrets.token_hex(4)[:7]}"


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]


class Clients(Protocol):
    def __call__(self, service: str) -> Any: ...


@dataclass
class Context:
    clients: Clients
    region: str
    account_id: str
    gateway_url: str
    api_bodies: dict[str, str] = field(default_factory=dict)  # restApi id -> current body
    # What an earlier moto instance held (gone with it): re-created under the same names and ids.
    lost: dict[str, Record] = field(default_factory=dict)

    def earlier(self, type_: str, logical_name: str) -> Record | None:
        """The record of this resource in a moto instance that has since stopped."""
        return self.lost.get(f"{type_}::{logical_name}")

    def physical_name(self, type_: str, logical_name: str, inputs: Record) -> str:
        """The name the program set, else the one it had before moto restarted, else a new one."""
        if inputs.get("name"):
            return str(inputs["name"])
        earlier = self.earlier(type_, logical_name)
        if earlier and earlier["state"].get("name"):
            return str(earlier["state"]["name"])
        return _autoname(logical_name)


# -- one handler per resource type: create returns (id, state); update returns state --------------


class Handler(Protocol):
    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]: ...
    def update(self, ctx: Context, old: Record, inputs: Record) -> Record: ...
    def delete(self, ctx: Context, old: Record) -> None: ...


class TableHandler:
    """DynamoDB table: key schema, provisioned capacity, SSE, PITR, TTL, deletion protection."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        dynamodb = ctx.clients("dynamodb")
        table = ctx.physical_name("aws:dynamodb/table:Table", name, inputs)
        keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
        if inputs.get("rangeKey"):
            keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
        if inputs.get("billingMode", "PROVISIONED") != "PROVISIONED":
            raise DeployError(f"table {name}: only PROVISIONED billing is supported locally")
        dynamodb.create_table(
            TableName=table,
            BillingMode="PROVISIONED",
            KeySchema=keys,
            AttributeDefinitions=[
                {"AttributeName": a["name"], "AttributeType": a["type"]}
                for a in inputs["attributes"]
            ],
            ProvisionedThroughput=self._throughput(inputs),
            **self._indexes(inputs),
            SSESpecification={
                "Enabled": bool(inputs.get("serverSideEncryption", {}).get("enabled"))
            },
            DeletionProtectionEnabled=bool(inputs.get("deletionProtectionEnabled")),
            Tags=_tag_list(inputs.get("tags")),
        )
        self._settings(ctx, table, inputs)
        arn = f"arn:aws:dynamodb:{ctx.region}:{ctx.account_id}:table/{table}"
        return table, {**inputs, "name": table, "arn": arn}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        before = old["inputs"]
        for key in ("hashKey", "rangeKey", "attributes", "name"):
            if before.get(key) != inputs.get(key) and not (
                key == "name" and inputs.get(key) is None
            ):
                raise DeployError(
                    f"table {old['name']}: changing {key} replaces the table and its data; "
                    "run `make down` then `make deploy` to start the local environment afresh"
                )
        if self._indexes(before) != self._indexes(inputs):
            raise DeployError(
                f"table {old['name']}: the local environment cannot change a table's global "
                "secondary indexes in place; run `make down` then `make deploy`"
            )
        dynamodb = ctx.clients("dynamodb")
        changes: dict[str, Any] = {}
        if self._throughput(before) != self._throughput(inputs):
            changes["ProvisionedThroughput"] = self._throughput(inputs)
        if before.get("deletionProtectionEnabled") != inputs.get("deletionProtectionEnabled"):
            changes["DeletionProtectionEnabled"] = bool(inputs.get("deletionProtectionEnabled"))
        if changes:
            dynamodb.update_table(TableName=old["id"], **changes)
        self._settings(ctx, old["id"], inputs)
        return {**old["state"], **inputs, "name": old["id"]}

    def delete(self, ctx: Context, old: Record) -> None:
        dynamodb = ctx.clients("dynamodb")
        dynamodb.update_table(TableName=old["id"], DeletionProtectionEnabled=False)
        dynamodb.delete_table(TableName=old["id"])

    @staticmethod
    def _indexes(inputs: Record) -> dict[str, Any]:
        """GlobalSecondaryIndexes for CreateTable (keySchemas, or the older hashKey/rangeKey)."""
        indexes = []
        for index in inputs.get("globalSecondaryIndexes") or []:
            keys = [
                {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                for k in index.get("keySchemas") or []
            ] or [
                {"AttributeName": index[name], "KeyType": kind}
                for name, kind in (("hashKey", "HASH"), ("rangeKey", "RANGE"))
                if index.get(name)
            ]
            projection: dict[str, Any] = {"ProjectionType": index["projectionType"]}
            if index.get("nonKeyAttributes"):
                projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
            indexes.append(
                {
                    "IndexName": index["name"],
                    "KeySchema": keys,
                    "Projection": projection,
                    "ProvisionedThroughput": TableHandler._throughput(index),
                }
            )
        return {"GlobalSecondaryIndexes": indexes} if indexes else {}

    @staticmethod
    def _throughput(inputs: Record) -> dict[str, int]:
        return {
            "ReadCapacityUnits": int(inputs["readCapacity"]),
            "WriteCapacityUnits": int(inputs["writeCapacity"]),
        }

    @staticmethod
    def _settings(ctx: Context, table: str, inputs: Record) -> None:
        dynamodb = ctx.clients("dynamodb")
        pitr = bool(inputs.get("pointInTimeRecovery", {}).get("enabled"))
        dynamodb.update_continuous_backups(
            TableName=table,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": pitr},
        )
        ttl = inputs.get("ttl") or {}
        if ttl.get("enabled"):
            current = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") != "ENABLED":
                dynamodb.update_time_to_live(
                    TableName=table,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["attributeName"],
                    },
                )


class RoleHandler:
    """IAM role with its trust policy."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        role = ctx.physical_name("aws:iam/role:Role", name, inputs)
        boundary = (
            {"PermissionsBoundary": inputs["permissionsBoundary"]}
            if inputs.get("permissionsBoundary")
            else {}
        )
        created = ctx.clients("iam").create_role(
            RoleName=role,
            AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
            Description=inputs.get("description", ""),
            MaxSessionDuration=int(inputs.get("maxSessionDuration") or 3600),
            Tags=_tag_list(inputs.get("tags")),
            **boundary,
        )["Role"]
        return role, {**inputs, "name": role, "arn": created["Arn"]}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        iam = ctx.clients("iam")
        iam.update_assume_role_policy(RoleName=old["id"], PolicyDocument=inputs["assumeRolePolicy"])
        iam.update_role(
            RoleName=old["id"],
            Description=inputs.get("description", ""),
            MaxSessionDuration=int(inputs.get("maxSessionDuration") or 3600),
        )
        iam.tag_role(RoleName=old["id"], Tags=_tag_list(inputs.get("tags")))
        return {**old["state"], **inputs}

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("iam").delete_role(RoleName=old["id"])


class RolePolicyHandler:
    """An inline policy of a role (aws.iam.RolePolicy); its id is role:policy, as Pulumi's."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        policy = ctx.physical_name("aws:iam/rolePolicy:RolePolicy", name, inputs)
        ctx.clients("iam").put_role_policy(
            RoleName=inputs["role"], PolicyName=policy, PolicyDocument=inputs["policy"]
        )
        return f"{inputs['role']}:{policy}", {**inputs, "name": policy}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        role, policy = old["id"].split(":", 1)
        if inputs["role"] != role:
            raise DeployError(f"role policy {old['name']}: moving it to another role replaces it")
        ctx.clients("iam").put_role_policy(
            RoleName=role, PolicyName=policy, PolicyDocument=inputs["policy"]
        )
        return {**old["state"], **inputs, "name": policy}

    def delete(self, ctx: Context, old: Record) -> None:
        role, policy = old["id"].split(":", 1)
        ctx.clients("iam").delete_role_policy(RoleName=role, PolicyName=policy)


class LogGroupHandler:
    """CloudWatch log group with a retention period."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        group = ctx.physical_name("aws:cloudwatch/logGroup:LogGroup", name, inputs)
        logs = ctx.clients("logs")
        logs.create_log_group(logGroupName=group, tags=inputs.get("tags") or {})
        self._retention(ctx, group, inputs)
        arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{group}"
        return group, {**inputs, "name": group, "arn": arn}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        self._retention(ctx, old["id"], inputs)
        return {**old["state"], **inputs}

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("logs").delete_log_group(logGroupName=old["id"])

    @staticmethod
    def _retention(ctx: Context, group: str, inputs: Record) -> None:
        if inputs.get("retentionInDays"):
            ctx.clients("logs").put_retention_policy(
                logGroupName=group, retentionInDays=int(inputs["retentionInDays"])
            )


class RestApiHandler:
    """REST API imported from its OpenAPI body, as the AWS provider does (PutRestApi overwrite)."""

    TYPE = "aws:apigateway/restApi:RestApi"

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        apigateway = ctx.clients("apigateway")
        types = (inputs.get("endpointConfiguration") or {}).get("types", "REGIONAL")
        api_name = ctx.physical_name(self.TYPE, name, inputs)
        tags = dict(inputs.get("tags") or {})
        earlier = ctx.earlier(self.TYPE, name)
        if earlier:
            # The id (and so the URL) it had before moto restarted: moto takes a wished-for id
            # from this tag at creation (moto cannot untag a REST API, so the tag stays).
            tags[MOTO_CUSTOM_ID_TAG] = earlier["id"]
        created = apigateway.create_rest_api(
            name=api_name,
            description=inputs.get("description", ""),
            endpointConfiguration={"types": [types] if isinstance(types, str) else types},
            tags=tags,
        )
        api_id = created["id"]
        self._import(ctx, api_id, inputs)
        return api_id, {
            **inputs,
            "name": api_name,
            "rootResourceId": created["rootResourceId"],
            **self._arns(ctx, api_id),
        }

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        self._import(ctx, old["id"], inputs)
        return {**old["state"], **inputs}

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("apigateway").delete_rest_api(restApiId=old["id"])

    @staticmethod
    def _import(ctx: Context, api_id: str, inputs: Record) -> None:
        body = inputs.get("body")
        if not body:
            raise DeployError("the local environment needs RestApi(body=...): an OpenAPI document")
        ctx.clients("apigateway").put_rest_api(
            restApiId=api_id, mode="overwrite", body=body.encode("utf-8")
        )
        ctx.api_bodies[api_id] = body

    @staticmethod
    def _arns(ctx: Context, api_id: str) -> Record:
        return {"executionArn": f"arn:aws:execute-api:{ctx.region}:{ctx.account_id}:{api_id}"}


class DeploymentHandler:
    """A snapshot of the API: keeps the document as it was when deployed, for the data plane."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        api_id = inputs["restApi"]
        created = ctx.clients("apigateway").create_deployment(
            restApiId=api_id, description=inputs.get("description", "")
        )
        return created["id"], {**inputs, "definition": json.loads(ctx.api_bodies[api_id])}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        raise AssertionError("deployments are replaced, never updated")  # see REPLACE_ON_CHANGE

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("apigateway").delete_deployment(
            restApiId=old["inputs"]["restApi"], deploymentId=old["id"]
        )


class StageHandler:
    """A stage pointing at a deployment, with access logging; its URL is the local data plane's."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        ctx.clients("apigateway").create_stage(
            restApiId=inputs["restApi"],
            stageName=inputs["stageName"],
            deploymentId=inputs["deployment"],
            variables=inputs.get("variables") or {},
            tags=inputs.get("tags") or {},
        )
        self._access_logs(ctx, inputs)
        return f"ags-{inputs['restApi']}-{inputs['stageName']}", self._state(ctx, inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        if (old["inputs"]["restApi"], old["inputs"]["stageName"]) != (
            inputs["restApi"],
            inputs["stageName"],
        ):
            raise DeployError(f"stage {old['name']}: renaming a stage replaces it; run make down")
        ctx.clients("apigateway").update_stage(
            restApiId=inputs["restApi"],
            stageName=inputs["stageName"],
            patchOperations=[
                {"op": "replace", "path": "/deploymentId", "value": inputs["deployment"]}
            ],
        )
        self._access_logs(ctx, inputs)
        return self._state(ctx, inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("apigateway").delete_stage(
            restApiId=old["inputs"]["restApi"], stageName=old["inputs"]["stageName"]
        )

    @staticmethod
    def _state(ctx: Context, inputs: Record) -> Record:
        url = f"{ctx.gateway_url}/{inputs['restApi']}/{inputs['stageName']}"
        return {**inputs, "invokeUrl": url}

    @staticmethod
    def _access_logs(ctx: Context, inputs: Record) -> None:
        settings = inputs.get("accessLogSettings")
        if settings:
            ctx.clients("apigateway").update_stage(
                restApiId=inputs["restApi"],
                stageName=inputs["stageName"],
                patchOperations=[
                    {
                        "op": "replace",
                        "path": "/accessLogSettings/destinationArn",
                        "value": settings["destinationArn"],
                    },
                    {
                        "op": "replace",
                        "path": "/accessLogSettings/format",
                        "value": settings["format"],
                    },
                ],
            )


class MethodSettingsHandler:
    """Stage method settings; the data plane reads throttling from the recorded inputs."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        self._apply(ctx, inputs)
        return f"{inputs['restApi']}-{inputs['stageName']}-{inputs['methodPath']}", dict(inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        self._apply(ctx, inputs)
        return dict(inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        """Settings go with their stage; nothing of their own to remove."""

    @staticmethod
    def _apply(ctx: Context, inputs: Record) -> None:
        settings = inputs.get("settings") or {}
        path = inputs["methodPath"]
        # Property values arrive as floats; API Gateway wants a whole-number burst.
        operations = []
        if "throttlingRateLimit" in settings:
            rate = str(float(settings["throttlingRateLimit"]))
            operations.append(
                {"op": "replace", "path": f"/{path}/throttling/rateLimit", "value": rate}
            )
        if "throttlingBurstLimit" in settings:
            burst = str(int(settings["throttlingBurstLimit"]))
            operations.append(
                {"op": "replace", "path": f"/{path}/throttling/burstLimit", "value": burst}
            )
        if operations:
            ctx.clients("apigateway").update_stage(
                restApiId=inputs["restApi"],
                stageName=inputs["stageName"],
                patchOperations=operations,
            )


class MetricAlarmHandler:
    """CloudWatch metric alarm (PutMetricAlarm creates and overwrites); its id is its name."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        alarm = inputs.get("name") or _autoname(name)
        self._put(ctx, alarm, inputs)
        return alarm, self._state(ctx, alarm, inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        if inputs.get("name") not in (None, old["id"]):
            raise DeployError(f"alarm {old['name']}: renaming an alarm replaces it; run make down")
        self._put(ctx, old["id"], inputs)
        return self._state(ctx, old["id"], inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("cloudwatch").delete_alarms(AlarmNames=[old["id"]])

    @staticmethod
    def _state(ctx: Context, alarm: str, inputs: Record) -> Record:
        arn = f"arn:aws:cloudwatch:{ctx.region}:{ctx.account_id}:alarm:{alarm}"
        return {**inputs, "name": alarm, "arn": arn}

    @staticmethod
    def _put(ctx: Context, alarm: str, inputs: Record) -> None:
        params: dict[str, Any] = {
            "AlarmName": alarm,
            "AlarmDescription": inputs.get("alarmDescription", ""),
            "ActionsEnabled": bool(inputs.get("actionsEnabled", True)),
            "AlarmActions": inputs.get("alarmActions") or [],
            "OKActions": inputs.get("okActions") or [],
            "InsufficientDataActions": inputs.get("insufficientDataActions") or [],
            "EvaluationPeriods": int(inputs["evaluationPeriods"]),
            "ComparisonOperator": inputs["comparisonOperator"],
            "Threshold": float(inputs["threshold"]),
            "Tags": _tag_list(inputs.get("tags")),
        }
        optional = {
            "DatapointsToAlarm": ("datapointsToAlarm", int),
            "TreatMissingData": ("treatMissingData", str),
            "EvaluateLowSampleCountPercentile": ("evaluateLowSampleCountPercentiles", str),
            "Namespace": ("namespace", str),
            "MetricName": ("metricName", str),
            "Statistic": ("statistic", str),
            "ExtendedStatistic": ("extendedStatistic", str),
            "Period": ("period", int),
            "Unit": ("unit", str),
        }
        for param, (key, convert) in optional.items():
            if inputs.get(key) is not None:
                params[param] = convert(inputs[key])
        if inputs.get("dimensions"):
            params["Dimensions"] = _dimensions(inputs["dimensions"])
        if inputs.get("metricQueries"):
            params["Metrics"] = [_metric_query(query) for query in inputs["metricQueries"]]
        ctx.clients("cloudwatch").put_metric_alarm(**params)


def _dimensions(dimensions: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in sorted(dimensions.items())]


def _metric_query(query: Record) -> dict[str, Any]:
    """One entry of an alarm's metricQueries, as PutMetricAlarm's Metrics take it."""
    result: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    if query.get("expression"):
        result["Expression"] = query["expression"]
    if query.get("label"):
        result["Label"] = query["label"]
    metric = query.get("metric")
    if metric:
        result["MetricStat"] = {
            "Metric": {
                "Namespace": metric.get("namespace", ""),
                "MetricName": metric["metricName"],
                "Dimensions": _dimensions(metric.get("dimensions") or {}),
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
    return result


class DashboardHandler:
    """CloudWatch dashboard (PutDashboard creates and overwrites); its id is its name."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        dashboard = inputs["dashboardName"]
        return dashboard, self._put(ctx, dashboard, inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        if inputs["dashboardName"] != old["id"]:
            raise DeployError(f"dashboard {old['name']}: renaming it replaces it; run make down")
        return self._put(ctx, old["id"], inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("cloudwatch").delete_dashboards(DashboardNames=[old["id"]])

    @staticmethod
    def _put(ctx: Context, dashboard: str, inputs: Record) -> Record:
        ctx.clients("cloudwatch").put_dashboard(
            DashboardName=dashboard, DashboardBody=inputs["dashboardBody"]
        )
        arn = f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{dashboard}"
        return {**inputs, "dashboardArn": arn}


class TopicHandler:
    """SNS topic; its id is its ARN, as Pulumi's."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        topic = inputs.get("name") or _autoname(name)
        created = ctx.clients("sns").create_topic(Name=topic, Tags=_tag_list(inputs.get("tags")))
        arn = created["TopicArn"]
        return arn, {**inputs, "name": topic, "arn": arn}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        if inputs.get("name") not in (None, old["state"]["name"]):
            raise DeployError(f"topic {old['name']}: renaming a topic replaces it; run make down")
        ctx.clients("sns").tag_resource(ResourceArn=old["id"], Tags=_tag_list(inputs.get("tags")))
        return {**old["state"], **inputs, "name": old["state"]["name"]}

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("sns").delete_topic(TopicArn=old["id"])


class TopicPolicyHandler:
    """A topic's access policy (the topic's Policy attribute); its id is the topic's ARN."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        self._set(ctx, inputs["arn"], inputs["policy"])
        return inputs["arn"], dict(inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        self._set(ctx, inputs["arn"], inputs["policy"])
        return dict(inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        """Back to SNS's default policy: the topic owner's account only."""
        default = {
            "Version": "2008-10-17",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"],
                    "Resource": old["id"],
                    "Condition": {"StringEquals": {"AWS:SourceOwner": ctx.account_id}},
                }
            ],
        }
        try:
            self._set(ctx, old["id"], json.dumps(default))
        except ctx.clients("sns").exceptions.NotFoundException:
            pass  # the topic went first: its policy went with it

    @staticmethod
    def _set(ctx: Context, topic: str, policy: str) -> None:
        ctx.clients("sns").set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=policy
        )


class TopicSubscriptionHandler:
    """An endpoint subscribed to a topic; its id is the subscription's ARN."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        arn = ctx.clients("sns").subscribe(
            TopicArn=inputs["topic"],
            Protocol=inputs["protocol"],
            Endpoint=inputs["endpoint"],
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return arn, {**inputs, "arn": arn}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        keys = ("topic", "protocol", "endpoint")
        if any(old["inputs"].get(k) != inputs.get(k) for k in keys):
            raise DeployError(
                f"subscription {old['name']}: a new topic, protocol or endpoint replaces it; "
                "run make down"
            )
        return {**old["state"], **inputs}

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("sns").unsubscribe(SubscriptionArn=old["id"])


class BudgetHandler:
    """An AWS Budgets budget with its notifications; its id is account:name, as Pulumi's."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        budget = inputs.get("name") or _autoname(name)
        budgets = ctx.clients("budgets")
        budgets.create_budget(
            AccountId=ctx.account_id,
            Budget={
                "BudgetName": budget,
                "BudgetType": inputs["budgetType"],
                "TimeUnit": inputs["timeUnit"],
                "BudgetLimit": {
                    "Amount": str(inputs["limitAmount"]),
                    "Unit": inputs.get("limitUnit", "USD"),
                },
                "CostFilters": {f["name"]: f["values"] for f in inputs.get("costFilters") or []},
            },
            NotificationsWithSubscribers=[
                {
                    "Notification": {
                        "NotificationType": n["notificationType"],
                        "ComparisonOperator": n["comparisonOperator"],
                        "Threshold": float(n["threshold"]),
                        "ThresholdType": n.get("thresholdType", "PERCENTAGE"),
                    },
                    "Subscribers": [
                        {"SubscriptionType": "SNS", "Address": arn}
                        for arn in n.get("subscriberSnsTopicArns") or []
                    ]
                    + [
                        {"SubscriptionType": "EMAIL", "Address": address}
                        for address in n.get("subscriberEmailAddresses") or []
                    ],
                }
                for n in inputs.get("notifications") or []
            ],
        )
        arn = f"arn:aws:budgets::{ctx.account_id}:budget/{budget}"
        return f"{ctx.account_id}:{budget}", {**inputs, "name": budget, "arn": arn}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        """moto has no UpdateBudget: the budget is made again under its name."""
        self.delete(ctx, old)
        _, state = self.create(ctx, old["state"]["name"], {**inputs, "name": old["state"]["name"]})
        return state

    def delete(self, ctx: Context, old: Record) -> None:
        ctx.clients("budgets").delete_budget(
            AccountId=ctx.account_id, BudgetName=old["state"]["name"]
        )


class ScalableTargetHandler:
    """An Application Auto Scaling target (RegisterScalableTarget upserts); its id is resourceId."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        self._register(ctx, inputs)
        return inputs["resourceId"], dict(inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        keys = ("serviceNamespace", "resourceId", "scalableDimension")
        if any(old["inputs"].get(k) != inputs.get(k) for k in keys):
            raise DeployError(
                f"scalable target {old['name']}: another resource or dimension replaces it; "
                "run make down"
            )
        self._register(ctx, inputs)
        return dict(inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        inputs = old["inputs"]
        ctx.clients("application-autoscaling").deregister_scalable_target(
            ServiceNamespace=inputs["serviceNamespace"],
            ResourceId=inputs["resourceId"],
            ScalableDimension=inputs["scalableDimension"],
        )

    @staticmethod
    def _register(ctx: Context, inputs: Record) -> None:
        ctx.clients("application-autoscaling").register_scalable_target(
            ServiceNamespace=inputs["serviceNamespace"],
            ResourceId=inputs["resourceId"],
            ScalableDimension=inputs["scalableDimension"],
            MinCapacity=int(inputs["minCapacity"]),
            MaxCapacity=int(inputs["maxCapacity"]),
        )


class ScalingPolicyHandler:
    """A target-tracking scaling policy (PutScalingPolicy upserts); its id is its name."""

    def create(self, ctx: Context, name: str, inputs: Record) -> tuple[str, Record]:
        policy = inputs.get("name") or _autoname(name)
        return policy, self._put(ctx, policy, inputs)

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        return self._put(ctx, old["id"], inputs)

    def delete(self, ctx: Context, old: Record) -> None:
        inputs = old["inputs"]
        ctx.clients("application-autoscaling").delete_scaling_policy(
            PolicyName=old["id"],
            ServiceNamespace=inputs["serviceNamespace"],
            ResourceId=inputs["resourceId"],
            ScalableDimension=inputs["scalableDimension"],
        )

    @staticmethod
    def _put(ctx: Context, policy: str, inputs: Record) -> Record:
        if inputs.get("policyType") != "TargetTrackingScaling":
            raise DeployError(
                f"scaling policy {policy}: the local environment deploys TargetTrackingScaling "
                f"policies only, not {inputs.get('policyType')}"
            )
        tracking = inputs["targetTrackingScalingPolicyConfiguration"]
        configuration: dict[str, Any] = {"TargetValue": float(tracking["targetValue"])}
        predefined = tracking.get("predefinedMetricSpecification")
        if predefined:
            configuration["PredefinedMetricSpecification"] = {
                "PredefinedMetricType": predefined["predefinedMetricType"]
            }
        for key, param in (
            ("scaleInCooldown", "ScaleInCooldown"),
            ("scaleOutCooldown", "ScaleOutCooldown"),
        ):
            if tracking.get(key) is not None:
                configuration[param] = int(tracking[key])
        if tracking.get("disableScaleIn") is not None:
            configuration["DisableScaleIn"] = bool(tracking["disableScaleIn"])
        created = ctx.clients("application-autoscaling").put_scaling_policy(
            PolicyName=policy,
            ServiceNamespace=inputs["serviceNamespace"],
            ResourceId=inputs["resourceId"],
            ScalableDimension=inputs["scalableDimension"],
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=configuration,
        )
        return {**inputs, "name": policy, "arn": created["PolicyARN"]}


HANDLERS: dict[str, Handler] = {
    "aws:dynamodb/table:Table": TableHandler(),
    "aws:iam/role:Role": RoleHandler(),
    "aws:iam/rolePolicy:RolePolicy": RolePolicyHandler(),
    "aws:cloudwatch/logGroup:LogGroup": LogGroupHandler(),
    "aws:apigateway/restApi:RestApi": RestApiHandler(),
    "aws:apigateway/deployment:Deployment": DeploymentHandler(),
    "aws:apigateway/stage:Stage": StageHandler(),
    "aws:apigateway/methodSettings:MethodSettings": MethodSettingsHandler(),
    "aws:cloudwatch/metricAlarm:MetricAlarm": MetricAlarmHandler(),
    "aws:cloudwatch/dashboard:Dashboard": DashboardHandler(),
    "aws:sns/topic:Topic": TopicHandler(),
    "aws:sns/topicPolicy:TopicPolicy": TopicPolicyHandler(),
    "aws:sns/topicSubscription:TopicSubscription": TopicSubscriptionHandler(),
    "aws:budgets/budget:Budget": BudgetHandler(),
    "aws:appautoscaling/target:Target": ScalableTargetHandler(),
    "aws:appautoscaling/policy:Policy": ScalingPolicyHandler(),
}
# Types the AWS provider replaces (create the new, then delete the old) on any input change.
REPLACE_ON_CHANGE = {"aws:apigateway/deployment:Deployment"}


# -- the engine stand-in ---------------------------------------------------------------------------


@dataclass
class Change:
    action: str  # created | updated | replaced | unchanged | deleted
    type: str
    name: str
    id: str


class MotoMocks(pulumi.runtime.Mocks):
    """Creates, updates or keeps each registered resource in moto; records every change at once."""

    def __init__(
        self,
        ctx: Context,
        previous: dict[str, Record],
        save: Callable[[dict[str, Record]], None],
        dry_run: bool = False,
    ) -> None:
        self.ctx = ctx
        self.previous = previous
        self.current: dict[str, Record] = {}
        self.changes: list[Change] = []
        self.save = save
        self.dry_run = dry_run
        self._lock = threading.Lock()  # the SDK registers resources from several threads
        # key -> the order the program registered it in: the order changes are listed in
        self._arrivals: dict[str, int] = {}
        self._preview = DefaultMocks(region=ctx.region, account_id=ctx.account_id)

    def prior_state(self, type_: str, logical_name: str) -> Record | None:
        """The state this resource had, in this moto or one that has since stopped."""
        record = self.previous.get(f"{type_}::{logical_name}") or self.ctx.earlier(
            type_, logical_name
        )
        return record["state"] if record else None

    def _record(self, key: str, record: Record, action: str) -> None:
        """Under the lock: the change, and the stack record written with it."""
        self.current[key] = record
        self.changes.append(Change(action, record["type"], record["name"], record["id"]))
        if not self.dry_run:
            self.save({**self.previous, **self.current})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, Record]:
        if not args.custom:  # component resources exist only in the engine
            return f"{args.name}-component", {}
        handler = HANDLERS.get(args.typ)
        if handler is None:
            raise DeployError(
                f"the local environment cannot deploy resource type {args.typ} ({args.name}); "
                f"supported: {', '.join(sorted(HANDLERS))}"
            )
        key = f"{args.typ}::{args.name}"
        inputs = json.loads(json.dumps(args.inputs))  # plain, comparable values
        with self._lock:
            self._arrivals.setdefault(key, len(self._arrivals))
            old = self.previous.get(key)
            if old and old["inputs"] == inputs:
                if args.typ == "aws:apigateway/restApi:RestApi":
                    self.ctx.api_bodies[old["id"]] = inputs["body"]
                self._record(key, old, "unchanged")
                return old["id"], old["state"]
            if self.dry_run:
                action = "updated" if old else "created"
                if old and args.typ in REPLACE_ON_CHANGE:
                    action = "replaced"
                resource_id, state = (
                    (old["id"], {**old["state"], **inputs})
                    if old
                    else self._preview.new_resource(args)
                )
                self._record(
                    key,
                    {
                        "type": args.typ,
                        "name": args.name,
                        "id": resource_id,
                        "inputs": inputs,
                        "state": state,
                    },
                    action,
                )
                return resource_id, state
        # The SDK registers a resource once what its inputs come from is in place: resources
        # that do not depend on each other are created at the same time, each on its own thread.
        try:
            if old and args.typ not in REPLACE_ON_CHANGE:
                state = handler.update(self.ctx, old, inputs)
                record, action = {**old, "inputs": inputs, "state": state}, "updated"
            else:
                resource_id, state = handler.create(self.ctx, args.name, inputs)
                record = {
                    "type": args.typ,
                    "name": args.name,
                    "id": resource_id,
                    "inputs": inputs,
                    "state": state,
                }
                action = "replaced" if old else "created"
        except DeployError:
            raise
        except Exception as error:
            raise DeployError(f"{args.typ} {args.name}: {error}") from error
        with self._lock:
            if old and action == "replaced":  # the old one is removed after everything else
                self.previous[f"{key}::replaced"] = old
            self._record(key, record, action)
        return record["id"], record["state"]

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return self._preview.call(args)

    def remove_stale(self) -> None:
        """Delete what the previous deploy had and this one no longer declares, newest first."""
        # Listed in the order the program registered them, whichever was done first.
        self.changes.sort(key=lambda c: self._arrivals.get(f"{c.type}::{c.name}", 0))
        for key in reversed(list(self.previous)):
            if key in self.current:
                continue
            old = self.previous[key]
            if not self.dry_run:
                try:
                    HANDLERS[old["type"]].delete(self.ctx, old)
                except Exception as error:
                    raise DeployError(f"deleting {old['type']} {old['name']}: {error}") from error
            self.changes.append(Change("deleted", old["type"], old["name"], old["id"]))
        self.previous = {}
        if not self.dry_run:
            self.save(self.current)


# -- the data plane's view of what was deployed ---------------------------------------------------


def gateway_state(resources: Iterable[Record]) -> dict[str, Any]:
    """The data plane's state file from deployed REST APIs, deployments, stages and settings."""
    records = list(resources)
    apis: dict[str, Any] = {}
    for record in records:
        if record["type"] == "aws:apigateway/restApi:RestApi":
            apis[record["id"]] = {
                "name": record["state"].get("name", ""),
                "deployments": {},
                "stages": {},
            }
    for record in records:
        inputs, state = record["inputs"], record["state"]
        if record["type"] == "aws:apigateway/deployment:Deployment" and inputs["restApi"] in apis:
            definition = state.get("definition")
            if (
                definition is None
            ):  # a Pulumi checkpoint: the API's current body is what was deployed
                body = next(r for r in records if r["id"] == inputs["restApi"])["inputs"]["body"]
                definition = json.loads(body)
            apis[inputs["restApi"]]["deployments"][record["id"]] = {"definition": definition}
        elif record["type"] == "aws:apigateway/stage:Stage" and inputs["restApi"] in apis:
            logs = inputs.get("accessLogSettings")
            apis[inputs["restApi"]]["stages"][inputs["stageName"]] = {
                "deploymentId": inputs["deployment"],
                "variables": inputs.get("variables") or {},
                "throttle": None,
                "accessLog": {"destinationArn": logs["destinationArn"], "format": logs["format"]}
                if logs
                else None,
            }
    for record in records:
        inputs = record["inputs"]
        stage = (
            apis.get(inputs.get("restApi", ""), {}).get("stages", {}).get(inputs.get("stageName"))
        )
        if record["type"] == "aws:apigateway/methodSettings:MethodSettings" and stage is not None:
            settings = inputs.get("settings") or {}
            if "throttlingRateLimit" in settings or "throttlingBurstLimit" in settings:
                stage["throttle"] = {
                    "rateLimit": float(settings.get("throttlingRateLimit", 10_000)),
                    "burstLimit": int(settings.get("throttlingBurstLimit", 5_000)),
                }
    return {"restApis": apis}


def gateway_state_from_checkpoint(path: Path) -> dict[str, Any]:
    """The same state from `pulumi stack export` of a stack the real engine deployed into moto."""
    checkpoint = json.loads(path.read_text(encoding="utf-8"))
    resources = checkpoint.get("deployment", {}).get("resources") or []
    return gateway_state(
        {
            "type": r["type"],
            "name": r["urn"].rsplit("::", 1)[-1],
            "id": r.get("id", ""),
            "inputs": r.get("inputs") or {},
            "state": r.get("outputs") or {},
        }
        for r in resources
        if r.get("custom")
    )


# -- the deploy ------------------------------------------------------------------------------------


@dataclass
class DeployResult:
    plan: Plan
    changes: list[Change]


# The services the handlers call (boto3's names), with STS for the account.
SERVICES = (
    "sts",
    "dynamodb",
    "iam",
    "logs",
    "apigateway",
    "cloudwatch",
    "sns",
    "budgets",
    "application-autoscaling",
)


class BotoClients:
    """boto3 clients for moto, one per service; its credentials are any non-empty strings.
    A client is made on first use (or by `prepare`), under a lock: boto3 sessions are not
    thread-safe, its clients are."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint = endpoint
        self.session = boto3.session.Session(
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - moto accepts any credentials
            region_name=region,
        )
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str) -> Any:
        with self._lock:
            if service not in self._cache:
                self._cache[service] = self.session.client(service, endpoint_url=self.endpoint)
            return self._cache[service]

    def prepare(self, services: Iterable[str] = SERVICES) -> BotoClients:
        """Make the clients of `services` now (they connect to nothing until called)."""
        for service in services:
            self(service)
        return self


def boto_clients(endpoint: str, region: str) -> BotoClients:
    """boto3 clients for moto at `endpoint`."""
    return BotoClients(endpoint, region)


def preparing_clients(endpoint: str, region: str) -> Callable[[], BotoClients]:
    """Start making the deploy's clients on a thread of their own (while moto starts); the
    function returned waits for them."""
    made: list[BotoClients] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            made.append(boto_clients(endpoint, region).prepare())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=make, name="boto3 clients", daemon=True)
    thread.start()

    def wait() -> BotoClients:
        thread.join()
        if errors:
            raise errors[0]
        return made[0]

    return wait


def deploy(
    stack: str,
    *,
    stack_file: Path,
    gateway_state_file: Path,
    endpoint: str,
    gateway_url: str,
    region: str,
    moto_instance: str,
    dry_run: bool = False,
    program_dir: Path | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    clients: Clients | None = None,
) -> DeployResult:
    """Run the program for `stack` against moto (with `clients`, made for it when not given);
    record it; refresh the data plane's state."""
    clients = clients or boto_clients(endpoint, region)
    account_id = clients("sts").get_caller_identity()["Account"]
    saved = json.loads(stack_file.read_text()) if stack_file.exists() else {}
    # moto keeps everything in memory: what an earlier moto instance held is gone, and is
    # created again under the same names and ids (so the API keeps its URL).
    # Kept in the record until a deploy completes, in case this one stops half way.
    lost: dict[str, Record] = saved.get("lost", {})
    if saved.get("motoInstance") != moto_instance:
        lost = {**lost, **saved.get("resources", {})}
        saved = {"motoInstance": moto_instance, "lost": lost}
    previous: dict[str, Record] = saved.get("resources", {})
    ctx = Context(
        clients=clients, region=region, account_id=account_id, gateway_url=gateway_url, lost=lost
    )

    def save(resources: dict[str, Record]) -> None:
        write_json(stack_file, {**saved, "resources": resources})

    mocks = MotoMocks(ctx, dict(previous), save, dry_run=dry_run)
    plan = run_stack(stack, mocks, program_dir=program_dir, config_overrides=config_overrides)
    mocks.remove_stale()
    if not dry_run:
        write_json(
            stack_file,
            {"motoInstance": moto_instance, "resources": mocks.current, "outputs": plan.outputs},
        )
        write_json(gateway_state_file, gateway_state(mocks.current.values()))
    return DeployResult(plan=plan, changes=mocks.changes)
