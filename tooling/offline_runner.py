"""Run the Pulumi program for a named stack without the Pulumi CLI.

Loads `Pulumi.yaml` defaults and `environments/Pulumi.<stack>.yaml` the way the CLI does, runs
`infra/__main__.py` under Pulumi mocks, and returns every planned resource (type, name, inputs,
resource options) and the stack outputs. Unit tests use the default mocks; the offline policy check
and the local deploy plug in their own `pulumi.runtime.Mocks`.

What the engine does between the program and an analyzer is modelled here, each step from its
source (docs/reference/provider-check.md):
- the provider's Check runs first: pulumi-aws adds `tagsAll`, `region` and auto-names to the
  inputs (tooling/provider_check.py), and the analyzer sees those inputs;
- ids and ARNs have AWS's shapes, with the stack's account and region (tooling/aws_identities.py);
- the default provider `default_<version>` is a resource of the stack, its inputs the `aws:*`
  config (pulumi/pulumi pkg/resource/deploy/default_providers.go);
- in a preview (`preview=True`) a resource being created has an unknown id and unknown computed
  outputs; only its checked inputs are known, as the engine's preview of a create step gives.

    python -m tooling.offline_runner <stack>            # prints the plan as JSON
    python -m tooling.offline_runner <stack> --check    # only validates (used before pulumi runs)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import difflib
import gc
import hashlib
import json
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

import pulumi
import pulumi.runtime
import yaml
from pulumi.output import Unknown
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tooling import provider_check
from tooling.aws_identities import Where, identity

REPO_ROOT = Path(__file__).resolve().parent.parent
MOCK_ACCOUNT_ID = "123456789012"
# How the engine marks a value it cannot know before the step runs (pulumi/pulumi sdk: rpc.UNKNOWN).
UNKNOWN = rpc.UNKNOWN
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_PROJECT_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list}


class StackConfigError(Exception):
    """The stack name or its configuration cannot be loaded; the message says which and why."""


@dataclass(frozen=True)
class Project:
    name: str
    program_dir: Path
    stack_config_dir: Path
    declared: dict[str, dict[str, Any]]  # fully qualified key -> its Pulumi.yaml declaration


@dataclass
class ResourceOptions:
    """The options the program registered a resource with, as the engine receives them."""

    ignore_changes: list[str] = field(default_factory=list)
    # `delete_before_replace` is None when the program left it unset
    delete_before_replace: bool | None = None
    retain_on_delete: bool = False
    import_id: str | None = None
    # the provider reference ('<urn>::<id>') the program chose; None: the default provider
    provider: str | None = None
    aliases: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str | None = None


@dataclass
class PlannedResource:
    """One resource the program registered, as the engine would see it."""

    type: str
    name: str
    urn: str
    id: str
    # after the provider's Check: what an analyzer receives
    inputs: dict[str, Any]
    state: dict[str, Any]
    parent: str | None = None
    protect: bool = False
    dependencies: list[str] = field(default_factory=list)
    # input name -> URNs of the resources its value came from (the request's propertyDependencies)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    custom: bool = True
    options: ResourceOptions = field(default_factory=ResourceOptions)
    # the URN of the provider resource that manages it (explicit or default); None for components
    provider_urn: str | None = None


@dataclass
class Plan:
    stack: str
    project: str
    config: dict[str, str]
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    # `.get` reads: the engine keeps them out of the stack's resources and no policy sees them
    reads: list[PlannedResource] = field(default_factory=list)
    # the providers the engine registers itself (`default_<version>`); the analyzer sees them too
    default_providers: list[PlannedResource] = field(default_factory=list)
    preview: bool = False

    def analyzed(self) -> list[PlannedResource]:
        """Every resource an analyzer sees: the program's and the engine's default providers."""
        return [*self.default_providers, *self.resources]

    def resource(self, urn: str) -> PlannedResource | None:
        return next((r for r in self.analyzed() if r.urn == urn), None)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> PlannedResource:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, the plan has {len(found)}")
        return found[0]


# -- configuration, the way the CLI reads it ------------------------------------------------------


def load_project(root: Path = REPO_ROOT) -> Project:
    """Read Pulumi.yaml: project name, program and stack-config directories, declared config."""
    path = root / "Pulumi.yaml"
    if not path.is_file():
        raise StackConfigError(f"{path} not found: run from the repository root")
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    name = document["name"]
    declared: dict[str, dict[str, Any]] = {}
    for key, spec in (document.get("config") or {}).items():
        qualified = key if ":" in key else f"{name}:{key}"
        declared[qualified] = spec if isinstance(spec, dict) else {"value": spec}
    return Project(
        name=name,
        program_dir=root / document.get("main", "."),
        stack_config_dir=root / document.get("stackConfigDir", "."),
        declared=declared,
    )


def available_stacks(project: Project) -> list[str]:
    return sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in project.stack_config_dir.glob("Pulumi.*.yaml")
    )


def _as_config_string(value: Any) -> str:
    """The CLI hands every value to the program as a string; objects and lists as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _check_type(key: str, value: Any, spec: Mapping[str, Any]) -> None:
    expected = spec.get("type")
    if expected is None:
        return
    python_type = _PROJECT_TYPES[expected]
    ok = isinstance(value, python_type) and not (python_type is int and isinstance(value, bool))
    if not ok:
        raise StackConfigError(
            f"config {key}: {value!r} is not of the type declared in Pulumi.yaml ({expected})"
        )


