"""What the runner asks of each group of pairs: set up, run one round, clean up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .cluster import BenchCluster, Run
    from .stats import Pair, Side


class Bench(Protocol):
    """Pairs measured together; a round runs each pair's two sides one after the other."""

    def pairs(self) -> list[Pair]:
        """The pairs this bench measures (their sides fill up as rounds are recorded)."""

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """Prepare ``runs`` rounds (warm-up included): pods, files, debuggers. Untimed."""

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """Round ``index``: each side's timed run, dshell's first, alternating with the alternative's."""

    def teardown(self, cluster: BenchCluster) -> None:
        """Remove what setup made (also after a failure)."""
