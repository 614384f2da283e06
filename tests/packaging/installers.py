"""The ways users install kubectl-dshell, as commands to run in a scratch folder: the release
archive (built, then installed as krew installs it), ``pipx install .`` and ``uv tool install .``.
Shared by the tests and the benchmark; each install gets a fresh home, download caches are the
machine's (so only a first run fetches wheels)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from packaging_tools.manifest import STAND_IN, render_release
from packaging_tools.platforms import current
from packaging_tools.project import REPO, release_tag

VENV_BIN = Path(sys.executable).parent
# What a checkout holds that a build does not need (and other installs' in-tree build output).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
                                    ".hypothesis", "tests")
CACHES = {"PIP_CACHE_DIR": Path.home() / ".cache" / "pip", "UV_CACHE_DIR": Path.home() / ".cache" / "uv"}


@dataclass(frozen=True)
class Install:
    """A command, where to run it, its environment, and the folder it fills."""

    name: str
    cmd: list[str]
    cwd: Path
    env: dict[str, str]
    result: Path


def fresh_home(workdir: Path, **extra: str) -> dict[str, str]:
    """An environment whose HOME (and so every per-user setting and install) is new and empty."""
    home = workdir / "home"
    home.mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), **{k: str(v) for k, v in CACHES.items()})
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "VIRTUAL_ENV"):
        env.pop(var, None)
    env.update(extra)
    return env


def checkout_copy(workdir: Path) -> Path:
    """A copy of the checkout to install from, so that in-tree build output stays out of the repo."""
    return Path(shutil.copytree(REPO, workdir / "src", ignore=NOT_SOURCE))


def build(workdir: Path) -> Install:
    """``python -m packaging_tools.build`` into ``workdir/dist``; the result is the archive."""
    dist = workdir / "dist"
    cmd = [sys.executable, "-m", "packaging_tools.build", "--dist", str(dist)]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return Install("build", cmd, workdir, env, dist / current().asset(release_tag()))


def pipx(workdir: Path) -> Install:
    """``pipx install .`` with pip as its backend (pipx picks uv when it finds it; most users' pipx uses pip)."""
    src = checkout_copy(workdir)
    env = fresh_home(workdir, PIPX_HOME=str(workdir / "venvs"), PIPX_BIN_DIR=str(workdir / "bin"),
                     PIPX_MAN_DIR=str(workdir / "man"), PIPX_DEFAULT_BACKEND="pip")
    cmd = [str(VENV_BIN / "pipx"), "install", "--python", sys.executable, "."]
    return Install("pipx install .", cmd, src, env, workdir / "bin")


def uv(workdir: Path) -> Install:
    """``uv tool install .``, never downloading an interpreter (only the package index is reachable)."""
    src = checkout_copy(workdir)
    env = fresh_home(workdir, UV_TOOL_DIR=str(workdir / "tools"), UV_TOOL_BIN_DIR=str(workdir / "bin"),
                     UV_PYTHON_DOWNLOADS="never")
    cmd = [str(VENV_BIN / "uv"), "tool", "install", "--python", sys.executable, "."]
    return Install("uv tool install .", cmd, src, env, workdir / "bin")


def local_manifest(archive: Path) -> dict[str, Any]:
    """The manifest krew-release-bot would render for a release whose archive for this platform is
    ``archive`` (its .sha256 file beside it); the other platforms' sums are stand-ins."""
    return yaml.safe_load(render_release(archive.parent, release_tag(), STAND_IN))


def plugin_env(bin_dir: Path, base: dict[str, str], **extra: str) -> dict[str, str]:
    """``base`` with PATH holding only ``bin_dir`` and kubectl's folder: the plugin is found there or not at all."""
    kubectl_dir = Path(shutil.which("kubectl") or "/usr/bin/kubectl").parent
    return dict(base, PATH=f"{bin_dir}{os.pathsep}{kubectl_dir}", **extra)


def kubectl(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real kubectl, as a user with that environment would run it."""
    return subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
