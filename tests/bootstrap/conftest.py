"""Plans of the bootstrap program under mocks, through the same offline runner as the stacks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tooling.offline_runner import DefaultMocks, Plan, run_stack

BOOTSTRAP = Path(__file__).resolve().parents[2] / "bootstrap"
ACCOUNT = "111122223333"
OWNER, NAME = "example-org", "comments"
REPOSITORY = f"{OWNER}/{NAME}"
# GitHub's id of that repository: it survives renames and transfers, and a new repository under
# an old name gets another.
REPOSITORY_ID = "123456789"
# GitHub's id of its owner (an organization or user), which the immutable subject names too.
OWNER_ID = "24681357"
# The two forms GitHub's OIDC reference gives the `repo` segment of `sub` ("Immutable subject
# claims"), written out from its syntax lines: `repo:ORG-NAME/REPO-NAME` and
# `repo:OWNER@OWNER-ID/REPO@REPO-ID`. The bootstrap's githubSubjectPrefix takes one of them.
SUBJECT_PREFIXES = {
    "name": "repo:example-org/comments",
    "immutable": "repo:example-org@24681357/comments@123456789",
}
FORMS = tuple(SUBJECT_PREFIXES)
# The id of the account's AWS managed key aws/dynamodb, as DescribeKey reports it.
DYNAMODB_KEY_ID = "1f2e3d4c-aws-dynamodb"

# The program's package and the guard's rules import the way the Pulumi language hosts do.
for directory in (BOOTSTRAP, BOOTSTRAP / "guard"):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))


class BootstrapMocks(DefaultMocks):
    """Adds what the bootstrap reads: partition, IAM paths in role and policy ARNs, provider and
    bucket (ARNs in the form IAM gives them, so tests can compare them with the policies)."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:iam/role:Role":
            path = args.inputs.get("path", "/")
            state["arn"] = f"arn:aws:iam::{self.account_id}:role{path}{state['name']}"
        elif args.typ == "aws:iam/policy:Policy":
            path, name = args.inputs.get("path", "/"), args.inputs["name"]
            state["arn"] = f"arn:aws:iam::{self.account_id}:policy{path}{name}"
        elif args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = args.inputs["url"].removeprefix("https://")
            state["arn"] = f"arn:aws:iam::{self.account_id}:oidc-provider/{host}"
        elif args.typ == "aws:kms/key:Key":
            key_id = f"{args.name}-key-id"
            state.update(
                keyId=key_id, arn=f"arn:aws:kms:{self.region}:{self.account_id}:key/{key_id}"
            )
        elif args.typ == "aws:s3/bucket:Bucket":
            state["bucket"] = args.inputs["bucket"]
            resource_id = args.inputs["bucket"]
        return resource_id, state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if args.token == "aws:kms/getKey:getKey" and args.args["keyId"] == "alias/aws/dynamodb":
            arn = f"arn:aws:kms:{self.region}:{self.account_id}:key/{DYNAMODB_KEY_ID}"
            return {"arn": arn, "id": DYNAMODB_KEY_ID, "keyManager": "AWS"}, []
        return super().call(args)


def github_sub(
    environment: str,
    workflow: str,
    ref: str,
    *,
    form: str = "name",
    run_ref: str | None = None,
    owner: str = OWNER,
    name: str = NAME,
    owner_id: str = OWNER_ID,
    repository_id: str = REPOSITORY_ID,
) -> str:
    """The `sub` GitHub sends a job under the repository's template (`repo`, `repository_id`,
    `context`, `ref`, `job_workflow_ref`, in that order, `context` being `environment:<name>`),
    written out from GitHub's documented format, independently of the program's own helper: in
    the immutable form only the `repo` segment carries the ids; `repository_id` stays a claim of
    its own, and `job_workflow_ref` names the workflow by repository name. `run_ref` is the ref
    the run was triggered for, `ref` the one the job's workflow file was read at."""
    repo = (
        f"{owner}@{owner_id}/{name}@{repository_id}" if form == "immutable" else f"{owner}/{name}"
    )
    return (
        f"repo:{repo}:repository_id:{repository_id}:environment:{environment}"
        f":ref:{run_ref or ref}:job_workflow_ref:{owner}/{name}/.github/workflows/{workflow}@{ref}"
    )


def plan_bootstrap(
    tmp_path: Path,
    *,
    defaults: dict[str, Any] | None = None,
    form: str = "name",
    **config: Any,
) -> Plan:
    """Run bootstrap/__main__.py for a throwaway stack whose file holds `config` (the
    repository's subject prefix in `form`); `defaults` replaces declared defaults in the copy of
    Pulumi.yaml."""
    project = yaml.safe_load((BOOTSTRAP / "Pulumi.yaml").read_text(encoding="utf-8"))
    for key, value in (defaults or {}).items():
        project["config"][key]["default"] = value
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    stack_config = {
        "aws:region": "eu-west-1",
        "githubRepository": REPOSITORY,
        "githubRepositoryId": REPOSITORY_ID,
        "githubOwnerId": OWNER_ID,
        "githubSubjectPrefix": SUBJECT_PREFIXES[form],
        **config,
    }
    stack_config = {key: value for key, value in stack_config.items() if value is not None}
    (tmp_path / "Pulumi.account.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    return run_stack(
        "account",
        BootstrapMocks(region="eu-west-1", account_id=ACCOUNT),
        root=tmp_path,
        program_dir=BOOTSTRAP,
    )


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    return plan_bootstrap(tmp_path)
