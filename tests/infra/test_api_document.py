"""What the API document promises clients about slugs, checked on every stack's planned document."""

from __future__ import annotations

import json
import re

from jsonschema import Draft4Validator

from comments_infra import api_definition
from emulator.gateway import vtl
from tests.infra.conftest import api_document, operations
from tooling.offline_runner import Plan

# White space by Java (trim, isWhitespace), ECMA 262 (\s) or Python (isspace): none may make a slug.
BLANK_SLUGS = [" ", "\t\n\r\x0b\x0c", "\x00", "\x1c\x1d\x1e\x1f", "\x85", "\xa0", "\u1680",
               "\u2007", "\u200a", "\u2028\u2029", "\u202f", "\u205f", "\u3000", "\ufeff"]  # fmt: skip
SLUGS = ["/blog/hello-world", "a", " /padded ", "\u200b", "😀", "/é", "#", "\x7f"]


def test_the_model_refuses_blank_slugs_which_no_get_could_name(plan: Plan) -> None:
    document = api_document(plan)
    model = {
        **document["components"]["schemas"]["NewComment"],
        "components": document["components"],
    }
    validator = Draft4Validator(model)
    for slug in BLANK_SLUGS:
        errors = list(validator.iter_errors({"slug": slug, "author": "a", "comment": "c"}))
        assert [e.validator for e in errors] == ["pattern"], (plan.stack, slug, errors)
    for slug in SLUGS:
        assert validator.is_valid({"slug": slug, "author": "a", "comment": "c"}), (plan.stack, slug)


def test_the_get_parameter_documents_the_same_slug(plan: Plan) -> None:
    get = operations(api_document(plan))[(api_definition.COMMENTS_PATH, "get")]
    [slug] = [p for p in get["parameters"] if p["name"] == "slug"]
    post_slug = api_document(plan)["components"]["schemas"]["NewComment"]["properties"]["slug"]
    assert slug["schema"] == post_slug, plan.stack


def test_no_character_the_emulator_calls_blank_makes_a_slug() -> None:
    """The gateway's blank check is Python's; the pattern must refuse all it strips."""
    pattern = re.compile(api_definition.NON_BLANK_PATTERN)
    blank = [chr(c) for c in range(0x110000) if chr(c).isspace() or c <= 0x20]
    assert [c for c in blank if pattern.search(c)] == []


def test_approve_builds_no_key_from_a_created_at_that_is_not_an_integer() -> None:
    """The approve template checks createdAt itself, so a value the request validator would
    have refused (were the validator ever off) cannot reach the Key: the Key lacks the range
    key, which DynamoDB refuses without changing anything."""
    inputs = api_definition.ApiInputs(
        "comments", "us-east-1", "comments-table", "arn:aws:iam::1:role/r", ("*",), "/smoke/", 60,
        pre_moderation=True,
    )  # fmt: skip
    template = api_definition._approve_comment(inputs)["x-amazon-apigateway-integration"][
        "requestTemplates"
    ]["application/json"]

    def key(created_at: str) -> dict[str, object]:
        body = '{"slug": "/blog/post", "createdAt": ' + created_at + "}"
        namespace = vtl.template_namespace(
            body=body,
            params={"path": {}, "querystring": {}, "header": {}},
            context={},
            stage_variables={},
        )
        rendered: dict[str, dict[str, object]] = json.loads(vtl.render(template, namespace))
        return rendered["Key"]

    assert key("1795601162737") == {
        "slug": {"S": "/blog/post"},
        "createdAt": {"N": "1795601162737"},
    }
    for odd in ('"1795601162737"', '"1\\"}, \\"x\\": {\\"S\\": \\"y"', "-1", "1.5", "null", "[1]"):
        assert key(odd) == {"slug": {"S": "/blog/post"}}, odd
