"""net: the whole network probe's output as one report (pure)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .netchecks import parse_check, parse_resolve
from .netconfig import Interface, interfaces, resolver, routes_v4, routes_v6
from .processes import argv
from .secretmask import Masker
from .sections import sections, text
from .sockets import Socket, parse_table, socket_owners

TABLES = ("tcp", "tcp6", "udp", "udp6")


@dataclass(frozen=True)
class NetReport:
    """Listeners, connections, interfaces, routes, the resolver, and the checks asked for."""

    listening: list[Socket]
    connections: list[Socket]
    interfaces: list[Interface]
    routes: list[dict]
    dns: dict
    checks: list[dict]
    resolves: list[dict]
    focus: bool = False  # tables show only the checks and lookups asked for (JSON and YAML keep everything)

    def as_dict(self) -> dict:
        """The JSON shape of design.md, plus ``resolves``."""
        return {
            "listening": [s.as_listener() for s in self.listening],
            "connections": [s.as_connection() for s in self.connections],
            "interfaces": [i.as_dict() for i in self.interfaces],
            "routes": self.routes,
            "dns": self.dns,
            "checks": self.checks,
            "resolves": self.resolves,
        }

    def masked(self, masker: Masker) -> NetReport:
        """The report with the target's secret values hidden in process names."""

        def hide(s: Socket) -> Socket:
            return replace(s, process=masker.text(s.process)) if s.process else s

        return replace(self, listening=[hide(s) for s in self.listening], connections=[hide(s) for s in self.connections])


def _programs(pairs: list[tuple[str, bytes]]) -> dict[int, str]:
    """pid -> argv[0] from the "pid"/"argv" sections."""
    programs, pid = {}, None
    for name, content in pairs:
        if name == "pid":
            pid = int(content)
        elif name == "argv" and pid is not None:
            args = argv(content)
            programs[pid] = args[0] if args else ""
    return programs


def _owned(sockets: list[Socket], owners: dict[int, int], programs: dict[int, str]) -> list[Socket]:
    return [
        replace(s, pid=owners.get(s.inode), process=programs.get(owners.get(s.inode, -1))) if s.inode else s
        for s in sockets
    ]


def _probed(pairs: list[tuple[str, bytes]], seconds: int) -> tuple[list[dict], list[dict]]:
    """The results of --check and --resolve, in the order asked."""
    checks, resolves = [], []
    for (name, subject), (_, result) in zip(pairs, pairs[1:]):
        if name == "check":
            host, _, port = text(subject).rpartition(" ")
            target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            checks.append(parse_check(target, result, seconds))
        elif name == "resolve":
            resolves.append(parse_resolve(text(subject), result, seconds))
    return checks, resolves


def parse_net(data: bytes, seconds: int) -> NetReport:
    """The report from the probe's output (``seconds``: the checks' timeout, for messages)."""
    pairs = sections(data)
    found = dict(pairs)
    raw = [s for table in TABLES for s in parse_table(table, found.get(table, b""))]
    sockets = _owned(raw, socket_owners(found.get("fds", b"")), _programs(pairs))
    checks, resolves = _probed(pairs, seconds)
    return NetReport(
        listening=sorted((s for s in sockets if s.listening), key=lambda s: (s.protocol, s.local[1], s.local[0])),
        connections=[s for s in sockets if not s.listening],
        interfaces=interfaces(found.get("sysfs", b""), found.get("addr", b"")),
        routes=routes_v4(found.get("route", b"")) + routes_v6(found.get("ipv6_route", b"")),
        dns=resolver(found.get("resolv", b"")),
        checks=checks,
        resolves=resolves,
    )
