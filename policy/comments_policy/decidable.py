"""Every policy of the pack goes through `fail_closed`, and fails closed on what the preview
cannot see.

pulumi_policy's analyzer turns a value a policy reads but cannot know yet (unknown at preview)
into an ADVISORY "can't run policy" line, whatever the policy's level (pulumi_policy/policy.py,
Analyze and AnalyzeStack). The preview then passes, and `pulumi up` applies the change: a resource
policy looks again before its step, but a stack policy only after every step has run, when the
change is already live. So pack.py registers every policy through `fail_closed` below, which
catches the SDK's UnknownValueError and reports a violation at the policy's own level instead
(mandatory, for a mandatory policy), naming the policy, the resource, the unknown path and why it
must be known at preview. One wrapper at the one place policies enter the pack, so a rule module
cannot forget it; tests/policy/test_fail_closed.py keeps every policy of the pack behind it.

The program makes its values decidable at preview: the names Check gives (auto-names included)
are known before anything is created, and so are the account and the region (invokes), so every
ARN that goes into the API document and the IAM documents is built from them (see
infra/comments_infra/service.py). What remains unknown on a first deploy is what AWS draws when it
creates the REST API: its id, and so the inputs that name it (`ASSIGNED_AT_CREATE`). Each of
those may be unknown at preview only when its value comes from resources of the listed types of
this stack and from nothing else: `stack-references-own-resources` checks that from the engine's
`propertyDependencies`, which are known at preview, and a resource policy that meets one of them
leaves it to that rule at preview and checks the value itself at `up`, before the step (what that
policy would have read after it on the same resource waits for `up` too: the pack's resource
rules read these inputs last or alone, or catch the unknown themselves). Any other unknown is a
violation.

Stack policies compare values whenever they are known; where a resource's own output is unknown
but fully determined by what is known (a table's ARN is its partition, region, account and name;
a role's is its account, path and name), `derived_arn` gives that value from the resource's
provider (its region and its one allowed account), so the comparison is still exact.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from comments_policy.common import (
    DEPLOYMENT,
    LOG_GROUP,
    MANAGED_POLICY,
    METHOD_SETTINGS,
    REST_API,
    ROLE,
    ROLE_POLICY,
    STAGE,
    TABLE,
    label,
    load_json,
)

TOPIC = "aws:sns/topic:Topic"

# Inputs whose value is (or contains) an id AWS draws when it creates another resource of this
# stack, so that no preview of a first deploy can know it: (type, input) -> the types the value
# may come from, and only from. The REST API's id is the one such id the program uses; it is in
# the stage's and the deployment's references and in the moderator's method ARNs
# (arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>), for which IAM has no
# other spelling.
ASSIGNED_AT_CREATE: dict[tuple[str, str], tuple[str, ...]] = {
    (STAGE, "restApi"): (REST_API,),
    (STAGE, "deployment"): (DEPLOYMENT,),
    (DEPLOYMENT, "restApi"): (REST_API,),
    (METHOD_SETTINGS, "restApi"): (REST_API,),
    (ROLE_POLICY, "policy"): (REST_API, STAGE),
}

WHY = (
    "a value nobody can see before `pulumi up` applies it is one nobody reviewed; build it from "
    "what the preview knows (the names Check gives, the account, the region) instead of an "
    "output AWS assigns at create"
)
_STACK_WHY = " (a stack policy runs only after `up` has applied every step)"


class Undecidable(UnknownValueError):
    """An unknown read by a policy, with the resource it belongs to (when a stack policy read it)."""

    def __init__(self, error: UnknownValueError, subject: str | None, urn: str | None) -> None:
        super().__init__(error.unknown_type_sentinel, list(error.props))
        self.subject = subject
        self.urn = urn


def path_of(error: UnknownValueError) -> str:
    """The unknown's path as the analyzer prints it, without the leading dot: 'body', 'a.b[0]'."""
    text = ""
    for part in error.props:
        text += f"[{part}]" if part.isdigit() else f".{part}"
    return text.lstrip(".")


