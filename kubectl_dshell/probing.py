"""Run one inspection probe in a target's debugger: one exec, its output, its failure explained."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import AccessDenied, DshellError, NotReady, PathNotFound, UsageError
from .identity import Identity
from .options import Profile
from .probes.runner import DEBUGGERS_OWN, Mode, SessionArgs, probe_invocation
from .probes.sections import FAILED, Failure, parse_failure, text, warnings
from .pump import Sink, Wiring
from .provision import announce
from .session import check_pod_alive, ensure_debugger, exit_code, find_target, run_exec
from .target import container_id

if TYPE_CHECKING:
    from .kube import Kube
    from .options import DebuggerOptions
    from .provision import Debugger
    from .render import Ui
    from .target import Target

ENTER_DENIED = 126  # enter.sh could not enter the target's root


def denied_hint(identity: Identity) -> str:
    """What can read what this identity was refused: a hint that leads somewhere that works."""
    if identity.session_uid is not None or identity.session_gid is not None:
        return "drop --uid/--gid: dshell then reads as the debugger allows (root where it can chroot)"
    if identity.profile in (Profile.GENERAL, Profile.SYSADMIN):
        return "the debugger read it as root: the kernel refuses it to everyone (a mount or a security module)"
    return (
        f"a {identity.profile.value} debugger reads only as the target's uid; a root debugger with CAP_SYS_PTRACE "
        "(--profile general) needs a namespace whose Pod Security level allows it"
    )


@dataclass(frozen=True)
class Reached:
    """A target and the running debugger whose sessions can read it."""

    target: Target
    debugger: Debugger
    identity: Identity

    @property
    def pod(self) -> dict:
        """The latest pod seen (with the debugger's status)."""
        return self.debugger.pod


def reach(kube: Kube, target: Target, opts: DebuggerOptions, ui: Ui, tell: bool = True) -> Reached:
    """Find or make the target's debugger, exactly as the shell does; ``tell`` says so when it is new
    (a fan-out over many pods says it once for all)."""
    debugger, identity = ensure_debugger(kube, target, opts, ui)
    if tell:
        announce(ui, target, debugger, identity)
    return Reached(target, debugger, identity)


def reach_named(kube: Kube, pod: str, container: str | None, opts: DebuggerOptions, ui: Ui) -> Reached:
    """Resolve POD (NAME, pod/NAME or TYPE/NAME, in the client's namespace) and reach its debugger."""
    return reach(kube, find_target(kube, pod, container, opts, ui), opts, ui)


def explain(failure: Failure, verb: str, identity: Identity) -> DshellError:
    """The user's error for a probe's failure report (read by a debugger of ``identity``)."""
    subject, ids = failure.subject, f"uid {failure.uid} gid {failure.gid}"
    if failure.kind == "gone":
        return NotReady("the target process exited while dshell read it", "it may be restarting: kubectl get pod")
    if failure.kind == "denied":
        return AccessDenied(f"permission denied: {subject} (read as {ids})", denied_hint(identity))
    if failure.kind == "special":
        return UsageError(f"{subject} is not a regular file or folder (a FIFO, socket or device)",
                          f"{verb} copies files and folders; read a FIFO with: kubectl dshell cat POD PATH")
    if failure.kind == "isdir":
        return UsageError(f"{subject} is a folder: {verb} needs a file", "list it with ls, or copy it with cp")
    messages = {
        "missing": f"no such file or folder in the target: {subject}",
        "notdir": f"not a folder in the target: {subject}",
        "outside": f"refused: {subject} leads outside the target's root (through ..)",
        "loop": f"too many levels of symbolic links: {subject}",
        "moved": f"refused: {subject} changed while it was opened and led outside the target's root "
        "(a symbolic link swapped in?); nothing was read",
    }
    return PathNotFound(messages.get(failure.kind, f"{verb} failed ({failure.kind}): {subject}"))


def check(code: int, stderr: bytes, verb: str, reached: Reached) -> None:
    """Raise the error a probe's exit code and stderr describe; nothing when it succeeded."""
    if code == 0:
        return
    failure = parse_failure(stderr) if code == FAILED else None
    if failure is not None:
        raise explain(failure, verb, reached.identity)
    last = _last_line(stderr) or f"exit code {code}"
    if code == ENTER_DENIED and "permission denied" in last:
        raise AccessDenied(last, denied_hint(reached.identity))
    raise DshellError(f"{verb} failed in debugger {reached.debugger.name}: {last}")


def _last_line(stderr: bytes) -> str:
    lines = [line for line in text(stderr).splitlines() if line.strip()]
    return lines[-1].removeprefix("dshell: ") if lines else ""


def run_probe(kube: Kube, reached: Reached, verb: str, args: list[str], stdout: Sink, ui: Ui) -> bytes:
    """Run ``verb``'s probe with ``args`` in one exec, its stdout to ``stdout``; raise its failure.
    Its stderr, for the reports it may hold (see :func:`.probes.sections.skipped`)."""
    target, identity = reached.target, reached.identity
    session = SessionArgs(
        container_id(target.pod, target.container),
        target.name,
        target.container,
        Mode.WATCHED,
        0 if ui.quiet else 1,
        identity.reason,
        DEBUGGERS_OWN if identity.session_uid is None and identity.session_gid is None else identity.session_uid,
        identity.session_gid,
    )
    stderr = io.BytesIO()
    status = run_exec(kube, target, reached.debugger.name, probe_invocation(session, verb, args), Wiring(stdout, stderr))
    check_pod_alive(kube, target, status)
    code = exit_code(status, reached.debugger.name)
    told = warnings(stderr.getvalue())
    if code != 0 and told and told[-1] == _last_line(stderr.getvalue()):
        told.pop()  # the error says it: not a warning as well
    for warning in told:
        ui.warn(warning)
    check(code, stderr.getvalue(), verb, reached)
    return stderr.getvalue()


def capture(kube: Kube, reached: Reached, verb: str, args: list[str], ui: Ui) -> bytes:
    """Run ``verb``'s probe; what it printed."""
    out = io.BytesIO()
    run_probe(kube, reached, verb, args, out, ui)
    return out.getvalue()
