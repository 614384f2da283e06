"""cat and cp: bytes out of one pod's target, kept apart from the report verbs so that these two
commands import neither the parsers nor the table renderer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .archive import copy_to_stdout
from .copy import copy_out
from .destination import destination
from .errors import ExitCode
from .kube import Kube
from .probing import reach_named, run_probe

if TYPE_CHECKING:
    from .inspection import InspectOptions
    from .render import Ui
    from .untar import Unpacked


def run_cat(opts: InspectOptions, path: str, ui: Ui) -> int:
    """cat: the file's bytes to stdout as they arrive."""
    kube = Kube.connect(opts.connection, ui.secrets)
    reached = reach_named(kube, opts.pod, opts.container, opts.debugger, ui)
    run_probe(kube, reached, "cat", [path], ui.stdout, ui)
    return ExitCode.OK


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def run_cp(opts: InspectOptions, source: str, local: str, ui: Ui) -> int:
    """cp: a file or folder of the target to ``local`` (checked first), or to stdout as a tar archive
    when ``local`` is -."""
    dest = None if local == "-" else destination(source, local)
    kube = Kube.connect(opts.connection, ui.secrets)
    reached = reach_named(kube, opts.pod, opts.container, opts.debugger, ui)
    if dest is None:
        copy_to_stdout(kube, reached, source, ui)
        return ExitCode.OK
    ui.note(copied_note(copy_out(kube, reached, source, dest, ui)))
    return ExitCode.OK


def copied_note(copied: Unpacked) -> str:
    """What a copy did, in one line: files and bytes, and what it left out."""
    left_out = [
        f"{_count(copied.skipped, 'special file')} skipped" if copied.skipped else "",
        f"{_count(copied.unreadable, 'unreadable file')} skipped" if copied.unreadable else "",
    ]
    return ", ".join([f"copied {_count(copied.files, 'file')}, {_count(copied.size, 'byte')}", *filter(None, left_out)])
