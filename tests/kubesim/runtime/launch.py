"""Starting nsrun and reading its sync socket (see csrc/sync.c for the protocol).

The launch is synchronous: it returns when the container process has exec'd (the socket's EOF)
or has reported why it could not start.
"""

from __future__ import annotations

import array
import socket
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Union

_UCRED = struct.Struct("iII")  # struct ucred: pid, uid, gid
Stdio = Union[int, IO[bytes], None]


@dataclass
class Launched:
    """A started nsrun: the shim process to wait on, and what the container process reported."""

    proc: subprocess.Popen[bytes]
    pid: int = 0  # host pid of the container process
    terminal: int | None = None  # pty master fd (tty only)
    error: str | None = None  # why it could not start (runc's wording, no prefix)


def launch(nsrun: Path, args: list[str], *, stdin: Stdio, stdout: Stdio, stderr: Stdio,
           timeout: float = 30.0) -> Launched:
    """Run ``nsrun run ARGS`` and wait until its process has exec'd or failed."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with ours, theirs:
        # Set before anything is sent: the kernel then attaches each sender's credentials,
        # with its pid translated into our pid namespace (the host pid).
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        proc = subprocess.Popen(
            [str(nsrun), "run", "--sync", str(theirs.fileno()), *args],
            stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        launched = Launched(proc)
        try:
            _read_reports(ours, launched, time.monotonic() + timeout)
        except TimeoutError:
            proc.kill()
            launched.error = "timed out waiting for the container process to start"
        if launched.error is None and not launched.pid:
            launched.error = "the launcher ended before the container process started"
    if launched.error is not None:
        proc.wait()
    return launched


def _read_reports(sock: socket.socket, launched: Launched, deadline: float) -> None:
    fd_size = array.array("i").itemsize
    ancillary = socket.CMSG_SPACE(_UCRED.size) + socket.CMSG_SPACE(fd_size)
    while True:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        data, ancdata, _, _ = sock.recvmsg(8192, ancillary)
        if not data:
            return
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                launched.terminal = array.array("i", payload[:fd_size])[0]
            elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and data[:1] == b"P":
                launched.pid = _UCRED.unpack(payload[: _UCRED.size])[0]
        if data[:1] == b"E":
            launched.error = data[1:].decode(errors="replace")
