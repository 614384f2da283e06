"""Unpack the cp probe's tar stream under a folder, member by member, never outside it.

Only what a copy needs: folders, regular files (streamed in chunks, permission bits and mtime kept,
setuid/setgid/sticky dropped), symlinks as they are (never followed while writing), hard links as
copies; devices, FIFOs and sockets are skipped and counted. A member that depends on one the probe
left out (unreadable: its folder, or the first copy of a hard link) is skipped and counted too.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import stat
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024
PERMISSIONS = 0o777


class UnsafeMember(Exception):
    """A member whose name would land outside the copy (absolute, .., or through a symlink)."""


class NotSent(Exception):
    """A member whose folder, or hard link's first copy, is not in the stream (the probe skipped it)."""


@dataclass
class Unpacked:
    """What was unpacked: the top entry, how many files and bytes, what was skipped: special files
    (devices, FIFOs, sockets), and what the target would not let the probe read."""

    top: Path | None = None
    files: int = 0
    size: int = 0
    skipped: int = 0
    unreadable: int = 0
    top_mode: int | None = None  # a top folder's permissions, applied once it is in place (see unpack)


def relative_name(name: str, top: str) -> str:
    """A member's path below the top entry ("" for the top itself); UnsafeMember when elsewhere."""
    clean = posixpath.normpath(name)
    if clean.startswith(("/", "../")) or clean == "..":
        raise UnsafeMember(name)
    if clean == top:
        return ""
    if top == ".":
        return clean
    if not clean.startswith(top + "/"):
        raise UnsafeMember(name)
    return clean[len(top) + 1 :]


def _checked_parent(base: Path, relative: str) -> Path:
    """base/relative, after checking that every folder on the way is a real folder (no symlink)."""
    here = base
    for part in Path(relative).parts[:-1]:
        here = here / part
        if not os.path.lexists(here):
            raise NotSent(relative)
        if not stat.S_ISDIR(os.lstat(here).st_mode):
            raise UnsafeMember(relative)
    return base / relative if relative else base


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, progress: Callable[[int], None]) -> None:
    source = tar.extractfile(member)
    assert source is not None  # a regular file always has content
    with open(dest, "xb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
            progress(len(chunk))


def _place(tar: tarfile.TarFile, member: tarfile.TarInfo, dest: Path, base: Path, top: str, progress: Callable[[int], None]) -> bool:
    """Create one member at ``dest``; False when it is of a kind a copy skips."""
    if member.isdir():
        dest.mkdir(exist_ok=dest == base)
        return True  # its mode and mtime are set once its content is in
    if member.isreg():
        _write_file(tar, member, dest, progress)
    elif member.issym():
        os.symlink(member.linkname, dest)
        return True
    elif member.islnk():
        source = _checked_parent(base, relative_name(member.linkname, top))
        if not os.path.lexists(source):
            raise NotSent(member.linkname)
        if not stat.S_ISREG(os.lstat(source).st_mode):
            raise UnsafeMember(member.name)
        shutil.copyfile(source, dest, follow_symlinks=False)
    else:
        return False
    os.chmod(dest, member.mode & PERMISSIONS)
    return True


def unpack(tar: tarfile.TarFile, base: Path, progress: Callable[[int], None], on_top: Callable[[tarfile.TarInfo], None]) -> Unpacked:
    """Unpack every member under ``base`` (the top entry becomes ``base`` itself, which must not exist)."""
    done, top, folders = Unpacked(), "", []
    for member in tar:
        if done.top is None:
            top, done.top = posixpath.normpath(member.name), base
            on_top(member)
        try:
            dest = _checked_parent(base, relative_name(member.name, top))
            placed = _place(tar, member, dest, base, top, progress)
        except NotSent:
            done.unreadable += 1
            continue
        if not placed:
            done.skipped += 1
            continue
        if member.isdir():
            folders.append((dest, member))
        elif not member.issym():
            os.utime(dest, (member.mtime, member.mtime))
            done.files, done.size = done.files + 1, done.size + member.size
    for folder, info in reversed(folders):  # after their content: a read-only folder takes none
        if folder == base:  # moving a folder needs write permission on it: its mode waits for the move
            done.top_mode = info.mode & PERMISSIONS
        else:
            os.chmod(folder, info.mode & PERMISSIONS)
        os.utime(folder, (info.mtime, info.mtime))
    return done
