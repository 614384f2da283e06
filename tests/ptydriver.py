"""Drive an interactive program through a real pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time


class PtyProcess:
    """A child whose stdin, stdout and stderr are a pty; read with expect(), type with send()."""

    def __init__(self, argv: list[str], *, env: dict[str, str] | None = None, rows: int = 24, cols: int = 80):
        self.master, slave = os.openpty()
        self.tty = os.ttyname(slave)  # the child's terminal, for a test to open and inspect
        self.resize(rows, cols)
        # setsid -c: a new session whose controlling terminal is the pty (no preexec_fn in threads)
        self.proc = subprocess.Popen(["setsid", "-w", "-c", *argv], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.output = b""
        self.mark = 0  # where the last match ended: the next expect() searches from there

    def resize(self, rows: int, cols: int) -> None:
        """Set the terminal size; the child gets SIGWINCH."""
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, text: str | bytes) -> None:
        os.write(self.master, text.encode() if isinstance(text, str) else text)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.output += data
        return bool(data)

    def expect(self, pattern: str | bytes, timeout: float = 30, *, since: int | None = None) -> re.Match:
        """Wait until the output after the previous match (or from offset ``since``) matches pattern (a
        regex), so that each expect asserts something new; raise with the output if it does not."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        start = self.mark if since is None else since
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.output, start)
            if match:
                self.mark = match.end()
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(min(remaining, 0.5)) and self.proc.poll() is not None:
                raise AssertionError(f"{pattern!r} not seen; output was:\n{self.output.decode(errors='replace')}")

    def wait(self, timeout: float = 30) -> int:
        """Read until the child exits; its exit code."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        while self._read(0):
            pass
        return self.proc.wait(max(0.1, deadline - time.monotonic()))

    def close(self) -> None:
        """Kill the child's session if it is still running, and free the pty."""
        if self.proc.poll() is None:
            os.killpg(os.getpgid(self.proc.pid), signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)
