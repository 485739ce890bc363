"""The data plane signs its DynamoDB calls itself (SigV4, the signing key kept per day): the
Authorization header must be exactly what botocore's signer computes for the same request."""

from __future__ import annotations

import datetime
from typing import Self
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from emulator.gateway.aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY, sigv4_authorization

SIGNED_AT = datetime.datetime(2026, 12, 1, 8, 30, 0)


class _Frozen(datetime.datetime):
    """The clock botocore's signer reads, stopped at SIGNED_AT."""

    @classmethod
    def utcnow(cls) -> Self:
        return cls(*SIGNED_AT.timetuple()[:6])

    @classmethod
    def now(cls, tz: datetime.tzinfo | None = None) -> Self:
        return cls(*SIGNED_AT.timetuple()[:6], tzinfo=tz)


@pytest.mark.parametrize(
    ("target", "body", "region"),
    [
        ("DynamoDB_20120810.Query", b'{"TableName": "comments"}', "us-east-1"),
        ("DynamoDB_20120810.UpdateItem", '{"x": "é  \\u2028"}'.encode(), "eu-west-3"),
        ("DynamoDB_20120810.Query", b"", "us-east-1"),
    ],
)
def test_signature_matches_botocore(target: str, body: bytes, region: str) -> None:
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "Host": "127.0.0.1:45660",
        "X-Amz-Date": SIGNED_AT.strftime("%Y%m%dT%H%M%SZ"),
        "X-Amz-Target": target,
    }
    expected = AWSRequest(
        method="POST",
        url="http://127.0.0.1:45660/",
        data=body,
        headers={k: v for k, v in headers.items() if k != "Host"},
    )
    with mock.patch("botocore.auth.datetime.datetime", _Frozen):
        SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "dynamodb", region).add_auth(
            expected
        )
    ours = sigv4_authorization("POST", "/", headers, body, service="dynamodb", region=region)
    assert ours == expected.headers["Authorization"]
