"""``cp POD:PATH -``: the copy as a tar archive on stdout, as ``docker cp`` does.

A folder (or special file) comes from the probe as a tar stream already: it passes through. A
regular file comes as a header line and its bytes: the archive's one member is built here, its size
the one the probe announced. A file that changed size meanwhile is padded with zeros or cut to it
(a tar member cannot say otherwise once its header is out), and the user is warned. A kernel file
(size 0: unknown) is held first, in memory or a temporary file, until its real size is known.
"""

from __future__ import annotations

import posixpath
import shutil
import tarfile
import tempfile
from typing import TYPE_CHECKING, BinaryIO

from .copy import FileHeader, HeadedStream
from .errors import DshellError, UsageError
from .probing import run_probe
from .untar import PERMISSIONS

if TYPE_CHECKING:
    from .kube import Kube
    from .probing import Reached
    from .pump import Sink
    from .render import Ui

BLOCK = tarfile.BLOCKSIZE
HELD_IN_MEMORY = 1024 * 1024  # a kernel file held this far in memory, beyond in a temporary file


def member(name: str, header: FileHeader, size: int) -> bytes:
    """The tar header block(s) of a regular file (GNU format: any size, any bytes in the name)."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, header.mode & PERMISSIONS, header.mtime
    return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "surrogateescape")


def end_of_file(size: int) -> bytes:
    """The zeros that pad a member of ``size`` bytes to whole blocks."""
    return bytes(-size % BLOCK)


END_OF_ARCHIVE = bytes(2 * BLOCK)


class Archive(HeadedStream):
    """The probe's stdout made a tar archive on ``out``."""

    def __init__(self, out: Sink, name: str):
        super().__init__()
        self._out, self._name = out, name
        self.received = 0
        self._held: BinaryIO | None = None

    def _open(self, header: FileHeader | None) -> Sink:
        if header is None:
            return self._out
        if header.size:
            self._out.write(member(self._name, header, header.size))
            return self._out
        self._held = tempfile.SpooledTemporaryFile(HELD_IN_MEMORY)  # noqa: SIM115  (closed by finish)
        return self._held

    def _take(self, data: bytes) -> None:
        if self.header is not None and self.header.size:
            kept = data[: max(0, self.header.size - self.received)]
            self.received += len(data)
            data = kept
        if data:
            super()._take(data)

    def finish(self, source: str, ui: Ui) -> int:
        """After the probe succeeded: the member completed, the archive ended; the bytes of the file."""
        if self._body is None:
            raise DshellError(f"cp received nothing for {source}")
        header = self.header
        if header is None:
            return 0
        if self._held is not None:
            self._send_held(header)
        elif self.received != header.size:
            ui.warn(
                f"{source} changed while it was copied: {header.size} bytes when it started; "
                f"the archive holds {header.size}, {'padded with zeros' if self.received < header.size else 'the rest left out'}"
            )
            self._out.write(bytes(max(0, header.size - self.received)))
        size = header.size or self.received
        self._out.write(end_of_file(size) + END_OF_ARCHIVE)
        self._out.flush()
        return size

    def _send_held(self, header: FileHeader) -> None:
        assert self._held is not None
        self.received = self._held.tell()
        self._held.seek(0)
        self._out.write(member(self._name, header, self.received))
        shutil.copyfileobj(self._held, self._out)  # type: ignore[misc]
        self._held.close()


def copy_to_stdout(kube: Kube, reached: Reached, source: str, ui: Ui) -> int:
    """Copy ``source`` (a target path) to stdout as a tar archive; a file's size (0 for a folder)."""
    if ui.stdout.isatty():
        raise UsageError("cp - writes a tar archive: not to a terminal", "redirect it: > copy.tar, or | tar -x")
    archive = Archive(ui.stdout, posixpath.basename(posixpath.normpath(source)) or ".")
    run_probe(kube, reached, "cp", [source], archive, ui)
    return archive.finish(source, ui)
