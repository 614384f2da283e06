"""The simulator's node runtime: pod sandboxes and containers as real Linux processes, and the
cluster DNS they use.

The kubelet resolves pods into ContainerSpecs and calls :class:`Node`; exec and attach sessions
reach the API side as contracts.StreamSession. Everything the node starts is a descendant of its
holder's pid namespace, so :meth:`Node.stop` (or the simulator's death) ends it all.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cleanup
from .build import BUILD_DIR, Helpers, build_helpers
from .cgroups import CgroupTree
from .container import Container, Placement, start_container
from .dns import DnsServer
from .dnszone import ClusterZone
from .errors import StartError
from .holder import Holder
from .images import Images, build_images
from .network import (
    CLUSTER_DNS, KUBERNETES_SERVICE_IP, AddressPool, NetworkError, add_service_address, connect_pod, setup_bridge,
)
from .nsargs import Namespaces, RootDirs
from .spec import ContainerSpec, ImageConfig

__all__ = ["Container", "Images", "Node", "Sandbox", "StartError"]

POD_NAMESPACES = ("net", "ipc", "uts")
PAUSE_UID = 65535


@dataclass
class Sandbox:
    """A pod sandbox: the pause process holding the pod's namespaces, and its containers."""

    id: str
    ip: str
    hostname: str
    pod_uid: str
    share_pid: bool
    pause: Container = field(repr=False)
    containers: list[Container] = field(default_factory=list, repr=False)

    @property
    def cgroup(self) -> str:
        """The pod's cgroup, relative to the run's root."""
        return f"kubepods/besteffort/pod{self.pod_uid}"

    def ns(self, kind: str) -> str:
        """Path of one of the pod's namespaces (held by pause)."""
        return f"/proc/{self.pause.pid}/ns/{kind}"


