"""The stack contains only the resource types its policy config lists: an allow-list, closed by default.

A type the pack has never heard of (a new AWS service, a dynamic provider, someone else's
component) is refused until a reviewed config change names it. The names the config may use are
the installed pulumi_aws's own resource tokens plus this project's component types, so a typo in
the list is a config error, never a silently dead entry.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from comments_policy.common import ConfigMissing, config_strings, misconfigured

ALLOWED_TYPES = "allowed-resource-types"
ALLOWED_TYPES_KEY = "allowedResourceTypes"

# Components this project defines itself (Pulumi.yaml's project name is the namespace).
PROJECT_TYPE = re.compile(r"^comments:[a-z][A-Za-z0-9]*:[A-Z][A-Za-z0-9]*$")
# The engine's own root resource: every stack has exactly one and it creates nothing.
ROOT_STACK = "pulumi:pulumi:Stack"
# The engine registers a default provider per package a stack uses ('default', 'default_7_51_1');
# it is configured from the stack's aws:* config. An explicit provider (another account, region
# or credentials) has the same type but another name, and needs the type on the allow-list.
_DEFAULT_PROVIDER = re.compile(r"^default(_[0-9A-Za-z_]+)?$")


class ProviderTypesUnavailable(Exception):
    """The installed pulumi_aws's resource types could not be read."""


@lru_cache(maxsize=1)
def provider_resource_types() -> tuple[str, frozenset[str]]:
    """(pulumi_aws version, every resource token it registers), read without importing it.

    pulumi_aws/__init__.py hands the SDK a JSON table of {token: class} for every resource module
    (`_utilities.register(resource_modules=..., resource_packages=...)`); the SDK uses that table
    to turn tokens back into classes, so it is the package's own list of what it can create.
    """
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        raise ProviderTypesUnavailable("pulumi_aws is not installed in the policy's environment")
    origin = Path(spec.origin)
    tables: dict[str, str] = {}
    for node in ast.walk(ast.parse(origin.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "register"
        ):
            for keyword in node.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Constant):
                    tables[keyword.arg] = str(keyword.value.value)
    try:
        modules = json.loads(tables["resource_modules"])
        packages = json.loads(tables["resource_packages"])
        tokens = {token for module in modules for token in module["classes"]}
        tokens |= {package["token"] for package in packages}
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ProviderTypesUnavailable(
            f"{origin} has no readable resource registration table ({error})"
        ) from None
    if not tokens:
        raise ProviderTypesUnavailable(f"{origin} registers no resource types")
    try:
        plugin = json.loads((origin.parent / "pulumi-plugin.json").read_text(encoding="utf-8"))
        version = str(plugin.get("version", "?"))
    except (OSError, json.JSONDecodeError):
        version = "?"
    return version, frozenset(tokens)


def unknown_types(listed: list[str]) -> list[str]:
    """Entries of an allow-list that name neither a pulumi_aws resource nor a project component."""
    _, known = provider_resource_types()
    return [t for t in listed if t not in known and not PROJECT_TYPE.match(t)]


def check_config(properties: dict[str, object]) -> list[str]:
    """Config errors the schema cannot express: names that are not resource types at all."""
    listed = properties.get(ALLOWED_TYPES_KEY)
    if not isinstance(listed, list):
        return []  # the schema reports a missing or malformed list
    try:
        version, _ = provider_resource_types()
        bad = unknown_types([str(t) for t in listed])
    except ProviderTypesUnavailable as error:
        return [f"{ALLOWED_TYPES}: cannot check {ALLOWED_TYPES_KEY}: {error}"]
    return [
        f"{ALLOWED_TYPES}: {ALLOWED_TYPES_KEY} names '{t}', which is not a resource type of "
        f"pulumi_aws {version} nor a component of this project (comments:<module>:<Type>)"
        for t in bad
    ]


def engine_resource(resource_type: str, name: str) -> bool:
    """The engine's own resources: the root stack and default providers."""
    if resource_type == ROOT_STACK:
        return True
    return resource_type.startswith("pulumi:providers:") and bool(_DEFAULT_PROVIDER.match(name))


def _allowed_types(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if engine_resource(args.resource_type, args.name):
        return
    try:
        allowed = config_strings(args.get_config(), ALLOWED_TYPES_KEY)
    except ConfigMissing as error:
        misconfigured(report, ALLOWED_TYPES, error)
        return
    # The CLI does not run check_config: an unusable list is reported where it would be used.
    for problem in check_config({ALLOWED_TYPES_KEY: allowed}):
        report(problem, None)
    if args.resource_type in allowed:
        return
    subject = f"{ALLOWED_TYPES}: '{args.name}' is of type {args.resource_type}"
    try:
        listable = not unknown_types([args.resource_type])
    except ProviderTypesUnavailable:
        listable = False
    if listable:
        remedy = (
            f"if the service needs it, add '{args.resource_type}' to {ALLOWED_TYPES_KEY} in the "
            "stack's policy config (policy/config/<stack>.json) and have it reviewed"
        )
    else:
        remedy = (
            f"it cannot be allowed: {ALLOWED_TYPES_KEY} takes only pulumi_aws resource types and "
            "this project's components (dynamic providers and other packages' components can "
            "do anything their code does, out of the pack's sight)"
        )
    report(
        f"{subject}, which this stack does not allow ({ALLOWED_TYPES_KEY}); {remedy}",
        None,
    )


POLICIES = [
    ResourceValidationPolicy(
        name=ALLOWED_TYPES,
        description=(
            "Every resource is of a type the stack's policy config lists (allowedResourceTypes); "
            "any other type, known or not, is refused."
        ),
        validate=_allowed_types,
        config_schema=PolicyConfigSchema(
            properties={
                ALLOWED_TYPES_KEY: {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+:[A-Za-z0-9_./-]*:.+$"},
                    "description": (
                        "Pulumi type tokens the stack may contain: pulumi_aws resource types "
                        "(e.g. aws:dynamodb/table:Table) and this project's components."
                    ),
                }
            },
            required=[ALLOWED_TYPES_KEY],
        ),
    ),
]
