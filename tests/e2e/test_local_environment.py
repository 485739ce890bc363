"""`make deploy`'s path end to end: a fresh local environment, deployed, smoke-tested, stopped."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from comments_infra import outputs as output_names
from tests.local_environment import isolated_env, run_emulator
from tooling.offline_runner import REPO_ROOT, load_stack_config, run_stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A local environment of this module's own: its own state directory and free ports."""
    state = tmp_path_factory.mktemp("local-environment")
    env = isolated_env(state)
    deployed = run_emulator(env, "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    yield env
    run_emulator(env, "down")


@functools.cache
def resource_count() -> int:
    """How many resources the local stack declares: what a fresh deploy creates."""
    return len([r for r in run_stack("local").resources if r.custom])


def copy_of_program(tmp_path: Path) -> Path:
    program = tmp_path / "infra"
    shutil.copytree(REPO_ROOT / "infra", program)
    return program


def outputs(env: dict[str, str]) -> dict[str, str]:
    result = run_emulator(env, "outputs")
    assert result.returncode == 0, result.stderr
    data: dict[str, str] = json.loads(result.stdout)
    return data


def test_outputs_name_a_url_that_answers(local_env: dict[str, str]) -> None:
    values = outputs(local_env)
    assert set(values) == set(output_names.ALL)
    response = requests.get(values["url"] + "/comments", params={"slug": "/e2e/empty"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": None}


def test_smoke_tests_pass_against_the_local_stack(local_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "smoke_tests", "-q", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT,
        env={**local_env, "SMOKE_STACK": "local"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    # They post under the stack's smoke prefix, and the local moderator removes it all at the end.
    created = re.search(
        r"smoke comments: deleted (\d+) of the (\d+) this run created", result.stdout
    )
    assert created and int(created[2]) > 10, result.stdout[-2000:]
    assert smoke_comments(local_env) == []


def smoke_comments(env: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of the local stack's table under its comments:smokeSlugPrefix."""
    port = json.loads((Path(env["COMMENTS_LOCAL_DIR"]) / "moto.json").read_text())["port"]
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    prefix = load_stack_config("local")["comments:smokeSlugPrefix"]
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(
        TableName=outputs(env)["tableName"],
        FilterExpression="begins_with(slug, :prefix)",
        ExpressionAttributeValues={":prefix": {"S": prefix}},
    ):
        items.extend(page["Items"])
    return items


def test_a_second_deploy_changes_nothing(local_env: dict[str, str]) -> None:
    before = outputs(local_env)
    again = run_emulator(local_env, "deploy")
    assert again.returncode == 0, again.stderr
    assert f"{resource_count()} unchanged" in again.stdout and "created" not in again.stdout, (
        again.stdout
    )
    assert outputs(local_env) == before


def test_a_config_change_updates_in_place(local_env: dict[str, str], tmp_path: Path) -> None:
    """A changed template replaces the deployment and updates the API, nothing else."""
    before = outputs(local_env)
    program = copy_of_program(tmp_path)
    template = program / "comments_infra" / "templates" / "server_error.response.vtl"
    template.write_text(
        template.read_text().replace("Internal server error", "Internal server error.")
    )
    result = run_emulator(local_env, "deploy", "--program-dir", str(program))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replaced  aws:apigateway/deployment:Deployment" in result.stdout
    assert "updated   aws:apigateway/restApi:RestApi" in result.stdout
    assert "updated   aws:apigateway/stage:Stage" in result.stdout
    assert "unchanged aws:dynamodb/table:Table" in result.stdout
    assert "deleted   aws:apigateway/deployment:Deployment" in result.stdout
    assert outputs(local_env)["apiId"] == before["apiId"]
    # and back, so the other tests see the real program
    assert run_emulator(local_env, "deploy").returncode == 0


def test_deploy_recovers_after_the_backend_died(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    try:
        assert run_emulator(env, "deploy").returncode == 0
        moto = json.loads((tmp_path / "moto.json").read_text())
        os.killpg(moto["pid"], signal.SIGKILL)
        status = run_emulator(env, "status")
        assert status.returncode == 3, status.stdout + status.stderr
        assert f"moto backend:  dead         pid {moto['pid']} recorded" in status.stdout
        assert "data plane:    running " in status.stdout
        assert "API url:       none answering: moto is dead" in status.stdout
        again = run_emulator(env, "deploy")
        assert again.returncode == 0, again.stderr
        assert "started moto" in again.stdout and f"{resource_count()} created" in again.stdout, (
            again.stdout
        )
        url = outputs(env)["url"]
        assert requests.get(url + "/comments", params={"slug": "/x"}, timeout=10).status_code == 200
    finally:
        stopped = run_emulator(env, "down")
    assert "stopped demo site, data plane and moto" in stopped.stdout
    assert run_emulator(env, "status").returncode == 1


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = {**isolated_env(tmp_path), "COMMENTS_MOTO_PORT": str(port)}
        result = run_emulator(env, "deploy")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is in use by another program: stop it, or choose "
        "another port with COMMENTS_MOTO_PORT=<port>"
    )


def test_outputs_before_any_deploy(tmp_path: Path) -> None:
    result = run_emulator({**os.environ, "COMMENTS_LOCAL_DIR": str(tmp_path)}, "outputs")
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "error: stack 'local' is not deployed locally: run `make deploy`"
    )


def program_with_a_queue(tmp_path: Path) -> Path:
    program = copy_of_program(tmp_path)
    main = program / "__main__.py"
    main.write_text(main.read_text() + "\nimport pulumi_aws\npulumi_aws.sqs.Queue('alerts')\n")
    return program


def test_a_resource_type_the_pack_does_not_allow_stops_the_deploy(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    result = run_emulator(local_env, "deploy", "--program-dir", str(program_with_a_queue(tmp_path)))
    assert result.returncode == 1
    assert (
        "allowed-resource-types: 'alerts' is of type aws:sqs/queue:Queue, which this stack does "
        "not allow (allowedResourceTypes)" in result.stdout
    ), result.stdout
    again = run_emulator(local_env, "deploy")
    assert again.returncode == 0, again.stderr
    assert f"{resource_count()} unchanged" in again.stdout and "created" not in again.stdout, (
        again.stdout
    )


def test_a_resource_type_the_emulator_lacks_stops_the_deploy(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    """Below the pack (a stack's config may allow more than the emulator knows), the deployer
    refuses a type it cannot create, loudly, and records what it did before stopping."""
    # In a process of its own, as `make deploy` runs it: a program stopped half way leaves the
    # Pulumi runtime's global state behind.
    deploy_without_gate = textwrap.dedent(
        """
        import sys
        from pathlib import Path

        from emulator import deployer, environment
        from emulator.__main__ import _user_error

        paths = environment.Paths.default()
        moto = environment.running(paths.moto, "moto")
        gateway = environment.running(paths.gateway, "gateway")
        try:
            deployer.deploy(
                "local",
                stack_file=paths.stack("local"),
                gateway_state_file=paths.gateway_state,
                endpoint=moto.url,
                gateway_url=gateway.url,
                region="us-east-1",
                moto_instance=moto.instance,
                program_dir=Path(sys.argv[1]),
            )
        except Exception as error:
            print(_user_error(error), file=sys.stderr)
            sys.exit(2)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", deploy_without_gate, str(program_with_a_queue(tmp_path))],
        cwd=REPO_ROOT,
        env=local_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "the local environment cannot deploy resource type aws:sqs/queue:Queue (alerts); supported: "
    ), result.stderr
    # What the stopped deploy did was recorded: the next one carries on, creating nothing twice.
    again = run_emulator(local_env, "deploy")
    assert again.returncode == 0, again.stderr
    assert f"{resource_count()} unchanged" in again.stdout and "created" not in again.stdout, (
        again.stdout
    )


def test_a_preview_starts_nothing(tmp_path: Path) -> None:
    result = run_emulator(isolated_env(tmp_path), "deploy", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("would be created") == resource_count()
    assert result.stdout.endswith(f"a deploy would start it and create {resource_count()}\n")
    assert not (tmp_path / "moto.json").exists()


def test_the_data_plane_serves_what_a_pulumi_checkpoint_describes(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    """The real-engine path: `pulumi stack export` of the stack becomes the data plane's state."""
    state_dir = Path(local_env["COMMENTS_LOCAL_DIR"])
    record = json.loads((state_dir / "stacks" / "local.json").read_text())
    served_before = json.loads((state_dir / "gateway-state.json").read_text())
    # The shape `pulumi stack export` writes: no deployment snapshot of our own, only the engine's.
    checkpoint = {
        "version": 3,
        "deployment": {
            "resources": [
                {
                    "urn": f"urn:pulumi:local::comments::{r['type']}::{r['name']}",
                    "custom": True,
                    "type": r["type"],
                    "id": r["id"],
                    "inputs": r["inputs"],
                    "outputs": {k: v for k, v in r["state"].items() if k != "definition"},
                }
                for r in record["resources"].values()
            ]
        },
    }
    export = tmp_path / "local-state.json"
    export.write_text(json.dumps(checkpoint))

    result = run_emulator(local_env, "gateway-from-state", str(export))
    assert result.returncode == 0, result.stderr
    assert json.loads((state_dir / "gateway-state.json").read_text()) == served_before
    (url,) = result.stdout.split()
    assert url == outputs(local_env)["url"]
    assert requests.get(url + "/comments", params={"slug": "/e2e/empty"}, timeout=10).json() == {
        "items": [],
        "next": None,
    }
