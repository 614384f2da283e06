"""Test-wide policy: markers by folder, one shared simulator, no silent skips of e2e tests in CI, and
Ctrl-C that works in the commands the tests run."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.kubesim.harness import SimulatorError, debris, start_simulator

TESTS = Path(__file__).parent
REQUIRE_E2E = os.environ.get("DSHELL_REQUIRE_E2E") == "1"

# A shell starts background jobs with SIGINT ignored, an ignored signal stays ignored across exec, and
# Python then installs no KeyboardInterrupt: run as `... &` (or under nohup), the tests' Ctrl-C would
# reach commands deaf to it. A handler of ours is reset to the default at exec, so children hear it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """e2e marks tests/e2e, sim marks tests/kubesim: both need root and the simulator."""
    for item in items:
        path = Path(str(item.fspath))
        if TESTS / "e2e" in path.parents:
            item.add_marker(pytest.mark.e2e)
        elif TESTS / "kubesim" in path.parents:
            item.add_marker(pytest.mark.sim)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """With DSHELL_REQUIRE_E2E=1 (CI), an e2e or simulator test that would be skipped fails instead."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_E2E and report.skipped and (item.get_closest_marker("e2e") or item.get_closest_marker("sim")):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"e2e/simulator test skipped, which DSHELL_REQUIRE_E2E=1 forbids: {reason}"


@pytest.fixture(scope="session")
def simulator():
    """One simulator with the demo workloads, shared by the session's tests (read-mostly use)."""
    if os.geteuid() != 0:
        pytest.skip("the simulator runs containers as real namespaced processes: it needs root")
    try:
        sim = start_simulator()
    except SimulatorError as e:
        pytest.fail(str(e))
    try:
        yield sim
    finally:
        snapshot = sim.snapshot()
        sim.stop()
    left = debris(snapshot)
    assert not left, f"the simulator left debris behind: {left}"
