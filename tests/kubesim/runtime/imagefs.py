"""Image root filesystems as plain folders, built once and cached by their inputs.

A :class:`Recipe` says what an image holds; :func:`materialize` builds it under a temporary name,
computes its digest and renames it into place (atomic, so parallel simulators can share the
cache). The folder is then only ever read: it is the lower layer of every container's overlay.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .spec import ImageConfig


@dataclass(frozen=True)
class Recipe:
    """One image: its OCI config and a function that fills its root folder."""

    name: str  # canonical reference
    user: str
    env: tuple[str, ...]
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    workdir: str
    populate: Callable[[Path], None]
    inputs: tuple[Path, ...]  # host files copied in (their content is part of the cache key)

    def config(self) -> dict:
        """The image config, as hashed into the digest."""
        return {
            "name": self.name,
            "user": self.user,
            "env": list(self.env),
            "entrypoint": list(self.entrypoint),
            "cmd": list(self.cmd),
            "workdir": self.workdir,
        }


def materialize(recipe: Recipe, cache_dir: Path) -> ImageConfig:
    """Build (or reuse) the recipe's root folder under ``cache_dir``; its ImageConfig."""
    folder = cache_dir / f"{_slug(recipe.name)}-{_cache_key(recipe)}"
    if not (folder / "digest").exists():
        _build(recipe, folder)
    return ImageConfig(
        name=recipe.name,
        digest=(folder / "digest").read_text(),
        rootfs=folder / "rootfs",
        user=recipe.user,
        env=recipe.env,
        entrypoint=recipe.entrypoint,
        cmd=recipe.cmd,
        workdir=recipe.workdir,
    )


def _build(recipe: Recipe, folder: Path) -> None:
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}-{secrets.token_hex(4)}")
    (tmp / "rootfs").mkdir(parents=True)
    os.chmod(tmp / "rootfs", 0o755)
    recipe.populate(tmp / "rootfs")
    (tmp / "digest").write_text(rootfs_digest(tmp / "rootfs", recipe.config()))
    try:
        os.rename(tmp, folder)
    except OSError:  # another simulator finished the same build first
        shutil.rmtree(tmp)


def _cache_key(recipe: Recipe) -> str:
    h = hashlib.sha256(json.dumps(recipe.config(), sort_keys=True).encode())
    module = sys.modules[recipe.populate.__module__].__file__
    for path in (Path(__file__), Path(module or __file__), *recipe.inputs):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def rootfs_digest(root: Path, config: dict) -> str:
    """``sha256:<hex>`` over every entry's path, type, mode, owner and content, plus the config."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    by_inode: dict[tuple[int, int], str] = {}  # hard links are hashed once
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        h.update(f"{path.relative_to(root)}\0{st.st_mode:o}\0{st.st_uid}\0{st.st_gid}\0".encode())
        if stat.S_ISLNK(st.st_mode):
            h.update(os.readlink(path).encode())
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key not in by_inode:
                by_inode[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            h.update(by_inode[key].encode())
    return f"sha256:{h.hexdigest()}"


def make_dir(root: Path, rel: str, mode: int = 0o755, owner: tuple[int, int] = (0, 0)) -> None:
    """Create ``rel`` (and parents, 0755 root) with an exact mode and owner."""
    path = root / rel.lstrip("/")
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, *owner)
    os.chmod(path, mode)


def write_file(root: Path, rel: str, content: str | bytes, mode: int = 0o644) -> None:
    """Write a root-owned file at ``rel``, creating its folder."""
    path = root / rel.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    os.chmod(path, mode)


def copy_file(root: Path, rel: str, source: Path, mode: int = 0o755) -> None:
    """Copy a host file into the image at ``rel``."""
    write_file(root, rel, source.read_bytes(), mode)
