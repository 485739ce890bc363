"""A resource that names another resource takes that name from a resource of this stack.

Every other rule checks the program's own resources: the API document of its RestApi, the
capacity of its Table, the statements of its RolePolicy. A Stage whose `deployment` is a literal
id serves a deployment made outside the program, whose API document no rule read; a scaling
Target naming a table by literal scales a table no cap counts; a RolePolicy on a role by literal
name hands the grant to a role no trust rule checked. So each reference input below is an
allow-list: its value must come from (depend on) a resource of the named type in this stack.

The engine gives stack policies each resource's `propertyDependencies`: per input, the resources
its value was computed from. A literal depends on nothing; a `.get` of a resource outside the
program is not one of the stack's resources. Only dependencies are read, never the values, so a
value still unknown at preview passes when it comes from the right resource.

It is also the rule that decides, at preview, the inputs no other rule can read there: those that
name what AWS assigns when it creates the REST API (decidable.ASSIGNED_AT_CREATE: the stage's and
deployment's references, the moderator's method ARNs). Such an input unknown at preview passes
only when its value comes from resources of the allowed types of this stack and nothing else;
every resource rule reads its value at `up`, before its step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from comments_policy.common import (
    DEPLOYMENT,
    LOG_GROUP,
    METHOD_SETTINGS,
    METRIC_ALARM,
    REST_API,
    ROLE,
    ROLE_POLICY,
    SCALING_POLICY,
    SCALING_TARGET,
    STAGE,
    TABLE,
    label,
    short_type,
)
from comments_policy.decidable import ASSIGNED_AT_CREATE, is_unknown

OWN_REFERENCES = "stack-references-own-resources"


@dataclass(frozen=True)
class Reference:
    """An input of `resource_type` that names a resource of type `target`."""

    resource_type: str
    input: str
    target: str
    example: str  # the output to pass, as the program writes it
    field: str = ""  # the key inside the input that holds the name, when the input is an object


REFERENCES = (
    Reference(DEPLOYMENT, "restApi", REST_API, "rest_api=api.id"),
    Reference(STAGE, "restApi", REST_API, "rest_api=api.id"),
    Reference(STAGE, "deployment", DEPLOYMENT, "deployment=deployment.id"),
    Reference(
        STAGE, "accessLogSettings", LOG_GROUP, "destination_arn=log_group.arn", "destinationArn"
    ),
    Reference(METHOD_SETTINGS, "restApi", REST_API, "rest_api=api.id"),
    Reference(METHOD_SETTINGS, "stageName", STAGE, "stage_name=stage.stage_name"),
    Reference(SCALING_TARGET, "resourceId", TABLE, 'table.name.apply(lambda n: f"table/{n}")'),
    Reference(SCALING_POLICY, "resourceId", SCALING_TARGET, "resource_id=target.resource_id"),
    Reference(ROLE_POLICY, "role", ROLE, "role=role.id"),
)

# An alarm's metric dimensions that name a resource: the type they must come from, the output to
# pass.
DIMENSIONS = {
    "ApiName": (REST_API, "api.name"),
    "TableName": (TABLE, "table.name"),
    "Stage": (STAGE, "stage.stage_name"),
}
_ALARM_INPUTS = ("dimensions", "metricQueries")


def _shown(props: Mapping[str, Any], key: str, field: str = "") -> str:
    try:
        value = props.get(key)
        if field:
            value = value.get(field) if isinstance(value, Mapping) else None
        return repr(value)
    except UnknownValueError:
        return "a value unknown until apply"


def _origin(sources: list[PolicyResource]) -> str:
    if not sources:
        return "it depends on no resource of this stack"
    return "it comes from " + ", ".join(sorted(label(s.resource_type, s.name) for s in sources))


@dataclass(frozen=True)
class _Named:
    """One input naming a resource: where, its value as shown, the types it may come from."""

    input: str
    where: str
    shown: str
    targets: tuple[str, ...]
    example: str


def _dimensions(key: str, value: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, dimensions) of an alarm's `dimensions`, or of each of its `metricQueries`."""
    if isinstance(value, Mapping):
        yield key, value
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for index, query in enumerate(value):
            metric = query.get("metric") if isinstance(query, Mapping) else None
            dimensions = metric.get("dimensions") if isinstance(metric, Mapping) else None
            if isinstance(dimensions, Mapping):
                yield f"{key}[{index}].metric.dimensions", dimensions


