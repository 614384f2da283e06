"""One ``kubectl dshell [shell] POD [-- CMD...]``: resolve, get a running debugger, exec, exit code."""

from __future__ import annotations

import io
import os
import secrets
import stat
import sys
import threading
from typing import TYPE_CHECKING

from . import provision
from .channels import ExitStatus
from .errors import DshellError, SessionLost
from .identity import Identity
from .interactive import run_interactive
from .kube import Kube
from .options import DebuggerOptions, ShellOptions
from .probes.runner import (
    NOT_INSTALLED,
    Invocation,
    Mode,
    SessionArgs,
    install_invocation,
    lease_invocation,
    session_invocation,
    terminal_invocation,
    user_command,
)
from .provision import Debugger, announce, look_ahead
from .pump import Sink, Wiring, pump
from .render import Ui
from .target import Target, container_id, resolve

if TYPE_CHECKING:
    from .stream import ExecStream


def run_captured(
    kube: Kube, target: Target, debugger: str, invocation: Invocation
) -> tuple[ExitStatus | None, bytes, bytes]:
    """Run ``invocation`` in the debugger without input; its status, stdout and stderr."""
    out, err = io.BytesIO(), io.BytesIO()
    status = run_exec(kube, target, debugger, invocation, Wiring(out, err))
    return status, out.getvalue(), err.getvalue()


def _failure(status: ExitStatus | None, err: bytes) -> str:
    """Why a captured run failed: its stderr, else its status."""
    return err.decode("utf-8", "replace").strip() or (status.error if status else "no exit status")


def read_target_ids(kube: Kube, target: Target, debugger: str) -> tuple[int, int]:
    """The target's real uid and gid, read in the debugger from /proc/PID/status."""
    args = SessionArgs(container_id(target.pod, target.container), target.name, target.container, Mode.IDS, 0)
    status, out, err = run_captured(kube, target, debugger, session_invocation(args))
    fields = out.split()
    if status is None or status.code != 0 or len(fields) != 3:
        raise DshellError(f"cannot read the target's uid and gid in debugger {debugger}: {_failure(status, err)}")
    return int(fields[1]), int(fields[2])


def find_target(kube: Kube, pod: str, container: str | None, opts: DebuggerOptions, ui: Ui) -> Target:
    """Resolve POD (NAME, pod/NAME or TYPE/NAME) in the client's namespace, with the lookups its
    debugger will need started beside it; its note (which container, which pod) told."""
    target = resolve(kube, pod, kube.namespace, container, look_ahead(kube, opts))
    if target.note:
        ui.note(target.note)
    return target


def ensure_debugger(kube: Kube, target: Target, opts: DebuggerOptions, ui: Ui) -> tuple[Debugger, Identity]:
    """A running debugger that can read the target (see :func:`.provision.ensure_debugger`)."""
    return provision.ensure_debugger(kube, target, opts, ui, lambda name: read_target_ids(kube, target, name))


KILLED = 137  # the status of a process ended by SIGKILL, as a pod's deletion ends them


def check_pod_alive(kube: Kube, target: Target, status: ExitStatus | None) -> None:
    """After a session that ended abnormally (no status, an error, killed), raise SessionLost when
    its pod is gone or going: that, not the session's own end, is what the user needs to know."""
    if status is not None and status.code is not None and status.code != KILLED:
        return
    try:
        pod = kube.get_pod_or_none(target.namespace, target.name)
    except DshellError:
        return
    where = f"pod {target.namespace}/{target.name}"
    if pod is None or pod["metadata"].get("uid") != target.pod["metadata"].get("uid"):
        raise SessionLost(f"{where} was deleted during the session", "kubectl get pods: its workload may have replaced it")
    if pod["metadata"].get("deletionTimestamp"):
        raise SessionLost(f"{where} is being deleted: the session ended with it", "kubectl get pods")


def exit_code(status: ExitStatus | None, debugger: str) -> int:
    """The remote command's exit code; an error when it never ran or the connection was lost."""
    if status is None:
        raise SessionLost(
            f"the connection to debugger {debugger} ended without an exit status",
            "the pod or the debugger may have stopped: kubectl describe pod",
        )
    if status.code is None:
        raise DshellError(f"the session in debugger {debugger} failed: {status.error}")
    return status.code


def _is_dev_null(fd: int) -> bool:
    """Whether ``fd`` is /dev/null (a command given no input, as in scripts and CI)."""
    try:
        info = os.fstat(fd)
    except OSError:
        return True
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == os.stat(os.devnull).st_rdev


