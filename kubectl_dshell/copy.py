"""``cp POD:PATH LOCAL``: the cp probe's output written as it arrives, atomically.

The probe says first what follows: a regular file's mode, mtime and size, then its bytes, written
straight into the copy; or a tar stream (a folder), unpacked by a second thread from a pipe. Either
way the copy grows in a hidden temporary folder beside LOCAL and is renamed into place only once
everything arrived, so a failure, Ctrl-C, SIGTERM or SIGHUP leaves no partial copy behind. Memory
stays bounded. Where LOCAL may be is :mod:`.destination`'s to say.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import threading
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .destination import refuse_existing
from .errors import DshellError, UsageError, local_failure
from .probes.sections import skipped
from .probing import run_probe
from .untar import CHUNK, PERMISSIONS, UnsafeMember, Unpacked, unpack

if TYPE_CHECKING:
    from rich.progress import Progress

    from .kube import Kube
    from .probing import Reached
    from .pump import Sink
    from .render import Ui

LARGE = 8 * 1024 * 1024  # copies at least this big get a progress bar (on a terminal)
HEADER_MAX = 256  # the header line is a few numbers: more than this without a newline is garbage


@dataclass(frozen=True)
class FileHeader:
    """A regular file's permission bits, mtime and size, as the probe saw them before reading it.

    A size of 0 means unknown: kernel files (/proc, /sys) say 0 and have content, and a file that was
    empty and grew while copied is no cause for alarm."""

    mode: int
    mtime: int
    size: int


def parse_header(line: bytes) -> FileHeader | None:
    """The probe's first line: a FileHeader for "file MODE MTIME SIZE", None for "tar"."""
    words = line.split()
    try:
        if words == [b"tar"]:
            return None
        if len(words) == 4 and words[0] == b"file":
            return FileHeader(int(words[1], 8), int(words[2]), int(words[3]))
    except ValueError:
        pass
    raise DshellError(f"cp received a header it cannot read: {line[:80]!r}")


class Meter:
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
            from rich.progress import DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            columns = (TextColumn("{task.description}"), DownloadColumn(), TransferSpeedColumn())
            self._bar = self._stack.enter_context(Progress(*columns, console=self._ui.err, transient=True))
            self._task = self._bar.add_task(self._label, total=self.total)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)


class _Unpacker:
    """A tar stream written into a pipe, unpacked under ``base`` by a thread reading the other end."""

    def __init__(self, base: Path, meter: Meter):
        read_fd, write_fd = os.pipe()
        self.pipe = open(write_fd, "wb")  # noqa: SIM115  (closed by finish)
        self.unpacked: Unpacked | None = None
        self.failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(read_fd, base, meter), daemon=True)
        self._thread.start()

    def _run(self, read_fd: int, base: Path, meter: Meter) -> None:
        def on_top(member: tarfile.TarInfo) -> None:
            meter.total = member.size if member.isreg() else None

        try:
            with open(read_fd, "rb") as pipe:
                # Stream mode reads in tar's 10 KiB records unless told otherwise: 40 times the reads.
                with tarfile.open(fileobj=pipe, mode="r|", bufsize=CHUNK, ignore_zeros=True) as tar:
                    self.unpacked = unpack(tar, base, meter, on_top)
                while pipe.read(CHUNK):  # tar's padding after the end marker: let the writer finish
                    pass
        except BaseException as exc:  # reported by finish(); the writer meanwhile sees a broken pipe
            self.failed = exc

    def finish(self) -> Unpacked:
        """Wait for the unpacking to end (the pipe closed first); what it unpacked."""
        try:
            self.pipe.close()
        except BrokenPipeError:  # the reader gave up: its own error says why
            pass
        self._thread.join()
        if self.failed is not None:
            raise self.failed
        return self.unpacked or Unpacked()

    def abandon(self) -> None:
        """Stop feeding the thread (after a failure); it ends at the pipe's end."""
        try:
            self.pipe.close()
        except OSError:
            pass
        self._thread.join(timeout=5)


class HeadedStream:
    """The cp probe's stdout: its header line, then a body that subclasses send where it belongs."""

    def __init__(self) -> None:
        self._head = bytearray()
        self.header: FileHeader | None = None
        self._body: Sink | None = None

    def write(self, data: bytes) -> None:
        """Take the next piece of output."""
        if self._body is None:
            data = self._start(data)
            if self._body is None:
                return
        if data:
            self._take(data)

    def flush(self) -> None:
        """Nothing is held back: the pump may call this after every frame."""

    def _start(self, data: bytes) -> bytes:
        """Collect the header line; once complete, open where the rest goes and return the rest."""
        self._head += data
        line, newline, rest = self._head.partition(b"\n")
        if not newline:
            if len(self._head) > HEADER_MAX:
                parse_header(bytes(self._head))
            return b""
        self.header = parse_header(bytes(line))
        self._body = self._open(self.header)
        return bytes(rest)

    def _open(self, header: FileHeader | None) -> Sink:
        """Where the body goes, for a file (``header``) or a tar stream (None)."""
        raise NotImplementedError

    def _take(self, data: bytes) -> None:
        """A piece of the body."""
        assert self._body is not None
        self._body.write(data)


