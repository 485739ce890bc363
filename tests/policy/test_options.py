"""Resource options and providers: resource-options-reviewed, ignore-changes-autoscaled-capacity,
providers-stack-config (policy/comments_policy/options.py).

Options reach the pack as the analyzer protocol carries them (AnalyzerResourceOptions) and the
provider as AnalyzerProviderResource (type, name, URN, inputs); the offline check hands them over
the same way (tooling/policy_check.py `_options`, `_provider`). Each test changes one option of a
resource shaped like the program's, or runs the real program for a stack with one config change.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from comments_policy.resource_types import provider_resource_types
from tests.policy.builders import (
    ACCOUNT,
    COMPONENT,
    LOG_GROUP,
    PACK,
    REGION,
    ROLE,
    TABLE,
    TABLE_URN,
    Stack,
    findings,
    resource,
    urn,
)
from tooling.offline_runner import PlannedResource, ResourceOptions, load_stack_config, run_stack
from tooling.policy_check import POLICY_DIR, Finding, analyze, load_policy_config, stack_mocks

OPTIONS = "resource-options-reviewed"
AUTOSCALED = "ignore-changes-autoscaled-capacity"
PROVIDERS = "providers-stack-config"
MINE = (OPTIONS, AUTOSCALED, PROVIDERS)
STACKS = ["dev", "local", "prod", "staging"]
SCALING_TARGET = "aws:appautoscaling/target:Target"
AWS_PROVIDER = "pulumi:providers:aws"
DEFAULT_NAME = "default_7_51_1"
DEFAULT_URN = f"urn:pulumi:prod::comments::{AWS_PROVIDER}::{DEFAULT_NAME}"
# What the engine gives the default provider: the stack's aws:* config, values as strings
# (pulumi/pulumi pkg/resource/deploy/target.go GetPackageConfig), and the plugin version.
PROD_PROVIDER_INPUTS = {
    "region": REGION,
    "allowedAccountIds": json.dumps([ACCOUNT]),
    "version": "7.51.1",
}


def messages(policy: str, resources: list[PlannedResource], **properties: Any) -> list[str]:
    return [f.message for f in findings(policy, resources, **properties)]


def with_options(planned: PlannedResource, **options: Any) -> PlannedResource:
    return dataclasses.replace(planned, options=ResourceOptions(**options))


def table(**options: Any) -> PlannedResource:
    planned = Stack().resources()[0]
    assert planned.type == TABLE
    return with_options(planned, **options)


def provider(
    name: str = DEFAULT_NAME,
    inputs: dict[str, Any] | None = None,
    *,
    parent: str | None = None,
    stack: str = "prod",
) -> PlannedResource:
    """A provider resource: the engine's default has no parent and a root-level URN."""
    types = AWS_PROVIDER if parent is None else f"pulumi:pulumi:Stack${AWS_PROVIDER}"
    return PlannedResource(
        type=AWS_PROVIDER,
        name=name,
        urn=f"urn:pulumi:{stack}::comments::{types}::{name}",
        id="04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        inputs=dict(PROD_PROVIDER_INPUTS if inputs is None else inputs),
        state={},
        parent=parent,
    )


def managed_by(planned: PlannedResource, by: PlannedResource) -> PlannedResource:
    return dataclasses.replace(planned, provider_urn=by.urn)


# -- the program as it is ---------------------------------------------------------------------------


