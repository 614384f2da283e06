"""Types shared by the simulator's parts: the API side, the kubelet and the node runtime.

The API side (``api/``) serves HTTP and stores objects; the kubelet (``kubelet.py``) turns pods in
the store into containers on the node runtime (``runtime/``) and reports their status back. Streams
(exec, attach) cross from the API side to the kubelet through :class:`StreamSession`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class ApiError(Exception):
    """An error the API answers with a ``metav1.Status`` body.

    ``reason`` is the Status reason (NotFound, Conflict, Invalid, Forbidden, BadRequest,
    InternalError, Unauthorized, Gone, AlreadyExists, MethodNotAllowed, ...); ``details`` is the
    Status ``details`` object (name, group, kind, causes) when there is one.
    """

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict:
        """The ``metav1.Status`` object for this error."""
        body: dict = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


@dataclass
class ExitInfo:
    """How a stream session's process ended.

    ``exit_code`` is the process's exit code (128+N for a signal N). ``error`` is set instead when
    the process could not be started at all (e.g. executable not found): it is the runtime's
    message, which the API side reports as an InternalError Status, as containerd does.
    For an attach session whose container is still running when the client leaves, both are None.
    """

    exit_code: int | None = None
    error: str | None = None


class StreamSession(Protocol):
    """A running exec process, or an attachment to a container's main process."""

    tty: bool

    def write_stdin(self, data: bytes) -> None:
        """Pass bytes to the process's stdin (or terminal). Ignored when stdin was not asked for."""

    def close_stdin(self) -> None:
        """Close stdin: the process reads EOF (with a TTY: an EOF character, as a terminal would)."""

    def resize(self, width: int, height: int) -> None:
        """Set the terminal size (TTY only; ignored otherwise). The process gets SIGWINCH."""

    def read(self, timeout: float | None = None) -> tuple[int, bytes] | None:
        """Next output chunk as (channel, data): 1 stdout, 2 stderr (with a TTY, all is 1).

        Returns None once all output has ended (the process exited and its pipes are drained, or
        for attach, the container exited). Raises TimeoutError when ``timeout`` passes first.
        """

    def wait(self) -> ExitInfo:
        """Block until the process has exited; how it ended."""

    def close(self) -> None:
        """The client went away. Exec: stdin/terminal closed (a shell gets EOF or SIGHUP).
        Attach: only this attachment ends; the container goes on."""


@dataclass
class WatchEvent:
    """One change in the store: type is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR."""

    type: str
    object: dict = field(default_factory=dict)
