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
            Tags=_tag_list(inputs.get("tags")),
            **boundary,
        )["Role"]
        return role, {**inputs, "name": role, "arn": created["Arn"]}

    def update(self, ctx: Context, old: Record, inputs: Record) -> Record:
        iam = ctx.clients("iam")
        iam.update_assume_role_policy(RoleName=old["id"], PolicyDocument=inputs["assumeRolePolicy"])
        iam.update_role(RoleName=old["id"], Description=inputs.get("description", ""))
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


HANDLERS: dict[str, Handler] = {
    "aws:dynamodb/table:Table": TableHandler(),
    "aws:iam/role:Role": RoleHandler(),
    "aws:iam/rolePolicy:RolePolicy": RolePolicyHandler(),
    "aws:cloudwatch/logGroup:LogGroup": LogGroupHandler(),
    "aws:apigateway/restApi:RestApi": RestApiHandler(),
    "aws:apigateway/deployment:Deployment": DeploymentHandler(),
    "aws:apigateway/stage:Stage": StageHandler(),
    "aws:apigateway/methodSettings:MethodSettings": MethodSettingsHandler(),
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
        self._preview = DefaultMocks(region=ctx.region, account_id=ctx.account_id)

    def _record(self, key: str, record: Record, action: str) -> None:
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
            try:
                if old and args.typ not in REPLACE_ON_CHANGE:
                    state = handler.update(self.ctx, old, inputs)
                    record = {**old, "inputs": inputs, "state": state}
                    self._record(key, record, "updated")
                else:
                    resource_id, state = handler.create(self.ctx, args.name, inputs)
                    record = {
                        "type": args.typ,
                        "name": args.name,
                        "id": resource_id,
                        "inputs": inputs,
                        "state": state,
                    }
                    if old:  # replaced: the old one is removed after everything else is in place
                        self.previous[f"{key}::replaced"] = old
                    self._record(key, record, "replaced" if old else "created")
            except DeployError:
                raise
            except Exception as error:
                raise DeployError(f"{args.typ} {args.name}: {error}") from error
            return record["id"], record["state"]

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return self._preview.call(args)

    def remove_stale(self) -> None:
        """Delete what the previous deploy had and this one no longer declares, newest first."""
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


def boto_clients(endpoint: str, region: str) -> Clients:
    """boto3 clients for moto; its credentials are any non-empty strings."""
    session = boto3.session.Session(
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - moto accepts any credentials
        region_name=region,
    )
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=endpoint)
        return cache[service]

    return client


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
) -> DeployResult:
    """Run the program for `stack` against moto; record it; refresh the data plane's state."""
    clients = boto_clients(endpoint, region)
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
