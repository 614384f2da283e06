"""Move bytes between the local process and an exec session until the remote side is done.

One thread and select(): stdin (when forwarded) goes out as channel 0 frames, channels 1 and 2
come back to stdout and stderr unchanged, channel 3 collects the final status.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .channels import STATUS, STDERR, STDOUT, ExitStatus, exit_status

READ_SIZE = 64 * 1024


class Sink(Protocol):
    """Where a channel's bytes go: a binary file, or anything that takes bytes the same way."""

    def write(self, data: bytes, /) -> object:
        """Take the next piece."""

    def flush(self) -> object:
        """Pass on what was taken (a terminal shows output as it comes)."""


class Stream(Protocol):
    """What the pump needs of an exec session (see :class:`kubectl_dshell.stream.ExecStream`)."""

    def fileno(self) -> int:
        """The connection, for select()."""

    def pending(self) -> bool:
        """Whether bytes already arrived that select() cannot see."""

    def receive(self) -> tuple[int, bytes] | None:
        """The next frame as (channel, data); None once closed."""

    def send_stdin(self, data: bytes) -> None:
        """Bytes for the remote stdin."""

    def close_stdin(self) -> bool:
        """End of input; False when the protocol cannot say it."""


@dataclass
class Wiring:
    """Local ends: where output goes, where input comes from, and an optional wake-up pipe."""

    stdout: Sink
    stderr: Sink
    stdin_fd: int | None = None
    wake_fd: int | None = None
    on_wake: Callable[[], None] | None = None
    on_unclosable_stdin: Callable[[], None] | None = None


def _forward_stdin(stream: Stream, wiring: Wiring) -> bool:
    """Pass what stdin has; False once it reached EOF (and the remote side was told)."""
    data = os.read(wiring.stdin_fd, READ_SIZE)  # type: ignore[arg-type]
    if data:
        stream.send_stdin(data)
        return True
    if not stream.close_stdin() and wiring.on_unclosable_stdin:
        wiring.on_unclosable_stdin()
    return False


def _wake(wiring: Wiring) -> None:
    os.read(wiring.wake_fd, READ_SIZE)  # type: ignore[arg-type]
    if wiring.on_wake:
        wiring.on_wake()


def _deliver(channel: int, data: bytes, wiring: Wiring, status: bytearray) -> None:
    sink = {STDOUT: wiring.stdout, STDERR: wiring.stderr}.get(channel)
    if sink is not None:
        sink.write(data)
        sink.flush()
    elif channel == STATUS:
        status.extend(data)


def pump(stream: Stream, wiring: Wiring) -> ExitStatus | None:
    """Run the session to its end; its exit status, or None if the connection ended without one."""
    status = bytearray()
    inputs = [fd for fd in (wiring.stdin_fd, wiring.wake_fd) if fd is not None]
    while True:
        ready = [stream.fileno()] if stream.pending() else select.select([stream.fileno(), *inputs], [], [])[0]
        if wiring.wake_fd in ready:
            _wake(wiring)
        if wiring.stdin_fd in ready and not _forward_stdin(stream, wiring):
            inputs.remove(wiring.stdin_fd)  # type: ignore[arg-type]
        if stream.fileno() in ready:
            received = stream.receive()
            if received is None:
                return exit_status(bytes(status))
            _deliver(*received, wiring, status)
