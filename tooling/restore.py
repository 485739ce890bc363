"""Undo lost comments: restore the table to a point in time, then copy back what is missing.

    python -m tooling.restore point-in-time --table TABLE --to 2026-12-01T14:04:00Z
    python -m tooling.restore copy-back --from RESTORED --into TABLE --until 2026-12-01T14:04:00Z [--apply]

Step 1 restores the table's point-in-time backup into a new table (the live table is not touched).
Step 2 copies from that table into the live one every comment created at or before the restore
point that the live table lacks, with a conditional put that never overwrites a comment; without
--apply it only lists what it would copy. Comments written since stay as they are. Delete the
restored table when done (its name is printed). `--local` aims both at the local environment.

AWS credentials come from the usual chain (an operator role with dynamodb:DescribeContinuousBackups,
RestoreTableToPointInTime, DescribeTable, Scan and PutItem on the table and the restored one).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from emulator.environment import Paths, running
from tooling.offline_runner import load_stack_config

# A restore can take from minutes to hours on AWS: wait up to two hours for it.
WAIT_DELAY_SECONDS = 20
WAIT_MAX_ATTEMPTS = 360
# Copy-back writes compete with the API for the table's capacity: back off when throttled.
RETRIES = Config(retries={"mode": "adaptive", "max_attempts": 10})


class RestoreError(Exception):
    """The restore cannot go on; the message says why and what to do."""


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with a zone (2026-12-01T14:04:00Z, ...+01:00), or epoch milliseconds."""
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time with a zone: use ISO 8601 like 2026-12-01T14:04:00Z "
            "or epoch milliseconds"
        )
    return moment


def iso(moment: datetime) -> str:
    """The time as --to and --until take it, to the millisecond comments are stamped with."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_ms(moment: datetime) -> int:
    """The time as comments' createdAt counts it."""
    return int(moment.timestamp() * 1000)


def restored_name(table: str, moment: datetime) -> str:
    return f"{table}-restored-{moment.astimezone(UTC):%Y%m%dt%H%M%Sz}"


def _client(endpoint: str | None, region: str) -> Any:
    if endpoint is None:
        return boto3.client("dynamodb", region_name=region, config=RETRIES)
    return boto3.client(
        "dynamodb",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - moto accepts any credentials
        config=RETRIES,
    )


def point_in_time(
    dynamodb: Any, table: str, moment: datetime, target: str | None = None, wait: bool = True
) -> str:
    """Restore `table` as it was at `moment` into a new table; return the new table's name."""
    if moment > datetime.now(tz=UTC):
        raise RestoreError(f"{iso(moment)} is in the future: nothing to restore yet")
    description = dynamodb.describe_continuous_backups(TableName=table)[
        "ContinuousBackupsDescription"
    ].get("PointInTimeRecoveryDescription", {})
    if description.get("PointInTimeRecoveryStatus") != "ENABLED":
        raise RestoreError(
            f"table {table} has point-in-time recovery off, so there is nothing to restore from "
            "(comments:dataProtection turns it on)"
        )
    earliest = description.get("EarliestRestorableDateTime")
    if isinstance(earliest, datetime) and moment < earliest:
        raise RestoreError(
            f"{iso(moment)} is before the earliest restorable time of {table}, {iso(earliest)}"
        )
    target = target or restored_name(table, moment)
    dynamodb.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=target, RestoreDateTime=moment
    )
    if wait:
        dynamodb.get_waiter("table_exists").wait(
            TableName=target,
            WaiterConfig={"Delay": WAIT_DELAY_SECONDS, "MaxAttempts": WAIT_MAX_ATTEMPTS},
        )
    return target