@pytest.mark.parametrize("preview", [False, True], ids=["known", "preview"])
@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_passes_as_it_is(stack: str, preview: bool) -> None:
    """The program's own options (the table's ignoreChanges under auto scaling, protect) and each
    stack's default provider (local's loopback endpoints included) pass in every stack."""
    from tooling.offline_runner import REPO_ROOT

    plan = run_stack(stack, stack_mocks(stack, REPO_ROOT, None), preview=preview)
    only = dataclasses.replace(PACK, policies=[p for p in PACK.policies if p.name in MINE])
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", PACK)
    found = analyze(plan, only, settings)
    assert found == [], "\n".join(f.line() for f in found)
    # The program really does ignore the capacity auto scaling owns, where it scales.
    tables = plan.of_type(TABLE)
    scaled = bool(plan.of_type(SCALING_TARGET))
    assert [t.options.ignore_changes for t in tables] == [
        ["readCapacity", "writeCapacity"] if scaled else []
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_the_policy_account_is_the_stacks_pinned_account(stack: str) -> None:
    document = json.loads((POLICY_DIR / "config" / f"{stack}.json").read_text(encoding="utf-8"))
    pinned = json.loads(load_stack_config(stack)["aws:allowedAccountIds"])
    assert pinned == [document[PROVIDERS]["accountId"]]
    # Only the local stack, whose endpoints are the local moto's, is the emulator.
    assert document[PROVIDERS].get("localEmulator", False) is (stack == "local")


# -- ignoreChanges ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "path"),
    [
        (table(), "pointInTimeRecovery"),
        (table(), "deletionProtectionEnabled"),
        (table(), "serverSideEncryption"),
        (table(), "billingMode"),
        (table(), "globalSecondaryIndexes[0].readCapacity"),
        (table(), "*"),
        (resource(ROLE, "comments-integration-role", {}), "assumeRolePolicy"),
        (resource("aws:iam/rolePolicy:RolePolicy", "access", {}), "policy"),
        (resource("aws:apigateway/restApi:RestApi", "comments-api", {}), "body"),
        (resource("aws:apigateway/stage:Stage", "comments-stage", {}), "accessLogSettings"),
        (resource("aws:apigateway/methodSettings:MethodSettings", "t", {}), "settings"),
        (resource(LOG_GROUP, "comments-access-logs", {}), "retentionInDays"),
        (resource("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", {}), "alarmActions"),
    ],
    ids=lambda value: value if isinstance(value, str) else value.type.rsplit(":", 1)[-1],
)
def test_ignore_changes_outside_the_allow_list_is_refused(
    planned: PlannedResource, path: str
) -> None:
    ignoring = with_options(planned, ignore_changes=[path])
    [message] = messages(OPTIONS, [ignoring])
    kind = planned.type.rsplit(":", 1)[-1]
    assert message.startswith(
        f"{OPTIONS}: {kind} '{planned.name}' ignores changes to {path!r} (ignoreChanges): a "
        "deploy would keep whatever is deployed"
    )
    if planned.type == TABLE:
        assert message.endswith("only readCapacity, writeCapacity may be ignored here")
    else:
        assert message.endswith("nothing of this type may be ignored")


def test_ignore_changes_on_a_provider_is_refused() -> None:
    ignoring = with_options(provider(), ignore_changes=["region"])
    assert messages(OPTIONS, [ignoring]) == [
        f"{OPTIONS}: provider '{DEFAULT_NAME}' ignores changes to 'region' (ignoreChanges): a "
        "deploy would keep whatever is deployed, and the state the rules read would no longer "
        "say what AWS holds; nothing of this type may be ignored"
    ]


def test_the_tables_capacity_may_be_ignored_by_the_resource_rule() -> None:
    assert messages(OPTIONS, [table(ignore_changes=["readCapacity", "writeCapacity"])]) == []


def _target(kind: str, of: str = TABLE_URN, namespace: str = "dynamodb") -> PlannedResource:
    return resource(
        SCALING_TARGET,
        f"comments-{kind.lower()}-scaling",
        {
            "serviceNamespace": namespace,
            "resourceId": f"table/{kind}",
            "scalableDimension": f"dynamodb:table:{kind}CapacityUnits",
            "minCapacity": 1,
            "maxCapacity": 5,
        },
        sources={"resourceId": [of]},
    )


