"""The differential corpus: every case rendered by Velocity 1.7 and by the emulator.

Four sources, each case with a stable id:
- ``real/...``: each mapping template of the API (built from the program's own API document)
  with hostile and malformed bodies, odd query values, odd backend responses, odd origins;
- ``velocity/...``: corpus/velocity.cases, the Velocity 1.7 constructs templates rely on;
- ``matrix/...``: every operator with every pair of a set of awkward operands, and the String,
  $util and JSONPath calls with awkward arguments;
- ``generated/...``: hypothesis-drawn templates, texts and JSON documents (derandomised, so the
  corpus is the same on every run).
"""

from __future__ import annotations

import itertools
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

from comments_infra import api_definition

Case = dict[str, Any]
CORPUS = Path(__file__).with_name("corpus") / "velocity.cases"
EPOCH_MS = 1_795_601_162_737

CONTEXT: dict[str, Any] = {
    "accountId": "123456789012",
    "apiId": "abc123",
    "httpMethod": "POST",
    "identity": {"sourceIp": "203.0.113.9", "userAgent": "curl/8.0", "caller": "", "user": ""},
    "path": "/v1/comments",
    "protocol": "HTTP/1.1",
    "requestId": "0f6b3c1e-8d7a-4c55-9a4e-2f1d0c9b8a7e",
    "requestTime": "01/Dec/2026:08:00:00 +0000",
    "requestTimeEpoch": EPOCH_MS,
    "resourceId": "res123",
    "resourcePath": "/comments",
    "stage": "v1",
}
STAGE_VARIABLES = {"env": "test", "a-b": "dash"}
PARAMS: dict[str, dict[str, str]] = {
    "path": {"id": "42"},
    "querystring": {"q": "a b", "limit": "5"},
    "header": {
        "X-Header": "hv",
        "Origin": "http://localhost:3000",
        "Content-Type": "application/json",
    },
}
TRICKY = 'it\'s "quoted" / back\\slash\n\t\u00e9\u2028\U0001f600<>&\u0000\u007f'
# The default payload; its top-level entries are also the plain variables ($s, $l, ...) of the
# corpus/velocity.cases templates.
DEFAULT_DOCUMENT: dict[str, Any] = {
    "s": "str",
    "n": 3,
    "f": 2.5,
    "t": True,
    "z": False,
    "flag": False,
    "nothing": None,
    "big": 12345678901234567890,
    "precise": "__PRECISE__",
    "exp": "__EXP__",
    "l": [1, "x", 2.5],
    "m": {"k": "v", "n": 2},
    "nested": {"obj": {"deep": {"value": "dv"}}, "list": [0, {"x": "lx"}]},
    "rows": [{"v": "a"}, {"w": 1}, {"v": "c"}],
    "withNulls": [1, None, 3],
    "strings": ["a/b", 'c"d'],
    "tricky": TRICKY,
    "trickyList": [TRICKY, {"k/ey": TRICKY}],
    "dashed": {"a-b": 1},
    "word": "hello",
    "padded": "  \t pad \n",
    "digits": "0123",
    "unicodeDigits": "\u0660\u0661\u0662",
    "accented": "\u00c9\u00e7\u00e0 \u00df",
    "mixed": "a b\tc,d;\u00e9!",
    "csv": "a,b,,c",
    "trail": "a,b,,",
    "emoji": "\U0001f600b",
    "__type": "com.amazonaws.dynamodb.v20120810#X",
    "LastEvaluatedKey": {"createdAt": {"N": "1795601162737"}},
}
# Numbers json.dumps cannot spell the way the case needs: a BigDecimal and an exponent.
DEFAULT_BODY = (
    json.dumps(DEFAULT_DOCUMENT)
    .replace('"__PRECISE__"', "0.12345678901234567890123")
    .replace('"__EXP__"', "1e21")
)


def case(
    case_id: str,
    template: str,
    *,
    body: str = DEFAULT_BODY,
    params: dict[str, dict[str, str]] | None = None,
    variables: str | None = None,
) -> Case:
    """One case: what both engines render."""
    result: Case = {
        "id": case_id,
        "template": template,
        "body": body,
        "params": params if params is not None else PARAMS,
        "context": CONTEXT,
        "stageVariables": STAGE_VARIABLES,
    }
    if variables is not None:
        result["vars"] = variables
    return result


