"""``python -m bench``: start a simulator, measure the pairs, write RESULTS.md and PROFILE.md."""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from .cluster import BenchCluster, bench_cluster
from .commands import ExecBench, FactsBench, HelpBench
from .inspect import CopyBench, FanBench
from .options import BenchOptions, parse
from .profile import profile
from .profile_report import profile_markdown
from .prompt import PromptBench
from .protocol import Bench
from .report import Setting, main_body, merge, verdicts


def choose(opts: BenchOptions) -> list[Bench]:
    """The benches measuring the chosen pairs, in pair order."""
    benches: list[tuple[set[str], Bench]] = [
        ({"1", "2"}, PromptBench()),
        ({"3"}, ExecBench()),
        ({"4"}, FactsBench()),
        ({"5"}, CopyBench(opts.cp_bytes, "5")),
        ({"5"} if opts.cp_large_bytes else set(), CopyBench(opts.cp_large_bytes, "5L")),
        ({"6"}, HelpBench()),
        ({"7"}, FanBench(opts.fan_pods)),
    ]
    return [bench for numbers, bench in benches if numbers & opts.pairs]


def measure(cluster: BenchCluster, bench: Bench, rounds: int, warmup: int) -> None:
    """Set up, run the warm-up and the timed rounds (each alternating its sides), clean up."""
    cluster.prepare(lambda: bench.setup(cluster, warmup + rounds))
    try:
        for index in range(warmup + rounds):
            for side, run in bench.round(cluster, index):
                if index >= warmup:
                    side.add(run.seconds, len(run.requests))
            print(f"bench: {', '.join(p.key for p in bench.pairs())}: round {index + 1} of {warmup + rounds}",
                  file=sys.stderr, flush=True)
    finally:
        bench.teardown(cluster)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def setting(cluster: BenchCluster, opts: BenchOptions, command: str) -> Setting:
    """Where and how this run happened."""
    client = json.loads(cluster.kubectl_out("version", "--client", "-o", "json"))["clientVersion"]["gitVersion"]
    return Setting(
        command=command, when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), cpus=os.cpu_count() or 0,
        cpu_model=_cpu_model(), kernel=platform.release(), python=platform.python_version(),
        kubectl=f"{client} ({Path(cluster.kubectl).name})", server=cluster.server_version,
        api_latency_ms=opts.api_latency_ms, start_delay_ms=opts.start_delay_ms, rounds=opts.rounds,
        warmup=opts.warmup,
    )


def compile_plugin() -> None:
    """Bytecode for the plugin, as pip writes it when it installs a package. An editable checkout run
    with PYTHONDONTWRITEBYTECODE set (as on the development machine) would otherwise compile every
    module of the plugin from source on every command, which no installed copy does."""
    import compileall

    import kubectl_dshell

    compileall.compile_dir(os.path.dirname(kubectl_dshell.__file__), quiet=1)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 once the results are written (missed targets are results, not failures)."""
    argv = sys.argv[1:] if argv is None else argv
    opts = parse(argv)
    command = shlex.join(["python", "-m", "bench", *argv])
    benches = choose(opts)
    compile_plugin()
    with bench_cluster(opts.api_latency_ms, opts.start_delay_ms) as cluster:
        for bench in benches:
            measure(cluster, bench, opts.rounds, opts.warmup)
        traced = profile(cluster, opts.repeats) if opts.profile is not None else None
        where = setting(cluster, opts, command)
    pairs = [pair for bench in benches for pair in bench.pairs()]
    existing = opts.results.read_text() if opts.results.exists() else None
    opts.results.write_text(merge(existing, main_body(pairs, where)))
    if traced is not None and opts.profile is not None:
        opts.profile.write_text(profile_markdown(traced, command))
    print("\n".join(verdicts(pairs)))
    return 0
