"""The pump moves bytes unchanged: stdin out, stdout and stderr apart, the status collected."""

from __future__ import annotations

import io
import os

from kubectl_dshell.channels import CONTROL, STATUS, STDERR, STDOUT, ExitStatus
from kubectl_dshell.pump import Wiring, pump

ALL_BYTES = bytes(range(256))
SUCCESS = b'{"metadata":{},"status":"Success"}'


class ScriptedStream:
    """A session whose server sends ``frames`` and records what it is sent.

    A pipe with one byte per frame makes select() see it readable exactly as often as frames wait.
    """

    def __init__(self, frames: list[tuple[int, bytes]], can_close: bool = True):
        self.frames = list(frames)
        self.read_fd, write_fd = os.pipe()
        os.write(write_fd, b"x" * (len(frames) + 1))
        os.close(write_fd)
        self.sent: list[bytes] = []
        self.closed_stdin = False
        self.can_close = can_close

    def fileno(self) -> int:
        return self.read_fd

    def pending(self) -> bool:
        return False

    def receive(self) -> tuple[int, bytes] | None:
        os.read(self.read_fd, 1)
        if self.frames:
            return self.frames.pop(0)
        os.close(self.read_fd)  # the connection is over: pump() asks no more
        return None

    def send_stdin(self, data: bytes) -> None:
        self.sent.append(data)

    def close_stdin(self) -> bool:
        self.closed_stdin = self.can_close
        return self.can_close


def _stdin(data: bytes) -> int:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, data)
    os.close(write_fd)
    return read_fd


def test_output_is_binary_safe_and_kept_apart() -> None:
    stream = ScriptedStream(
        [(STDOUT, ALL_BYTES), (CONTROL, b""), (STDERR, b"warn\n"), (STDOUT, b"\x00end"), (STATUS, SUCCESS)]
    )
    out, err = io.BytesIO(), io.BytesIO()
    assert pump(stream, Wiring(out, err)) == ExitStatus(0)
    assert out.getvalue() == ALL_BYTES + b"\x00end"
    assert err.getvalue() == b"warn\n"


def test_stdin_is_passed_on_then_closed() -> None:
    stream = ScriptedStream([(STATUS, SUCCESS)])
    fd = _stdin(ALL_BYTES)
    pump(stream, Wiring(io.BytesIO(), io.BytesIO(), stdin_fd=fd))
    os.close(fd)
    assert b"".join(stream.sent) == ALL_BYTES
    assert stream.closed_stdin


def test_a_v4_server_cannot_close_stdin_and_the_user_is_told() -> None:
    told: list[str] = []
    stream = ScriptedStream([(STATUS, SUCCESS)], can_close=False)
    fd = _stdin(b"")
    pump(stream, Wiring(io.BytesIO(), io.BytesIO(), stdin_fd=fd, on_unclosable_stdin=lambda: told.append("v4")))
    os.close(fd)
    assert told == ["v4"]


def test_a_lost_connection_has_no_status() -> None:
    assert pump(ScriptedStream([(STDOUT, b"partial")]), Wiring(io.BytesIO(), io.BytesIO())) is None