# --- corpus/velocity.cases ------------------------------------------------------------------


def velocity_cases() -> Iterator[Case]:
    """The hand-written cases: '=== name' starts a template, '--- body' its own payload."""
    text = CORPUS.read_text(encoding="utf-8")
    blocks = text.split("\n=== ")[1:]
    for block in blocks:
        name, _, rest = block.partition("\n")
        template, _, body = rest.partition("\n--- body\n")
        if name.startswith("ws/crlf"):
            template = template.replace("\n", "\r\n")
        yield case(
            f"velocity/{name}",
            template,
            body=body or DEFAULT_BODY,
            variables=DEFAULT_BODY,
        )


# --- the API's own templates ----------------------------------------------------------------


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """Three stacks: two allowed origins, one, and pre-moderation (its queue and approval)."""
    variants = []
    for label, origins, pre_moderation in (
        ("two-origins", ("https://site.example", "http://localhost:3000"), False),
        ("one-origin", ("https://www.example.org",), False),
        ("pre-moderation", ("https://site.example", "http://localhost:3000"), True),
    ):
        inputs = api_definition.ApiInputs(
            title="oracle",
            region="us-east-1",
            table_name="comments-oracle",
            role_arn="arn:aws:iam::123456789012:role/oracle",
            cors_allowed_origins=origins,
            smoke_slug_prefix="/__smoke__/",
            smoke_ttl_seconds=86_400,
            pre_moderation=pre_moderation,
        )
        variants.append((label, api_definition.build_api_document(inputs)))
    return variants


def _templates() -> Iterator[tuple[str, str, str, str]]:
    """(variant, route, name, template) for each template of each method of each variant."""
    for variant, document in _documents():
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                integration = operation["x-amazon-apigateway-integration"]
                route = f"{method.upper()} {path}"
                name = f"{method}{path.replace('/', '-')}"
                for mime, template in integration.get("requestTemplates", {}).items():
                    yield variant, route, f"{name}/request/{mime}", template
                for status, response in integration["responses"].items():
                    for mime, template in response.get("responseTemplates", {}).items():
                        yield variant, route, f"{name}/response-{status}/{mime}", template


HOSTILE_TEXTS = [
    "Ada",
    "",
    " ",
    "'",
    "\\'",
    '"',
    "\\",
    "\\\\'",
    "/",
    "$context.requestId",
    "${x}",
    "$!x",
    "#set($x = 1)$x",
    "#end",
    '#end"}',
    "#if(true)",
    "##",
    "#*",
    '"},"createdAt":{"N":"1"},"x":{"S":"',
    "\u2028\u2029",
    "\x00\x01\x1f\x7f",
    "\t\r\n",
    "\U0001f600",
    "\ud800",
    "\udfff\ud800",
    "\u00e9\u20ac",
    "<script>alert(1)</script>",
    "a" * 300,
    "/__smoke__/probe",
    "/blog/hello-world",
]
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    1.5,
    1e300,
    12345678901234567890,
    [],
    ["a"],
    {},
    {"S": "x"},
]

MALFORMED_BODIES = [
    "",
    " ",
    "{}",
    "[]",
    "null",
    "true",
    '"just a string"',
    "42",
    "{",
    '{"slug": "a",}',
    "{'slug': 'a'}",
    '{"slug": "a"} trailing',
    '{"slug": NaN}',
    '{"slug": "\\x41"}',
    '{"slug": 01}',
    '{"slug": "a\tb"}',
    "\ufeff{}",
    '{"slug": "a", "slug": "b", "author": "c", "comment": "d"}',
    '{"slug": "a", "author": "b", "comment": "c", "extra": {"deep": [1, 2, {"x": null}]}}',
    "[" * 300 + "]" * 300,
    '{"slug": ' + "[" * 200 + "]" * 200 + "}",
    '{"slug": "\\ud83d\\ude00", "author": "\\u0000", "comment": "\\u2028"}',
    "not json at all",
    "<xml/>",
]


