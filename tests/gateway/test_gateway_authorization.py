"""AWS_IAM methods: SigV4 against moto's credentials, identity policies, API Gateway's 403s.

The program's own document is deployed (its DELETE /comments is the AWS_IAM method); every
refused request must leave the comment in the table.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.client
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import boto3
import botocore.auth
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from comments_infra import api_definition
from emulator.gateway import GatewayServer, authorization
from emulator.gateway.aws import AwsBackend
from emulator.gateway.context import MethodRequest
from emulator.gateway.errors import GatewayError
from emulator.gateway.routing import match_route
from tests.gateway.apis import ACCOUNT, REGION, TABLE, TABLE_ARN
from tests.gateway.conftest import Aws, Deployer

pytestmark = pytest.mark.server

STAGE = "test"


@pytest.fixture(scope="module")
def api(aws: Aws, deployer: Deployer) -> tuple[str, dict[str, Any]]:
    role = aws.role(
        "authorization-api",
        {"Effect": "Allow", "Action": list(api_definition.DYNAMODB_ACTIONS), "Resource": TABLE_ARN},
    )
    document = api_definition.build_api_document(
        api_definition.ApiInputs(
            title="authorization",
            region=REGION,
            table_name=TABLE,
            role_arn=role,
            cors_allowed_origins=("*",),
            smoke_slug_prefix="/__smoke__/",
            smoke_ttl_seconds=3600,
        )
    )
    return deployer.deploy(document, stage=STAGE), document


def _arn(api_id: str, stage: str = STAGE) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/{stage}/DELETE/comments"


def _user(aws: Aws, *statements: dict[str, Any]) -> tuple[str, Credentials]:
    name = f"user-{uuid.uuid4().hex[:8]}"
    aws.iam.create_user(UserName=name)
    if statements:
        aws.iam.put_user_policy(
            UserName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )
    key = aws.iam.create_access_key(UserName=name)["AccessKey"]
    return f"arn:aws:iam::{ACCOUNT}:user/{name}", Credentials(
        key["AccessKeyId"], key["SecretAccessKey"]
    )


def _invoke(api_id: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": _arn(api_id)}


@pytest.fixture
def comment(gateway: GatewayServer, api: tuple[str, dict[str, Any]], aws: Aws) -> Iterator[str]:
    """A stored comment's DELETE URL; after the test, whether it still exists is checked."""
    api_id = api[0]
    slug = f"/auth/{uuid.uuid4().hex}"
    created = requests.post(
        f"{gateway.url}/{api_id}/{STAGE}/comments",
        json={"slug": slug, "author": "a", "comment": "c"},
        timeout=30,
    ).json()["createdAt"]
    query = urlencode({"slug": slug, "createdAt": created}, quote_via=quote)
    yield f"{gateway.url}/{api_id}/{STAGE}/comments?{query}"


def _stored(aws: Aws, url: str) -> bool:
    query = dict(p.split("=", 1) for p in url.split("?", 1)[1].split("&"))
    item = aws.dynamodb.get_item(
        TableName=TABLE,
        Key={"slug": {"S": unquote(query["slug"])}, "createdAt": {"N": query["createdAt"]}},
    )
    return "Item" in item


def _signed_headers(
    url: str,
    credentials: Credentials,
    *,
    method: str = "DELETE",
    service: str = "execute-api",
    region: str = REGION,
) -> dict[str, str]:
    request = AWSRequest(method=method, url=url)
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers.items())


def _delete(url: str, headers: dict[str, str] | None = None) -> requests.Response:
    return requests.delete(url, headers=headers or {}, timeout=30)


def _refused(response: requests.Response, error_type: str, message: str) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["x-amzn-ErrorType"] == error_type
    assert response.json() == {"message": message}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def _denied(response: requests.Response, arn: str, resource: str, *, explicit: bool) -> None:
    """API Gateway's refusal of an identity whose policies deny, or do not allow, the call."""
    reason = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else "because no identity-based policy allows the execute-api:Invoke action"
    )
    _refused(
        response,
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: execute-api:Invoke on resource: "
        f"{resource} {reason}",
    )


def test_unsigned_is_missing_authentication_token(comment: str, aws: Aws) -> None:
    _refused(
        _delete(comment), "MissingAuthenticationTokenException", "Missing Authentication Token"
    )
    assert _stored(aws, comment)


def test_an_allowed_user_deletes(comment: str, aws: Aws, api: tuple[str, dict[str, Any]]) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    response = _delete(comment, _signed_headers(comment, credentials))
    assert response.status_code == 200, response.text
    assert response.json()["deleted"]["comment"] == "c"
    assert not _stored(aws, comment)


