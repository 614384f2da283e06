"""Measured samples, a pair's verdict against its target: pure arithmetic, no I/O."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from enum import Enum


@dataclass
class Side:
    """One side of a pair (dshell's or the alternative's): what ran and every timed run."""

    label: str
    seconds: list[float] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)

    def add(self, seconds: float, round_trips: int) -> None:
        """Record one timed run."""
        self.seconds.append(seconds)
        self.round_trips.append(round_trips)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.seconds)

    @property
    def median_round_trips(self) -> float:
        """Median number of API requests per run."""
        return statistics.median(self.round_trips)


class Goal(Enum):
    """How a pair's target reads."""

    RATIO_AT_MOST = "ratio <= {value:g}"
    RATIO_AT_LEAST = "ratio >= {value:g}"
    MEDIAN_AT_MOST = "dshell median <= {value:g} s"


@dataclass(frozen=True)
class Target:
    """A pair's target, e.g. ratio <= 1.3."""

    goal: Goal
    value: float

    def describe(self) -> str:
        """The target in words."""
        return self.goal.value.format(value=self.value)


@dataclass
class Pair:
    """Two ways to the same result, measured alternately; ``megabytes`` makes it a throughput pair."""

    key: str
    title: str
    ours: Side
    theirs: Side
    target: Target | None = None
    megabytes: float | None = None

    def rate(self, side: Side) -> float:
        """MB/s at the side's median time (throughput pairs only)."""
        assert self.megabytes is not None
        return self.megabytes / side.median

    @property
    def ratio(self) -> float:
        """dshell against the alternative: time over time, or MB/s over MB/s for throughput."""
        if self.megabytes is not None:
            return self.rate(self.ours) / self.rate(self.theirs)
        return self.ours.median / self.theirs.median

    @property
    def met(self) -> bool | None:
        """Whether the target was met; None when the pair has none."""
        if self.target is None:
            return None
        if self.target.goal is Goal.RATIO_AT_MOST:
            return self.ratio <= self.target.value
        if self.target.goal is Goal.RATIO_AT_LEAST:
            return self.ratio >= self.target.value
        return self.ours.median <= self.target.value
