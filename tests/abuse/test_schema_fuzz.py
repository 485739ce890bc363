"""Schema-driven fuzzing: schemathesis generates requests from the document the program deploys.

Valid (positive) and invalid (negative) requests for every operation go to the local environment;
each answer must carry a documented status and content type, a body matching its documented
schema, the CORS origin, and never be a 5xx. A POST stores exactly one comment when it answers
201 (the comment that was sent, with exactly the documented attributes) and nothing otherwise.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.abuse.checks import cors_problems, error_problems
from tests.abuse.conftest import Ledger, Strength
from tests.abuse.environment import LocalEnvironment, Table, client_document

pytestmark = pytest.mark.e2e

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# A preflight has no inputs to generate: one request says all there is to say.
PREFLIGHT_EXAMPLES = 1


@pytest.fixture(scope="module")
def schema(local_env: LocalEnvironment) -> BaseSchema:
    document = client_document(local_env.deployed_document(), local_env.url)
    loaded = schemathesis.openapi.from_dict(document)
    loaded.config.update(base_url=document["servers"][0]["url"])
    return loaded


def _stored_problems(table: Table, case: Case[Any], response: Response, before: int) -> list[str]:
    """A 201 stored exactly the comment sent; any other answer stored nothing."""
    added = table.count() - before
    if response.status_code != 201:
        return [f"{response.status_code} but {added} item(s) stored"] if added else []
    if added != 1:
        return [f"201 but {added} item(s) stored"]
    answer = json.loads(response.content)
    stored = table.item(answer["slug"], answer["createdAt"])
    if stored is None:
        return [f"201 answered {answer} but nothing is stored under that key"]
    problems = table.attribute_problems(stored)
    sent: dict[str, Any] = case.body if isinstance(case.body, dict) else {}
    for name in ("slug", "author", "comment"):
        if stored.get(name) != sent.get(name) or answer.get(name) != sent.get(name):
            problems.append(f"{name} sent {sent.get(name)!r}, stored {stored.get(name)!r}")
    return problems


@pytest.mark.parametrize(
    ("method", "mode"),
    [
        ("POST", GenerationMode.POSITIVE),
        ("POST", GenerationMode.NEGATIVE),
        ("GET", GenerationMode.POSITIVE),
        ("GET", GenerationMode.NEGATIVE),
        ("OPTIONS", GenerationMode.POSITIVE),
    ],
)
def test_generated_requests_get_documented_answers(
    schema: BaseSchema,
    local_env: LocalEnvironment,
    ledger: Ledger,
    strength: Strength,
    method: str,
    mode: GenerationMode,
) -> None:
    operation = schema["/comments"][method]
    table = local_env.table()
    session = ledger.session("schema-fuzz", generated=True)
    examples = PREFLIGHT_EXAMPLES if method == "OPTIONS" else strength.schema_examples
    found: list[str] = []
    sent = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # every problem is recorded with its curl; none is shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Case[Any]) -> None:
        nonlocal sent
        before = table.count() if method == "POST" else 0
        response = case.call(session=session)
        sent += 1
        problems = []
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as failures:  # schemathesis raises one group naming every failed check
            problems.append(" | ".join(str(failures).strip().splitlines()[:6]))
        problems += cors_problems(response.status_code, response.headers)
        if response.status_code >= 400:
            problems += error_problems(response.status_code, response.headers, response.content)
        if method == "POST":
            problems += _stored_problems(table, case, response, before)
        for problem in problems:
            message = f"{method} ({mode.value}): {problem}\n    {case.as_curl_command()}"
            ledger.violation(message)
            found.append(message)

    send()
    assert not found, f"{len(found)} violation(s):\n" + "\n".join(found[:10])
    assert sent >= examples, f"only {sent} of {examples} requests were generated"
