"""Route matching and state-file reloading."""

from __future__ import annotations

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import echo_api, invoke
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server


def test_unknown_api_stage_route_or_method_is_403_missing_authentication_token(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(echo_api("hello"))
    assert invoke(gateway.url, api_id, "/echo").text == "hello"
    for response in (
        invoke(gateway.url, "nosuchapi", "/echo"),
        invoke(gateway.url, api_id, "/echo", stage="nosuchstage"),
        invoke(gateway.url, api_id, "/nope"),
        invoke(gateway.url, api_id, "/echo", method_name="DELETE"),
    ):
        assert response.status_code == 403
        assert response.json() == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_literal_resource_wins_over_path_parameter(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = echo_api("param $input.params('id')", path="/items/{id}")
    definition["paths"].update(echo_api("literal", path="/items/special")["paths"])
    api_id = deployer.deploy(definition)
    assert invoke(gateway.url, api_id, "/items/special").text == "literal"
    assert invoke(gateway.url, api_id, "/items/other").text == "param other"


def test_redeploy_rewrites_state_file_and_running_gateway_serves_it(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(echo_api("version one"))
    assert invoke(gateway.url, api_id, "/echo").text == "version one"
    deployer.deploy(echo_api("version two"), api_id=api_id)
    assert invoke(gateway.url, api_id, "/echo").text == "version two"


def test_unsupported_integration_type_fails_loudly_with_500(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = echo_api("x")
    definition["paths"]["/echo"]["get"]["x-amazon-apigateway-integration"] = {
        "type": "http_proxy",
        "uri": "http://example.com",
        "httpMethod": "GET",
    }
    response = invoke(gateway.url, deployer.deploy(definition), "/echo")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_any_method_serves_methods_without_their_own_operation(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    definition = echo_api("get")
    any_method = echo_api("any $context.httpMethod")["paths"]["/echo"]["get"]
    definition["paths"]["/echo"]["x-amazon-apigateway-any-method"] = any_method
    api_id = deployer.deploy(definition)
    assert invoke(gateway.url, api_id, "/echo").text == "get"
    assert invoke(gateway.url, api_id, "/echo", method_name="PATCH").text == "any PATCH"
