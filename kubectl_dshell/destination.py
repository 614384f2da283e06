"""Where ``cp POD:PATH LOCAL`` may write on this machine: only where asked, never onto a device, a
FIFO or a socket, never through a symbolic link.

LOCAL names the copy, or an existing folder to copy into (as cp does); a symbolic link to a folder
counts as that folder, so ``cp web:/app ./link-to-dir`` lands in it. Any other symbolic link is
refused, not followed and not replaced: the user names the file it points to. An existing regular
file is replaced whole (atomically), never written into.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from .errors import UsageError, local_failure

SPECIAL = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}
STDOUT_HINT = "name a new file, or - for a tar archive on stdout"


def destination(source: str, local: str) -> Path:
    """Where the copy lands: LOCAL, or LOCAL/NAME when LOCAL is a folder (or a link to one)."""
    path = Path(local)
    if path.is_dir():
        name = posixpath.basename(posixpath.normpath(source))
        if name in ("", "/", ".", ".."):
            raise UsageError(f"{source} has no name to copy into {local}", "name the destination: cp POD:/ ./root")
        path = path / name
    elif local.endswith("/"):
        raise UsageError(f"no folder {local} to copy into", "create it first, or name the copy without a trailing /")
    refuse_existing(path)
    if not path.parent.is_dir():
        raise UsageError(f"no folder {path.parent} to copy into", "create it first")
    return path


def refuse_existing(path: Path) -> None:
    """Refuse ``path`` unless it is missing or a regular file (which the copy replaces)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    except OSError as exc:
        raise local_failure(exc, str(path)) from exc
    if stat.S_ISLNK(mode):
        raise UsageError(
            f"{path} is a symbolic link: name the file it points to",
            "cp never writes through a link nor replaces one (a link to a folder copies into that folder)",
        )
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path} is an existing folder", "copy to a new name, or remove it first")
    if not stat.S_ISREG(mode):
        kind = SPECIAL.get(stat.S_IFMT(mode), "special file")
        raise UsageError(f"{path} is a {kind}: cp writes only files and folders", STDOUT_HINT)