def undecidable_message(
    policy: str, subject: str | None, error: UnknownValueError, stack: bool
) -> str:
    where = f"{subject} {path_of(error)}" if subject else f"a value at {path_of(error)}"
    return (
        f"{policy}: {where} is unknown at preview, so this rule cannot check it and refuses it: "
        f"{WHY}{_STACK_WHY if stack else ''}"
    )


def deferred(resource_type: str, error: UnknownValueError) -> bool:
    """Whether an unknown is one that only provenance can decide at preview (ASSIGNED_AT_CREATE)."""
    return bool(error.props) and (resource_type, error.props[0]) in ASSIGNED_AT_CREATE


# -- the one way into the pack ---------------------------------------------------------------------


def _guard(
    run: Callable[[], Awaitable[Any] | None], on_unknown: Callable[[UnknownValueError], None]
) -> Awaitable[Any] | None:
    try:
        result = run()
    except UnknownValueError as error:
        on_unknown(error)
        return None
    if result is None or not inspect.isawaitable(result):
        return None
    pending = result

    async def settle() -> None:
        try:
            await pending
        except UnknownValueError as error:
            on_unknown(error)

    return settle()


def _attributes(policy: Policy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "description": policy.description,
        "enforcement_level": policy.enforcement_level,
        "config_schema": policy.config_schema,
        "display_name": policy.display_name,
        "severity": policy.severity,
        "framework": policy.framework,
        "tags": policy.tags,
        "remediation_steps": policy.remediation_steps,
        "url": policy.url,
    }


class DecidableResourcePolicy(ResourceValidationPolicy):
    """A resource policy whose unknown reads are violations (ASSIGNED_AT_CREATE excepted)."""

    def __init__(self, rule: ResourceValidationPolicy) -> None:
        if rule.has_remediation():
            raise TypeError(f"{rule.name}: this pack's policies validate only")
        self.rule = rule
        name = rule.name

        def checked(args: ResourceValidationArgs, report: ReportViolation) -> Any:
            def on_unknown(error: UnknownValueError) -> None:
                if deferred(args.resource_type, error):
                    # stack-references-own-resources decides it now; this rule at `up`.
                    return
                subject = label(args.resource_type, args.name)
                report(undecidable_message(name, subject, error, stack=False), None)

            return _guard(lambda: rule.validate(args, report), on_unknown)

        super().__init__(validate=checked, **_attributes(rule))


class DecidableStackPolicy(StackValidationPolicy):
    """A stack policy whose unknown reads are violations naming the resource they belong to."""

    def __init__(self, rule: StackValidationPolicy) -> None:
        self.rule = rule
        name = rule.name

        def checked(args: StackValidationArgs, report: ReportViolation) -> Any:
            def on_unknown(error: UnknownValueError) -> None:
                subject = error.subject if isinstance(error, Undecidable) else None
                urn = error.urn if isinstance(error, Undecidable) else None
                report(undecidable_message(name, subject, error, stack=True), urn)

            tagged = StackValidationArgs(tag(args.resources), args.get_config(), args.stack_tags)
            return _guard(lambda: rule.validate(tagged, report), on_unknown)

        super().__init__(validate=checked, **_attributes(rule))


def fail_closed(policies: list[Policy]) -> list[Policy]:
    """The pack's policies, each behind the guard: what pack.py registers, and nothing else."""
    guarded: list[Policy] = []
    for policy in policies:
        if is_declared(policy):
            guarded.append(policy)
        elif isinstance(policy, ResourceValidationPolicy):
            guarded.append(DecidableResourcePolicy(policy))
        elif isinstance(policy, StackValidationPolicy):
            guarded.append(DecidableStackPolicy(policy))
        else:
            raise TypeError(f"{policy.name}: neither a resource nor a stack policy")
    return guarded


def is_declared(policy: object) -> bool:
    return isinstance(policy, (DecidableResourcePolicy, DecidableStackPolicy))


