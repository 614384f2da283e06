"""Slow commands run in the background so that they overlap: the archive build (CPU-bound) and
the pipx and uv installs (mostly waiting on the package index) take the time of the longest."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.installers import Install


@dataclass
class Job:
    """A started command, its log file and the path it produces."""

    name: str
    process: subprocess.Popen
    log: Path
    result: Path

    @classmethod
    def start(cls, install: Install, log: Path) -> Job:
        """Start the install's command in its own process group, its output to ``log``."""
        with log.open("wb") as out:
            process = subprocess.Popen(install.cmd, cwd=install.cwd, env=install.env, stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return cls(install.name, process, log, install.result)

    def wait(self, timeout: float = 240) -> Path:
        """The result once the command has succeeded; the test fails with the log's end otherwise."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"{self.name} took over {timeout:.0f} s:\n{self.tail()}")
        if code != 0:
            pytest.fail(f"{self.name} failed with exit code {code}:\n{self.tail()}")
        return self.result

    def tail(self, lines: int = 40) -> str:
        """The last lines of the command's output."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Interrupt the command if it still runs (Ctrl-C lets it remove its temporary files)."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
