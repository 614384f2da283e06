"""`python -m bench` still runs: one round, tiny sizes, no added delays (issue 6).

The benchmark itself is not part of the test suite; this only keeps its command working. To stay
fast it skips pairs 1, 2 and 7 (their fresh pods cost seconds): the profile still drives both
prompts (dshell's and kubectl debug's) through a pty, which is what pairs 1 and 2 are made of.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kubesim.harness import REPO

pytestmark = pytest.mark.e2e  # the simulator's containers are real namespaced processes
PAIRS = ("3", "4 env", "4 ps", "4 net", "5", "6")
OTHER = "## Install methods\n\nAnother benchmark's section, which must survive.\n"


def test_the_benchmark_command_writes_results_and_profile(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("the simulator needs root")
    results, profile = tmp_path / "RESULTS.md", tmp_path / "PROFILE.md"
    results.write_text(OTHER)
    command = [sys.executable, "-m", "bench", "--quick", "--api-latency-ms", "0", "--start-delay-ms", "0",
               "--pairs", "3,4,5,6", "--results", str(results), "--profile", str(profile)]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    written = results.read_text()
    assert written.endswith(OTHER)
    assert "Command: `python -m bench --quick --api-latency-ms 0" in written
    for pair in PAIRS:
        assert f"\n| {pair} | " in written, pair
    assert "\n| 1 | " not in written
    traced = profile.read_text()
    assert "## Pair 1:" in traced and "## Pair 3:" in traced
    assert "| GET pod |" in traced and "| exec: WebSocket handshake |" in traced
