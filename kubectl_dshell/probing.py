"""Run one inspection probe in a target's debugger: one exec, its output, its failure explained."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import AccessDenied, DshellError, NotReady, PathNotFound, UsageError
from .probes.runner import Mode, SessionArgs, probe_invocation
from .probes.sections import FAILED, Failure, parse_failure, text, warnings
from .pump import Sink, Wiring
from .session import check_pod_alive, ensure_debugger, exit_code, find_target, run_exec
from .target import container_id

if TYPE_CHECKING:
    from .identity import Identity
    from .kube import Kube
    from .options import DebuggerOptions
    from .provision import Debugger
    from .render import Ui
    from .target import Target

ENTER_DENIED = 126  # enter.sh could not enter the target's root
OTHER_IDENTITY = (
    "read it as another identity: --uid UID (--gid GID), or --profile general "
    "(root with CAP_SYS_PTRACE) where Pod Security allows it"
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


def reach(kube: Kube, target: Target, opts: DebuggerOptions, ui: Ui) -> Reached:
    """Find or make the target's debugger, exactly as the shell does."""
    debugger, identity = ensure_debugger(kube, target, opts, ui)
    return Reached(target, debugger, identity)


def reach_named(kube: Kube, pod: str, container: str | None, opts: DebuggerOptions, ui: Ui) -> Reached:
    """Resolve POD (NAME, pod/NAME or TYPE/NAME, in the client's namespace) and reach its debugger."""
    return reach(kube, find_target(kube, pod, container, opts, ui), opts, ui)


def explain(failure: Failure, verb: str) -> DshellError:
    """The user's error for a probe's failure report."""
    subject, ids = failure.subject, f"uid {failure.uid} gid {failure.gid}"
    if failure.kind == "gone":
        return NotReady("the target process exited while dshell read it", "it may be restarting: kubectl get pod")
    if failure.kind == "denied":
        return AccessDenied(f"permission denied: {subject} (read as {ids})", OTHER_IDENTITY)
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


def check(code: int, stderr: bytes, verb: str, debugger: str) -> None:
    """Raise the error a probe's exit code and stderr describe; nothing when it succeeded."""
    if code == 0:
        return
    failure = parse_failure(stderr) if code == FAILED else None
    if failure is not None:
        raise explain(failure, verb)
    lines = [line for line in text(stderr).splitlines() if line.strip()]
    last = lines[-1].removeprefix("dshell: ") if lines else f"exit code {code}"
    if code == ENTER_DENIED and "permission denied" in last:
        raise AccessDenied(last, OTHER_IDENTITY)
    raise DshellError(f"{verb} failed in debugger {debugger}: {last}")


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
        identity.session_uid,
        identity.session_gid,
    )
    stderr = io.BytesIO()
    status = run_exec(kube, target, reached.debugger.name, probe_invocation(session, verb, args), Wiring(stdout, stderr))
    for warning in warnings(stderr.getvalue()):
        ui.warn(warning)
    check_pod_alive(kube, target, status)
    check(exit_code(status, reached.debugger.name), stderr.getvalue(), verb, reached.debugger.name)
    return stderr.getvalue()


def capture(kube: Kube, reached: Reached, verb: str, args: list[str], ui: Ui) -> bytes:
    """Run ``verb``'s probe; what it printed."""
    out = io.BytesIO()
    run_probe(kube, reached, verb, args, out, ui)
    return out.getvalue()
