"""Checking a release archive the way krew will meet it: what it holds, and what it must not.

krew refuses, for every entry, a name containing ``..`` anywhere or starting with ``/`` or ``\\``,
and in a tar any entry that is neither a folder nor a regular file (a symlink aborts the install).
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .platforms import Platform
from .project import REPO

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
PROBES = tuple(sorted(p.name for p in (REPO / "kubectl_dshell" / "probes").glob("*.sh")))


@dataclass(frozen=True)
class Member:
    """One archive entry: its name and kind (``file``, ``dir``, ``symlink``, ``hardlink``, ``other``)."""

    name: str
    kind: str
    mode: int


def _tar_kind(info: tarfile.TarInfo) -> str:
    kinds = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir",
             tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink"}
    return kinds.get(info.type, "other")


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return "symlink"
    return "dir" if info.is_dir() else "file"


def members(archive: Path) -> list[Member]:
    """The entries of a tar.gz or zip, told apart by their first bytes as krew does."""
    magic = archive.read_bytes()[:4]
    if magic.startswith(GZIP_MAGIC):
        with tarfile.open(archive, "r:gz") as tar:
            return [Member(i.name, _tar_kind(i), i.mode) for i in tar.getmembers()]
    if magic == ZIP_MAGIC:
        with zipfile.ZipFile(archive) as z:
            return [Member(i.filename, _zip_kind(i), (i.external_attr >> 16) & 0o7777) for i in z.infolist()]
    raise ValueError(f"{archive.name} is neither a tar.gz nor a zip (it starts with {magic!r})")


def entry_problems(member: Member) -> list[str]:
    """What krew refuses in one entry."""
    found = []
    if ".." in member.name:
        found.append(f"{member.name}: krew refuses any entry whose name contains '..'")
    if member.name.startswith(("/", "\\")):
        found.append(f"{member.name}: an absolute path")
    if member.kind not in ("file", "dir"):
        found.append(f"{member.name}: a {member.kind}; krew unpacks only folders and regular files")
    return found


def content_problems(found: list[Member], platform: Platform) -> list[str]:
    """What the archive must hold: the executable and LICENSE at the top, and the probe scripts
    inside PyInstaller's ``_internal`` bundle (the plugin reads them at run time)."""
    by_name = {m.name.rstrip("/"): m for m in found}
    wanted = ["LICENSE", platform.executable, *(f"_internal/kubectl_dshell/probes/{p}" for p in PROBES)]
    problems = [f"{name}: missing" for name in wanted if name not in by_name or by_name[name].kind != "file"]
    executable = by_name.get(platform.executable)
    if executable and not platform.windows and not executable.mode & 0o100:
        problems.append(f"{platform.executable}: not executable (mode {executable.mode:o})")
    return problems


def problems(archive: Path, platform: Platform) -> list[str]:
    """Every reason krew, or a user, would find ``archive`` broken; empty when it is fine."""
    found = members(archive)
    return [p for m in found for p in entry_problems(m)] + content_problems(found, platform)
