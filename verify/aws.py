"""The AWS account read back: IAM simulation of the four roles, Access Analyzer on every policy
document the program and the bootstrap create, and the deployed stack against its policy config.

Every call is a read (verify/cases.py, AWS_READS). A call the credentials may not make, or that
fails, leaves its check "not run" with the error; it never passes.
"""

from __future__ import annotations

import json
import string
import subprocess
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from verify import cases, repo
from verify.cases import Case
from verify.report import Check, failed, from_problems, not_run, passed

Clients = Callable[[str], Any]
"""service name -> a botocore client of the stack's region."""


class Unavailable(Exception):
    """A value or call the kit needs could not be had; the message says why."""


class Mismatch(Exception):
    """What is deployed is not in the form the repository builds (a FAIL, not a not-run)."""


def call(client: Any, operation: str, **params: Any) -> Any:
    """One API call; a refusal or error becomes Unavailable naming the call."""
    try:
        return getattr(client, operation)(**params)
    except ClientError as error:
        info = error.response.get("Error", {})
        code = info.get("Code", "Error")
        message = info.get("Message", "")
        raise Unavailable(f"{operation}: {code}: {message}".rstrip(": ")) from None
    except BotoCoreError as error:
        raise Unavailable(f"{operation}: {error}") from None


def error_code(operation: Callable[[], Any]) -> str | None:
    """Run `operation`; the ClientError code it raised, or None."""
    try:
        operation()
    except ClientError as error:
        return str(error.response.get("Error", {}).get("Code", "Error"))
    return None


@dataclass(frozen=True)
class Missing:
    """A value the kit could not resolve, and why."""

    reason: str


Value = str | Missing


def _value(produce: Callable[[], str]) -> Value:
    try:
        return produce()
    except Unavailable as error:
        return Missing(str(error))


@dataclass
class Account:
    """The account the credentials reach and what the checks are built from."""

    partition: str
    account_id: str
    region: str
    caller_arn: str
    environment: str
    other_environment: str
    settings: repo.StackSettings
    bootstrap: repo.BootstrapSettings
    values: dict[str, Value] = field(default_factory=dict)
    outputs: Mapping[str, Any] | Missing = field(default_factory=lambda: Missing("not read"))
    integration_role_arn: Value = field(default_factory=lambda: Missing("not read"))

    @property
    def conditions(self) -> frozenset[str]:
        protected = self.environment in self.bootstrap.data_protected_environments
        pre = self.settings.service.pre_moderation
        found = {
            cases.PROTECTED if protected else cases.UNPROTECTED,
            cases.PRE_MODERATION if pre else cases.POST_MODERATION,
        }
        if self.bootstrap.create_state_bucket:
            found.add(cases.STATE_BUCKET)
        return frozenset(found)

    def scope(self) -> repo.Scope:
        """The bootstrap's scope of this environment, with the key ARNs it names."""
        secrets_key = self.value("env_key") if self.bootstrap.create_state_bucket else None
        return repo.Scope(
            partition=self.partition,
            account_id=self.account_id,
            region=self.region,
            environment=self.environment,
            bootstrap=self.bootstrap,
            secrets_key_arn=secrets_key,
            dynamodb_key_arn=self.value("dynamodb_key"),
        )

    def names(self) -> repo.Scope:
        """The same scope for names only (roles, boundary): no key ARN needed."""
        return repo.Scope(
            partition=self.partition,
            account_id=self.account_id,
            region=self.region,
            environment=self.environment,
            bootstrap=self.bootstrap,
            secrets_key_arn=None,
            dynamodb_key_arn="",
        )

    def value(self, name: str) -> str:
        found = self.values.get(name, Missing(f"no value for {{{name}}}"))
        if isinstance(found, Missing):
            raise Unavailable(found.reason)
        return found

    def output(self, name: str) -> str:
        if isinstance(self.outputs, Missing):
            raise Unavailable(self.outputs.reason)
        found = self.outputs.get(name)
        if not isinstance(found, str) or not found:
            raise Unavailable(f"the stack has no {name!r} output")
        return found

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        return f"arn:{self.partition}:{service}:{where}:{self.account_id}:{resource}"