def _create_bodies() -> Iterator[tuple[str, str]]:
    for i, text in enumerate(HOSTILE_TEXTS):
        for field in ("slug", "author", "comment"):
            document = {"slug": "/blog/post", "author": "Ada", "comment": "Hi"}
            document[field] = text
            yield f"{field}-text-{i}", json.dumps(document)
    for i, value in enumerate(ODD_VALUES):
        for field in ("slug", "comment"):
            document = {"slug": "/blog/post", "author": "Ada", "comment": "Hi"}
            document[field] = value
            yield f"{field}-odd-{i}", json.dumps(document)
    for i, body in enumerate(MALFORMED_BODIES):
        yield f"malformed-{i}", body


LIMITS = [
    "",
    "0",
    "1",
    "9",
    "10",
    "49",
    "50",
    "51",
    "05",
    "5 ",
    " 5",
    "1e1",
    "-1",
    "abc",
    "\u0665",
    "10\n",
    "5.0",
    "99999999999999999999",
]
CREATED_ATS = [
    "",
    "1",
    "0",
    "1795601162737",
    "01",
    "-5",
    "1.5",
    "9999999999999999",
    "99999999999999999",
    "abc",
    "1e3",
    " 7",
    "\u0661",
    "1\n",
    '1"}',
    "1795601162737 ",
]


def _list_queries() -> Iterator[tuple[str, dict[str, str]]]:
    for i, limit in enumerate(LIMITS):
        yield f"limit-{i}", {"slug": "/blog/post", "limit": limit}
    for i, before in enumerate(CREATED_ATS):
        yield f"before-{i}", {"slug": "/blog/post", "before": before}
    for i, (limit, before) in enumerate(itertools.product(LIMITS[::3], CREATED_ATS[::3])):
        yield f"both-{i}", {"slug": "/p", "limit": limit, "before": before}
    for i, text in enumerate(HOSTILE_TEXTS):
        yield f"slug-{i}", {"slug": text}
    yield "no-params", {}


def _delete_queries() -> Iterator[tuple[str, dict[str, str]]]:
    """DELETE /comments: the key in the query, each half odd in turn."""
    for i, created in enumerate(CREATED_ATS):
        yield f"created-{i}", {"slug": "/blog/post", "createdAt": created}
    for i, text in enumerate(HOSTILE_TEXTS):
        yield f"slug-{i}", {"slug": text, "createdAt": "1795601162737"}
    yield "no-created", {"slug": "/blog/post"}
    yield "no-slug", {"createdAt": "1795601162737"}
    yield "no-params", {}


def _pending_queries() -> Iterator[tuple[str, dict[str, str]]]:
    """GET /moderation/pending: limit and after, alone and together."""
    for i, limit in enumerate(LIMITS):
        yield f"limit-{i}", {"limit": limit}
    for i, after in enumerate(CREATED_ATS):
        yield f"after-{i}", {"after": after}
    for i, (limit, after) in enumerate(itertools.product(LIMITS[::3], CREATED_ATS[::3])):
        yield f"both-{i}", {"limit": limit, "after": after}
    yield "no-params", {}


# createdAt of an approval as JSON text: $input.json hands it to the key as written.
APPROVE_CREATED_ATS = [
    "1795601162737",
    "1",
    "0",
    "-5",
    "1.5",
    "1e3",
    "1E+3",
    "1e21",
    "-0",
    "0.12345678901234567890123",
    "12345678901234567890",
    '"1795601162737"',
    '""',
    '"1\\"}"',
    '"}, \\"x\\": {\\"S\\": \\"y"',
    "null",
    "true",
    "[]",
    "[1]",
    "{}",
    '{"N": "1"}',
]


def _approve_bodies() -> Iterator[tuple[str, str]]:
    """POST /moderation/approve: the key as a JSON body, each half odd in turn, or no JSON."""
    for i, created in enumerate(APPROVE_CREATED_ATS):
        yield f"created-{i}", '{"slug": "/blog/post", "createdAt": ' + created + "}"
    for i, text in enumerate(HOSTILE_TEXTS):
        yield f"slug-text-{i}", json.dumps({"slug": text, "createdAt": 1795601162737})
    for i, value in enumerate(ODD_VALUES):
        yield f"slug-odd-{i}", json.dumps({"slug": value, "createdAt": 1795601162737})
    yield "no-created", json.dumps({"slug": "/blog/post"})
    yield "no-slug", json.dumps({"createdAt": 1795601162737})
    for i, body in enumerate(MALFORMED_BODIES):
        yield f"malformed-{i}", body