def test_an_assumed_role_session_deletes(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = aws.role(f"moderator-{uuid.uuid4().hex[:8]}", _invoke(api[0]), trust=trust)
    sts = _sts(aws)
    session = sts.assume_role(RoleArn=role, RoleSessionName="moderator")["Credentials"]
    credentials = Credentials(
        session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    forged = Credentials(session["AccessKeyId"], session["SecretAccessKey"], "not-the-token")
    _refused(
        _delete(comment, _signed_headers(comment, forged)),
        "AccessDeniedException",
        authorization.INVALID_TOKEN,
    )
    assert _stored(aws, comment)
    response = _delete(comment, _signed_headers(comment, credentials))
    assert response.status_code == 200, response.text
    assert not _stored(aws, comment)


def test_an_unknown_access_key_is_an_invalid_token(comment: str, aws: Aws) -> None:
    headers = _signed_headers(comment, Credentials("AKIAUNKNOWNUNKNOWN00", "secret"))
    _refused(_delete(comment, headers), "AccessDeniedException", authorization.INVALID_TOKEN)
    assert _stored(aws, comment)


def test_an_inactive_access_key_is_an_invalid_token(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    arn, credentials = _user(aws, _invoke(api[0]))
    aws.iam.update_access_key(
        UserName=arn.rsplit("/", 1)[1], AccessKeyId=credentials.access_key, Status="Inactive"
    )
    headers = _signed_headers(comment, credentials)
    _refused(_delete(comment, headers), "AccessDeniedException", authorization.INVALID_TOKEN)
    assert _stored(aws, comment)


def test_a_wrong_secret_is_a_signature_mismatch(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    wrong = Credentials(credentials.access_key, credentials.secret_key + "x")
    _refused(
        _delete(comment, _signed_headers(comment, wrong)),
        "InvalidSignatureException",
        authorization.SIGNATURE_MISMATCH,
    )
    assert _stored(aws, comment)


def test_a_request_changed_after_signing_is_a_signature_mismatch(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    other = comment.replace("createdAt=", "createdAt=1")
    headers = _signed_headers(other, credentials)
    _refused(
        _delete(comment, headers), "InvalidSignatureException", authorization.SIGNATURE_MISMATCH
    )
    assert _stored(aws, comment)


def test_a_signature_for_another_service_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    headers = _signed_headers(comment, credentials, service="dynamodb")
    _refused(
        _delete(comment, headers),
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'execute-api'. ",
    )
    assert _stored(aws, comment)


def test_a_signature_older_than_five_minutes_has_expired(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    then = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda **_: then)
    response = _delete(comment, _signed_headers(comment, credentials))
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "InvalidSignatureException"
    message = response.json()["message"]
    assert message.startswith(
        f"Signature expired: {then.strftime('%Y%m%dT%H%M%SZ')} is now earlier than "
    )
    assert message.endswith(" - 5 min.)")
    assert _stored(aws, comment)


def test_no_allowing_policy_is_an_implicit_deny(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    # Allowed on another stage of the same API only: still nothing for this method.
    elsewhere = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": _arn(api[0], "prod"),
    }
    arn, credentials = _user(aws, elsewhere)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=False
    )
    assert _stored(aws, comment)


def test_a_matching_deny_is_an_explicit_deny(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    deny = {"Effect": "Deny", "Action": "execute-api:*", "Resource": "*"}
    arn, credentials = _user(aws, _invoke(api[0]), deny)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=True
    )
    assert _stored(aws, comment)


def test_public_routes_need_no_signature(
    gateway: GatewayServer, api: tuple[str, dict[str, Any]]
) -> None:
    response = requests.get(f"{gateway.url}/{api[0]}/{STAGE}/comments?slug=/x", timeout=30)
    assert response.status_code == 200, response.text


def test_an_expired_session_is_an_expired_token(
    aws: Aws, api: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions last at least 15 minutes, so the check runs at a moment after the expiry."""
    api_id, document = api
    role = aws.role(f"expiring-{uuid.uuid4().hex[:8]}", _invoke(api_id), trust=_everyone_trust())
    sts = _sts(aws)
    session = sts.assume_role(RoleArn=role, RoleSessionName="expiring", DurationSeconds=900)[
        "Credentials"
    ]
    later = session["Expiration"].astimezone(datetime.UTC) + datetime.timedelta(minutes=1)
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda **_: later.replace(tzinfo=None)
    )
    url = f"http://127.0.0.1/{api_id}/{STAGE}/comments?slug=%2Fx&createdAt=1"
    credentials = Credentials(
        session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    # An HTTP client sends the Host header botocore signed from the URL.
    headers = {**_signed_headers(url, credentials), "Host": "127.0.0.1"}
    request = MethodRequest(
        http_method="DELETE",
        api_id=api_id,
        stage=STAGE,
        resource_part="/comments",
        headers=headers,
        query={"slug": "/x", "createdAt": "1"},
        body=b"",
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        raw_path=f"/{api_id}/{STAGE}/comments",
        raw_query="slug=%2Fx&createdAt=1",
    )
    route = match_route(document, "DELETE", "/comments")
    assert route is not None
    with pytest.raises(GatewayError) as refused:
        authorization.authorize(AwsBackend(aws.endpoint, REGION), REGION, request, route, now=later)
    assert refused.value.response_type.name == "EXPIRED_TOKEN"
    assert refused.value.message == "The security token included in the request is expired"
    # The same request a minute before the expiry passes this check (and is allowed).
    before = later - datetime.timedelta(minutes=2)
    monkeypatch.setattr(
        botocore.auth, "get_current_datetime", lambda **_: before.replace(tzinfo=None)
    )
    request.headers = {**_signed_headers(url, credentials), "Host": "127.0.0.1"}
    caller = authorization.authorize(
        AwsBackend(aws.endpoint, REGION), REGION, request, route, now=before
    )
    assert caller.endswith("/expiring")


def test_deleting_again_answers_404_and_a_malformed_created_at_400(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    malformed = comment.rsplit("createdAt=", 1)[0] + "createdAt=12abc"
    response = _delete(malformed, _signed_headers(malformed, credentials))
    assert response.status_code == 400, response.text
    assert response.json() == {
        "message": "Invalid query: createdAt must be the createdAt of a comment (epoch milliseconds)"
    }
    assert _stored(aws, comment)
    assert _delete(comment, _signed_headers(comment, credentials)).status_code == 200
    again = _delete(comment, _signed_headers(comment, credentials))
    assert again.status_code == 404, again.text
    assert again.json() == {
        "message": "No comment with this slug and createdAt (already deleted, or never stored)"
    }


def test_the_deploy_reads_the_output_the_program_exports() -> None:
    from comments_infra import outputs
    from emulator import moderator

    assert moderator.ROLE_OUTPUT == outputs.MODERATOR_ROLE_ARN


# --- Attempts to get a refused request through -------------------------------------------------


def _sts(aws: Aws, access_key: str = "", secret: str = "") -> Any:
    """An STS client for these keys; by default a user allowed sts:AssumeRole on any role (AWS
    issues a session only to a principal allowed to ask for it, and so does the data plane)."""
    if not access_key:
        _, assumer = _user(aws, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
        access_key, secret = assumer.access_key, assumer.secret_key
    return boto3.client(
        "sts",
        endpoint_url=aws.endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
    )


def _session(session: dict[str, Any]) -> Credentials:
    return Credentials(session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"])


def _everyone_trust() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


@pytest.mark.parametrize(
    "condition",
    [
        {"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}},
        {"StringEquals": {"aws:username": "anyone"}},
        # A set operator over a key the request lacks matches on AWS.
        {"ForAllValues:StringEquals": {"aws:SourceArn": "arn:aws:s3:::nothing"}},
        # AWS substitutes the variable (this account): the Deny applies.
        {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
        # API Gateway is HTTPS only: on AWS this Deny always applies.
        {"Bool": {"aws:SecureTransport": "true"}},
    ],
    ids=["unknown-operator", "unknown-key", "set-operator", "policy-variable", "https"],
)
def test_a_deny_aws_would_apply_still_denies(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], condition: dict[str, Any]
) -> None:
    deny = {
        "Effect": "Deny",
        "Action": "execute-api:Invoke",
        "Resource": "*",
        "Condition": condition,
    }
    arn, credentials = _user(aws, _invoke(api[0]), deny)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=True
    )
    assert _stored(aws, comment)


def test_a_trailing_slash_does_not_escape_a_deny(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    everything = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": _arn(api[0])}
    arn, credentials = _user(aws, everything, deny)
    for variant in ("/comments/", "//comments", "/comments//"):
        url = comment.replace("/comments?", f"{variant}?")
        _denied(_delete(url, _signed_headers(url, credentials)), arn, _arn(api[0]), explicit=True)
    assert _stored(aws, comment)


def test_a_resource_wildcard_does_not_span_arn_components(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """IAM matches an ARN pattern component by component: `*` never crosses a colon."""
    spanning = {
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:{REGION}:*/DELETE/comments",
    }
    arn, credentials = _user(aws, spanning)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=False
    )
    # Whether AWS matches such a pattern at all is unverified: as a Deny, it applies.
    arn, credentials = _user(aws, _invoke(api[0]), {**spanning, "Effect": "Deny"})
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=True
    )
    assert _stored(aws, comment)


def test_a_namesake_user_of_another_account_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """A user of another account named like an allowed user of ours: without a resource policy
    on the API, no principal of another account may invoke it, whatever its own policies say."""
    allowed_arn, _ = _user(aws, _invoke(api[0]))
    name = allowed_arn.rsplit("/", 1)[1]
    other = "210987654321"
    outsider = _session(
        _sts(aws).assume_role(
            RoleArn=f"arn:aws:iam::{other}:role/admin", RoleSessionName="outsider"
        )["Credentials"]
    )
    other_iam = boto3.client(
        "iam",
        endpoint_url=aws.endpoint,
        region_name=REGION,
        aws_access_key_id=outsider.access_key,
        aws_secret_access_key=outsider.secret_key,
        aws_session_token=outsider.token,
    )
    user = other_iam.create_user(UserName=name)["User"]
    assert user["Arn"] == f"arn:aws:iam::{other}:user/{name}"
    key = other_iam.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    _refused(
        _delete(comment, _signed_headers(comment, credentials)),
        "AccessDeniedException",
        f"User: {user['Arn']} is not authorized to perform: execute-api:Invoke on resource: "
        f"{_arn(api[0])} because no resource-based policy allows the execute-api:Invoke action",
    )
    assert _stored(aws, comment)


def test_a_body_changed_after_an_unsigned_payload_signature_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """The payload hash in the canonical request is the body's own, whatever the client's
    x-amz-content-sha256 header says (UNSIGNED-PAYLOAD, or the hash of another body)."""
    _, credentials = _user(aws, _invoke(api[0]))
    for declared in ("UNSIGNED-PAYLOAD", hashlib.sha256(b"signed body").hexdigest()):
        request = AWSRequest(
            method="DELETE",
            url=comment,
            data=b"signed body",
            headers={"X-Amz-Content-SHA256": declared},
        )
        SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
        response = requests.delete(
            comment, headers=dict(request.headers.items()), data=b"another body", timeout=30
        )
        _refused(response, "InvalidSignatureException", authorization.SIGNATURE_MISMATCH)
    assert _stored(aws, comment)


@pytest.mark.parametrize(
    ("omitted", "message"),
    [
        ("host", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        ("x-amz-date", "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."),
    ],
)
def test_host_and_date_must_be_signed(
    comment: str,
    aws: Aws,
    api: tuple[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    omitted: str,
    message: str,
) -> None:
    _, credentials = _user(aws, _invoke(api[0]))
    request = AWSRequest(method="DELETE", url=comment)
    everything = SigV4Auth.headers_to_sign

    def leaving_one_out(self: SigV4Auth, request: AWSRequest) -> Any:
        headers = everything(self, request)  # botocore signs them all: leave one out
        del headers[omitted]
        return headers

    with monkeypatch.context() as patched:
        patched.setattr(SigV4Auth, "headers_to_sign", leaving_one_out)
        SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    assert omitted not in request.headers["Authorization"].split("SignedHeaders=")[1]
    _refused(
        _delete(comment, dict(request.headers.items())), "IncompleteSignatureException", message
    )
    assert _stored(aws, comment)


def test_a_header_repeated_after_signing_is_a_signature_mismatch(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """A second X-Amz-Date in another letter case is the same field: its values join, and the
    signature no longer matches."""
    _, credentials = _user(aws, _invoke(api[0]))
    headers = _signed_headers(comment, credentials)
    url = urlsplit(comment)
    connection = http.client.HTTPConnection(url.netloc, timeout=30)
    connection.putrequest("DELETE", f"{url.path}?{url.query}", skip_host=True)
    for name, value in [*headers.items(), ("Host", url.netloc), ("x-amz-date", "20000101T000000Z")]:
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    assert answer.status == 403, body
    assert answer.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    assert body == {"message": authorization.SIGNATURE_MISMATCH}
    assert _stored(aws, comment)


def _managed(aws: Aws, *statements: dict[str, Any]) -> str:
    return str(
        aws.iam.create_policy(
            PolicyName=f"managed-{uuid.uuid4().hex[:8]}",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
        )["Policy"]["Arn"]
    )


_READ_ONLY = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}


def _assumed(aws: Aws, api_id: str, **limits: Any) -> tuple[str, Credentials]:
    """A session of a new role allowed to invoke the method, assumed with `limits`."""
    name = f"limited-{uuid.uuid4().hex[:8]}"
    role = aws.role(name, _invoke(api_id), trust=_everyone_trust())
    boundary = limits.pop("boundary", None)
    if boundary:
        aws.iam.put_role_permissions_boundary(RoleName=name, PermissionsBoundary=boundary)
    session = _sts(aws).assume_role(RoleArn=role, RoleSessionName="limited", **limits)
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/limited", _session(session["Credentials"])


@pytest.mark.parametrize(
    ("limit", "because"),
    [
        ("boundary", "because no permissions boundary allows the execute-api:Invoke action"),
        ("Policy", "because no session policy allows the execute-api:Invoke action"),
        ("PolicyArns", "because no session policy allows the execute-api:Invoke action"),
        ("deny-Policy", "with an explicit deny in a session policy"),
        # AWS would not issue this session; moto does, and it allows nothing here.
        ("missing-PolicyArns", "because no session policy allows the execute-api:Invoke action"),
    ],
)
def test_a_boundary_or_session_policy_limits_the_role(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], limit: str, because: str
) -> None:
    """The role allows the call; what limits it (its permissions boundary, the session's inline
    or managed policies) does not, so AWS refuses."""
    options: dict[str, dict[str, Any]] = {
        "boundary": {"boundary": _managed(aws, _READ_ONLY)},
        "Policy": {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [_READ_ONLY]})},
        "PolicyArns": {"PolicyArns": [{"arn": _managed(aws, _READ_ONLY)}]},
        "missing-PolicyArns": {
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": [_invoke(api[0])]}),
            "PolicyArns": [{"arn": f"arn:aws:iam::{ACCOUNT}:policy/never-created"}],
        },
        "deny-Policy": {
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        _invoke(api[0]),
                        {**_invoke(api[0]), "Effect": "Deny"},
                    ],
                }
            )
        },
    }
    limits = options[limit]
    caller, credentials = _assumed(aws, api[0], **limits)
    _refused(
        _delete(comment, _signed_headers(comment, credentials)),
        "AccessDeniedException",
        f"User: {caller} is not authorized to perform: execute-api:Invoke on resource: "
        f"{_arn(api[0])} {because}",
    )
    assert _stored(aws, comment)


def test_a_boundary_and_session_policies_that_allow_let_the_role_delete(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    _, credentials = _assumed(
        aws,
        api[0],
        boundary=_managed(aws, _invoke(api[0])),
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [_READ_ONLY]}),
        PolicyArns=[{"arn": _managed(aws, _invoke(api[0]))}],
    )
    response = _delete(comment, _signed_headers(comment, credentials))
    assert response.status_code == 200, response.text
    assert not _stored(aws, comment)


def test_an_api_with_a_resource_policy_fails_loudly(
    gateway: GatewayServer,
    deployer: Deployer,
    aws: Aws,
    api: tuple[str, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """AWS would evaluate the resource policy (here: a Deny for everyone) for every method; the
    data plane cannot, so it answers 500 and names the reason in its log, never running one."""
    deny_all = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
        ],
    }
    api_id = deployer.deploy({**api[1], authorization.RESOURCE_POLICY: deny_all}, stage=STAGE)
    slug = f"/auth/{uuid.uuid4().hex}"
    created = aws.dynamodb.put_item(
        TableName=TABLE,
        Item={"slug": {"S": slug}, "createdAt": {"N": "1"}, "author": {"S": "a"}},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    url = f"{gateway.url}/{api_id}/{STAGE}/comments?{urlencode({'slug': slug, 'createdAt': 1}, quote_via=quote)}"
    _, credentials = _user(aws, _invoke(api_id))
    for response in (
        _delete(url, _signed_headers(url, credentials)),
        requests.get(f"{gateway.url}/{api_id}/{STAGE}/comments?slug=/x", timeout=30),
    ):
        assert response.status_code == 500, response.text
        assert response.json() == {"message": "Internal server error"}
    assert _stored(aws, url)
    assert "not supported by the emulator: the API's resource policy" in caplog.text


def _resigned(headers: dict[str, str], **changes: str) -> dict[str, str]:
    """`headers` with parts of its Authorization header or its X-Amz-Date replaced."""
    changed = dict(headers)
    if "amz_date" in changes:
        changed["X-Amz-Date"] = changes["amz_date"]
    if "authorization" in changes:
        changed["Authorization"] = changes["authorization"]
    return changed


def test_already_refused_attempts(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attempts the data plane refused before this review too, each with API Gateway's text."""
    arn, credentials = _user(aws, _invoke(api[0]))
    signed = _signed_headers(comment, credentials)
    authorization_header = signed["Authorization"]
    amz_date = signed["X-Amz-Date"]
    other_day = (
        datetime.datetime.strptime(amz_date[:8], "%Y%m%d") - datetime.timedelta(days=1)
    ).strftime("%Y%m%d")
    attempts: list[tuple[dict[str, str], str, str]] = [
        # The credential scope names another region / another day than X-Amz-Date.
        (
            _signed_headers(comment, credentials, region="eu-west-1"),
            "InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'eu-west-1'. ",
        ),
        (
            _resigned(signed, authorization=authorization_header.replace(amz_date[:8], other_day)),
            "InvalidSignatureException",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            f"HTTP: '{other_day}' != '{amz_date[:8]}', from '{amz_date}'.",
        ),
        # No X-Amz-Date at all.
        (
            {k: v for k, v in signed.items() if k != "X-Amz-Date"},
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ),
        # The algorithm in another letter case is not SigV4 to API Gateway.
        (
            _resigned(
                signed,
                authorization=authorization_header.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256"),
            ),
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        # A user's key with a session token added: no such session.
        (
            {**signed, "X-Amz-Security-Token": "stolen"},
            "AccessDeniedException",
            authorization.INVALID_TOKEN,
        ),
        # The signature in upper case.
        (
            _resigned(
                signed,
                authorization=authorization_header.rsplit("=", 1)[0]
                + "="
                + authorization_header.rsplit("=", 1)[1].upper(),
            ),
            "InvalidSignatureException",
            authorization.SIGNATURE_MISMATCH,
        ),
    ]
    # A session's keys without its token.
    role = aws.role(f"tokenless-{uuid.uuid4().hex[:8]}", _invoke(api[0]), trust=_everyone_trust())
    session = _session(_sts(aws).assume_role(RoleArn=role, RoleSessionName="s1")["Credentials"])
    attempts.append(
        (
            _signed_headers(comment, Credentials(session.access_key, session.secret_key)),
            "AccessDeniedException",
            authorization.INVALID_TOKEN,
        )
    )
    for headers, error_type, message in attempts:
        _refused(_delete(comment, headers), error_type, message)
    # Signed ten minutes ahead of the clock.
    ahead = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        minutes=10
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda **_: ahead)
    response = _delete(comment, _signed_headers(comment, credentials))
    assert response.status_code == 403
    assert response.json()["message"].startswith(
        f"Signature not yet current: {ahead.strftime('%Y%m%dT%H%M%SZ')} is still later than "
    )
    monkeypatch.undo()
    # A presigned URL (query-string signature) is no signature to the data plane.
    request = AWSRequest(method="DELETE", url=comment)
    botocore.auth.SigV4QueryAuth(credentials, "execute-api", REGION, expires=60).add_auth(request)
    assert "X-Amz-Signature=" in request.url
    _refused(
        _delete(request.url), "MissingAuthenticationTokenException", "Missing Authentication Token"
    )
    # The key of a user since deleted.
    name = arn.rsplit("/", 1)[1]
    aws.iam.delete_user_policy(UserName=name, PolicyName="inline")
    aws.iam.delete_access_key(UserName=name, AccessKeyId=credentials.access_key)
    aws.iam.delete_user(UserName=name)
    _refused(
        _delete(comment, _signed_headers(comment, credentials)),
        "AccessDeniedException",
        authorization.INVALID_TOKEN,
    )
    assert _stored(aws, comment)


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-LOWER"},
        {"Effect": "Allow", "NotAction": "execute-api:Invoke", "Resource": "*"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": "ARN"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-OTHER-ACCOUNT"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-OTHER-METHOD"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-OTHER-REGION"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-OTHER-API"},
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "ARN-ONE-CHAR-SHORT"},
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "ARN",
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
        },
    ],
    ids=[
        "resource-case",
        "not-action",
        "not-resource",
        "other-account",
        "other-method",
        "other-region",
        "other-api",
        "question-mark-one-char-short",
        "unknown-condition",
    ],
)
def test_policies_that_do_not_allow_the_method(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], statement: dict[str, Any]
) -> None:
    """Already refused: resources compare case-sensitively, NotAction/NotResource leave the
    method out, another account's or method's ARN is not this one, an Allow whose condition
    cannot be evaluated does not apply."""
    arns = {
        "ARN": _arn(api[0]),
        "ARN-LOWER": _arn(api[0]).replace("/DELETE/", "/delete/"),
        "ARN-OTHER-ACCOUNT": _arn(api[0]).replace(ACCOUNT, "210987654321"),
        "ARN-OTHER-METHOD": _arn(api[0]).replace("/DELETE/", "/POST/"),
        "ARN-OTHER-REGION": _arn(api[0]).replace(REGION, "eu-west-1"),
        "ARN-OTHER-API": _arn("0123456789"),
        # `?` is exactly one character: `comment?` is not `comments`'s 8 + 1.
        "ARN-ONE-CHAR-SHORT": _arn(api[0]).replace("/comments", "/comment?s"),
    }
    for key in ("Resource", "NotResource"):
        if key in statement:
            statement = {**statement, key: arns.get(statement[key], statement[key])}
    arn, credentials = _user(aws, statement)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=False
    )
    assert _stored(aws, comment)


