"""The verdicts and the RESULTS.md merge: pure, no simulator."""

from __future__ import annotations

from bench.report import BEGIN, END, merge, missed
from bench.stats import Goal, Pair, Side, Target


def pair(ours: list[float], theirs: list[float], target: Target | None, megabytes: float | None = None) -> Pair:
    return Pair("9", "a pair", Side("ours", ours, [1] * len(ours)), Side("theirs", theirs, [2] * len(theirs)),
                target, megabytes)


def test_time_pairs_compare_medians_and_throughput_pairs_compare_rates() -> None:
    slow = pair([2.0, 3.0, 9.0], [1.0, 1.0, 1.0], Target(Goal.RATIO_AT_MOST, 1.3))
    assert (slow.ratio, slow.met) == (3.0, False)
    copy = pair([2.0], [1.0], Target(Goal.RATIO_AT_LEAST, 0.8), megabytes=100)
    assert (copy.rate(copy.ours), copy.ratio, copy.met) == (50.0, 0.5, False)
    help_ = pair([0.2, 0.3, 0.1], [0.05], Target(Goal.MEDIAN_AT_MOST, 0.25))
    assert help_.met is True
    assert pair([1.0], [1.0], None).met is None


def test_missed_targets_are_said_plainly() -> None:
    assert missed([pair([2.0], [1.0], Target(Goal.RATIO_AT_MOST, 1.3))]) == [
        "- Pair 9 (a pair) MISSED its target ratio <= 1.3: ratio 2.00."
    ]
    assert missed([pair([1.0], [1.0], Target(Goal.RATIO_AT_MOST, 1.3))]) == ["- Every target was met."]


def test_merge_replaces_only_the_main_body() -> None:
    body = f"{BEGIN}\nnew\n{END}\n"
    other = "## Install methods\n\ntheirs\n"
    first = merge(other, body)
    assert first == body + "\n" + other
    again = merge(first.replace("theirs", "theirs, edited"), f"{BEGIN}\nnewer\n{END}\n")
    assert again == f"{BEGIN}\nnewer\n{END}\n\n## Install methods\n\ntheirs, edited\n"
    assert merge(None, body) == body
