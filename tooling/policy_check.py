"""Offline CrossGuard check: run a stack's program under mocks and evaluate the real policy pack.

Does what `pulumi preview --stack <stack> --policy-pack policy --policy-pack-config
policy/config/<stack>.json` does, without the CLI: reconciles the config the way the CLI does
(policy defaults, then `all`, then each policy's own entry; schema-checked), then runs the pack's
own policy objects the way pulumi_policy's analyzer server does (per-policy enforcement level,
`disabled` skipped, `remediate` reported as mandatory, unknown values caught). Resource policies
see each resource's inputs; stack policies see every resource's outputs, dependencies and
property dependencies (which resources each input's value came from).

    python -m tooling.policy_check <stack> [<stack> ...] [--all] [--program-dir DIR] [--root DIR]
                                   [--config FILE] [--preview]

Prints `[level] policy-name  urn  message` per violation. Exit 0: no mandatory violation;
1: a mandatory violation; 2: the program, the stack config or the policy config is broken.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import importlib
import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import jsonschema
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError  # what args.not_applicable() raises
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from tooling.offline_runner import (
    MOCK_ACCOUNT_ID,
    REPO_ROOT,
    DefaultMocks,
    Plan,
    PlannedResource,
    StackConfigError,
    available_stacks,
    load_project,
    load_stack_config,
    run_command,
    run_stack,
)
from tooling.plan_check import NAME as PLAN_OPTIONS
from tooling.plan_check import offline_label, option_problems

POLICY_DIR = REPO_ROOT / "policy"
_LEVELS = {level.value: level for level in EnforcementLevel}


class PolicyConfigError(Exception):
    """The policy config file is missing, malformed, or does not fit the pack's schemas."""


@dataclass(frozen=True)
class Pack:
    name: str
    default_level: EnforcementLevel
    policies: list[Policy]
    # policy name -> config errors its schema cannot express (e.g. a type pulumi_aws lacks)
    config_checks: Mapping[str, Callable[[dict[str, Any]], list[str]]] = field(default_factory=dict)
    # PulumiPolicy.yaml's version, which the analyzer names in its "can't run" lines
    version: str = "0.0.0"


@dataclass(frozen=True)
class PolicySettings:
    """One policy's reconciled config: what the CLI sends the analyzer in Configure."""

    level: EnforcementLevel
    properties: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    level: str  # "mandatory", "advisory", or "error" (a policy raised)
    policy: str
    urn: str
    message: str

    def line(self) -> str:
        return f"[{self.level}] {self.policy}  {self.urn}  {self.message}"


def pack_module(name: str, policy_dir: Path = POLICY_DIR) -> ModuleType:
    """A module of the pack, imported the way the CLI's Python host finds it."""
    # The CLI runs `python policy/`, so the pack's modules import with policy/ first on the path.
    if str(policy_dir) not in sys.path:
        sys.path.insert(0, str(policy_dir))
    return importlib.import_module(name)


