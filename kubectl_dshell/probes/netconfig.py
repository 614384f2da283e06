"""net: interfaces, routes and the resolver configuration (pure)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from .sections import text

IP_ADDR = re.compile(r"^\d+:\s+(\S+)\s+(inet6?)\s+(\S+)")
RTF_UP, RTF_GATEWAY, RTF_LOCAL = 0x1, 0x2, 0x80000000


@dataclass
class Interface:
    """A network interface of the pod."""

    name: str
    addresses: list[str] = field(default_factory=list)
    mtu: int | None = None
    state: str = "unknown"
    mac: str = ""

    def as_dict(self) -> dict:
        """The JSON shape of design.md, plus the MAC address."""
        return {"name": self.name, "addresses": self.addresses, "mtu": self.mtu, "state": self.state, "mac": self.mac}


def interfaces(sysfs: bytes, addr: bytes) -> list[Interface]:
    """Interfaces from ``grep -H '' /sys/class/net/*/{mtu,operstate,address}`` and ``ip -o addr``."""
    found: dict[str, Interface] = {}
    for line in text(sysfs).splitlines():
        path, _, value = line.partition(":")
        parts = path.split("/")
        if len(parts) != 6:
            continue
        iface = found.setdefault(parts[4], Interface(parts[4]))
        if parts[5] == "mtu" and value.strip().isdigit():
            iface.mtu = int(value)
        elif parts[5] == "operstate":
            iface.state = value.strip()
        elif parts[5] == "address":
            iface.mac = value.strip()
    for line in text(addr).splitlines():
        match = IP_ADDR.match(line)
        if match:
            name = match.group(1).split("@")[0]
            found.setdefault(name, Interface(name)).addresses.append(match.group(3))
    return sorted(found.values(), key=lambda i: i.name)


def _ipv4(hex_le: str) -> str:
    return str(ipaddress.IPv4Address(bytes.fromhex(hex_le)[::-1]))


def routes_v4(table: bytes) -> list[dict]:
    """/proc/net/route: destination/prefix, gateway, interface, metric (routes that are up)."""
    routes = []
    for line in text(table).splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or not int(fields[3], 16) & RTF_UP:
            continue
        prefix = ipaddress.IPv4Network(f"{_ipv4(fields[1])}/{_ipv4(fields[7])}", strict=False)
        gateway = _ipv4(fields[2]) if int(fields[3], 16) & RTF_GATEWAY else None
        routes.append({"destination": str(prefix), "gateway": gateway, "interface": fields[0], "metric": int(fields[6])})
    return routes


def routes_v6(table: bytes) -> list[dict]:
    """/proc/net/ipv6_route (big-endian hex): the routes that are up, loopback's local ones left out."""
    routes = []
    for line in text(table).splitlines():
        fields = line.split()
        flags = int(fields[8], 16) if len(fields) == 10 else 0
        if not flags & RTF_UP or flags & RTF_LOCAL or fields[9] == "lo":
            continue
        prefix = ipaddress.IPv6Network(f"{ipaddress.IPv6Address(bytes.fromhex(fields[0]))}/{int(fields[1], 16)}")
        gateway = str(ipaddress.IPv6Address(bytes.fromhex(fields[4]))) if flags & RTF_GATEWAY else None
        routes.append({"destination": str(prefix), "gateway": gateway, "interface": fields[9], "metric": int(fields[5], 16)})
    return routes


def resolver(resolv_conf: bytes) -> dict:
    """The resolver configuration: nameservers, search domains, options."""
    dns: dict[str, list[str]] = {"nameservers": [], "search": [], "options": []}
    for line in text(resolv_conf).splitlines():
        words = line.split("#")[0].split()
        if len(words) < 2:
            continue
        if words[0] == "nameserver":
            dns["nameservers"].append(words[1])
        elif words[0] in ("search", "domain"):
            dns["search"] = words[1:]
        elif words[0] == "options":
            dns["options"].extend(words[1:])
    return dns
