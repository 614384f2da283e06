"""A container's main process output: the pump that logs it, the hub that fans it out to
attachments, and attachments as contracts.StreamSession."""

from __future__ import annotations

import queue
import threading

from ..contracts import ExitInfo
from .crilog import CriLog
from .stdio import STDERR, STDOUT, Input, OutputReader

STREAMS = {STDOUT: "stdout", STDERR: "stderr"}


class OutputHub:
    """Fans output chunks out to the current attachments (an attachment sees output from then on)."""

    def __init__(self) -> None:
        self._subscribers: list[queue.Queue[tuple[int, bytes] | None]] = []
        self._ended = False
        self._lock = threading.Lock()

    def subscribe(self) -> queue.Queue[tuple[int, bytes] | None]:
        """A queue of (channel, data) chunks, ending with None."""
        q: queue.Queue[tuple[int, bytes] | None] = queue.Queue()
        with self._lock:
            if self._ended:
                q.put(None)
            else:
                self._subscribers.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[tuple[int, bytes] | None]) -> None:
        """Stop feeding ``q``."""
        with self._lock:
            if q in self._subscribers:
                self._subscribers.remove(q)

    def publish(self, channel: int, data: bytes) -> None:
        """Give a chunk to every subscriber."""
        with self._lock:
            for q in self._subscribers:
                q.put((channel, data))

    def end(self) -> None:
        """No more output: every subscriber gets None."""
        with self._lock:
            self._ended = True
            for q in self._subscribers:
                q.put(None)
            self._subscribers.clear()


def pump(output: OutputReader, log: CriLog, hub: OutputHub) -> None:
    """Copy the main process's output to its log and attachments until it ends."""
    try:
        while (chunk := output.read()) is not None:
            channel, data = chunk
            log.write(STREAMS[channel], data)
            hub.publish(channel, data)
    finally:
        log.close()
        hub.end()


class MainStdio:
    """What attachments share: the main process's stdin, its output hub and its exit."""

    def __init__(self, stdin: Input | None, hub: OutputHub, stdin_once: bool, tty: bool):
        self.stdin = stdin
        self.hub = hub
        self.stdin_once = stdin_once
        self.tty = tty
        self.exited = threading.Event()
        self.exit_code: int | None = None

    def attachment_ended(self, had_stdin: bool) -> None:
        """stdinOnce: the container's stdin closes when the first attachment with stdin ends."""
        if self.stdin_once and had_stdin and self.stdin is not None:
            self.stdin.close_stdin()


class Attachment:
    """One client attached to the main process; closing it leaves the container running."""

    def __init__(self, main: MainStdio, *, stdin: bool, stdout: bool, stderr: bool):
        self.tty = main.tty
        self._main = main
        self._stdin = stdin and main.stdin is not None
        self._wanted = {STDOUT} if main.tty else {c for c, on in ((STDOUT, stdout), (STDERR, stderr)) if on}
        self._queue = main.hub.subscribe()
        self._done = False
        self._closed = threading.Event()

    def write_stdin(self, data: bytes) -> None:
        """Pass bytes to the container's stdin (only when attached with stdin)."""
        if self._stdin and self._main.stdin is not None:
            self._main.stdin.write(data)

    def close_stdin(self) -> None:
        """The client's stdin ended: with stdinOnce the container's stdin closes too."""
        self._main.attachment_ended(self._stdin)

    def resize(self, width: int, height: int) -> None:
        """Set the container's terminal size (TTY only)."""
        if self._main.stdin is not None:
            self._main.stdin.resize(width, height)

    def read(self, timeout: float | None = None) -> tuple[int, bytes] | None:
        """Next chunk of the main process's output; None once it has ended."""
        while not self._done:
            try:
                chunk = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError("no output yet") from None
            if chunk is None:
                self._done = True
            elif chunk[0] in self._wanted:
                return chunk
        return None

    def wait(self) -> ExitInfo:
        """Until the container exits (its exit code) or this attachment is closed (no code)."""
        while not self._main.exited.wait(0.05):
            if self._closed.is_set():
                return ExitInfo()
        return ExitInfo(exit_code=self._main.exit_code)

    def close(self) -> None:
        """Detach: output stops; with stdinOnce the container's stdin closes."""
        if not self._closed.is_set():
            self._closed.set()
            self._main.hub.unsubscribe(self._queue)
            self._queue.put(None)
            self._main.attachment_ended(self._stdin)
