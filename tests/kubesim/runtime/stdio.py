"""A process's standard streams as the runtime holds them: an input side and output fds."""

from __future__ import annotations

import errno
import fcntl
import os
import select
import struct
import subprocess
import termios
import threading
import time

EOF_CHAR = b"\x04"  # what a terminal sends for end of input (VEOF, ^D)
STDOUT, STDERR = 1, 2


def exit_code(returncode: int) -> int:
    """A Popen return code as a container exit code (128+N for signal N)."""
    return 128 - returncode if returncode < 0 else returncode


class Input:
    """The writing end of a process's stdin: a pipe (closing it gives EOF) or a pty master.

    A terminal without stdin (``exec -t`` without ``-i``) still resizes but takes no input.
    """

    def __init__(self, fd: int, tty: bool, takes_input: bool = True):
        os.set_blocking(fd, False)  # a process that never reads must not block close()
        self._fd: int | None = fd
        self.tty = tty
        self._takes_input = takes_input
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        """Write all of ``data`` (waiting while the process does not read); ignored once closed
        or when the reader is gone."""
        view = memoryview(data) if self._takes_input else memoryview(b"")
        while view:
            with self._lock:
                fd = self._fd
                if fd is None:
                    return
                try:
                    view = view[os.write(fd, view):]
                    continue
                except BlockingIOError:
                    pass
                except OSError:  # EPIPE, EIO: nobody reads any more
                    self._close()
                    return
            try:
                select.select([], [fd], [], 0.1)
            except (OSError, ValueError):  # closed meanwhile
                return

    def close_stdin(self) -> None:
        """End of input: close the pipe, or type the EOF character on a terminal."""
        if self.tty:
            self.write(EOF_CHAR)
        else:
            self.close()

    def resize(self, width: int, height: int) -> None:
        """Set the terminal size; the kernel sends SIGWINCH to the foreground process group."""
        with self._lock:
            if self.tty and self._fd is not None:
                fcntl.ioctl(self._fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def close(self) -> None:
        """Close this end (a terminal hangs up once its output side is closed too)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class OutputReader:
    """Reads (channel, data) chunks from output fds until each reaches end of file."""

    def __init__(self, channels: dict[int, int]):
        self._channels = dict(channels)  # fd -> channel
        self._lock = threading.Lock()

    def read(self, timeout: float | None = None) -> tuple[int, bytes] | None:
        """The next chunk; None once every fd has ended; TimeoutError when ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                fds = list(self._channels)
            if not fds:
                return None
            wait = None if deadline is None else max(deadline - time.monotonic(), 0)
            try:
                ready, _, _ = select.select(fds, [], [], wait)
            except (OSError, ValueError):  # closed by close() meanwhile
                continue
            if not ready:
                raise TimeoutError("no output yet")
            chunk = self._read_one(ready[0])
            if chunk is not None:
                return chunk

    def _read_one(self, fd: int) -> tuple[int, bytes] | None:
        with self._lock:
            channel = self._channels.get(fd)
            if channel is None:
                return None
            try:
                data = os.read(fd, 65536)
            except OSError as e:  # EIO: a pty whose other side is closed
                if e.errno not in (errno.EIO, errno.EBADF):
                    raise
                data = b""
            if data:
                return channel, data
            del self._channels[fd]
            os.close(fd)
            return None

    def close(self) -> None:
        """Stop reading; the fds are closed."""
        with self._lock:
            for fd in self._channels:
                os.close(fd)
            self._channels.clear()


class StdioPlan:
    """The fds a new process gets, and the runtime's ends of them once it has started.

    Without a terminal each wanted stream is a pipe; with one, all are /dev/null to the launcher
    and the pty (made inside the container) arrives later as ``terminal``.
    """

    def __init__(self, *, tty: bool, stdin: bool, stdout: bool, stderr: bool):
        self.tty = tty
        self._wants_stdin = stdin
        self._child_ends: list[int] = []
        self._input_fd: int | None = None
        self._channels: dict[int, int] = {}
        self.stdin = self._pipe(stdin and not tty, for_child_read=True)
        self.stdout = self._pipe(stdout and not tty, channel=STDOUT)
        self.stderr = self._pipe(stderr and not tty, channel=STDERR)

    def _pipe(self, wanted: bool, for_child_read: bool = False, channel: int = 0) -> int:
        if not wanted:
            return subprocess.DEVNULL
        read_end, write_end = os.pipe()
        if for_child_read:
            self._input_fd = write_end
            self._child_ends.append(read_end)
            return read_end
        self._channels[read_end] = channel
        self._child_ends.append(write_end)
        return write_end

    def started(self, terminal: int | None) -> tuple[Input | None, OutputReader]:
        """Close the child's ends; the stdin side and output reader for the runtime."""
        for fd in self._child_ends:
            os.close(fd)
        if terminal is not None:
            terminal_input = Input(os.dup(terminal), tty=True, takes_input=self._wants_stdin)
            return terminal_input, OutputReader({terminal: STDOUT})
        stdin = Input(self._input_fd, tty=False) if self._input_fd is not None else None
        return stdin, OutputReader(self._channels)

    def abandon(self, terminal: int | None) -> None:
        """The process never started: close every fd."""
        for fd in [*self._child_ends, *self._channels, self._input_fd, terminal]:
            if fd is not None:
                os.close(fd)
