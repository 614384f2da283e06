"""The benchmark's command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAIRS = ("1", "2", "3", "4", "5", "6", "7")


@dataclass(frozen=True)
class BenchOptions:
    """What to run, how often, against which delays, and where the results go."""

    rounds: int
    warmup: int
    api_latency_ms: int
    start_delay_ms: int
    cp_bytes: int
    cp_large_bytes: int  # 0: no second, larger copy
    fan_pods: int
    pairs: frozenset[str]
    results: Path
    profile: Path | None
    repeats: int  # runs of each start-up measurement in the profile


def _pairs(text: str) -> frozenset[str]:
    chosen = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = chosen - set(PAIRS)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"pairs are numbers among {','.join(PAIRS)}")
    return chosen


def parser() -> argparse.ArgumentParser:
    """The argument parser (``python -m bench --help``)."""
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="kubectl dshell against kubectl debug and kubectl exec, side by side, on a simulator it starts.",
    )
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per pair (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first (default 1)")
    p.add_argument("--api-latency-ms", type=int, default=30, help="added to every API request (default 30)")
    p.add_argument("--start-delay-ms", type=int, default=1000, help="added to every container start (default 1000)")
    p.add_argument("--cp-mb", type=float, default=100, help="size of pair 5's file in MB (default 100)")
    p.add_argument("--cp-large-mb", type=float, default=1000,
                   help="size of pair 5L's file in MB, where start-up weighs less (default 1000; 0 skips 5L)")
    p.add_argument("--fan-pods", type=int, default=50, help="pods of pair 7 (default 50)")
    p.add_argument("--pairs", type=_pairs, default=frozenset(PAIRS), help="which pairs, e.g. 1,3 (default all)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1 round, no warm-up, a 1 MB file (no 5L), 3 pods, 1 run per start-up measurement")
    p.add_argument("--results", type=Path, default=HERE / "RESULTS.md", help="default bench/RESULTS.md")
    p.add_argument("--profile", type=Path, default=HERE / "PROFILE.md", help="default bench/PROFILE.md")
    p.add_argument("--no-profile", action="store_true", help="skip the profile of pairs 1 and 3")
    return p


def parse(argv: list[str]) -> BenchOptions:
    """Options from the command line."""
    args = parser().parse_args(argv)
    quick = args.quick
    return BenchOptions(
        rounds=1 if quick else max(1, args.rounds),
        warmup=0 if quick else max(0, args.warmup),
        api_latency_ms=args.api_latency_ms,
        start_delay_ms=args.start_delay_ms,
        cp_bytes=1_000_000 if quick else int(args.cp_mb * 1_000_000),
        cp_large_bytes=0 if quick else int(args.cp_large_mb * 1_000_000),
        fan_pods=3 if quick else args.fan_pods,
        pairs=args.pairs,
        results=args.results,
        profile=None if args.no_profile else args.profile,
        repeats=1 if quick else 5,
    )
