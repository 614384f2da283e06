"""The exec channel protocol (v4/v5.channel.k8s.io), pure: frames in, bytes and exit codes out.

Every binary frame starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final status
(a metav1.Status), 4 terminal size, and in v5 only 255 "close" whose payload names the channel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
CONTROL = -1  # not a channel: a WebSocket ping or pong, nothing to deliver
V5 = "v5.channel.k8s.io"


@dataclass(frozen=True)
class ExitStatus:
    """How the remote process ended: its exit code, or the runtime's error when it never ran."""

    code: int | None
    error: str | None = None


def frame(channel: int, data: bytes) -> bytes:
    """The payload of a binary frame for ``channel``."""
    return bytes([channel]) + data


def close_frame(channel: int) -> bytes:
    """The v5 signal closing ``channel`` (for stdin: the remote process reads EOF)."""
    return bytes([CLOSE, channel])


def resize_frame(width: int, height: int) -> bytes:
    """A terminal size change for channel 4."""
    return frame(RESIZE, json.dumps({"Width": width, "Height": height}).encode())


def split(payload: bytes) -> tuple[int, bytes]:
    """A received frame's (channel, data); an empty frame reads as channel 3 with no data."""
    if not payload:
        return STATUS, b""
    return payload[0], payload[1:]


def exit_status(status: bytes) -> ExitStatus | None:
    """The exit status in channel 3's Status, or None when no status arrived."""
    if not status.strip():
        return None
    try:
        body = json.loads(status)
    except ValueError:
        return ExitStatus(None, status.decode("utf-8", "replace"))
    if body.get("status") == "Success":
        return ExitStatus(0)
    if body.get("reason") == "NonZeroExitCode":
        for cause in (body.get("details") or {}).get("causes") or []:
            if cause.get("reason") == "ExitCode":
                return ExitStatus(int(cause["message"]))
    return ExitStatus(None, body.get("message") or "the command failed")
