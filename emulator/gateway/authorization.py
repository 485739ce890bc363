"""Authorization phase: methods with authorizationType AWS_IAM, as API Gateway checks them.

Order (each failure is a 403 with API Gateway's own text; the texts and their sources are in the
README's "How the local data plane authorizes" table):

1. no ``Authorization`` header: Missing Authentication Token;
2. an incomplete header (``host`` and ``x-amz-date`` must be signed), a credential scope for
   another service or region, an ``X-Amz-Date`` outside five minutes of now: the signature errors;
3. an access key moto never issued, an inactive one, a session key with the wrong token, or a
   session AWS would not have issued (its caller not trusted by the role or not allowed
   sts:AssumeRole, a duration over the role's maximum): the security token is invalid; a
   session past its expiry: the token is expired;
4. a signature that does not match the one recomputed over the signed headers only and the
   body's own SHA-256: signature mismatch (the canonical request goes to the log, never to the
   client);
5. the caller must be of the API's account (no resource policy lets another in); its identity
   policies (user: inline, attached, groups; assumed role: the role's) must allow
   ``execute-api:Invoke`` on the method ARN, and so must the caller's permissions boundary and
   an assumed role's session policies (inline and managed) where it has them; no Deny may match.

Not emulated: presigned query-string signatures (no signature here); an API with a resource
policy fails with a 500 rather than run. What is assumed where AWS does not document it:
docs/reference/apigateway-iam.md.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote_plus

from botocore.utils import normalize_url_path

from emulator.gateway import iam
from emulator.gateway.aws import SIGV4_ALGORITHM, AwsBackend, sigv4_signature
from emulator.gateway.context import ACCOUNT_ID, MethodRequest
from emulator.gateway.errors import GatewayError, GatewayResponseType, UnsupportedFeatureError
from emulator.gateway.routing import Route

LOG = logging.getLogger(__name__)

CREDENTIALS_PATH = "/moto-api/comments/credentials"
SERVICE = "execute-api"
PARTITION = "aws"  # the data plane's regions are the aws partition's
ACTION = "execute-api:Invoke"
SIGV4_AUTHTYPE = "awssigv4"
CLOCK_SKEW = datetime.timedelta(minutes=5)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AMZ_DATE_SHAPE = re.compile(r"[0-9]{8}T[0-9]{6}Z")

INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105
EXPIRED_TOKEN = "The security token included in the request is expired"  # noqa: S105
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def requires_iam(definition: dict[str, Any], operation: dict[str, Any]) -> bool:
    """Whether the method was imported with authorizationType AWS_IAM (a sigv4 security scheme)."""
    components = definition.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    requirements = operation.get("security", definition.get("security"))
    for requirement in requirements if isinstance(requirements, list) else []:
        for name in requirement if isinstance(requirement, dict) else {}:
            scheme = schemes.get(name) if isinstance(schemes, dict) else None
            authtype = (
                scheme.get("x-amazon-apigateway-authtype") if isinstance(scheme, dict) else None
            )
            if isinstance(authtype, str) and authtype.lower() == SIGV4_AUTHTYPE:
                return True
    return False


RESOURCE_POLICY = "x-amazon-apigateway-policy"


def refuse_resource_policy(definition: dict[str, Any]) -> None:
    """An API with a resource policy: AWS evaluates it for every method (a Deny by source IP,
    principal or VPC endpoint refuses even signed callers); the data plane cannot, so it fails
    loudly rather than let through what AWS would refuse."""
    if definition.get(RESOURCE_POLICY):
        raise UnsupportedFeatureError(
            f"the API's resource policy ({RESOURCE_POLICY}): remove it to run the API locally"
        )


def method_arn(region: str, request: MethodRequest, route: Route) -> str:
    """arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>, the path being
    the matched resource's with its parameters' values: routing ignores empty segments, so
    `/comments/` and `//comments` must name the ARN of `/comments`, or they would escape a Deny."""
    segments = []
    for segment in route.resource_path.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            segments.append(route.path_params[segment[1:-1].removesuffix("+")])
        elif segment:
            segments.append(segment)
    return (
        f"arn:{PARTITION}:execute-api:{region}:{ACCOUNT_ID}:{request.api_id}/{request.stage}/"
        f"{route.http_method}/{'/'.join(segments)}"
    )


@dataclass(frozen=True)
class _Signature:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: list[str]
    signature: str


def _forbidden(kind: GatewayResponseType, message: str, error_type: str = "") -> GatewayError:
    return GatewayError(kind, message, error_type=error_type)


def _invalid_signature(message: str) -> GatewayError:
    return _forbidden(GatewayResponseType.INVALID_SIGNATURE, message)


def _incomplete(message: str) -> GatewayError:
    return _forbidden(
        GatewayResponseType.INVALID_SIGNATURE, message, error_type="IncompleteSignatureException"
    )


_AUTHORIZATION_PARTS = ("Credential", "SignedHeaders", "Signature")


def _parse_authorization(header: str) -> _Signature:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != SIGV4_ALGORITHM:
        # API Gateway treats a header it cannot read as SigV4 like no signature at all.
        raise _forbidden(
            GatewayResponseType.MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token"
        )
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, equals, value = item.strip().partition("=")
        key = key.strip()
        # A part without `=`, or one named twice or unknown (the header sent twice reads as
        # its values joined by a comma): one reading of the header, or none.
        if not equals or key in parts or key not in _AUTHORIZATION_PARTS:
            digest = base64.b64encode(hashlib.sha256(header.encode("utf-8")).digest()).decode()
            raise _incomplete(
                f"Invalid key=value pair{'' if equals else ' (missing equal-sign)'} in "
                f"Authorization header (hashed with SHA-256 and encoded with Base64): '{digest}'."
            )
        parts[key] = value.strip()
    missing = [p for p in _AUTHORIZATION_PARTS if not parts.get(p)]
    if missing:
        raise _incomplete(
            " ".join(f"Authorization header requires '{p}' parameter." for p in missing)
        )
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise _incomplete(
            f"Credential should be scoped to a valid region, not the scope {parts['Credential']!r}."
        )
    signed_headers = parts["SignedHeaders"].split(";")
    # SigV4 requires both signed; the date is signed through the string to sign anyway, the
    # host (which API and stage) only through the header.
    listed = {h.lower() for h in signed_headers}
    if "host" not in listed:
        raise _incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    if "x-amz-date" not in listed:
        raise _incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    return _Signature(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=signed_headers,
        signature=parts["Signature"],
    )


def _check_time(request: MethodRequest, signature: _Signature, now: datetime.datetime) -> str:
    amz_date = request.header("X-Amz-Date")
    if not amz_date:
        raise _incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    try:
        # strptime alone accepts unpadded fields ("20261201T11305Z"): the shape is checked first.
        if not _AMZ_DATE_SHAPE.fullmatch(amz_date):
            raise ValueError(amz_date)
        signed_at = datetime.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=datetime.UTC)
    except ValueError:
        raise _incomplete(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.") from None
    if signature.date != amz_date[:8]:
        raise _invalid_signature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            f"HTTP: '{signature.date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    stamp = now.strftime(_AMZ_DATE)
    if signed_at < now - CLOCK_SKEW:
        earliest = (now - CLOCK_SKEW).strftime(_AMZ_DATE)
        raise _invalid_signature(
            f"Signature expired: {amz_date} is now earlier than {earliest} ({stamp} - 5 min.)"
        )
    if signed_at > now + CLOCK_SKEW:
        latest = (now + CLOCK_SKEW).strftime(_AMZ_DATE)
        raise _invalid_signature(
            f"Signature not yet current: {amz_date} is still later than {latest} ({stamp} + 5 min.)"
        )
    return amz_date


def _encode(text: str) -> str:
    return quote(unquote_plus(text), safe="-_.~")


def _canonical_query(query_string: str) -> str:
    """SigV4's canonical query: each name and value URI-encoded (RFC 3986), sorted."""
    pairs = []
    for item in query_string.split("&") if query_string else []:
        key, _, value = item.partition("=")
        pairs.append((_encode(key), _encode(value)))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _header_value(request: MethodRequest, name: str) -> str | None:
    """A signed header's canonical value: every field of that name, whatever its case, joined by
    commas, each with its runs of spaces collapsed (a field added after signing breaks it)."""
    values = [" ".join(v.split()) for k, v in request.headers.items() if k.lower() == name]
    return ",".join(values) if values else None