def _yaml_kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def load_stack_config(
    stack: str, project: Project | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Project defaults, then the stack file, then `overrides`: fully qualified key -> string."""
    project = project or load_project()
    if not stack:
        raise StackConfigError(
            f"no stack '': ENV is empty; choose one with ENV=<stack> "
            f"(stacks here: {', '.join(available_stacks(project))})"
        )
    if not _STACK_NAME.match(stack):
        raise StackConfigError(
            f"invalid stack name {stack!r}: use letters, digits, '-', '_' or '.' "
            f"(stacks here: {', '.join(available_stacks(project))})"
        )
    path = project.stack_config_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackConfigError(
            f"no stack {stack!r}: {path.relative_to(project.stack_config_dir.parent)} not found "
            f"(stacks here: {', '.join(available_stacks(project))})"
        )
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path.name} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        found = document if not isinstance(document, dict) else document["config"]
        raise StackConfigError(
            f"{path.name}: expected `config:` holding a mapping of keys to values at the top "
            f"level, found a {_yaml_kind(found)}"
        )
    values: dict[str, Any] = {}
    for key, spec in project.declared.items():
        if "default" in spec:
            values[key] = spec["default"]
        elif "value" in spec:
            values[key] = spec["value"]
    for key, value in {**(document.get("config") or {}), **(overrides or {})}.items():
        qualified = key if ":" in key else f"{project.name}:{key}"
        if isinstance(value, dict) and "secure" in value:
            raise StackConfigError(
                f"config {qualified} in {path.name} is a secret: the offline runner cannot "
                "decrypt secrets; run this stack with the Pulumi CLI"
            )
        namespace = qualified.split(":", 1)[0]
        if namespace == project.name:
            if qualified not in project.declared:
                known = ", ".join(k for k in project.declared if k.startswith(f"{project.name}:"))
                raise StackConfigError(
                    f"unknown config key {qualified} in {path.name}; known keys: {known}"
                )
            _check_type(qualified, value, project.declared[qualified])
        elif namespace not in config_namespaces(project):
            # The CLI would hand it to no one: a typo ('comment:') that leaves a default in force.
            allowed = sorted(config_namespaces(project))
            near = difflib.get_close_matches(namespace, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}:{qualified.split(':', 1)[1]}? " if near else ""
            raise StackConfigError(
                f"config key {qualified} in {path.name} is in namespace {namespace!r}, which is "
                f"neither this project's nor a provider's; {hint}namespaces here: "
                f"{', '.join(allowed)}"
            )
        values[qualified] = value
    return {key: _as_config_string(value) for key, value in values.items()}


def config_namespaces(project: Project) -> set[str]:
    """The project's own namespace, the engine's (`pulumi:`) and each installed provider's.

    A provider package is a `pulumi_<name>` distribution whose pulumi-plugin.json says
    `"resource": true` (the file the SDK ships for its plugin): its name is its config namespace.
    """
    return {project.name, "pulumi", *_provider_packages()}


@lru_cache(maxsize=1)
def _provider_packages() -> frozenset[str]:
    names: set[str] = set()
    for entry in sys.path:
        for plugin in Path(entry or ".").glob("pulumi_*/pulumi-plugin.json"):
            try:
                document = json.loads(plugin.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if document.get("resource") and isinstance(document.get("name"), str):
                names.add(document["name"])
    return frozenset(names)


# -- mocks -----------------------------------------------------------------------------------------


class DefaultMocks(pulumi.runtime.Mocks):
    """Ids and computed outputs of AWS's shapes (ARNs in the stack's account and region).

    A created resource gets an id of the kind AWS draws (derived from its URN, so each is
    distinct); a `.get` or an import gets the outputs of the resource its id names.
    """

    def __init__(self, region: str = "us-east-1", account_id: str = MOCK_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if not args.custom:
            return f"{args.name}-component", {}
        where = Where(self.region, self.account_id, _urn_of(args), args.name)
        resource_id, computed = identity(args.typ, where, args.inputs, args.resource_id)
        return resource_id, {**args.inputs, **computed}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        functions = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": self.account_id,
                "arn": f"arn:aws:sts::{self.account_id}:assumed-role/deploy/session",
                "userId": "AROAEXAMPLEEXAMPLE:session",
                "id": self.account_id,
            },
            "aws:index/getRegion:getRegion": {
                "name": self.region,
                "region": self.region,
                "id": self.region,
            },
            "aws:index/getPartition:getPartition": {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
            },
        }
        if args.token not in functions:
            raise NotImplementedError(f"the offline runner has no mock for function {args.token}")
        return functions[args.token], []


def _urn_of(args: pulumi.runtime.MockResourceArgs) -> str:
    """A stand-in for the URN as the seed of drawn ids (type and name are unique in a stack)."""
    return f"{args.typ}::{args.name}"


def _provider_version() -> str:
    """The pulumi_aws plugin version the default provider is named after (its pulumi-plugin.json)."""
    import pulumi_aws

    plugin = Path(pulumi_aws.__file__).parent / "pulumi-plugin.json"
    return str(json.loads(plugin.read_text(encoding="utf-8"))["version"])


class _EngineMonitor(pulumi_mocks.MockMonitor):
    """The engine's side of each registration, in the order the engine takes it.

    Provider Check (computed inputs), then the mocks' create or read, then, at preview, the create
    step's planned state: checked inputs known, id and computed outputs unknown. Every
    registration's options, provider and property dependencies are kept for the policy check.
    """

    def __init__(
        self, mocks: pulumi.runtime.Mocks, config: Mapping[str, str], preview: bool
    ) -> None:
        super().__init__(mocks)
        self.config = config
        self.preview = preview
        self.registrations: dict[str, dict[str, Any]] = {}
        self.default_providers: dict[str, dict[str, Any]] = {}
        self.reads: dict[str, dict[str, Any]] = {}
        # provider URN -> its inputs; the default provider is registered on first use
        self.providers: dict[str, dict[str, Any]] = {}
        self.default_provider_urn: str | None = None
        self._lock = threading.Lock()  # the SDK registers resources from several threads

    def _package_config(self, package: str) -> dict[str, Any]:
        """The default provider's inputs: the stack's `<package>:*` config and the plugin version."""
        prefix = f"{package}:"
        inputs: dict[str, Any] = {
            key.removeprefix(prefix): value
            for key, value in self.config.items()
            if key.startswith(prefix)
        }
        inputs["version"] = _provider_version()
        return inputs

    def _provider_for(self, reference: str, type_: str) -> tuple[str, dict[str, Any]]:
        """(provider URN, provider inputs) for a registration's provider reference."""
        if reference:
            urn = reference.rsplit("::", 1)[0]
            return urn, self.providers.get(urn, {})
        with self._lock:
            if self.default_provider_urn is None:
                version = _provider_version()
                name = f"default_{version.replace('.', '_')}"
                urn = self.make_urn("", f"{PROVIDER_TYPE_PREFIX}aws", name)
                inputs = self._package_config("aws")
                self.providers[urn] = inputs
                self.default_provider_urn = urn
                self.default_providers[urn] = {
                    "type": f"{PROVIDER_TYPE_PREFIX}aws",
                    "name": name,
                    "parent": None,
                    "protect": False,
                    "dependencies": [],
                    "property_dependencies": {},
                    "custom": True,
                    "inputs": inputs,
                    "id": _drawn_uuid(urn),
                    "state": dict(inputs),
                    "options": ResourceOptions(),
                    "provider_urn": None,
                }
            return self.default_provider_urn, self.providers[self.default_provider_urn]

    def _keep_prior_autoname(self, type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """An update keeps the name Check gave at create: Check receives the old inputs and the
        bridge reuses their auto-name (pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go,
        "will not change during normal updates"). Mocks that hold earlier state say it through
        `prior_state(type, name)`."""
        spec = provider_check.PROVIDER_CHECK.get(type_)
        prior_state = getattr(self.mocks, "prior_state", None)
        if spec is None or spec.autoname is None or prior_state is None:
            return inputs
        key = spec.autoname.key
        prior = prior_state(type_, name)
        if key in inputs or not prior or not prior.get(key):
            return inputs
        return {**inputs, key: prior[key]}

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        # Unknowns as the engine's marks, which is how a provider and an analyzer receive them.
        inputs = _plain(rpc.deserialize_properties(request.object))
        is_provider = request.type.startswith(PROVIDER_TYPE_PREFIX)
        provider_urn: str | None = None
        if request.custom and not is_provider:
            provider_urn, provider_inputs = self._provider_for(request.provider, request.type)
            if request.type.startswith("aws:"):
                # Every allowed type is modelled (tests/policy/test_provider_check.py); any other
                # is refused by its type alone, whatever Check would add to it.
                inputs = self._keep_prior_autoname(request.type, request.name, inputs)
                with contextlib.suppress(provider_check.UnmodelledResourceType):
                    inputs = provider_check.checked_inputs(
                        request.type,
                        inputs,
                        {f"aws:{k}": _as_config_string(v) for k, v in provider_inputs.items()},
                        resource_name=request.name,
                    )
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=inputs,
            provider=request.provider,
            resource_id=request.importId or None,
            custom=request.custom or False,
        )
        resource_id, state = self.mocks.new_resource(args)
        if self.preview and request.custom and not request.importId:
            # A create step at preview: the inputs are known, what the cloud assigns is not.
            state = {
                key: (value if key in inputs else UNKNOWN) for key, value in (state or {}).items()
            }
            resource_id = "" if not is_provider else resource_id
        if is_provider:
            self.providers[urn] = dict(inputs)
        response = resource_pb2.RegisterResourceResponse(
            urn=urn,
            id=resource_id or "",
            object=_sync_await(rpc.serialize_properties(state or {}, {})),
        )
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(
            urn, resource_id or "", state
        )
        self.registrations[urn] = {
            "type": request.type,
            "name": request.name,
            "parent": request.parent or None,
            "protect": bool(request.protect),
            "dependencies": list(request.dependencies),
            "property_dependencies": {
                key: list(deps.urns) for key, deps in request.propertyDependencies.items()
            },
            "custom": bool(request.custom),
            "inputs": inputs,
            "id": resource_id or "",
            "state": state or {},
            "options": _options_of(request),
            "provider_urn": provider_urn,
        }
        return response

    def ReadResource(self, request: Any) -> Any:
        """A `.get`: the provider reads the resource the id names; its outputs are known."""
        urn = self.make_urn(request.parent, request.type, request.name)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=_plain(rpc.deserialize_properties(request.properties)),
            provider=request.provider,
            resource_id=request.id,
            custom=True,
        )
        resource_id, state = self.mocks.new_resource(args)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(
            urn, resource_id or request.id, state
        )
        self.reads[urn] = {
            "type": request.type,
            "name": request.name,
            "parent": request.parent or None,
            "protect": False,
            "dependencies": list(request.dependencies),
            "property_dependencies": {},
            "custom": True,
            "inputs": {},
            "id": resource_id or request.id,
            "state": state or {},
            "options": ResourceOptions(provider=request.provider or None),
            "provider_urn": None,
        }
        return resource_pb2.ReadResourceResponse(
            urn=urn, properties=_sync_await(rpc.serialize_properties(state or {}, {}))
        )


