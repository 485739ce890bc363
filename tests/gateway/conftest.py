"""Fixtures for the gateway fidelity tests: moto in-process, a gateway, hand-written APIs."""

from __future__ import annotations

import itertools
import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from emulator import credentials
from emulator.gateway import GatewayServer, serve
from tests.gateway.apis import ACCESS_LOG_GROUP, ACCOUNT, OTHER_TABLE, REGION, TABLE, TABLE_ARN

APIGATEWAY_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ],
}


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Aws:
    """boto3 clients against the moto server."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        kwargs = {
            "endpoint_url": endpoint,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        self.dynamodb = boto3.client("dynamodb", **kwargs)
        self.iam = boto3.client("iam", **kwargs)
        self.logs = boto3.client("logs", **kwargs)

    def role(
        self, name: str, *statements: dict[str, Any], trust: dict[str, Any] | None = None
    ) -> str:
        """Create a role with one inline policy; returns its ARN."""
        arn = self.iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust or APIGATEWAY_TRUST)
        )["Role"]["Arn"]
        if statements:
            self.iam.put_role_policy(
                RoleName=name, PolicyName="inline", PolicyDocument=_policy(*statements)
            )
        return str(arn)


@pytest.fixture(scope="session")
def aws() -> Iterator[Aws]:
    credentials.install()  # as emulator.moto_backend does: the SigV4 check looks keys up there
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    clients = Aws(f"http://127.0.0.1:{port}")
    for table in (TABLE, OTHER_TABLE):
        clients.dynamodb.create_table(
            TableName=table,
            KeySchema=[
                {"AttributeName": "slug", "KeyType": "HASH"},
                {"AttributeName": "createdAt", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "slug", "AttributeType": "S"},
                {"AttributeName": "createdAt", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    clients.logs.create_log_group(logGroupName=ACCESS_LOG_GROUP)
    yield clients
    server.stop()


@pytest.fixture(scope="session")
def writer_role(aws: Aws) -> str:
    """The least-privilege role the real stack uses: PutItem/GetItem/Query on the table."""
    return aws.role(
        "gateway-writer",
        {
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"],
            "Resource": TABLE_ARN,
        },
    )


class Deployer:
    """Plays the deployer's part: writes the state file the gateway reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state: dict[str, Any] = {"restApis": {}}
        self._lock = threading.Lock()
        self._tick = itertools.count(1)

    def deploy(
        self,
        definition: dict[str, Any],
        *,
        api_id: str | None = None,
        stage: str = "test",
        variables: dict[str, str] | None = None,
        throttle: dict[str, Any] | None = None,
        access_log: dict[str, str] | None = None,
    ) -> str:
        """Deploy ``definition`` to a stage; returns the API id."""
        api_id = api_id or uuid.uuid4().hex[:10]
        deployment_id = uuid.uuid4().hex[:6]
        with self._lock:
            api = self.state["restApis"].setdefault(
                api_id, {"name": api_id, "deployments": {}, "stages": {}}
            )
            api["deployments"][deployment_id] = {"definition": definition}
            api["stages"][stage] = {
                "deploymentId": deployment_id,
                "variables": {"table": TABLE, **(variables or {})},
                "throttle": throttle,
                "accessLog": access_log,
            }
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.state))
            os.replace(tmp, self.path)
            # Distinct mtimes even for writes within the filesystem's timestamp granularity.
            stamp = 1_700_000_000_000_000_000 + next(self._tick) * 1_000_000_000
            os.utime(self.path, ns=(stamp, stamp))
        return api_id


@pytest.fixture(scope="session")
def deployer(tmp_path_factory: pytest.TempPathFactory) -> Deployer:
    return Deployer(tmp_path_factory.mktemp("gateway") / "gateway-state.json")


@pytest.fixture(scope="session")
def gateway(aws: Aws, deployer: Deployer) -> Iterator[GatewayServer]:
    server = serve(deployer.path, aws.endpoint, host="127.0.0.1", port=0, region=REGION)
    yield server
    server.stop()
