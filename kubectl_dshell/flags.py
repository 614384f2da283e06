"""The flags every command shares, as typer annotations (kubectl's names where kubectl has them),
and :func:`with_common`, which gives a command all of them at once."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, get_type_hints

import typer

from .options import (
    CONNECT_TIMEOUT,
    DEFAULT_IDLE,
    DEFAULT_IMAGE,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TIMEOUT,
    MAX_WAIT,
    Connection,
    DebuggerOptions,
    Overrides,
    Profile,
    Timeouts,
)

if TYPE_CHECKING:
    from .render import Ui

# runAsUser and runAsGroup, as the API server validates them.
MAX_ID = 2147483647
# kubectl's durations: plain seconds, or numbers with units (1h30m, 90s, 500ms).
SECONDS = re.compile(r"\d+(?:\.\d+)?")
PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


class FlagError(typer.BadParameter):
    """A flag's value that cannot work, with a hint (shown as every error is, see cli.py)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.hint = hint


def _seconds(text: str) -> float | None:
    if SECONDS.fullmatch(text):
        return float(text)
    parts = PART.findall(text)
    if parts and "".join(number + unit for number, unit in parts) == text:
        return sum(float(number) * UNITS[unit] for number, unit in parts)
    return None


def duration(flag: str, value: object, lowest: float) -> float:
    """``value`` (kubectl's forms) in seconds, from ``lowest`` to 24h; a usage error otherwise."""
    text = str(value).strip()
    seconds = _seconds(text)
    if seconds is None or not lowest <= seconds <= MAX_WAIT:
        low = f"{lowest:g}s" if lowest else "0 (no limit)"
        raise FlagError(f"{text!r} is not a duration from {low} to 24h",
                        f"give seconds or a duration, as in {flag} 90 or {flag} 5m")
    return seconds


def kube_id(value: object) -> int:
    """A uid or gid Kubernetes accepts (runAsUser, runAsGroup)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise FlagError(f"{text!r} is not a number from 0 to {MAX_ID}",
                        f"Kubernetes accepts runAsUser and runAsGroup from 0 to {MAX_ID}")
    return int(text)


def image_reference(value: object) -> str:
    """An image reference the kubelet accepts (see :mod:`.imageref`): a bad one would stay in the pod."""
    from .imageref import EXAMPLE, BadImage, check_image

    text = str(value)
    try:
        return check_image(text)
    except BadImage as exc:
        raise FlagError(f"{text!r} is not an image reference: {exc}", f"give one as in {EXAMPLE}") from None


NamespaceOpt = Annotated[
    str | None, typer.Option("-n", "--namespace", metavar="NAMESPACE", help="Namespace (default: the context's).")
]
ContextOpt = Annotated[str | None, typer.Option("--context", metavar="NAME", help="The kubeconfig context to use.")]
KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig", metavar="PATH", help="Path to the kubeconfig (default: KUBECONFIG, else ~/.kube/config)."
    ),
]
ContainerOpt = Annotated[
    str | None,
    typer.Option(
        "-c",
        "--container",
        metavar="NAME",
        help="Target container, regular or init (a native sidecar, say); default: the "
        "kubectl.kubernetes.io/default-container annotation, else the first.",
    ),
]
ImageOpt = Annotated[
    str,
    typer.Option("--image", envvar="DSHELL_IMAGE", parser=image_reference, metavar="IMAGE",
                 help="The debugger's image: a busybox."),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        parser=lambda text: duration("--timeout", text, 1),
        metavar="DURATION",
        show_default=False,
        help="How long to wait for the debugger to start: seconds or a duration (90s, 5m), 1s to 24h; "
        f"default {DEFAULT_TIMEOUT:g}s.",
    ),
]
RequestTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--request-timeout",
        parser=lambda text: duration("--request-timeout", text, 0),
        metavar="DURATION",
        show_default=False,
        help="How long one API request may wait for an answer: seconds or a duration (30s, 1m), up to 24h; "
        f"0: no limit; default {DEFAULT_REQUEST_TIMEOUT:g}s. Connecting waits at most {CONNECT_TIMEOUT:g}s.",
    ),
]
ReasonOpt = Annotated[
    str, typer.Option("--reason", metavar="TEXT", help="Why you debug; recorded in the debugger (DSHELL_REASON).")
]
ProfileOpt = Annotated[
    Profile | None,
    typer.Option(
        "--profile",
        case_sensitive=False,
        help="Debugger identity: restricted (non-root, the target's uid), baseline (root, default capabilities), "
        "general (root with SYS_PTRACE), sysadmin (privileged). Default: chosen from Pod Security and the pod.",
    ),
]
UidOpt = Annotated[
    int | None,
    typer.Option("--uid", parser=kube_id, metavar="UID",
                 help=f"Run the session as this uid (0 to {MAX_ID})."),
]
GidOpt = Annotated[
    int | None,
    typer.Option("--gid", parser=kube_id, metavar="GID",
                 help=f"Run the session as this gid (0 to {MAX_ID}; default: --uid)."),
]
IdleOpt = Annotated[
    int,
    typer.Option(
        "--idle", min=1, envvar="DSHELL_IDLE", metavar="SECONDS",
        help="Seconds without a session before a new debugger stops.",
    ),
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
    request_timeout: float
    reason: str
    profile: Profile | None
    uid: int | None
    gid: int | None
    idle: int
    quiet: bool
    debug: bool
    command_path: str = "kubectl dshell"  # the command's name, for "see ... --help" hints

    def connection(self) -> Connection:
        """Where the cluster is."""
        return Connection(self.kubeconfig, self.context, self.namespace, Timeouts.of(self.request_timeout))

    def debugger(self) -> DebuggerOptions:
        """What the debugger is and how long to wait for it."""
        overrides = Overrides(self.profile, self.uid, self.gid)
        return DebuggerOptions(self.image, self.timeout, self.idle, self.reason, overrides)

    def run(self, action: Callable[[Ui], int]) -> None:
        """Run the command's action as every dshell command runs (errors to exit codes)."""
        from .cli import run

        run(action, quiet=self.quiet, debug=self.debug, command_path=self.command_path)


# (name, annotation, default) of the flags in Common, in --help order.
COMMON: tuple[tuple[str, object, object], ...] = (
    ("namespace", NamespaceOpt, None),
    ("context", ContextOpt, None),
    ("kubeconfig", KubeconfigOpt, None),
    ("container", ContainerOpt, None),
    ("image", ImageOpt, DEFAULT_IMAGE),
    ("timeout", TimeoutOpt, DEFAULT_TIMEOUT),
    ("request_timeout", RequestTimeoutOpt, DEFAULT_REQUEST_TIMEOUT),
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
    # typer passes its Context to a parameter so annotated: the command's name, for hints.
    context = inspect.Parameter("typer_context", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)

    @functools.wraps(command)
    def wrapper(typer_context: typer.Context, **kwargs: object) -> None:
        common = Common(**{name: kwargs.pop(name) for name, _, _ in COMMON},  # type: ignore[arg-type]
                        command_path=typer_context.command_path)
        command(common, **kwargs)

    wrapper.__signature__ = inspect.Signature([*own, *shared, context])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *shared, context]}
    return wrapper
