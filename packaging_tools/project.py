"""What packaging needs to know about the project: its version (pyproject.toml is the single
source), its names, and where its releases are published."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = REPO / "pyproject.toml"
LICENSE = REPO / "LICENSE"

PLUGIN = "dshell"  # `kubectl dshell`: krew's plugin name and the manifest's file name
EXECUTABLE = "kubectl-dshell"
DISTRIBUTION = "kubectl-dshell"  # the Python distribution, for its metadata
HOMEPAGE = "https://github.com/kubectl-dshell/kubectl-dshell"
KREW_DIR = REPO / "krew"
MANIFEST = KREW_DIR / f"{PLUGIN}.yaml"
TEMPLATE = KREW_DIR / ".krew.yaml"


def version(pyproject: Path = PYPROJECT) -> str:
    """The package version, as pyproject.toml declares it."""
    with pyproject.open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def release_tag(pyproject: Path = PYPROJECT) -> str:
    """The git tag (and krew version) of this version: ``v`` + the package version."""
    return "v" + version(pyproject)
