"""The local AWS backend: moto's server, with the fixes below applied before it starts.

python -m emulator.moto_backend --host 127.0.0.1 --port 24560 [--log-file F] [--snapshot F]

moto is a library dependency, not a fork: each fix is one function named after the behaviour it
changes, written against moto MOTO_VERSION (the release requirements/runtime.in pins) and applied
by `apply_fixes()`. Each says when it can be dropped; tests/moto_backend/ pins what each fixes.
The AWS calls pulumi-aws makes that moto lacks are fixed in emulator/moto_provider_calls.py,
which `apply_fixes()` applies too.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import json
import logging
import logging.handlers
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from moto.apigateway import models as apigateway_models
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.logs import models as logs_models
from moto.server import main as moto_server_main

from emulator import credentials, moto_provider_calls

F = TypeVar("F", bound=Callable[..., Any])

# The moto release the fixes below are written against; requirements/runtime.in pins it, and
# tests/test_requirements.py fails while that pin, the lock or the installed moto is another.
MOTO_VERSION = "5.2.5"

# moto's log store keeps every event it is sent; a long load test would grow it without end.
LOG_EVENTS_KEPT_PER_STREAM = 10_000
# moto.log gets one line per request: it rotates at this size, keeping one older file.
LOG_FILE_BYTES = 5 * 1024 * 1024
# How often DynamoDB's items are written to the snapshot while they change; a large table's
# snapshot takes longer to write, and is written less often (at most a tenth of the time).
SNAPSHOT_SECONDS = 5.0
SNAPSHOT_SHARE = 0.1

# DynamoDB backend operations that read or change items; one lock makes each of them atomic.
_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "batch_write_item",
    "transact_write_items",
    "create_table",
    "delete_table",
)
_READS = ("get_item", "query", "scan", "batch_get_item", "transact_get_items")
DYNAMODB_LOCK = threading.RLock()


class _Changes:
    """How many DynamoDB writes there were: the snapshot is rewritten only when this moved."""

    count = 0


# Tables of the snapshot moto started with that no deploy has re-created yet: kept in every
# snapshot written meanwhile, so a second restart before the next deploy loses nothing.
_PENDING: dict[str, Any] = {}


def _accept_mock_integrations_without_uri() -> None:
    """moto's PutRestApi import requires `uri` and `httpMethod` even for `type: mock`
    integrations, which AWS documents as optional there (and our OPTIONS methods omit). Give
    moto empty values so the document imports as it does on AWS. Drop when moto's
    `_build_integration_args` accepts mock integrations without them."""
    original = apigateway_models.APIGatewayBackend._build_integration_args

    def build(
        self: apigateway_models.APIGatewayBackend, x_amaz_apigw_integ: dict[str, Any]
    ) -> dict[str, Any]:
        args: dict[str, Any] = original(self, x_amaz_apigw_integ)
        if str(x_amaz_apigw_integ.get("type", "")).lower() == "mock":
            args["uri"] = args.get("uri") or ""
            args["integration_method"] = args.get("integration_method") or ""
        return args

    apigateway_models.APIGatewayBackend._build_integration_args = build  # type: ignore[method-assign]


_partition = threading.local()


def _query_reads_only_the_partition() -> None:
    """moto's `Table.query` on a table's own key sorts `all_items()`, every item of the table,
    to find one partition: a page of 10 comments cost ~400 ms at 21k items. DynamoDB reads only
    the partition. While a base-table query runs, `all_items()` of that table returns that
    partition alone (the query sorts it by range key itself), so moto's own query code does the
    rest unchanged; index queries and scans are untouched. Drop when moto's `Table.query` looks
    the partition up in `self.items` instead of walking `all_items()`."""
    original_query = Table.query
    original_all_items = Table.all_items
    signature = inspect.signature(original_query)

    @functools.wraps(original_query)
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") or hash_key is None:
            return original_query(self, *args, **kwargs)
        _partition.query = (self, hash_key)
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _partition.query = None

    @functools.wraps(original_all_items)
    def all_items(self: Table) -> list[Item]:
        running = getattr(_partition, "query", None)
        if running is None or running[0] is not self:
            return original_all_items(self)
        stored = self.items.get(running[1])  # get: `items` is a defaultdict
        if stored is None:
            return []
        if not self.range_key_attr:
            return [stored]
        return list(stored.values())

    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


def _locked(method: F, *, write: bool) -> F:
    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with DYNAMODB_LOCK:
            result = method(*args, **kwargs)
            if write:
                _Changes.count += 1
            return result

    return run  # type: ignore[return-value]


def _item_operations_are_atomic() -> None:
    """moto's conditional writes read the item, check the condition and write it with no lock,
    while its server answers requests on many threads: two `attribute_not_exists` writes to one
    key could both succeed, where DynamoDB serialises writes to an item. One lock around every
    item operation of the DynamoDB backend makes each atomic, and keeps a query from reading a
    partition while a write changes it. Drop when moto's DynamoDB backend locks its writes."""
    for name in (*_WRITES, *_READS):
        method = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _locked(method, write=name in _WRITES))