ORIGINS: list[dict[str, str]] = [
    {},
    {"Origin": "https://site.example"},
    {"Origin": "http://localhost:3000"},
    {"origin": "https://site.example"},
    {"Origin": "https://www.example.org"},
    {"Origin": "https://evil.example"},
    {"Origin": ""},
    {"Origin": "https://site.example/"},
    {"ORIGIN": "http://localhost:3000"},
    {"Origin": "null"},
]


def _item(slug: Any, created: Any, author: Any, comment: Any) -> dict[str, Any]:
    return {"slug": slug, "createdAt": created, "author": author, "comment": comment}


def _backend_bodies() -> Iterator[tuple[str, str]]:
    good = _item({"S": "/blog/post"}, {"N": "1795601162737"}, {"S": "Ada"}, {"S": "Hi"})
    yield "attributes", json.dumps({"Attributes": good})
    for i, text in enumerate(HOSTILE_TEXTS):
        item = _item({"S": text}, {"N": "1"}, {"S": text}, {"S": text})
        yield f"attributes-text-{i}", json.dumps({"Attributes": item})
        yield f"items-text-{i}", json.dumps({"Items": [item, good], "Count": 2})
    for i, value in enumerate(ODD_VALUES):
        item = _item(value, value, {"S": "a"}, {"N": value})
        yield f"attributes-odd-{i}", json.dumps({"Attributes": item})
        yield f"items-odd-{i}", json.dumps({"Items": [item]})
        yield (
            f"next-odd-{i}",
            json.dumps({"Items": [], "LastEvaluatedKey": {"createdAt": {"N": value}}}),
        )
        yield f"type-odd-{i}", json.dumps({"__type": value, "message": "m"})
    for i, error_type in enumerate(
        [
            "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            "com.amazon.coral.validate#ValidationException",
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",
            "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            "ConditionalCheckFailedException",
            "#ConditionalCheckFailedException",
            "x#ValidationException#",
            "",
            "#",
        ]
    ):
        yield f"type-{i}", json.dumps({"__type": error_type, "Message": "detail"})
    yield "items-empty", json.dumps({"Items": [], "Count": 0})
    yield (
        "items-with-next",
        json.dumps(
            {"Items": [good], "LastEvaluatedKey": {"slug": {"S": "/p"}, "createdAt": {"N": "17"}}}
        ),
    )
    yield "items-not-a-list", json.dumps({"Items": {"a": good}})
    yield "items-strings", json.dumps({"Items": ["a", "b"]})
    yield "items-null", json.dumps({"Items": None})
    yield "items-nulls", json.dumps({"Items": [None, good]})
    yield "items-many", json.dumps({"Items": [good] * 25})
    for i, body in enumerate(
        ["", "{}", "null", "[]", "not json", "<html>", '{"__type":', '"s"', '{"message": "x"}']
    ):
        yield f"raw-{i}", body


def _moderation_backend_bodies() -> Iterator[tuple[str, str]]:
    """What DeleteItem (ALL_OLD), UpdateItem (ALL_NEW) and the pending Query answer besides."""
    good = _item({"S": "/blog/post"}, {"N": "1795601162737"}, {"S": "Ada"}, {"S": "Hi"})
    pending = {**good, "pendingQueue": {"S": "pending"}}
    approved = {**good, "publishedSlug": {"S": "/blog/post"}}
    smoke = {**good, "expiresAt": {"N": "1795687562"}}
    for label, attributes in (
        ("pending", pending),
        ("approved", approved),
        ("smoke", smoke),
        ("empty", {}),
        ("null", None),
        ("list", [good]),
        ("string", "x"),
        ("no-created", {k: v for k, v in good.items() if k != "createdAt"}),
        ("only-created", {"createdAt": {"N": "1795601162737"}}),
        ("created-false", {**good, "createdAt": False}),
        ("created-empty-map", {**good, "createdAt": {}}),
        ("created-empty-string", {**good, "createdAt": ""}),
        ("created-zero", {**good, "createdAt": 0}),
        ("created-n-empty", {**good, "createdAt": {"N": ""}}),
        ("created-n-null", {**good, "createdAt": {"N": None}}),
        ("created-s", {**good, "createdAt": {"S": "1"}}),
    ):
        yield f"moderation-attributes-{label}", json.dumps({"Attributes": attributes})
    yield (
        "moderation-consumed",
        json.dumps({"ConsumedCapacity": {"TableName": "comments-oracle", "CapacityUnits": 1.0}}),
    )
    yield "moderation-items-pending", json.dumps({"Items": [pending, pending], "Count": 2})
    yield (
        "moderation-items-next",
        json.dumps(
            {
                "Items": [pending],
                "LastEvaluatedKey": {
                    "pendingQueue": {"S": "pending"},
                    "slug": {"S": "/blog/post"},
                    "createdAt": {"N": "1795601162737"},
                },
            }
        ),
    )
    yield (
        "moderation-cancelled",
        json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                "CancellationReasons": [{"Code": "ConditionalCheckFailed"}],
                "Message": "Transaction cancelled",
            }
        ),
    )
    yield (
        "moderation-condition-item",
        json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                "Item": approved,
                "message": "The conditional request failed",
            }
        ),
    )


