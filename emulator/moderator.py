"""The local moderator: an IAM user in moto allowed to assume the stack's moderator role.

On AWS a person gets sts:AssumeRole on the moderator role from their account's administrator.
Locally the deploy creates such a person and writes AWS shared config and credentials files, so the
moderation CLI (and the browser and smoke tests) sign requests through botocore, assuming the
role through moto's STS like they would through AWS's. `session()` selects the profile whatever
the user's own AWS settings say (AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_REGION...); by hand, with
no AWS_ACCESS_KEY_ID in the environment (it would win over AWS_PROFILE):

    AWS_CONFIG_FILE=.local/aws/config AWS_SHARED_CREDENTIALS_FILE=.local/aws/credentials \\
    AWS_PROFILE=comments-local-moderator python -m moderation list --slug /blog/hello-world
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PROFILE = "comments-local-moderator"
# The stack output naming the role (comments_infra.outputs.MODERATOR_ROLE_ARN; a test keeps them equal).
ROLE_OUTPUT = "moderatorRoleArn"
_KEYS_PROFILE = f"{PROFILE}-keys"


@dataclass(frozen=True)
class LocalModerator:
    """Where the local moderator's profile lives; `environment` selects it for botocore."""

    config_file: Path
    credentials_file: Path
    profile: str = PROFILE

    @property
    def environment(self) -> dict[str, str]:
        return {
            "AWS_CONFIG_FILE": str(self.config_file),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
            "AWS_PROFILE": self.profile,
        }


def files(root: Path) -> LocalModerator:
    """The profile files under the local state directory."""
    return LocalModerator(root / "aws" / "config", root / "aws" / "credentials")


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def ensure(
    iam: Any, root: Path, *, stack: str, role_arn: str, endpoint: str, region: str
) -> LocalModerator:
    """Create the user (once per moto instance), let it assume `role_arn`, write its profile."""
    user = f"comments-{stack}-local-moderator"
    target = files(root)
    try:
        iam.get_user(UserName=user)
        fresh = False
    except iam.exceptions.NoSuchEntityException:
        iam.create_user(UserName=user, Tags=[{"Key": "stack", "Value": stack}])
        fresh = True
    iam.put_user_policy(
        UserName=user,
        PolicyName="assume-the-moderator-role",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn}
                ],
            }
        ),
    )
    if fresh or not target.credentials_file.exists():
        for old in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user, AccessKeyId=old["AccessKeyId"])
        key = iam.create_access_key(UserName=user)["AccessKey"]
        _write_private(
            target.credentials_file,
            f"[{_KEYS_PROFILE}]\n"
            f"aws_access_key_id = {key['AccessKeyId']}\n"
            f"aws_secret_access_key = {key['SecretAccessKey']}\n",
        )
    _write_private(
        target.config_file,
        f"# The local moderator ({user} in moto) assumes the {stack} stack's moderator role.\n"
        f"[profile {PROFILE}]\n"
        f"role_arn = {role_arn}\n"
        f"source_profile = {_KEYS_PROFILE}\n"
        f"region = {region}\n"
        f"endpoint_url = {endpoint}\n"
        f"[profile {_KEYS_PROFILE}]\n"
        f"region = {region}\n"
        f"endpoint_url = {endpoint}\n",
    )
    return target


def session(local: LocalModerator) -> Any:
    """A botocore session signing as the local moderator, in the region its profile names.

    Explicitly set, the profile and files win over AWS_PROFILE and AWS_CONFIG_FILE, and botocore
    leaves out the environment's keys (AWS_ACCESS_KEY_ID): a developer's real AWS credentials
    never sign a request meant for the local stack.
    """
    import botocore.session

    chosen = botocore.session.Session(profile=local.profile)
    chosen.set_config_variable("config_file", str(local.config_file))
    chosen.set_config_variable("credentials_file", str(local.credentials_file))
    region = chosen.get_scoped_config().get("region")
    if region:  # else AWS_REGION / AWS_DEFAULT_REGION would
        chosen.set_config_variable("region", region)
    return chosen


def principal(moto_url: str, access_key_id: str) -> str | None:
    """The ARN an access key signs as in the local environment's moto (what the data plane
    checks a signature against), or None when moto issued no such key."""
    import requests

    from emulator.gateway.authorization import CREDENTIALS_PATH

    answer = requests.get(
        f"{moto_url}{CREDENTIALS_PATH}?{urlencode({'accessKeyId': access_key_id})}", timeout=10
    )
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    arn: str = answer.json()["principalArn"]
    return arn
