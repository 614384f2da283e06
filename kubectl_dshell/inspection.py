"""One inspection command: resolve the pod (or every pod of a -l selector), reach its debugger,
run the verb, render the results and pick the exit code."""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from .errors import CheckFailed, DshellError, ExitCode
from .kube import Kube
from .options import Connection, DebuggerOptions
from .probing import Reached, reach, reach_named
from .render import Ui
from .selection import DEFAULT_CONCURRENCY, PodOutcome, fan_out, select
from .target import Target
from .views import render

PIPE_WIDTH = 200  # table width when stdout is not a terminal (rich would use 80)
Collect = Callable[[Kube, Reached, Ui], Any]


@dataclass(frozen=True)
class InspectOptions:
    """One inspection command: which pod or pods, how to reach them, how to show the results."""

    pod: str | None = None
    selector: str | None = None
    connection: Connection = field(default_factory=Connection)
    container: str | None = None
    debugger: DebuggerOptions = field(default_factory=DebuggerOptions)
    output: str = "table"
    concurrency: int = DEFAULT_CONCURRENCY
    all_namespaces: bool = False  # -A: the selector's pods in every namespace


class DataConsole(Console):
    """stdout's console. When its reader goes away (``| head``), rich would exit with 1 and say nothing;
    this raises BrokenPipeError instead, which ends every verb the same way (exit 141, silent)."""

    def on_broken_pipe(self) -> None:
        """Stop writing; the caller ends the command."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "stdout was closed")


def stdout_console() -> Console:
    """Where tables go: the terminal's width, or a wide page when piped."""
    return DataConsole(file=sys.stdout, width=None if sys.stdout.isatty() else PIPE_WIDTH, soft_wrap=False)


def _many(kube: Kube, opts: InspectOptions, collect: Collect, ui: Ui) -> list[PodOutcome]:
    quiet_ui = Ui(ui.err, ui.quiet, ui.stdout, ui.stderr, spinner=False, secrets=ui.secrets)
    added: list[str] = []  # list.append is atomic: the threads share it

    def work(target: Target) -> Any:
        # One client for every thread: its connection pool is thread-safe and each exec opens a
        # WebSocket connection of its own.
        reached = reach(kube, target, opts.debugger, quiet_ui, tell=False)
        if reached.debugger.created:
            added.append(f"{target.namespace}/{target.name} ({reached.debugger.name})")
        return collect(kube, reached, quiet_ui)

    namespace = None if opts.all_namespaces else kube.namespace
    outcomes = fan_out(select(kube, opts.selector or "", namespace, opts.container), work, opts.concurrency)
    if added:
        pods = "pod" if len(added) == 1 else f"{len(added)} pods"
        ui.note(f"added a debugger to {pods}: {', '.join(sorted(added))}")
    for outcome in outcomes:
        if outcome.error is not None:
            message = f"pod {outcome.namespace}/{outcome.name}: {outcome.error.message}"
            ui.error(DshellError(message, outcome.error.hint))
    return outcomes


def run_report(opts: InspectOptions, verb: str, collect: Collect, ui: Ui) -> int:
    """env, ps, net or ls on one pod or many; the exit code (the first failed pod's, if any)."""
    kube = Kube.connect(opts.connection, ui.secrets)
    if opts.selector is None:
        reached = reach_named(kube, opts.pod, opts.container, opts.debugger, ui)
        outcomes = [PodOutcome(reached.target.namespace, reached.target.name, collect(kube, reached, ui))]
    else:
        outcomes = _many(kube, opts, collect, ui)
    render(stdout_console(), verb, outcomes, opts.output, opts.selector is not None)
    failed = [o.error.exit_code for o in outcomes if o.error is not None]
    checks = [c for o in outcomes if o.value is not None for c in getattr(o.value, "checks", [])]
    checks += [r for o in outcomes if o.value is not None for r in getattr(o.value, "resolves", [])]
    if failed:
        return failed[0]
    if any(not c["ok"] for c in checks):
        ui.error(CheckFailed("a --check or --resolve failed (see above)"))
        return CheckFailed.exit_code
    return ExitCode.OK
