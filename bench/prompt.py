"""Pairs 1 and 2: time to an interactive prompt, through a real pty, dshell against kubectl debug.

Each round gets two fresh copies of pod web, one per tool, so that each first meets a pod with no
debugger (pair 1) and then the same pod again while its debugger still runs (pair 2): dshell reuses
its debugger, kubectl debug adds another. kubectl debug's sessions are left by closing the terminal,
as a person detaching would, so that its debugger shell keeps running for pair 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from tests.ptydriver import PtyProcess

from .cluster import BenchCluster, Run
from .stats import Goal, Pair, Side, Target

DSHELL_PROMPT = rb"\[dshell [^\]\r\n]+/app\][^\r\n]*[$#] "
BUSYBOX_PROMPT = rb"/ # "
DEBUG_IMAGE = "busybox:1.36.1"
PROMPT_TIMEOUT = 120  # seconds: generous, a stuck run should fail the benchmark, not hang it


def dshell_argv(pod: str) -> list[str]:
    """What a person types for a dshell prompt."""
    return ["kubectl", "dshell", pod]


def debug_argv(pod: str) -> list[str]:
    """What a person types for a kubectl debug prompt."""
    return ["kubectl", "debug", pod, "-it", f"--image={DEBUG_IMAGE}", "--target=app"]


def to_prompt(cluster: BenchCluster, argv: list[str], prompt: bytes, leave_running: bool) -> Run:
    """Seconds from start until ``prompt`` shows on the terminal; requests until the session ends."""
    argv = [cluster.kubectl, *argv[1:]]
    with cluster.counting() as made:
        start = time.monotonic()
        term = PtyProcess(argv, env=cluster.env())
        try:
            term.expect(prompt, timeout=PROMPT_TIMEOUT)
            seconds = time.monotonic() - start
            if not leave_running:
                term.send("exit\n")
                code = term.wait()
                if code != 0:
                    raise RuntimeError(f"{' '.join(argv)} exited {code}")
        finally:
            term.close()
    return Run(seconds, tuple(made))


class PromptBench:
    """Pairs 1 (a pod with no debugger) and 2 (its debugger still running)."""

    def __init__(self) -> None:
        self.first = Pair(
            "1", "interactive prompt, pod with no debugger yet",
            Side("kubectl dshell POD"), Side(f"kubectl debug POD -it --image={DEBUG_IMAGE} --target=app"),
            Target(Goal.RATIO_AT_MOST, 1.3),
        )
        self.second = Pair(
            "2", "interactive prompt, the pod's debugger still running",
            Side("kubectl dshell POD (reuses its debugger)"),
            Side(f"kubectl debug POD -it --image={DEBUG_IMAGE} --target=app (adds another)"),
            Target(Goal.RATIO_AT_MOST, 0.5),
        )
        self.pods: list[str] = []

    def pairs(self) -> list[Pair]:
        """Pairs 1 and 2."""
        return [self.first, self.second]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """Two fresh copies of web per round."""
        self.pods = cluster.fresh_pods("web", 2 * runs)

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """Pair 1 on this round's two fresh pods, then pair 2 on the same pods."""
        ours, theirs = self.pods[2 * index], self.pods[2 * index + 1]
        for pair in self.pairs():
            yield pair.ours, to_prompt(cluster, dshell_argv(ours), DSHELL_PROMPT, leave_running=False)
            yield pair.theirs, to_prompt(cluster, debug_argv(theirs), BUSYBOX_PROMPT, leave_running=True)

    def teardown(self, cluster: BenchCluster) -> None:
        """Delete the pods."""
        cluster.delete_pods(self.pods)