def _exec_session(
    kube: Kube, target: Target, debugger: Debugger, identity: Identity, opts: ShellOptions, ui: Ui
) -> int:
    stdin_fd = sys.stdin.fileno()
    interactive = not opts.command and os.isatty(stdin_fd)
    # With no command and no terminal, the shell reads its commands from stdin.
    command = opts.command or (() if interactive else ("sh",))
    forward = interactive or not (os.isatty(stdin_fd) or _is_dev_null(stdin_fd))
    # Otherwise stdin stays open and silent: the remote command ends when the connection does.
    mode = Mode.INTERACTIVE if interactive else Mode.COMMAND if forward else Mode.WATCHED
    args = SessionArgs(
        container_id(target.pod, target.container),
        target.name,
        target.container,
        mode,
        0 if opts.quiet else 2 if interactive else 1,
        "" if debugger.created else identity.reason,  # a new debugger's was said when it was added
        identity.session_uid,
        identity.session_gid,
    )
    printed = _Counting(ui.stdout)
    wiring = Wiring(
        printed,
        ui.stderr,
        stdin_fd=stdin_fd if forward else None,
        on_unclosable_stdin=lambda: ui.warn("this server speaks v4.channel.k8s.io, which cannot pass on end of input"),
    )
    if mode is Mode.COMMAND:
        with Lease(kube, target, debugger.name) as lease:
            invocation = session_invocation(args, user_command(command), lease.token)
            status = run_exec(kube, target, debugger.name, invocation, wiring)
    elif not interactive:
        status = run_exec(kube, target, debugger.name, session_invocation(args, user_command(command)), wiring)
    else:
        if debugger.created:  # a new debugger has no installed script yet
            install_enter(kube, target, debugger.name)
        status = run_exec(kube, target, debugger.name, terminal_invocation(args), wiring, tty=True)
        if status is not None and status.code == NOT_INSTALLED and not printed.count:
            install_enter(kube, target, debugger.name)
            status = run_exec(kube, target, debugger.name, terminal_invocation(args), wiring, tty=True)
    check_pod_alive(kube, target, status)
    return exit_code(status, debugger.name)


class Lease:
    """The lifeline of a command whose stdin carries the client's data (which, once it ends, can no
    longer tell the command that the client went away): a second exec, opened beside the session
    (no added wait), that holds its own stdin open until the client closes it or is gone; its end
    ends the session's processes (enter.sh's dshell_lease). Best effort: without it the command runs
    as before."""

    def __init__(self, kube: Kube, target: Target, debugger: str):
        self.token = secrets.token_hex(16)
        self._stream: ExecStream | None = None
        self._thread = threading.Thread(
            target=self._open, args=(kube, target, debugger), name="dshell-lease", daemon=True
        )

    def _open(self, kube: Kube, target: Target, debugger: str) -> None:
        try:
            self._stream = kube.exec(target.namespace, target.name, debugger, lease_invocation(self.token), tty=False)
        except (DshellError, OSError):
            self._stream = None

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._thread.join()
        if self._stream is not None:
            self._stream.close()


class _Counting:
    """A sink that counts what passes through it (did a session print anything?)."""

    def __init__(self, sink: Sink):
        self.sink, self.count = sink, 0

    def write(self, data: bytes) -> object:
        """Pass ``data`` on."""
        self.count += len(data)
        return self.sink.write(data)

    def flush(self) -> object:
        """Pass on what was written."""
        return self.sink.flush()


def run_exec(kube: Kube, target: Target, debugger: str, invocation: Invocation, wiring: Wiring, tty: bool = False
             ) -> ExitStatus | None:
    """One exec in the debugger, wired to ``wiring`` (on the local terminal with ``tty``); its status."""
    stream = kube.exec(target.namespace, target.name, debugger, invocation, tty=tty)
    try:
        return run_interactive(stream, wiring) if tty else pump(stream, wiring)
    finally:
        stream.close()


def install_enter(kube: Kube, target: Target, debugger: str) -> None:
    """Install enter.sh in the debugger, for terminal sessions (their stdin cannot carry it)."""
    status, _, err = run_captured(kube, target, debugger, install_invocation())
    if status is None or status.code != 0:
        raise DshellError(f"cannot install dshell's session script in debugger {debugger}: {_failure(status, err)}")


def run_shell(opts: ShellOptions, ui: Ui) -> int:
    """The whole command; returns the exit code (the remote command's own)."""
    kube = Kube.connect(opts.connection, ui.secrets)
    target = find_target(kube, opts.target, opts.container, opts.debugger, ui)
    debugger, identity = ensure_debugger(kube, target, opts.debugger, ui)
    announce(ui, target, debugger, identity)
    return _exec_session(kube, target, debugger, identity, opts, ui)
