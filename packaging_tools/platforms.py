"""The platforms a release ships for, and the name of each one's archive."""

from __future__ import annotations

import platform as host
import sys
from dataclasses import dataclass

from .project import EXECUTABLE


@dataclass(frozen=True)
class Platform:
    """One os/arch pair, spelled as Go and krew spell them (``linux``/``amd64``)."""

    os: str
    arch: str

    @property
    def windows(self) -> bool:
        """Windows gets .exe names and zip archives."""
        return self.os == "windows"

    @property
    def archive_suffix(self) -> str:
        """krew unpacks zip and tar.gz; Windows users expect zip."""
        return ".zip" if self.windows else ".tar.gz"

    @property
    def executable(self) -> str:
        """The file name of the plugin's executable in the archive."""
        return EXECUTABLE + (".exe" if self.windows else "")

    def asset(self, tag: str) -> str:
        """The release asset's file name, e.g. ``kubectl-dshell_v0.1.0_linux_amd64.tar.gz``."""
        return f"{EXECUTABLE}_{tag}_{self.os}_{self.arch}{self.archive_suffix}"

    def __str__(self) -> str:
        return f"{self.os}/{self.arch}"


PLATFORMS = (
    Platform("linux", "amd64"),
    Platform("linux", "arm64"),
    Platform("darwin", "amd64"),
    Platform("darwin", "arm64"),
    Platform("windows", "amd64"),
)

_OS = {"linux": "linux", "darwin": "darwin", "win32": "windows"}
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def current() -> Platform:
    """The platform this interpreter runs on; a release can only be built natively."""
    found = Platform(_OS.get(sys.platform, sys.platform), _ARCH.get(host.machine().lower(), host.machine()))
    if found not in PLATFORMS:
        raise RuntimeError(f"no release is built for {found}; the platforms are {', '.join(map(str, PLATFORMS))}")
    return found