MODERATION_ROUTES = {"DELETE /comments", "GET /moderation/pending", "POST /moderation/approve"}


def real_cases() -> Iterator[Case]:
    """Each template of the API with the inputs that reach it on its route."""
    for variant, route, name, template in _templates():
        prefix = f"real/{variant}/{name}"
        if "/request/" in name:
            yield from _request_cases(prefix, route, template)
            continue
        bodies = list(_backend_bodies())
        if route in MODERATION_ROUTES:
            bodies += _moderation_backend_bodies()
        for i, (label, body) in enumerate(bodies):
            origin = ORIGINS[i % len(ORIGINS)]
            params = {"path": {}, "querystring": {}, "header": origin}
            yield case(f"{prefix}/{label}", template, body=body, params=params)
        for j, origin in enumerate(ORIGINS):
            params = {"path": {}, "querystring": {}, "header": origin}
            yield case(f"{prefix}/origin-{j}", template, body=bodies[0][1], params=params)


def _request_cases(prefix: str, route: str, template: str) -> Iterator[Case]:
    """A request template with its route's bodies, or its route's queries."""
    if route == "POST /comments":
        for label, body in _create_bodies():
            yield case(f"{prefix}/{label}", template, body=body)
    elif route == "POST /moderation/approve":
        for label, body in _approve_bodies():
            yield case(f"{prefix}/{label}", template, body=body)
    elif route in ("GET /comments", "GET /moderation/pending", "DELETE /comments"):
        queries = {
            "GET /comments": _list_queries,
            "GET /moderation/pending": _pending_queries,
            "DELETE /comments": _delete_queries,
        }[route]
        # The public GET runs under three origins; the moderation routes take no CORS part.
        origins = ORIGINS[:3] if route == "GET /comments" else ORIGINS[:1]
        for label, query in queries():
            for j, origin in enumerate(origins):
                params = {"path": {}, "querystring": query, "header": origin}
                yield case(f"{prefix}/{label}/origin-{j}", template, body="", params=params)
    elif route == "OPTIONS /comments":
        for label, body in (("empty", ""), ("json", '{"a": 1}'), ("junk", "junk")):
            yield case(f"{prefix}/{label}", template, body=body)
    else:
        raise ValueError(f"no inputs for the request template of {route}: add them here")


# --- matrices -------------------------------------------------------------------------------

