"""Container logs in the CRI format the kubelet reads: ``<RFC3339Nano UTC> <stream> <F|P> <text>``.

As containerd does: output is cut into lines; a line longer than the maximum is written in
``P`` (partial) pieces ending with an ``F`` one; what is left unterminated at the end is a last
``F`` line.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

MAX_LINE = 16 * 1024  # containerd's default max_container_log_line_size


def timestamp(ns: int | None = None) -> str:
    """``2024-01-02T03:04:05.123456789Z`` for ``ns`` (default: now)."""
    ns = time.time_ns() if ns is None else ns
    seconds, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{frac:09d}Z"


class CriLog:
    """Appends one container's stdout/stderr to its log file (no file: output is dropped)."""

    def __init__(self, path: Path | None, max_line: int = MAX_LINE):
        self._file = open(path, "ab") if path is not None else None
        self._max = max_line
        self._pending: dict[str, bytes] = {"stdout": b"", "stderr": b""}
        self._lock = threading.Lock()

    def write(self, stream: str, data: bytes) -> None:
        """Add output of ``stream`` ("stdout" or "stderr"); complete lines are written."""
        with self._lock:
            buffer = self._pending[stream] + data
            while True:
                newline = buffer.find(b"\n", 0, self._max + 1)
                if newline >= 0:
                    self._emit(stream, "F", buffer[:newline])
                    buffer = buffer[newline + 1 :]
                elif len(buffer) >= self._max:
                    self._emit(stream, "P", buffer[: self._max])
                    buffer = buffer[self._max :]
                else:
                    break
            self._pending[stream] = buffer

    def close(self) -> None:
        """Write what is left of each stream as a last full line, and close the file."""
        with self._lock:
            for stream, rest in self._pending.items():
                if rest:
                    self._emit(stream, "F", rest)
            self._pending = {"stdout": b"", "stderr": b""}
            if self._file is not None:
                self._file.close()
                self._file = None

    def _emit(self, stream: str, tag: str, text: bytes) -> None:
        if self._file is not None:
            self._file.write(f"{timestamp()} {stream} {tag} ".encode() + text + b"\n")
            self._file.flush()
