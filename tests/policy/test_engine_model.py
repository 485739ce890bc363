"""The offline runner answers the program and the pack as the engine and pulumi-aws do.

Each expectation is written from the engine's or the provider's behaviour (named in each test),
not from the runner's own helpers: ids of AWS's shapes and all distinct, ARNs in the stack's
account and region, `.get` reads with outputs but outside the stack's resources, the options the
analyzer protocol carries, the default provider, and a preview in which created resources'
outputs are unknown.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationArgs, ResourceValidationPolicy

from tooling.offline_runner import UNKNOWN, DefaultMocks, Plan, run_stack
from tooling.policy_check import PolicySettings, analyze, load_pack, main, stack_mocks

PROD_ACCOUNT = "333333333333"
PROD_REGION = "us-east-1"
EXTRA = """

import pulumi_aws as extra_aws

_existing = extra_aws.dynamodb.Table.get("existing-table", "comments-elsewhere")
_second = extra_aws.apigateway.RestApi("second-api", name="second")
_imported = extra_aws.sns.Topic(
    "imported-topic",
    name="imported",
    opts=pulumi.ResourceOptions(
        import_="arn:aws:sns:us-east-1:333333333333:imported",
        ignore_changes=["policy"],
        retain_on_delete=True,
        delete_before_replace=True,
    ),
)
_other = extra_aws.Provider("other-account", region="eu-west-1")
_elsewhere = extra_aws.sns.Topic(
    "elsewhere-topic", opts=pulumi.ResourceOptions(provider=_other)
)
pulumi.export("existingArn", _existing.arn)
"""


def _prod(root: Path | None = None, preview: bool = False) -> Plan:
    from tooling.offline_runner import REPO_ROOT

    root = root or REPO_ROOT
    return run_stack("prod", stack_mocks("prod", root, None), root=root, preview=preview)


@pytest.fixture
def extended(repo_copy: Path) -> Path:
    main_py = repo_copy / "infra" / "__main__.py"
    main_py.write_text(main_py.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    return repo_copy


def test_ids_have_aws_shapes_and_are_distinct(extended: Path) -> None:
    plan = _prod(extended)
    by_type: dict[str, list[str]] = {}
    for resource in plan.resources:
        by_type.setdefault(resource.type, []).append(resource.id)
    # Within a type ids are distinct, except a scalable target's: terraform-provider-aws sets its
    # id to the resource id it scales, which the table's read and write targets share.
    by_type.pop("aws:appautoscaling/target:Target")
    for type_, ids in by_type.items():
        assert len(ids) == len(set(ids)), (type_, ids)
    apis = plan.of_type("aws:apigateway/restApi:RestApi")
    assert len(apis) == 2
    for api in apis:
        # API Gateway's REST API ids: 10 lower-case letters and digits.
        assert re.fullmatch(r"[a-z0-9]{10}", api.id), api.id
        assert (
            api.state["executionArn"]
            == f"arn:aws:execute-api:{PROD_REGION}:{PROD_ACCOUNT}:{api.id}"
        )
    table = plan.one("aws:dynamodb/table:Table")
    assert table.state["arn"] == f"arn:aws:dynamodb:{PROD_REGION}:{PROD_ACCOUNT}:table/{table.id}"
    # Pulumi's auto-name: the logical name, '-', seven hex digits (pulumi-terraform-bridge
    # pkg/tfbridge/info/autonaming.go, Randlen 7).
    assert re.fullmatch(r"comments-prod-table-[0-9a-f]{7}", table.id), table.id
    assert table.inputs["name"] == table.id  # Check computed it, so the analyzer sees it


def test_a_get_read_has_outputs_but_is_not_a_resource_of_the_stack(extended: Path) -> None:
    plan = _prod(extended)
    assert not [r for r in plan.resources if r.name == "existing-table"]
    (read,) = [r for r in plan.reads if r.name == "existing-table"]
    assert read.id == "comments-elsewhere"
    assert read.state["arn"] == (
        f"arn:aws:dynamodb:{PROD_REGION}:{PROD_ACCOUNT}:table/comments-elsewhere"
    )
    assert plan.outputs["existingArn"] == read.state["arn"]


def test_options_are_recorded_as_the_program_set_them(extended: Path) -> None:
    plan = _prod(extended)
    (imported,) = [r for r in plan.resources if r.name == "imported-topic"]
    assert imported.options.import_id == "arn:aws:sns:us-east-1:333333333333:imported"
    assert imported.id == imported.options.import_id
    assert imported.options.ignore_changes == ["policy"]
    assert imported.options.retain_on_delete is True
    assert imported.options.delete_before_replace is True
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    assert table.options.delete_before_replace is None  # unset, not False


def test_resources_name_their_provider_default_or_explicit(extended: Path) -> None:
    plan = _prod(extended)
    # pulumi/pulumi pkg/resource/deploy/default_providers.go: the default provider is a resource
    # 'default_<major>_<minor>_<patch>' whose inputs are the stack's aws:* config and version.
    (default,) = plan.default_providers
    assert re.fullmatch(r"default_[0-9]+_[0-9]+_[0-9]+", default.name)
    assert default.inputs["region"] == PROD_REGION
    assert default.inputs["version"] == default.name.removeprefix("default_").replace("_", ".")
    (table,) = plan.of_type("aws:dynamodb/table:Table")
    assert table.provider_urn == default.urn
    (explicit,) = [r for r in plan.resources if r.name == "other-account"]
    (elsewhere,) = [r for r in plan.resources if r.name == "elsewhere-topic"]
    assert elsewhere.provider_urn == explicit.urn
    assert explicit.inputs["region"] == "eu-west-1"
    # Check ran with that provider's region, not the stack's.
    assert elsewhere.inputs.get("region") in (None, "eu-west-1")


class _Seen(ResourceValidationPolicy):
    """Records what the pack would receive for one resource."""

    def __init__(self, name: str) -> None:
        self.seen: list[ResourceValidationArgs] = []
        self.target = name
        super().__init__("seen", "records its arguments", self._validate)

    def _validate(self, args: ResourceValidationArgs, report: object) -> None:
        if args.name == self.target:
            self.seen.append(args)


def test_the_pack_receives_the_options_and_provider_the_analyzer_protocol_carries(
    extended: Path,
) -> None:
    plan = _prod(extended)
    seen = _Seen("imported-topic")
    only_seen = dataclasses.replace(load_pack(), policies=[seen])
    analyze(plan, only_seen, {"seen": PolicySettings(EnforcementLevel.MANDATORY, {})})
    (args,) = seen.seen
    assert args.opts.ignore_changes == ["policy"]
    assert args.opts.delete_before_replace is True
    assert args.provider is not None
    assert args.provider.resource_type == "pulumi:providers:aws"
    assert args.provider.props["region"] == PROD_REGION


def test_preview_leaves_what_the_cloud_assigns_unknown() -> None:
    plan = _prod(preview=True)
    assert plan.preview
    table = plan.one("aws:dynamodb/table:Table")
    # A create step at preview: the checked inputs are known; the id and the computed outputs
    # (the ARN) are not (the SDK resolves an output the engine did not give as unknown).
    assert table.id == ""
    assert table.state["arn"] == UNKNOWN
    assert table.inputs["readCapacity"] > 0
    # Check's names are known, so the program builds the table's ARN from the account, the region
    # and the table's name: the integration role's policy is known. The moderator's names the
    # API's id, which AWS draws at create, and the stage's restApi is that id.
    policies = {p.name: p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")}
    access = policies["comments-prod-integration-access"].inputs["policy"]
    assert f"table/{table.inputs['name']}" in access and UNKNOWN not in access
    assert policies["comments-prod-moderator-access"].inputs["policy"] == UNKNOWN
    stage = plan.one("aws:apigateway/stage:Stage")
    assert stage.inputs["restApi"] == UNKNOWN


class _ReadsTheTableArn(ResourceValidationPolicy):
    """A policy that does not catch what it cannot know, as the SDK's analyzer meets it."""

    def __init__(self) -> None:
        super().__init__("reads-arn", "reads a role policy's document", self._validate)

    def _validate(self, args: ResourceValidationArgs, report: object) -> None:
        if args.resource_type == "aws:iam/rolePolicy:RolePolicy":
            args.props.get("policy")


