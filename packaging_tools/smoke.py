"""``python -m packaging_tools.smoke [--dist DIR]``: install this platform's built archive as krew
would, in a scratch KREW_ROOT, and run the linked ``kubectl-dshell --version`` and ``--help``.

Run by the release workflow on each platform's own runner, where nothing else can run that build.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from .krew_install import KrewError, install
from .manifest import STAND_IN, render_release
from .platforms import current
from .project import REPO, release_tag, version


def smoke(archive: Path) -> list[str]:
    """What went wrong installing and starting ``archive`` (empty when all is well)."""
    manifest = yaml.safe_load(render_release(archive.parent, release_tag(), STAND_IN))
    root = Path(tempfile.mkdtemp(prefix="dshell-smoke-"))
    try:
        link = install(manifest, archive, root, current())
        shown = subprocess.run([str(link), "--version"], capture_output=True, text=True, timeout=120)
        helped = subprocess.run([str(link), "--help"], capture_output=True, text=True, timeout=120)
    except KrewError as e:
        return [f"krew would not install it: {e}"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    problems = []
    if shown.stdout.strip() != f"kubectl dshell {version()}":
        problems.append(f"--version printed {shown.stdout!r} (exit {shown.returncode}): {shown.stderr.strip()}")
    if helped.returncode != 0 or not helped.stdout.startswith("Usage: kubectl dshell"):
        problems.append(f"--help failed (exit {helped.returncode}): {helped.stderr.strip()}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Smoke-test this platform's archive in the given folder."""
    parser = argparse.ArgumentParser(prog="python -m packaging_tools.smoke", description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="folder of the built archive (default: dist/)")
    archive = parser.parse_args(argv).dist / current().asset(release_tag())
    problems = smoke(archive) if archive.is_file() else ["no such archive: run python -m packaging_tools.build"]
    for problem in problems:
        print(f"{archive}: {problem}", file=sys.stderr)
    if not problems:
        print(f"{archive}: installs as krew would and runs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
