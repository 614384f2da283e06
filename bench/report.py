"""bench/RESULTS.md's main body, from the measured pairs: pure formatting, plus the merge that keeps
every other section of the file (other benchmarks append theirs; hand-written notes stay)."""

from __future__ import annotations

from dataclasses import dataclass

from .stats import Goal, Pair, Side

BEGIN = "<!-- bench:main:begin (written by `python -m bench`: edits inside are overwritten) -->"
END = "<!-- bench:main:end -->"


@dataclass(frozen=True)
class Setting:
    """Where and how the benchmark ran."""

    command: str
    when: str  # UTC
    cpus: int
    cpu_model: str
    kernel: str
    python: str
    kubectl: str
    server: str
    api_latency_ms: int
    start_delay_ms: int
    rounds: int
    warmup: int


def _verdict(pair: Pair) -> str:
    if pair.met is None:
        return "no target: recorded"
    return "met" if pair.met else "**MISSED**"


def _ratio(pair: Pair) -> str:
    return f"{pair.ratio:.2f}" if pair.megabytes is None else f"{pair.ratio:.2f} (MB/s over MB/s)"


def _side_row(pair: Pair, side: Side) -> str:
    rate = f"{pair.rate(side):.0f}" if pair.megabytes is not None else ""
    return (f"| {pair.key} | `{side.label}` | {side.median:.3f} | {min(side.seconds):.3f} | {max(side.seconds):.3f} "
            f"| {rate} | {side.median_round_trips:g} |")


def verdicts(pairs: list[Pair]) -> list[str]:
    """The table of ratios against targets."""
    lines = ["| pair | what | dshell / alternative | target | verdict |", "| --- | --- | ---: | --- | --- |"]
    for pair in pairs:
        target = pair.target.describe() if pair.target else "none"
        lines.append(f"| {pair.key} | {pair.title} | {_ratio(pair)} | {target} | {_verdict(pair)} |")
    return lines


def missed(pairs: list[Pair]) -> list[str]:
    """One plain sentence per missed target (none: says so)."""
    lines = []
    for pair in pairs:
        if pair.met is False and pair.target is not None:
            median = pair.target.goal is Goal.MEDIAN_AT_MOST
            got = f"median {pair.ours.median:.3f} s" if median else f"ratio {pair.ratio:.2f}"
            lines.append(f"- Pair {pair.key} ({pair.title}) MISSED its target {pair.target.describe()}: {got}.")
    return lines or ["- Every target was met."]


def figures(pairs: list[Pair]) -> list[str]:
    """Every side's times and round trips."""
    lines = [
        "| pair | command | median s | min s | max s | MB/s (median) | API round trips (median) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pair in pairs:
        lines += [_side_row(pair, pair.ours), _side_row(pair, pair.theirs)]
    return lines


def main_body(pairs: list[Pair], setting: Setting) -> str:
    """The generated part of RESULTS.md, between its markers."""
    s = setting
    lines = [
        BEGIN,
        "# Benchmarks: kubectl dshell against kubectl debug and kubectl exec",
        "",
        f"Command: `{s.command}`, run {s.when} UTC.",
        f"Machine: {s.cpus} CPUs ({s.cpu_model}), Linux {s.kernel}, Python {s.python}, kubectl {s.kubectl}.",
        f"Cluster: the simulator (tests/kubesim, reporting Kubernetes {s.server}) on loopback, with "
        f"{s.api_latency_ms} ms added to every API request and {s.start_delay_ms} ms to every container start.",
        f"Each pair ran alternately, dshell first, for {s.rounds} rounds after {s.warmup} warm-up round(s). Times "
        "are wall-clock seconds of the whole command; round trips are the API requests the server saw "
        "(exec and attach count one each). Where the profile of pairs 1 and 3 goes: [PROFILE.md](PROFILE.md).",
        "",
        "## Verdicts",
        "",
        *verdicts(pairs),
        "",
        *missed(pairs),
        "",
        "## Figures",
        "",
        *figures(pairs),
        END,
    ]
    return "\n".join(lines) + "\n"


def merge(existing: str | None, body: str) -> str:
    """``existing`` with its main body replaced by ``body`` (put first when it had none)."""
    if not existing:
        return body
    start, end = existing.find(BEGIN), existing.find(END)
    if start == -1 or end == -1:
        return body + "\n" + existing
    return existing[:start] + body.rstrip("\n") + existing[end + len(END):]
