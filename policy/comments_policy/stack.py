"""Rules only the whole stack can check: IAM grants point at this stack's table and at the
signed routes of its own API, through its own roles.

A resource policy sees one resource's inputs; stack policies see every resource with its outputs,
so they can match a RolePolicy's Resource against the Table's `arn` and an integration's
credentials against the Role's `arn`. At preview of a first deploy those outputs are unknown,
but fully determined: `decidable.derived_arn` forms them from the resource's name (Check gave
it), its region and its provider's one account, so the comparison stays exact. The REST API's id
is the one value no preview can know; a document naming it (the moderator's method ARNs) is left
to stack-references-own-resources at preview and to the resource rules at `up`.

`stack-names-own-resources` is these rules' resource-level twin. At `up` a resource policy runs
before each step and a stack policy only after the last, so what one resource's inputs can show
(an ARN in another account or region, a table or role outside the stack's name prefix) is refused
there, before the step that would grant it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from comments_policy import decidable
from comments_policy.common import (
    ACCOUNT_ROOT,
    INTEGRATION,
    MANAGED_POLICY,
    REST_API,
    ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
    SOURCE_API_ARN,
    STAGE,
    TABLE,
    Document,
    api_document,
    as_list,
    attached_policy_arns,
    iam_authorized,
    integrations,
    label,
    mapping,
    operations,
    parse_document,
    reporter,
    role_documents,
    statements,
)

OWN_TABLE = "stack-iam-targets-own-table"
INTEGRATION_ROLE = "stack-integration-role-grants-table"
OWN_API = "stack-trust-names-own-api"
MODERATOR_ROLE = "stack-account-trusted-role-only-invokes"
OWN_NAMES = "stack-names-own-resources"

_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/")
_DYNAMODB_ACTION_URI = re.compile(
    r"^arn:aws[a-z-]*:apigateway:[a-z0-9-]+:dynamodb:action/([A-Za-z]+)$"
)
_TABLE_NAME = re.compile(r'"TableName"\s*:\s*"([^"]+)"')
_INDEX_NAME = re.compile(r'"IndexName"\s*:\s*"([^"]+)"')


def _of_type(resources: list[PolicyResource], resource_type: str) -> list[PolicyResource]:
    return [r for r in resources if r.resource_type == resource_type]


def _arns(resources: list[PolicyResource], resource_type: str) -> dict[str, PolicyResource]:
    """ARN -> resource: the `arn` output, or at preview the ARN AWS will give it (decidable.py)."""
    return decidable.arns(resources, resource_type)


def _text(resource: PolicyResource, key: str) -> str:
    """A string property, or '' (so lookups never hash a mapping)."""
    value = resource.props.get(key)
    return value if isinstance(value, str) else ""


def _identities(resource: PolicyResource, *keys: str) -> set[str]:
    """The known values among `keys` (an `id` or `arn` AWS has not assigned yet is left out)."""
    return {v for key in keys if isinstance(v := decidable.known(resource.props, key), str) and v}


def _documents(resource: PolicyResource) -> list[Document]:
    """The role documents a resource carries; at preview a document that names the REST API's id
    (ASSIGNED_AT_CREATE) is left to stack-references-own-resources, and to the resource rules at
    `up`."""
    if decidable.is_deferred(resource, "policy"):
        return []
    return role_documents(resource.resource_type, resource.props)


def _signed_method_arns(resources: list[PolicyResource]) -> set[str]:
    """execute-api ARNs of every AWS_IAM method of this stack's APIs, on this stack's stages.

    A new API's executionArn is unknown at preview: it has no method ARN yet, so no ARN can name
    one of its methods, and only a document that is itself unknown (left to provenance) can."""
    arns: set[str] = set()
    for api in _of_type(resources, REST_API):
        execution_arn = decidable.known(api.props, "executionArn")
        document, _ = api_document(api.props)
        if not isinstance(execution_arn, str) or not execution_arn or document is None:
            continue
        stages = [
            _text(s, "stageName")
            for s in _of_type(resources, STAGE)
            if decidable.api_of(s, resources) is api
        ]
        for path, method, operation in operations(document):
            if iam_authorized(document, operation):
                arns.update(f"{execution_arn}/{stage}/{method.upper()}{path}" for stage in stages)
    return arns


def _with_indexes(tables: dict[str, PolicyResource]) -> dict[str, PolicyResource]:
    """Table ARNs plus the ARN of each global secondary index the tables declare."""
    found = dict(tables)
    for arn, table in tables.items():
        for index in as_list(table.props.get("globalSecondaryIndexes")):
            name = mapping(index).get("name")
            if isinstance(name, str):
                found[f"{arn}/index/{name}"] = table
    return found


def _own_table(args: StackValidationArgs, report: ReportViolation) -> None:
    tables = _with_indexes(_arns(args.resources, TABLE))
    methods = _signed_method_arns(args.resources)
    policies = _arns(args.resources, MANAGED_POLICY)
    known = ", ".join(sorted(tables)) or "none"
    roles = {
        value
        for role in _of_type(args.resources, ROLE)
        for value in _identities(role, "name", "arn", "id")
    }
    for resource in args.resources:
        subject = label(resource.resource_type, resource.name)
        for document in _documents(resource):
            for statement in statements(document.body or {}):
                if not statement.allows:
                    continue
                for arn in as_list(statement.body.get("Resource")):
                    if isinstance(arn, str) and arn.startswith("arn:aws:execute-api:"):
                        if arn not in methods:
                            report(
                                f"{OWN_TABLE}: {subject} {document.where} {statement.name} names "
                                f"'{arn}', which is not an AWS_IAM-authorized method of this "
                                f"stack's API and stage ({', '.join(sorted(methods)) or 'none'})",
                                resource.urn,
                            )
                    elif not isinstance(arn, str) or arn not in tables:
                        report(
                            f"{OWN_TABLE}: {subject} {document.where} {statement.name} names "
                            f"'{arn}', which is not the ARN of a table in this stack ({known})",
                            resource.urn,
                        )
        if resource.resource_type == ROLE_POLICY and _text(resource, "role") not in roles:
            # A role from outside the stack (another team's, an admin's) would get this table.
            report(
                f"{OWN_TABLE}: {subject} is attached to role '{resource.props.get('role')}', "
                "which is not a role in this stack; a stack's policies go on its own roles only",
                resource.urn,
            )
        for where, arn in attached_policy_arns(resource.resource_type, resource.props):
            if isinstance(arn, str) and not _AWS_MANAGED.match(arn) and arn not in policies:
                report(
                    f"{OWN_TABLE}: {subject} attaches '{arn}' ({where}), a policy this stack does "
                    "not define, so its permissions cannot be checked",
                    resource.urn,
                )


@dataclass(frozen=True)
class _Grant:
    action: str  # lower case, may hold wildcards
    resource: str


def _role_grants(resources: list[PolicyResource], role: PolicyResource) -> Iterator[_Grant]:
    """Every Allow (action, resource) pair that reaches `role` by any attachment in the stack."""
    names = _identities(role, "name", "arn")
    policies = _arns(resources, MANAGED_POLICY)
    sources: list[PolicyResource] = [role]
    sources += [r for r in _of_type(resources, ROLE_POLICY) if _text(r, "role") in names]
    sources += [
        policies[arn]
        for r in _of_type(resources, ROLE_POLICY_ATTACHMENT)
        if _text(r, "role") in names and (arn := _text(r, "policyArn")) in policies
    ]
    for source in sources:
        for document in _documents(source):
            for statement in statements(document.body or {}):
                if not statement.allows:
                    continue
                for action in as_list(statement.body.get("Action")):
                    for arn in as_list(statement.body.get("Resource")):
                        if isinstance(action, str) and isinstance(arn, str):
                            yield _Grant(action.lower(), arn)


def _allows(grants: list[_Grant], action: str, arn: str) -> bool:
    return any(
        fnmatch.fnmatchcase(action.lower(), g.action) and fnmatch.fnmatchcase(arn, g.resource)
        for g in grants
    )


def _stack_integrations(
    resources: list[PolicyResource],
) -> Iterator[tuple[PolicyResource, str, Mapping[str, Any]]]:
    for resource in resources:
        if resource.resource_type == INTEGRATION:
            yield resource, "integration", resource.props
        elif resource.resource_type == REST_API:
            # An unreadable body is reported by the resource policies; nothing to match here.
            document, _ = api_document(resource.props)
            for where, integration in integrations(document or {}):
                yield resource, where, integration


def _integration_role(args: StackValidationArgs, report: ReportViolation) -> None:
    roles = _arns(args.resources, ROLE)
    tables = {str(t.props.get("name")): arn for arn, t in _arns(args.resources, TABLE).items()}
    for resource, where, integration in _stack_integrations(args.resources):
        if str(integration.get("type", "")).lower() != "aws":
            continue
        subject = f"{label(resource.resource_type, resource.name)} {where}"
        credentials = integration.get("credentials")
        role = roles.get(credentials) if isinstance(credentials, str) else None
        if role is None:
            report(
                f"{INTEGRATION_ROLE}: {subject} uses credentials '{credentials}', which is not "
                "the ARN of a role in this stack",
                resource.urn,
            )
            continue
        match = _DYNAMODB_ACTION_URI.match(str(integration.get("uri", "")))
        if match is None:
            continue  # not a DynamoDB action: nothing this stack's table grants can vouch for it
        action = f"dynamodb:{match.group(1)}"
        grants = list(_role_grants(args.resources, role))
        templates = mapping(integration.get("requestTemplates")).values()
        named = {m for t in templates if isinstance(t, str) for m in _TABLE_NAME.findall(t)}
        # A Query on an index is authorised on the index's ARN, not the table's.
        indexes = {m for t in templates if isinstance(t, str) for m in _INDEX_NAME.findall(t)}
        # The table the template names; a template that names none could reach any of them.
        targets = {name: tables.get(name) for name in named} if named else dict(tables)
        for name, arn in targets.items():
            if arn is None:
                report(
                    f"{INTEGRATION_ROLE}: {subject} sends {action} to table '{name}', which is "
                    "not a table in this stack",
                    resource.urn,
                )
            else:
                for target in [f"{arn}/index/{i}" for i in sorted(indexes)] or [arn]:
                    if not _allows(grants, action, target):
                        report(
                            f"{INTEGRATION_ROLE}: {subject} calls {action} as role "
                            f"'{role.props.get('name')}', whose policies do not allow it on "
                            f"table '{name}' ({target})",
                            resource.urn,
                        )
        if not targets:
            report(
                f"{INTEGRATION_ROLE}: {subject} calls {action} but this stack has no table",
                resource.urn,
            )


def _own_api(args: StackValidationArgs, report: ReportViolation) -> None:
    """An aws:SourceArn in a trust policy names an API of this stack, not merely this account."""
    named: list[tuple[PolicyResource, str, str]] = []  # (role, statement, API id)
    for role in _of_type(args.resources, ROLE):
        document = parse_document("assumeRolePolicy", role.props.get("assumeRolePolicy"))
        for statement in statements(document.body or {}):
            if not statement.allows:
                continue
            for tests in mapping(statement.body.get("Condition")).values():
                for key, values in mapping(tests).items():
                    if str(key).lower() != "aws:sourcearn":
                        continue
                    for value in as_list(values):
                        match = SOURCE_API_ARN.match(value) if isinstance(value, str) else None
                        if match:
                            named.append((role, statement.name, match.group("api")))
    if not named:
        return  # read no API's executionArn: a new API's is unknown at preview
    # A new API's id is unknown at preview: a trust naming an API by a known id names another.
    apis = {
        match.group("api")
        for api in _of_type(args.resources, REST_API)
        if (match := SOURCE_API_ARN.match(decidable.known(api.props, "executionArn") or ""))
    }
    known = ", ".join(sorted(apis)) or "none"
    for role, statement_name, api_id in named:
        if api_id not in apis:
            report(
                f"{OWN_API}: {label(role.resource_type, role.name)} trust policy "
                f"{statement_name} aws:SourceArn names API '{api_id}', which is not a REST API "
                f"in this stack ({known})",
                role.urn,
            )


def _trusts_an_account(role: PolicyResource) -> bool:
    document = parse_document("assumeRolePolicy", role.props.get("assumeRolePolicy"))
    for statement in statements(document.body or {}):
        principal = mapping(statement.body.get("Principal"))
        if statement.allows and any(
            isinstance(p, str) and ACCOUNT_ROOT.match(p) for p in as_list(principal.get("AWS"))
        ):
            return True
    return False


def _moderator_role(args: StackValidationArgs, report: ReportViolation) -> None:
    """A role people can assume (trusting an account) may only invoke signed routes: it must
    never reach the table directly, where it would bypass the API and its validation."""
    for role in _of_type(args.resources, ROLE):
        if not _trusts_an_account(role):
            continue
        for grant in _role_grants(args.resources, role):
            if grant.action != "execute-api:invoke":
                report(
                    f"{MODERATOR_ROLE}: {label(role.resource_type, role.name)} trusts an account's "
                    f"principals but is granted '{grant.action}' on '{grant.resource}'; such a role "
                    "may only be granted execute-api:Invoke",
                    role.urn,
                )


# -- the resource-level twin ------------------------------------------------------------------------

_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[0-9]*):(?P<resource>.+)$"
)
_INTEGRATION_URI = re.compile(r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]+):")
_REQUEST_TABLE = re.compile(r'"TableName"\s*:\s*"([^"]*)"')


@dataclass(frozen=True)
class _Where:
    """Where this stack's resources are: its name prefix (from the URN) and, when the resource's
    provider says so, its one account and its region."""

    prefix: str
    account: str | None
    region: str | None

    @classmethod
    def of(cls, args: ResourceValidationArgs) -> _Where:
        # urn:pulumi:<stack>::<project>::<type>::<name>: every physical name starts with
        # <project>-<stack>- (infra/__main__.py), the names bootstrap/'s deploy roles may touch.
        parts = args.urn.split("::")
        stack = parts[0].rsplit(":", 1)[-1]
        project = parts[1] if len(parts) > 1 else ""
        return cls(
            f"{project}-{stack}-",
            decidable.provider_account(args),
            decidable.provider_region(args),
        )

    def arn_problem(self, arn: str) -> str | None:
        """What puts an ARN outside this stack: another account, region or name prefix."""
        match = _ARN.match(arn)
        if match is None:
            return None  # not an ARN: iam-least-privilege says what it should be
        service, resource = match.group("service"), match.group("resource")
        if self.account is not None and match.group("account") != self.account:
            return f"in account '{match.group('account')}'; this stack's is {self.account}"
        if service == "iam":
            return None
        if self.region is not None and match.group("region") != self.region:
            return f"in region '{match.group('region')}'; this stack's is {self.region}"
        if service == "dynamodb":
            table = resource.removeprefix("table/").split("/", 1)[0]
            if not table.startswith(self.prefix):
                return f"a table whose name does not start with this stack's '{self.prefix}'"
        return None

    def uri_problem(self, uri: str) -> str | None:
        """An AWS integration's uri, arn:aws:apigateway:<region>:<service>:...: the API calls the
        service in that region, which must be the stack's."""
        match = _INTEGRATION_URI.match(uri)
        if match is None or self.region is None or match.group("region") == self.region:
            return None
        return f"in region '{match.group('region')}'; this stack's is {self.region}"

    def role_problem(self, arn: str) -> str | None:
        match = _ARN.match(arn)
        if match is None or match.group("service") != "iam":
            return None  # apigateway-integration-credentials says what it should be
        problem = self.arn_problem(arn)
        if problem is not None:
            return problem
        name = match.group("resource").rsplit("/", 1)[-1]
        if not name.startswith(self.prefix):
            return f"a role whose name does not start with this stack's '{self.prefix}'"
        return None


