"""Query reads only the partition (moto_backend's fix) and answers exactly as moto's own Query."""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pytest
from moto.dynamodb.models.table import Table

from tests.moto_backend.conftest import TABLE

pytestmark = pytest.mark.slow

# Look-alike partitions around the one queried, so a query that leaks across partitions shows.
SLUGS = ["/blog/a", "/blog/a/", "/blog/A", "/blog/ab", "/blog", "/\u00e9t\u00e9"]
BASE = 1_795_000_000_000
# The largest partition, a look-alike of it, one with few items, an empty one, one never written.
QUERIED = [SLUGS[0], SLUGS[2], SLUGS[4], SLUGS[5], "/no/such/page"]


def _fill(dynamodb: Any) -> None:
    for index, slug in enumerate(SLUGS):
        # Uneven partition sizes (0 items for the last), times with gaps and near-neighbours.
        for n in range(7 * (len(SLUGS) - 1 - index)):
            dynamodb.put_item(
                TableName=TABLE,
                Item={
                    "slug": {"S": slug},
                    "createdAt": {"N": str(BASE + n * 5 + (n % 3))},
                    "author": {"S": f"author {n}"},
                    "comment": {"S": f"comment {n} on {slug}"},
                },
            )


def _conditions() -> list[tuple[str, dict[str, Any]]]:
    """Every key condition: the API's (`slug = :s`, `... AND createdAt < :before`) and the rest."""
    on_item, between_items = str(BASE + 10 + 2), str(BASE + 12)
    conditions: list[tuple[str, dict[str, Any]]] = [("#s = :s", {})]
    for operator in ("<", "<=", ">", ">=", "="):
        for value in (on_item, between_items, str(BASE - 1)):
            conditions.append((f"#s = :s AND #t {operator} :t", {":t": {"N": value}}))
    conditions.append(
        ("#s = :s AND #t BETWEEN :t AND :u", {":t": {"N": on_item}, ":u": {"N": str(BASE + 60)}})
    )
    return conditions


def _pages(dynamodb: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a query, following LastEvaluatedKey as a client does."""
    pages = []
    while True:
        page = dynamodb.query(**request)
        page.pop("ResponseMetadata")
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def test_results_are_moto_own_for_every_condition_direction_and_page(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(dynamodb)
    requests = []
    for slug, (condition, values), forward, limit in itertools.product(
        QUERIED, _conditions(), (False, True), (None, 2, 10)
    ):
        request: dict[str, Any] = {
            "TableName": TABLE,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": {"#s": "slug", **({"#t": "createdAt"} if values else {})},
            "ExpressionAttributeValues": {":s": {"S": slug}, **values},
            "ScanIndexForward": forward,
        }
        if limit:
            request["Limit"] = limit
        requests.append(request)
    # A start key that names no stored item (a client may pass any key of the partition).
    requests.append(
        {
            **requests[0],
            "Limit": 4,
            "ExclusiveStartKey": {"slug": {"S": SLUGS[0]}, "createdAt": {"N": str(BASE + 13)}},
        }
    )
    fixed = [_pages(dynamodb, request) for request in requests]
    with monkeypatch.context() as moto_own:
        moto_own.setattr(Table, "query", Table.query.__wrapped__)  # type: ignore[attr-defined]
        own = [_pages(dynamodb, request) for request in requests]
    assert len(fixed) == len(own) == 2 * 3 * len(QUERIED) * len(_conditions()) + 1
    for request, ours, theirs in zip(requests, fixed, own, strict=True):
        assert ours == theirs, request
    # The cases are not vacuous: pages with items, several pages, and empty answers.
    assert any(len(pages) > 3 for pages in fixed)
    assert any(pages[0]["Count"] == 0 for pages in fixed)


class _NoWalk(defaultdict[Any, Any]):
    def values(self) -> Any:
        raise AssertionError("Query walked every partition of the table")


def test_a_query_reads_only_its_partition(dynamodb: Any) -> None:
    _fill(dynamodb)
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends["123456789012"]["us-east-1"].tables[TABLE]
    table.items = _NoWalk(dict, table.items)
    page = dynamodb.query(
        TableName=TABLE,
        KeyConditionExpression="slug = :s AND createdAt < :t",
        ExpressionAttributeValues={":s": {"S": "/blog/a"}, ":t": {"N": str(BASE + 40)}},
        ScanIndexForward=False,
        Limit=3,
    )
    assert [item["createdAt"]["N"] for item in page["Items"]] == [
        str(BASE + 35 + 1),
        str(BASE + 30),
        str(BASE + 25 + 2),
    ]
    assert page["LastEvaluatedKey"] == {
        "slug": {"S": "/blog/a"},
        "createdAt": {"N": str(BASE + 25 + 2)},
    }
