"""Writing a release archive: the one-folder build and LICENSE at the top, as krew unpacks it.

krew extracts only folders and regular files from a tar (a symlink fails the whole install), so
links inside the build are stored as copies of what they point to. Ownership is dropped: the
archive must not carry the build machine's users.
"""

from __future__ import annotations

import os
import shutil
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

Entry = tuple[str, Path]  # (name in the archive, file or folder on disk)


def entries(build: Path, license_file: Path) -> Iterator[Entry]:
    """Everything to store, parents before children, in a stable order; links followed."""
    root = build.resolve()
    yield "LICENSE", license_file
    for top, dirs, files in os.walk(build, followlinks=True):
        dirs.sort()
        for name in [*dirs, *sorted(files)]:
            path = Path(top, name)
            if path.is_symlink() and path.is_dir() and path.parent.resolve().is_relative_to(path.resolve()):
                raise ValueError(f"{path} links to a folder that contains it: following it would never end")
            if not path.resolve().is_relative_to(root):
                raise ValueError(f"{path} links outside the build ({path.resolve()}): the archive would not hold it")
            yield path.relative_to(build).as_posix(), path


def _mode(path: Path) -> int:
    """0755 for folders and executables, 0644 for the rest: what a user's umask would give."""
    st = path.stat()
    return 0o755 if stat.S_ISDIR(st.st_mode) or st.st_mode & 0o111 else 0o644


def _tar_info(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    st = path.stat()
    info.mode = _mode(path)
    info.mtime = int(st.st_mtime)
    if path.is_dir():
        info.type = tarfile.DIRTYPE
    else:
        info.type, info.size = tarfile.REGTYPE, st.st_size
    return info


def write_tar_gz(dest: Path, items: Iterator[Entry]) -> None:
    """A gzip'd tar of folders and regular files only."""
    with tarfile.open(dest, "w:gz", compresslevel=6) as tar:  # gzip's default: 9 is 3x slower for 0.2%
        for name, path in items:
            info = _tar_info(name, path)
            if info.isdir():
                tar.addfile(info)
            else:
                with path.open("rb") as f:
                    tar.addfile(info, f)


def write_zip(dest: Path, items: Iterator[Entry]) -> None:
    """A zip whose entries carry Unix modes, so the executable bit survives unpacking anywhere."""
    with zipfile.ZipFile(dest, "w") as archive:
        for name, path in items:
            info = zipfile.ZipInfo.from_file(path, name)
            info.create_system = 3  # Unix: the mode below is meaningful
            info.external_attr = ((stat.S_IFDIR if path.is_dir() else stat.S_IFREG) | _mode(path)) << 16
            if path.is_dir():
                archive.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED  # from_file leaves it stored
                with path.open("rb") as src, archive.open(info, "w") as out:
                    shutil.copyfileobj(src, out)


def write_archive(build: Path, license_file: Path, dest: Path) -> None:
    """Write ``dest`` (.zip or .tar.gz, by its name) from the build folder and the license."""
    writer = write_zip if dest.name.endswith(".zip") else write_tar_gz
    dest.parent.mkdir(parents=True, exist_ok=True)
    writer(dest, entries(build, license_file))