def test_ignored_capacity_needs_the_scaling_target_that_owns_it() -> None:
    ignoring = table(ignore_changes=["readCapacity", "writeCapacity"])
    both = [ignoring, _target("Read"), _target("Write")]
    assert messages(AUTOSCALED, both) == []
    # Write capacity scaled, read capacity not: ignoring read capacity hides its drift.
    assert messages(AUTOSCALED, [ignoring, _target("Write")]) == [
        f"{AUTOSCALED}: Table 'comments-table' ignores changes to 'readCapacity', but no scaling "
        "target of this stack scales its dynamodb:table:ReadCapacityUnits; without auto scaling "
        "owning it, the deployed capacity would drift from the reviewed one unseen. Drop the "
        "ignoreChanges entry or add the scaling target"
    ]
    assert len(messages(AUTOSCALED, [ignoring])) == 2


def test_a_target_on_another_table_or_service_owns_nothing_here() -> None:
    ignoring = table(ignore_changes=["readCapacity"])
    other = urn(TABLE, "other-table")
    assert len(messages(AUTOSCALED, [ignoring, _target("Read", of=other)])) == 1
    # ...even when that other table is in the stack: the target scales it, not this one.
    second = dataclasses.replace(table(), name="other-table", urn=other)
    assert len(messages(AUTOSCALED, [ignoring, second, _target("Read", of=other)])) == 1
    # A literal resource id (no dependency on the table) scales whatever it names.
    literal = dataclasses.replace(_target("Read"), property_dependencies={})
    assert len(messages(AUTOSCALED, [ignoring, literal])) == 1
    assert len(messages(AUTOSCALED, [ignoring, _target("Read", namespace="ecs")])) == 1


def test_the_program_without_auto_scaling_may_not_ignore_capacity(repo_copy: Path) -> None:
    """prod with auto scaling off but the table still ignoring its capacity (a reviewer could
    merge the scaling removal and miss the option left behind)."""
    service = repo_copy / "infra" / "comments_infra" / "service.py"
    text = service.read_text(encoding="utf-8")
    old = 'ignore_changes=[f"{kind.lower()}Capacity" for kind, on in scaling.items() if on]'
    assert old in text
    service.write_text(
        text.replace(old, 'ignore_changes=["readCapacity", "writeCapacity"]'), encoding="utf-8"
    )
    plan = run_stack("staging", stack_mocks("staging", repo_copy, None), root=repo_copy)
    only = dataclasses.replace(PACK, policies=[p for p in PACK.policies if p.name in MINE])
    settings = load_policy_config(POLICY_DIR / "config" / "staging.json", PACK)
    found = [f.message for f in analyze(plan, only, settings)]
    assert [m.split(" ignores changes to ")[1].split(",")[0] for m in found] == [
        "'readCapacity'",
        "'writeCapacity'",
    ]


# -- deleteBeforeReplace, aliases, timeouts, secret outputs -----------------------------------------


@pytest.mark.parametrize(
    "planned",
    [table(), resource(LOG_GROUP, "comments-access-logs", {}), provider()],
    ids=["Table", "LogGroup", "provider"],
)
def test_delete_before_replace_is_refused(planned: PlannedResource) -> None:
    [message] = messages(OPTIONS, [with_options(planned, delete_before_replace=True)])
    assert "sets deleteBeforeReplace: a replacement would delete it before its successor" in message


def test_delete_before_replace_false_or_unset_passes() -> None:
    assert messages(OPTIONS, [table(delete_before_replace=False), table()]) == []


def _alias(stack: str = "prod", project: str = "comments", type_: str = TABLE) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::comments-table-before"


def test_an_alias_renaming_a_resource_of_this_stack_passes() -> None:
    moved = f"urn:pulumi:prod::comments::comments:service:CommentsService${TABLE}::old-name"
    assert messages(OPTIONS, [table(aliases=[_alias(), moved])]) == []


@pytest.mark.parametrize(
    ("alias", "fragment"),
    [
        (_alias(stack="dev"), "in stack 'dev' of project 'comments'; an alias may only rename"),
        (_alias(project="other"), "in stack 'prod' of project 'other'; an alias may only rename"),
        (
            _alias(type_="aws:dynamodb/tableReplica:TableReplica"),
            "of type aws:dynamodb/tableReplica:TableReplica; an alias may only rename a resource "
            f"of its own type ({TABLE})",
        ),
        ("comments-table-before", "which is not a URN"),
        ("", "which is not a URN"),
    ],
    ids=["other-stack", "other-project", "other-type", "a-name", "empty"],
)
def test_an_alias_claiming_other_state_is_refused(alias: str, fragment: str) -> None:
    [message] = messages(OPTIONS, [table(aliases=[alias])])
    assert message.startswith(f"{OPTIONS}: Table 'comments-table' has the alias {alias!r}")
    assert fragment in message


