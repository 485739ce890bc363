"""python -m moderation [--stack STACK | --url URL] list|delete|pending|approve ...

Moderate a stack's comments. The API's URL comes from the stack's outputs (the local environment's
record for `local`, `pulumi stack output` for the others) unless --url names it. Moderation routes
are signed with SigV4 from botocore's normal credential chain; on the local stack, when no AWS
credentials are configured, the local moderator `make deploy` wrote to .local/aws/ signs.

Exit status: 0 done, 1 no such comment, 2 refused or misconfigured (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session

from moderation.client import ApiError, CommentsApi, region_of

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "us-east-1"
_CREDENTIAL_VARIABLES = ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_CONFIG_FILE")


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


def _use_local_moderator() -> str | None:
    """Point botocore at the local moderator's profile unless credentials are configured."""
    if any(os.environ.get(name) for name in _CREDENTIAL_VARIABLES):
        return None
    from emulator import moderator
    from emulator.environment import Paths

    local = moderator.files(Paths.default().root)
    if not local.credentials_file.exists():
        return None
    os.environ.update(local.environment)
    return local.profile


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
    profile = _use_local_moderator() if not args.url and args.stack == "local" else None
    session = botocore.session.Session()
    region = region_of(base_url, session.get_config_variable("region") or DEFAULT_REGION)
    api = CommentsApi(base_url, session.get_credentials(), region)
    if args.command != "list":
        signer = f"the local moderator (profile {profile})" if profile else "your AWS credentials"
        print(f"{base_url}: signing as {signer}")
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
                "routes: the stack's moderator role)"
            )
        status = f"HTTP {error.status}: " if error.status else ""
        print(f"error: {args.command} refused: {status}{error}{hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
