"""The node's pod network: a bridge in the holder's network namespace and a veth per pod.

Like a bridge CNI plugin: each pod's eth0 gets the next free address of 10.244.0.0/24 and a
default route via the bridge, so pods reach each other by IP, and the cluster DNS's address is
local to the holder's namespace; the host's network is not involved.
Commands run with ``ip -batch`` inside the target namespace (nsenter --net), as CNI plugins do.
"""

from __future__ import annotations

import subprocess
import threading

BRIDGE = "cni0"
KUBERNETES_SERVICE_IP = "10.96.0.1"  # the `kubernetes` Service's ClusterIP, as pods are told it
CLUSTER_DNS = "10.96.0.10"  # the kube-dns Service's ClusterIP: pods' nameserver
PREFIX = "10.244.0."
GATEWAY = f"{PREFIX}1"
PREFIX_LEN = 24


class NetworkError(RuntimeError):
    """An ip command failed."""


def ip_batch(netns_pid: int, commands: list[str]) -> None:
    """Run ``ip`` commands in the network namespace of ``netns_pid``."""
    result = subprocess.run(
        ["nsenter", f"--net=/proc/{netns_pid}/ns/net", "ip", "-batch", "-"],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise NetworkError(f"ip in netns of {netns_pid}: {result.stderr.strip()}")


def setup_bridge(node_pid: int) -> None:
    """Create the node's bridge (the pods' gateway) in the holder's network namespace."""
    ip_batch(
        node_pid,
        [
            "link set lo up",
            f"link add {BRIDGE} type bridge",
            f"addr add {GATEWAY}/{PREFIX_LEN} dev {BRIDGE}",
            f"link set {BRIDGE} up",
        ],
    )


def add_service_address(node_pid: int, ip: str) -> None:
    """Make a Service's ClusterIP local to the holder's network namespace, so that a server bound
    there answers pods through their default route (kube-proxy's IPVS mode binds ClusterIPs to a
    dummy interface the same way; this kernel has no dummy driver, so lo holds it)."""
    ip_batch(node_pid, [f"addr add {ip}/32 dev lo"])


def connect_pod(node_pid: int, pod_pid: int, ip: str, veth: str) -> None:
    """Give the pod whose namespace ``pod_pid`` holds an eth0 on the bridge with address ``ip``."""
    ip_batch(
        node_pid,
        [
            f"link add {veth} type veth peer name eth0 netns {pod_pid}",
            f"link set {veth} master {BRIDGE}",
            f"link set {veth} up",
        ],
    )
    ip_batch(
        pod_pid,
        [
            "link set lo up",
            f"addr add {ip}/{PREFIX_LEN} dev eth0",
            "link set eth0 up",
            f"route add default via {GATEWAY}",
        ],
    )


class AddressPool:
    """Pod addresses of the /24, handed out lowest first and reused once released."""

    def __init__(self) -> None:
        self._free = [f"{PREFIX}{n}" for n in range(2, 255)]
        self._lock = threading.Lock()

    def allocate(self) -> str:
        """The lowest free address; NetworkError when the range is used up."""
        with self._lock:
            if not self._free:
                raise NetworkError(f"no free address in {PREFIX}0/{PREFIX_LEN}")
            return self._free.pop(0)

    def release(self, ip: str) -> None:
        """Give ``ip`` back."""
        with self._lock:
            if ip not in self._free:
                self._free.append(ip)
                self._free.sort(key=lambda a: int(a.rsplit(".", 1)[1]))
