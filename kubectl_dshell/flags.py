"""The flags every command shares, as typer annotations (kubectl's names where kubectl has them),
and :func:`with_common`, which gives a command all of them at once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, get_type_hints

import typer

from .options import DEFAULT_IDLE, DEFAULT_IMAGE, DEFAULT_TIMEOUT, Connection, DebuggerOptions, Overrides, Profile

if TYPE_CHECKING:
    from .render import Ui

NamespaceOpt = Annotated[str | None, typer.Option("-n", "--namespace", help="Namespace (default: the context's).")]
ContextOpt = Annotated[str | None, typer.Option("--context", help="The kubeconfig context to use.")]
KubeconfigOpt = Annotated[
    str | None,
    typer.Option("--kubeconfig", help="Path to the kubeconfig (default: KUBECONFIG, else ~/.kube/config)."),
]
ContainerOpt = Annotated[
    str | None,
    typer.Option(
        "-c",
        "--container",
        help="Target container, regular or init (a native sidecar, say); default: the "
        "kubectl.kubernetes.io/default-container annotation, else the first.",
    ),
]
ImageOpt = Annotated[str, typer.Option("--image", envvar="DSHELL_IMAGE", help="The debugger's image: a busybox.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for the debugger to start.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why you debug; recorded in the debugger (DSHELL_REASON).")]
ProfileOpt = Annotated[
    Profile | None,
    typer.Option(
        "--profile",
        case_sensitive=False,
        help="Debugger identity: restricted (non-root, the target's uid), baseline (root, default capabilities), "
        "general (root with SYS_PTRACE), sysadmin (privileged). Default: chosen from Pod Security and the pod.",
    ),
]
UidOpt = Annotated[int | None, typer.Option("--uid", min=0, help="Run the session as this uid.")]
GidOpt = Annotated[int | None, typer.Option("--gid", min=0, help="Run the session as this gid (default: --uid).")]
IdleOpt = Annotated[
    int,
    typer.Option("--idle", min=1, envvar="DSHELL_IDLE", help="Seconds without a session before a new debugger stops."),
]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="No notes, warnings, banner or spinner.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")]


@dataclass(frozen=True)
class Common:
    """The flags every dshell command takes (see :data:`COMMON`)."""

    namespace: str | None
    context: str | None
    kubeconfig: str | None
    container: str | None
    image: str
    timeout: float
    reason: str
    profile: Profile | None
    uid: int | None
    gid: int | None
    idle: int
    quiet: bool
    debug: bool

    def connection(self) -> Connection:
        """Where the cluster is."""
        return Connection(self.kubeconfig, self.context, self.namespace)

    def debugger(self) -> DebuggerOptions:
        """What the debugger is and how long to wait for it."""
        overrides = Overrides(self.profile, self.uid, self.gid)
        return DebuggerOptions(self.image, self.timeout, self.idle, self.reason, overrides)

    def run(self, action: Callable[[Ui], int]) -> None:
        """Run the command's action as every dshell command runs (errors to exit codes)."""
        from .cli import run

        run(action, quiet=self.quiet, debug=self.debug)


# (name, annotation, default) of the flags in Common, in --help order.
COMMON: tuple[tuple[str, object, object], ...] = (
    ("namespace", NamespaceOpt, None),
    ("context", ContextOpt, None),
    ("kubeconfig", KubeconfigOpt, None),
    ("container", ContainerOpt, None),
    ("image", ImageOpt, DEFAULT_IMAGE),
    ("timeout", TimeoutOpt, DEFAULT_TIMEOUT),
    ("reason", ReasonOpt, ""),
    ("profile", ProfileOpt, None),
    ("uid", UidOpt, None),
    ("gid", GidOpt, None),
    ("idle", IdleOpt, DEFAULT_IDLE),
    ("quiet", QuietOpt, False),
    ("debug", DebugOpt, False),
)


def with_common(command: Callable[..., None]) -> Callable[..., None]:
    """``command(common, ...)`` as a typer command that also takes every flag of :data:`COMMON`:
    typer reads the signature, so the shared flags are declared once, here."""
    hints = get_type_hints(command, include_extras=True)
    own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(command).parameters.values()][1:]
    shared = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in COMMON]

    @functools.wraps(command)
    def wrapper(**kwargs: object) -> None:
        common = Common(**{name: kwargs.pop(name) for name, _, _ in COMMON})  # type: ignore[arg-type]
        command(common, **kwargs)

    wrapper.__signature__ = inspect.Signature(own + shared)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in own + shared}
    return wrapper