def _items(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page["Items"]


@dataclass
class CopyBack:
    """What a copy-back found: comments copied (or to copy), already there, and too new."""

    missing: list[dict[str, Any]]
    present: int = 0
    newer: int = 0


def copy_back(
    dynamodb: Any,
    source: str,
    target: str,
    until: datetime,
    since: datetime | None = None,
    apply: bool = False,
) -> CopyBack:
    """Put into `target` each comment of `source` created in [since, until] that it lacks."""
    result = CopyBack(missing=[])
    until_ms, since_ms = epoch_ms(until), epoch_ms(since) if since else None
    for item in _items(dynamodb, source):
        created = int(item["createdAt"]["N"])
        if created > until_ms or (since_ms is not None and created < since_ms):
            # Not in the restore point's state (a restore to `until` holds nothing newer), or
            # outside the window asked for: whatever happened to it since is left alone.
            result.newer += 1
            continue
        key = {"slug": item["slug"], "createdAt": item["createdAt"]}
        if apply:
            try:
                dynamodb.put_item(
                    TableName=target,
                    Item=item,
                    # Never overwrite: a comment in the live table is the newer truth.
                    ConditionExpression="attribute_not_exists(slug)",
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                    raise
                result.present += 1
                continue
        elif "Item" in dynamodb.get_item(TableName=target, Key=key, ConsistentRead=True):
            result.present += 1
            continue
        result.missing.append(item)
    return result


def _local_target(stack: str) -> tuple[str, str]:
    """The running local environment's moto URL and the stack's table."""
    paths = Paths.default()
    moto = running(paths.moto, "moto")
    if moto is None:
        raise RestoreError("the local environment is not running: run `make deploy` first")
    try:
        record = json.loads(paths.stack(stack).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RestoreError(f"stack {stack!r} is not deployed locally: run `make deploy`") from None
    return moto.url, str(record["outputs"]["tableName"])


DEFAULT_STACK = "local"
COMMAND = ["python", "-m", "tooling.restore"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.restore", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--local", action="store_true", help="the local environment's moto")
    parser.add_argument(
        "--stack",
        default=DEFAULT_STACK,
        help="the stack: its aws:region, and with --local its table",
    )
    parser.add_argument("--region", help="AWS region (default: the stack's aws:region)")
    commands = parser.add_subparsers(dest="command", required=True)
    restore = commands.add_parser("point-in-time", help="restore into a new table")
    restore.add_argument("--table", help="the live table (default with --local: the stack's)")
    restore.add_argument("--to", required=True, type=parse_time, help="the restore point")
    restore.add_argument(
        "--target", help="name of the new table (default: <table>-restored-<time>)"
    )
    copy = commands.add_parser("copy-back", help="copy missing comments into the live table")
    copy.add_argument("--from", dest="source", required=True, help="the restored table")
    copy.add_argument("--into", dest="target", help="the live table (default with --local)")
    copy.add_argument("--until", required=True, type=parse_time, help="the restore point")
    copy.add_argument("--since", type=parse_time, help="only comments created at or after this")
    copy.add_argument("--apply", action="store_true", help="write; without it, only list")
    return parser


def next_command(args: argparse.Namespace, *command: str) -> str:
    """The line to paste for the next step: `command` after every option that chose where this
    one ran (--local, --stack, --region), so the next step aims at the same table and endpoint."""
    aimed = ["--local"] if args.local else []
    if args.stack != DEFAULT_STACK:
        aimed += ["--stack", args.stack]
    if args.region:
        aimed += ["--region", args.region]
    return "next: " + shlex.join([*COMMAND, *aimed, *command])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        endpoint, table = _local_target(args.stack) if args.local else (None, None)
        region = args.region or load_stack_config(args.stack).get("aws:region", "us-east-1")
        dynamodb = _client(endpoint, region)
        if args.command == "point-in-time":
            source = args.table or table
            if source is None:
                raise RestoreError("--table is required (or --local)")
            target = point_in_time(dynamodb, source, args.to, args.target)
            print(f"restored {source} as of {iso(args.to)} into {target}")
            print(
                next_command(
                    args, "copy-back", "--from", target, "--into", source, "--until", iso(args.to)
                )
            )
            return 0
        live = args.target or table
        if live is None:
            raise RestoreError("--into is required (or --local)")
        found = copy_back(dynamodb, args.source, live, args.until, args.since, args.apply)
        verb = "copied" if args.apply else "would copy"
        for item in found.missing:
            print(f"  {verb} {item['slug']['S']} {item['createdAt']['N']}")
        print(
            f"{verb} {len(found.missing)} comment(s) into {live}; {found.present} already there; "
            f"{found.newer} outside the restore window left alone"
            + ("" if args.apply else " (add --apply to write)")
        )
        if not args.apply and found.missing:
            since = ["--since", iso(args.since)] if args.since else []
            print(
                next_command(
                    args,
                    "copy-back",
                    "--from",
                    args.source,
                    "--into",
                    live,
                    "--until",
                    iso(args.until),
                    *since,
                    "--apply",
                )
            )
        return 0
    except RestoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        print(f"error: {error.response['Error'].get('Message', error)}", file=sys.stderr)
        return 2
    except BotoCoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