def load_pack(policy_dir: Path = POLICY_DIR) -> Pack:
    """The pack's own policy objects, the ones `policy/__main__.py` serves."""
    module = pack_module("comments_policy.pack", policy_dir)
    manifest_path = policy_dir / "PulumiPolicy.yaml"
    # A partial copy of the pack (the generated docs' tests) has modules but no manifest.
    manifest = (
        yaml.safe_load(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    )
    return Pack(
        name=cast(str, module.PACK_NAME),
        version=str(manifest.get("version", "0.0.0")),
        default_level=cast(EnforcementLevel, module.DEFAULT_ENFORCEMENT),
        policies=cast(list[Policy], module.POLICIES),
        config_checks=cast(
            Mapping[str, Callable[[dict[str, Any]], list[str]]],
            getattr(module, "CONFIG_CHECKS", {}),
        ),
    )


# -- policy config, reconciled the way the CLI does -----------------------------------------------


def _level(path: Path, key: str, value: Any) -> EnforcementLevel:
    if not isinstance(value, str) or value not in _LEVELS:
        raise PolicyConfigError(
            f"{path}: {key!r}: {value!r} is not an enforcement level "
            f"(use one of {', '.join(_LEVELS)})"
        )
    return _LEVELS[value]


def _parse(path: Path, pack: Pack) -> dict[str, tuple[EnforcementLevel | None, dict[str, Any]]]:
    if not path.is_file():
        raise PolicyConfigError(
            f"{path}: not found. Every stack needs a policy config with its caps and budget "
            "(start from policy/config/dev.json)"
        )
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise PolicyConfigError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PolicyConfigError(f"{path}: must be a JSON object of policy name -> config")
    parsed: dict[str, tuple[EnforcementLevel | None, dict[str, Any]]] = {}
    for key, value in document.items():
        if isinstance(value, str):
            parsed[key] = (_level(path, key, value), {})
        elif isinstance(value, dict):
            properties = dict(value)
            raw_level = properties.pop("enforcementLevel", None)
            level = (
                None if raw_level is None else _level(path, f"{key}.enforcementLevel", raw_level)
            )
            parsed[key] = (level, properties)
        else:
            raise PolicyConfigError(
                f"{path}: {key!r}: {value!r} is neither an enforcement level nor an object"
            )
    names = [policy.name for policy in pack.policies]
    # The CLI ignores names the pack lacks; here a typo would silently drop a cap or an override.
    unknown = sorted(set(parsed) - set(names) - {"all"})
    if unknown:
        raise PolicyConfigError(
            f"{path}: unknown policy name(s): {', '.join(unknown)}. "
            f"Policies in {pack.name}: {', '.join(names)}"
        )
    if parsed.get("all", (None, {}))[1]:
        raise PolicyConfigError(f"{path}: 'all' takes only an enforcement level")
    return parsed


def load_policy_config(path: Path, pack: Pack) -> dict[str, PolicySettings]:
    """Policy defaults, then `all`, then each policy's entry; then every schema is checked."""
    parsed = _parse(path, pack)
    result: dict[str, PolicySettings] = {}
    for policy in pack.policies:
        schema = policy.config_schema.properties if policy.config_schema else {}
        defaults = {k: spec["default"] for k, spec in schema.items() if "default" in spec}
        result[policy.name] = PolicySettings(
            policy.enforcement_level or pack.default_level, defaults
        )
    all_level = parsed.get("all", (None, {}))[0]
    if all_level is not None:
        result = {name: PolicySettings(all_level, s.properties) for name, s in result.items()}
    for name, (level, properties) in parsed.items():
        if name == "all":
            continue
        current = result[name]
        result[name] = PolicySettings(level or current.level, {**current.properties, **properties})
    errors = []
    for policy in pack.policies:
        declared = policy.config_schema
        # Stricter than the CLI: a parameter no schema declares is a typo, not something to ignore.
        json_schema = {
            "type": "object",
            "properties": declared.properties if declared else {},
            "required": (declared.required or []) if declared else [],
            "additionalProperties": False,
        }
        validator = jsonschema.Draft7Validator(json_schema)
        schema_errors = [
            f"{policy.name}: {error.message}"
            for error in validator.iter_errors(result[policy.name].properties)
        ]
        errors += schema_errors
        check = pack.config_checks.get(policy.name)
        if check is not None and not schema_errors:
            errors += check(result[policy.name].properties)
    if errors:
        # One line, however many problems: the command line prints it as `error: <line>`.
        raise PolicyConfigError(f"{path}: invalid policy config: " + "; ".join(errors))
    return result


# -- evaluation, the way pulumi_policy's analyzer server does it ----------------------------------


def _wire(value: Mapping[str, Any]) -> dict[str, Any]:
    """A property bag as the analyzer receives it: through a protobuf Struct (numbers as floats),
    then pulumi_policy's own deserialisation (secrets, assets; unknowns stay the engine's marks,
    which the unknown-checking proxy turns into "can't run")."""
    struct = struct_pb2.Struct()
    struct.update(copy.deepcopy(dict(value)))
    return deserialize_properties(json_format.MessageToDict(struct))


def _seconds(duration: str) -> float:
    """A custom timeout as the engine sends it ('5m', '1h30m', '90s') in seconds."""
    total, number = 0.0, ""
    for char in duration:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number or 0) * {"h": 3600, "m": 60, "s": 1}.get(char, 0)
            number = ""
    return total + float(number or 0)


