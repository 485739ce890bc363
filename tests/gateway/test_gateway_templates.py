"""Mapping-template semantics: $util, $input.path printing, Java strings, Velocity numbers."""

from __future__ import annotations

import pytest

from emulator.gateway import GatewayServer
from tests.gateway.apis import echo_api, invoke
from tests.gateway.conftest import Deployer

pytestmark = pytest.mark.server


def _render(gateway: GatewayServer, deployer: Deployer, template: str, **kwargs: object) -> str:
    api_id = deployer.deploy(echo_api(template))
    response = invoke(gateway.url, api_id, "/echo", **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.content.decode("utf-8")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("It's", "It\\'s"),
        ('say "hi"', 'say \\"hi\\"'),
        ("back\\slash", "back\\\\slash"),
        ("a/b", "a\\/b"),
        ("\b\t\n\f\r\x01\x1f", "\\b\\t\\n\\f\\r\\u0001\\u001F"),
        ("café ñ", "caf\\u00E9 \\u00F1"),
        ("😀", "\\uD83D\\uDE00"),
    ],
)
def test_escape_javascript_is_commons_lang_escape_javascript(
    gateway: GatewayServer, deployer: Deployer, raw: str, escaped: str
) -> None:
    rendered = _render(
        gateway, deployer, "$util.escapeJavaScript($input.params('q'))", params={"q": raw}
    )
    assert rendered == escaped


def test_parsed_json_prints_maps_java_style_and_lists_as_json(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = (
        "#set($doc = $util.parseJson($input.params('doc')))$doc.m|$doc.l|$doc.m.n|$input.json('$')"
    )
    rendered = _render(
        gateway, deployer, template, params={"doc": '{"m":{"a":"x","n":1},"l":["y",2]}'}
    )
    assert rendered == '{a=x, n=1}|["y",2]|1|{}'


def test_java_string_methods_behave_like_java(gateway: GatewayServer, deployer: Deployer) -> None:
    template = (
        "#set($s = $input.params('s'))"
        "$s.length()|$s.indexOf('zz')|$s.endsWith('!')|$s.startsWith('ab')|$s.contains('c')"
        "|$s.replaceAll('(b)(c)', '$2$1')|$s.matches('b')|$s.matches('ab.*')|$s.isEmpty()"
        "|$s.toUpperCase()|$s.substring(1, 3)|$s.equals('abc😀!')|$input.params('p').trim()|"
    )
    rendered = _render(gateway, deployer, template, params={"s": "abc😀!", "p": "  padded  "})
    assert rendered == "6|-1|true|true|true|acb😀!|false|true|false|ABC😀!|bc|true|padded|"


def test_request_time_epoch_is_milliseconds_and_integer_arithmetic_works(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = "$context.requestTimeEpoch|#set($ttl = $context.requestTimeEpoch / 1000 + 86400)$ttl"
    epoch_ms, ttl = _render(gateway, deployer, template).split("|")
    assert len(epoch_ms) == 13
    assert ttl == str(int(epoch_ms) // 1000 + 86400)


def test_undefined_references_render_literally_unless_quiet(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = (
        "$nothing|$!nothing|$stageVariables.table|$stageVariables.missing|$!stageVariables.missing"
    )
    assert _render(gateway, deployer, template) == "$nothing||comments|$stageVariables.missing|"


def test_url_and_base64_helpers_use_form_encoding_and_utf8(
    gateway: GatewayServer, deployer: Deployer
) -> None:
    template = (
        "$util.urlEncode('a b{é~')|$util.urlDecode('a+b%7B')"
        "|$util.base64Encode('hé')|$util.base64Decode('aMOp')"
    )
    assert _render(gateway, deployer, template) == "a+b%7B%C3%A9%7E|a b{|aMOp|hé"
