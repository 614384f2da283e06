"""The inspection verbs on one reached target: run the verb's probe once, parse, return the model."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .options import CHECK_SECONDS
from .podspec import container_spec
from .probes.environ import Variable, env_from_config_maps, has_secrets, secret_masker, variables
from .probes.listing import Listing, parse_listing
from .probes.netreport import NetReport, parse_net
from .probes.processes import Process, dshell_machinery, parse_processes, pod_owners
from .probes.secretmask import Masker, target_environ
from .probes.sections import sections
from .probing import capture

if TYPE_CHECKING:
    from .kube import Kube
    from .probing import Reached
    from .render import Ui
    from .target import Target



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
    seconds: int = CHECK_SECONDS  # how long each connect and each lookup waits
    everything: bool = False  # the whole report in tables even with checks asked for (--all)

    def probe_args(self) -> list[str]:
        """The probe's positional arguments."""
        args = [str(self.seconds)]
        for host, port in self.checks:
            args += ["check", host, str(port)]
        for name in self.names:
            args += ["resolve", name]
        return args


def env(kube: Kube, reached: Reached, reveal: bool, ui: Ui) -> EnvReport:
    """``env``: /proc/PID/environ, tagged from the pod spec (and the keys of its envFrom ConfigMaps,
    read side by side with the probe where RBAC allows), masked unless ``reveal``."""
    target = reached.target
    config_maps = env_from_config_maps(container_spec(target.pod, target.container))
    for name in config_maps:
        kube.look_ahead("configmap_keys_or_none", target.namespace, name)
    pid, _, environ = capture(kube, reached, "env", [], ui).partition(b"\0")
    keys = {name: kube.configmap_keys_or_none(target.namespace, name) for name in config_maps}
    found = variables(target.pod, target.container, environ, reveal, keys)
    return EnvReport(target.name, target.namespace, target.container, int(pid) if pid.isdigit() else None, found)


def _masker(reached: Reached, found: dict[str, bytes], reveal: bool) -> Masker | None:
    """What hides the target's secret values in a probe's output (from its "environ" section); None
    when they could not be read."""
    if reveal:
        return Masker()
    environ = target_environ(found)
    return None if environ is None else secret_masker(reached.target.pod, reached.target.container, environ)


def _blind(target: Target, ui: Ui) -> Masker:
    """Without the target's environment: its container's arguments hidden if its spec has secrets."""
    masker = Masker(blind=has_secrets(target.pod, target.container))
    if masker.blind:
        ui.warn(f"the target's environment is unreadable to this session: the arguments of container "
                f"{target.container}'s processes are hidden, as they may hold Secret values (--reveal shows them)")
    return masker


def ps(kube: Kube, reached: Reached, reveal: bool, ui: Ui, show_all: bool = False) -> PsReport:
    """``ps``: the processes, each with its container; secret values hidden in command lines; the
    debuggers' keepers (and their sleep) left out unless ``show_all``."""
    target = reached.target
    data = capture(kube, reached, "ps", [], ui)
    processes = parse_processes(data, pod_owners(reached.pod, target.container, reached.debugger.name))
    if not show_all:
        hidden = dshell_machinery(processes)
        processes = [p for p in processes if p.pid not in hidden]
    masker = _masker(reached, dict(sections(data)), reveal) or _blind(target, ui)
    own = target.container
    return PsReport([replace(p, command=masker.argv(p.command, p.container == own)) for p in processes])


def net(kube: Kube, reached: Reached, request: NetRequest, reveal: bool, ui: Ui) -> NetReport:
    """``net``: sockets and owners, interfaces, routes, DNS, and the checks asked for; secret values
    hidden in process names (which are program names: nothing to hide when they cannot be read)."""
    data = capture(kube, reached, "net", request.probe_args(), ui)
    masker = _masker(reached, dict(sections(data)), reveal) or Masker()
    report = parse_net(data, request.seconds).masked(masker)
    asked = bool(request.checks or request.names)
    return replace(report, focus=asked and not request.everything)


def ls(kube: Kube, reached: Reached, path: str, depth: int, ui: Ui) -> Listing:
    """``ls``: the entries at ``path`` (``depth`` levels; 0 for all)."""
    return parse_listing(capture(kube, reached, "ls", [path, str(depth)], ui))