def _options(resource: PlannedResource) -> PolicyResourceOptions:
    """The options the analyzer protocol carries (pulumi/pulumi proto/pulumi/analyzer.proto,
    AnalyzerResourceOptions; pkg/resource/deploy/step_generator.go fills it). `import` and
    `retainOnDelete` are not among them: no policy can see them. The plan records them
    (PlannedResource.options) for the checks that run outside the pack."""
    options = resource.options
    timeouts = options.custom_timeouts
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=list(options.ignore_changes),
        delete_before_replace=options.delete_before_replace,
        aliases=list(options.aliases),
        custom_timeouts=PolicyCustomTimeouts(
            _seconds(timeouts.get("create", "")),
            _seconds(timeouts.get("update", "")),
            _seconds(timeouts.get("delete", "")),
        ),
        additional_secret_outputs=list(options.additional_secret_outputs),
        parent=resource.parent,
    )


def _provider(plan: Plan, resource: PlannedResource) -> PolicyProviderResource | None:
    """The provider resource the engine sends beside a resource (explicit or default)."""
    provider = plan.resource(resource.provider_urn) if resource.provider_urn else None
    if provider is None:
        return None
    return PolicyProviderResource(
        provider.type, unknown_checking_proxy(_wire(provider.inputs)), provider.urn, provider.name
    )


def _stack_resources(plan: Plan) -> list[PolicyResource]:
    resources = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(_wire(r.state)),
            r.urn,
            r.name,
            _options(r),
            _provider(plan, r),
            None,
            [],
            {},
        )
        for r in plan.analyzed()
    }
    # Like the analyzer server: URNs become the stack's resource objects, others are dropped.
    for planned in plan.analyzed():
        resource = resources[planned.urn]
        resource.parent = resources.get(planned.parent or "")
        resource.dependencies = [resources[d] for d in planned.dependencies if d in resources]
        resource.property_dependencies = {
            key: [resources[d] for d in urns if d in resources]
            for key, urns in planned.property_dependencies.items()
        }
    return list(resources.values())


def stack_urn(plan: Plan) -> str:
    return (
        f"urn:pulumi:{plan.stack}::{plan.project}::pulumi:pulumi:Stack::{plan.project}-{plan.stack}"
    )


async def _await(result: Awaitable[Any]) -> None:
    await result


def _run(
    policy: Policy,
    pack: Pack,
    level: EnforcementLevel,
    default_urn: str,
    findings: list[Finding],
    args: ResourceValidationArgs | StackValidationArgs,
) -> None:
    stack_level = isinstance(args, StackValidationArgs)

    def report(message: str, urn: str | None = None) -> None:
        # Like the analyzer: a resource policy's violation is always its resource's.
        where = (urn or default_urn) if stack_level else default_urn
        findings.append(Finding(level.value, policy.name, where, message))

    try:
        result: Any
        # Two arms that read alike but narrow to different types (one per validate signature).
        if isinstance(policy, StackValidationPolicy) and isinstance(args, StackValidationArgs):  # noqa: SIM114
            result = policy.validate(args, report)
        elif isinstance(policy, ResourceValidationPolicy) and isinstance(
            args, ResourceValidationArgs
        ):
            result = policy.validate(args, report)
        else:
            raise TypeError(f"{policy.name}: {type(policy).__name__} cannot validate these args")
        if inspect.isawaitable(result):
            asyncio.run(_await(result))
    except UnknownValueError as error:
        # What pulumi_policy's analyzer answers (policy.py, Analyze and AnalyzeStack): an advisory
        # diagnostic with no URN, whatever the policy's level. The preview passes; only a check
        # that fails closed on its own (or a resource policy at `up`) can stop the change.
        findings.append(
            Finding(
                EnforcementLevel.ADVISORY.value,
                policy.name,
                "",
                f"can't run policy '{policy.name}' from policy pack '{pack.name}@v{pack.version}' "
                f"during preview: {error.message}",
            )
        )
    except _NotApplicableError:
        pass
    except Exception as error:  # a policy bug: the CLI would fail the preview too
        findings.append(
            Finding(
                "error", policy.name, default_urn, f"policy raised {type(error).__name__}: {error}"
            )
        )


