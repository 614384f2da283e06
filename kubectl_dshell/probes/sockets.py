"""net: sockets from /proc/net/{tcp,tcp6,udp,udp6} and their owners from /proc/PID/fd (pure)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .sections import text

TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}
UDP_UNCONNECTED = "07"  # an unconnected UDP socket reads as TCP_CLOSE: UDP's "listening"
FD_DIR = re.compile(r"^/proc/(\d+)/fd/?:$")
SOCKET_LINK = re.compile(r" -> socket:\[(\d+)\]$")


@dataclass(frozen=True)
class Socket:
    """One socket of the pod's network namespace; ``pid`` and ``process`` when an owner was found."""

    protocol: str
    local: tuple[str, int]
    remote: tuple[str, int]
    state: str
    inode: int
    pid: int | None = None
    process: str | None = None

    @property
    def listening(self) -> bool:
        """A TCP listener, or a UDP socket bound but not connected."""
        if self.protocol.startswith("tcp"):
            return self.state == "LISTEN"
        return self.remote[1] == 0

    def as_listener(self) -> dict:
        """The JSON shape of a listener."""
        return {
            "protocol": self.protocol,
            "address": self.local[0],
            "port": self.local[1],
            "pid": self.pid,
            "process": self.process,
        }

    def as_connection(self) -> dict:
        """The JSON shape of a connection."""
        return {
            "protocol": self.protocol,
            "local": join_address(self.local),
            "remote": join_address(self.remote),
            "state": self.state,
            "pid": self.pid,
        }


def join_address(address: tuple[str, int]) -> str:
    """HOST:PORT, with IPv6 hosts in brackets."""
    host, port = address
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def decode_address(field: str) -> tuple[str, int]:
    """/proc/net's "HEXADDR:HEXPORT": the address is in the kernel's byte order, 32-bit words each
    stored little-endian on the machines we run on (x86, arm64)."""
    hex_addr, _, hex_port = field.partition(":")
    raw = bytes.fromhex(hex_addr)
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(swapped)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address), int(hex_port, 16)


def state_name(protocol: str, code: str) -> str:
    """A socket state's name, as ss prints it for UDP ("UNCONN" for an unconnected socket)."""
    if protocol.startswith("udp") and code == UDP_UNCONNECTED:
        return "UNCONN"
    return TCP_STATES.get(code, code)


def parse_table(protocol: str, table: bytes) -> list[Socket]:
    """The sockets of one /proc/net table (the header line skipped)."""
    sockets = []
    for line in text(table).splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        state = state_name(protocol, fields[3])
        sockets.append(Socket(protocol, decode_address(fields[1]), decode_address(fields[2]), state, int(fields[9])))
    return sockets


def socket_owners(listing: bytes) -> dict[int, int]:
    """Socket inode -> pid, from ``ls -l /proc/*/fd/`` (the first process holding it wins)."""
    owners: dict[int, int] = {}
    pid = None
    for line in text(listing).splitlines():
        header = FD_DIR.match(line)
        if header:
            pid = int(header.group(1))
            continue
        link = SOCKET_LINK.search(line)
        if link and pid is not None:
            owners.setdefault(int(link.group(1)), pid)
    return owners
