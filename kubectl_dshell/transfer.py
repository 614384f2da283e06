"""cat and cp: bytes out of one pod's target, kept apart from the report verbs so that these two
commands import neither the parsers nor the table renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .copy import copy_out
from .errors import ExitCode
from .kube import Kube
from .probing import reach_named, run_probe

if TYPE_CHECKING:
    from .inspection import InspectOptions
    from .render import Ui


def run_cat(opts: InspectOptions, path: str, ui: Ui) -> int:
    """cat: the file's bytes to stdout as they arrive."""
    kube = Kube.connect(opts.connection, ui.secrets)
    reached = reach_named(kube, opts.pod, opts.container, opts.debugger, ui)
    run_probe(kube, reached, "cat", [path], ui.stdout, ui)
    return ExitCode.OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_cp(opts: InspectOptions, source: str, local: str, ui: Ui) -> int:
    """cp: a file or folder of the target to ``local``."""
    kube = Kube.connect(opts.connection, ui.secrets)
    reached = reach_named(kube, opts.pod, opts.container, opts.debugger, ui)
    copied = copy_out(kube, reached, source, local, ui)
    skipped = f", {_count(copied.skipped, 'special file')} skipped" if copied.skipped else ""
    ui.note(f"copied {_count(copied.files, 'file')}, {_count(copied.size, 'byte')}{skipped}")
    return ExitCode.OK
