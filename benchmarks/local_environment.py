"""Benchmark of the local environment (make bench).

Requests per second through the data plane (POST and GET /comments) against the same DynamoDB
operations sent straight to moto with boto3, as a ratio (target: the data plane costs at most 2x
the direct calls), and the wall time of a deploy from cold (starting moto and the data plane).
Runs in an environment of its own (temporary state directory, free ports) and stops it after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0


def _emulator(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "emulator", *args]
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True, timeout=600
    )


def _rate(operation: Callable[[int], None], count: int) -> float:
    """Operations per second of `count` sequential calls, after a short warm-up."""
    for n in range(min(20, count)):
        operation(-n - 1)
    start = time.perf_counter()
    for n in range(count):
        operation(n)
    return count / (time.perf_counter() - start)


def run(requests_per_case: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="comments-bench-") as state:
        env = {
            **os.environ,
            "COMMENTS_LOCAL_DIR": state,
            "COMMENTS_MOTO_PORT": "0",
            "COMMENTS_GATEWAY_PORT": "0",
            "COMMENTS_DEMO_PORT": "0",
        }
        start = time.perf_counter()
        _emulator(env, "deploy")
        cold_deploy = time.perf_counter() - start
        try:
            outputs = json.loads(_emulator(env, "outputs").stdout)
            moto_port = json.loads((Path(state) / "moto.json").read_text())["port"]
            return {
                "cold_deploy_seconds": cold_deploy,
                **_measure(outputs, moto_port, requests_per_case),
            }
        finally:
            _emulator(env, "down")


def _measure(outputs: dict[str, str], moto_port: int, count: int) -> dict[str, float]:
    url, table = outputs["url"], outputs["tableName"]
    http = requests.Session()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{moto_port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - moto accepts any
    )
    gateway_slug, direct_slug = f"/bench/{uuid.uuid4().hex}", f"/bench/{uuid.uuid4().hex}"
    comment = {
        "author": "bench",
        "comment": "A typical comment of a few words, about 80 characters long.",
    }

    def gateway_post(_: int) -> None:
        response = http.post(f"{url}/comments", json={"slug": gateway_slug, **comment}, timeout=10)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"POST answered {response.status_code}: {response.text}")

    def gateway_get(_: int) -> None:
        response = http.get(f"{url}/comments", params={"slug": gateway_slug}, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"GET answered {response.status_code}: {response.text}")

    def direct_post(n: int) -> None:
        dynamodb.update_item(
            TableName=table,
            Key={"slug": {"S": direct_slug}, "createdAt": {"N": str(time.time_ns() // 1000 + n)}},
            ConditionExpression="attribute_not_exists(#slug)",
            UpdateExpression="SET #author = :author, #comment = :comment",
            ExpressionAttributeNames={"#slug": "slug", "#author": "author", "#comment": "comment"},
            ExpressionAttributeValues={
                ":author": {"S": comment["author"]},
                ":comment": {"S": comment["comment"]},
            },
            ReturnValues="ALL_NEW",
        )

    def direct_get(_: int) -> None:
        dynamodb.query(
            TableName=table,
            KeyConditionExpression="#slug = :slug",
            ExpressionAttributeNames={"#slug": "slug"},
            ExpressionAttributeValues={":slug": {"S": direct_slug}},
            ScanIndexForward=False,
            Limit=10,
        )

    return {
        "gateway_post_rps": _rate(gateway_post, count),
        "direct_post_rps": _rate(direct_post, count),
        "gateway_get_rps": _rate(gateway_get, count),
        "direct_get_rps": _rate(direct_get, count),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per case (default 300)")
    args = parser.parse_args()
    results = run(args.requests)
    print(
        f"deploy from cold (moto + data plane + 8 resources): {results['cold_deploy_seconds']:.2f} s"
    )
    print(f"{'operation':10} {'data plane rps':>15} {'boto3->moto rps':>16} {'cost ratio':>11}")
    for operation in ("post", "get"):
        gateway, direct = results[f"gateway_{operation}_rps"], results[f"direct_{operation}_rps"]
        ratio = direct / gateway
        verdict = "ok" if ratio <= TARGET_RATIO else f"over the {TARGET_RATIO:g}x target"
        print(f"{operation.upper():10} {gateway:15.1f} {direct:16.1f} {ratio:10.2f}x  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
