"""The self-contained build: PyInstaller's one-folder bundle of kubectl-dshell and its interpreter.

One-folder, not one-file: a one-file build unpacks itself to a temporary folder on every start,
which costs most of a second per ``kubectl dshell`` call.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .platforms import Platform
from .project import DISTRIBUTION, EXECUTABLE, REPO

LAUNCHER = Path(__file__).with_name("launcher.py")

# Never imported by the plugin, but pulled in by hooks or the build environment: pydantic's hook
# collects pydantic.v1._hypothesis_plugin, which drags in all of hypothesis (the test extra's).
EXCLUDED = ("hypothesis", "pytest", "_pytest", "tkinter")


def pyinstaller_args(platform: Platform, dist: Path, work: Path) -> list[str]:
    """PyInstaller's command line for ``platform``'s build into ``dist/kubectl-dshell``."""
    args = [
        "--noconfirm", "--onedir", "--console", "--name", EXECUTABLE,
        # An editable install hides the package from PyInstaller's import analysis: point at the source.
        "--paths", str(REPO),
        # probes/*.sh are read at run time through importlib.resources; the metadata feeds --version.
        "--collect-data", "kubectl_dshell",
        "--copy-metadata", DISTRIBUTION,
        "--distpath", str(dist), "--workpath", str(work), "--specpath", str(work),
        "--log-level", "WARN",
    ]
    for module in EXCLUDED:
        args += ["--exclude-module", module]
    if platform.os == "linux":
        # libpython alone shrinks from 23 MB to 6 MB; PyInstaller advises against it on Windows, and
        # on macOS it would break the binaries' signatures.
        args.append("--strip")
    return [*args, str(LAUNCHER)]


def freeze(platform: Platform, dist: Path, work: Path) -> Path:
    """Build the bundle with this interpreter (PyInstaller only builds for the platform it runs on);
    returns the folder holding the executable and its ``_internal`` folder."""
    subprocess.run([sys.executable, "-m", "PyInstaller", *pyinstaller_args(platform, dist, work)], check=True)
    folder = dist / EXECUTABLE
    if not (folder / platform.executable).is_file():
        raise RuntimeError(f"PyInstaller left no {platform.executable} in {folder}")
    return folder
