"""The AWS calls pulumi-aws makes for the stacks' resources that moto 5.2.5 does not answer.

docs/reference/provider-calls.md lists every call each resource type's Create, Read, Update and
Delete makes; these are the ones moto leaves unimplemented (NotImplementedError, a 500) or
answers unlike AWS, which stop the real engine's `pulumi up --stack local`. Each fix copies one
AWS behaviour, is applied by `apply()` (emulator/moto_backend.py's `apply_fixes`), and can be
dropped when moto does the same; tests/moto_backend/test_provider_reads.py sends every listed
call and fails when a fix is missing.

Tags that moto does not keep are recorded beside the object moto stores (a WeakKeyDictionary on
it), so they are read back as they were given at creation or by TagResource, and vanish with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote
from weakref import WeakKeyDictionary

from moto.apigateway import models as apigateway_models
from moto.apigateway import urls as apigateway_urls
from moto.apigateway.exceptions import BadRequestException, DeploymentNotFoundException
from moto.apigateway.responses import APIGatewayResponse
from moto.applicationautoscaling.models import FakeScalableTarget
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.budgets.exceptions import NotFoundException as BudgetNotFound
from moto.budgets.models import Budget, BudgetsBackend
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError
from moto.logs.exceptions import ResourceNotFoundException as LogGroupNotFound
from moto.logs.models import LogGroup
from moto.logs.responses import LogsResponse

_BUDGET_TAGS: WeakKeyDictionary[Budget, dict[str, str]] = WeakKeyDictionary()
_TARGET_TAGS: WeakKeyDictionary[FakeScalableTarget, dict[str, str]] = WeakKeyDictionary()
_DELETION_PROTECTION: WeakKeyDictionary[LogGroup, bool] = WeakKeyDictionary()

_BUDGET_ARN = re.compile(r"^arn:[^:]+:budgets::(?P<account>\d{12}):budget/(?P<name>.+)$")


def _tag_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or []}


def _tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


# -- Budgets --------------------------------------------------------------------------------------


def _budget(backend: BudgetsBackend, account_id: str, name: str, action: str) -> Budget:
    budget = backend.budgets[account_id].get(name)
    if budget is None:
        raise BudgetNotFound(f"Unable to {action}: {name} - the budget doesn't exist.")
    return budget


def _budget_by_arn(response: BudgetsResponse, arn: str, action: str) -> Budget:
    match = _BUDGET_ARN.match(arn or "")
    if match is None:
        raise JsonRESTError("InvalidParameterException", f"Invalid budget ARN: {arn}")
    return _budget(response.backend, match["account"], match["name"], action)


def _budget_tags_are_kept() -> None:
    """AWS Budgets keeps CreateBudget's ResourceTags; List/Tag/UntagResource use them by ARN."""
    original = BudgetsResponse.create_budget

    def create_budget(self: BudgetsResponse) -> str:
        answer: str = original(self)
        budget = _budget(
            self.backend, self._get_param("AccountId"), self._get_param("Budget")["BudgetName"], ""
        )
        _BUDGET_TAGS[budget] = _tag_dict(self._get_param("ResourceTags"))
        return answer

    def list_tags_for_resource(self: BudgetsResponse) -> dict[str, Any]:
        budget = _budget_by_arn(self, self._get_param("ResourceARN"), "get tags")
        return {"ResourceTags": _tag_list(_BUDGET_TAGS.get(budget, {}))}

    def tag_resource(self: BudgetsResponse) -> dict[str, Any]:
        budget = _budget_by_arn(self, self._get_param("ResourceARN"), "tag resource")
        tags = _BUDGET_TAGS.setdefault(budget, {})
        tags.update(_tag_dict(self._get_param("ResourceTags")))
        return {}

    def untag_resource(self: BudgetsResponse) -> dict[str, Any]:
        budget = _budget_by_arn(self, self._get_param("ResourceARN"), "untag resource")
        tags = _BUDGET_TAGS.setdefault(budget, {})
        for key in self._get_param("ResourceTagKeys") or []:
            tags.pop(key, None)
        return {}

    BudgetsResponse.create_budget = create_budget  # type: ignore[method-assign]
    BudgetsResponse.list_tags_for_resource = _json(list_tags_for_resource)  # type: ignore[attr-defined]
    BudgetsResponse.tag_resource = _json(tag_resource)  # type: ignore[attr-defined]
    BudgetsResponse.untag_resource = _json(untag_resource)  # type: ignore[attr-defined]


