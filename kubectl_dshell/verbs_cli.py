"""The inspection verbs' commands: env, ps, net, ls, cat, cp. They only parse and wire; the work is
in :mod:`.inspection` (imported inside each command, so ``--help`` stays fast)."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated

import typer

from .errors import UsageError
from .flags import Common, duration, with_common
from .helptext import ExampleCommand
from .labelselector import check_selector
from .options import CHECK_SECONDS

if TYPE_CHECKING:
    from .inspection import InspectOptions
    from .render import Ui

HOST_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[A-Za-z0-9_][A-Za-z0-9._-]*)):(?P<port>\d{1,5})$")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*\.?$")

PodArg = Annotated[str | None, typer.Argument(metavar="POD", help="NAME, pod/NAME or TYPE/NAME.", show_default=False)]
OutputOpt = Annotated[str, typer.Option("-o", "--output", metavar="FORMAT", help="table, json or yaml.")]
SelectorOpt = Annotated[
    str | None,
    typer.Option("-l", "--selector", metavar="SELECTOR", help="Every pod matching this label selector, instead of POD."),
]
RevealOpt = Annotated[
    bool, typer.Option("--reveal", help="Show values from Secrets and secret-looking names, wherever they appear.")
]
AllNamespacesOpt = Annotated[
    bool, typer.Option("-A", "--all-namespaces", help="With -l: the matching pods of every namespace, as kubectl -A.")
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--max-concurrency", min=1, metavar="N", help="Pods worked on at once with -l.")
]


def inspect_options(
    common: Common,
    pod: str | None,
    selector: str | None = None,
    output: str = "table",
    concurrency: int = 8,
    all_namespaces: bool = False,
) -> InspectOptions:
    """An inspection command's options, checked before anything is read or asked."""
    from .inspection import InspectOptions
    from .views import FORMATS

    if output not in FORMATS:
        raise UsageError(f"unknown output format {output!r}", f"use one of: {', '.join(FORMATS)}")
    if not pod and selector is None:
        raise UsageError("name a POD, or select pods with -l SELECTOR")
    if pod and selector is not None:
        raise UsageError(f"name a POD or -l {selector}, not both")
    if all_namespaces and selector is None:
        raise UsageError("-A selects pods in every namespace with -l, not one POD",
                         "-n NAMESPACE names a POD's namespace; many pods: -l SELECTOR -A")
    if all_namespaces and common.namespace is not None:
        raise UsageError(f"-n {common.namespace} and -A together", "-A looks in every namespace: drop one of them")
    if selector is not None:
        check_selector(selector)
    return InspectOptions(pod, selector, common.connection(), common.container, common.debugger(), output, concurrency,
                          all_namespaces)


def warn_revealed(reveal: bool, ui: Ui) -> None:
    """One line on stderr when secrets are about to be shown."""
    if reveal:
        ui.warn("--reveal: values from Secrets are shown")


def check_target(text: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) as (host, port); a host never starts with '-'."""
    match = HOST_PORT.match(text)
    port = int(match.group("port")) if match else 0
    if not match or not 0 < port < 65536:
        raise UsageError(f"--check {text!r} is not HOST:PORT", "for example --check db:5432 or --check [::1]:8080")
    return match.group("v6") or match.group("host"), port


def resolve_name(text: str) -> str:
    """A DNS name for --resolve."""
    if not NAME.match(text):
        raise UsageError(f"--resolve {text!r} is not a DNS name")
    return text


@with_common
def env(
    common: Common,
    pod: PodArg = None,
    reveal: RevealOpt = False,
    output: OutputOpt = "table",
    selector: SelectorOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    max_concurrency: ConcurrencyOpt = 8,
) -> None:
    """The target process's environment, each variable with its source; secrets masked."""

    def action(ui: Ui) -> int:
        from . import verbs
        from .inspection import run_report

        opts = inspect_options(common, pod, selector, output, max_concurrency, all_namespaces)
        warn_revealed(reveal, ui)
        return run_report(opts, "env", lambda kube, reached, u: verbs.env(kube, reached, reveal, u), ui)

    common.run(action)


@with_common
def ps(
    common: Common,
    pod: PodArg = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also the debugger's own keeper (dshell keeper) and the sleep it waits on.")
    ] = False,
    reveal: RevealOpt = False,
    output: OutputOpt = "table",
    selector: SelectorOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    max_concurrency: ConcurrencyOpt = 8,
) -> None:
    """Every process in the target's PID namespace, as a tree, with its container.

    The debugger's own keeper and its sleep are left out unless --all.
    """

    def action(ui: Ui) -> int:
        from . import verbs
        from .inspection import run_report

        opts = inspect_options(common, pod, selector, output, max_concurrency, all_namespaces)
        warn_revealed(reveal, ui)
        return run_report(opts, "ps", lambda kube, reached, u: verbs.ps(kube, reached, reveal, u, show_all), ui)

    common.run(action)


