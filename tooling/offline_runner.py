"""Run the Pulumi program for a named stack without the Pulumi CLI.

Loads `Pulumi.yaml` defaults and `environments/Pulumi.<stack>.yaml` the way the CLI does, runs
`infra/__main__.py` under Pulumi mocks, and returns every planned resource (type, name, inputs,
options such as `protect`) and the stack outputs. Unit tests use the default mocks; the offline
policy check and the local deploy plug in their own `pulumi.runtime.Mocks`.

    python -m tooling.offline_runner <stack>            # prints the plan as JSON
    python -m tooling.offline_runner <stack> --check    # only validates (used before pulumi runs)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import re
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pulumi
import pulumi.runtime
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

REPO_ROOT = Path(__file__).resolve().parent.parent
MOCK_ACCOUNT_ID = "123456789012"
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
class PlannedResource:
    """One resource the program registered, as the engine would see it."""

    type: str
    name: str
    urn: str
    id: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    parent: str | None = None
    protect: bool = False
    dependencies: list[str] = field(default_factory=list)
    # input name -> URNs of the resources its value came from (the request's propertyDependencies)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    custom: bool = True


@dataclass
class Plan:
    stack: str
    project: str
    config: dict[str, str]
    resources: list[PlannedResource]
    outputs: dict[str, Any]

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
        values[qualified] = value
    return {key: _as_config_string(value) for key, value in values.items()}


# -- mocks -----------------------------------------------------------------------------------------


class DefaultMocks(pulumi.runtime.Mocks):
    """Deterministic ids and the computed properties the program reads (ARNs, names, URLs)."""

    def __init__(self, region: str = "us-east-1", account_id: str = MOCK_ACCOUNT_ID) -> None:
        self.region = region
        self.account_id = account_id

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        if args.resource_id:
            return args.resource_id, {**args.inputs}  # a `.get`: the existing resource asked for
        name = args.inputs.get("name") or f"{args.name}-0000000"
        resource_id = f"{args.name}-id"
        state: dict[str, Any] = {**args.inputs}
        arn_prefix = f"arn:aws:%s:{self.region}:{self.account_id}"
        if args.typ == "aws:dynamodb/table:Table":
            state.update(name=name, arn=f"{arn_prefix % 'dynamodb'}:table/{name}")
            resource_id = name
        elif args.typ == "aws:iam/role:Role":
            state.update(name=name, arn=f"arn:aws:iam::{self.account_id}:role/{name}")
            resource_id = name
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            state.update(name=name, arn=f"{arn_prefix % 'logs'}:log-group:{name}")
            resource_id = name
        elif args.typ == "aws:apigateway/restApi:RestApi":
            resource_id = "mockapi123"
            state.update(
                rootResourceId="mockroot",
                executionArn=f"{arn_prefix % 'execute-api'}:{resource_id}",
            )
        elif args.typ == "aws:apigateway/stage:Stage":
            api_id = args.inputs.get("restApi", "mockapi123")
            stage = args.inputs["stageName"]
            state["invokeUrl"] = f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}"
        return resource_id, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        functions = {
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/offline",
                "userId": "offline",
                "id": self.account_id,
            },
            "aws:index/getRegion:getRegion": {
                "name": self.region,
                "region": self.region,
                "id": self.region,
            },
        }
        if args.token not in functions:
            raise NotImplementedError(f"the offline runner has no mock for function {args.token}")
        return functions[args.token], []


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Keeps each registration's options (protect, parent, dependencies) beside its state."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.options: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.options[response.urn] = {
                "type": request.type,
                "name": request.name,
                "parent": request.parent or None,
                "protect": bool(request.protect),
                "dependencies": list(request.dependencies),
                "property_dependencies": {
                    key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                "custom": bool(request.custom),
                "inputs": pulumi.runtime.rpc.deserialize_properties(request.object),
            }
        return response


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
    """Protobuf-decoded values (Struct lists/maps) as plain Python."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def run_stack(
    stack: str,
    mocks: pulumi.runtime.Mocks | None = None,
    *,
    root: Path = REPO_ROOT,
    program_dir: Path | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    preview: bool = False,
) -> Plan:
    """Run the program for `stack` under mocks and return what it planned."""
    project = load_project(root)
    config = load_stack_config(stack, project, config_overrides)
    monitor = _RecordingMonitor(mocks or DefaultMocks(region=config.get("aws:region", "us-east-1")))
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
        outputs = _sync_await(pulumi.Output.from_input(exported).future()) or {}

    resources = []
    for urn, registration in monitor.resources.items():
        options = monitor.options.get(urn)
        if options is None:
            # A `.get` read: the engine keeps reads out of the stack's resources, so no policy
            # sees them and nothing refers to them as a resource of the stack.
            continue
        resources.append(
            PlannedResource(
                type=options["type"],
                name=options["name"],
                urn=urn,
                id=registration.id,
                inputs=_plain(options["inputs"]),
                state=_plain(registration.state),
                parent=options["parent"],
                protect=options["protect"],
                dependencies=options["dependencies"],
                property_dependencies=options["property_dependencies"],
                custom=options["custom"],
            )
        )
    return Plan(
        stack=stack, project=project.name, config=config, resources=resources, outputs=outputs
    )


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
    args = parser.parse_args(argv)
    if args.config_only:
        try:
            load_stack_config(args.stack)
        except StackConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    plan = run_or_exit(args.stack)
    if not args.check:
        print(json.dumps(asdict(plan), indent=2, default=str))
    return 0


if __name__ == "__main__":
    run_command(main)
