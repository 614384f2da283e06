"""``cp POD:PATH LOCAL``: the cp probe's tar stream unpacked as it arrives, atomically.

The exec runs in a thread writing into a pipe; this thread unpacks from the pipe into a hidden
temporary folder beside LOCAL and renames the result into place only once everything arrived, so
a failure or Ctrl-C leaves no partial copy behind. Memory stays bounded by the pipe and a chunk.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from .errors import DshellError, UsageError
from .probing import run_probe
from .untar import CHUNK, UnsafeMember, Unpacked, unpack

if TYPE_CHECKING:
    from .kube import Kube
    from .probing import Reached
    from .render import Ui

LARGE = 8 * 1024 * 1024  # copies at least this big get a progress bar (on a terminal)


def destination(source: str, local: str) -> Path:
    """Where the copy lands: LOCAL, or LOCAL/NAME when LOCAL is an existing folder (as cp does)."""
    path = Path(local)
    if path.is_dir():
        name = posixpath.basename(posixpath.normpath(source))
        if name in ("", "/", ".", ".."):
            raise UsageError(f"{source} has no name to copy into {local}", "name the destination: cp POD:/ ./root")
        path = path / name
    if path.is_dir():
        raise UsageError(f"{path} is an existing folder", "copy to a new name, or remove it first")
    if not path.parent.is_dir():
        raise UsageError(f"no folder {path.parent} to copy into")
    return path


class _Meter:
    """Counts bytes; shows a progress bar on stderr once the copy is large (and stderr a terminal)."""

    def __init__(self, ui: Ui, label: str, stack: ExitStack):
        self._show = not ui.quiet and ui.err.is_terminal
        self._ui, self._label, self._stack = ui, label, stack
        self._bar: Progress | None = None
        self._task = None
        self.total: int | None = None
        self.done = 0

    def __call__(self, count: int) -> None:
        self.done += count
        if self._bar is None and self._show and max(self.done, self.total or 0) >= LARGE:
            columns = (TextColumn("{task.description}"), DownloadColumn(), TransferSpeedColumn())
            self._bar = self._stack.enter_context(Progress(*columns, console=self._ui.err, transient=True))
            self._task = self._bar.add_task(self._label, total=self.total)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)


def _receive(kube: Kube, reached: Reached, source: str, write_fd: int, ui: Ui, failed: list[BaseException]) -> None:
    try:
        with open(write_fd, "wb") as pipe:
            run_probe(kube, reached, "cp", [source], pipe, ui)
    except BaseException as exc:  # handed to the unpacking thread, which reports it
        failed.append(exc)


def _unpack_stream(read_fd: int, staging: Path, meter: _Meter) -> Unpacked:
    def on_top(member: tarfile.TarInfo) -> None:
        meter.total = member.size if member.isreg() else None

    with open(read_fd, "rb") as pipe:
        # Stream mode reads in tar's 10 KiB records unless told otherwise: 40 times the reads.
        with tarfile.open(fileobj=pipe, mode="r|", bufsize=CHUNK) as tar:
            unpacked = unpack(tar, staging / "copy", meter, on_top)
        while pipe.read(CHUNK):  # tar's padding after the end marker: the sender must finish writing
            pass
    return unpacked


def copy_out(kube: Kube, reached: Reached, source: str, local: str, ui: Ui) -> Unpacked:
    """Copy ``source`` (a target path) to ``local``; what was copied."""
    dest = destination(source, local)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.dshell-", dir=dest.parent))
    read_fd, write_fd = os.pipe()
    failed: list[BaseException] = []
    receiver = threading.Thread(target=_receive, args=(kube, reached, source, write_fd, ui, failed), daemon=True)
    try:
        receiver.start()
        with ExitStack() as stack:
            unpacked = _unpack_stream(read_fd, staging, _Meter(ui, f"{reached.target.name}:{source}", stack))
        receiver.join()
        if failed:
            raise failed[0]
        if unpacked.top is None:
            raise DshellError(f"cp received nothing for {source}")
        os.replace(staging / "copy", dest)
        return unpacked
    except (tarfile.TarError, UnsafeMember, OSError) as exc:
        receiver.join(timeout=5)
        if failed:
            raise failed[0] from None
        raise DshellError(f"cannot copy {source} to {dest}: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
