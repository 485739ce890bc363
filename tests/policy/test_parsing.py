"""The pack reads its inputs as AWS does, or stricter: JSON with a repeated key is refused,
header names compare case-insensitively, and a number given as text counts by its value (or is
refused, never read as unset)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from comments_policy.common import NotANumber, header_key, load_json, number, quantity
from tests.policy.builders import (
    Stack,
    assert_has_violation,
    assert_no_violations,
    findings,
    resource,
)

LEAST = "iam-least-privilege"
VALIDATION = "apigateway-write-validation"
CORS = "apigateway-cors-origin"
THROTTLING = "apigateway-throttling-within-caps"
STAGE_THROTTLED = "apigateway-stage-throttled"
ACCESS_LOGGING = "apigateway-stage-access-logging"
BUDGET = "dynamodb-monthly-cost-budget"

# -- one JSON parser -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"a": 1, "a": 2}', "repeats the key 'a' in one object"),
        ('{"x": {"Effect": "Deny", "Effect": "Allow"}}', "repeats the key 'Effect'"),
        ('[{"k": 1}, {"k": 2, "k": 3}]', "repeats the key 'k'"),
        ('{"n": NaN}', "is not valid JSON (NaN is not JSON)"),
        ('{"n": -Infinity}', "is not valid JSON (-Infinity is not JSON)"),
        ("{'a': 1}", "is not valid JSON (Expecting property name enclosed in double quotes)"),
    ],
)
def test_load_json_refuses_what_parsers_read_differently(text: str, error: str) -> None:
    value, found = load_json(text)
    assert value is None
    assert found is not None and found.startswith(error), found


def test_load_json_reads_a_plain_document() -> None:
    # The same key in two different objects is not a repeat.
    assert load_json('{"a": {"k": 1}, "b": {"k": 2}}') == ({"a": {"k": 1}, "b": {"k": 2}}, None)


def duplicated(document: dict[str, Any], where: str, key: str, value: Any) -> str:
    """`document` as JSON text with `key` written a second time inside the object at `where`."""
    text = json.dumps(document)
    marker = f'"{where}": {{'
    assert marker in text
    return text.replace(marker, f'{marker}"{key}": {json.dumps(value)}, ', 1)


def test_an_iam_policy_with_a_repeated_key_is_refused() -> None:
    stack = Stack()
    # One reader sees Deny (the first Effect), another Allow (the last).
    stack.access = json.dumps(stack.access).replace(
        '"Effect": "Allow"', '"Effect": "Deny", "Effect": "Allow"'
    )
    assert_has_violation(
        LEAST,
        stack.resources(),
        "policy repeats the key 'Effect' in one object, which parsers read differently",
    )


def test_an_api_body_with_a_repeated_key_is_refused() -> None:
    stack = Stack()
    # A second, unvalidated POST /comments: whichever the importer keeps, the checks read one.
    stack.body = duplicated(stack.body, "/comments", "post", {"summary": "unvalidated"})
    finding = assert_has_violation(VALIDATION, stack.resources(), "body repeats the key 'post'")
    assert "this pack reads JSON API definitions" in finding.message


def test_a_topic_policy_with_a_repeated_key_is_refused() -> None:
    from comments_policy.common import parse_document

    document = parse_document("policy", '{"Statement": [], "Statement": [{"Effect": "Allow"}]}')
    assert document.body is None
    assert document.error == (
        "policy repeats the key 'Statement' in one object, which parsers read differently "
        "(first or last); write each key once; it cannot be checked"
    )


def test_a_dashboard_body_with_a_repeated_key_is_refused() -> None:
    dashboard = resource(
        "aws:cloudwatch/dashboard:Dashboard",
        "ops",
        {"dashboardBody": '{"widgets": [], "widgets": [{"type": "log"}]}'},
    )
    assert_has_violation(
        BUDGET, Stack(extra=[dashboard]).resources(), "Dashboard 'ops' dashboardBody repeats"
    )


# -- header names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "method.response.header.Access-Control-Allow-Origin",
        "method.response.header.access-control-allow-origin",
        "gatewayresponse.header.ACCESS-CONTROL-ALLOW-ORIGIN",
    ],
)
def test_header_names_compare_case_insensitively(key: str) -> None:
    assert header_key(key, "Access-Control-Allow-Origin")
    assert not header_key(
        key.replace("Origin", "Methods").replace("origin", "methods").replace("ORIGIN", "METHODS"),
        "Access-Control-Allow-Origin",
    )


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("access-control-allow-origin", "'*'"),
        ("ACCESS-CONTROL-ALLOW-ORIGIN", "'*'"),
        ("Access-Control-Allow-Origin", " '*' "),
    ],
)
def test_any_origin_is_refused_whatever_the_header_case(header: str, value: str) -> None:
    stack = Stack()
    post = stack.body["paths"]["/comments"]["post"]["x-amazon-apigateway-integration"]
    post["responses"]["default"]["responseParameters"] = {f"method.response.header.{header}": value}
    assert_has_violation(CORS, stack.resources(), "allows any origin ('*')")


def test_a_gateway_response_with_a_lower_case_header_is_refused() -> None:
    response = resource(
        "aws:apigateway/response:Response",
        "default-4xx",
        {"responseParameters": {"gatewayresponse.header.access-control-allow-origin": "'*'"}},
    )
    assert_has_violation(CORS, Stack(extra=[response]).resources(), "allows any origin ('*')")


# -- numbers given as text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5.0), (2.5, 2.5), ("40000", 40000.0), ("-1", -1.0), ("0.25", 0.25), (None, None)],
)
def test_quantity_reads_numbers_and_decimal_text(value: Any, expected: float | None) -> None:
    assert quantity(value) == expected
    assert number(value) == expected


@pytest.mark.parametrize(
    "value", ["4e4", " 5", "5 ", "0x10", "1_000", "NaN", "inf", "", True, [5], {"n": 5}]
)
def test_quantity_refuses_what_is_not_a_plain_number(value: Any) -> None:
    with pytest.raises(NotANumber):
        quantity(value)
    assert number(value) is None


def test_a_throttle_given_as_text_counts_by_its_value() -> None:
    stack = Stack()
    stack.method_settings["settings"] = {
        "throttlingRateLimit": "100000",
        "throttlingBurstLimit": "100",
    }
    assert_has_violation(
        THROTTLING,
        stack.resources(),
        "throttlingRateLimit is 100000, above this stack's cap of 100 (maxRateLimit)",
    )
    # Within the caps, as text, the stage is throttled.
    stack.method_settings["settings"]["throttlingRateLimit"] = "50"
    assert_no_violations(THROTTLING, stack.resources())
    assert_no_violations(STAGE_THROTTLED, stack.resources())


def test_a_usage_plan_throttle_given_as_text_counts_by_its_value() -> None:
    plan = resource(
        "aws:apigateway/usagePlan:UsagePlan",
        "partners",
        {"throttleSettings": {"rateLimit": "5000", "burstLimit": 10}},
    )
    assert_has_violation(
        THROTTLING,
        Stack(extra=[plan]).resources(),
        "throttleSettings.rateLimit is 5000, above this stack's cap of 100",
    )


def test_a_retention_given_as_text_counts_by_its_value() -> None:
    forever = resource("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": "0"})
    assert_has_violation(
        ACCESS_LOGGING, Stack(extra=[forever]).resources(), "keeps its logs forever"
    )
    kept = resource("aws:cloudwatch/logGroup:LogGroup", "logs", {"retentionInDays": "30"})
    assert [f.message for f in findings(ACCESS_LOGGING, Stack(extra=[kept]).resources())] == []


def test_provider_inputs_are_read_by_the_same_parser() -> None:
    """A provider's JSON-encoded inputs (endpoints, allowed accounts) with a repeated key stay
    unread text, which the provider rules refuse, instead of one of their two meanings."""
    from comments_policy.options import _json

    assert _json('{"dynamodb": "https://dynamodb.us-east-1.amazonaws.com"}') == {
        "dynamodb": "https://dynamodb.us-east-1.amazonaws.com"
    }
    twice = '{"dynamodb": "https://dynamodb.us-east-1.amazonaws.com", "dynamodb": "http://evil"}'
    assert _json(twice) == twice