def test_preview_reports_cant_run_as_the_analyzer_does() -> None:
    """pulumi_policy/policy.py (Analyze): a policy that reads an unknown and does not catch it is
    an advisory, with no URN, naming the pack and the path. The pack's own policies catch it
    (comments_policy/decidable.py); the offline check still models the analyzer for any other."""
    plan = _prod(preview=True)
    pack = dataclasses.replace(load_pack(), policies=[_ReadsTheTableArn()])
    found = analyze(plan, pack, {"reads-arn": PolicySettings(EnforcementLevel.MANDATORY, {})})
    assert [(f.level, f.urn) for f in found] == [("advisory", "")]
    assert re.fullmatch(
        r"can't run policy 'reads-arn' from policy pack 'comments-guardrails@v[0-9.]+' during "
        r"preview: string value at \.policy can't be known during preview",
        found[0].message,
    )


def test_the_packs_preview_has_no_cant_run_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["prod", "--preview"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "can't run policy" not in out


@pytest.mark.parametrize("stack", ["local", "dev", "staging", "prod"])
def test_preview_runs_on_every_stack(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main([stack, "--preview"])
    out = capsys.readouterr().out
    assert status in (0, 1), out
    assert "policy raised" not in out
    assert f"{stack}: comments-guardrails" in out


def test_preview_runs_on_a_program_that_adds_resources(
    extended: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["prod", "--preview", "--root", str(extended)])
    out = capsys.readouterr().out
    assert status == 1, out  # the additions are not allowed, and the check says so
    assert "Traceback" not in out
    assert "[mandatory] allowed-resource-types" in out


def test_an_update_keeps_the_auto_name_the_resource_was_created_with() -> None:
    """Check reuses the old inputs' auto-name (pulumi-terraform-bridge autonaming.go: "will not
    change during normal updates"), so a deploy over existing state renames nothing."""

    class Existing(DefaultMocks):
        def prior_state(self, type_: str, name: str) -> dict[str, str] | None:
            if type_ == "aws:dynamodb/table:Table":
                return {"name": "comments-prod-table-1234abc"}
            return None

    plan = run_stack("prod", Existing(account_id=PROD_ACCOUNT))
    table = plan.one("aws:dynamodb/table:Table")
    assert table.inputs["name"] == table.id == "comments-prod-table-1234abc"
    role = plan.of_type("aws:iam/role:Role")[0]
    assert re.fullmatch(r"comments-prod-[a-z]+-role-[0-9a-f]{7}", role.inputs["name"])


def test_a_named_alias_reaches_the_pack_as_the_urn_it_names(repo_copy: Path) -> None:
    main_py = repo_copy / "infra" / "__main__.py"
    main_py.write_text(
        main_py.read_text(encoding="utf-8")
        + '\nimport pulumi_aws as _aws\n_aws.sns.Topic("renamed-topic", opts=pulumi.ResourceOptions('
        'aliases=[pulumi.Alias(name="old-topic")]))\n',
        encoding="utf-8",
    )
    plan = _prod(repo_copy)
    (topic,) = [r for r in plan.resources if r.name == "renamed-topic"]
    # The URN the resource had under its old name: same stack, project, parent and type.
    assert topic.options.aliases == [topic.urn.removesuffix("renamed-topic") + "old-topic"]
