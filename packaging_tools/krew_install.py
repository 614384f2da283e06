"""Installing a plugin archive as ``kubectl krew install --manifest=M --archive=A`` does, without krew.

The steps and their refusals follow krew's internal/installation and internal/download: pick the
first platform whose selector matches this os/arch; check the archive's sha256; unpack it into a
staging folder (folders and regular files only, no ``..``, no absolute names); apply the ``files``
operations into a fresh folder that becomes ``KREW_ROOT/store/NAME/VERSION``; require ``bin`` to be
inside it; and link ``KREW_ROOT/bin/kubectl-NAME`` to it (relative, as krew links since
kubernetes-sigs/krew#894; earlier releases link absolutely). Used by the tests, the release smoke
check and the benchmark, where no krew binary can be fetched.
"""

from __future__ import annotations

import glob
import os
import posixpath
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import selectors
from .archive_rules import GZIP_MAGIC, ZIP_MAGIC
from .checksums import sha256_of
from .krew_rules import installed_bin
from .platforms import Platform

DEFAULT_FILES = ({"from": "*", "to": "."},)


class KrewError(RuntimeError):
    """What krew would have printed on failing to install."""


def select_platform(manifest: Mapping[str, Any], target: Platform) -> Mapping[str, Any]:
    """The first ``spec.platforms`` item selecting ``target``, as krew's GetMatchingPlatform."""
    labels = {"os": target.os, "arch": target.arch}
    for platform in manifest["spec"]["platforms"]:
        if selectors.matches(platform["selector"], labels):
            return platform
    raise KrewError(f"plugin {manifest['metadata']['name']!r} does not offer installation for this platform")


def verify(archive: Path, want: str) -> None:
    """krew reads the whole download through a sha256 verifier before unpacking anything."""
    got = sha256_of(archive)
    if got != want:
        raise KrewError(f"checksum does not match, want: {want}, got {got}")


def _checked_name(name: str) -> str:
    if ".." in name:
        raise KrewError(f"refusing to unpack archive with suspicious entry {name!r}")
    if name.startswith(("/", "\\")):
        raise KrewError(f"refusing to unpack archive with absolute entry {name!r}")
    return name


def _write(dest: Path, source: Any, mode: int) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("wb") as out:
        shutil.copyfileobj(source, out)
    dest.chmod(mode)


def extract_tar(archive: Path, dest: Path) -> None:
    """Folders and regular files; any other entry type stops the install."""
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            path = dest / _checked_name(info.name)
            if info.isdir():
                path.mkdir(parents=True, exist_ok=True, mode=info.mode)
            elif info.isreg():
                _write(path, tar.extractfile(info), info.mode & 0o7777)
            else:
                raise KrewError(f"unable to handle file type {ord(info.type)} for {info.name!r} in tar")


def extract_zip(archive: Path, dest: Path) -> None:
    """Every entry: a folder when its name ends in ``/``, else a file with its recorded mode."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            path = dest / _checked_name(info.filename)
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
            else:
                with z.open(info) as src:
                    _write(path, src, stat.S_IMODE(info.external_attr >> 16) or 0o644)


def extract(archive: Path, dest: Path) -> None:
    """Unpack by content type (the first bytes), not by file name, as krew does."""
    magic = archive.read_bytes()[:4]
    if magic.startswith(GZIP_MAGIC):
        extract_tar(archive, dest)
    elif magic == ZIP_MAGIC:
        extract_zip(archive, dest)
    else:
        raise KrewError(f"mime type for archive {archive.name} is not a supported archive format")


def _inside(base: Path, path: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(os.path.abspath(base))


def _moves(staging: Path, target: Path, op: Mapping[str, str]) -> list[tuple[Path, Path]]:
    """krew's findMoveTargets: a direct move if ``from`` names an entry, else a glob."""
    to = op["to"]
    if posixpath.normpath(to) != to:
        raise KrewError(f"the provided path is not clean, {to!r} should be {posixpath.normpath(to)!r}")
    direct = Path(os.path.normpath(staging / op["from"]))
    if direct.exists():
        pairs = [(direct, target / (direct.name if to == "." else to))]
    else:
        found = sorted(glob.glob(str(staging / op["from"])))
        if not found:
            raise KrewError(f"no files in the plugin archive matched the glob pattern={op['from']}")
        pairs = [(Path(f), target / to / Path(f).name) for f in found]
    for src, dst in pairs:
        if not (_inside(staging, src) and _inside(target, dst)):
            raise KrewError(f"can't move, move target {src} -> {dst} is out of bounds")
    return pairs


def move_files(staging: Path, install_dir: Path, files: Sequence[Mapping[str, str]] | None) -> None:
    """Apply the ``files`` operations into a new folder, then put it in place as ``install_dir``."""
    install_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="krew-temp-move", dir=install_dir.parent) as tmp:
        moving = Path(tmp, "plugin")
        moving.mkdir(mode=0o755)
        for op in files if files is not None else DEFAULT_FILES:
            for src, dst in _moves(staging, moving, op):
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        shutil.rmtree(install_dir, ignore_errors=True)
        os.replace(moving, install_dir)


def link(bin_dir: Path, install_dir: Path, bin_path: str, name: str, windows: bool) -> Path:
    """``bin_dir/kubectl-NAME`` (dashes as underscores) -> the installed ``bin``, relative."""
    found = installed_bin(str(install_dir), bin_path)
    if found is None:
        raise KrewError(f"the fullPath {bin_path!r} does not extend the sub-fullPath {str(install_dir)!r}")
    full = Path(found)
    if not full.exists():
        raise KrewError(f"can't create symbolic link, source binary ({str(full)!r}) "
                        "cannot be found in extracted archive")
    bin_dir.mkdir(parents=True, exist_ok=True)
    dst = bin_dir / ("kubectl-" + name.replace("-", "_") + (".exe" if windows else ""))
    dst.unlink(missing_ok=True)
    dst.symlink_to(os.path.relpath(full, bin_dir))
    return dst


def install(manifest: Mapping[str, Any], archive: Path, krew_root: Path, target: Platform) -> Path:
    """Install ``archive`` as the plugin ``manifest`` describes, for ``target``, under ``krew_root``
    (krew's KREW_ROOT, normally ~/.krew); returns the link made in ``krew_root/bin``."""
    name, version = manifest["metadata"]["name"], manifest["spec"]["version"]
    platform = select_platform(manifest, target)
    verify(archive, platform["sha256"])
    install_dir = krew_root / "store" / name / version
    with tempfile.TemporaryDirectory(prefix="krew-downloads") as staging:
        extract(archive, Path(staging))
        move_files(Path(staging), install_dir, platform.get("files"))
    return link(krew_root / "bin", install_dir, platform["bin"], name, target.windows)
