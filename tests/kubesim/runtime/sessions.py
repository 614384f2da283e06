"""Exec sessions: a process run in a container, as a contracts.StreamSession."""

from __future__ import annotations

import subprocess

from ..contracts import ExitInfo
from .stdio import Input, OutputReader, exit_code


class ExecSession:
    """One exec'd process: its stdin side, its output, its exit (or why it never started)."""

    def __init__(self, *, tty: bool, proc: subprocess.Popen[bytes] | None = None,
                 stdin: Input | None = None, output: OutputReader | None = None,
                 error: str | None = None):
        self.tty = tty
        self._proc = proc
        self._stdin = stdin
        self._output = output or OutputReader({})
        self._error = error

    @classmethod
    def failed(cls, tty: bool, error: str) -> ExecSession:
        """A session whose process could not start: no output, ``error`` as its ExitInfo."""
        return cls(tty=tty, error=error)

    def write_stdin(self, data: bytes) -> None:
        """Pass bytes to the process's stdin or terminal (ignored without stdin)."""
        if self._stdin is not None:
            self._stdin.write(data)

    def close_stdin(self) -> None:
        """EOF for the process (a ^D on a terminal)."""
        if self._stdin is not None:
            self._stdin.close_stdin()

    def resize(self, width: int, height: int) -> None:
        """Set the terminal size (TTY only)."""
        if self._stdin is not None:
            self._stdin.resize(width, height)

    def read(self, timeout: float | None = None) -> tuple[int, bytes] | None:
        """Next (channel, data); None when all output has ended."""
        return self._output.read(timeout)

    def wait(self) -> ExitInfo:
        """Block until the process exits (its stdin side is then closed)."""
        if self._proc is None:
            return ExitInfo(error=self._error)
        code = exit_code(self._proc.wait())
        if self._stdin is not None and not self.tty:
            self._stdin.close()
        return ExitInfo(exit_code=code)

    def close(self) -> None:
        """The client left: stdin and output are closed (a terminal hangs up; a process still
        writing to a pipe gets SIGPIPE)."""
        if self._stdin is not None:
            self._stdin.close()
        self._output.close()
