"""Compiles the runtime's C helpers with gcc, once per source change.

Each program's output is named by a hash of its sources and flags, built under a temporary name
and renamed into place, so simulators starting at the same time neither rebuild nor see a
half-written binary.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(__file__).parent / "csrc"
BUILD_DIR = Path(__file__).parent / "_build"

# program -> (sources, optimisation); every program also depends on the headers.
PROGRAMS: dict[str, tuple[tuple[str, ...], str]] = {
    "nsrun": (("nsrun.c", "args.c", "spawn.c", "rootfs.c", "identity.c", "sync.c", "holder.c"), "-O2"),
    "app": (("app.c",), "-Os"),
    "pause": (("pause.c",), "-Os"),
}


@dataclass(frozen=True)
class Helpers:
    """Paths of the built static binaries."""

    nsrun: Path
    app: Path
    pause: Path


def build_helpers(build_dir: Path = BUILD_DIR) -> Helpers:
    """Build (or reuse) nsrun, /app and /pause; raises RuntimeError with gcc's output on failure."""
    build_dir.mkdir(parents=True, exist_ok=True)
    built = {name: _build(name, sources, opt, build_dir) for name, (sources, opt) in PROGRAMS.items()}
    return Helpers(**built)


def _build(name: str, sources: tuple[str, ...], opt: str, build_dir: Path) -> Path:
    paths = [SOURCE_DIR / s for s in sources]
    flags = ["-static", opt, "-Wall", "-Wextra", "-Werror"]
    digest = _digest(flags, paths + sorted(SOURCE_DIR.glob("*.h")))
    out = build_dir / f"{name}-{digest}"
    if out.exists():
        return out
    tmp = build_dir / f".{out.name}.{os.getpid()}-{secrets.token_hex(4)}"
    result = subprocess.run(
        ["gcc", *flags, "-o", str(tmp), *map(str, paths)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"building {name} failed:\n{result.stderr}")
    os.replace(tmp, out)
    return out


def _digest(flags: list[str], files: list[Path]) -> str:
    h = hashlib.sha256(" ".join(flags).encode())
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]
