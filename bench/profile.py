"""Where the time of pairs 1 and 3 goes: one traced run each (see :mod:`bench.tracer`), the API
requests of both sides, and the import time by package."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.kubesim.harness import REPO
from tests.ptydriver import PtyProcess

from .apilog import Request
from .cluster import BenchCluster
from .prompt import BUSYBOX_PROMPT, DSHELL_PROMPT, PROMPT_TIMEOUT, debug_argv, to_prompt

IMPORTS = "import kubectl_dshell.cli, kubectl_dshell.session, kubectl_dshell.render"


@dataclass(frozen=True)
class Phase:
    """A stretch of one run, in milliseconds from the process's start."""

    what: str
    start_ms: float | None  # None for the remainder, which is spread over the run
    ms: float


@dataclass
class Trace:
    """One traced command: its phases, total wall time, and the API requests it made."""

    title: str
    command: str
    phases: list[Phase] = field(default_factory=list)
    total_ms: float = 0.0
    requests: tuple[Request, ...] = ()


@dataclass
class Alternative:
    """The other side of the pair, measured once: wall time and requests."""

    command: str
    ms: float
    requests: tuple[Request, ...]


@dataclass
class Profile:
    """Everything PROFILE.md shows."""

    traces: list[tuple[Trace, Alternative]]
    startup: dict[str, float]  # what -> median ms
    imports: list[tuple[str, float]]  # top-level package -> self ms, largest first
    repeats: int  # runs behind each median


def phases(data: dict, spawned: float, until: float) -> list[Phase]:
    """The tracer's events as phases from the spawn, cut at ``until``; the gaps named."""

    def ms(moment: float) -> float:
        return (moment - spawned) * 1000

    found = [Phase("interpreter start (python, site, venv)", 0.0, ms(data["started"]))]
    for what, start, end in sorted(data["events"], key=lambda e: e[1]):
        if start < until:
            found.append(Phase(what, ms(start), ms(min(end, until)) - ms(start)))
    ended = min(data["ended"], until)
    if ended < until:
        found.append(Phase("interpreter exit", ms(ended), ms(until) - ms(ended)))
    accounted = sum(p.ms for p in found)
    found.append(Phase("everything else: own code between the calls", None, ms(until) - accounted))
    return found


def _tracer_env(cluster: BenchCluster) -> dict[str, str]:
    return cluster.env(PYTHONPATH=str(REPO))


def trace_command(cluster: BenchCluster, title: str, args: list[str]) -> Trace:
    """``kubectl-dshell ARGS`` traced to its end."""
    with tempfile.TemporaryDirectory(prefix="dshell-trace-") as work, cluster.counting() as made:
        out = Path(work) / "trace.json"
        spawned = time.time()
        subprocess.run([sys.executable, "-m", "bench.tracer", str(out), *args], env=_tracer_env(cluster),
                       stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=300)
        ended = time.time()
        data = json.loads(out.read_text())
    return Trace(title, "kubectl dshell " + " ".join(args), phases(data, spawned, ended), (ended - spawned) * 1000,
                 tuple(made))


def trace_prompt(cluster: BenchCluster, title: str, pod: str) -> Trace:
    """``kubectl-dshell POD`` on a pty, traced until its prompt shows."""
    with tempfile.TemporaryDirectory(prefix="dshell-trace-") as work, cluster.counting() as made:
        out = Path(work) / "trace.json"
        spawned = time.time()
        term = PtyProcess([sys.executable, "-m", "bench.tracer", str(out), pod], env=_tracer_env(cluster))
        try:
            term.expect(DSHELL_PROMPT, timeout=PROMPT_TIMEOUT)
            prompt = time.time()
            term.send("exit\n")
            term.wait()
        finally:
            term.close()
        data = json.loads(out.read_text())
    return Trace(title, f"kubectl dshell {pod} (until the prompt)", phases(data, spawned, prompt),
                 (prompt - spawned) * 1000, tuple(made))


def median_ms(cluster: BenchCluster, argv: list[str], repeats: int) -> float:
    """Median wall milliseconds of a quick command, run ``repeats`` times."""
    return statistics.median(cluster.run(argv).seconds * 1000 for _ in range(repeats))


def self_ms_by_package(importtime: str) -> dict[str, float]:
    """``python -X importtime`` output summed by top-level package: self milliseconds each."""
    totals: dict[str, float] = {}
    for line in importtime.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[0].strip().isdigit():
            package = parts[2].strip().split(".")[0]
            totals[package] = totals.get(package, 0.0) + int(parts[0]) / 1000
    return totals


def import_self_times(cluster: BenchCluster, repeats: int) -> list[tuple[str, float]]:
    """Self import time of the command path by top-level package (median of ``repeats``), largest first."""
    runs: dict[str, list[float]] = {}
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-X", "importtime", "-c", IMPORTS], env=_tracer_env(cluster),
                                capture_output=True, text=True, check=True)
        for package, ms in self_ms_by_package(result.stderr).items():
            runs.setdefault(package, []).append(ms)
    # A package some run did not import (none, in practice) counts 0 there.
    medians = {package: statistics.median(ms + [0.0] * (repeats - len(ms))) for package, ms in runs.items()}
    return sorted(medians.items(), key=lambda item: -item[1])


def startup(cluster: BenchCluster, repeats: int) -> dict[str, float]:
    """The fixed costs before any dshell code runs."""
    plugin = str(Path(sys.executable).parent / "kubectl-dshell")
    commands = {
        "python -c pass (the venv's interpreter)": [sys.executable, "-c", "pass"],
        "kubectl-dshell --version (interpreter, CLI import)": [plugin, "--version"],
        "kubectl dshell --version (plus kubectl's plugin lookup)": ["kubectl", "dshell", "--version"],
    }
    return {what: median_ms(cluster, argv, repeats) for what, argv in commands.items()}


def profile(cluster: BenchCluster, repeats: int) -> Profile:
    """Trace pair 1 (a fresh pod) and pair 3 (web's running debugger), with their alternatives."""
    ours, theirs = cluster.prepare(lambda: cluster.fresh_pods("web", 2))
    try:
        first = trace_prompt(cluster, "Pair 1: interactive prompt, pod with no debugger yet", ours)
        debug = to_prompt(cluster, debug_argv(theirs), BUSYBOX_PROMPT, leave_running=True)
    finally:
        cluster.delete_pods([ours, theirs])
    cluster.prepare(lambda: cluster.call(["kubectl", "dshell", "-q", "web", "--", "true"]))  # web's debugger runs
    third = trace_command(cluster, "Pair 3: `-- true` on a running debugger", ["web", "--", "true"])
    debugger = cluster.running_debugger("web", "dshell-")
    exec_run = cluster.run(["kubectl", "exec", "web", "-c", debugger, "--", "true"])
    return Profile(
        [
            (first, Alternative(" ".join(debug_argv("POD")), debug.seconds * 1000, debug.requests)),
            (third, Alternative("kubectl exec web -c DEBUGGER -- true", exec_run.seconds * 1000, exec_run.requests)),
        ],
        startup(cluster, repeats),
        import_self_times(cluster, repeats),
        repeats,
    )

