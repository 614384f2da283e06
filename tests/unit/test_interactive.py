"""The TTY session: raw mode (Ctrl-C is a byte for the remote side), window size, terminal restored."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import signal
import struct
import termios
import threading
import time
from typing import ClassVar

from kubectl_dshell.channels import STATUS, STDOUT, ExitStatus
from kubectl_dshell.interactive import run_interactive
from kubectl_dshell.pump import Wiring

SUCCESS = b'{"metadata":{},"status":"Success"}'


def set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


class RemoteShell:
    """A session whose frames arrive when the test says so (one byte in a pipe per frame)."""

    FRAMES: ClassVar[dict[bytes, tuple[int, bytes]]] = {b"o": (STDOUT, b"hi\r\n"), b"s": (STATUS, SUCCESS)}

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.resizes: list[tuple[int, int]] = []
        self.stdin = b""

    def fileno(self) -> int:
        return self.read_fd

    def pending(self) -> bool:
        return False

    def receive(self) -> tuple[int, bytes] | None:
        key = os.read(self.read_fd, 1)
        return self.FRAMES.get(key)

    def send_stdin(self, data: bytes) -> None:
        self.stdin += data

    def close_stdin(self) -> bool:
        return True

    def resize(self, width: int, height: int) -> None:
        self.resizes.append((width, height))


def _until(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_raw_mode_resize_and_restore() -> None:
    master, slave = pty.openpty()
    set_size(slave, 120, 40)
    before = termios.tcgetattr(slave)
    shell = RemoteShell()
    out = io.BytesIO()

    def user() -> None:
        _until(lambda: shell.resizes)
        os.write(master, b"ls\x03")
        set_size(master, 100, 30)
        os.kill(os.getpid(), signal.SIGWINCH)
        _until(lambda: len(shell.resizes) == 2 and shell.stdin.endswith(b"\x03"))
        os.write(shell.write_fd, b"os")
        os.close(shell.write_fd)

    helper = threading.Thread(target=user)
    helper.start()
    try:
        status = run_interactive(shell, Wiring(out, io.BytesIO(), stdin_fd=slave))
    finally:
        helper.join()
        os.close(shell.read_fd)
    after = termios.tcgetattr(slave)
    os.close(master)
    os.close(slave)
    assert status == ExitStatus(0)
    assert shell.resizes == [(120, 40), (100, 30)]
    assert shell.stdin == b"ls\x03"  # raw mode: no line buffering, Ctrl-C is just a byte
    assert out.getvalue() == b"hi\r\n"
    assert after == before
