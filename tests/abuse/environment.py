"""A local environment of the abuse suite's own, the API document it deploys, and its table.

Each environment runs in a temporary state directory on free ports, so the suite never touches
`make deploy`'s environment and can give one environment tighter config (throttling) than another.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import load_stack_config

EXTENSION_PREFIX = "x-amazon-apigateway-"
REST_API = "aws:apigateway/restApi:RestApi"
# The stored item's attributes (DESIGN.md): expiresAt only under the stack's smoke prefix.
ITEM_ATTRIBUTES = frozenset({"slug", "createdAt", "author", "comment"})
SMOKE_ATTRIBUTES = ITEM_ATTRIBUTES | {"expiresAt"}


class EmulatorCommandError(Exception):
    """`python -m emulator ...` failed; the message carries its output."""


def _emulator(env: dict[str, str], *args: str) -> str:
    result = run_emulator(env, *args)
    if result.returncode != 0:
        raise EmulatorCommandError(
            f"python -m emulator {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result.stdout


@dataclass(frozen=True)
class LocalEnvironment:
    """A deployed local stack: its URL, its table, and the OpenAPI document it serves."""

    env: dict[str, str]
    state_dir: Path
    url: str
    table_name: str
    smoke_slug_prefix: str

    @classmethod
    def start(cls, state_dir: Path, config: dict[str, Any] | None = None) -> LocalEnvironment:
        """Deploy the local stack into `state_dir` on free ports, with config overrides if any."""
        env = isolated_env(state_dir)
        # JSON is YAML, which is how `--config KEY=VALUE` reads VALUE.
        overrides = [f"--config={key}={json.dumps(value)}" for key, value in (config or {}).items()]
        try:
            _emulator(env, "deploy", *overrides)
            outputs = json.loads(_emulator(env, "outputs"))
        except BaseException:
            _emulator(env, "down")
            raise
        stack_config = load_stack_config("local", overrides=config)
        return cls(
            env=env,
            state_dir=state_dir,
            url=str(outputs["url"]),
            table_name=str(outputs["tableName"]),
            smoke_slug_prefix=stack_config["comments:smokeSlugPrefix"],
        )

    def stop(self) -> None:
        """Stop moto and the data plane of this environment."""
        _emulator(self.env, "down")

    def deployed_document(self) -> dict[str, Any]:
        """The OpenAPI document the local deploy imported into the RestApi (its `body`)."""
        record = json.loads((self.state_dir / "stacks" / "local.json").read_text(encoding="utf-8"))
        bodies = [
            r["inputs"]["body"] for r in record["resources"].values() if r["type"] == REST_API
        ]
        assert len(bodies) == 1, f"expected one RestApi in the local stack, found {len(bodies)}"
        document: dict[str, Any] = json.loads(bodies[0])
        return document

    def moto_endpoint(self) -> str:
        port = json.loads((self.state_dir / "moto.json").read_text(encoding="utf-8"))["port"]
        return f"http://127.0.0.1:{port}"

    def table(self) -> Table:
        return Table(self.moto_endpoint(), self.table_name, self.smoke_slug_prefix)


def client_document(deployed: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The deployed document as a client sees the API: no AWS extensions, the local URL as server."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if not k.startswith(EXTENSION_PREFIX)}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    document: dict[str, Any] = strip(deployed)
    document["servers"] = [{"url": base_url}]
    return document


class Table:
    """The stack's DynamoDB table, read directly in the environment's moto."""

    def __init__(self, endpoint: str, name: str, smoke_slug_prefix: str) -> None:
        self.name = name
        self.smoke_slug_prefix = smoke_slug_prefix
        self.client = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # moto accepts any credentials
        )

    def count(self) -> int:
        """How many items the table holds (moto counts them live)."""
        return int(self.client.describe_table(TableName=self.name)["Table"]["ItemCount"])

    def item(self, slug: str, created_at: int) -> dict[str, Any] | None:
        """The stored item as plain values ({"slug": str, "createdAt": int, ...}), or None."""
        found = self.client.get_item(
            TableName=self.name,
            Key={"slug": {"S": slug}, "createdAt": {"N": str(created_at)}},
            ConsistentRead=True,
        ).get("Item")
        return None if found is None else plain_item(found)

    def items(self, slug: str) -> list[dict[str, Any]]:
        """Every item stored under `slug`, newest first."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.name,
            KeyConditionExpression="slug = :slug",
            ExpressionAttributeValues={":slug": {"S": slug}},
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        return [plain_item(item) for page in pages for item in page["Items"]]

    def attribute_problems(self, item: dict[str, Any]) -> list[str]:
        """How a stored item differs from the documented attributes (empty when it does not)."""
        expected = (
            SMOKE_ATTRIBUTES
            if str(item.get("slug", "")).startswith(self.smoke_slug_prefix)
            else ITEM_ATTRIBUTES
        )
        problems = []
        if set(item) != expected:
            problems.append(f"attributes {sorted(item)} instead of {sorted(expected)}")
        for name in ("slug", "author", "comment"):
            if not isinstance(item.get(name), str):
                problems.append(f"{name} is not a string: {item.get(name)!r}")
        if not isinstance(item.get("createdAt"), int):
            problems.append(f"createdAt is not a number: {item.get('createdAt')!r}")
        return problems


def plain_item(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A DynamoDB item without type descriptors: S as str, N as int, anything else kept."""
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if set(value) == {"S"}:
            plain[name] = value["S"]
        elif set(value) == {"N"}:
            plain[name] = int(value["N"])
        else:
            plain[name] = value
    return plain
