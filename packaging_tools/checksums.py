"""sha256 sums of release assets, in ``sha256sum``'s format (``HEX  NAME``), one file per asset."""

from __future__ import annotations

import hashlib
from pathlib import Path

SUFFIX = ".sha256"


def sha256_of(path: Path) -> str:
    """The lowercase hex sha256 of a file (the form krew's manifests need)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksum(asset: Path) -> Path:
    """Write ``ASSET.sha256`` beside ``asset``; ``sha256sum -c`` can check it."""
    target = asset.with_name(asset.name + SUFFIX)
    target.write_text(f"{sha256_of(asset)}  {asset.name}\n")
    return target


def read_checksums(folder: Path) -> dict[str, str]:
    """Asset name -> sum, from every ``*.sha256`` file in ``folder``."""
    sums = {}
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        for line in path.read_text().splitlines():
            digest, _, name = line.partition("  ")
            sums[name.lstrip("*")] = digest
    return sums
