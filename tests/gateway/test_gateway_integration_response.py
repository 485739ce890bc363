"""Integration response: whole-match selection, templates by Accept, responseOverride."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import api, invoke, method, mock
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server


def _status_api(
    backend_status: int, responses: dict[str, Any], statuses: tuple[str, ...]
) -> dict[str, Any]:
    """A mock whose integration status is ``backend_status``."""
    integration = mock(
        responses, templates={"application/json": f'{{"statusCode": {backend_status}}}'}
    )
    return api({"/s": {"get": method(integration, statuses=statuses)}})


def test_selection_pattern_must_match_the_whole_status_code(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    prefix_only = deployer.deploy(
        _status_api(
            400, {"4": {"statusCode": "418"}, "default": {"statusCode": "200"}}, ("200", "418")
        )
    )
    assert invoke(gateway.url, prefix_only, "/s").status_code == 200
    whole = deployer.deploy(
        _status_api(
            400,
            {"4\\d{2}": {"statusCode": "409"}, "default": {"statusCode": "200"}},
            ("200", "409"),
        )
    )
    assert invoke(gateway.url, whole, "/s").status_code == 409


def test_no_matching_response_and_no_default_is_500(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(_status_api(400, {"2\\d{2}": {"statusCode": "200"}}, ("200",)))
    response = invoke(gateway.url, api_id, "/s")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_integration_response_without_method_response_is_500(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(_status_api(200, {"default": {"statusCode": "201"}}, ("200",)))
    assert invoke(gateway.url, api_id, "/s").status_code == 500


def test_response_override_sets_status_and_header_after_rendering(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = (
        '{"before": true}'
        "#set($context.responseOverride.status = 409)"
        "#set($context.responseOverride.header.X-Why = 'conflict')"
    )
    api_id = deployer.deploy(
        _status_api(
            200,
            {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}},
            ("200",),
        )
    )
    response = invoke(gateway.url, api_id, "/s")
    assert response.status_code == 409
    assert response.headers["X-Why"] == "conflict"
    assert response.json() == {"before": True}


def test_setting_the_same_override_twice_is_500(gateway: GatewayServer, deployer: Deployer) -> None:
    template = (
        "#set($context.responseOverride.status = 409)#set($context.responseOverride.status = 400)"
    )
    api_id = deployer.deploy(
        _status_api(
            200,
            {"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}},
            ("200",),
        )
    )
    response = invoke(gateway.url, api_id, "/s")
    assert response.status_code == 500
    assert response.json() == {"message": "Internal server error"}


def test_response_template_is_chosen_by_accept_then_json_then_first(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    with_json = deployer.deploy(
        _status_api(
            200,
            {
                "default": {
                    "statusCode": "200",
                    "responseTemplates": {
                        "text/plain": "plain",
                        "application/json": '{"t":"json"}',
                    },
                }
            },
            ("200",),
        )
    )
    plain = invoke(gateway.url, with_json, "/s", headers={"Accept": "text/plain"})
    assert (plain.text, plain.headers["Content-Type"]) == ("plain", "text/plain")
    assert invoke(gateway.url, with_json, "/s", headers={"Accept": "application/xml"}).json() == {
        "t": "json"
    }
    assert invoke(gateway.url, with_json, "/s").json() == {"t": "json"}
    without_json = deployer.deploy(
        _status_api(
            200,
            {
                "default": {
                    "statusCode": "200",
                    "responseTemplates": {"text/html": "<p>", "text/plain": "plain"},
                }
            },
            ("200",),
        )
    )
    assert (
        invoke(gateway.url, without_json, "/s", headers={"Accept": "application/xml"}).text == "<p>"
    )


def test_response_parameters_map_static_values_to_headers(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    api_id = deployer.deploy(
        _status_api(
            200,
            {
                "default": {
                    "statusCode": "200",
                    "responseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": "'*'"
                    },
                }
            },
            ("200",),
        )
    )
    assert invoke(gateway.url, api_id, "/s").headers["Access-Control-Allow-Origin"] == "*"


def test_options_preflight_with_mock_integration(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    integration = mock(
        {
            "default": {
                "statusCode": "200",
                "responseParameters": {
                    "method.response.header.Access-Control-Allow-Methods": "'GET,POST,OPTIONS'",
                    "method.response.header.Access-Control-Allow-Origin": "'*'",
                },
            }
        }
    )
    api_id = deployer.deploy(api({"/comments": {"options": method(integration)}}))
    response = invoke(gateway.url, api_id, "/comments", method_name="OPTIONS")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"
