"""``python -m packaging_tools.manifest``: render krew/.krew.yaml for a release, or check a manifest.

    render --sums DIR [--tag TAG] [--stand-in-missing]
        the manifest for the archives whose *.sha256 files are in DIR; with --stand-in-missing,
        archives not in DIR get a placeholder sum (all f): enough for
        `kubectl krew install --manifest=M --archive=A` of the one archive built here
    check FILE
        every krew and krew-index rule FILE breaks (exit 1 if any)

The tag must be ``v`` + pyproject.toml's version: the package version is the single source.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from . import krew_rules
from .checksums import read_checksums
from .krew_template import TemplateError, render
from .platforms import PLATFORMS
from .project import TEMPLATE, release_tag

STAND_IN = "f" * 64  # a valid sum that no archive has


def render_release(sums_dir: Path, tag: str, stand_in: str | None = None) -> str:
    """The manifest krew-release-bot will submit for ``tag``, from the built archives' sums; with
    ``stand_in``, archives without a sum get that one (to try one local build with krew)."""
    if tag != release_tag():
        raise TemplateError(f"tag {tag} is not v + the package version ({release_tag()}): bump pyproject.toml")
    sums = {p.asset(tag): stand_in for p in PLATFORMS} if stand_in else {}
    return render(TEMPLATE.read_text(), tag, sums | read_checksums(sums_dir))


def check(path: Path) -> list[str]:
    """Every rule the manifest at ``path`` breaks."""
    manifest = yaml.safe_load(path.read_text())
    return krew_rules.problems(manifest, path.name, release_tag(), PLATFORMS)


def main(argv: list[str] | None = None) -> int:
    """Run the sub-command; problems go to stderr."""
    parser = argparse.ArgumentParser(prog="python -m packaging_tools.manifest", description=" ".join(__doc__.split("\n\n")[0].split()))
    commands = parser.add_subparsers(dest="command", required=True)
    render_cmd = commands.add_parser("render", help="render the template for a release")
    render_cmd.add_argument("--sums", type=Path, required=True, help="folder of ASSET.sha256 files")
    render_cmd.add_argument("--tag", default=release_tag(), help="the release tag (default: v + package version)")
    render_cmd.add_argument("--stand-in-missing", action="store_true", help="placeholder sums for archives not built")
    check_cmd = commands.add_parser("check", help="check a manifest against krew's rules")
    check_cmd.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "render":
        try:
            sys.stdout.write(render_release(args.sums, args.tag, STAND_IN if args.stand_in_missing else None))
        except TemplateError as e:
            print(f"render failed: {e}", file=sys.stderr)
            return 1
        return 0
    problems = check(args.file)
    for problem in problems:
        print(f"{args.file}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