# -- stack resources whose unknown reads name the resource ------------------------------------------


class _Tagged(Mapping[str, Any]):
    """A property bag that says whose it is when a read meets an unknown."""

    def __init__(self, inner: Mapping[str, Any], subject: str, urn: str) -> None:
        self._inner, self._subject, self._urn = inner, subject, urn

    def __getitem__(self, key: str) -> Any:
        try:
            return _tagged(self._inner[key], self._subject, self._urn)
        except Undecidable:
            raise
        except UnknownValueError as error:
            raise Undecidable(error, self._subject, self._urn) from None

    def __contains__(self, key: object) -> bool:
        try:
            return key in self._inner
        except Undecidable:
            raise
        except UnknownValueError as error:
            raise Undecidable(error, self._subject, self._urn) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)


class _TaggedList(Sequence[Any]):
    def __init__(self, inner: Sequence[Any], subject: str, urn: str) -> None:
        self._inner, self._subject, self._urn = inner, subject, urn

    def __getitem__(self, index: Any) -> Any:
        try:
            return _tagged(self._inner[index], self._subject, self._urn)
        except Undecidable:
            raise
        except UnknownValueError as error:
            raise Undecidable(error, self._subject, self._urn) from None

    def __len__(self) -> int:
        return len(self._inner)


def _tagged(value: Any, subject: str, urn: str) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, _Tagged):
        return _Tagged(value, subject, urn)
    if isinstance(value, Sequence) and not isinstance(value, (str, _TaggedList)):
        return _TaggedList(value, subject, urn)
    return value


def tag(resources: list[PolicyResource]) -> list[PolicyResource]:
    """The stack's resources again, each bag tagged with its resource; links kept between them."""
    copies = {
        r.urn: PolicyResource(
            r.resource_type,
            _Tagged(r.props, label(r.resource_type, r.name), r.urn),
            r.urn,
            r.name,
            r.opts,
            r.provider,
            None,
            [],
            {},
        )
        for r in resources
    }
    for r in resources:
        copy = copies[r.urn]
        copy.parent = copies.get(r.parent.urn) if r.parent is not None else None
        copy.dependencies = [copies[d.urn] for d in r.dependencies if d.urn in copies]
        copy.property_dependencies = {
            key: [copies[d.urn] for d in deps if d.urn in copies]
            for key, deps in r.property_dependencies.items()
        }
    return list(copies.values())


# -- reading what may be unknown, in stack policies --------------------------------------------------


def is_unknown(props: Mapping[str, Any], key: str) -> bool:
    """Whether reading `key` meets a value unknown at preview (a key that is absent is known)."""
    try:
        props.get(key)
    except UnknownValueError:
        return True
    return False


def known(props: Mapping[str, Any], key: str) -> Any:
    """The value, or None when it is unknown at preview: only for outputs a rule can do without
    (an ARN it derives instead, an id it matches by provenance instead)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def is_deferred(resource: PolicyResource, key: str) -> bool:
    """An ASSIGNED_AT_CREATE input unknown at preview: stack-references-own-resources decides it."""
    return (resource.resource_type, key) in ASSIGNED_AT_CREATE and is_unknown(resource.props, key)


def sources(resource: PolicyResource, key: str, types: tuple[str, ...]) -> list[PolicyResource]:
    """The resources of `types` of this stack that the input's value came from."""
    return [s for s in resource.property_dependencies.get(key) or [] if s.resource_type in types]


def reference(resource: PolicyResource, key: str, target: str) -> Any:
    """What an input naming a `target` resource names, as something to compare: its value when
    known; at preview, the one `target` resource of this stack it comes from. An unknown from
    anywhere else is undecidable, and raises."""
    try:
        return resource.props.get(key)
    except UnknownValueError:
        found = sources(resource, key, (target,))
        if len(found) == 1:
            return ("from", found[0].urn)
        raise