def _log_streams_are_bounded() -> None:
    """moto keeps every CloudWatch Logs event forever (the data plane sends one per request).
    Drop events older than the log group's retention, as CloudWatch does, and keep at most
    LOG_EVENTS_KEPT_PER_STREAM per stream (the newest), so the store stays bounded however long
    moto runs. Drop the retention part when moto expires stored events (the cap is ours)."""
    original = logs_models.LogStream.put_log_events
    lock = threading.Lock()

    @functools.wraps(original)
    def put_log_events(self: logs_models.LogStream, log_events: list[dict[str, Any]]) -> str:
        with lock:
            token: str = original(self, log_events)
            kept = self.events
            days = self.log_group.retention_in_days
            if days and kept:
                cutoff = int(time.time() * 1000) - int(days) * 86_400_000
                if min(event.timestamp for event in kept) < cutoff:
                    kept = [event for event in kept if event.timestamp >= cutoff]
            if len(kept) > LOG_EVENTS_KEPT_PER_STREAM:
                kept = kept[-LOG_EVENTS_KEPT_PER_STREAM:]
            if kept is not self.events:
                self.events = kept
                self.stored_bytes = sum(len(event.message) for event in kept)
            return token

    logs_models.LogStream.put_log_events = put_log_events  # type: ignore[method-assign]


def apply_fixes() -> None:
    """Apply every fix above to moto, once (later calls do nothing)."""
    if getattr(apply_fixes, "applied", False):
        return
    _accept_mock_integrations_without_uri()
    _query_reads_only_the_partition()
    _item_operations_are_atomic()
    _log_streams_are_bounded()
    moto_provider_calls.apply()
    apply_fixes.applied = True  # type: ignore[attr-defined]


# -- snapshots: comments survive a restart of moto ---------------------------------------------


def _table_key(account: str, region: str, table: str) -> str:
    return f"{account}/{region}/{table}"


def take_snapshot() -> dict[str, Any]:
    """Every DynamoDB table's key schema and items (DynamoDB JSON), taken between two writes."""
    with DYNAMODB_LOCK:
        tables: dict[str, Any] = dict(_PENDING)
        for account, regions in dynamodb_backends.items():
            for region, backend in regions.items():
                for name, table in backend.tables.items():
                    tables[_table_key(account, region, name)] = {
                        "keySchema": table.schema,
                        "items": [item.to_json()["Attributes"] for item in table.all_items()],
                    }
    return {"tables": tables}


def write_snapshot(path: Path) -> None:
    """Write the snapshot atomically: a crash mid-write leaves the previous one whole."""
    text = json.dumps(take_snapshot())
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def restore_tables_from(path: Path) -> None:
    """A table created with the name and key schema of a table in the snapshot gets its items
    back: after moto restarts, the local deploy re-creates the table and the comments return."""
    try:
        _PENDING.update(json.loads(path.read_text(encoding="utf-8"))["tables"])
    except FileNotFoundError:
        return
    except (ValueError, KeyError, TypeError) as error:
        print(f"moto: ignoring the unreadable snapshot {path}: {error}", file=sys.stderr)
        return
    original = DynamoDBBackend.create_table

    @functools.wraps(original)
    def create_table(self: DynamoDBBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        with DYNAMODB_LOCK:
            table = original(self, name, *args, **kwargs)
            saved = _PENDING.pop(_table_key(self.account_id, self.region_name, name), None)
            if saved and saved.get("keySchema") == table.schema:
                for attributes in saved["items"]:
                    table.put_item(attributes)
            return table

    DynamoDBBackend.create_table = create_table  # type: ignore[method-assign]


def snapshot_every(path: Path, seconds: float) -> None:
    """Rewrite the snapshot every `seconds` while items change, and once more on SIGTERM."""

    def loop() -> None:
        written, pause = _Changes.count, seconds
        while True:
            time.sleep(pause)
            changes = _Changes.count
            if changes != written:
                started = time.monotonic()
                write_snapshot(path)
                written = changes
                pause = max(seconds, (time.monotonic() - started) / SNAPSHOT_SHARE)

    threading.Thread(target=loop, name="snapshot", daemon=True).start()

    def stop(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(Exception):
            write_snapshot(path)
        logging.shutdown()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)


class _RotatingLog(logging.handlers.RotatingFileHandler):
    """moto's request log, rotated; stdout and stderr (tracebacks) follow the current file."""

    def _open(self) -> Any:
        stream = super()._open()
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(stream.fileno(), 1)
        os.dup2(stream.fileno(), 2)
        return stream


def log_to(path: Path, max_bytes: int = LOG_FILE_BYTES) -> None:
    """Send moto's request log (and this process's output) to `path`, rotated at `max_bytes`."""
    handler = _RotatingLog(path, maxBytes=max_bytes, backupCount=1)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.getLogger("werkzeug").setLevel(logging.INFO)  # one line per request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-file", type=Path, help="rotated request log (default: stderr)")
    parser.add_argument(
        "--snapshot", type=Path, help="keep DynamoDB's items in this file across restarts"
    )
    args = parser.parse_args()
    if args.log_file:
        log_to(args.log_file)
    apply_fixes()
    credentials.install()
    if args.snapshot:
        restore_tables_from(args.snapshot)
        snapshot_every(args.snapshot, SNAPSHOT_SECONDS)
    moto_server_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
