"""The data plane's own log file, rotated by size so a long run never fills the disk."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 3


class RotatingLogFile(io.TextIOBase):
    """A text stream appending to `path`; past `max_bytes` the file becomes `path.1` (older
    ones `path.2` ... `path.<backups>`, the oldest dropped) and a new one starts. A file
    exceeds max_bytes only by holding one line longer than that."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        max_bytes: int = DEFAULT_MAX_BYTES,
        backups: int = DEFAULT_BACKUPS,
    ) -> None:
        super().__init__()
        if max_bytes < 1 or backups < 0:
            raise ValueError("max_bytes must be at least 1 and backups at least 0")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("ab")

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            # Line by line, so a batch of lines rotates where it must and no line is split.
            for line in text.splitlines(keepends=True):
                data = line.encode("utf-8", "replace")
                if self._file.tell() and self._file.tell() + len(data) > self.max_bytes:
                    self._rotate()
                self._file.write(data)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
        super().close()

    def _rotate(self) -> None:
        self._file.close()
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
        else:
            for n in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{n}")
                if older.exists():
                    older.replace(self.path.with_name(f"{self.path.name}.{n + 1}"))
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        self._file = self.path.open("ab")
