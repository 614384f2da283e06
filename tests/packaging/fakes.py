"""Small hand-made archives and manifests, for the rules' negative cases."""

from __future__ import annotations

import copy
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging_tools.checksums import sha256_of

KINDS = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
         "fifo": tarfile.FIFOTYPE}


@dataclass(frozen=True)
class Entry:
    """One archive entry to write as given, however wrong."""

    name: str
    kind: str = "file"
    data: bytes = b""
    mode: int = 0o644


def tar_gz(path: Path, entries: list[Entry]) -> Path:
    """A tar.gz holding exactly ``entries`` (links point at ``LICENSE``)."""
    with tarfile.open(path, "w:gz") as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type, info.mode = KINDS[entry.kind], entry.mode
            if entry.kind in ("symlink", "hardlink"):
                info.linkname = "LICENSE"
            info.size = len(entry.data) if entry.kind == "file" else 0
            tar.addfile(info, io.BytesIO(entry.data) if entry.kind == "file" else None)
    return path


def zip_file(path: Path, entries: list[Entry]) -> Path:
    """A zip holding ``entries`` (files and folders), with Unix modes."""
    with zipfile.ZipFile(path, "w") as z:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name + ("/" if entry.kind == "dir" else ""))
            info.create_system = 3
            info.external_attr = (entry.mode | (0o40000 if entry.kind == "dir" else 0o100000)) << 16
            z.writestr(info, entry.data)
    return path


GOOD_ENTRIES = [
    Entry("LICENSE", data=b"Apache License\n"),
    Entry("demo", mode=0o755, data=b"#!/bin/sh\necho demo works\n"),
    Entry("lib", "dir", mode=0o755),
    Entry("lib/data.txt", data=b"data\n"),
]


def manifest_for(archive: Path, **platform: Any) -> dict[str, Any]:
    """A one-platform (linux/amd64) manifest of plugin ``demo`` whose sha256 is ``archive``'s."""
    item = {"selector": {"matchLabels": {"os": "linux", "arch": "amd64"}}, "uri": "https://example.invalid/demo.tar.gz",
            "sha256": sha256_of(archive), "files": [{"from": "*", "to": "."}], "bin": "demo"}
    item.update(platform)
    return {"apiVersion": "krew.googlecontainertools.github.com/v1alpha2", "kind": "Plugin",
            "metadata": {"name": "demo"}, "spec": {"version": "v1.0.0", "platforms": [item]}}


DELETE = object()  # for ``changed``: remove the item instead of setting it


def changed(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``document`` with the item at dotted ``path`` (list indexes as numbers) set to
    ``value``, or removed when ``value`` is ``DELETE``."""
    result = copy.deepcopy(document)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = result
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return result