@with_common
def net(
    common: Common,
    pod: PodArg = None,
    check: Annotated[
        list[str] | None, typer.Option("--check", metavar="HOST:PORT", help="Try a TCP connection from the pod (repeatable).")
    ] = None,
    resolve: Annotated[
        list[str] | None, typer.Option("--resolve", metavar="NAME", help="Look a name up with the pod's resolver (repeatable).")
    ] = None,
    check_timeout: Annotated[
        int,
        typer.Option(
            "--check-timeout",
            parser=lambda text: math.ceil(duration("--check-timeout", text, 1)),
            metavar="DURATION",
            show_default=False,
            help=f"How long each --check connect and each --resolve lookup waits: seconds or a duration (5s, 1m); "
            f"default {CHECK_SECONDS}s.",
        ),
    ] = CHECK_SECONDS,
    show_all: Annotated[
        bool, typer.Option("--all", help="With --check or --resolve: the sockets, interfaces and routes too.")
    ] = False,
    reveal: RevealOpt = False,
    output: OutputOpt = "table",
    selector: SelectorOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    max_concurrency: ConcurrencyOpt = 8,
) -> None:
    """Listening sockets and their processes, connections, interfaces, routes, DNS; --check, --resolve.

    With --check or --resolve, the table shows their results alone (and DNS for --resolve) unless
    --all; -o json and -o yaml always hold everything.
    """

    def action(ui: Ui) -> int:
        from . import verbs
        from .inspection import run_report

        request = verbs.NetRequest(
            tuple(check_target(c) for c in check or ()),
            tuple(resolve_name(n) for n in resolve or ()),
            check_timeout,
            show_all,
        )
        opts = inspect_options(common, pod, selector, output, max_concurrency, all_namespaces)
        warn_revealed(reveal, ui)
        return run_report(opts, "net", lambda kube, reached, u: verbs.net(kube, reached, request, reveal, u), ui)

    common.run(action)


@with_common
def ls(
    common: Common,
    args: Annotated[
        list[str] | None,
        typer.Argument(metavar="[POD] PATH", help="The pod (unless -l) and an absolute path.", show_default=False),
    ] = None,
    recursive: Annotated[bool, typer.Option("-R", "--recursive", help="List subfolders, all the way down.")] = False,
    depth: Annotated[
        int, typer.Option("--depth", min=1, metavar="N", help="List subfolders down to this many levels.")
    ] = 1,
    output: OutputOpt = "table",
    selector: SelectorOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    max_concurrency: ConcurrencyOpt = 8,
) -> None:
    """A listing of a path in the target's filesystem: type, mode, owner, size, mtime, link target."""

    def action(ui: Ui) -> int:
        from . import verbs
        from .inspection import run_report

        given = args or []
        wanted = 1 if selector else 2
        if len(given) != wanted:
            raise UsageError("ls takes " + ("PATH with -l" if selector else "POD PATH"))
        levels = 0 if recursive else depth
        opts = inspect_options(
            common, given[0] if wanted == 2 else None, selector, output, max_concurrency, all_namespaces
        )
        return run_report(opts, "ls", lambda kube, reached, u: verbs.ls(kube, reached, given[-1], levels, u), ui)

    common.run(action)


@with_common
def cat(
    common: Common,
    pod: Annotated[str, typer.Argument(metavar="POD", help="NAME, pod/NAME or TYPE/NAME.", show_default=False)],
    path: Annotated[str, typer.Argument(metavar="PATH", help="An absolute path in the target.", show_default=False)],
) -> None:
    """A file's exact bytes, to stdout."""

    def action(ui: Ui) -> int:
        from .transfer import run_cat

        return run_cat(inspect_options(common, pod), path, ui)

    common.run(action)


@with_common
def cp(
    common: Common,
    source: Annotated[str, typer.Argument(metavar="POD:PATH", help="The pod and a file or folder in it.", show_default=False)],
    local: Annotated[
        str,
        typer.Argument(
            metavar="LOCAL",
            help="A new name, a file to replace, or a folder (or a link to one) to copy into; never a device "
            "or another link. - writes a tar archive to stdout.",
            show_default=False,
        ),
    ],
) -> None:
    """Copy a file or folder out of the target (no tar needed there): modes kept, never a partial copy."""

    def action(ui: Ui) -> int:
        from .transfer import run_cp

        pod, sep, path = source.partition(":")
        if not sep or not pod or not path:
            raise UsageError(f"cannot parse {source!r}", "copy as POD:PATH LOCAL, e.g. cp web:/app ./app")
        return run_cp(inspect_options(common, pod), path, local, ui)

    common.run(action)


class LsCommand(ExampleCommand):
    """ls, whose POD is left out with -l."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        """The usage line as people read it (click would show ``[[POD] PATH]...``)."""
        return ["[flags]", "[POD]", "PATH"]


VERBS = {"env": env, "ps": ps, "net": net, "ls": ls, "cat": cat, "cp": cp}


def register(app: typer.Typer) -> None:
    """Add the inspection verbs to the dshell command line."""
    for name, command in VERBS.items():
        app.command(name, cls=LsCommand if name == "ls" else ExampleCommand, options_metavar="[flags]")(command)