def _raw_delete(url: str, headers: list[tuple[str, str]]) -> tuple[int, dict[str, str], Any]:
    """A DELETE with exactly these header lines (requests merges repeated names)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.putrequest("DELETE", f"{parts.path}?{parts.query}", skip_host=True)
    for name, value in [("Host", parts.netloc), *headers]:
        connection.putheader(name, value.encode("utf-8"))
    connection.endheaders()
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def test_a_malformed_authorization_header_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """The Authorization header twice, a part repeated or unknown, a part without `=`, a
    non-ASCII signature: each is one clear 403, never a 500 and never a pass."""
    _, credentials = _user(aws, _invoke(api[0]))
    signed = _signed_headers(comment, credentials)
    header = signed["Authorization"]
    others = [(k, v) for k, v in signed.items() if k != "Authorization"]

    def invalid_pair(received: str, missing_equal_sign: bool = False) -> str:
        digest = base64.b64encode(hashlib.sha256(received.encode()).digest()).decode()
        return (
            f"Invalid key=value pair{' (missing equal-sign)' if missing_equal_sign else ''} in "
            f"Authorization header (hashed with SHA-256 and encoded with Base64): '{digest}'."
        )

    repeated = f"{header}, Signature={header.rsplit('=', 1)[1]}"
    non_ascii = header.rsplit("=", 1)[0] + "=ñ" + "0" * 63
    attempts = [
        # The header twice: its values joined by a comma (RFC 9110), one reading or none.
        ([header, header], "IncompleteSignatureException", invalid_pair(f"{header},{header}")),
        ([repeated], "IncompleteSignatureException", invalid_pair(repeated)),
        (
            [f"{header}, Extra=1"],
            "IncompleteSignatureException",
            invalid_pair(f"{header}, Extra=1"),
        ),
        (
            [f"{header}, Extra"],
            "IncompleteSignatureException",
            invalid_pair(f"{header}, Extra", True),
        ),
        ([non_ascii], "InvalidSignatureException", authorization.SIGNATURE_MISMATCH),
    ]
    for values, error_type, message in attempts:
        status, headers, body = _raw_delete(
            comment, [*others, *(("Authorization", v) for v in values)]
        )
        assert (status, headers["x-amzn-errortype"], body) == (
            403,
            error_type,
            {"message": message},
        ), values
    assert _stored(aws, comment)


def test_an_x_amz_date_not_in_basic_format_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`20261201T11305Z` (seconds unpadded) names a moment within the window, and the client
    signed it consistently; it is still not ISO-8601 basic format."""
    _, credentials = _user(aws, _invoke(api[0]))
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, second=5, microsecond=0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda **_: now)
    monkeypatch.setattr(botocore.auth, "SIGV4_TIMESTAMP", "%Y%m%dT%H%M5Z")
    headers = _signed_headers(comment, credentials)
    assert headers["X-Amz-Date"] == now.strftime("%Y%m%dT%H%M5Z")
    _refused(
        _delete(comment, headers),
        "IncompleteSignatureException",
        f"Date must be in ISO-8601 'basic format'. Got '{headers['X-Amz-Date']}'.",
    )
    assert _stored(aws, comment)


