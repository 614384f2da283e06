"""A running container: its main process, the threads that watch it, exec and attach."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .attach import Attachment, MainStdio, OutputHub, pump
from .caps import UnknownCapability
from .cgroups import CgroupTree
from .crilog import CriLog
from .errors import EXEC_NOT_RUNNING, create_error, exec_error
from .launch import launch
from .nsargs import Namespaces, RootDirs, exec_args, run_args
from .sessions import ExecSession
from .spec import ContainerSpec
from .stdio import StdioPlan, exit_code


@dataclass(frozen=True)
class Placement:
    """Where a container goes: its namespaces, its root folders and its cgroup."""

    namespaces: Namespaces
    dirs: RootDirs
    cgroups: CgroupTree
    cgroup: str  # relative path, ending with the container id


def start_container(nsrun: Path, spec: ContainerSpec, where: Placement) -> Container:
    """Start ``spec``'s main process; StartError (containerd's message) when it cannot."""
    procs = where.cgroups.create(where.cgroup)
    try:
        args = run_args(spec, where.namespaces, where.dirs, procs)
    except UnknownCapability as e:
        where.cgroups.remove(where.cgroup)
        raise create_error(str(e)) from None
    plan = StdioPlan(tty=spec.tty, stdin=spec.stdin, stdout=True, stderr=True)
    launched = launch(nsrun, args, stdin=plan.stdin, stdout=plan.stdout, stderr=plan.stderr)
    if launched.error is not None:
        plan.abandon(launched.terminal)
        where.cgroups.kill(where.cgroup)
        where.cgroups.remove(where.cgroup)
        raise create_error(launched.error)
    stdin, output = plan.started(launched.terminal)
    main = MainStdio(stdin, OutputHub(), spec.stdin_once, spec.tty)
    container = Container(spec, launched.proc, launched.pid, main, where, nsrun)
    threading.Thread(target=pump, args=(output, CriLog(spec.log_path), main.hub), daemon=True,
                     name=f"kubesim-pump-{spec.name}").start()
    return container


def _pidfd_open(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:  # it already exited and was reaped
        return None


class Container:
    """A container whose main process has exec'd."""

    def __init__(self, spec: ContainerSpec, shim: subprocess.Popen[bytes], pid: int,
                 main: MainStdio, where: Placement, nsrun: Path):
        self.spec = spec
        self.id = spec.id
        self.pid = pid  # host pid of the main process
        self.started_at = time.time()
        self.finished_at: float | None = None
        self._shim = shim
        self._main = main
        self._where = where
        self._nsrun = nsrun
        self._pidfd: int | None = _pidfd_open(pid)  # signals can never reach a reused pid
        self._execs: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._watch, daemon=True, name=f"kubesim-wait-{spec.name}").start()

    def _watch(self) -> None:
        code = exit_code(self._shim.wait())
        # Like runc for a container without its own pid namespace: nothing outlives its main
        # process; then its cgroup goes (or, if still busy, goes with the pod or the node).
        self._where.cgroups.kill(self._where.cgroup)
        try:
            self._where.cgroups.remove(self._where.cgroup)
        except OSError:
            pass
        if self._main.stdin is not None:
            self._main.stdin.close()
        self.finished_at = time.time()
        self._main.exit_code = code
        self._main.exited.set()
        with self._lock:
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None

    @property
    def exit_code(self) -> int | None:
        """The main process's exit code (128+signal); None while it runs."""
        return self._main.exit_code if self._main.exited.is_set() else None

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the main process to exit; its exit code, or None on timeout."""
        return self._main.exit_code if self._main.exited.wait(timeout) else None

    def stop(self, grace: float) -> int:
        """SIGTERM, then after ``grace`` seconds SIGKILL to everything in the container."""
        if not self._main.exited.is_set():
            self._signal(signal.SIGTERM)
            if not self._main.exited.wait(grace):
                self._signal(signal.SIGKILL)
                self._where.cgroups.kill(self._where.cgroup)
        self._main.exited.wait()
        return int(self._main.exit_code or 0)

    def _signal(self, sig: int) -> None:
        with self._lock:
            if self._pidfd is None:
                return
            try:
                signal.pidfd_send_signal(self._pidfd, sig)
            except ProcessLookupError:  # exited, not yet reaped
                pass

    def attach(self, *, stdin: bool, stdout: bool, stderr: bool) -> Attachment:
        """Attach to the main process's stdio (output from now on)."""
        return Attachment(self._main, stdin=stdin, stdout=stdout, stderr=stderr)

    def exec(self, argv: list[str], *, tty: bool, stdin: bool, stdout: bool = True,
             stderr: bool = True) -> ExecSession:
        """Run ``argv`` in the container's namespaces, as its user, in its cwd, with its env."""
        if self._main.exited.is_set():
            return ExecSession.failed(tty, EXEC_NOT_RUNNING)
        ns = Namespaces(
            pidns=f"/proc/{self.pid}/ns/pid",
            joins=tuple(f"/proc/{self.pid}/ns/{kind}" for kind in ("net", "ipc", "uts")),
            mntns=f"/proc/{self.pid}/ns/mnt",
        )
        procs = [f"{root}/{self._where.cgroup}/cgroup.procs" for root in self._where.cgroups.roots]
        plan = StdioPlan(tty=tty, stdin=stdin, stdout=stdout, stderr=stderr)
        launched = launch(self._nsrun, exec_args(self.spec, argv, ns, procs, tty),
                          stdin=plan.stdin, stdout=plan.stdout, stderr=plan.stderr)
        if launched.error is not None:
            plan.abandon(launched.terminal)
            return ExecSession.failed(tty, exec_error(secrets.token_hex(32), launched.error))
        with self._lock:
            self._execs = [p for p in self._execs if p.poll() is None] + [launched.proc]
        stdin_side, output = plan.started(launched.terminal)
        return ExecSession(tty=tty, proc=launched.proc, stdin=stdin_side, output=output)

    def processes(self) -> list[subprocess.Popen[bytes]]:
        """The launcher processes still tracked (main and execs), for the node to reap.
        Takes no lock: the node calls it from stop(), which may run in a signal handler."""
        return [self._shim, *self._execs]
