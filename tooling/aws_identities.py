"""The ids and computed outputs AWS gives each resource type the stacks may create or read.

The offline runner answers the program as the engine and pulumi-aws would: every resource gets an
id of the shape AWS assigns (a REST API's 10-character id, a role's name, a topic's ARN) and the
ARNs that embed the stack's account and region. Ids AWS draws at random are derived from the
resource's URN, so two resources never share one and a run is repeatable. A `.get` or an import
gets the same outputs, built from the id it names.

Shapes: the `id` and `arn` attributes of each type's resource in terraform-provider-aws
(internal/service/<service>/<resource>.go, `d.SetId` and the `arn` attribute), as the pulumi-aws
schema exposes them (`pulumi_aws/<module>/<resource>.py` output properties).
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_ALPHANUMERIC = string.ascii_lowercase + string.digits


def _drawn(seed: str, length: int, alphabet: str = _ALPHANUMERIC) -> str:
    """A stand-in for an id AWS draws at random: stable per seed, distinct between seeds."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:length])


@dataclass(frozen=True)
class Where:
    region: str
    account: str
    urn: str
    logical_name: str

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{self.account}:{resource}"


# type -> (id, computed outputs) for a resource of that type with these inputs (or this id)
Identity = Callable[[Where, Mapping[str, Any], "str | None"], tuple[str, dict[str, Any]]]


def _name(where: Where, inputs: Mapping[str, Any], key: str = "name") -> str:
    """The name Check settled on (the program's or its auto-name; tooling/provider_check.py)."""
    return str(inputs.get(key) or where.logical_name)


def _table(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or _name(where, inputs)
    return name, {"name": name, "arn": where.arn("dynamodb", f"table/{name}")}


def _role(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or _name(where, inputs)
    path = str(inputs.get("path") or "/")
    return name, {
        "name": name,
        "arn": f"arn:aws:iam::{where.account}:role{path}{name}",
        "uniqueId": "AROA" + _drawn(where.urn, 17, string.ascii_uppercase + "234567"),
    }


def _role_policy(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    if existing:  # '<role>:<policy>', as the provider's id and import format
        role, _, name = existing.partition(":")
        return existing, {"role": role, "name": name}
    name = _name(where, inputs)
    return f"{inputs.get('role')}:{name}", {"name": name}


def _log_group(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or _name(where, inputs)
    # The provider trims CloudWatch's trailing ':*' from the ARN it exposes.
    return name, {"name": name, "arn": where.arn("logs", f"log-group:{name}")}


def _rest_api(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    api_id = existing or _drawn(where.urn, 10)
    return api_id, {
        "rootResourceId": _drawn(f"{where.urn}/root", 10),
        "executionArn": where.arn("execute-api", api_id),
        "arn": f"arn:aws:apigateway:{where.region}::/restapis/{api_id}",
        "createdDate": "2026-01-01T00:00:00Z",
    }


def _deployment(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    return existing or _drawn(where.urn, 6), {"createdDate": "2026-01-01T00:00:00Z"}


def _stage(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    if existing:  # '<rest api id>/<stage name>', the import format
        api_id, _, stage = existing.partition("/")
    else:
        api_id, stage = str(inputs.get("restApi")), str(inputs.get("stageName"))
    return f"ags-{api_id}-{stage}", {
        "restApi": api_id,
        "stageName": stage,
        "arn": f"arn:aws:apigateway:{where.region}::/restapis/{api_id}/stages/{stage}",
        "executionArn": where.arn("execute-api", f"{api_id}/{stage}"),
        "invokeUrl": f"https://{api_id}.execute-api.{where.region}.amazonaws.com/{stage}",
    }


def _method_settings(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    key = f"{inputs.get('restApi')}-{inputs.get('stageName')}-{inputs.get('methodPath')}"
    return existing or key, {}


def _scalable_target(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    resource_id = existing or str(inputs.get("resourceId"))
    return resource_id, {
        "arn": where.arn("application-autoscaling", f"scalable-target/{_drawn(where.urn, 28)}")
    }


def _scaling_policy(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or _name(where, inputs)
    uuid = _drawn(where.urn, 32, "0123456789abcdef")
    resource = (
        f"scalingPolicy:{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
        f":resource/{inputs.get('serviceNamespace')}/{inputs.get('resourceId')}:policyName/{name}"
    )
    return name, {"name": name, "arn": where.arn("autoscaling", resource)}


def _budget(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    if existing:  # '<account>:<budget name>'
        account, _, name = existing.partition(":")
    else:
        account, name = str(inputs.get("accountId") or where.account), _name(where, inputs)
    return f"{account}:{name}", {
        "name": name,
        "accountId": account,
        "arn": f"arn:aws:budgets::{account}:budget/{name}",
    }


def _dashboard(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or str(inputs.get("dashboardName"))
    return name, {"dashboardArn": f"arn:aws:cloudwatch::{where.account}:dashboard/{name}"}


def _alarm(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    name = existing or _name(where, inputs)
    return name, {"name": name, "arn": where.arn("cloudwatch", f"alarm:{name}")}


def _topic(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    arn = existing or where.arn("sns", _name(where, inputs))
    return arn, {"arn": arn, "name": arn.rsplit(":", 1)[-1], "owner": where.account}


def _topic_policy(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    arn = existing or str(inputs.get("arn"))
    return arn, {"arn": arn, "owner": where.account}


def _subscription(
    where: Where, inputs: Mapping[str, Any], existing: str | None
) -> tuple[str, dict[str, Any]]:
    uuid = _drawn(where.urn, 32, "0123456789abcdef")
    arn = existing or (
        f"{inputs.get('topic')}:{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}"
    )
    return arn, {"arn": arn, "ownerId": where.account}


IDENTITIES: dict[str, Identity] = {
    "aws:apigateway/deployment:Deployment": _deployment,
    "aws:apigateway/methodSettings:MethodSettings": _method_settings,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/stage:Stage": _stage,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:budgets/budget:Budget": _budget,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:dynamodb/table:Table": _table,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
}


def identity(
    type_token: str, where: Where, inputs: Mapping[str, Any], existing: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(id, computed outputs) for a resource; a type with no model gets a drawn id and no outputs."""
    model = IDENTITIES.get(type_token)
    if model is None:
        return existing or f"{where.logical_name}-{_drawn(where.urn, 8)}", {}
    return model(where, inputs, existing)
