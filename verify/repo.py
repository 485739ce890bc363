"""What this repository says should exist: settings from the stack, bootstrap and policy config
files, and the policy documents the program and the bootstrap build (the reviewed documents).

The bootstrap's package (bootstrap/comments_bootstrap) is imported the way its Pulumi programs
import it, from bootstrap/ on the path; its functions are wrapped here with their types.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
for _directory in (REPO_ROOT / "infra", REPO_ROOT / "bootstrap"):
    if str(_directory) not in sys.path:
        sys.path.insert(0, str(_directory))

from comments_infra import monitoring, service  # noqa: E402
from comments_infra.operations import parse_operations  # noqa: E402
from comments_infra.settings import ServiceSettings, parse_settings  # noqa: E402
from tooling.offline_runner import load_stack_config  # noqa: E402

Document = dict[str, Any]
BOOTSTRAP_PROJECT = REPO_ROOT / "bootstrap" / "Pulumi.yaml"
GITHUB_PROJECT = REPO_ROOT / "bootstrap" / "github" / "Pulumi.yaml"
POLICY_CONFIG = REPO_ROOT / "policy" / "config"


def _documents() -> Any:
    return importlib.import_module("comments_bootstrap.documents")


def _github_settings() -> Any:
    return importlib.import_module("comments_bootstrap.github_settings")


class SettingsError(Exception):
    """A settings file is missing or invalid; the message says which."""


def _project_config(project_file: Path, stack_file: Path | None) -> dict[str, Any]:
    """Declared defaults of a Pulumi project, overlaid with a stack file's values (keys with or
    without the project's namespace)."""
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    name = project["name"]
    values: dict[str, Any] = {
        key: spec.get("default")
        for key, spec in (project.get("config") or {}).items()
        if isinstance(spec, dict) and "default" in spec
    }
    if stack_file is not None:
        if not stack_file.is_file():
            raise SettingsError(f"{stack_file.relative_to(REPO_ROOT)} not found")
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
        for key, value in (document.get("config") or {}).items():
            namespace, _, short = str(key).rpartition(":")
            if namespace in ("", name):
                values[short] = value
    return values


@dataclass(frozen=True)
class BootstrapSettings:
    """The AWS bootstrap's settings for the account (bootstrap/Pulumi.yaml and a stack file)."""

    environments: tuple[str, ...]
    resource_prefix: str
    stack_project: str
    oidc_provider_arn: str
    create_state_bucket: bool
    manage_apigateway_account: bool
    data_protected_environments: tuple[str, ...]
    protected_tables: Mapping[str, str]
    allowed_tag_keys: tuple[str, ...]
    github_repository_id: str
    github_owner_id: str
    github_subject_prefix: str


def bootstrap_settings(stack: str | None = None) -> BootstrapSettings:
    stack_file = REPO_ROOT / "bootstrap" / f"Pulumi.{stack}.yaml" if stack else None
    values = _project_config(BOOTSTRAP_PROJECT, stack_file)
    return BootstrapSettings(
        environments=tuple(values["environments"]),
        resource_prefix=str(values["resourcePrefix"]),
        stack_project=str(values["stackProject"]),
        oidc_provider_arn=str(values["oidcProviderArn"]),
        create_state_bucket=bool(values["createStateBucket"]),
        manage_apigateway_account=bool(values["manageApiGatewayAccount"]),
        data_protected_environments=tuple(values["dataProtectedEnvironments"]),
        protected_tables=dict(values.get("protectedTables") or {}),
        allowed_tag_keys=tuple(values["allowedTagKeys"]),
        github_repository_id=str(values.get("githubRepositoryId") or ""),
        github_owner_id=str(values.get("githubOwnerId") or ""),
        github_subject_prefix=str(values.get("githubSubjectPrefix") or ""),
    )


@dataclass(frozen=True)
class GitHubSettings:
    """What bootstrap/github sets: its config (bootstrap/github/Pulumi.yaml and a stack file)
    and what it derives from the workflow files."""

    reviewed_environments: tuple[str, ...]
    reviewer_users: tuple[int, ...]
    reviewer_teams: tuple[int, ...]
    reviewers_known: bool
    """False when no stack file names the reviewers: only their presence can be checked."""
    required_approvals: int
    required_checks: tuple[str, ...]
    allowed_actions: tuple[str, ...]
    subject_claim_keys: tuple[str, ...]
    preview_stacks: tuple[str, ...]
    actions_app_id: int
    main: str