def _same_notification(stored: dict[str, Any], asked: dict[str, Any]) -> bool:
    fields = ("NotificationType", "ComparisonOperator", "ThresholdType")
    defaults = {"ThresholdType": "PERCENTAGE"}
    return all(
        stored.get(f, defaults.get(f)) == asked.get(f, defaults.get(f)) for f in fields
    ) and float(stored.get("Threshold", 0)) == float(asked.get("Threshold", 0))


def _budget_subscribers_are_described() -> None:
    """AWS Budgets answers a notification's stored subscribers, or NotFoundException."""

    def describe_subscribers_for_notification(self: BudgetsResponse) -> dict[str, Any]:
        budget = _budget(
            self.backend,
            self._get_param("AccountId"),
            self._get_param("BudgetName"),
            "get subscribers for notification",
        )
        asked = self._get_param("Notification") or {}
        for notification in budget.notifications:
            if _same_notification(notification.details, asked):
                return {"Subscribers": list(notification.subscribers)}
        raise BudgetNotFound(
            "Unable to get subscribers for notification - the notification doesn't exist."
        )

    BudgetsResponse.describe_subscribers_for_notification = _json(  # type: ignore[attr-defined]
        describe_subscribers_for_notification
    )


def _budget_notifications_of_a_missing_budget_are_not_found() -> None:
    """AWS Budgets answers NotFoundException for a missing budget's notifications (moto: 500)."""
    original = BudgetsBackend.describe_notifications_for_budget

    def describe_notifications_for_budget(
        self: BudgetsBackend, account_id: str, budget_name: str
    ) -> Any:
        _budget(self, account_id, budget_name, "get notifications")
        return original(self, account_id, budget_name)

    BudgetsBackend.describe_notifications_for_budget = describe_notifications_for_budget  # type: ignore[method-assign]


def _budgets_are_updated() -> None:
    """AWS Budgets' UpdateBudget replaces the definition, keeping notifications and tags."""

    def update_budget(self: BudgetsResponse) -> dict[str, Any]:
        new = self._get_param("NewBudget") or {}
        budget = _budget(
            self.backend,
            self._get_param("AccountId"),
            new.get("BudgetName", ""),
            f"update budget: {new.get('BudgetName', '')}",
        )
        budget.budget = Budget(new, []).budget  # validates as CreateBudget does
        return {}

    BudgetsResponse.update_budget = _json(update_budget)  # type: ignore[attr-defined]


# -- Application Auto Scaling ---------------------------------------------------------------------


def _target_by_arn(response: ApplicationAutoScalingResponse, arn: str) -> FakeScalableTarget:
    backend = response.applicationautoscaling_backend
    for targets in backend.targets.values():
        for target in targets.values():
            if target.arn == arn:
                return target
    raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for ARN {arn}")


def _scalable_target_tags_are_kept() -> None:
    """Application Auto Scaling tags a new target with its Tags; List/Tag/UntagResource by ARN."""
    original = ApplicationAutoScalingResponse.register_scalable_target

    def register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
        backend = self.applicationautoscaling_backend
        resource_id = self._get_param("ResourceId")
        dimension = self._get_param("ScalableDimension")
        existed = resource_id in backend.targets.get(dimension, {})
        answer: str = original(self)
        if not existed:
            target = backend.targets[dimension][resource_id]
            _TARGET_TAGS[target] = dict(self._get_param("Tags") or {})
        return answer

    def list_tags_for_resource(self: ApplicationAutoScalingResponse) -> dict[str, Any]:
        target = _target_by_arn(self, self._get_param("ResourceARN"))
        return {"Tags": dict(_TARGET_TAGS.get(target, {}))}

    def tag_resource(self: ApplicationAutoScalingResponse) -> dict[str, Any]:
        target = _target_by_arn(self, self._get_param("ResourceARN"))
        _TARGET_TAGS.setdefault(target, {}).update(self._get_param("Tags") or {})
        return {}

    def untag_resource(self: ApplicationAutoScalingResponse) -> dict[str, Any]:
        target = _target_by_arn(self, self._get_param("ResourceARN"))
        tags = _TARGET_TAGS.setdefault(target, {})
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return {}

    ApplicationAutoScalingResponse.register_scalable_target = register_scalable_target  # type: ignore[method-assign]
    ApplicationAutoScalingResponse.list_tags_for_resource = _json(list_tags_for_resource)  # type: ignore[attr-defined]
    ApplicationAutoScalingResponse.tag_resource = _json(tag_resource)  # type: ignore[attr-defined]
    ApplicationAutoScalingResponse.untag_resource = _json(untag_resource)  # type: ignore[attr-defined]