def analyze(plan: Plan, pack: Pack, settings: Mapping[str, PolicySettings]) -> list[Finding]:
    """Every violation the pack reports for the plan, at the configured enforcement levels."""
    findings: list[Finding] = []
    stack_resources: list[PolicyResource] | None = None
    for policy in pack.policies:
        level = settings[policy.name].level
        if level == EnforcementLevel.DISABLED:
            continue
        if level == EnforcementLevel.REMEDIATE:
            level = EnforcementLevel.MANDATORY  # what the analyzer reports for a failed remediation
        properties = settings[policy.name].properties
        config = _wire(properties) if properties else None
        if isinstance(policy, ResourceValidationPolicy):
            for resource in plan.analyzed():
                args = ResourceValidationArgs(
                    resource.type,
                    unknown_checking_proxy(_wire(resource.inputs)),
                    resource.urn,
                    resource.name,
                    _options(resource),
                    _provider(plan, resource),
                    config,
                    {},
                )
                _run(policy, pack, level, resource.urn, findings, args)
        elif isinstance(policy, StackValidationPolicy):
            if stack_resources is None:
                stack_resources = _stack_resources(plan)
            stack_args = StackValidationArgs(stack_resources, config, {})
            _run(policy, pack, level, stack_urn(plan), findings, stack_args)
    return findings


# -- command line ----------------------------------------------------------------------------------


def stack_mocks(stack: str, root: Path, overrides: Mapping[str, Any] | None) -> DefaultMocks:
    """Mocks that answer as the stack's own account and region.

    The AWS provider refuses credentials of any account but `aws:allowedAccountIds`, so on AWS the
    caller identity the program reads (and puts into its trust policy) is the pinned account.
    """
    config = load_stack_config(stack, load_project(root), overrides)
    try:
        pinned = json.loads(config.get("aws:allowedAccountIds", "[]"))
    except json.JSONDecodeError:
        pinned = []
    account = pinned[0] if isinstance(pinned, list) and len(pinned) == 1 else MOCK_ACCOUNT_ID
    return DefaultMocks(region=config.get("aws:region", "us-east-1"), account_id=str(account))


def check_stack(
    stack: str,
    *,
    root: Path = REPO_ROOT,
    program_dir: Path | None = None,
    config_path: Path | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    preview: bool = False,
    out: Any = None,
) -> int:
    """Check one stack, print its findings; the exit status for it."""
    out = out or sys.stdout
    pack = load_pack()
    try:
        plan = run_stack(
            stack,
            stack_mocks(stack, root, config_overrides),
            root=root,
            program_dir=program_dir,
            config_overrides=config_overrides,
            preview=preview,
        )
        settings = load_policy_config(
            config_path or root / "policy" / "config" / f"{stack}.json", pack
        )
    except (PolicyConfigError, StackConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # the program itself failed: say so in one line, no traceback
        last = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        print(f"error: the program failed for stack {stack!r}: {last}", file=sys.stderr)
        return 2
    findings = analyze(plan, pack, settings)
    # import, retainOnDelete, deletedWith: no policy can see them (the analyzer protocol omits
    # them); reported here as mandatory, and in CI by tooling/plan_check.py on the saved plan.
    findings += [
        Finding("mandatory", PLAN_OPTIONS, p.urn, offline_label(p))
        for p in option_problems(plan.analyzed())
    ]
    for finding in findings:
        print(finding.line(), file=out)
    mandatory = sum(f.level == "mandatory" for f in findings)
    advisory = sum(f.level == "advisory" for f in findings)
    errors = sum(f.level == "error" for f in findings)
    print(
        f"{stack}: {pack.name} ({len(pack.policies)} policies) on {len(plan.resources)} "
        f"resources: {mandatory} mandatory, {advisory} advisory violation(s)"
        + (f", {errors} policy error(s)" if errors else ""),
        file=out,
    )
    if errors:
        return 2
    return 1 if mandatory else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stacks", nargs="*", help="stack names (environments/Pulumi.<stack>.yaml)")
    parser.add_argument("--all", action="store_true", help="check every stack")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root to load")
    parser.add_argument("--program-dir", type=Path, help="run this program instead of infra/")
    parser.add_argument(
        "--config", type=Path, help="policy config (default policy/config/<stack>.json)"
    )
    parser.add_argument("--preview", action="store_true", help="run the program as a preview")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    stacks = list(args.stacks)
    if args.all:
        try:
            stacks += available_stacks(load_project(root))
        except StackConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if not stacks:
        parser.error("name a stack or pass --all")
    if args.config and len(stacks) > 1:
        parser.error("--config applies to one stack")
    status = 0
    for stack in dict.fromkeys(stacks):
        status = max(
            status,
            check_stack(
                stack,
                root=root,
                program_dir=args.program_dir,
                config_path=args.config,
                preview=args.preview,
            ),
        )
    return status


if __name__ == "__main__":
    run_command(main)
