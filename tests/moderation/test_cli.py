"""`python -m moderation` against a local environment of its own, as a moderator runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.session
import pytest
import requests
from botocore.credentials import Credentials

from emulator.environment import free_port
from tests.local_environment import isolated_env, run_emulator, run_module
from tooling.offline_runner import REPO_ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    state = tmp_path_factory.mktemp("moderation-environment")
    # No AWS settings of the machine running the tests: locally the CLI signs as the local moderator.
    env = {k: v for k, v in isolated_env(state).items() if not k.startswith("AWS_")}
    deployed = run_emulator(env, "deploy")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "moderator: AWS_CONFIG_FILE=" in deployed.stdout
    yield env
    run_emulator(env, "down")


def moderate(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_module("moderation", env, *args)


def url(env: dict[str, str]) -> str:
    value: str = json.loads(run_emulator(env, "outputs").stdout)["url"]
    return value


def moto_url(env: dict[str, str]) -> str:
    port = json.loads((Path(env["COMMENTS_LOCAL_DIR"]) / "moto.json").read_text())["port"]
    return f"http://127.0.0.1:{port}"


def post(env: dict[str, str], slug: str, comment: str) -> int:
    response = requests.post(
        url(env) + "/comments", json={"slug": slug, "author": "Eve", "comment": comment}, timeout=30
    )
    assert response.status_code == 201, response.text
    created: int = response.json()["createdAt"]
    return created


def test_list_then_delete_as_the_local_moderator(local_env: dict[str, str]) -> None:
    slug = f"/cli/{uuid.uuid4().hex}"
    spam = post(local_env, slug, "cheap pills")
    listed = moderate(local_env, "list", "--slug", slug)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == f"1 comment(s) on {slug}, newest first:"
    assert listed.stdout.splitlines()[1].startswith(f"  {spam}  ")
    assert listed.stdout.splitlines()[1].endswith("Eve: cheap pills")

    deleted = moderate(local_env, "delete", "--slug", slug, "--created-at", str(spam))
    assert deleted.returncode == 0, deleted.stderr
    assert signed_as_the_local_moderator(local_env, deleted.stderr), deleted.stderr
    assert deleted.stdout.splitlines() == [
        f"deleted from {slug}: " + listed.stdout.splitlines()[1][2:]
    ]
    page = requests.get(url(local_env) + "/comments", params={"slug": slug}, timeout=30).json()
    assert page["items"] == []

    again = moderate(local_env, "delete", "--slug", slug, "--created-at", str(spam))
    assert again.returncode == 1
    assert again.stdout.splitlines()[-1] == (
        f"nothing deleted: no comment on {slug} at {spam} (already deleted, or never stored)"
    )


def signed_as_the_local_moderator(env: dict[str, str], stderr: str) -> bool:
    """Whether stderr is the one line the CLI prints before a request the local moderator signs:
    the role's assumed-role session ARN, and the profile it comes from."""
    role = json.loads(run_emulator(env, "outputs").stdout)["moderatorRoleArn"]
    account, name = re.fullmatch(r"arn:aws:iam::(\d{12}):role/(.+)", role).groups()  # type: ignore[union-attr]
    config = Path(env["COMMENTS_LOCAL_DIR"]) / "aws" / "config"
    line = (
        rf"signing as arn:aws:sts::{account}:assumed-role/{re.escape(name)}/[\w.@=,-]+ "
        rf"\(local moderator, profile comments-local-moderator in {re.escape(str(config))}\)\n"
    )
    return re.fullmatch(line, stderr) is not None