def _expected_signature(
    request: MethodRequest, signature: _Signature, amz_date: str, secret: str
) -> tuple[str, str]:
    """SigV4 recomputed over what the request holds: the signed headers the client listed, the
    path and query as sent, and the body's own SHA-256 (never the client's x-amz-content-sha256,
    which would let a body be swapped after signing). Returns (signature, canonical request)."""
    if signature.signed_headers != sorted({h.lower() for h in signature.signed_headers}):
        # SigV4 lists them lowercase, sorted, once: any other list is no canonical request.
        return "", f"SignedHeaders {';'.join(signature.signed_headers)!r} is not canonical"
    header_lines = []
    for name in signature.signed_headers:
        value = _header_value(request, name)
        if value is None:
            return "", f"signed header {name!r} is not in the request"
        header_lines.append(f"{name}:{value}\n")
    canonical = "\n".join(
        [
            request.http_method,
            quote(normalize_url_path(request.raw_path), safe="/~"),
            _canonical_query(request.raw_query),
            "".join(header_lines),
            ";".join(signature.signed_headers),
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    expected = sigv4_signature(
        secret,
        amz_date=amz_date,
        scope_date=signature.date,
        region=signature.region,
        service=signature.service,
        canonical=canonical,
    )
    return expected, canonical


def _credential(backend: AwsBackend, access_key_id: str) -> dict[str, Any] | None:
    """What moto knows about an access key (emulator/credentials.py), or None."""
    status, body = backend.get(CREDENTIALS_PATH, {"accessKeyId": access_key_id})
    if status == 404:
        return None
    if status != 200:
        raise RuntimeError(f"moto answered {status} for a credentials lookup")
    record: dict[str, Any] = json.loads(body)
    return record


def _issued_by_aws(
    backend: AwsBackend, record: dict[str, Any], region: str, generation: int, depth: int = 0
) -> bool:
    """Whether AWS would have issued this assumed-role session; moto's STS checks nothing.
    AWS refuses a duration over the role's MaxSessionDuration, and a caller that is no
    principal of this account and partition, that the trust policy does not cover (or denies),
    or, unless the trust policy names it, whose own policies do not allow sts:AssumeRole on the
    role. A caller that is itself a session is checked the same way (role chaining)."""
    role = _role(backend, str(record["roleArn"]), generation)
    if role is None:
        return True  # no role, no permissions: the policy step refuses it
    if int(record.get("durationSeconds") or 0) > role.max_session_seconds:
        return False
    caller_key = record.get("assumedBy")
    caller = _credential(backend, str(caller_key)) if caller_key else None
    if (
        caller is None
        or caller.get("partition") != PARTITION
        or str(caller["account"]) != ACCOUNT_ID
        or not caller.get("active")
        or depth > 5  # AWS chains roles further, but a loop must end
        or (
            caller.get("roleArn")
            and not _issued_by_aws(backend, caller, region, generation, depth + 1)
        )
    ):
        return False
    names = {str(caller["principalArn"]), str(caller.get("roleArn") or caller["principalArn"])}
    context = _context(caller, region)
    trusted, named = iam.trust_allows(role.trust_policy, names, ACCOUNT_ID, context)
    if trusted is not iam.Decision.ALLOW:
        return False
    allowed, _ = iam.evaluate_layers(
        _policy_layers(backend, caller, generation), "sts:AssumeRole", role.arn, context
    )
    # Named by the trust policy, the caller needs no Allow of its own; a Deny still refuses.
    return allowed is iam.Decision.ALLOW or (named and allowed is iam.Decision.IMPLICIT_DENY)


def _context(record: dict[str, Any], region: str) -> dict[str, str]:
    """The global condition keys the data plane knows for a caller."""
    return {
        "aws:PrincipalArn": str(record.get("roleArn") or record["principalArn"]),
        "aws:PrincipalAccount": str(record["account"]),
        "aws:RequestedRegion": region,
        # API Gateway's endpoints are HTTPS only: "true" there, whatever the local transport,
        # so a Deny on "true" applies here as it does there.
        "aws:SecureTransport": "true",
    }


def _role(backend: AwsBackend, role_arn: str, generation: int) -> iam.LoadedRole | None:
    """The session's role as IAM has it now, or None when it is gone."""
    client = backend.client("iam")
    try:
        return backend.cached(
            f"role:{role_arn}", lambda: iam.load_role(client, role_arn), generation
        )
    except iam.RoleUnavailableError:
        return None


def _policy_layers(
    backend: AwsBackend, record: dict[str, Any], generation: int
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The caller's identity policies and what limits them (`iam.evaluate_layers`): a user's
    policies and permissions boundary; an assumed role's policies, its permissions boundary and
    the session's policies (inline and managed, as one set)."""
    client = backend.client("iam")
    if not record.get("roleArn"):
        user = str(record["userName"])
        policies = backend.cached(
            f"user:{user}", lambda: iam.load_user_policies(client, user), generation
        )
        layers = [(iam.IDENTITY_POLICY, policies)]
        if record.get("permissionsBoundaryArn"):
            boundary = [str(record["permissionsBoundaryArn"])]
            layers.append((iam.PERMISSIONS_BOUNDARY, _managed(backend, boundary, generation)))
        return layers
    role = _role(backend, str(record["roleArn"]), generation)
    if role is None:
        return [(iam.IDENTITY_POLICY, [])]  # the role is gone: its sessions carry no permissions
    layers = role.layers
    inline = record.get("sessionPolicy")
    arns = [str(a) for a in record.get("sessionPolicyArns") or []]
    if inline or arns:
        session = _managed(backend, arns, generation) if arns else []
        if inline and (session or not arns):
            session = [*session, iam.document(inline)]
        layers.append((iam.SESSION_POLICY, session))
    return layers


def _managed(backend: AwsBackend, arns: list[str], generation: int) -> list[dict[str, Any]]:
    """Managed policies' documents, or none at all if one cannot be read: AWS would not have
    issued such a session or set such a boundary, so here it allows nothing."""
    client = backend.client("iam")
    try:
        return [
            backend.cached(
                f"policy:{arn}", functools.partial(iam.managed_document, client, arn), generation
            )
            for arn in arns
        ]
    except Exception:  # a NoSuchEntity answer or a connection failure alike
        LOG.warning("managed policies %s cannot be read: they allow nothing", arns)
        return []


def authorize(
    backend: AwsBackend,
    region: str,
    request: MethodRequest,
    route: Route,
    now: datetime.datetime | None = None,
    generation: int = 0,
) -> str:
    """Check an AWS_IAM method's caller; returns the caller's ARN or raises API Gateway's 403.
    `generation` is the deployed state's: what was read from IAM is read again after a deploy."""
    header = request.header("Authorization")
    if not header:
        raise _forbidden(
            GatewayResponseType.MISSING_AUTHENTICATION_TOKEN, "Missing Authentication Token"
        )
    signature = _parse_authorization(header)
    if signature.service != SERVICE:
        raise _invalid_signature(f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if signature.region != region:
        raise _invalid_signature(
            f"Credential should be scoped to a valid region, not '{signature.region}'. "
        )
    moment = now or datetime.datetime.now(datetime.UTC)
    amz_date = _check_time(request, signature, moment)
    record = _credential(backend, signature.access_key_id)
    token = request.header("X-Amz-Security-Token")
    if (
        record is None
        or record.get("partition") != PARTITION  # aws-cn, aws-us-gov keys are unknown here
        or not record.get("active")
        or record.get("sessionToken") != token
    ):
        raise _forbidden(GatewayResponseType.ACCESS_DENIED, INVALID_TOKEN)
    if record.get("roleArn") and not _issued_by_aws(backend, record, region, generation):
        raise _forbidden(GatewayResponseType.ACCESS_DENIED, INVALID_TOKEN)
    expiration = record.get("expiration")
    if expiration is not None and float(expiration) <= moment.timestamp():
        raise _forbidden(GatewayResponseType.EXPIRED_TOKEN, EXPIRED_TOKEN)
    expected, canonical = _expected_signature(
        request, signature, amz_date, str(record["secretAccessKey"])
    )
    if not expected or not hmac.compare_digest(expected.encode(), signature.signature.encode()):
        LOG.warning(
            "signature mismatch for %s; the canonical request was:\n%s",
            signature.access_key_id,
            canonical,
        )
        raise _invalid_signature(SIGNATURE_MISMATCH)
    caller = str(record["principalArn"])
    resource = method_arn(region, request, route)
    if str(record["account"]) != ACCOUNT_ID:
        # Another account's principal needs the API's resource policy to allow it; these APIs
        # have none (and the data plane evaluates none), so its own policies do not matter.
        raise _forbidden(
            GatewayResponseType.ACCESS_DENIED,
            f"User: {caller} is not authorized to perform: {ACTION} on resource: {resource} "
            f"because no resource-based policy allows the {ACTION} action",
        )
    decision, kind = iam.evaluate_layers(
        _policy_layers(backend, record, generation), ACTION, resource, _context(record, region)
    )
    if decision is iam.Decision.EXPLICIT_DENY:
        raise _forbidden(
            GatewayResponseType.ACCESS_DENIED,
            f"User: {caller} is not authorized to perform: {ACTION} on resource: {resource} "
            f"with an explicit deny in {'an' if kind == iam.IDENTITY_POLICY else 'a'} {kind}",
        )
    if decision is not iam.Decision.ALLOW:
        raise _forbidden(
            GatewayResponseType.ACCESS_DENIED,
            f"User: {caller} is not authorized to perform: {ACTION} on resource: {resource} "
            f"because no {kind} allows the {ACTION} action",
        )
    return caller
