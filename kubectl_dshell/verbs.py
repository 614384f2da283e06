"""The inspection verbs on one reached target: run the verb's probe once, parse, return the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .probes.environ import Variable, variables
from .probes.listing import Listing, parse_listing
from .probes.netreport import NetReport, parse_net
from .probes.processes import Process, parse_processes, pod_owners
from .probing import capture

if TYPE_CHECKING:
    from .kube import Kube
    from .probing import Reached
    from .render import Ui

CHECK_SECONDS = 3  # how long --check and --resolve wait for an answer


@dataclass(frozen=True)
class EnvReport:
    """The target process's environment."""

    pod: str
    namespace: str
    container: str
    pid: int | None
    variables: list[Variable]

    def as_dict(self) -> dict:
        """The JSON shape of design.md."""
        return {
            "pod": self.pod,
            "namespace": self.namespace,
            "container": self.container,
            "pid": self.pid,
            "variables": [v.as_dict() for v in self.variables],
        }


@dataclass(frozen=True)
class PsReport:
    """Every process of the target's PID namespace."""

    processes: list[Process]

    def as_dict(self) -> dict:
        """The JSON shape of design.md."""
        return {"processes": [p.as_dict() for p in self.processes]}


@dataclass(frozen=True)
class NetRequest:
    """What net checks besides the sockets: HOST:PORT connects and names to resolve."""

    checks: tuple[tuple[str, int], ...] = ()
    names: tuple[str, ...] = ()

    def probe_args(self) -> list[str]:
        """The probe's positional arguments."""
        args = [str(CHECK_SECONDS)]
        for host, port in self.checks:
            args += ["check", host, str(port)]
        for name in self.names:
            args += ["resolve", name]
        return args


def env(kube: Kube, reached: Reached, reveal: bool, ui: Ui) -> EnvReport:
    """``env``: /proc/PID/environ, tagged from the pod spec, masked unless ``reveal``."""
    target = reached.target
    pid, _, environ = capture(kube, reached, "env", [], ui).partition(b"\0")
    found = variables(target.pod, target.container, environ, reveal)
    return EnvReport(target.name, target.namespace, target.container, int(pid) if pid.isdigit() else None, found)


def ps(kube: Kube, reached: Reached, ui: Ui) -> PsReport:
    """``ps``: the processes, each with its container."""
    owners = pod_owners(reached.pod, reached.target.container, reached.debugger.name)
    return PsReport(parse_processes(capture(kube, reached, "ps", [], ui), owners))


def net(kube: Kube, reached: Reached, request: NetRequest, ui: Ui) -> NetReport:
    """``net``: sockets and owners, interfaces, routes, DNS, and the checks asked for."""
    return parse_net(capture(kube, reached, "net", request.probe_args(), ui), CHECK_SECONDS)


def ls(kube: Kube, reached: Reached, path: str, depth: int, ui: Ui) -> Listing:
    """``ls``: the entries at ``path`` (``depth`` levels; 0 for all)."""
    return parse_listing(capture(kube, reached, "ls", [path, str(depth)], ui))
