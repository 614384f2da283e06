"""The node holder: PID 1 of the node's pid namespace, owner of its network namespace.

Killing it kills every container (the kernel's guarantee for a pid namespace's init). It is
started from a thread that lives exactly as long as it, because its PR_SET_PDEATHSIG fires when
the *thread* that forked it ends; when the simulator dies, so does the holder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path


class HolderError(RuntimeError):
    """The holder could not be started."""


class Holder:
    """One node holder process (see csrc/holder.c)."""

    def __init__(self, nsrun: Path):
        self._nsrun = nsrun
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._error = ""
        self.pid = 0  # host pid of the node's PID 1

    def start(self, timeout: float = 10.0) -> None:
        """Start the holder; returns once its PID 1 exists."""
        threading.Thread(target=self._run, name="kubesim-holder", daemon=True).start()
        if not self._ready.wait(timeout) or not self.pid:
            raise HolderError(f"node holder did not start: {self._error or 'timeout'}")

    def _run(self) -> None:
        proc = subprocess.Popen(
            [str(self._nsrun), "holder", str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline().strip()
        if line.isdigit():
            self.pid = int(line)
        else:
            self._error = proc.stderr.read().decode(errors="replace").strip()
        self._ready.set()
        proc.wait()  # this thread must outlive the holder (see the module docstring)

    def ns(self, kind: str) -> str:
        """Path of one of the holder's namespaces ("pid", "net")."""
        return f"/proc/{self.pid}/ns/{kind}"

    def kill(self, timeout: float = 10.0) -> None:
        """Kill the holder (and with it every container); wait until it is gone.

        Only the node's PID 1 is killed: its parent then reaps it and exits, so nothing is left
        as an orphan for the host's init to reap.
        """
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self._proc is not None:
            self._proc.wait(timeout)
