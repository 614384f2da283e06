"""Pairs 5 and 7: copying a large file out, and one verb over many pods.

5. ``kubectl dshell cp`` of a large file out of root-app against ``kubectl exec <debugger> -- cat`` of
   the same file through the same API server (MB/s each; target: cp >= 0.8 of exec cat); 5L the same
   with a file ten times larger, where the commands' fixed start-up weighs less.
7. ``kubectl dshell env -l app=fan`` over N pods (50 by default) against N sequential
   ``kubectl dshell env POD`` commands (target: <= 0.2 of the time). Debuggers exist before timing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .cluster import BenchCluster, Run
from .stats import Goal, Pair, Side, Target

CP_POD = "root-app"
BIG = "/tmp/dshell-bench-big"  # in the target's filesystem
FAN_LABEL = "app=fan"


class CopyBench:
    """Pair 5: ``cp`` against ``kubectl exec -- cat`` of the same file, in MB/s."""

    def __init__(self, size: int, key: str):
        self.size = size
        self.pair = Pair(
            key, f"copy a {size / 1e6:g} MB file out", Side(f"kubectl dshell cp {CP_POD}:FILE LOCAL"),
            Side(f"kubectl exec {CP_POD} -c DEBUGGER -- cat /proc/1/root/FILE > LOCAL"),
            Target(Goal.RATIO_AT_LEAST, 0.8), megabytes=size / 1e6,
        )
        self.debugger = ""
        self.work = Path()

    def pairs(self) -> list[Pair]:
        """Pair 5."""
        return [self.pair]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """The file, random bytes, written in the target by dshell (whose debugger cat then uses)."""
        script = f"head -c {self.size} /dev/urandom > {BIG}"
        cluster.call(["kubectl", "dshell", "-q", CP_POD, "--", "sh", "-c", script])
        self.debugger = cluster.running_debugger(CP_POD, "dshell-")
        self.work = Path(tempfile.mkdtemp(prefix="dshell-bench-"))

    def _check(self, path: Path) -> None:
        if path.stat().st_size != self.size:
            raise RuntimeError(f"{path} has {path.stat().st_size} bytes, not {self.size}")
        path.unlink()

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """One copy each way; both copies are checked for size and removed."""
        copied, catted = self.work / "cp.out", self.work / "cat.out"
        run = cluster.run(["kubectl", "dshell", "cp", f"{CP_POD}:{BIG}", str(copied)])
        self._check(copied)
        yield self.pair.ours, run
        with catted.open("wb") as out:
            run = cluster.run(["kubectl", "exec", CP_POD, "-c", self.debugger, "--", "cat", f"/proc/1/root{BIG}"],
                              stdout=out)
        self._check(catted)
        yield self.pair.theirs, run

    def teardown(self, cluster: BenchCluster) -> None:
        """Remove the local folder and the file in the target."""
        shutil.rmtree(self.work, ignore_errors=True)
        cluster.call(["kubectl", "dshell", "-q", CP_POD, "--", "rm", "-f", BIG])


class FanBench:
    """Pair 7: one ``env -l`` over every pod against one ``env`` per pod, in sequence."""

    def __init__(self, count: int):
        self.names = [f"fan-{i}" for i in range(count)]
        self.pair = Pair(
            "7", f"env over {count} pods", Side(f"kubectl dshell env -l {FAN_LABEL}"),
            Side(f"{count} sequential kubectl dshell env POD"), Target(Goal.RATIO_AT_MOST, 0.2),
        )

    def pairs(self) -> list[Pair]:
        """Pair 7."""
        return [self.pair]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """The pods (copies of web), each with its debugger already running."""
        key, value = FAN_LABEL.split("=")
        cluster.create_pods("web", self.names, lambda name: {key: value})
        cluster.call(["kubectl", "dshell", "env", "-q", "-l", FAN_LABEL])

    def _one_by_one(self, cluster: BenchCluster) -> None:
        for name in self.names:
            cluster.call(["kubectl", "dshell", "env", name])

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """All pods at once, then one by one."""
        yield self.pair.ours, cluster.run(["kubectl", "dshell", "env", "-l", FAN_LABEL])
        yield self.pair.theirs, cluster.timed(lambda: self._one_by_one(cluster))

    def teardown(self, cluster: BenchCluster) -> None:
        """Delete the pods."""
        cluster.delete_pods(self.names)
