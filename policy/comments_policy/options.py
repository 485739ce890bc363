"""Resource options and providers: an allow-list, like the types and the inputs.

The analyzer protocol hands each resource's options to the pack (pulumi/pulumi
proto/pulumi/analyzer.proto, AnalyzerResourceOptions: protect, ignoreChanges,
deleteBeforeReplace, aliases, customTimeouts, additionalSecretOutputs, parent) and the provider
that will manage it (AnalyzerProviderResource: type, name, URN and its input properties). Each
option changes what a deploy does to what is already deployed, out of sight of every rule that
reads inputs:

- `ignoreChanges` keeps the deployed value of a property whatever the program says, so a console
  change to point-in-time recovery or deletion protection would survive every deploy while the
  state, which is what the rules read, still shows the reviewed value. Only the capacity that
  auto scaling owns may be ignored (the program does so today, infra/comments_infra/service.py),
  and only while a scaling target of this stack owns that dimension of that table
  (`ignore-changes-autoscaled-capacity`).
- `deleteBeforeReplace` deletes the old resource before its replacement exists: the table's data,
  the access logs' trail, the alarm topic while alarms still point at it. The program never sets
  it; the default (create the replacement first) is the only one allowed.
- `aliases` make the engine treat an existing resource's state as this resource's. An alias
  within this stack and project to a resource of the same type is a rename or a move between
  parents (what a refactor needs so as not to replace the table). An alias naming another stack
  or project, another type, or no URN at all cannot be a rename: it claims state the program
  never reviewed under this name.
- `customTimeouts` and `additionalSecretOutputs`: the program sets neither. A secret output is
  shown as `[secret]` in the preview's diff that reviewers read; only what pulumi_aws's own class
  for the type marks secret (the Provider's accessKey, secretKey and token) is allowed.
- `protect` on the table is `dynamodb-data-protection`'s: not repeated here.

Providers (`providers-stack-config`): the engine's default provider is `default_<x>_<y>_<z>` with
no parent (pulumi/pulumi pkg/resource/deploy/default_providers.go, Parent ""; its name from
pkg/resource/deploy/providers/provider.go, DefaultName). Any other provider resource, and any
resource managed by one, is refused unless the stack's policy config lists its name. Every
provider, whatever its name, has its settings read from its inputs: the default provider's are the
stack's `aws:*` config (pkg/resource/deploy/target.go, GetPackageConfig), so a stack file is held
to the same allow-list as code. Allowed: `region` (whose value `resources-in-stack-region`
checks), `allowedAccountIds` naming exactly this stack's account (required: without it the
provider runs with whatever account's credentials it finds), `version`, `skipRegionValidation`,
and the other `skip*` flags only when false (they are an emulator's settings, and with AWS they
skip the STS calls that tell the provider whose credentials it holds). Nothing else: no `assumeRoles`/`assumeRole`,
no `profile`, no static keys, no proxies or CA bundles, no `endpoints`. A stack whose policy
config sets `localEmulator` (the local stack, whose endpoints point at the local moto) may also
set `endpoints` on loopback addresses only, the emulator's static keys and the skip flags.

`import` and `retainOnDelete` are not in the analyzer protocol: no policy can see them.
tooling/plan_check.py refuses them in the update plan and the engine's events of the preview that
deploys, and the offline check reports them as `engine-plan-options`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pulumi_policy import (
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from comments_policy.common import (
    ACCOUNT_ID,
    ACCOUNT_ID_SCHEMA,
    SCALING_TARGET,
    TABLE,
    ConfigMissing,
    config_account,
    label,
    load_json,
    misconfigured,
)

OPTIONS = "resource-options-reviewed"
AUTOSCALED = "ignore-changes-autoscaled-capacity"
PROVIDERS = "providers-stack-config"

PROVIDER_PREFIX = "pulumi:providers:"
AWS_PROVIDER = "pulumi:providers:aws"
LOCAL_EMULATOR = "localEmulator"
ALLOWED_PROVIDERS = "allowedExplicitProviders"

# The engine's default provider: 'default_' and the plugin's semantic version, dots as '_'.
DEFAULT_PROVIDER = re.compile(r"^default_[0-9]+_[0-9]+_[0-9]+$")
_URN = re.compile(
    r"^urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::(?P<types>[^:]*(?::[^:]+)*)::(?P<name>.+)$"
)

# ignoreChanges the program may set, per type; each entry reviewed. A table's capacity is owned
# by auto scaling when a scaling target scales it (ignore-changes-autoscaled-capacity).
REVIEWED_IGNORE_CHANGES: Mapping[str, frozenset[str]] = {
    TABLE: frozenset({"readCapacity", "writeCapacity"}),
}
# The scalable dimension whose target owns each ignorable table property.
CAPACITY_DIMENSIONS = {
    "readCapacity": "dynamodb:table:ReadCapacityUnits",
    "writeCapacity": "dynamodb:table:WriteCapacityUnits",
}
# Outputs the program itself may mark secret: none. What pulumi_aws's own classes mark secret is
# not the program's choice and passes (sdk_secret_outputs): the Provider's credentials, an
# AccessKey's secret.
REVIEWED_SECRET_OUTPUTS: Mapping[str, frozenset[str]] = {}
_SECRET_OPTS = re.compile(r"additional_secret_outputs=\[(?P<names>[^\]]*)\]")

# Provider settings, by what the stack allows. `region`'s value is resources-in-stack-region's.
_ANY_STACK = frozenset({"region", "allowedAccountIds", "version", "skipRegionValidation"})
# These only off (false). "Used for AWS API implementations that do not have STS available" (or
# IAM/STS, or a metadata API), pulumi_aws/provider.py says of each: an emulator's settings; with
# AWS they skip the STS calls that tell the provider whose credentials it holds, which is what
# allowedAccountIds is compared with.
_OFF_ONLY = frozenset(
    {"skipCredentialsValidation", "skipRequestingAccountId", "skipMetadataApiCheck"}
)
# What the local emulator's stack needs (environments/Pulumi.local.yaml).
_LOCAL_ONLY = frozenset({"endpoints", "accessKey", "secretKey", "s3UsePathStyle"}) | _OFF_ONLY
# Why some settings are refused, for the message; every other key is refused as unreviewed.
_WHY = {
    "assumeRole": "assumes another role, possibly in another account",
    "assumeRoles": "assumes another role, possibly in another account",
    "assumeRoleWithWebIdentity": "assumes another role, possibly in another account",
    "profile": "takes credentials from a named profile instead of the deploy role",
    "sharedCredentialsFiles": "takes credentials from files instead of the deploy role",
    "sharedConfigFiles": "takes credentials from files instead of the deploy role",
    "accessKey": "uses static credentials instead of the deploy role",
    "secretKey": "uses static credentials instead of the deploy role",
    "token": "uses static credentials instead of the deploy role",
    "endpoints": "sends AWS calls to other endpoints than AWS's",
    "httpProxy": "sends AWS calls through a proxy",
    "httpsProxy": "sends AWS calls through a proxy",
    "customCaBundle": "trusts another certificate authority for AWS calls",
    "insecure": "turns off TLS verification of AWS calls",
    "forbiddenAccountIds": "pins accounts by exclusion (allowedAccountIds pins the one account)",
    "ignoreTags": "hides tag changes (the budget and cost tags) from every diff",
    "defaultTags": "adds tags to every resource outside the program's own",
    "stsRegion": "calls STS in another region",
}


@lru_cache(maxsize=1)
def _resource_classes() -> Mapping[str, tuple[str, str]]:
    """pulumi_aws's token -> (module directory, class name), from the registration table its
    __init__.py hands the SDK (the table resource_types.py reads the tokens from)."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        return {}
    text = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r'resource_modules="""(?P<table>.*?)"""', text, re.S)
    if match is None:
        return {}
    classes: dict[str, tuple[str, str]] = {AWS_PROVIDER: ("", "Provider")}
    for module in json.loads(match.group("table")):
        directory = "/".join(str(module.get("fqn", "")).split(".")[1:])
        for token, name in dict(module.get("classes", {})).items():
            classes[str(token)] = (directory, str(name))
    return classes


