"""Stage access logging: one formatted line per request, to stdout and to CloudWatch Logs."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

from emulator.gateway.aws import AwsBackend

LOG = logging.getLogger(__name__)

# Lines wait at most this long before delivery, so a request costs no CloudWatch call of its own.
FLUSH_SECONDS = 1.0
# PutLogEvents takes at most 10,000 events and 1,048,576 bytes (each event counts 26 bytes more).
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576
_EVENT_OVERHEAD_BYTES = 26

_VARIABLE = re.compile(r"\$(?:\{(context(?:\.[A-Za-z0-9_-]+)+)\}|(context(?:\.[A-Za-z0-9_-]+)+))")


@dataclass(frozen=True)
class _Entry:
    group: str
    stream: str
    timestamp_ms: int
    message: str


def log_group_name(destination_arn: str) -> str:
    """The group name in ``arn:aws:logs:<region>:<account>:log-group:<name>[:*]``."""
    _, _, name = destination_arn.partition(":log-group:")
    return name.removesuffix(":*") if name else destination_arn


def format_line(log_format: str, variables: dict[str, Any]) -> str:
    """Substitute $context variables; missing values print '-' like API Gateway's access logs."""
    in_json = log_format.lstrip().startswith("{")

    def value(match: re.Match[str]) -> str:
        node: Any = variables
        for part in (match[1] or match[2]).split(".")[1:]:
            node = node.get(part) if isinstance(node, dict) else None
        text = "-" if node is None or node == "" else str(node)
        # Inside a JSON format the value lands between quotes (or bare, for numbers).
        return json.dumps(text, ensure_ascii=False)[1:-1] if in_json else text

    return _VARIABLE.sub(value, log_format)


class AccessLogWriter:
    """Collects access-log lines off the request path and delivers them in batches: to `out`
    (stdout, or the data plane's log file) and to CloudWatch Logs, every FLUSH_SECONDS, when
    MAX_BATCH_EVENTS are waiting, on `flush()`, and on `close()` (so stopping loses none)."""

    def __init__(
        self, backend: AwsBackend, out: TextIO | None = None, interval: float = FLUSH_SECONDS
    ) -> None:
        self._backend = backend
        self._out = out if out is not None else sys.stdout
        self._interval = interval
        self._pending: list[_Entry] = []
        self._written = 0  # lines handed to write(), ever
        self._delivered = 0  # lines delivered (or given up on), ever
        self._flush_wanted = 0
        self._closed = False
        self._cond = threading.Condition()
        self._streams: set[tuple[str, str]] = set()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def write(self, destination_arn: str, stream: str, line: str) -> None:
        """Record one access log line (delivered later, in a batch)."""
        entry = _Entry(log_group_name(destination_arn), stream, int(time.time() * 1000), line)
        with self._cond:
            self._pending.append(entry)
            self._written += 1
            if len(self._pending) >= MAX_BATCH_EVENTS:
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> None:
        """Deliver every line written so far, waiting at most `timeout` seconds."""
        with self._cond:
            wanted = self._written
            self._flush_wanted = max(self._flush_wanted, wanted)
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._delivered >= wanted, timeout=timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Deliver what is queued, then stop the background thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: (
                        self._closed
                        or len(self._pending) >= MAX_BATCH_EVENTS
                        or self._flush_wanted > self._delivered
                    ),
                    timeout=self._interval,
                )
                batch, self._pending = self._pending, []
                closed = self._closed
            if batch:
                self._deliver(batch)
            with self._cond:
                self._delivered += len(batch)
                self._cond.notify_all()
            if closed and not batch:
                return

    def _deliver(self, batch: list[_Entry]) -> None:
        try:
            self._out.write("".join(entry.message + "\n" for entry in batch))
            self._out.flush()
        except (OSError, ValueError):
            LOG.exception("could not write %d access log line(s)", len(batch))
        for start in range(0, len(batch), MAX_BATCH_EVENTS):
            part = batch[start : start + MAX_BATCH_EVENTS]
            try:
                self._ship(part)
            except Exception:
                LOG.exception("could not deliver %d access log line(s) to CloudWatch", len(part))

    def _ship(self, batch: list[_Entry]) -> None:
        logs = self._backend.client("logs")
        grouped: dict[tuple[str, str], list[_Entry]] = {}
        for entry in batch:
            grouped.setdefault((entry.group, entry.stream), []).append(entry)
        for (group, stream), entries in grouped.items():
            events = [
                {"timestamp": e.timestamp_ms, "message": e.message}
                for e in sorted(entries, key=lambda e: e.timestamp_ms)
            ]
            for chunk in _put_log_events_chunks(events):
                if not self._put(logs, group, stream, chunk):
                    break

    def _put(self, logs: Any, group: str, stream: str, events: list[dict[str, Any]]) -> bool:
        """One PutLogEvents call, creating the stream first if needed; False if the group is
        gone (the lines are dropped, with a warning)."""
        for attempt in range(2):
            if (group, stream) not in self._streams:
                try:
                    logs.create_log_stream(logGroupName=group, logStreamName=stream)
                except logs.exceptions.ResourceAlreadyExistsException:
                    pass
                except logs.exceptions.ResourceNotFoundException:
                    LOG.warning("access log group %s does not exist; lines dropped", group)
                    return False
                self._streams.add((group, stream))
            try:
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
                return True
            except logs.exceptions.ResourceNotFoundException:
                # The group or stream was deleted since we created it: create it again once.
                self._streams.discard((group, stream))
                if attempt:
                    raise
        return False


def _put_log_events_chunks(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split events into PutLogEvents calls within its count and size quotas."""
    chunks: list[list[dict[str, Any]]] = [[]]
    size = 0
    for event in events:
        event_size = len(str(event["message"]).encode("utf-8")) + _EVENT_OVERHEAD_BYTES
        if chunks[-1] and (
            len(chunks[-1]) >= MAX_BATCH_EVENTS or size + event_size > MAX_BATCH_BYTES
        ):
            chunks.append([])
            size = 0
        chunks[-1].append(event)
        size += event_size
    return [chunk for chunk in chunks if chunk]
