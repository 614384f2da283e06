"""keeper.sh for real: it idles out by itself, stays while a session lives, stops at once on TERM."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_dshell.probes.runner import keeper_command

from .sandbox import BUSYBOX

pytestmark = pytest.mark.skipif(not Path(BUSYBOX).exists(), reason="needs busybox")


@pytest.fixture
def keeper(tmp_path: Path) -> Iterator:
    """Factory: a keeper with idle time ``idle`` and its state folder; all killed after the test."""
    started: list[subprocess.Popen] = []

    def start(idle: int) -> subprocess.Popen:
        argv = keeper_command()
        process = subprocess.Popen(
            [BUSYBOX, *argv], env={"DSHELL_IDLE": str(idle), "DSHELL_STATE": str(tmp_path / "state")}
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()


def test_keeper_exits_by_itself_when_idle(keeper) -> None:
    began = time.monotonic()
    assert keeper(1).wait(timeout=10) == 0
    assert time.monotonic() - began < 5


def test_keeper_stays_while_a_registered_session_lives(keeper, tmp_path: Path) -> None:
    session = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "state" / "sessions").mkdir(parents=True)
        (tmp_path / "state" / "sessions" / str(session.pid)).touch()
        process = keeper(1)
        time.sleep(3)
        assert process.poll() is None
        session.kill()
        session.wait()
        assert process.wait(timeout=10) == 0
        assert not (tmp_path / "state" / "sessions" / str(session.pid)).exists()
    finally:
        if session.poll() is None:
            session.kill()
            session.wait()


def test_keeper_stops_at_once_on_term(keeper, tmp_path: Path) -> None:
    process = keeper(1800)
    deadline = time.monotonic() + 5
    while not (tmp_path / "state" / "last").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    began = time.monotonic()
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=5) == 0
    assert time.monotonic() - began < 1.5
