"""python -m moderation [--stack STACK | --url URL] [--aws-credentials] list|delete|pending|approve ...

Moderate a stack's comments. The API's URL comes from the stack's outputs (the local environment's
record for `local`, `pulumi stack output` for the others) unless --url names it. Moderation routes
are signed with SigV4. On the local stack the local moderator `make deploy` wrote to .local/aws/
signs, whatever AWS credentials the environment holds (--aws-credentials signs with them instead);
elsewhere (and with --url) botocore's normal credential chain does. Before a signed request it
says on stderr which identity signs: `signing as <arn> (local moderator, ...)`.

Exit status: 0 done, 1 no such comment, 2 refused or misconfigured (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError, ClientError

from moderation.client import ApiError, CommentsApi, region_of

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "us-east-1"
LOCAL_STACK = "local"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_LOCAL_MODERATOR_HINT = (
    "; locally that is the local moderator (profile comments-local-moderator in .local/aws/, "
    "written by `make deploy`), which signs when --aws-credentials is left out"
)
# Asking STS who signs is a courtesy before the real request: fail fast rather than retry.
_STS_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 2})


class UsageError(Exception):
    """The CLI cannot run as asked; the message says what to do."""


def stack_url(stack: str) -> str:
    """The stack's `url` output."""
    if stack == "local":
        command = [sys.executable, "-m", "emulator", "outputs", "--stack", "local"]
    else:
        command = ["pulumi", "stack", "output", "--json", "--stack", stack]
    try:
        result = subprocess.run(  # noqa: S603 - pulumi or our own interpreter, no shell
            command, cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise UsageError(
            f"cannot read stack {stack!r} outputs: {command[0]} is not installed (or pass --url)"
        ) from None
    if result.returncode != 0:
        raise UsageError(f"cannot read stack {stack!r} outputs: {result.stderr.strip()}")
    url: str = json.loads(result.stdout)["url"]
    return url


@dataclass(frozen=True)
class Signer:
    """Who signs the moderation requests: the credentials, and how to name them."""

    session: Any  # botocore.session.Session
    credentials: Credentials | None
    label: str  # "local moderator, profile ...", or where the credential chain found them
    local_moderator: bool
    moto_url: str | None  # the local environment's moto, which knows the keys it issued


def _local_moto_url() -> str | None:
    from emulator.environment import Paths, running

    moto = running(Paths.default().moto, "moto")
    return moto.url if moto else None


def _local_stack(args: argparse.Namespace) -> bool:
    return not args.url and args.stack == LOCAL_STACK


def _signer(args: argparse.Namespace) -> Signer:
    """The local moderator on the local stack (unless --aws-credentials), else the chain."""
    local_stack = _local_stack(args)
    if local_stack and not args.aws_credentials:
        from emulator import moderator
        from emulator.environment import Paths

        local = moderator.files(Paths.default().root)
        if not local.credentials_file.exists():
            raise UsageError(
                f"the local moderator's profile is missing ({local.credentials_file}): run "
                "`make deploy`, or pass --aws-credentials to sign with your own AWS credentials"
            )
        session = moderator.session(local)
        return Signer(
            session,
            session.get_credentials(),
            f"local moderator, profile {local.profile} in {local.config_file}",
            True,
            _local_moto_url(),
        )
    session = botocore.session.Session()
    credentials = session.get_credentials()
    method = getattr(credentials, "method", None) or "unknown source"
    profile = session.get_config_variable("profile")
    source = f"{method}, profile {profile}" if profile and method != "env" else method
    # The local data plane checks signatures against the keys moto issued: ask moto, not AWS.
    host = urlsplit(args.url).hostname if args.url else None
    moto_url = _local_moto_url() if local_stack or host in _LOOPBACK else None
    return Signer(session, credentials, f"AWS credentials: {source}", False, moto_url)


def _local_region(signer: Signer) -> str:
    """The local stack's region: the local moderator's profile names it; else its stack file."""
    region = signer.session.get_scoped_config().get("region") if signer.local_moderator else None
    if region:
        return str(region)
    from tooling.offline_runner import load_stack_config

    return load_stack_config(LOCAL_STACK).get("aws:region", DEFAULT_REGION)


def identity(signer: Signer, region: str) -> str:
    """The ARN the signer's credentials sign as; what is known of them when it cannot tell."""
    assert signer.credentials is not None
    frozen = signer.credentials.get_frozen_credentials()
    key = frozen.access_key
    if signer.moto_url:
        import requests

        from emulator import moderator

        try:
            arn = moderator.principal(signer.moto_url, key)
        except (requests.RequestException, ValueError, KeyError) as error:
            # The request still goes out: the API has the last word.
            return f"access key {key} (the local environment could not say whose: {error})"
        return arn or f"access key {key}, which the local environment never issued"
    try:
        sts = signer.session.create_client(
            "sts",
            region_name=region,
            config=_STS_CONFIG,
            aws_access_key_id=frozen.access_key,
            aws_secret_access_key=frozen.secret_key,
            aws_session_token=frozen.token,
        )
        arn = str(sts.get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError) as error:
        return f"access key {key} (STS GetCallerIdentity failed: {error})"
    return arn


def _when(created_at: Any) -> str:
    moment = datetime.datetime.fromtimestamp(int(created_at) / 1000, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def _line(comment: dict[str, Any]) -> str:
    text = " ".join(str(comment.get("comment", "")).split())
    text = text if len(text) <= 80 else text[:79] + "…"
    return f"{comment['createdAt']}  {_when(comment['createdAt'])}  {comment.get('author')}: {text}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m moderation", description="Moderate a stack's comments."
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack", default="local", help="stack whose url output to use")
    where.add_argument("--url", help="the API's base URL (the stage's invoke URL)")
    parser.add_argument(
        "--aws-credentials",
        action="store_true",
        help="on the local stack, sign with your AWS credential chain (AWS_PROFILE, "
        "AWS_ACCESS_KEY_ID, ...) instead of the local moderator",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="a page of a slug's comments, newest first")
    listing.add_argument("--slug", required=True)
    listing.add_argument("--limit", type=int, default=10, help="1-50 (default 10)")
    listing.add_argument("--before", type=int, help="the `next` value a previous page printed")
    for name, text in (
        ("delete", "delete one comment (idempotent)"),
        ("approve", "publish a pending comment (pre-moderation)"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--slug", required=True)
        command.add_argument("--created-at", type=int, required=True, help="epoch milliseconds")
    pending = commands.add_parser("pending", help="comments waiting for approval, oldest first")
    pending.add_argument("--limit", type=int, default=10, help="1-50 (default 10)")
    pending.add_argument("--after", type=int, help="the `next` value a previous page printed")
    return parser


def run(args: argparse.Namespace) -> int:
    base_url = args.url or stack_url(args.stack)
    if args.command == "list":  # the public route: nothing to sign
        api = CommentsApi(base_url, None, region_of(base_url, DEFAULT_REGION))
    else:
        signer = _signer(args)
        if _local_stack(args):  # the data plane checks the credential scope's region
            region = _local_region(signer)
        else:
            configured = signer.session.get_config_variable("region") or DEFAULT_REGION
            region = region_of(base_url, configured)
        api = CommentsApi(base_url, signer.credentials, region)
        if signer.credentials is not None:
            print(f"signing as {identity(signer, region)} ({signer.label})", file=sys.stderr)
    if args.command == "list":
        page = api.list(args.slug, args.limit, args.before)
        print(f"{len(page['items'])} comment(s) on {args.slug}, newest first:")
        for comment in page["items"]:
            print("  " + _line(comment))
        if page.get("next") is not None:
            print(f"more: --before {page['next']}")
        return 0
    if args.command == "pending":
        page = api.pending(args.limit, args.after)
        print(f"{len(page['items'])} pending comment(s), oldest first:")
        for comment in page["items"]:
            print(f"  {comment['slug']}  " + _line(comment))
        if page.get("next") is not None:
            print(f"more: --after {page['next']}")
        return 0
    if args.command == "approve":
        approved = api.approve(args.slug, args.created_at)
        if approved is None:
            print(f"nothing approved: no pending comment on {args.slug} at {args.created_at}")
            return 1
        print(f"approved on {args.slug}: " + _line(approved))
        return 0
    deleted = api.delete(args.slug, args.created_at)
    if deleted is None:
        print(
            f"nothing deleted: no comment on {args.slug} at {args.created_at} "
            "(already deleted, or never stored)"
        )
        return 1
    print(f"deleted from {args.slug}: " + _line(deleted))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # resolving or refreshing the credentials
        print(
            f"error: {args.command}: cannot get the signing credentials: {error}", file=sys.stderr
        )
        return 2
    except ApiError as error:
        hint = ""
        if error.status == 403 and str(error) == "Missing Authentication Token":
            # A signed request to a route the stack does not have: API Gateway's answer.
            hint = (
                " (this stack has no such route: pending and approve need comments:moderation pre)"
            )
        elif error.status == 403:
            hint = (
                " (the request must be signed by a principal allowed to invoke the moderation "
                "routes: the stack's moderator role"
                + (_LOCAL_MODERATOR_HINT if args.aws_credentials and _local_stack(args) else "")
                + ")"
            )
        status = f"HTTP {error.status}: " if error.status else ""
        print(f"error: {args.command} refused: {status}{error}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