def _drawn_uuid(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _alias_urn(request: Any, alias: Any) -> str:
    """An alias as the engine hands it to analyzers: a URN. A spec alias (a name, type, stack or
    project that differ) becomes the URN it names, the rest taken from the resource itself
    (pulumi/pulumi sdk/go/common/resource/alias.go, Alias.GetURN), built as the mock monitor
    builds the resources' own URNs so the two compare."""
    if alias.urn:
        return str(alias.urn)
    spec = alias.spec
    stack = spec.stack or pulumi.get_stack()
    project = spec.project or pulumi.get_project()
    type_ = spec.type or request.type
    parent = "" if spec.noParent else (spec.parentUrn or request.parent)
    if parent:
        parent_type = parent.split("::")[2]
        type_ = f"{parent_type.split('$')[-1]}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{spec.name or request.name}"


def _options_of(request: Any) -> ResourceOptions:
    timeouts = request.customTimeouts
    return ResourceOptions(
        ignore_changes=list(request.ignoreChanges),
        delete_before_replace=(
            bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None
        ),
        retain_on_delete=bool(request.retainOnDelete),
        import_id=request.importId or None,
        provider=request.provider or None,
        aliases=[_alias_urn(request, alias) for alias in request.aliases]
        or list(request.aliasURNs),
        additional_secret_outputs=list(request.additionalSecretOutputs),
        replace_on_changes=list(request.replaceOnChanges),
        custom_timeouts={
            key: value
            for key, value in (
                ("create", timeouts.create),
                ("update", timeouts.update),
                ("delete", timeouts.delete),
            )
            if value
        },
        deleted_with=request.deletedWith or None,
    )


# -- running the program ---------------------------------------------------------------------------


@contextmanager
def _program_on_path(program_dir: Path) -> Iterator[None]:
    """Import the program's own packages from program_dir, fresh, the way the language host does."""
    local_packages = {p.name for p in program_dir.iterdir() if (p / "__init__.py").is_file()}

    def purge() -> None:
        for module in list(sys.modules):
            if module.split(".")[0] in local_packages:
                del sys.modules[module]

    purge()
    sys.path.insert(0, str(program_dir))
    try:
        yield
    finally:
        sys.path.remove(str(program_dir))
        purge()


def _plain(value: Any) -> Any:
    """Protobuf-decoded values (Struct lists/maps) as plain Python; unknowns as the engine's mark."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _planned(urn: str, registration: Mapping[str, Any]) -> PlannedResource:
    return PlannedResource(
        type=registration["type"],
        name=registration["name"],
        urn=urn,
        id=registration["id"],
        inputs=_plain(registration["inputs"]),
        state=_plain(registration["state"]),
        parent=registration["parent"],
        protect=registration["protect"],
        dependencies=registration["dependencies"],
        property_dependencies=registration["property_dependencies"],
        custom=registration["custom"],
        options=registration["options"],
        provider_urn=registration["provider_urn"],
    )


def run_stack(
    stack: str,
    mocks: pulumi.runtime.Mocks | None = None,
    *,
    root: Path = REPO_ROOT,
    program_dir: Path | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    preview: bool = False,
) -> Plan:
    """Run the program for `stack` under mocks and return what it planned.

    `preview=True` runs it as `pulumi preview` of a first deploy: every resource is created, so
    its id and computed outputs are unknown to the program and to the policies.
    """
    project = load_project(root)
    config = load_stack_config(stack, project, config_overrides)
    monitor = _EngineMonitor(
        mocks or DefaultMocks(region=config.get("aws:region", "us-east-1")), config, preview
    )
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        monitor.mocks, project=project.name, stack=stack, preview=preview, monitor=monitor
    )
    pulumi.runtime.set_all_config(config, [])
    program = (program_dir or project.program_dir) / "__main__.py"

    with _program_on_path(program.parent):

        async def run() -> None:
            runpy.run_path(str(program), run_name="__main__")

        _sync_await(run_pulumi_func(run))
        stack_resource = pulumi_settings.get_root_resource()
        exported: dict[str, Any] = getattr(stack_resource, "outputs", {})
        outputs = _plain(_sync_await(_known_or_unknown(exported)))

    return Plan(
        stack=stack,
        project=project.name,
        config=config,
        resources=[_planned(urn, r) for urn, r in monitor.registrations.items()],
        outputs=outputs,
        reads=[_planned(urn, r) for urn, r in monitor.reads.items()],
        default_providers=[_planned(urn, r) for urn, r in monitor.default_providers.items()],
        preview=preview,
    )


async def _known_or_unknown(exported: Mapping[str, Any]) -> dict[str, Any]:
    """The stack outputs; at preview an output that depends on a created resource is unknown."""
    values: dict[str, Any] = {}
    for key, value in exported.items():
        output = pulumi.Output.from_input(value)
        known = await output.is_known()
        values[key] = await output.future() if known else UNKNOWN
    return values


def run_or_exit(stack: str, **kwargs: Any) -> Plan:
    """run_stack for command-line tools: a config or program error is one line and exit 2."""
    try:
        return run_stack(stack, **kwargs)
    except (StackConfigError, pulumi.RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def run_command(main: Callable[[], int]) -> NoReturn:
    """Exit with a command-line entry point's code, closing the SDK's event loops first."""
    try:
        code = main()
    finally:
        close_event_loops()
    sys.exit(code)


def close_event_loops() -> None:
    """Stop the SDK's worker threads and close its loops while the interpreter is whole.

    Each worker thread keeps an event loop of its own; left to interpreter shutdown, a loop can
    outlive its self-pipe and print a spurious "Exception ignored" traceback.
    """
    main_loop = asyncio.get_event_loop()
    # A program that failed leaves its outputs' tasks pending: cancel them quietly.
    pending = [task for task in asyncio.all_tasks(main_loop) if not task.done()]
    for task in pending:
        task.cancel()
    main_loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    main_loop.run_until_complete(main_loop.shutdown_default_executor())
    for loop in [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)]:
        if not loop.is_running() and not loop.is_closed():
            loop.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument(
        "--check", action="store_true", help="only validate the stack and its config; print nothing"
    )
    parser.add_argument(
        "--config-only",
        action="store_true",
        help="only check that the stack exists and its file loads (no program run); print nothing",
    )
    parser.add_argument(
        "--get",
        metavar="KEY",
        help="print one config value as the program receives it (no program run)",
    )
    args = parser.parse_args(argv)
    if args.config_only or args.get:
        try:
            config = load_stack_config(args.stack)
        except StackConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if args.get:
            print(config.get(args.get, ""))
        return 0
    plan = run_or_exit(args.stack)
    if not args.check:
        print(json.dumps(asdict(plan), indent=2, default=str))
    return 0


if __name__ == "__main__":
    run_command(main)
