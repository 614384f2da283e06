"""Fixtures for installing kubectl-dshell as users do: the release archive, pipx and uv.

The three start together on first use (see jobs.py), in one scratch folder removed at the end.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging import installers
from tests.packaging.jobs import Job


@pytest.fixture(scope="session")
def installs() -> Iterator[dict[str, Job]]:
    """The archive build and the pipx and uv installs, keyed ``archive``, ``pipx``, ``uv``."""
    workdir = Path(tempfile.mkdtemp(prefix="dshell-packaging-"))
    jobs: dict[str, Job] = {}
    try:
        for key, make in (("archive", installers.build), ("pipx", installers.pipx), ("uv", installers.uv)):
            (workdir / key).mkdir()
            jobs[key] = Job.start(make(workdir / key), workdir / f"{key}.log")
        yield jobs
    finally:
        for job in jobs.values():
            job.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def archive(installs: dict[str, Job]) -> Path:
    """This platform's release archive, built from the checkout (its .sha256 file beside it)."""
    return installs["archive"].wait()