def test_custom_timeouts_and_secret_outputs_are_refused() -> None:
    found = messages(
        OPTIONS,
        [table(custom_timeouts={"delete": "1s"}, additional_secret_outputs=["arn", "streamArn"])],
    )
    assert found == [
        f"{OPTIONS}: Table 'comments-table' sets customTimeouts, which no resource of this stack "
        "was reviewed with",
        f"{OPTIONS}: Table 'comments-table' marks 'arn', 'streamArn' secret "
        "(additionalSecretOutputs): the preview's diff would show [secret] where reviewers read "
        "the value",
    ]


def test_what_pulumi_aws_marks_secret_itself_passes() -> None:
    """An AccessKey's class marks its secret secret (pulumi_aws/iam/access_key.py): not the
    program's choice. The same names on a Table are."""
    key = resource("aws:iam/accessKey:AccessKey", "key", {})
    marked = with_options(key, additional_secret_outputs=["secret", "sesSmtpPasswordV4"])
    assert messages(OPTIONS, [marked]) == []
    assert len(messages(OPTIONS, [table(additional_secret_outputs=["secret"])])) == 1


def test_the_providers_own_secret_credentials_pass() -> None:
    """pulumi_aws's Provider class marks its credential inputs secret itself."""
    marked = with_options(provider(), additional_secret_outputs=["accessKey", "secretKey", "token"])
    assert messages(OPTIONS, [marked]) == []
    assert len(messages(OPTIONS, [with_options(provider(), additional_secret_outputs=["region"])]))


# -- providers --------------------------------------------------------------------------------------


def test_the_engines_default_provider_with_the_stacks_config_passes() -> None:
    default = provider()
    assert messages(PROVIDERS, [default, managed_by(table(), default)]) == []


def test_an_explicit_provider_with_assume_role_is_refused() -> None:
    explicit = provider(
        "cross-account",
        {
            **PROD_PROVIDER_INPUTS,
            # pulumi_aws's Provider JSON-encodes lists and objects, and adds these two defaults.
            "assumeRoles": json.dumps([{"roleArn": "arn:aws:iam::444444444444:role/admin"}]),
            "skipCredentialsValidation": "false",
            "skipRegionValidation": "true",
        },
        parent="urn:pulumi:prod::comments::pulumi:pulumi:Stack::comments-prod",
    )
    managed = managed_by(table(), explicit)
    found = messages(PROVIDERS, [explicit, managed])
    subject = f"{PROVIDERS}: provider 'cross-account' ({AWS_PROVIDER})"
    assert found == [
        f"{subject} is an explicit provider, not the engine's default (default_<x>_<y>_<z> with "
        "no parent); its resources would deploy with settings the stack's aws:* config does not "
        "hold. List its name in allowedExplicitProviders of the stack's policy config "
        "(policy/config/<stack>.json) only after review",
        f"{subject} sets assumeRoles (assumes another role, possibly in another account)",
        f"{PROVIDERS}: Table 'comments-table' is managed by the explicit provider "
        "'cross-account', not the engine's default; remove the provider option (or list the "
        "provider in allowedExplicitProviders after review)",
    ]
    # Listed after review, it still may not assume a role.
    assert messages(PROVIDERS, [explicit, managed], allowedExplicitProviders=["cross-account"]) == [
        f"{subject} sets assumeRoles (assumes another role, possibly in another account)"
    ]


def test_a_provider_named_like_the_default_is_explicit_by_its_parent() -> None:
    """The engine registers its default with no parent (default_providers.go, Parent ""); a
    provider the program declares has the stack (or a component) as its parent."""
    lookalike = provider(parent=COMPONENT)
    [message] = messages(PROVIDERS, [lookalike])
    assert "is an explicit provider, not the engine's default" in message
    # Its resources name it by a URN with a parent type: explicit too.
    assert len(messages(PROVIDERS, [lookalike, managed_by(table(), lookalike)])) == 2