def test_a_deny_on_a_resource_with_a_policy_variable_still_denies(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """AWS substitutes `${aws:PrincipalAccount}` (this account), so the Deny names this API;
    the data plane does not substitute variables, so such a pattern counts as matching a Deny
    and as not matching an Allow."""
    pattern = _arn(api[0]).replace(ACCOUNT, "${aws:PrincipalAccount}")
    deny = {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": pattern}
    arn, credentials = _user(aws, _invoke(api[0]), deny)
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=True
    )
    arn, credentials = _user(aws, {**deny, "Effect": "Allow"})
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=False
    )
    assert _stored(aws, comment)


def test_the_pending_list_needs_its_own_permission(
    gateway: GatewayServer, deployer: Deployer, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """On a pre-moderating API, GET /moderation/pending is AWS_IAM too: unsigned, or signed by
    a principal allowed only DELETE /comments (or only the queue of another stage), it is
    refused; allowed on its own method ARN, it answers."""
    role = aws.role(
        f"pre-{uuid.uuid4().hex[:8]}",
        {"Effect": "Allow", "Action": list(api_definition.DYNAMODB_ACTIONS), "Resource": TABLE_ARN},
    )
    document = api_definition.build_api_document(
        api_definition.ApiInputs(
            title="pre-moderation",
            region=REGION,
            table_name=TABLE,
            role_arn=role,
            cors_allowed_origins=("*",),
            smoke_slug_prefix="/__smoke__/",
            smoke_ttl_seconds=3600,
            pre_moderation=True,
        )
    )
    api_id = deployer.deploy(document, stage=STAGE)
    url = f"{gateway.url}/{api_id}/{STAGE}/moderation/pending?limit=10"
    pending = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/{STAGE}/GET/moderation/pending"
    _refused(
        requests.get(url, timeout=30),
        "MissingAuthenticationTokenException",
        "Missing Authentication Token",
    )
    for allowed in (_arn(api_id), pending.replace(f"/{STAGE}/", "/prod/")):
        arn, credentials = _user(
            aws, {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": allowed}
        )
        _refused(
            requests.get(url, headers=_signed_headers(url, credentials, method="GET"), timeout=30),
            "AccessDeniedException",
            f"User: {arn} is not authorized to perform: execute-api:Invoke on resource: "
            f"{pending} because no identity-based policy allows the execute-api:Invoke action",
        )
    _, credentials = _user(
        aws, {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": pending}
    )
    response = requests.get(
        url, headers=_signed_headers(url, credentials, method="GET"), timeout=30
    )
    # Past authorization: the shared test table has no pending index, so the integration fails.
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})


def test_a_namesake_user_of_another_partition_is_refused(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """The same account number in aws-cn is another principal, unknown to this partition's API
    Gateway: its key is an invalid token, whatever our user of the same name may do."""
    allowed_arn, _ = _user(aws, _invoke(api[0]))
    name = allowed_arn.rsplit("/", 1)[1]
    china = boto3.client(
        "iam",
        endpoint_url=aws.endpoint,
        region_name="cn-north-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    user = china.create_user(UserName=name)["User"]
    assert user["Arn"] == f"arn:aws-cn:iam::{ACCOUNT}:user/{name}"
    key = china.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    _refused(
        _delete(comment, _signed_headers(comment, credentials)),
        "AccessDeniedException",
        authorization.INVALID_TOKEN,
    )
    assert _stored(aws, comment)


def test_a_pathological_wildcard_answers_at_once(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """`*a*a…*b` against a principal named `aaaa…`: a backtracking matcher would take years
    (the request would time out and the data plane spin); IAM's answer is simply no match."""
    name = "a" * 60
    aws.iam.create_user(UserName=name)
    stars = {
        **_invoke(api[0]),
        "Condition": {"StringLike": {"aws:PrincipalArn": "*a" * 30 + "*b"}},
    }
    aws.iam.put_user_policy(
        UserName=name,
        PolicyName="inline",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [stars]}),
    )
    key = aws.iam.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    _denied(
        _delete(comment, _signed_headers(comment, credentials)), arn, _arn(api[0]), explicit=False
    )
    assert _stored(aws, comment)


def test_signed_headers_listed_out_of_order_are_a_mismatch(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that lists, and signs in that order, `x-amz-date;host` signed no SigV4
    canonical request."""
    _, credentials = _user(aws, _invoke(api[0]))

    def reversed_names(headers: Any) -> list[str]:
        return sorted(set(headers), reverse=True)

    monkeypatch.setattr(
        SigV4Auth, "signed_headers", lambda self, headers: ";".join(reversed_names(headers))
    )
    monkeypatch.setattr(
        SigV4Auth,
        "canonical_headers",
        lambda self, headers: "\n".join(
            f"{name}:{' '.join(headers[name].split())}" for name in reversed_names(headers)
        ),
    )
    headers = _signed_headers(comment, credentials)
    assert "SignedHeaders=x-amz-date;host," in headers["Authorization"]
    _refused(
        _delete(comment, headers), "InvalidSignatureException", authorization.SIGNATURE_MISMATCH
    )
    assert _stored(aws, comment)


def test_path_and_query_tricks_on_a_signed_request(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """Already refused. The request is signed for `/comments?slug=…&createdAt=…`; then sent:
    with dot segments (the same canonical path, but no route: 403 Missing Authentication
    Token), with `comments` percent-encoded (the same route, another canonical path), with a
    parameter added or a value double-encoded (another canonical query)."""
    _, credentials = _user(aws, _invoke(api[0]))
    headers = _signed_headers(comment, credentials)
    path, query = comment.split("?", 1)
    base = path.rsplit("/comments", 1)[0]
    no_route = ("MissingAuthenticationTokenException", "Missing Authentication Token")
    mismatch = ("InvalidSignatureException", authorization.SIGNATURE_MISMATCH)
    for sent, expected in [
        (f"{base}/x/../comments?{query}", no_route),
        (f"{base}/./comments?{query}", no_route),
        (f"{base}/%63omments?{query}", mismatch),
        (f"{comment}&slug=%2Fother", mismatch),
        (comment.replace("slug=%2F", "slug=%252F"), mismatch),
    ]:
        status, answer_headers, body = _raw_delete(sent, list(headers.items()))
        assert (status, answer_headers["x-amzn-errortype"], body) == (
            403,
            expected[0],
            {"message": expected[1]},
        ), sent
    assert _stored(aws, comment)


def test_a_users_permissions_boundary_limits_the_user(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """moto accepts CreateUser's PermissionsBoundary and drops it; the emulator keeps it, so the
    user's own Allow is limited by the boundary as on AWS."""
    name = f"bounded-{uuid.uuid4().hex[:8]}"
    aws.iam.create_user(UserName=name, PermissionsBoundary=_managed(aws, _READ_ONLY))
    aws.iam.put_user_policy(
        UserName=name,
        PolicyName="inline",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [_invoke(api[0])]}),
    )
    key = aws.iam.create_access_key(UserName=name)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    _refused(
        _delete(comment, _signed_headers(comment, credentials)),
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: "
        f"execute-api:Invoke on resource: {_arn(api[0])} because no permissions boundary allows "
        "the execute-api:Invoke action",
    )
    assert _stored(aws, comment)
    # A boundary that allows the call lets the user delete.
    allowed = f"allowed-{uuid.uuid4().hex[:8]}"
    aws.iam.create_user(UserName=allowed, PermissionsBoundary=_managed(aws, _invoke(api[0])))
    aws.iam.put_user_policy(
        UserName=allowed,
        PolicyName="inline",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [_invoke(api[0])]}),
    )
    key = aws.iam.create_access_key(UserName=allowed)["AccessKey"]
    credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    assert _delete(comment, _signed_headers(comment, credentials)).status_code == 200
    assert not _stored(aws, comment)