def _alarm_references(alarm: PolicyResource, present: set[str]) -> Iterator[_Named]:
    for key in _ALARM_INPUTS:
        if key not in present:
            continue
        try:
            found = [
                (f"{where}.{name}", name, _shown(dimensions, name))
                for where, dimensions in _dimensions(key, alarm.props.get(key))
                for name in dimensions  # iterating a proxy's keys reads no value
                if name in DIMENSIONS
            ]
        except UnknownValueError:
            # Unknown at preview: whatever it names must come from a table or a stage of ours.
            yield _Named(
                key,
                key,
                "a value unknown until apply",
                tuple(target for target, _ in DIMENSIONS.values()),
                " or ".join(example for _, example in DIMENSIONS.values()),
            )
            continue
        for where, name, shown in found:
            target, example = DIMENSIONS[name]
            yield _Named(key, where, shown, (target,), example)


def _own_references(args: StackValidationArgs, report: ReportViolation) -> None:
    for resource in args.resources:
        present = set(resource.props)  # keys only: a value unknown at preview is never read
        named = [
            _Named(
                r.input,
                f"{r.input}.{r.field}" if r.field else r.input,
                _shown(resource.props, r.input, r.field),
                (r.target,),
                r.example,
            )
            for r in REFERENCES
            if r.resource_type == resource.resource_type and r.input in present
        ]
        if resource.resource_type == METRIC_ALARM:
            named += _alarm_references(resource, present)
        reported: set[str] = set()
        for reference in named:
            sources = list(resource.property_dependencies.get(reference.input) or [])
            if any(source.resource_type in reference.targets for source in sources):
                continue
            reported.add(reference.input)
            wanted = " or ".join(short_type(t) for t in reference.targets)
            report(
                f"{OWN_REFERENCES}: {label(resource.resource_type, resource.name)} "
                f"{reference.where} is {reference.shown}, not taken from a {wanted} of this "
                f"stack ({_origin(sources)}); pass its output ({reference.example}) so the rules "
                f"that check the {wanted} cover what this uses",
                resource.urn,
            )
        _assigned_at_create(resource, report, reported)


def _assigned_at_create(
    resource: PolicyResource, report: ReportViolation, reported: set[str]
) -> None:
    """An input that names what AWS assigns at create (the REST API's id) may be unknown at
    preview, and so unread by every other rule there, only when its value comes from resources of
    the allowed types of this stack and from nothing else (decidable.ASSIGNED_AT_CREATE)."""
    for (resource_type, key), allowed in ASSIGNED_AT_CREATE.items():
        if (
            resource.resource_type != resource_type
            or key in reported
            or not is_unknown(resource.props, key)
        ):
            continue
        sources = list(resource.property_dependencies.get(key) or [])
        others = [s for s in sources if s.resource_type not in allowed]
        if sources and not others:
            continue
        wanted = " and ".join(short_type(t) for t in allowed)
        report(
            f"{OWN_REFERENCES}: {label(resource.resource_type, resource.name)} {key} is unknown "
            f"at preview and {_origin(sources).removeprefix('it ')}; a value may be unknown at "
            f"preview only when it is computed from this stack's {wanted} alone (AWS draws the "
            "REST API's id when it creates it), since no rule can read it before `up` applies "
            "it: build it from what the preview knows",
            resource.urn,
        )


POLICIES = [
    StackValidationPolicy(
        name=OWN_REFERENCES,
        description=(
            "Inputs that name another resource (a Stage's API and deployment, a scaling target's "
            "table, a RolePolicy's role, an alarm's table or stage) take their value from a "
            "resource of this stack, never a literal id or name."
        ),
        validate=_own_references,
    ),
]