# -- CloudWatch Logs ------------------------------------------------------------------------------


def _log_group(response: LogsResponse, identifier: str | None) -> LogGroup:
    """The group named `identifier`, or whose ARN (with or without its ":*") it is."""
    groups = response.logs_backend.groups
    wanted = (identifier or "").removesuffix(":*")
    group = groups.get(wanted)
    if group is None:
        group = next((g for g in groups.values() if g.arn == wanted), None)
    if group is None:
        raise LogGroupNotFound()
    return group


def _log_group_kms_keys_are_associated() -> None:
    """CloudWatch Logs' Associate/DisassociateKmsKey set and clear the kmsKeyId it describes."""

    def associate_kms_key(self: LogsResponse) -> dict[str, Any]:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        _log_group(self, identifier).kms_key_id = self._get_param("kmsKeyId")
        return {}

    def disassociate_kms_key(self: LogsResponse) -> dict[str, Any]:
        identifier = self._get_param("logGroupName") or self._get_param("resourceIdentifier")
        _log_group(self, identifier).kms_key_id = None
        return {}

    LogsResponse.associate_kms_key = _json(associate_kms_key)  # type: ignore[attr-defined]
    LogsResponse.disassociate_kms_key = _json(disassociate_kms_key)  # type: ignore[attr-defined]


def _log_group_deletion_protection_is_kept() -> None:
    """CloudWatch Logs keeps and describes a group's deletionProtectionEnabled, set or put."""
    original_create = LogsResponse.create_log_group
    original_describe = LogGroup.to_describe_dict

    def create_log_group(self: LogsResponse) -> str:
        answer: str = original_create(self)
        enabled = self._get_param("deletionProtectionEnabled")
        if enabled is not None:
            _DELETION_PROTECTION[_log_group(self, self._get_param("logGroupName"))] = enabled
        return answer

    def put_log_group_deletion_protection(self: LogsResponse) -> dict[str, Any]:
        group = _log_group(self, self._get_param("logGroupIdentifier"))
        _DELETION_PROTECTION[group] = bool(self._get_param("deletionProtectionEnabled"))
        return {}

    def to_describe_dict(self: LogGroup) -> dict[str, Any]:
        described: dict[str, Any] = original_describe(self)
        if self in _DELETION_PROTECTION:
            described["deletionProtectionEnabled"] = _DELETION_PROTECTION[self]
        return described

    LogsResponse.create_log_group = create_log_group  # type: ignore[method-assign]
    LogsResponse.put_log_group_deletion_protection = _json(  # type: ignore[attr-defined]
        put_log_group_deletion_protection
    )
    LogGroup.to_describe_dict = to_describe_dict  # type: ignore[method-assign]


# -- API Gateway ----------------------------------------------------------------------------------

_REST_API_TAGS_PATH = (
    "{0}/tags/arn:(?P<partition>[^/]+):apigateway:(?P<region_name>[^/]+)::"
    "/restapis/(?P<function_id>[^/]+)$"
)
_REST_API_ARN = re.compile(r"^arn:[^:]+:apigateway:[^:]+::/restapis/(?P<api>[^/]+)$")


