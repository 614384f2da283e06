"""ls: the listing probe's output as entries (pure)."""

from __future__ import annotations

import base64
import stat
from dataclasses import dataclass
from datetime import UTC, datetime

from .sections import sections, text

TYPES = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "dir",
    stat.S_IFLNK: "symlink",
    stat.S_IFCHR: "char",
    stat.S_IFBLK: "block",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}


@dataclass(frozen=True)
class Entry:
    """One file, folder or link; ``type`` "denied" marks a subfolder the session may not read.

    ``name`` is for reading (bytes that are not UTF-8 shown as \\x escapes); ``raw_name`` holds the
    name's bytes when they are not UTF-8, for output that must be exact."""

    name: str
    type: str
    mode: int = 0
    uid: int = 0
    gid: int = 0
    size: int = 0
    mtime: int = 0
    link_target: str | None = None
    raw_name: bytes | None = None

    def as_dict(self) -> dict:
        """The JSON shape (design.md): mode in octal, mtime in RFC 3339; a name that is not UTF-8 as
        ``name`` (U+FFFD for each bad byte) and ``name_bytes`` (its bytes in base64), only then."""
        exact = {} if self.raw_name is None else {"name_bytes": base64.b64encode(self.raw_name).decode("ascii")}
        return {
            "name": self.name if self.raw_name is None else self.raw_name.decode("utf-8", "replace"),
            **exact,
            "type": self.type,
            "mode": f"{self.mode:04o}",
            "uid": self.uid,
            "gid": self.gid,
            "size": self.size,
            "mtime": rfc3339(self.mtime),
            "link_target": self.link_target,
        }


@dataclass(frozen=True)
class Listing:
    """What ls found at ``path`` (resolved in the target); ``folder`` tells a directory's listing."""

    path: str
    folder: bool
    entries: list[Entry]

    def as_dict(self) -> dict:
        """The JSON shape of design.md."""
        return {"path": self.path, "entries": [entry.as_dict() for entry in self.entries]}


def rfc3339(epoch: int) -> str:
    """Seconds since the epoch as RFC 3339 UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _raw(name: bytes) -> bytes | None:
    """``name`` when it is not UTF-8 (and so needs its bytes told), else None."""
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return name
    return None


def parse_entry(name: bytes, meta: bytes, link: bytes) -> Entry | None:
    """One entry from its three sections; None when the meta line is not stat's."""
    if meta == b"denied":
        return Entry(text(name), "denied", raw_name=_raw(name))
    fields = meta.split()
    if len(fields) != 5:
        return None
    try:
        raw_mode, uid, gid, size, mtime = int(fields[0], 16), *(int(f) for f in fields[1:])
    except ValueError:
        return None
    kind = TYPES.get(stat.S_IFMT(raw_mode), "other")
    target = text(link) if kind == "symlink" else None
    return Entry(text(name), kind, stat.S_IMODE(raw_mode), uid, gid, size, mtime, target, _raw(name))


def parse_listing(data: bytes) -> Listing:
    """The probe's whole output: the resolved path, then the entries sorted by name."""
    pairs = sections(data)
    if not pairs or pairs[0][0] not in ("dir", "entry"):
        raise ValueError("the ls probe printed no listing")
    kind, path = pairs[0][0], text(pairs[0][1])
    fields = [content for _, content in pairs[1:]]
    entries = (parse_entry(*fields[i : i + 3]) for i in range(0, len(fields) - 2, 3))
    return Listing(path, kind == "dir", sorted((e for e in entries if e), key=lambda e: e.name))
