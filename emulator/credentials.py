"""Credentials moto issued, for the data plane's SigV4 check (runs inside the moto process).

API Gateway verifies a signed request against the caller's secret key, which IAM and STS never
return after issuing it. moto keeps every key it issued in memory, in its own process; this adds
one endpoint to moto's server, ``GET /moto-api/comments/credentials?accessKeyId=<id>``, that
answers what API Gateway's authorizer knows about a key: its secret, its session token and expiry
(assumed-role sessions), whether it is active, and the principal it signs for. It serves only the
loopback address the environment binds moto to, like the rest of moto's API.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.iam.models import iam_backends
from moto.iam.responses import IamResponse
from moto.moto_api._internal import urls as moto_api_urls
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

PATH = "/moto-api/comments/credentials"
_JSON = {"Content-Type": "application/json"}


def find(access_key_id: str) -> dict[str, Any] | None:
    """The record of a user's access key or an assumed-role session key, or None."""
    for account_id, partitions in list(iam_backends.items()):
        for partition, backend in list(partitions.items()):
            for user in backend.list_users(None, None, None):
                for key in user.access_keys:
                    if key.access_key_id == access_key_id:
                        return {
                            "accessKeyId": key.access_key_id,
                            "secretAccessKey": key.secret_access_key,
                            "sessionToken": None,
                            "expiration": None,
                            "active": key.status == "Active",
                            "account": account_id,
                            "partition": partition,
                            "principalArn": user.arn,
                            "userName": user.name,
                            "roleArn": None,
                            "permissionsBoundaryArn": getattr(user, _BOUNDARY, None),
                        }
    for account_id, sts_partitions in list(sts_backends.items()):
        for partition, sts in list(sts_partitions.items()):
            for session in sts.assumed_roles:
                if session.access_key_id == access_key_id:
                    return {
                        "accessKeyId": session.access_key_id,
                        "secretAccessKey": session.secret_access_key,
                        "sessionToken": session.session_token,
                        "expiration": session.expiration.timestamp(),
                        "active": True,
                        "account": account_id,
                        "partition": partition,
                        "principalArn": session.arn,
                        "userName": None,
                        "roleArn": session.role_arn,
                        "sessionPolicy": session.policy or None,
                        "sessionPolicyArns": getattr(session, _POLICY_ARNS, None) or [],
                        "durationSeconds": getattr(session, _DURATION, None),
                        "assumedBy": getattr(session, _ASSUMED_BY, None),
                        "permissionsBoundaryArn": None,  # the role's: the gateway reads it
                    }
    return None


def _respond(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    wanted = parse_qs(urlparse(full_url).query).get("accessKeyId", [""])[0]
    record = find(wanted) if wanted else None
    if record is None:
        return 404, _JSON, json.dumps({"message": "no such access key"})
    return 200, _JSON, json.dumps(record)


# What moto accepts but drops, kept on its own objects: an AssumeRole's managed session policies
# (``PolicyArns``), requested duration and caller, the permissions boundary given to CreateUser.
# Without them a session or user would get more than AWS gives it.
_POLICY_ARNS = "comments_session_policy_arns"
_BOUNDARY = "comments_permissions_boundary"
_DURATION = "comments_duration_seconds"  # moto grants any; AWS caps it at the role's maximum
# The access key that called AssumeRole: moto's STS checks neither the trust policy nor the
# caller's permissions, so the data plane checks, when the session is used, that AWS would
# have issued it.
_ASSUMED_BY = "comments_assumed_by"


def _keeping(
    respond: Callable[[Any], Any], created: str, kept: dict[str, str]
) -> Callable[..., Any]:
    """Wrap a moto response method: after it ran, keep each parameter it was given (`kept`:
    parameter -> attribute) on the `created` object it answers, where find() reads them."""

    @functools.wraps(respond)
    def wrapper(self: Any) -> Any:
        answer = respond(self)
        result = getattr(answer, "result", None)
        target = result.get(created) if isinstance(result, dict) else None
        if target is not None:
            if created == "Credentials":
                setattr(target, _ASSUMED_BY, self.get_access_key())
            params = self._get_params()
            for param, attribute in kept.items():
                given = params.get(param)
                if param == "PolicyArns":  # [{"arn": ...}, ...]
                    given = [str(p.get("arn")) for p in given or []] or None
                elif param == "DurationSeconds":  # moto's default when none is given
                    given = int(given or 3600)
                setattr(target, attribute, given or None)
        return answer

    return wrapper


_SESSION = ("Credentials", {"PolicyArns": _POLICY_ARNS, "DurationSeconds": _DURATION})
_KEPT: dict[tuple[type, str], tuple[str, dict[str, str]]] = {
    # Web-identity and SAML sessions record no caller: the data plane refuses them (moto checks
    # no identity provider's token).
    (TokenResponse, "assume_role"): _SESSION,
    (IamResponse, "create_user"): ("User", {"PermissionsBoundary": _BOUNDARY}),
}


def install() -> None:
    """Register the endpoint with moto's own API routes (before the server builds its app)."""
    moto_api_urls.url_paths["{0}" + PATH] = _respond
    for (owner, name), (created, kept) in _KEPT.items():
        respond = getattr(owner, name)
        if not hasattr(respond, "__wrapped__"):  # install() may run more than once
            setattr(owner, name, _keeping(respond, created, kept))