@pytest.mark.parametrize("name", ["default", "default_evil", "default_7_51", "other"])
def test_only_a_versioned_default_name_is_the_engines(name: str) -> None:
    [message] = messages(PROVIDERS, [provider(name)])
    assert "is an explicit provider" in message


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("assumeRole", json.dumps({"roleArn": "arn:aws:iam::444444444444:role/x"}), "assumes"),
        ("assumeRoleWithWebIdentity", json.dumps({"roleArn": "r"}), "assumes another role"),
        ("profile", "admin", "takes credentials from a named profile"),
        ("sharedCredentialsFiles", json.dumps(["/tmp/c"]), "takes credentials from files"),
        ("accessKey", "AKIAEXAMPLE", "uses static credentials"),
        ("token", "t", "uses static credentials"),
        ("endpoints", json.dumps([{"dynamodb": "http://127.0.0.1:4566"}]), "sends AWS calls"),
        ("httpsProxy", "http://proxy.example:3128", "through a proxy"),
        ("customCaBundle", "/tmp/ca.pem", "another certificate authority"),
        ("insecure", "true", "turns off TLS verification"),
        ("forbiddenAccountIds", json.dumps(["444444444444"]), "pins accounts by exclusion"),
        ("ignoreTags", json.dumps({"keys": ["stack"]}), "hides tag changes"),
        ("stsRegion", "eu-west-1", "calls STS in another region"),
        ("maxRetries", "0", "is not a setting this stack's providers were reviewed for"),
        ("skipCredentialsValidation", "true", "only false is allowed"),
        ("skipRequestingAccountId", True, "only false is allowed"),
        ("skipMetadataApiCheck", "true", "only false is allowed"),
    ],
)
def test_a_default_provider_setting_outside_the_allow_list_is_refused(
    key: str, value: Any, fragment: str
) -> None:
    """The default provider's inputs are the stack's aws:* config: one line in
    environments/Pulumi.prod.yaml changes them for every resource."""
    default = provider(inputs={**PROD_PROVIDER_INPUTS, key: value})
    [message] = messages(PROVIDERS, [default])
    assert message.startswith(f"{PROVIDERS}: provider '{DEFAULT_NAME}' ({AWS_PROVIDER}) sets {key}")
    assert fragment in message


def test_skip_flags_off_and_region_validation_pass() -> None:
    inputs = {
        **PROD_PROVIDER_INPUTS,
        "skipCredentialsValidation": "false",
        "skipRequestingAccountId": False,
        "skipRegionValidation": "true",
    }
    assert messages(PROVIDERS, [provider(inputs=inputs)]) == []


@pytest.mark.parametrize(
    ("pinned", "fragment"),
    [
        (None, "sets no allowedAccountIds, so it would run with any account's credentials"),
        (json.dumps(["444444444444"]), "sets allowedAccountIds ['444444444444']"),
        (json.dumps([ACCOUNT, "444444444444"]), f"sets allowedAccountIds ['{ACCOUNT}', "),
        ([ACCOUNT, "444444444444"], f"sets allowedAccountIds ['{ACCOUNT}', "),
    ],
)
def test_the_provider_pins_exactly_the_stacks_account(pinned: Any, fragment: str) -> None:
    inputs = {**PROD_PROVIDER_INPUTS, "allowedAccountIds": pinned}
    [message] = messages(PROVIDERS, [provider(inputs=inputs)])
    assert fragment in message


def _local_inputs(**changes: Any) -> dict[str, Any]:
    """The local stack's default provider, as environments/Pulumi.local.yaml configures it."""
    config = load_stack_config("local")
    inputs = {k.removeprefix("aws:"): v for k, v in config.items() if k.startswith("aws:")}
    return {**inputs, "version": "7.51.1", **changes}