def _own_names(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The stack rules' resource-level twin: at `up` resource policies run before each step, stack
    policies only after the last one. What one resource's inputs can show (an ARN in another
    account or region, a table or role outside the stack's name prefix) stops its step here."""
    where = _Where.of(args)
    say = reporter(report, OWN_NAMES, label(args.resource_type, args.name))
    for document in role_documents(args.resource_type, args.props):
        for statement in statements(document.body or {}):
            if not statement.allows:
                continue
            for arn in as_list(statement.body.get("Resource")):
                problem = where.arn_problem(arn) if isinstance(arn, str) else None
                if problem is not None:
                    say(
                        f"{document.where} {statement.name} grants '{arn}', {problem}; a stack "
                        "grants only on its own resources"
                    )
    if args.resource_type != REST_API:
        return
    api, _ = api_document(args.props)  # an unreadable body: the API rules report it
    for route, integration in integrations(api or {}):
        credentials = integration.get("credentials")
        problem = where.role_problem(credentials) if isinstance(credentials, str) else None
        if problem is not None:
            say(f"{route} runs as '{credentials}', {problem}; integrations use this stack's role")
        uri = integration.get("uri")
        problem = where.uri_problem(uri) if isinstance(uri, str) else None
        if problem is not None:
            say(f"{route} calls '{uri}', {problem}")
        for template in mapping(integration.get("requestTemplates")).values():
            for table in _REQUEST_TABLE.findall(template) if isinstance(template, str) else []:
                if not table.startswith(where.prefix):
                    say(
                        f"{route} sends its request to table '{table}', whose name does not "
                        f"start with this stack's '{where.prefix}'"
                    )


POLICIES = [
    ResourceValidationPolicy(
        name=OWN_NAMES,
        description=(
            "Every ARN an IAM document grants, and every role and table the API document calls, "
            "is in this stack's account and region and carries its name prefix (the stack rules' "
            "resource-level twin, so `up` stops the step before it runs)."
        ),
        validate=_own_names,
    ),
    StackValidationPolicy(
        name=MODERATOR_ROLE,
        description=(
            "A role that principals of an account may assume is granted execute-api:Invoke only."
        ),
        validate=_moderator_role,
    ),
    StackValidationPolicy(
        name=OWN_TABLE,
        description=(
            "IAM statements reaching a role name only this stack's table ARNs or its API's "
            "AWS_IAM methods, attach only policies this stack defines, and go on this stack's "
            "roles only."
        ),
        validate=_own_table,
    ),
    StackValidationPolicy(
        name=INTEGRATION_ROLE,
        description=(
            "Each AWS integration runs as a role of this stack whose policies allow its "
            "DynamoDB action on the table its template names."
        ),
        validate=_integration_role,
    ),
    StackValidationPolicy(
        name=OWN_API,
        description=(
            "A role trust's aws:SourceArn names a REST API of this stack, not just this account."
        ),
        validate=_own_api,
    ),
]
