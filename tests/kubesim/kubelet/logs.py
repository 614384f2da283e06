"""Reading CRI-format container logs the way `kubectl logs` gets them from the kubelet."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path


def parse_line(line: bytes) -> tuple[str, str, bool, bytes] | None:
    """A CRI log line -> (timestamp, stream, full, message); None for a malformed line."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3:
        return None
    ts, stream, tag = parts[0].decode(), parts[1].decode(), parts[2]
    msg = parts[3] if len(parts) == 4 else b""
    return ts, stream, tag != b"P", msg


def _epoch(ts: str) -> float:
    """RFC 3339 with nanoseconds -> epoch seconds."""
    head, _, frac = ts.rstrip("Z").partition(".")
    base = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
    return base + float("0." + frac) if frac else base


def _render(entry: tuple[str, str, bool, bytes], timestamps: bool) -> bytes:
    ts, _, full, msg = entry
    out = msg + (b"\n" if full else b"")
    return (ts.encode() + b" " + out) if timestamps else out


def read_logs(
    path: Path,
    *,
    follow: bool,
    still_running: Callable[[], bool],
    tail_lines: int | None = None,
    timestamps: bool = False,
    since_seconds: int | None = None,
    limit_bytes: int | None = None,
) -> Iterator[bytes]:
    """Yield a container's log output; with follow, keep going until the container has exited."""
    since = time.time() - since_seconds if since_seconds else None
    sent = 0
    with open(path, "rb") as f:
        entries = (e for e in map(parse_line, f.readlines()) if e is not None)
        if since is not None:
            entries = (e for e in entries if _epoch(e[0]) >= since)
        backlog = deque(entries, maxlen=tail_lines) if tail_lines is not None and tail_lines >= 0 else list(entries)
        for entry in backlog:
            chunk = _render(entry, timestamps)
            if limit_bytes is not None and sent + len(chunk) > limit_bytes:
                yield chunk[: limit_bytes - sent]
                return
            sent += len(chunk)
            yield chunk
        if not follow:
            return
        yield from _follow(f, still_running, timestamps)


def _follow(f, still_running: Callable[[], bool], timestamps: bool) -> Iterator[bytes]:
    """Tail an open log file until the writer is done (the kubelet also follows the file)."""
    pending = b""
    while True:
        done = not still_running()  # checked before reading, so the last lines are not lost
        for line in (pending + f.read()).splitlines(keepends=True):
            if not line.endswith(b"\n"):
                pending = line
                break
            pending = b""
            entry = parse_line(line)
            if entry is not None:
                yield _render(entry, timestamps)
        if done:
            return
        time.sleep(0.1)
