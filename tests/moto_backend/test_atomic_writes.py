"""No two conditional writes to one key both succeed: 32 writers race on one key per round.

In-process against the project's moto backend (1,000 rounds, with the interpreter switching
threads every millisecond so that, without the fix, rounds with two winners appear by the
hundred), then over HTTP: the project's moto server, and the API through the data plane.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import dynamodb_backends

from emulator.environment import free_port
from emulator.gateway import serve
from tests.gateway.apis import api, dynamodb, method
from tests.moto_backend.conftest import REGION, TABLE, create_table
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.server

WRITERS = 32
ROUNDS = 1000
# Over HTTP every write is a request to a server: 32,000 of them take minutes on two cores, so
# `make test` runs 30 rounds over HTTP and `make race` the full 1,000 (RACE_ROUNDS).
HTTP_ROUNDS = int(os.environ.get("RACE_ROUNDS", "30"))

# The program's create: a conditional UpdateItem returning the stored item.
UPDATE: dict[str, Any] = {
    "UpdateExpression": "SET #author = :author",
    "ConditionExpression": "attribute_not_exists(#slug)",
    "ExpressionAttributeNames": {"#author": "author", "#slug": "slug"},
    "ReturnValues": "ALL_NEW",
}


def race(rounds: int, write: Callable[[int, int], bool]) -> Counter[int]:
    """`write(writer, round)` from WRITERS threads, all released together each round; returns
    how many writes succeeded per round."""
    start = threading.Barrier(WRITERS)
    wins: Counter[int] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(number: int) -> None:
        try:
            for round_ in range(rounds):
                start.wait()
                if write(number, round_):
                    with lock:
                        wins[round_] += 1
        except BaseException as error:
            errors.append(error)
            start.abort()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    return wins


def assert_one_winner_per_round(wins: Counter[int], rounds: int) -> None:
    twice = {round_: n for round_, n in wins.items() if n != 1}
    never = [round_ for round_ in range(rounds) if round_ not in wins]
    assert not twice and not never, (
        f"rounds with several winners: {len(twice)} {dict(list(twice.items())[:5])}; "
        f"rounds nobody won: {len(never)}"
    )


def test_the_backend_lets_one_writer_win_each_round(dynamodb: Any) -> None:
    backend = dynamodb_backends["123456789012"][REGION]
    slug = {"S": "/race/backend"}

    def write(writer: int, round_: int) -> bool:
        try:
            backend.update_item(
                TABLE,
                {"slug": slug, "createdAt": {"N": str(round_)}},
                UPDATE["UpdateExpression"],
                UPDATE["ExpressionAttributeNames"],
                {":author": {"S": f"writer {writer}"}},
                condition_expression=UPDATE["ConditionExpression"],
            )
        except ConditionalCheckFailed:
            return False
        return True

    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        wins = race(ROUNDS, write)
    finally:
        sys.setswitchinterval(interval)
    assert_one_winner_per_round(wins, ROUNDS)


@pytest.fixture(scope="module")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's moto server (`python -m emulator.moto_backend`) on a free port."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator.moto_backend",
            "--port",
            str(port),
            "--log-file",
            str(log),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        create_table(
            boto3.client(
                "dynamodb",
                endpoint_url=endpoint,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        )
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


def _post(
    connections: dict[int, http.client.HTTPConnection],
    writer: int,
    port: int,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any],
) -> tuple[int, bytes]:
    """One request on the writer's own kept-alive connection (reopened if the server closed it)."""
    connection = connections.setdefault(writer, http.client.HTTPConnection("127.0.0.1", port))
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    return response.status, response.read()


def test_the_moto_server_lets_one_writer_win_each_round(moto_server: str) -> None:
    port = int(moto_server.rsplit(":", 1)[1])
    # moto checks no signature; the header only says which service and region are meant.
    headers = {
        "X-Amz-Target": "DynamoDB_20120810.UpdateItem",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
    }
    connections: dict[int, http.client.HTTPConnection] = {}

    def write(writer: int, round_: int) -> bool:
        status, body = _post(
            connections,
            writer,
            port,
            "/",
            headers,
            {
                "TableName": TABLE,
                "Key": {"slug": {"S": "/race/server"}, "createdAt": {"N": str(round_)}},
                "ExpressionAttributeValues": {":author": {"S": f"writer {writer}"}},
                **UPDATE,
            },
        )
        assert status == 200 or b"ConditionalCheckFailedException" in body, (status, body)
        return status == 200

    assert_one_winner_per_round(race(HTTP_ROUNDS, write), HTTP_ROUNDS)


def test_the_api_answers_one_201_per_round(moto_server: str, tmp_path: Path) -> None:
    """The data plane in front of the project's moto: one 201 per round, every other a 409."""
    iam = boto3.client(
        "iam",
        endpoint_url=moto_server,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    role = iam.create_role(
        RoleName="race-writer",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="race-writer",
        PolicyName="write",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:UpdateItem",
                        "Resource": f"arn:aws:dynamodb:{REGION}:123456789012:table/{TABLE}",
                    }
                ],
            }
        ),
    )
    # The key comes from the body here (the program's comes from the request time), so that
    # every writer of a round aims at the same key.
    template = json.dumps(
        {
            "TableName": TABLE,
            "Key": {
                "slug": {"S": "$input.path('$.slug')"},
                "createdAt": {"N": "$input.path('$.round')"},
            },
            "ExpressionAttributeValues": {":author": {"S": "$input.path('$.author')"}},
            **UPDATE,
        }
    )
    document = api(
        {
            "/comments": {
                "post": method(
                    dynamodb(
                        "UpdateItem",
                        template,
                        role,
                        {"default": {"statusCode": "201"}, "400": {"statusCode": "409"}},
                    ),
                    statuses=("201", "409"),
                )
            }
        }
    )
    state = tmp_path / "gateway-state.json"
    state.write_text(
        json.dumps(
            {
                "restApis": {
                    "race": {
                        "name": "race",
                        "deployments": {"d1": {"definition": document}},
                        "stages": {
                            "test": {
                                "deploymentId": "d1",
                                "variables": {},
                                "throttle": None,
                                "accessLog": None,
                            }
                        },
                    }
                }
            }
        )
    )
    gateway = serve(state, moto_server, host="127.0.0.1", port=0, region=REGION)
    connections: dict[int, http.client.HTTPConnection] = {}
    answers: Counter[int] = Counter()

    def write(writer: int, round_: int) -> bool:
        status, body = _post(
            connections,
            writer,
            gateway.port,
            "/race/test/comments",
            {"Content-Type": "application/json"},
            {"slug": "/race/api", "round": round_, "author": f"writer {writer}"},
        )
        answers[status] += 1
        assert status in (201, 409), (status, body)
        return status == 201

    try:
        wins = race(HTTP_ROUNDS, write)
    finally:
        gateway.stop()
    assert_one_winner_per_round(wins, HTTP_ROUNDS)
    assert answers == {201: HTTP_ROUNDS, 409: (WRITERS - 1) * HTTP_ROUNDS}
