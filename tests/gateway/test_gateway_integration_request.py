"""Integration request: request template choice, passthroughBehavior, $input variables."""

from __future__ import annotations

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import api, echo_api, invoke, method, mock
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server

# The mock integration answers the status its request template names, so a response of
# 201 proves the raw body was passed through and 200 proves the JSON template ran.
RESPONSES = {"201": {"statusCode": "201"}, "default": {"statusCode": "200"}}
PASSED_THROUGH = '{"statusCode": 201}'


def _mock_api(passthrough: str, templates: dict[str, str]) -> dict[str, object]:
    integration = mock(RESPONSES, templates=templates, passthrough=passthrough)
    return api({"/m": {"post": method(integration, statuses=("200", "201"))}})


@pytest.mark.parametrize(
    ("passthrough", "templates", "expected"),
    [
        ("when_no_match", {"application/json": '{"statusCode": 200}'}, 201),
        ("when_no_templates", {"application/json": '{"statusCode": 200}'}, 415),
        ("when_no_templates", {}, 201),
        ("never", {"application/json": '{"statusCode": 200}'}, 415),
    ],
)
def test_unmatched_content_type_follows_passthrough_behavior(
    gateway: GatewayServer,
    deployer: Deployer,
    passthrough: str,
    templates: dict[str, str],
    expected: int,
) -> None:
    api_id = deployer.deploy(_mock_api(passthrough, templates))
    response = invoke(
        gateway.url,
        api_id,
        "/m",
        method_name="POST",
        body=PASSED_THROUGH,
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == expected
    if expected == 415:
        assert response.json() == {"message": "Unsupported Media Type"}
        assert response.headers["x-amzn-ErrorType"] == "UnsupportedMediaTypeException"


def test_content_type_parameters_and_case_are_ignored_when_choosing_the_template(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(_mock_api("never", {"application/json": '{"statusCode": 200}'}))
    for content_type in ("application/json; charset=UTF-8", "Application/JSON;charset=utf-8"):
        response = invoke(
            gateway.url,
            api_id,
            "/m",
            method_name="POST",
            body=PASSED_THROUGH,
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, content_type


def test_missing_content_type_counts_as_application_json(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(_mock_api("never", {"application/json": '{"statusCode": 200}'}))
    response = invoke(gateway.url, api_id, "/m", method_name="POST", body=PASSED_THROUGH)
    assert "Content-Type" not in response.request.headers
    assert response.status_code == 200


def test_empty_body_renders_input_body_as_empty_object(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = '#if($input.body == \'{}\'){"statusCode": 201}#else{"statusCode": 200}#end'
    api_id = deployer.deploy(_mock_api("never", {"application/json": template}))
    assert invoke(gateway.url, api_id, "/m", method_name="POST").status_code == 201
    assert invoke(gateway.url, api_id, "/m", method_name="POST", body="[]").status_code == 200


def test_input_params_searches_path_then_querystring_then_header(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = "$input.params('id')|$input.params('q')|$input.params('h')|[$input.params('none')]"
    api_id = deployer.deploy(echo_api(template, path="/items/{id}"))
    response = invoke(
        gateway.url,
        api_id,
        "/items/from-path",
        params={"id": "from-query", "q": "from-query"},
        headers={"id": "from-header", "q": "from-header", "h": "from-header"},
    )
    assert response.text == "from-path|from-query|from-header|[]"


def test_input_params_map_lists_path_querystring_and_header(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = "$input.params().path|$input.params().querystring|$input.params().header.get('X-K')"
    api_id = deployer.deploy(echo_api(template, path="/items/{id}"))
    response = invoke(gateway.url, api_id, "/items/7", params={"a": "1"}, headers={"X-K": "v"})
    assert response.text == "{id=7}|{a=1}|v"