def other_environment(environment: str, environments: Sequence[str]) -> str:
    """The environment the escalation attempts aim at, as the bootstrap tests pair them."""
    preferred = "dev" if environment == "prod" else "prod"
    if preferred != environment:
        return preferred
    others = [e for e in environments if e != environment]
    return others[0] if others else f"not-{environment}"


def stack_outputs(stack: str, outputs_file: str | None) -> Mapping[str, Any] | Missing:
    """The stack's outputs from a file (`pulumi stack output --json`) or the Pulumi CLI."""
    if outputs_file:
        try:
            with open(outputs_file, encoding="utf-8") as handle:
                loaded = json.load(handle)
        except (OSError, ValueError) as error:
            return Missing(f"cannot read --outputs {outputs_file}: {error}")
        if not isinstance(loaded, dict):
            return Missing(f"--outputs {outputs_file}: not a JSON object")
        return loaded
    command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        result = subprocess.run(  # noqa: S603 - the Pulumi CLI, fixed argv, no shell
            command, cwd=repo.REPO_ROOT, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return Missing("no stack outputs: the Pulumi CLI is not installed (or pass --outputs)")
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or ["no output"]
        return Missing(f"no stack outputs: pulumi stack output failed: {lines[-1]}")
    loaded = json.loads(result.stdout or "{}")
    return loaded if isinstance(loaded, dict) else Missing("pulumi stack output: not an object")


def _key_arn(clients: Clients, alias: str) -> str:
    return str(call(clients("kms"), "describe_key", KeyId=alias)["KeyMetadata"]["Arn"])


def _integration_role(clients: Clients, api_id: str) -> str:
    """The role the API's integrations run as (each method's integration credentials)."""
    client = clients("apigateway")
    roles: set[str] = set()
    position: str | None = None
    while True:
        params: dict[str, Any] = {"restApiId": api_id, "embed": ["methods"], "limit": 500}
        if position:
            params["position"] = position
        page = call(client, "get_resources", **params)
        for item in page.get("items", []):
            for method in (item.get("resourceMethods") or {}).values():
                credentials = (method.get("methodIntegration") or {}).get("credentials")
                if credentials:
                    roles.add(str(credentials))
        position = page.get("position")
        if not position:
            break
    if len(roles) != 1:
        raise Unavailable(f"the API's integrations run as {len(roles)} roles: {sorted(roles)}")
    return roles.pop()


def resolve(
    clients: Clients,
    settings: repo.StackSettings,
    bootstrap: repo.BootstrapSettings,
    outputs: Mapping[str, Any] | Missing,
) -> Account:
    """Who the credentials are and every value the checks' templates name."""
    identity = call(clients("sts"), "get_caller_identity")
    caller_arn = str(identity["Arn"])
    env = settings.stack
    account = Account(
        partition=caller_arn.split(":")[1],
        account_id=str(identity["Account"]),
        region=settings.region,
        caller_arn=caller_arn,
        environment=env,
        other_environment=other_environment(env, bootstrap.environments),
        settings=settings,
        bootstrap=bootstrap,
        outputs=outputs,
    )
    project = bootstrap.stack_project
    values: dict[str, Value] = {
        "partition": account.partition,
        "account": account.account_id,
        "region": account.region,
        "env": env,
        "other": account.other_environment,
        "prefix": bootstrap.resource_prefix,
        "project": project,
    }
    values["dynamodb_key"] = _value(lambda: _key_arn(clients, "alias/aws/dynamodb"))
    if bootstrap.create_state_bucket:
        values["bucket"] = f"{project}-pulumi-state-{account.account_id}-{account.region}"
        values["env_key"] = _value(lambda: _key_arn(clients, f"alias/{project}-{env}-secrets"))
        other = _value(
            lambda: _key_arn(clients, f"alias/{project}-{account.other_environment}-secrets")
        )
        # The other environment may live in another account: any key ARN the policy does not
        # name stands for it (the attempt is refused unless the policy grants keys broadly).
        values["other_key"] = (
            other
            if isinstance(other, str)
            else account.arn("kms", f"key/{account.other_environment}-secrets-key")
        )
    values["table"] = _value(
        lambda: account.arn("dynamodb", f"table/{account.output('tableName')}")
    )
    values["api"] = _value(lambda: account.arn("execute-api", account.output("apiId")))
    values["stage"] = _value(lambda: account.output("stageName"))
    values["topic"] = _value(lambda: account.output("alarmTopicArn"))
    account.values = values
    account.integration_role_arn = _value(
        lambda: _integration_role(clients, account.output("apiId"))
    )
    return account


# -- filling a case's templates -------------------------------------------------------------------

_FORMATTER = string.Formatter()


def fill(template: str, account: Account) -> str:
    """`template` with every `{name}` replaced; Unavailable names the first missing value."""
    names = [name for _, name, _, _ in _FORMATTER.parse(template) if name]
    return template.format(**{name: account.value(name) for name in names})


@dataclass(frozen=True)
class Simulation:
    """One SimulatePrincipalPolicy request, as the kit sends it."""

    case: Case
    action: str
    resource: str
    context_entries: tuple[Mapping[str, Any], ...]

    def params(self, role_arn: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "PolicySourceArn": role_arn,
            "ActionNames": [self.action],
            "ResourceArns": [self.resource],
        }
        if self.context_entries:
            params["ContextEntries"] = [dict(entry) for entry in self.context_entries]
        return params


def simulation(case: Case, account: Account) -> Simulation:
    entries: list[dict[str, Any]] = []
    for key, raw in sorted(case.context.items()):
        if isinstance(raw, tuple):
            values: list[str] = []
            for item in raw:
                if item == "{tag_keys}":
                    values.extend(account.bootstrap.allowed_tag_keys)
                else:
                    values.append(fill(item, account))
            entries.append(
                {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": "stringList"}
            )
        else:
            entries.append(
                {
                    "ContextKeyName": key,
                    "ContextKeyValues": [fill(raw, account)],
                    "ContextKeyType": "string",
                }
            )
    return Simulation(
        case, fill(case.action, account), fill(case.resource, account), tuple(entries)
    )


def role_arn(kind: str, account: Account) -> str:
    """The ARN of the role `kind` (deploy, preview, integration, moderator) of the stack."""
    if kind in ("deploy", "preview"):
        return account.names().role_arn(kind)
    if kind == "integration":
        if isinstance(account.integration_role_arn, Missing):
            raise Unavailable(account.integration_role_arn.reason)
        return account.integration_role_arn
    return account.output("moderatorRoleArn")


@dataclass(frozen=True)
class RoleCheck:
    """One row of the simulation: a role, what it must do, and the requests that show it."""

    name: str
    kind: str
    expect_allowed: bool
    applicable: tuple[Case, ...]


def role_checks(account: Account) -> list[RoleCheck]:
    """The simulation rows for this stack, each with the cases that apply to it."""
    rows = []
    for kind, description, group, expect_allowed in cases.ROLE_CASES:
        applicable = tuple(c for c in group if c.when <= account.conditions)
        if applicable:
            rows.append(
                RoleCheck(f"iam: {kind} role {description}", kind, expect_allowed, applicable)
            )
    return rows


def planned_simulations(account: Account) -> Iterator[tuple[RoleCheck, str, Simulation]]:
    """Every simulation the IAM checks send, in order (the role ARN and the request); rows or
    cases whose values are missing are left out (those rows report them as not run)."""
    for row in role_checks(account):
        try:
            arn = role_arn(row.kind, account)
        except Unavailable:
            continue
        for case in row.applicable:
            try:
                yield row, arn, simulation(case, account)
            except Unavailable:
                continue


def _decision(client: Any, role: str, request: Simulation) -> tuple[str, list[str]]:
    result = call(client, "simulate_principal_policy", **request.params(role))
    (evaluation,) = result["EvaluationResults"]
    return str(evaluation["EvalDecision"]), list(evaluation.get("MissingContextValues", []))


def iam_checks(clients: Clients, account: Account) -> list[Check]:
    client = clients("iam")
    checks: list[Check] = []
    for row in role_checks(account):
        try:
            arn = role_arn(row.kind, account)
        except Unavailable as error:
            checks.append(not_run(row.name, f"no {row.kind} role ARN: {error}"))
            continue
        problems: list[str] = []
        unrun: list[str] = []
        for case in row.applicable:
            try:
                request = simulation(case, account)
                decision, missing = _decision(client, arn, request)
            except Unavailable as error:
                unrun.append(f"{case.name}: {error}")
                continue
            if (decision == "allowed") != row.expect_allowed:
                why = f" (missing context: {', '.join(missing)})" if missing else ""
                problems.append(
                    f"{case.name}: {request.action} on {request.resource} was {decision}{why}"
                )
        verb = "allowed" if row.expect_allowed else "refused"
        ok = f"{len(row.applicable)} of {len(row.applicable)} {verb} ({arn})"
        checks.append(from_problems(row.name, problems, ok, unrun))
    return checks


def boundary_check(clients: Clients, account: Account) -> list[Check]:
    """The roles the stack creates carry the environment's permissions boundary."""
    name = "iam: integration and moderator roles carry the boundary"
    if not account.settings.service.integration_role_boundary:
        return []
    try:
        expected = account.names().boundary_arn
        roles = [role_arn("integration", account), role_arn("moderator", account)]
    except Unavailable as error:
        return [not_run(name, str(error))]
    problems, unrun = [], []
    for arn in roles:
        try:
            role = call(clients("iam"), "get_role", RoleName=arn.rsplit("/", 1)[1])["Role"]
        except Unavailable as error:
            unrun.append(str(error))
            continue
        found = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if found != expected:
            problems.append(f"{arn}: boundary {found or 'none'}, not {expected}")
    return [from_problems(name, problems, f"both carry {expected}", unrun)]


# -- Access Analyzer ------------------------------------------------------------------------------

IDENTITY = "IDENTITY_POLICY"
RESOURCE = "RESOURCE_POLICY"
TRUST = "AWS::IAM::AssumeRolePolicyDocument"


@dataclass(frozen=True)
class Reviewed:
    """A policy document the repository builds, and how to read the deployed one."""

    name: str
    policy_type: str
    resource_type: str | None
    build: Callable[[], repo.Document]
    deployed: Callable[[], repo.Document]
    source: str
    """Where the deployed document is read: inline, trust, managed, table, bucket, key, topic."""


def _document(value: Any) -> repo.Document:
    """A policy document as IAM returns it: parsed already, URL-encoded JSON, or JSON."""
    if isinstance(value, dict):
        return value
    text = str(value)
    if text.startswith("%7B") or text.startswith("%7b"):
        text = urllib.parse.unquote(text)
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        raise Mismatch("the deployed policy is not a JSON object")
    return parsed


def _role_name(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


def inline_policy(clients: Clients, arn: str) -> repo.Document:
    """A role's one inline policy; any other inline or managed policy is a mismatch."""
    client = clients("iam")
    name = _role_name(arn)
    names = call(client, "list_role_policies", RoleName=name)["PolicyNames"]
    attached = call(client, "list_attached_role_policies", RoleName=name)["AttachedPolicies"]
    if attached:
        arns = sorted(p["PolicyArn"] for p in attached)
        raise Mismatch(f"{name} has managed policies attached: {arns}")
    if len(names) != 1:
        raise Mismatch(f"{name} has {len(names)} inline policies, not one: {sorted(names)}")
    policy = call(client, "get_role_policy", RoleName=name, PolicyName=names[0])
    return _document(policy["PolicyDocument"])


def trust_policy(clients: Clients, arn: str) -> repo.Document:
    role = call(clients("iam"), "get_role", RoleName=_role_name(arn))["Role"]
    return _document(role["AssumeRolePolicyDocument"])


def managed_policy(clients: Clients, arn: str) -> repo.Document:
    client = clients("iam")
    version = call(client, "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
    found = call(client, "get_policy_version", PolicyArn=arn, VersionId=version)
    return _document(found["PolicyVersion"]["Document"])


def reviewed_documents(
    clients: Clients, account: Account, identity: repo.RepositoryIdentity | Missing
) -> list[Reviewed]:
    """Every policy document of this stack and of the bootstrap of its account."""
    scope = account.scope
    names = account.names
    bootstrap = account.bootstrap
    env = account.environment

    def repository() -> repo.RepositoryIdentity:
        if isinstance(identity, Missing):
            raise Unavailable(f"the repository's ids and subject prefix: {identity.reason}")
        return identity

    def pipeline(kind: str) -> str:
        return account.names().role_arn(kind)

    documents = [
        Reviewed(
            f"deploy role policy ({env})",
            IDENTITY,
            None,
            lambda: repo.deploy_policy(scope()),
            lambda: inline_policy(clients, pipeline("deploy")),
            "inline",
        ),
        Reviewed(
            f"deploy role trust ({env})",
            RESOURCE,
            TRUST,
            lambda: repo.deploy_trust(names(), repository()),
            lambda: trust_policy(clients, pipeline("deploy")),
            "trust",
        ),
        Reviewed(
            f"preview role policy ({env})",
            IDENTITY,
            None,
            lambda: repo.preview_policy(scope()),
            lambda: inline_policy(clients, pipeline("preview")),
            "inline",
        ),
        Reviewed(
            f"preview role trust ({env})",
            RESOURCE,
            TRUST,
            lambda: repo.preview_trust(names(), repository()),
            lambda: trust_policy(clients, pipeline("preview")),
            "trust",
        ),
        Reviewed(
            f"integration boundary ({env})",
            IDENTITY,
            None,
            lambda: repo.boundary_policy(names()),
            lambda: managed_policy(clients, account.names().boundary_arn),
            "managed",
        ),
    ]
    if repo.protected_environments(account.names()):
        documents += [
            Reviewed(
                "break-glass role policy",
                IDENTITY,
                None,
                lambda: repo.break_glass_policy(names()),
                lambda: inline_policy(clients, pipeline("break-glass")),
                "inline",
            ),
            Reviewed(
                "break-glass role trust",
                RESOURCE,
                TRUST,
                lambda: repo.break_glass_trust(names()),
                lambda: trust_policy(clients, pipeline("break-glass")),
                "trust",
            ),
        ]
    table_name = bootstrap.protected_tables.get(env)
    if table_name:
        table_arn = account.arn("dynamodb", f"table/{table_name}")
        documents.append(
            Reviewed(
                f"table resource policy ({table_name})",
                RESOURCE,
                "AWS::DynamoDB::Table",
                lambda: repo.table_resource_policy(names(), table_arn),
                lambda: _document(
                    call(clients("dynamodb"), "get_resource_policy", ResourceArn=table_arn)[
                        "Policy"
                    ]
                ),
                "table",
            )
        )
    if bootstrap.manage_apigateway_account:
        documents += [
            Reviewed(
                "API Gateway logging role policy",
                IDENTITY,
                None,
                lambda: repo.apigateway_logging_policy(names()),
                lambda: inline_policy(clients, pipeline("apigateway-logging")),
                "inline",
            ),
            Reviewed(
                "API Gateway logging role trust",
                RESOURCE,
                TRUST,
                lambda: repo.apigateway_logging_trust(names()),
                lambda: trust_policy(clients, pipeline("apigateway-logging")),
                "trust",
            ),
        ]
    if bootstrap.create_state_bucket:
        documents += [
            Reviewed(
                "state bucket policy",
                RESOURCE,
                "AWS::S3::Bucket",
                lambda: repo.state_bucket_policy(names(), account.value("bucket")),
                lambda: _document(
                    call(clients("s3"), "get_bucket_policy", Bucket=account.value("bucket"))[
                        "Policy"
                    ]
                ),
                "bucket",
            ),
            Reviewed(
                f"secrets key policy ({env})",
                RESOURCE,
                None,
                lambda: repo.secrets_key_policy(names()),
                lambda: _document(
                    call(
                        clients("kms"),
                        "get_key_policy",
                        KeyId=account.value("env_key"),
                        PolicyName="default",
                    )["Policy"]
                ),
                "key",
            ),
        ]
    settings = account.settings
    documents += [
        Reviewed(
            "integration role policy",
            IDENTITY,
            None,
            lambda: repo.integration_access(account.value("table"), settings),
            lambda: inline_policy(clients, role_arn("integration", account)),
            "inline",
        ),
        Reviewed(
            "integration role trust",
            RESOURCE,
            TRUST,
            lambda: repo.integration_trust(account.account_id),
            lambda: trust_policy(clients, role_arn("integration", account)),
            "trust",
        ),
        Reviewed(
            "moderator role policy",
            IDENTITY,
            None,
            lambda: repo.moderator_access(account.value("api"), account.value("stage"), settings),
            lambda: inline_policy(clients, role_arn("moderator", account)),
            "inline",
        ),
        Reviewed(
            "moderator role trust",
            RESOURCE,
            TRUST,
            lambda: repo.moderator_trust(account.account_id),
            lambda: trust_policy(clients, role_arn("moderator", account)),
            "trust",
        ),
        Reviewed(
            "alarm topic policy",
            RESOURCE,
            None,
            lambda: repo.topic_policy(
                account.value("topic"), account.account_id, account.region, settings
            ),
            lambda: _document(
                call(clients("sns"), "get_topic_attributes", TopicArn=account.value("topic"))[
                    "Attributes"
                ]["Policy"]
            ),
            "topic",
        ),
    ]
    return documents


def _validate(client: Any, document: Reviewed, built: repo.Document) -> list[str]:
    params: dict[str, Any] = {
        "policyDocument": json.dumps(built),
        "policyType": document.policy_type,
    }
    if document.resource_type:
        params["validatePolicyResourceType"] = document.resource_type
    problems = []
    while True:
        page = call(client, "validate_policy", **params)
        for finding in page.get("findings", []):
            if finding["findingType"] in ("ERROR", "SECURITY_WARNING"):
                problems.append(
                    f"{finding['findingType']} {finding['issueCode']}: {finding['findingDetails']}"
                )
        token = page.get("nextToken")
        if not token:
            return problems
        params["nextToken"] = token


def analyzer_checks(clients: Clients, documents: Sequence[Reviewed]) -> list[Check]:
    client = clients("accessanalyzer")
    checks: list[Check] = []
    for document in documents:
        validate = f"analyzer: {document.name} validates"
        compare = f"analyzer: {document.name} deployed grants no new access"
        try:
            built = document.build()
        except (Unavailable, ValueError) as error:
            reason = f"cannot build the reviewed document: {error}"
            checks += [not_run(validate, reason), not_run(compare, reason)]
            continue
        try:
            problems = _validate(client, document, built)
            checks.append(from_problems(validate, problems, "no errors, no security warnings"))
        except Unavailable as error:
            checks.append(not_run(validate, str(error)))
        checks.append(_no_new_access(client, compare, document, built))
    return checks


def _no_new_access(client: Any, name: str, document: Reviewed, built: repo.Document) -> Check:
    try:
        deployed = document.deployed()
    except Mismatch as error:
        return failed(name, str(error))
    except Unavailable as error:
        return not_run(name, f"cannot read the deployed document: {error}")
    try:
        result = call(
            client,
            "check_no_new_access",
            newPolicyDocument=json.dumps(deployed),
            existingPolicyDocument=json.dumps(built),
            policyType=document.policy_type,
        )
    except Unavailable as error:
        return not_run(name, str(error))
    if result["result"] == "PASS":
        return passed(name, "the deployed document grants nothing the reviewed one does not")
    reasons = "; ".join(str(r.get("description", r)) for r in result.get("reasons", [])) or str(
        result.get("message", "")
    )
    return failed(name, f"deployed grants new access: {reasons}")


# -- the deployed stack against the policy config -------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def throttling_check(clients: Clients, account: Account) -> Check:
    name = "stack: stage throttling within the policy config's caps"
    policy = "apigateway-throttling-within-caps"
    settings = account.settings
    caps = {
        "throttlingRateLimit": settings.parameter(policy, "maxRateLimit"),
        "throttlingBurstLimit": settings.parameter(policy, "maxBurstLimit"),
    }
    if None in caps.values():
        return not_run(name, f"policy/config/{settings.stack}.json has no {policy} caps")
    try:
        stage = call(
            clients("apigateway"),
            "get_stage",
            restApiId=account.output("apiId"),
            stageName=account.output("stageName"),
        )
    except Unavailable as error:
        return not_run(name, str(error))
    methods: Mapping[str, Any] = stage.get("methodSettings") or {}
    problems = []
    if "*/*" not in methods:
        problems.append("no stage-wide '*/*' method settings: the stage gets the account's limits")
    for path, method in sorted(methods.items()):
        for key, cap in caps.items():
            limit = _number(method.get(key))
            if limit is None or limit <= 0:
                problems.append(f"{path} {key} is {method.get(key)} (throttling off)")
            elif cap is not None and limit > cap:
                problems.append(f"{path} {key} is {limit:g}, above the cap of {cap:g}")
    wide = methods.get("*/*", {})
    ok = (
        f"'*/*' rate {wide.get('throttlingRateLimit')} <= {caps['throttlingRateLimit']:g}, "
        f"burst {wide.get('throttlingBurstLimit')} <= {caps['throttlingBurstLimit']:g}"
    )
    return from_problems(name, problems, ok)


def table_check(clients: Clients, account: Account) -> list[Check]:
    protection = "stack: table protection (deletion protection, PITR, SSE)"
    capacity = "stack: table capacity within the policy config's caps"
    try:
        table_name = account.output("tableName")
        client = clients("dynamodb")
        table = call(client, "describe_table", TableName=table_name)["Table"]
        backups = call(client, "describe_continuous_backups", TableName=table_name)
    except Unavailable as error:
        return [not_run(protection, str(error)), not_run(capacity, str(error))]
    settings = account.settings
    required = settings.enforcement("dynamodb-data-protection") == "mandatory"
    deletion = table.get("DeletionProtectionEnabled") is True
    pitr_status = (
        backups["ContinuousBackupsDescription"]
        .get("PointInTimeRecoveryDescription", {})
        .get("PointInTimeRecoveryStatus")
    )
    sse = table.get("SSEDescription") or {}
    problems = []
    if sse.get("Status") != "ENABLED":
        problems.append(f"server-side encryption is {sse.get('Status', 'not KMS')}, not ENABLED")
    if required and not deletion:
        problems.append("deletion protection is off")
    if required and pitr_status != "ENABLED":
        problems.append(f"point-in-time recovery is {pitr_status}")
    observed = (
        f"deletion protection {'on' if deletion else 'off'}, PITR {pitr_status}, "
        f"SSE {sse.get('Status')} ({sse.get('SSEType')}); data protection "
        f"{'required' if required else 'not required'} by policy/config/{settings.stack}.json"
    )
    checks = [from_problems(protection, problems, observed)]

    policy = "dynamodb-provisioned-capacity"
    caps = {
        "ReadCapacityUnits": settings.parameter(policy, "maxReadCapacity"),
        "WriteCapacityUnits": settings.parameter(policy, "maxWriteCapacity"),
    }
    if None in caps.values():
        checks.append(not_run(capacity, f"policy/config/{settings.stack}.json has no {policy}"))
        return checks
    problems = []
    mode = (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if mode != "PROVISIONED":
        problems.append(f"billing mode {mode}: on-demand capacity has no ceiling")
    throughputs = [("table", table.get("ProvisionedThroughput") or {})] + [
        (f"index {index.get('IndexName')}", index.get("ProvisionedThroughput") or {})
        for index in table.get("GlobalSecondaryIndexes", [])
    ]
    for where, throughput in throughputs:
        for key, cap in caps.items():
            units = _number(throughput.get(key))
            if units is None or (cap is not None and units > cap):
                problems.append(f"{where} {key} {throughput.get(key)} above the cap of {cap:g}")
    base = table.get("ProvisionedThroughput") or {}
    ok = (
        f"{base.get('ReadCapacityUnits')} RCU <= {caps['ReadCapacityUnits']:g}, "
        f"{base.get('WriteCapacityUnits')} WCU <= {caps['WriteCapacityUnits']:g}"
    )
    checks.append(from_problems(capacity, problems, ok))
    return checks


def alarms_check(clients: Clients, account: Account) -> Check:
    name = "stack: alarms exist with actions enabled on the stack's topic"
    expected = repo.alarm_names(account.settings)
    try:
        topic = account.output("alarmTopicArn")
        found: dict[str, Any] = {}
        params: dict[str, Any] = {"AlarmNames": expected}
        while True:
            page = call(clients("cloudwatch"), "describe_alarms", **params)
            found.update({alarm["AlarmName"]: alarm for alarm in page.get("MetricAlarms", [])})
            if not page.get("NextToken"):
                break
            params["NextToken"] = page["NextToken"]
    except Unavailable as error:
        return not_run(name, str(error))
    problems = []
    for alarm_name in expected:
        alarm = found.get(alarm_name)
        if alarm is None:
            problems.append(f"{alarm_name} does not exist")
            continue
        if alarm.get("ActionsEnabled") is not True:
            problems.append(f"{alarm_name} has its actions disabled")
        if topic not in alarm.get("AlarmActions", []):
            problems.append(f"{alarm_name} does not notify {topic}")
    return from_problems(name, problems, f"{len(expected)} alarms, actions on, notify {topic}")


def budget_check(clients: Clients, account: Account) -> list[Check]:
    name = "stack: budget limit equals the policy config's"
    settings = account.settings
    if settings.monthly_budget_usd == 0:
        return []
    cap = settings.parameter("dynamodb-monthly-cost-budget", "monthlyBudgetUsd")
    if cap is None:
        return [not_run(name, f"policy/config/{settings.stack}.json has no monthlyBudgetUsd")]
    budget_name = repo.budget_name(settings)
    client = clients("budgets")
    try:
        budget = client.describe_budget(AccountId=account.account_id, BudgetName=budget_name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "NotFoundException":
            return [failed(name, f"no budget named {budget_name}")]
        return [not_run(name, f"describe_budget: {code}: {error.response['Error'].get('Message')}")]
    except BotoCoreError as error:
        return [not_run(name, f"describe_budget: {error}")]
    limit = budget["Budget"].get("BudgetLimit") or {}
    amount = float(limit.get("Amount", "nan"))
    problems = []
    if limit.get("Unit") != "USD":
        problems.append(f"limit unit {limit.get('Unit')}, not USD")
    if amount != cap:
        problems.append(f"limit {amount:g} USD, the policy config's monthlyBudgetUsd is {cap:g}")
    if budget["Budget"].get("TimeUnit") != "MONTHLY":
        problems.append(f"time unit {budget['Budget'].get('TimeUnit')}, not MONTHLY")
    return [from_problems(name, problems, f"{budget_name}: {amount:g} USD a month")]


def stack_checks(clients: Clients, account: Account) -> list[Check]:
    return [
        throttling_check(clients, account),
        *table_check(clients, account),
        alarms_check(clients, account),
        *budget_check(clients, account),
    ]


def account_check(account: Account) -> Check:
    name = "aws: the credentials are for the stack's account"
    allowed = account.settings.allowed_account_ids
    if not allowed:
        return not_run(name, "the stack names no aws:allowedAccountIds")
    if account.account_id not in allowed:
        return failed(
            name,
            f"{account.caller_arn} is in account {account.account_id}; the stack allows {list(allowed)}",
        )
    return passed(name, f"{account.caller_arn} (account {account.account_id})")