def github_settings(stack: str | None = None) -> GitHubSettings:
    stack_file = REPO_ROOT / "bootstrap" / "github" / f"Pulumi.{stack}.yaml" if stack else None
    values = _project_config(GITHUB_PROJECT, stack_file)
    module = _github_settings()
    workflow = module.load_workflow()
    return GitHubSettings(
        reviewed_environments=tuple(values["reviewedEnvironments"]),
        reviewer_users=tuple(int(v) for v in values["reviewerUsers"]),
        reviewer_teams=tuple(int(v) for v in values["reviewerTeams"]),
        reviewers_known=stack_file is not None,
        required_approvals=int(values["requiredApprovals"]),
        required_checks=tuple(str(c) for c in module.check_names(workflow)),
        allowed_actions=tuple(f"{a}@*" for a in module.workflow_actions()),
        subject_claim_keys=tuple(_documents().SUBJECT_CLAIM_KEYS),
        preview_stacks=tuple(str(s) for s in module.preview_stacks(workflow)),
        actions_app_id=int(module.GITHUB_ACTIONS_APP_ID),
        main=str(module.MAIN),
    )


@dataclass(frozen=True)
class StackSettings:
    """One stack's settings (environments/Pulumi.<stack>.yaml) and its policy config."""

    stack: str
    region: str
    allowed_account_ids: tuple[str, ...]
    service: ServiceSettings
    monthly_budget_usd: int
    policy_config: Mapping[str, Any]

    @property
    def service_name(self) -> str:
        """The CommentsService's name, the prefix of every physical name (infra/__main__.py)."""
        return f"comments-{self.stack}"

    def enforcement(self, policy: str) -> str:
        """A policy's enforcement level in the policy config ("all" for those not listed)."""
        value = self.policy_config.get(policy)
        default = str(self.policy_config.get("all", "advisory"))
        if isinstance(value, str):
            return value
        if isinstance(value, Mapping):
            return str(value.get("enforcementLevel", default))
        return default

    def parameter(self, policy: str, key: str) -> float | None:
        value = self.policy_config.get(policy)
        number = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            return None
        return float(number)


def stack_settings(stack: str) -> StackSettings:
    """Raises tooling.offline_runner.StackConfigError for a stack that does not exist."""
    config = load_stack_config(stack)

    def raw(name: str) -> str | None:
        return config.get(f"comments:{name}")

    settings = parse_settings(raw)
    operations = parse_operations(raw, settings)
    policy_file = POLICY_CONFIG / f"{stack}.json"
    if not policy_file.is_file():
        raise SettingsError(f"{policy_file.relative_to(REPO_ROOT)} not found")
    allowed = json.loads(config.get("aws:allowedAccountIds", "[]"))
    return StackSettings(
        stack=stack,
        region=config.get("aws:region", "us-east-1"),
        allowed_account_ids=tuple(str(a) for a in allowed),
        service=settings,
        monthly_budget_usd=operations.monthly_budget_usd,
        policy_config=json.loads(policy_file.read_text(encoding="utf-8")),
    )


# -- the reviewed documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What the bootstrap's documents are built from, for one environment of one account."""

    partition: str
    account_id: str
    region: str
    environment: str
    bootstrap: BootstrapSettings
    secrets_key_arn: str | None
    dynamodb_key_arn: str

    @property
    def state_bucket(self) -> str | None:
        if not self.bootstrap.create_state_bucket:
            return None
        return f"{self.bootstrap.stack_project}-pulumi-state-{self.account_id}-{self.region}"

    def scope(self, environment: str | None = None) -> Any:
        env = environment or self.environment
        return _documents().Scope(
            partition=self.partition,
            account_id=self.account_id,
            region=self.region,
            environment=env,
            resource_prefix=self.bootstrap.resource_prefix,
            stack_project=self.bootstrap.stack_project,
            state_bucket=self.state_bucket,
            secrets_key_arn=self.secrets_key_arn if env == self.environment else None,
            data_protected=env in self.bootstrap.data_protected_environments,
            allowed_tag_keys=self.bootstrap.allowed_tag_keys,
            dynamodb_key_arn=self.dynamodb_key_arn,
        )

    @property
    def oidc_provider_arn(self) -> str:
        if self.bootstrap.oidc_provider_arn:
            return self.bootstrap.oidc_provider_arn
        host = _documents().GITHUB_OIDC_HOST
        return f"arn:{self.partition}:iam::{self.account_id}:oidc-provider/{host}"

    def role_arn(self, kind: str) -> str:
        """A pipeline role of the bootstrap: deploy, preview, break-glass, apigateway-logging."""
        project, env = self.bootstrap.stack_project, self.environment
        name = f"{project}-{kind}-{env}" if kind in ("deploy", "preview") else f"{project}-{kind}"
        path = _documents().PIPELINE_PATH
        return f"arn:{self.partition}:iam::{self.account_id}:role{path}{name}"

    @property
    def boundary_arn(self) -> str:
        return str(self.scope().boundary_arn)


def deploy_policy(scope: Scope) -> Document:
    return cast(Document, _documents().deploy_policy(scope.scope()))


def preview_policy(scope: Scope) -> Document:
    return cast(Document, _documents().preview_policy(scope.scope()))