def test_loopback_endpoints_pass_where_the_config_says_local_emulator() -> None:
    local = provider(inputs=_local_inputs(), stack="local")
    local_account = json.loads(_local_inputs()["allowedAccountIds"])[0]
    assert messages(PROVIDERS, [local], accountId=local_account, localEmulator=True) == []
    # The same provider in a stack whose config does not say so (prod's) is refused.
    found = messages(PROVIDERS, [local], accountId=local_account)
    assert [m.split(" sets ")[1].split(" ")[0] for m in found] == [
        "accessKey",
        "endpoints",
        "s3UsePathStyle",
        "secretKey",
        "skipCredentialsValidation",
        "skipMetadataApiCheck",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://dynamodb.us-east-1.amazonaws.com",
        "http://10.0.0.5:4566",
        "http://127.0.0.1.example.com:4566",
        "http://user:pass@127.0.0.1:4566",
        "file:///tmp/x",
        "127.0.0.1:4566",
    ],
)
def test_the_local_emulator_may_only_use_loopback_endpoints(url: str) -> None:
    endpoints = json.loads(_local_inputs()["endpoints"])
    endpoints[0]["dynamodb"] = url
    local = provider(inputs=_local_inputs(endpoints=json.dumps(endpoints)), stack="local")
    account = json.loads(_local_inputs()["allowedAccountIds"])[0]
    [message] = messages(PROVIDERS, [local], accountId=account, localEmulator=True)
    assert message.endswith(
        f"sets endpoints that are not loopback addresses of the local emulator: {url!r}"
    )


def test_a_provider_setting_unknown_at_preview_is_refused() -> None:
    from tooling.offline_runner import UNKNOWN

    pending = provider(inputs={**PROD_PROVIDER_INPUTS, "allowedAccountIds": UNKNOWN})
    [finding] = findings(PROVIDERS, [pending])
    assert finding.level == "mandatory"
    assert "has a setting that is unknown at preview" in finding.message


def test_another_package_provider_is_refused() -> None:
    other = dataclasses.replace(provider(), type="pulumi:providers:random")
    [message] = messages(PROVIDERS, [other])
    assert message == (
        f"{PROVIDERS}: provider '{DEFAULT_NAME}' (pulumi:providers:random) is not the AWS "
        "provider; this stack deploys only with AWS's"
    )


def test_missing_account_is_a_config_violation() -> None:
    settings = load_policy_config(POLICY_DIR / "config" / "prod.json", PACK)
    settings[PROVIDERS] = dataclasses.replace(settings[PROVIDERS], properties={})
    found: list[Finding] = findings(PROVIDERS, [provider()], settings=settings)
    assert [f.message.split(";")[0] for f in found] == [
        f"{PROVIDERS}: policy parameter 'accountId' is missing or not a 12-digit account id"
    ]


# -- the default provider of the real program --------------------------------------------------------


def _program_findings(stack: str, overrides: dict[str, Any]) -> list[str]:
    from tooling.offline_runner import REPO_ROOT

    plan = run_stack(stack, stack_mocks(stack, REPO_ROOT, overrides), config_overrides=overrides)
    only = dataclasses.replace(PACK, policies=[p for p in PACK.policies if p.name == PROVIDERS])
    settings = load_policy_config(POLICY_DIR / "config" / f"{stack}.json", PACK)
    return [f.message for f in analyze(plan, only, settings)]


def test_prod_with_the_local_endpoints_is_refused_local_passes() -> None:
    """The engine's default provider takes the stack's aws:* config (default_providers.go): the
    local stack's endpoints pass in local, and the same endpoints in prod's stack file fail."""
    endpoints = json.loads(load_stack_config("local")["aws:endpoints"])
    assert _program_findings("local", {}) == []
    [message] = _program_findings("prod", {"aws:endpoints": endpoints})
    version, _ = provider_resource_types()
    assert message.startswith(
        f"{PROVIDERS}: provider 'default_{version.replace('.', '_')}' ({AWS_PROVIDER}) sets "
        "endpoints (sends AWS calls to other endpoints than AWS's)"
    )
