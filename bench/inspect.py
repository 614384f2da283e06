"""Inspection benchmarks on a fresh simulator; results appended to bench/RESULTS.md.

    python -m bench.inspect [--runs N] [--pods N]

1. cp of a 100 MB file out of root-app, against `kubectl exec <debugger> -- cat FILE > out` of the
   same file through the same API server (MB/s each; target: cp >= 0.8 of exec cat).
2. `env -l app=bench` over N pods (default 50) in one command, against N sequential `env POD`
   commands (target: <= 0.2 of the time). Debuggers exist before timing, in both cases.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.kubesim.harness import Simulator, start_simulator

RESULTS = Path(__file__).with_name("RESULTS.md")
SIZE = 100_000_000


def dshell(sim: Simulator, *args: str) -> subprocess.CompletedProcess:
    bindir = str(Path(sys.executable).parent)
    env = sim.env(PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(["kubectl-dshell", "-q", *args] if args[0] not in ("env", "cp") else
                          ["kubectl-dshell", args[0], "-q", *args[1:]], env=env, capture_output=True, check=True)


def timed(action) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def bench_cp(sim: Simulator, runs: int, work: Path) -> tuple[list[float], list[float]]:
    dshell(sim, "root-app", "--", "sh", "-c", f"head -c {SIZE} /dev/urandom > /tmp/big")
    pod = json.loads(sim.kubectl("get", "pod", "root-app", "-o", "json", check=True).stdout)
    debugger = pod["spec"]["ephemeralContainers"][-1]["name"]
    cp_times, cat_times = [], []
    for _ in range(runs):
        cp_times.append(timed(lambda: dshell(sim, "cp", "root-app:/tmp/big", str(work / "cp.out"))))
        with open(work / "cat.out", "wb") as out:
            cmd = ["kubectl", "--cache-dir", str(sim.cache_dir), "exec", "root-app", "-c", debugger, "--",
                   "cat", "/proc/1/root/tmp/big"]
            cat_times.append(timed(lambda: subprocess.run(cmd, env=sim.env(), stdout=out, check=True)))
        assert (work / "cp.out").stat().st_size == SIZE == (work / "cat.out").stat().st_size
    return cp_times, cat_times


def make_pods(sim: Simulator, count: int) -> list[str]:
    names = [f"bench-{i}" for i in range(count)]
    docs = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n, "labels": {"app": "bench"}},
             "spec": {"containers": [{"name": "app", "image": "gcr.io/distroless/static-debian12:nonroot",
                                      "env": [{"name": "PORT", "value": str(9000 + i)}]}]}} for i, n in enumerate(names)]
    stream = "\n---\n".join(json.dumps(doc) for doc in docs)  # JSON is YAML: one stream of documents
    sim.kubectl("create", "-f", "-", input=stream.encode(), check=True)
    sim.kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=bench", "--timeout=300s", check=True, timeout=320)
    return names


def bench_env(sim: Simulator, runs: int, count: int) -> tuple[list[float], list[float]]:
    names = make_pods(sim, count)
    dshell(sim, "env", "-l", "app=bench", "-o", "json")  # every pod gets its debugger
    together, one_by_one = [], []
    for _ in range(runs):
        together.append(timed(lambda: dshell(sim, "env", "-l", "app=bench", "-o", "json")))
        one_by_one.append(timed(lambda: [dshell(sim, "env", name, "-o", "json") for name in names]))
    return together, one_by_one


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f}s (min {min(times):.2f}, max {max(times):.2f})"


def record(lines: list[str], command: str) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = f"\n## inspect: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n`{command}` on {machine}, simulator on loopback.\n\n"
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(header + "\n".join(f"- {line}" for line in lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inspect", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pods", type=int, default=50)
    args = parser.parse_args(argv)
    sim = start_simulator()
    try:
        with tempfile.TemporaryDirectory(prefix="dshell-bench-") as work:
            cp_t, cat_t = bench_cp(sim, args.runs, Path(work))
        env_l, env_seq = bench_env(sim, args.runs, args.pods)
    finally:
        sim.stop()
    mb = SIZE / 1e6
    cp_rate, cat_rate = mb / statistics.median(cp_t), mb / statistics.median(cat_t)
    ratio = statistics.median(env_l) / statistics.median(env_seq)
    lines = [
        f"cp 100 MB: {summary(cp_t)}, {cp_rate:.0f} MB/s; kubectl exec cat: {summary(cat_t)}, {cat_rate:.0f} MB/s; "
        f"ratio {cp_rate / cat_rate:.2f} (target >= 0.8)",
        f"env -l over {args.pods} pods: {summary(env_l)}; {args.pods} sequential env calls: {summary(env_seq)}; "
        f"ratio {ratio:.3f} (target <= 0.2)",
    ]
    record(lines, "python -m bench.inspect " + " ".join(argv if argv is not None else sys.argv[1:]))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
