"""Pairs 3, 4 and 6: one-shot commands on pod web, dshell against kubectl.

Pair 4's alternative is what a person types to learn the same facts by hand: ``kubectl exec`` into a
debugger that can read the target. dshell's own debugger cannot serve there (it is root without
CAP_SYS_PTRACE and only its sessions switch to the target's uid), so setup adds what such a person
would: ``kubectl debug --profile=general`` (root with CAP_SYS_PTRACE) running ``sleep``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

from .cluster import BenchCluster, Run
from .prompt import DEBUG_IMAGE
from .stats import Goal, Pair, Side, Target

POD = "web"
HAND = "by-hand"  # the container name of pair 4's kubectl debug debugger
NET_BY_HAND = (
    ["cat", "/proc/net/tcp"],
    ["cat", "/proc/net/tcp6"],
    ["cat", "/proc/net/udp"],
    ["cat", "/proc/net/udp6"],
    ["ls", "-l", "/proc/1/fd"],
    ["ip", "addr"],
    ["ip", "route"],
    ["cat", "/proc/1/root/etc/resolv.conf"],
)


def exec_out(cluster: BenchCluster, container: str, *command: str, check: bool = True) -> bytes:
    """``kubectl exec web -c CONTAINER -- COMMAND``: its stdout."""
    return subprocess.run(
        [cluster.kubectl, "exec", POD, "-c", container, "--", *command],
        env=cluster.env(), stdin=subprocess.DEVNULL, capture_output=True, check=check, timeout=120,
    ).stdout


def env_by_hand(cluster: BenchCluster) -> None:
    """The target's environment: one exec."""
    exec_out(cluster, HAND, "cat", "/proc/1/environ")


def ps_by_hand(cluster: BenchCluster) -> None:
    """``ls /proc``, then the status of each process: one exec each (ls itself is gone by then)."""
    pids = [name for name in exec_out(cluster, HAND, "ls", "/proc").decode().split() if name.isdigit()]
    for pid in pids:
        exec_out(cluster, HAND, "cat", f"/proc/{pid}/status", check=False)


def net_by_hand(cluster: BenchCluster) -> None:
    """Sockets, their owner's fds, interfaces, routes and DNS: one exec each."""
    for command in NET_BY_HAND:
        exec_out(cluster, HAND, *command)


class ExecBench:
    """Pair 3: ``kubectl dshell web -- true`` on a running debugger against ``kubectl exec`` into it."""

    def __init__(self) -> None:
        self.pair = Pair("3", "`-- true` on a running debugger",
                         Side(f"kubectl dshell {POD} -- true"), Side(f"kubectl exec {POD} -c DEBUGGER -- true"))
        self.debugger = ""

    def pairs(self) -> list[Pair]:
        """Pair 3."""
        return [self.pair]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """Make sure web has dshell's debugger running; kubectl exec uses the same one."""
        cluster.call(["kubectl", "dshell", "-q", POD, "--", "true"])
        self.debugger = cluster.running_debugger(POD, "dshell-")

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """One of each."""
        yield self.pair.ours, cluster.run(["kubectl", "dshell", POD, "--", "true"])
        yield self.pair.theirs, cluster.run(["kubectl", "exec", POD, "-c", self.debugger, "--", "true"])

    def teardown(self, cluster: BenchCluster) -> None:
        """Nothing: the debugger stops by itself once idle."""


class FactsBench:
    """Pair 4: env, ps and net against the ``kubectl exec`` commands that find the same facts."""

    def __init__(self) -> None:
        self.verbs: list[tuple[str, Pair, Callable[[BenchCluster], None]]] = [
            ("env", Pair("4 env", "the target's environment", Side(f"kubectl dshell env {POD}"),
                  Side("kubectl exec: cat /proc/1/environ (1 exec)")), env_by_hand),
            ("ps", Pair("4 ps", "the target's processes", Side(f"kubectl dshell ps {POD}"),
                  Side("kubectl exec: ls /proc, then cat /proc/PID/status for each (1 + N execs)")), ps_by_hand),
            ("net", Pair("4 net", "listeners, connections, interfaces, routes, DNS", Side(f"kubectl dshell net {POD}"),
                  Side("kubectl exec: cat /proc/net/{tcp,tcp6,udp,udp6}; ls -l /proc/1/fd; ip addr; ip route; "
                       "cat /proc/1/root/etc/resolv.conf (8 execs)")), net_by_hand),
        ]

    def pairs(self) -> list[Pair]:
        """env, ps and net."""
        return [pair for _, pair, _ in self.verbs]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """The by-hand debugger (root with CAP_SYS_PTRACE), running."""
        cluster.kubectl_out("debug", POD, f"--image={DEBUG_IMAGE}", "--target=app", "--profile=general",
                            "-c", HAND, "--", "sleep", "1000000")
        cluster.running_debugger(POD, HAND)

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """Each verb, then its by-hand equivalent."""
        for verb, pair, by_hand in self.verbs:
            yield pair.ours, cluster.run(["kubectl", "dshell", verb, POD])
            yield pair.theirs, cluster.timed(lambda: by_hand(cluster))

    def teardown(self, cluster: BenchCluster) -> None:
        """Nothing: the by-hand debugger runs until the simulator stops."""


class HelpBench:
    """Pair 6: ``kubectl dshell --help`` against ``kubectl debug --help``."""

    def __init__(self) -> None:
        self.pair = Pair("6", "--help", Side("kubectl dshell --help"), Side("kubectl debug --help"),
                         Target(Goal.MEDIAN_AT_MOST, 0.25))

    def pairs(self) -> list[Pair]:
        """Pair 6."""
        return [self.pair]

    def setup(self, cluster: BenchCluster, runs: int) -> None:
        """Nothing to prepare."""

    def round(self, cluster: BenchCluster, index: int) -> Iterator[tuple[Side, Run]]:
        """One of each."""
        yield self.pair.ours, cluster.run(["kubectl", "dshell", "--help"])
        yield self.pair.theirs, cluster.run(["kubectl", "debug", "--help"])

    def teardown(self, cluster: BenchCluster) -> None:
        """Nothing to remove."""
