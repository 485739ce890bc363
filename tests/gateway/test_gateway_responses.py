"""Gateway responses (customised, DEFAULT_4XX fallback) and stage throttling."""

from __future__ import annotations

import time

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import echo_api, invoke
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server

CORS = {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}


def test_uncustomised_types_fall_back_to_default_4xx_with_its_cors_headers(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = echo_api("ok")
    definition["x-amazon-apigateway-gateway-responses"] = {
        "DEFAULT_4XX": {
            "responseParameters": {
                **CORS,
                "gatewayresponse.header.X-Request-Origin": "method.request.header.Origin",
            },
            "responseTemplates": {
                "application/json": '{"message":$context.error.messageString,"id":"$context.requestId"}'
            },
        }
    }
    api_id = deployer.deploy(definition)
    response = invoke(gateway.url, api_id, "/missing", headers={"Origin": "https://site"})
    assert response.status_code == 403
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Request-Origin"] == "https://site"
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert response.json() == {
        "message": "Missing Authentication Token",
        "id": response.headers["x-amzn-RequestId"],
    }


def test_without_gateway_responses_errors_carry_no_cors_headers(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    response = invoke(gateway.url, deployer.deploy(echo_api("ok")), "/missing")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response.headers


def test_throttled_stage_answers_429_then_recovers_after_refill(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = echo_api("ok")
    definition["x-amazon-apigateway-gateway-responses"] = {
        "THROTTLED": {"responseParameters": CORS}
    }
    # One token a second: four requests would have to take a second apiece to escape throttling,
    # so a slow machine cannot turn the 429s this test expects into 200s.
    api_id = deployer.deploy(definition, throttle={"rateLimit": 1, "burstLimit": 2})
    statuses = [invoke(gateway.url, api_id, "/echo").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200]
    assert 429 in statuses[2:]
    throttled = invoke(gateway.url, api_id, "/echo")
    assert throttled.status_code == 429
    assert throttled.json() == {"message": "Too Many Requests"}
    assert throttled.headers["x-amzn-ErrorType"] == "TooManyRequestsException"
    assert throttled.headers["Access-Control-Allow-Origin"] == "*"
    time.sleep(1.1)  # a token refilled
    assert invoke(gateway.url, api_id, "/echo").status_code == 200