def test_a_session_longer_than_the_role_allows_is_no_token(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """The role allows one-hour sessions (the default); AWS refuses to issue a 12-hour one,
    moto issues it: its key is an invalid token. A one-hour session of the same role deletes."""
    role = aws.role(f"hourly-{uuid.uuid4().hex[:8]}", _invoke(api[0]), trust=_everyone_trust())
    long = _sts(aws).assume_role(RoleArn=role, RoleSessionName="long", DurationSeconds=43200)
    _refused(
        _delete(comment, _signed_headers(comment, _session(long["Credentials"]))),
        "AccessDeniedException",
        authorization.INVALID_TOKEN,
    )
    assert _stored(aws, comment)
    hour = _sts(aws).assume_role(RoleArn=role, RoleSessionName="hour", DurationSeconds=3600)
    response = _delete(comment, _signed_headers(comment, _session(hour["Credentials"])))
    assert response.status_code == 200, response.text
    assert not _stored(aws, comment)


def _moderator_role(aws: Aws, api_id: str) -> str:
    """A role like the stack's moderator role: it trusts the account root, so only principals
    whose own policies allow sts:AssumeRole on it may assume it."""
    return aws.role(f"moderator-{uuid.uuid4().hex[:8]}", _invoke(api_id), trust=_everyone_trust())


def test_a_session_no_allowed_principal_could_have_obtained_is_no_token(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """moto's STS issues any role's session to anyone; AWS issues it only to a principal the
    trust policy names, or (trusting the account root) one whose own policies allow
    sts:AssumeRole on the role. Sessions obtained otherwise are invalid tokens here."""
    role = _moderator_role(aws, api[0])
    _, nobody = _user(aws)  # an IAM user with no policy at all
    _, elsewhere = _user(aws, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    denied = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": role}
    _, forbidden = _user(
        aws, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}, denied
    )
    callers = {
        "moto's default keys, no IAM principal": Credentials("testing", "testing"),
        "a user without sts:AssumeRole": nobody,
        "a user denied sts:AssumeRole on the role": forbidden,
    }
    for why, caller in callers.items():
        sts = _sts(aws, caller.access_key, caller.secret_key)
        session = _session(sts.assume_role(RoleArn=role, RoleSessionName="s1")["Credentials"])
        response = _delete(comment, _signed_headers(comment, session))
        assert response.status_code == 403, why
        assert response.json() == {"message": authorization.INVALID_TOKEN}, why
    assert _stored(aws, comment)
    # A trust policy that names a user lets it in without a policy of its own.
    named_arn, named = _user(aws)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": named_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    naming = aws.role(f"naming-{uuid.uuid4().hex[:8]}", _invoke(api[0]), trust=trust)
    for assumer, assumed in ((elsewhere, role), (named, naming)):
        sts = _sts(aws, assumer.access_key, assumer.secret_key)
        session = _session(sts.assume_role(RoleArn=assumed, RoleSessionName="s1")["Credentials"])
        assert _delete(comment, _signed_headers(comment, session)).status_code in (200, 404)
    assert not _stored(aws, comment)


def test_a_web_identity_session_is_no_token(
    comment: str, aws: Aws, api: tuple[str, dict[str, Any]]
) -> None:
    """moto issues AssumeRoleWithWebIdentity sessions without checking any identity provider's
    token, so the data plane takes none of them."""
    role = _moderator_role(aws, api[0])
    session = _sts(aws).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="web", WebIdentityToken="not-a-token"
    )
    _refused(
        _delete(comment, _signed_headers(comment, _session(session["Credentials"]))),
        "AccessDeniedException",
        authorization.INVALID_TOKEN,
    )
    assert _stored(aws, comment)