OPERANDS = {
    "int": "3",
    "neg": "-7",
    "zero": "0",
    "big": "2147483647",
    "long": "9223372036854775807",
    "dbl": "2.5",
    "negdbl": "-0.5",
    "str": "'3'",
    "word": "'abc'",
    "empty": "''",
    "true": "true",
    "false": "false",
    "null": "$nope",
    "list": "[1, 2]",
    "map": "{'a': 1}",
    "json-int": "$n",
    "json-big": "$big",
    "json-decimal": "$precise",
    "json-list": "$l",
    "json-map": "$m",
}
OPERATORS = ["==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "&&", "||"]


def matrix_cases() -> Iterator[Case]:
    """Each binary operator with each pair of operands, read as a value and as a condition."""
    for (left_name, left), (right_name, right) in itertools.product(OPERANDS.items(), repeat=2):
        for op in OPERATORS:
            template = f"#set($r = 'unset')#set($r = {left} {op} {right})[$r]#if({left} {op} {right})T#{{else}}F#end"
            yield case(
                f"matrix/{left_name}{op}{right_name}",
                template,
                variables=DEFAULT_BODY,
            )
    for name, operand in OPERANDS.items():
        template = f"#set($r = 'unset')#set($r = !{operand})[$r]#if({operand})T#{{else}}F#end[{operand}]#foreach($i in {operand})<$i>#end"
        yield case(f"matrix/unary/{name}", template, variables=DEFAULT_BODY)
    strings = ["", " ", "abc", "a.b*c", "\u00e9\U0001f600", "a,b,,", "x" * 40, "'\"\\/", "\t\n"]
    calls = [
        "length()",
        "trim()",
        "toUpperCase()",
        "isEmpty()",
        "hashCode()",
        "split(',').size()",
        "replaceAll('[a-z]', '<$0>')",
        "replace('b', '')",
        "matches('\\w*')",
        "indexOf('b')",
        "substring(1)",
        "charAt(0)",
        "concat($s)",
        "startsWith('a')",
        "compareTo('b')",
    ]
    for (i, text), (j, call) in itertools.product(enumerate(strings), enumerate(calls)):
        literal = json.dumps({"v": text})
        yield case(
            f"matrix/string/{i}/{j}", f"#set($v = $input.path('$.v'))[$v.{call}]", body=literal
        )
    util = [
        "escapeJavaScript($v)",
        "urlEncode($v)",
        "base64Encode($v)",
        'escapeJavaScript($v).replaceAll("\\\\\'", "\'")',
    ]
    for (i, text), (j, call) in itertools.product(
        enumerate([*strings, *HOSTILE_TEXTS]), enumerate(util)
    ):
        literal = json.dumps({"v": text})
        yield case(
            f"matrix/util/{i}/{j}", f"#set($v = $input.path('$.v'))[$util.{call}]", body=literal
        )
    encoded = [
        "a%20b",
        "%E2%82%AC",
        "%e2%82",
        "%",
        "%4",
        "%zz",
        "%+1",
        "%-1",
        "+",
        "%C3%A9%C3",
        "a%2Fb",
    ]
    for i, text in enumerate(encoded):
        yield case(f"matrix/urldecode/{i}", f"[$util.urlDecode('{text}')]")
    b64 = ["", "YQ", "YQ=", "YQ==", "YWJj", "Y", "YWJ", "YW=j", "YQ===", "8J+YgA==", "/w==", "a b"]
    for i, text in enumerate(b64):
        yield case(f"matrix/base64decode/{i}", f"[$util.base64Decode('{text}')]")
    paths = [
        "$",
        "$.a",
        "a",
        "$.a.b",
        "$.a[0]",
        "$.a[-1]",
        "$.a[5]",
        "$.a[*]",
        "$..b",
        "$.*",
        "$.c",
        "$['c']",
        "$.c.d",
        "$.a[0:1]",
        "$.a[1:]",
        "$.d",
        "$.a[?(@.b)]",
        "$.a[?(@ == 1)]",
        "$.c.b[?(@ > 2)]",
        "$[?(@.a)]",
        "$.a[?(@.b >= 2 && @.b < 3)]",
    ]
    for i, path in enumerate(paths):
        for j, body in enumerate(
            [
                '{"a": [1, {"b": 2}], "c": {"d": "e/f", "b": [3]}, "d": null}',
                '[{"a": 1}]',
                '"text"',
                "7",
            ]
        ):
            yield case(
                f"matrix/jsonpath/{i}/{j}",
                f'[$input.path("{path}")] [$input.json("{path}")]',
                body=body,
            )


# --- hypothesis -----------------------------------------------------------------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0.5, -1.25, 1e-5, 123456.75, 1e22, 3.0])
    | st.text(max_size=12)
    | st.sampled_from(HOSTILE_TEXTS)
)
_json = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "b", "slug", "S", "N", "x/y", "é"]), inner, max_size=4
        )
    ),
    max_leaves=10,
)
_refs = st.sampled_from(
    [
        "$s",
        "$n",
        "$f",
        "$t",
        "$z",
        "$l",
        "$m",
        "$nope",
        "$l[0]",
        "$m.k",
        "$m.nope",
        "$input.path('$.a')",
        "$input.path('$')",
        "$input.json('$.a')",
        "$word.length()",
        "$!nope",
    ]
)
_literals = st.sampled_from(
    ["1", "-2", "2.5", "'s'", '"d$s"', "true", "false", "[1, 'a']", "{'k': 1}", "[1..3]"]
)
_operands = _refs | _literals
_expr = (
    st.builds(lambda a, op, b: f"{a} {op} {b}", _operands, st.sampled_from(OPERATORS), _operands)
    | _operands
)
# Free text between the constructs: no "#" or "\\", and no "$" right before "#" or "\\", "#"
# right before "$" or "{" right before "$" (Velocity-lexer territory: corpus/velocity.cases
# covers what the emulator copies of it by hand; docs/vtl-fidelity.md lists the rest).
_text = st.text(st.sampled_from(list("ab \n\t$!{}()'\".,;")), max_size=8)


