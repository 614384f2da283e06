"""The interactive TTY session: raw mode, window size changes, exit code back.

In raw mode the terminal sends Ctrl-C as the byte 0x03 instead of raising SIGINT here, so it
reaches the remote shell's foreground process like any other key. SIGTERM and SIGHUP raise
:class:`~kubectl_dshell.errors.Stopped` (see cli.py), so the terminal is restored for them too.
"""

from __future__ import annotations

import os
import signal
import termios
import tty
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from .channels import ExitStatus
from .pump import Stream, Wiring, pump


class Resizable(Stream, Protocol):
    """An exec session with a terminal."""

    def resize(self, width: int, height: int) -> None:
        """The remote terminal's new size."""


@contextmanager
def raw_mode(fd: int) -> Iterator[None]:
    """The local terminal in raw mode for the block; restored as it was whatever happens."""
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        yield
    finally:
        try:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        except termios.error:  # the terminal hung up (SIGHUP): nothing left to restore
            pass


@contextmanager
def window_changes() -> Iterator[int]:
    """A file descriptor that becomes readable on every SIGWINCH (so select() wakes up)."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    previous_handler = signal.signal(signal.SIGWINCH, lambda *_: None)
    previous_fd = signal.set_wakeup_fd(write_fd)
    try:
        yield read_fd
    finally:
        signal.set_wakeup_fd(previous_fd)
        signal.signal(signal.SIGWINCH, previous_handler)
        os.close(read_fd)
        os.close(write_fd)


def send_size(stream: Resizable, fd: int) -> None:
    """Tell the remote terminal the local one's size."""
    size = os.get_terminal_size(fd)
    stream.resize(size.columns, size.lines)


def run_interactive(stream: Resizable, wiring: Wiring) -> ExitStatus | None:
    """Run a TTY session on the local terminal (``wiring.stdin_fd``) until the remote shell exits."""
    fd = wiring.stdin_fd
    if fd is None:
        raise ValueError("an interactive session needs a terminal on stdin")
    with window_changes() as wake_fd, raw_mode(fd):
        send_size(stream, fd)
        wiring.wake_fd = wake_fd
        wiring.on_wake = lambda: send_size(stream, fd)
        return pump(stream, wiring)