def _rest_api_tags_are_tagged() -> None:
    """API Gateway tags a REST API by its ARN as a stage (moto routes stage ARNs only)."""
    apigateway_urls.url_paths.setdefault(_REST_API_TAGS_PATH, APIGatewayResponse.dispatch)
    originals = {
        name: getattr(APIGatewayResponse, name)
        for name in ("tag_resource", "untag_resource", "get_tags")
    }

    def rest_api(self: APIGatewayResponse) -> apigateway_models.RestAPI | None:
        match = _REST_API_ARN.match(unquote(self.path.split("/tags/", 1)[1]))
        return self.backend.get_rest_api(match["api"]) if match else None

    def tag_resource(self: APIGatewayResponse) -> str:
        api = rest_api(self)
        if api is None:
            answer: str = originals["tag_resource"](self)
            return answer
        api.tags = {**(api.tags or {}), **(self._get_param("tags") or {})}
        return "{}"

    def untag_resource(self: APIGatewayResponse) -> str:
        api = rest_api(self)
        if api is None:
            answer: str = originals["untag_resource"](self)
            return answer
        removed = set(self.querystring.get("tagKeys") or [])
        api.tags = {k: v for k, v in (api.tags or {}).items() if k not in removed}
        return "{}"

    def get_tags(self: APIGatewayResponse) -> str:
        api = rest_api(self)
        if api is None:
            answer: str = originals["get_tags"](self)
            return answer
        return _dumps({"tags": api.tags or {}})

    APIGatewayResponse.tag_resource = tag_resource  # type: ignore[method-assign]
    APIGatewayResponse.untag_resource = untag_resource  # type: ignore[method-assign]
    APIGatewayResponse.get_tags = get_tags  # type: ignore[method-assign]


def _missing_deployments_are_not_found() -> None:
    """API Gateway answers NotFoundException for a missing deployment (moto: KeyError, a 500)."""

    def get_deployment(
        self: apigateway_models.RestAPI, deployment_id: str
    ) -> apigateway_models.Deployment:
        if deployment_id not in self.deployments:
            raise DeploymentNotFoundException()
        return self.deployments[deployment_id]

    apigateway_models.RestAPI.get_deployment = get_deployment  # type: ignore[method-assign]


def _deployments_are_updated() -> None:
    """API Gateway's UpdateDeployment replaces /description; other paths are BadRequest."""

    def update_deployment(self: APIGatewayResponse) -> str:
        parts = self.path.split("/")
        deployment = self.backend.get_deployment(parts[2], parts[4])
        for operation in self._get_param("patchOperations") or []:
            if operation.get("op") == "replace" and operation.get("path") == "/description":
                deployment.description = operation.get("value") or ""
            else:
                raise BadRequestException(
                    f"Invalid patch path '{operation.get('path')}' specified for op "
                    f"'{operation.get('op')}'."
                )
        return _dumps(deployment.to_json())

    APIGatewayResponse.update_deployment = update_deployment  # type: ignore[attr-defined]


_STAGE_FIELDS = {"variables", "accessLogSettings", "canarySettings"}


def _method_settings_are_removed() -> None:
    """API Gateway's UpdateStage `remove /{resource}/{method}` deletes that method setting."""
    original = apigateway_models.Stage.apply_operations

    def apply_operations(
        self: apigateway_models.Stage, patch_operations: list[dict[str, Any]]
    ) -> apigateway_models.Stage:
        for operation in patch_operations:
            segments = str(operation.get("path", "")).split("/")
            if (
                operation.get("op") == "remove"
                and len(segments) == 3
                and segments[1] not in _STAGE_FIELDS
            ):
                setting = "/".join(segments[1:])
                if self.method_settings.pop(setting, None) is None:
                    raise BadRequestException(
                        f"Cannot remove method setting {setting} because there is no method "
                        "setting for this method"
                    )
            else:
                original(self, [operation])
        return self

    apigateway_models.Stage.apply_operations = apply_operations  # type: ignore[method-assign]


# -- helpers and the entry point ------------------------------------------------------------------


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document)


R = TypeVar("R")


def _json(handler: Callable[[R], dict[str, Any]]) -> Callable[[R], str]:
    """A response method answering `handler(self)`'s document as a JSON body."""

    def method(self: R) -> str:
        return _dumps(handler(self))

    method.__name__ = handler.__name__
    return method


def apply() -> None:
    """Apply every fix above to moto."""
    _budget_tags_are_kept()
    _budget_subscribers_are_described()
    _budget_notifications_of_a_missing_budget_are_not_found()
    _budgets_are_updated()
    _scalable_target_tags_are_kept()
    _log_group_kms_keys_are_associated()
    _log_group_deletion_protection_is_kept()
    _rest_api_tags_are_tagged()
    _missing_deployments_are_not_found()
    _deployments_are_updated()
    _method_settings_are_removed()
