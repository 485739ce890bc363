"""Whatever a client sends, the gateway answers like API Gateway: never a traceback or a 5xx."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.gateway import GatewayServer
from tests.gateway.conftest import Deployer
from tests.gateway.test_gateway_dynamodb import _put_api

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def put_api(deployer: Deployer, writer_role: str) -> str:
    return deployer.deploy(_put_api(writer_role))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8")),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["slug", "comment", "x"]), inner, max_size=3)
            ),
            max_leaves=6,
        ).map(lambda v: json.dumps(v).encode("utf-8")),
    ),
    content_type=st.sampled_from(
        [None, "application/json", "text/plain", "application/json; charset=latin-1", ";", "*/*"]
    ),
    suffix=st.text(max_size=12),
)
def test_arbitrary_requests_never_produce_a_5xx(
    gateway: GatewayServer, put_api: str, body: bytes, content_type: str | None, suffix: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = f"{gateway.url}/{put_api}/test/comments{quote(suffix)}"
    response = requests.post(url, data=body, headers=headers, timeout=30)
    assert response.status_code < 500, (response.status_code, response.text)
    assert response.headers.get("x-amzn-RequestId")