def boundary_policy(scope: Scope) -> Document:
    return cast(Document, _documents().boundary_policy(scope.scope()))


@dataclass(frozen=True)
class RepositoryIdentity:
    """The repository as the OIDC subjects name it: owner/name, GitHub's ids, and the `repo`
    segment GitHub sends (`sub_claim_prefix`; empty: the name form)."""

    name: str
    repository_id: str
    owner_id: str
    subject_prefix: str


def _subjects(kind: str, identity: RepositoryIdentity, environment: str) -> list[str]:
    """The `sub` claims the bootstrap's `kind` role trusts, in the form the subject prefix is in
    (githubSubjectPrefix with githubOwnerId and githubRepositoryId, as the bootstrap takes them):
    no prefix, or one in neither form for these ids, builds no document rather than guessing."""
    documents = _documents()
    subjects = getattr(documents, f"{kind}_subjects")
    where = f"{identity.name} (id {identity.repository_id!r}, owner id {identity.owner_id!r})"
    if not identity.subject_prefix:
        raise ValueError(
            f"no subject prefix for {where}: the bootstrap's githubSubjectPrefix or GitHub's "
            "sub_claim_prefix says which form the roles trust"
        )
    forms = [
        form
        for form in documents.SUBJECT_FORMS
        if documents.subject_prefix(identity.name, identity.owner_id, identity.repository_id, form)
        == identity.subject_prefix
    ]
    if not forms:
        raise ValueError(
            f"the subject prefix {identity.subject_prefix!r} is in no form the bootstrap knows "
            f"for {where}"
        )
    github_repository = documents.GitHubRepository(
        identity.name, identity.repository_id, identity.owner_id, forms[0]
    )
    return list(subjects(github_repository, environment))


def deploy_trust(scope: Scope, identity: RepositoryIdentity) -> Document:
    subjects = _subjects("deploy", identity, scope.environment)
    return cast(Document, _documents().github_trust_policy(scope.oidc_provider_arn, subjects))


def preview_trust(scope: Scope, identity: RepositoryIdentity) -> Document:
    subjects = _subjects("preview", identity, scope.environment)
    return cast(Document, _documents().github_trust_policy(scope.oidc_provider_arn, subjects))


def protected_environments(scope: Scope) -> list[str]:
    bootstrap = scope.bootstrap
    return [e for e in bootstrap.environments if e in bootstrap.data_protected_environments]


def break_glass_policy(scope: Scope) -> Document:
    scopes = [scope.scope(env) for env in protected_environments(scope)]
    return cast(Document, _documents().break_glass_policy(scopes))


def break_glass_trust(scope: Scope) -> Document:
    return cast(Document, _documents().break_glass_trust_policy(scope.account_id, scope.partition))


def table_resource_policy(scope: Scope, table_arn: str) -> Document:
    return cast(Document, _documents().table_resource_policy(scope.scope(), table_arn))


def apigateway_logging_policy(scope: Scope) -> Document:
    return cast(
        Document,
        _documents().apigateway_logging_policy(
            scope.partition, scope.account_id, scope.region, scope.bootstrap.resource_prefix
        ),
    )


def apigateway_logging_trust(scope: Scope) -> Document:
    return cast(Document, _documents().apigateway_logging_trust_policy(scope.account_id))


def state_bucket_policy(scope: Scope, bucket: str) -> Document:
    return cast(Document, _documents().state_bucket_policy(scope.partition, bucket))


def secrets_key_policy(scope: Scope) -> Document:
    return cast(Document, _documents().secrets_key_policy(scope.account_id, scope.partition))


def integration_access(table_arn: str, settings: StackSettings) -> Document:
    text = service.integration_access_policy(table_arn, settings.service.pre_moderation)
    return cast(Document, json.loads(text))


def integration_trust(account_id: str) -> Document:
    return cast(Document, json.loads(service.integration_trust_policy(account_id)))


def moderator_access(execution_arn: str, stage: str, settings: StackSettings) -> Document:
    text = service.moderator_access_policy(execution_arn, stage, settings.service.pre_moderation)
    return cast(Document, json.loads(text))


def moderator_trust(account_id: str) -> Document:
    return cast(Document, json.loads(service.moderator_trust_policy(account_id)))


def topic_policy(topic_arn: str, account_id: str, region: str, settings: StackSettings) -> Document:
    text = monitoring.topic_policy(topic_arn, account_id, region, settings.service_name)
    return cast(Document, json.loads(text))


def alarm_names(settings: StackSettings) -> list[str]:
    """The alarms every stack has (infra's monitoring.py), by their physical names."""
    return [f"{settings.service_name}-{alarm.suffix}" for alarm in monitoring.ALARMS]


def budget_name(settings: StackSettings) -> str:
    return f"{settings.service_name}-monthly"
