"""bench/PROFILE.md from a :class:`~bench.profile.Profile`: pure formatting."""

from __future__ import annotations

from collections import Counter

from .apilog import Request
from .profile import Alternative, Profile, Trace

TOP_PACKAGES = 10


def _requests(requests: tuple[Request, ...]) -> list[str]:
    counted = Counter(r.describe() for r in requests)
    return [f"  - {line}" + (f" (x{count})" if count > 1 else "") for line, count in counted.items()]


def trace_section(trace: Trace, other: Alternative) -> list[str]:
    """One traced command: its phases, then both sides' requests."""
    lines = [
        f"## {trace.title}",
        "",
        f"`{trace.command}`: {trace.total_ms:.0f} ms in all (one traced run; the tracer adds a few ms).",
        "",
        "| phase | starts at ms | takes ms | share |",
        "| --- | ---: | ---: | ---: |",
    ]
    for phase in trace.phases:
        start = "" if phase.start_ms is None else f"{phase.start_ms:.0f}"
        lines.append(f"| {phase.what} | {start} | {phase.ms:.0f} | {phase.ms / trace.total_ms:.0%} |")
    lines += [
        "",
        f"- dshell's API requests ({len(trace.requests)}):",
        *_requests(trace.requests),
        f"- The alternative, `{other.command}`: {other.ms:.0f} ms, {len(other.requests)} requests:",
        *_requests(other.requests),
        "",
    ]
    return lines


def profile_markdown(profile: Profile, command: str) -> str:
    """The whole of PROFILE.md."""
    lines = [
        "# Where the time goes: pairs 1 and 3",
        "",
        f"Written by `{command}` beside [RESULTS.md](RESULTS.md). Each command below ran once under "
        "`python -m bench.tracer`, which times the imports, every API call of `kubectl_dshell.kube.Kube` and "
        "each exec session; the rest of the run is the last row.",
        "",
    ]
    for trace, other in profile.traces:
        lines += trace_section(trace, other)
    lines += [f"## Start-up costs (median of {profile.repeats})", "", "| command | ms |", "| --- | ---: |"]
    lines += [f"| `{what}` | {ms:.0f} |" for what, ms in profile.startup.items()]
    total = sum(ms for _, ms in profile.imports)
    lines += [
        "",
        f"## Import time of the command path by package ({total:.0f} ms in all, median of {profile.repeats})",
        "",
        "Self time of every module, summed by top-level package, for "
        "`import kubectl_dshell.cli, kubectl_dshell.session, kubectl_dshell.render` (`python -X importtime`).",
        "",
        "| package | ms |",
        "| --- | ---: |",
    ]
    lines += [f"| {package} | {ms:.0f} |" for package, ms in profile.imports[:TOP_PACKAGES]]
    rest = sum(ms for _, ms in profile.imports[TOP_PACKAGES:])
    lines.append(f"| everything else | {rest:.0f} |")
    return "\n".join(lines) + "\n"