# What a developer's shell holds: keys and a profile of their real AWS account, another region.
THEIR_AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_SESSION_TOKEN": "their-session-token",
    "AWS_PROFILE": "their-admin",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def their_aws(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "their-aws-config"
    config.write_text("[profile their-admin]\nregion = eu-west-1\n")
    return {**env, **THEIR_AWS, "AWS_CONFIG_FILE": str(config)}


def test_the_local_moderator_signs_locally_whatever_aws_credentials_are_set(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    slug = f"/cli/{uuid.uuid4().hex}"
    spam = post(local_env, slug, "spam")
    env = their_aws(local_env, tmp_path)
    deleted = moderate(env, "delete", "--slug", slug, "--created-at", str(spam))
    assert deleted.returncode == 0, deleted.stderr
    assert signed_as_the_local_moderator(local_env, deleted.stderr), deleted.stderr
    assert deleted.stdout.startswith(f"deleted from {slug}: {spam}  ")


def test_credentials_the_api_does_not_know_are_refused(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    slug = f"/cli/{uuid.uuid4().hex}"
    kept = post(local_env, slug, "stays")
    env = their_aws(local_env, tmp_path)
    refused = moderate(
        env, "--aws-credentials", "delete", "--slug", slug, "--created-at", str(kept)
    )
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "signing as access key AKIAIOSFODNN7EXAMPLE, which the local environment never issued "
        "(AWS credentials: env)",
        "error: delete refused: HTTP 403: The security token included in the request is invalid. "
        "(the request must be signed by a principal allowed to invoke the moderation routes: the "
        "stack's moderator role; locally that is the local moderator (profile "
        "comments-local-moderator in .local/aws/, written by `make deploy`), which signs when "
        "--aws-credentials is left out)",
    ]
    listed = moderate(local_env, "list", "--slug", slug)
    assert "Eve: stays" in listed.stdout


def test_on_an_aws_stack_it_says_which_identity_signs(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    """`--stack dev` reads the URL from `pulumi stack output` and signs with the credential chain;
    here a stand-in pulumi names the local API, and STS is moto's, which issued the user's key."""
    iam = boto3.client(
        "iam",
        endpoint_url=moto_url(local_env),
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    user = f"cli-{uuid.uuid4().hex[:8]}"
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pulumi = bin_dir / "pulumi"
    pulumi.write_text(f"#!/bin/sh\necho '{json.dumps({'url': url(local_env)})}'\n")
    pulumi.chmod(0o755)
    env = {
        **local_env,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_ENDPOINT_URL_STS": moto_url(local_env),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }
    refused = moderate(env, "--stack", "dev", "delete", "--slug", "/x", "--created-at", "1")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0] == f"signing as {arn} (AWS credentials: env)"
    assert refused.stderr.splitlines()[1].endswith(
        "(the request must be signed by a principal allowed to invoke the moderation routes: "
        "the stack's moderator role)"
    )


def test_when_sts_cannot_say_it_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.__main__ import Signer, identity

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{free_port()}")
    session = botocore.session.Session()
    credentials = Credentials("AKIAIOSFODNN7EXAMPLE", "secret", method="env")
    signer = Signer(session, credentials, "AWS credentials: env", False, None)
    described = identity(signer, "eu-west-1")
    assert described.startswith(
        "access key AKIAIOSFODNN7EXAMPLE (STS GetCallerIdentity failed: Could not connect"
    ), described


def test_without_any_credentials_it_says_what_to_configure(
    local_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **local_env,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    refused = moderate(env, "--url", url(local_env), "delete", "--slug", "/x", "--created-at", "1")
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("error: delete refused: no AWS credentials found:")


def test_a_stack_that_is_not_deployed_is_one_line(tmp_path: Path) -> None:
    env = {**isolated_env(tmp_path)}
    result = moderate(env, "list", "--slug", "/x")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: cannot read stack 'local' outputs: error: stack 'local' is not deployed locally: "
        "run `make deploy`"
    )


@pytest.fixture(scope="module")
def pre_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    state = tmp_path_factory.mktemp("pre-moderation-environment")
    env = {k: v for k, v in isolated_env(state).items() if not k.startswith("AWS_")}
    deployed = run_emulator(env, "deploy", "--config", "comments:moderation=pre")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    yield env
    run_emulator(env, "down")


def test_with_pre_moderation_a_comment_is_invisible_until_approved(
    pre_env: dict[str, str],
) -> None:
    slug = f"/cli/{uuid.uuid4().hex}"
    base = url(pre_env)
    posted = requests.post(
        base + "/comments", json={"slug": slug, "author": "Ada", "comment": "wait"}, timeout=30
    )
    assert posted.status_code == 202, posted.text
    created = posted.json()["createdAt"]
    public = requests.get(base + "/comments", params={"slug": slug}, timeout=30).json()
    assert public == {"items": [], "next": None}
    # The queue is a signed route: unsigned, API Gateway refuses it.
    unsigned = requests.get(base + "/moderation/pending", timeout=30)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"message": "Missing Authentication Token"}

    pending = moderate(pre_env, "pending", "--limit", "50")
    assert pending.returncode == 0, pending.stderr
    assert f"  {slug}  {created}  " in pending.stdout

    approved = moderate(pre_env, "approve", "--slug", slug, "--created-at", str(created))
    assert approved.returncode == 0, approved.stderr
    assert f"approved on {slug}: {created}  " in approved.stdout
    public = requests.get(base + "/comments", params={"slug": slug}, timeout=30).json()
    assert [c["comment"] for c in public["items"]] == ["wait"]
    assert f"  {slug}  " not in moderate(pre_env, "pending", "--limit", "50").stdout

    again = moderate(pre_env, "approve", "--slug", slug, "--created-at", str(created))
    assert again.returncode == 1
    assert again.stdout.splitlines()[-1] == (
        f"nothing approved: no pending comment on {slug} at {created}"
    )


def test_approve_on_a_post_moderation_stack_says_why(local_env: dict[str, str]) -> None:
    refused = moderate(local_env, "approve", "--slug", "/x", "--created-at", "1")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0].startswith("signing as ")
    assert refused.stderr.splitlines()[1] == (
        "error: approve refused: HTTP 403: Missing Authentication Token (this stack has no such "
        "route: pending and approve need comments:moderation pre)"
    )


def smoke(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "smoke_tests", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_smoke_tests_pass_on_a_pre_moderating_stack(pre_env: dict[str, str]) -> None:
    # As the local moderator: every comment is approved, then read back; nothing skipped.
    signed = smoke({**pre_env, "SMOKE_STACK": "local"})
    assert signed.returncode == 0, signed.stdout[-3000:] + signed.stderr[-2000:]
    assert " passed" in signed.stdout and "skipped" not in signed.stdout, signed.stdout[-2000:]
    assert re.search(r"smoke comments: deleted \d+ of the \d+ this run created", signed.stdout)
    # A bare URL has no moderator: 202, invisible, the unsigned approval refused, then skipped.
    unsigned = smoke({**pre_env, "SMOKE_BASE_URL": url(pre_env), "SMOKE_MODERATION": "pre"})
    assert unsigned.returncode == 0, unsigned.stdout[-3000:] + unsigned.stderr[-2000:]
    assert "checked 202, invisible, unsigned approval refused" in unsigned.stdout
    # Nor can it delete: what it posted stays until the smoke TTL, and it says so.
    assert re.search(
        r"smoke comments: \d+ left under /__smoke__/ until their TTL \(comments:smokeTtlHours\) "
        r"expires: no moderator credentials \(SMOKE_MODERATOR_PROFILE\)",
        unsigned.stdout,
    ), unsigned.stdout[-2000:]
    # Told the wrong mode, they fail: a pre-moderating stack answers 202, not 201.
    wrong = smoke({**pre_env, "SMOKE_STACK": "local", "SMOKE_MODERATION": "post"})
    assert wrong.returncode == 1 and "assert 202 == 201" in wrong.stdout, wrong.stdout[-2000:]
