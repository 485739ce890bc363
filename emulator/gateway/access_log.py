"""Stage access logging: one formatted line per request, to stdout and to CloudWatch Logs."""

from __future__ import annotations

import json
import logging
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

from emulator.gateway.aws import AwsBackend

LOG = logging.getLogger(__name__)

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
    """Writes lines to stdout immediately and ships them to CloudWatch Logs in the background."""

    def __init__(self, backend: AwsBackend, out: TextIO | None = None) -> None:
        self._backend = backend
        self._out = out if out is not None else sys.stdout
        self._queue: queue.Queue[_Entry | None] = queue.Queue()
        self._out_lock = threading.Lock()
        self._streams: set[tuple[str, str]] = set()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def write(self, destination_arn: str, stream: str, line: str) -> None:
        """Record one access log line."""
        with self._out_lock:
            self._out.write(line + "\n")
            self._out.flush()
        self._queue.put(
            _Entry(log_group_name(destination_arn), stream, int(time.time() * 1000), line)
        )

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until queued lines have been sent to CloudWatch Logs."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        """Send what is queued, then stop the background thread."""
        self._queue.put(None)
        self._thread.join(timeout=5.0)

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                self._queue.task_done()
                return
            batch = [entry]
            while True:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._queue.put(None)
                    self._queue.task_done()
                    break
                batch.append(nxt)
            try:
                self._ship(batch)
            except Exception:
                LOG.exception("could not deliver %d access log line(s) to CloudWatch", len(batch))
            finally:
                for _ in batch:
                    self._queue.task_done()

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
            for attempt in range(2):
                if (group, stream) not in self._streams:
                    try:
                        logs.create_log_stream(logGroupName=group, logStreamName=stream)
                    except logs.exceptions.ResourceAlreadyExistsException:
                        pass
                    except logs.exceptions.ResourceNotFoundException:
                        LOG.warning("access log group %s does not exist; lines dropped", group)
                        break
                    self._streams.add((group, stream))
                try:
                    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
                    break
                except logs.exceptions.ResourceNotFoundException:
                    # The group or stream was deleted since we created it: create it again once.
                    self._streams.discard((group, stream))
                    if attempt:
                        raise