@lru_cache(maxsize=64)
def sdk_secret_outputs(resource_type: str) -> frozenset[str]:
    """The outputs pulumi_aws's class for a type marks secret itself (its `_internal_init` merges
    `pulumi.ResourceOptions(additional_secret_outputs=[...])` into every registration)."""
    where = _resource_classes().get(resource_type)
    spec = importlib.util.find_spec("pulumi_aws")
    if where is None or spec is None or spec.origin is None:
        return frozenset()
    directory, name = where
    package = Path(spec.origin).parent / directory
    base = "CustomResource" if directory else "ProviderResource"
    header = f"class {name}(pulumi.{base}"
    for path in sorted(package.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if header in text:
            found = _SECRET_OPTS.search(text)
            names = found.group("names") if found else ""
            return frozenset(re.findall(r'"([^"]+)"', names))
    return frozenset()


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _json(value: Any) -> Any:
    """Provider inputs arrive JSON-encoded (the engine passes config values as strings; pulumi_aws's
    Provider class JSON-encodes lists and objects); a value that is not JSON stays as it is."""
    if isinstance(value, str):
        # Read as every JSON the pack reads: a repeated key leaves the value as text, refused.
        parsed, error = load_json(value)
        return value if error is not None else parsed
    return value


def _plain(value: Any) -> Any:
    """A proxied value as plain Python, reading (and so checking for unknowns) all of it."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value


def _loopback(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # a malformed port raises
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _endpoint_urls(value: Any) -> list[Any]:
    """Every URL of an `endpoints` setting: a list of {service: url} maps (or one map)."""
    document = _json(value)
    blocks = document if isinstance(document, list) else [document]
    urls: list[Any] = []
    for block in blocks:
        if isinstance(block, Mapping):
            urls.extend(block.values())
        else:
            urls.append(block)
    return urls


def provider_config_problems(props: Mapping[str, Any], account: str, local: bool) -> list[str]:
    """What a provider's settings do that this stack does not allow, one phrase each."""
    problems: list[str] = []
    settings = {str(key): _plain(value) for key, value in props.items()}
    allowed = _ANY_STACK | (_LOCAL_ONLY if local else frozenset(_OFF_ONLY))
    for key in sorted(settings):
        value = settings[key]
        if value is None:
            continue
        if key not in allowed:
            why = _WHY.get(key, "is not a setting this stack's providers were reviewed for")
            problems.append(f"sets {key} ({why})")
        elif key in _OFF_ONLY and not local and _truthy(value):
            problems.append(
                f"sets {key} (an emulator's setting: it skips the STS call that tells whose "
                "credentials the provider holds); only false is allowed"
            )
        elif key == "endpoints":
            wrong = [u for u in _endpoint_urls(value) if not _loopback(u)]
            if wrong:
                problems.append(
                    "sets endpoints that are not loopback addresses of the local emulator: "
                    + ", ".join(map(repr, wrong))
                )
    pinned = _json(settings.get("allowedAccountIds"))
    if pinned is None:
        problems.append(
            f"sets no allowedAccountIds, so it would run with any account's credentials; pin "
            f"[{account!r}]"
        )
    elif pinned != [account]:
        problems.append(
            f"sets allowedAccountIds {pinned!r}; this stack's account is {account!r} ({ACCOUNT_ID})"
        )
    return problems


def engine_default_provider(resource_type: str, name: str, parent: str | None) -> bool:
    """The provider the engine registers itself: default_<x>_<y>_<z>, at the root, no parent."""
    return (
        resource_type.startswith(PROVIDER_PREFIX)
        and bool(DEFAULT_PROVIDER.match(name))
        and not parent
    )


def _provider_urn_is_default(urn: str, name: str) -> bool:
    """A provider reference names the engine's default: a root-level `pulumi:providers:<pkg>`
    (no parent type in the URN) named default_<x>_<y>_<z>."""
    match = _URN.match(urn)
    types = match.group("types") if match else ""
    return (
        bool(match)
        and types.startswith(PROVIDER_PREFIX)
        and "$" not in types
        and bool(DEFAULT_PROVIDER.match(name))
    )


def _allowed_names(config: Mapping[str, Any]) -> list[str]:
    value = config.get(ALLOWED_PROVIDERS) or []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigMissing(f"policy parameter '{ALLOWED_PROVIDERS}' is not a list of names")
    return [str(v) for v in value]


def _providers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    is_provider = args.resource_type.startswith(PROVIDER_PREFIX)
    if not is_provider and args.provider is None:
        return  # components and the root stack: no provider manages them
    try:
        config = args.get_config()
        account = config_account(config)
        local = config.get(LOCAL_EMULATOR) is True
        allowed = _allowed_names(config)
    except ConfigMissing as error:
        misconfigured(report, PROVIDERS, error)
        return
    if is_provider:
        subject = f"{PROVIDERS}: provider '{args.name}' ({args.resource_type})"
        if args.resource_type != AWS_PROVIDER:
            report(f"{subject} is not the AWS provider; this stack deploys only with AWS's", None)
        if not engine_default_provider(args.resource_type, args.name, args.opts.parent) and (
            args.name not in allowed
        ):
            report(
                f"{subject} is an explicit provider, not the engine's default (default_<x>_<y>_<z> "
                f"with no parent); its resources would deploy with settings the stack's aws:* "
                f"config does not hold. List its name in {ALLOWED_PROVIDERS} of the stack's policy "
                "config (policy/config/<stack>.json) only after review",
                None,
            )
        try:
            problems = provider_config_problems(args.props, account, local)
        except UnknownValueError:
            report(
                f"{subject} has a setting that is unknown at preview; a provider's settings must "
                "be known before anything deploys with them",
                None,
            )
            return
        for problem in problems:
            report(f"{subject} {problem}", None)
        return
    provider = args.provider
    assert provider is not None
    if provider.resource_type != AWS_PROVIDER and args.resource_type.startswith("aws:"):
        report(
            f"{PROVIDERS}: {label(args.resource_type, args.name)} is managed by a "
            f"{provider.resource_type} provider, not AWS's",
            None,
        )
    if not _provider_urn_is_default(provider.urn, provider.name) and provider.name not in allowed:
        report(
            f"{PROVIDERS}: {label(args.resource_type, args.name)} is managed by the explicit "
            f"provider '{provider.name}', not the engine's default; remove the provider option "
            f"(or list the provider in {ALLOWED_PROVIDERS} after review)",
            None,
        )


def _aliases_problems(args: ResourceValidationArgs) -> list[str]:
    own = _URN.match(args.urn)
    problems = []
    for alias in args.opts.aliases or []:
        match = _URN.match(str(alias))
        if match is None:
            problems.append(f"has the alias {alias!r}, which is not a URN")
            continue
        if own is not None and (match.group("stack"), match.group("project")) != (
            own.group("stack"),
            own.group("project"),
        ):
            problems.append(
                f"has the alias {alias!r} in stack {match.group('stack')!r} of project "
                f"{match.group('project')!r}; an alias may only rename a resource of this stack"
            )
            continue
        alias_type = match.group("types").rsplit("$", 1)[-1]
        if alias_type != args.resource_type:
            problems.append(
                f"has the alias {alias!r} of type {alias_type}; an alias may only rename a "
                f"resource of its own type ({args.resource_type})"
            )
    return problems


def _options(args: ResourceValidationArgs, report: ReportViolation) -> None:
    say_label = label(args.resource_type, args.name)
    if args.resource_type.startswith(PROVIDER_PREFIX):
        say_label = f"provider '{args.name}'"

    def say(text: str) -> None:
        report(f"{OPTIONS}: {say_label} {text}", None)

    opts = args.opts
    ignorable = REVIEWED_IGNORE_CHANGES.get(args.resource_type, frozenset())
    for path in opts.ignore_changes or []:
        if path not in ignorable:
            say(
                f"ignores changes to {path!r} (ignoreChanges): a deploy would keep whatever is "
                "deployed, and the state the rules read would no longer say what AWS holds; "
                + (
                    f"only {', '.join(sorted(ignorable))} may be ignored here"
                    if ignorable
                    else "nothing of this type may be ignored"
                )
            )
    if opts.delete_before_replace is True:
        say(
            "sets deleteBeforeReplace: a replacement would delete it before its successor exists "
            "(a table's data, the access logs, the alarm topic); leave it unset"
        )
    for problem in _aliases_problems(args):
        say(problem)
    timeouts = opts.custom_timeouts
    if timeouts is not None and any(
        (getattr(timeouts, f"{kind}_seconds", 0) or 0) > 0
        for kind in ("create", "update", "delete")
    ):
        say("sets customTimeouts, which no resource of this stack was reviewed with")
    secret_ok = REVIEWED_SECRET_OUTPUTS.get(args.resource_type, frozenset())
    if opts.additional_secret_outputs:
        secret_ok = secret_ok | sdk_secret_outputs(args.resource_type)
    hidden = [o for o in opts.additional_secret_outputs or [] if o not in secret_ok]
    if hidden:
        say(
            f"marks {', '.join(map(repr, hidden))} secret (additionalSecretOutputs): the preview's "
            "diff would show [secret] where reviewers read the value"
        )


def _scaled_dimensions(resources: list[PolicyResource]) -> dict[str, set[str]]:
    """Table URN -> scalable dimensions a DynamoDB scaling target of this stack scales on it."""
    scaled: dict[str, set[str]] = {}
    for target in resources:
        if target.resource_type != SCALING_TARGET:
            continue
        try:
            namespace = target.props.get("serviceNamespace")
            dimension = target.props.get("scalableDimension")
        except UnknownValueError:
            continue  # unknown: it owns nothing, and the table's ignoreChanges is refused
        if namespace != "dynamodb" or not isinstance(dimension, str):
            continue
        for table in target.property_dependencies.get("resourceId", []) or []:
            if table.resource_type == TABLE:
                scaled.setdefault(table.urn, set()).add(dimension)
    return scaled


def _autoscaled(args: StackValidationArgs, report: ReportViolation) -> None:
    scaled = _scaled_dimensions(list(args.resources))
    for table in args.resources:
        if table.resource_type != TABLE:
            continue
        for path in table.opts.ignore_changes or []:
            dimension = CAPACITY_DIMENSIONS.get(path)
            if dimension is None or dimension in scaled.get(table.urn, set()):
                continue
            report(
                f"{AUTOSCALED}: {label(table.resource_type, table.name)} ignores changes to "
                f"{path!r}, but no scaling target of this stack scales its {dimension}; without "
                "auto scaling owning it, the deployed capacity would drift from the reviewed one "
                "unseen. Drop the ignoreChanges entry or add the scaling target",
                table.urn,
            )


POLICIES = [
    ResourceValidationPolicy(
        name=OPTIONS,
        description=(
            "Resource options are an allow-list: ignoreChanges only on what auto scaling owns, no "
            "deleteBeforeReplace, aliases only renaming a resource of this stack and type, no "
            "customTimeouts, no additionalSecretOutputs beyond the provider's own credentials."
        ),
        validate=_options,
    ),
    StackValidationPolicy(
        name=AUTOSCALED,
        description=(
            "A table ignores changes to its read or write capacity only while a scaling target "
            "of this stack scales that dimension of that table."
        ),
        validate=_autoscaled,
    ),
    ResourceValidationPolicy(
        name=PROVIDERS,
        description=(
            "Only the engine's default AWS provider (unless the config lists an explicit one), "
            "and every provider's settings within the stack's: its pinned account, no assumed "
            "roles, profiles, static keys, proxies or endpoints (loopback ones only where the "
            "config says localEmulator)."
        ),
        validate=_providers,
        config_schema=PolicyConfigSchema(
            properties={
                ACCOUNT_ID: ACCOUNT_ID_SCHEMA,
                LOCAL_EMULATOR: {
                    "type": "boolean",
                    "default": False,
                    "description": (
                        "This stack deploys into the local moto emulator: its provider may point "
                        "endpoints at loopback addresses, use static keys and skip checks."
                    ),
                },
                ALLOWED_PROVIDERS: {
                    "type": "array",
                    "default": [],
                    "uniqueItems": True,
                    "items": {"type": "string", "minLength": 1},
                    "description": (
                        "Names of explicit providers (other than the engine's default) this stack "
                        "may use after review; their settings are held to the same rules."
                    ),
                },
            },
            required=[ACCOUNT_ID],
        ),
    ),
]
