"""``python -m packaging_tools.build``: this platform's release archive and its sha256 file.

The archive holds the PyInstaller one-folder build of kubectl-dshell and LICENSE at the top; it is
checked against krew's rules before its sum is written. Needs the ``release`` extra.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import archive_rules
from .archive import write_archive
from .checksums import write_checksum
from .freeze import freeze
from .platforms import current
from .project import LICENSE, REPO, release_tag


def build(dist: Path) -> Path:
    """Freeze, pack and check this platform's archive into ``dist``; returns the archive's path."""
    platform = current()
    dest = dist / platform.asset(release_tag())
    with tempfile.TemporaryDirectory(prefix="dshell-build-") as work:
        folder = freeze(platform, Path(work) / "dist", Path(work) / "build")
        write_archive(folder, LICENSE, dest)
    problems = archive_rules.problems(dest, platform)
    if problems:
        dest.unlink()
        raise RuntimeError(f"{dest.name} is not fit for krew:\n  " + "\n  ".join(problems))
    write_checksum(dest)
    return dest


def main(argv: list[str] | None = None) -> int:
    """Build, then print the archive's path, size and sum."""
    parser = argparse.ArgumentParser(prog="python -m packaging_tools.build", description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    try:
        archive = build(args.dist)
    except (RuntimeError, ValueError) as e:
        print(f"build failed: {e}", file=sys.stderr)
        return 1
    sums = archive.with_name(archive.name + ".sha256").read_text().split()[0]
    print(f"{archive}  {archive.stat().st_size} bytes  sha256 {sums}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