class Node:
    """One simulated node (see the module docstring)."""

    images: Images

    def __init__(self, state_dir: Path, cache_dir: Path = BUILD_DIR):
        self.state_dir = Path(state_dir)
        self._cache_dir = cache_dir
        self._helpers: Helpers | None = None
        self._holder: Holder | None = None
        self._dns: DnsServer | None = None
        # Named by the simulator's pid, so sweep() can tell a crashed run's cgroups.
        self._cgroups = CgroupTree(f"{os.getpid()}-{secrets.token_hex(4)}")
        self._addresses = AddressPool()
        self._containers: dict[str, Container] = {}
        self._lock = threading.Lock()
        self._pidns_inode = 0
        self._stopped = False

    def start(self) -> None:
        """Build helpers and images (cached), start the node holder, its bridge and the cluster DNS."""
        self._helpers = build_helpers(self._cache_dir)
        self.images = build_images(self._helpers, self._cache_dir / "images")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._cgroups.prepare()
        roots = "\n".join(map(str, self._cgroups.roots))
        (self.state_dir / cleanup.CGROUPS_FILE).write_text(roots + "\n")
        atexit.register(self.stop)
        self._holder = Holder(self._helpers.nsrun)
        self._holder.start()
        self._pidns_inode = os.stat(self._holder.ns("pid")).st_ino
        setup_bridge(self._holder.pid)
        zone = _cluster_zone()
        add_service_address(self._holder.pid, zone.dns_ip)
        self._dns = DnsServer(self._holder.ns("net"), zone)
        self._dns.start()

    def stop(self) -> None:
        """Kill everything this node made and remove its state. Idempotent; no locks taken, so
        it is safe from atexit and signal handlers."""
        if self._stopped:
            return
        self._stopped = True
        if self._dns is not None:
            self._dns.stop()
        if self._holder is not None:
            self._holder.kill()
        for container in list(self._containers.values()):
            for proc in container.processes():
                _reap(proc)
        try:
            self._cgroups.remove()
        except OSError:  # still busy after the wait: leftovers() reports it
            pass
        shutil.rmtree(self.state_dir, ignore_errors=True)
        atexit.unregister(self.stop)

    def run_sandbox(self, pod_uid: str, hostname: str, *, share_pid: bool) -> Sandbox:
        """Start a pod's pause process with new net, IPC and UTS (and with share_pid, pid)
        namespaces, and wire its eth0 to the node's bridge."""
        holder, helpers = self._running()
        sandbox_id = secrets.token_hex(32)
        new = POD_NAMESPACES + (("pid",) if share_pid else ())
        ns = Namespaces(pidns=holder.ns("pid"), new=new, hostname=hostname)
        dirs = RootDirs.under(self.state_dir / "sandboxes" / sandbox_id)
        where = Placement(ns, dirs, self._cgroups, f"kubepods/besteffort/pod{pod_uid}/{sandbox_id}")
        ip = self._addresses.allocate()
        try:
            pause = start_container(helpers.nsrun, _pause_spec(self.images.pause, sandbox_id), where)
        except StartError:
            self._addresses.release(ip)
            raise
        sandbox = Sandbox(sandbox_id, ip, hostname, pod_uid, share_pid, pause)
        with self._lock:
            self._containers[sandbox_id] = pause
        try:
            connect_pod(holder.pid, pause.pid, ip, f"veth{sandbox_id[:8]}")
        except NetworkError:
            self.stop_sandbox(sandbox)
            raise
        return sandbox

    def stop_sandbox(self, sandbox: Sandbox) -> None:
        """Stop the pod's containers (SIGKILL at once) and its pause process; free its address,
        cgroups and folders."""
        with self._lock:
            members = [*sandbox.containers, sandbox.pause]
        for container in members:
            container.stop(grace=0)
            for proc in container.processes():
                _reap(proc)
        self._cgroups.remove(sandbox.cgroup)
        self._addresses.release(sandbox.ip)
        with self._lock:
            for container in members:
                self._containers.pop(container.id, None)
        for container in members:
            folder = "sandboxes" if container is sandbox.pause else "containers"
            shutil.rmtree(self.state_dir / folder / container.id, ignore_errors=True)

    def start_container(self, sandbox: Sandbox, spec: ContainerSpec) -> Container:
        """Start a container in the pod; StartError (containerd's message) if it cannot start."""
        _, helpers = self._running()
        ns = self._namespaces(sandbox, spec.pid_mode)
        folder = self.state_dir / "containers" / spec.id
        where = Placement(ns, RootDirs.under(folder), self._cgroups, f"{sandbox.cgroup}/{spec.id}")
        try:
            container = start_container(helpers.nsrun, spec, where)
        except StartError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            sandbox.containers.append(container)
            self._containers[spec.id] = container
        return container

    def _namespaces(self, sandbox: Sandbox, pid_mode: str) -> Namespaces:
        holder, _ = self._running()
        joins = tuple(sandbox.ns(kind) for kind in POD_NAMESPACES)
        if pid_mode == "container":
            return Namespaces(pidns=holder.ns("pid"), joins=joins, new=("pid",))
        if pid_mode == "pod" and sandbox.share_pid:
            return Namespaces(pidns=sandbox.ns("pid"), joins=joins)
        target_id = pid_mode.removeprefix("target:")
        target = self._containers.get(target_id) if pid_mode.startswith("target:") else None
        if target is None or target.exit_code is not None:
            raise StartError(f"cannot use pid mode {pid_mode!r}: no such running container or pod")
        return Namespaces(pidns=f"/proc/{target.pid}/ns/pid", joins=joins)

    @property
    def holder_pid(self) -> int:
        """Host pid of the node's PID 1 (0 before start)."""
        return self._holder.pid if self._holder is not None else 0

    def _running(self) -> tuple[Holder, Helpers]:
        if self._holder is None or self._helpers is None or self._stopped:
            raise RuntimeError("the node is not running")
        return self._holder, self._helpers

    def leftovers(self) -> list[str]:
        """What of this node still exists (empty after stop()): processes, mounts, cgroups, files."""
        return cleanup.find_leftovers(self.state_dir, self._pidns_inode, self._cgroups.roots)

    @staticmethod
    def sweep(root: Path) -> list[str]:
        """Remove state folders and cgroups left by crashed runs under ``root``; what was removed."""
        return cleanup.sweep(root)


def _cluster_zone() -> ClusterZone:
    """The Services the cluster DNS knows: the API's and its own, at the addresses pods are given."""
    services = {
        ("kubernetes", "default"): KUBERNETES_SERVICE_IP,
        ("kube-dns", "kube-system"): CLUSTER_DNS,
    }
    return ClusterZone(services, dns_ip=CLUSTER_DNS, serial=int(time.time()))


def _pause_spec(image: ImageConfig, sandbox_id: str) -> ContainerSpec:
    return ContainerSpec(
        id=sandbox_id, name="POD", image=image, argv=list(image.entrypoint), env=list(image.env),
        cwd="/", uid=PAUSE_UID, gid=PAUSE_UID, readonly_rootfs=True,
    )


def _reap(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