def referenced(
    resource: PolicyResource,
    key: str,
    target: str,
    resources: list[PolicyResource],
    identifies: Callable[[PolicyResource, Any], bool],
) -> PolicyResource | None:
    """The `target` resource an input names: by value when known (`identifies(candidate,
    value)`), by provenance at preview. None when it names none of this stack's."""
    value = reference(resource, key, target)
    if isinstance(value, tuple):
        return next((r for r in resources if r.urn == value[1]), None)
    return next((r for r in resources if r.resource_type == target and identifies(r, value)), None)


def api_of(resource: PolicyResource, resources: list[PolicyResource]) -> PolicyResource | None:
    """The RestApi a Stage, Deployment or MethodSettings names in `restApi`: by its id when known
    (the `id` output, or the end of its executionArn), by provenance at preview."""

    def identifies(api: PolicyResource, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        ids = {known(api.props, "id")}
        execution_arn = known(api.props, "executionArn")
        if isinstance(execution_arn, str) and execution_arn:
            ids.add(execution_arn.rsplit(":", 1)[-1])
        return value in ids

    return referenced(resource, "restApi", REST_API, resources, identifies)


# -- ARNs a resource will have, from what is known before it exists --------------------------------

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")


def partition(region: str) -> str:
    """The partition a region belongs to (AWS General Reference, "ARN format")."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def provider_account(resource: PolicyResource | ResourceValidationArgs) -> str | None:
    """The one account the resource's AWS provider may deploy to (aws:allowedAccountIds), if one."""
    provider = resource.provider
    if provider is None:
        return None
    value = known(provider.props, "allowedAccountIds")
    if isinstance(value, str):
        # A default provider's inputs are the config's strings; read as every pack JSON is.
        value, error = load_json(value)
        if error is not None:
            return None
    accounts = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []
    return accounts[0] if len(accounts) == 1 and isinstance(accounts[0], str) else None


def provider_region(resource: PolicyResource | ResourceValidationArgs) -> str | None:
    """The region the resource goes to: its own `region` input, else its provider's."""
    own = known(resource.props, "region")
    if isinstance(own, str) and own:
        return own
    provider = resource.provider
    value = known(provider.props, "region") if provider is not None else None
    return value if isinstance(value, str) and _REGION.match(value) else None


def derived_arn(resource: PolicyResource) -> str | None:
    """The `arn` output: as known, or as AWS will form it from the resource's name, its region and
    its provider's one account (a table, role, managed policy, log group or topic); None if
    neither is known."""
    arn = known(resource.props, "arn")
    if isinstance(arn, str) and arn:
        return arn
    name = known(resource.props, "name")
    account = provider_account(resource)
    if not isinstance(name, str) or not name or account is None:
        return None
    if resource.resource_type in (ROLE, MANAGED_POLICY):
        path = known(resource.props, "path") or "/"
        kind = "role" if resource.resource_type == ROLE else "policy"
        # IAM is global: the partition is the provider's region's.
        return f"arn:{partition(provider_region(resource) or '')}:iam::{account}:{kind}{path}{name}"
    region = provider_region(resource)
    if region is None:
        return None
    shapes = {
        TABLE: f"dynamodb:{region}:{account}:table/{name}",
        LOG_GROUP: f"logs:{region}:{account}:log-group:{name}",
        TOPIC: f"sns:{region}:{account}:{name}",
    }
    shape = shapes.get(resource.resource_type)
    return f"arn:{partition(region)}:{shape}" if shape else None


def arns(resources: list[PolicyResource], resource_type: str) -> dict[str, PolicyResource]:
    """ARN -> resource for every resource of a type, known or derived (see `derived_arn`)."""
    found: dict[str, PolicyResource] = {}
    for resource in resources:
        if resource.resource_type != resource_type:
            continue
        arn = derived_arn(resource)
        if arn is None:
            # Neither known nor derivable: a rule matching against it cannot decide.
            resource.props.get("arn")
            continue
        found[arn] = resource
    return found