class Receiver(HeadedStream):
    """A file's bytes into the copy at ``base``, or a tar stream into a pipe to an unpacking thread."""

    def __init__(self, base: Path, meter: Meter, dest: Path | None = None):
        super().__init__()
        self.base, self._meter, self._dest = base, meter, dest
        self.unpacker: _Unpacker | None = None

    def _open(self, header: FileHeader | None) -> BinaryIO:
        if header is not None:
            self._meter.total = header.size or None
            return open(self.base, "xb")  # noqa: SIM115  (closed by finish)
        if self._dest is not None:  # refused now, before the folder's content travels
            _no_folder_onto(self._dest)
        self.unpacker = _Unpacker(self.base, self._meter)
        return self.unpacker.pipe

    def _take(self, data: bytes) -> None:
        super()._take(data)
        if self.header is not None:  # a tar stream is counted as it is unpacked
            self._meter(len(data))

    def finish(self, source: str, ui: Ui) -> Unpacked:
        """After the probe succeeded: the file's metadata applied, or the unpacking awaited."""
        if self._body is None:
            raise DshellError(f"cp received nothing for {source}")
        if self.unpacker is not None:
            return self.unpacker.finish()
        self._body.close()  # type: ignore[attr-defined]  (a file, opened by _open)
        header, written = self.header, self._meter.done
        assert header is not None  # a body without an unpacker is a file
        os.chmod(self.base, header.mode & PERMISSIONS)
        os.utime(self.base, (header.mtime, header.mtime))
        if header.size and written != header.size:
            ui.warn(f"{source} changed while it was copied: {header.size} bytes when it started, {written} copied")
        return Unpacked(top=self.base, files=1, size=written)

    def abandon(self) -> None:
        """Release what a failed copy holds open."""
        if self.unpacker is not None:
            self.unpacker.abandon()
        elif self._body is not None:
            self._body.close()  # type: ignore[attr-defined]


def copy_out(kube: Kube, reached: Reached, source: str, dest: Path, ui: Ui) -> Unpacked:
    """Copy ``source`` (a target path) to ``dest`` (checked by :func:`.destination.destination`); what
    was copied."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.dshell-", dir=dest.parent))
    except OSError as exc:
        raise local_failure(exc, f"into {dest.parent}") from exc
    try:
        with ExitStack() as stack:
            receiver = Receiver(staging / "copy", Meter(ui, f"{reached.target.name}:{source}", stack), dest)
            try:
                reports = run_probe(kube, reached, "cp", [source], receiver, ui)
                unpacked = receiver.finish(source, ui)
                _place(staging / "copy", source, dest)
                if unpacked.top_mode is not None:
                    os.chmod(dest, unpacked.top_mode)
            except BaseException as exc:
                receiver.abandon()
                raise _explained(exc, receiver, source, dest) from None
        unpacked.unreadable += len(skipped(reports))
        return unpacked
    finally:
        _remove(staging)


def _remove(folder: Path) -> None:
    """Remove ``folder`` and all in it, read-only subfolders (a failed copy's) included."""
    if not os.path.lexists(folder):
        return
    with suppress(OSError):
        os.chmod(folder, 0o700)
        for root, folders, _ in os.walk(folder):  # top-down: each made writable before it is entered
            for name in folders:
                os.chmod(os.path.join(root, name), 0o700, follow_symlinks=False)
    shutil.rmtree(folder, ignore_errors=True)


def _place(copy: Path, source: str, dest: Path) -> None:
    """The finished copy renamed into place, once ``dest`` is checked again (it may have changed)."""
    if not os.path.lexists(copy):
        raise UsageError(f"{source} is a device, FIFO or socket: cp copies files and folders", "read it with cat")
    refuse_existing(dest)
    if copy.is_dir():
        _no_folder_onto(dest)
    os.replace(copy, dest)


def _no_folder_onto(dest: Path) -> None:
    """Refuse to put a folder where a file is (``dest`` was checked: missing, or a regular file)."""
    if os.path.lexists(dest):
        raise UsageError(f"{dest} is a file: a folder cannot replace it", "copy to a new name, or remove it first")


def _explained(exc: BaseException, receiver: Receiver, source: str, dest: Path) -> BaseException:
    """The error to report. A broken pipe is the symptom of the unpacking's own failure, which is
    told instead; any other failure (of the probe, say) comes first, the unpacking's being its echo.
    Any other OSError is this machine's: writing the copy failed."""
    unpacking = receiver.unpacker.failed if receiver.unpacker is not None else None
    cause = unpacking if isinstance(exc, BrokenPipeError) and unpacking is not None else exc
    if isinstance(cause, UnsafeMember):
        return DshellError(f"cannot copy {source} to {dest}: refused {cause}, which would land outside the copy")
    if isinstance(cause, tarfile.TarError):
        return DshellError(f"cannot copy {source} to {dest}: {cause}")
    if isinstance(cause, OSError):
        return local_failure(cause, str(dest))
    return cause
