"""The flags every verb shares, as typer annotations (kubectl's names where kubectl has them)."""

from __future__ import annotations

from typing import Annotated

import typer

from .options import Profile

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
        help="Target container (default: the kubectl.kubernetes.io/default-container annotation, else the first).",
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
