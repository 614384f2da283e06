"""The kubelet's side of logs, exec and attach, as the API server calls it."""

from __future__ import annotations

from typing import Iterator, Protocol

from ..contracts import StreamSession


class KubeletStreams(Protocol):
    """Implemented by the simulator's kubelet; each method raises contracts.ApiError with the
    kubelet's real message when the container is unknown, not running, etc."""

    def exec(self, namespace: str, pod: str, container: str, command: list[str], *, stdin: bool,
             stdout: bool, stderr: bool, tty: bool) -> StreamSession:
        """Start ``command`` in a running container."""

    def attach(self, namespace: str, pod: str, container: str, *, stdin: bool, stdout: bool,
               stderr: bool, tty: bool) -> StreamSession:
        """Attach to a running container's main process."""

    def logs(self, namespace: str, pod: str, container: str, *, follow: bool, previous: bool,
             tail_lines: int | None, timestamps: bool, since_seconds: int | None,
             limit_bytes: int | None) -> Iterator[bytes]:
        """A container's log output (until it exits, with ``follow``)."""