def _pieces(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        _text,
        _refs,
        st.builds(
            lambda r: (
                r.replace("$", "${", 1) + "}"
                if r.startswith("$") and "(" not in r and "[" not in r
                else r
            ),
            _refs,
        ),
        st.builds(lambda e: f"#set($v = {e})", _expr),
        st.builds(lambda e: f"#set($v = {e})\n", _expr),
        st.sampled_from(
            ["$v", "\\$v", "\\\\$v", "#break", "#stop", "## c\n", "#* c *#", "\n", "  "]
        ),
    )
    if depth == 0:
        return leaf
    inner = st.lists(_pieces(depth - 1), max_size=4).map("".join)
    return st.one_of(
        leaf,
        st.builds(lambda e, a, b: f"#if({e}){a}#else{b}#end", _expr, inner, inner),
        st.builds(
            lambda e, a, sep: f"#if({e}){sep}{a}{sep}#end{sep}",
            _expr,
            inner,
            st.sampled_from(["", "\n", "  \n"]),
        ),
        st.builds(
            lambda e, a: f"#foreach($i in {e}){a}$i$foreach.count#end", _refs | _literals, inner
        ),
    )


_template = (
    st.lists(_pieces(2), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda t: re.search(r"\$!?[#\\]|(?<!\*)#\$|\{\$", t) is None)
)


GENERATED = CORPUS.with_name("generated.json")


def draw_generated(count: int = 400) -> list[dict[str, str]]:
    """Templates, payloads and texts drawn by hypothesis: what ``generated.json`` holds."""
    drawn: list[dict[str, str]] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        template=_template,
        document=st.dictionaries(st.sampled_from(["a", "s", "slug"]), _json, max_size=3),
    )
    def draw(template: str, document: dict[str, Any]) -> None:
        drawn.append({"template": template, "body": json.dumps(document), "vars": "default"})

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisWarning)  # the template strategy's long repr
        draw()

    @settings(
        max_examples=count // 2,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=st.text(max_size=30), value=_json)
    def draw_text(text: str, value: Any) -> None:
        body = json.dumps({"slug": text, "author": value, "comment": text})
        drawn.append(
            {
                "template": "$util.escapeJavaScript($input.path('$.slug'))|"
                "$util.urlEncode($input.path('$.slug'))|"
                "$input.path('$.author')|$input.json('$.author')|$input.json('$')",
                "body": body,
            }
        )

    draw_text()
    return drawn


def generated_cases() -> Iterator[Case]:
    """The hypothesis-drawn cases, as recorded in corpus/generated.json.

    Recorded rather than drawn at each run: what hypothesis draws can change with its version
    and its surroundings, and the suite must be the same on every machine. Re-draw with
    ``PYTHONPATH=.:infra .venv/bin/python -m tests.vtl_oracle.cases``.
    """
    for i, drawn in enumerate(json.loads(GENERATED.read_text(encoding="utf-8"))):
        variables = DEFAULT_BODY if drawn.get("vars") == "default" else None
        yield case(f"generated/{i}", drawn["template"], body=drawn["body"], variables=variables)


def all_cases() -> list[Case]:
    """The whole corpus, ids unique."""
    cases = [*velocity_cases(), *real_cases(), *matrix_cases(), *generated_cases()]
    ids = [c["id"] for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if duplicates:
        raise ValueError(f"duplicate case ids: {sorted(duplicates)[:5]}")
    return cases


if __name__ == "__main__":
    GENERATED.write_text(
        json.dumps(draw_generated(), ensure_ascii=True, indent=0) + "\n", encoding="ascii"
    )
