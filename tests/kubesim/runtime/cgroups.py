"""Per-container cgroups, laid out as kubelet + containerd do with the cgroupfs driver.

A container's processes join ``<run>/kubepods/besteffort/pod<uid>/<container id>`` in every
mounted hierarchy (cgroup v1 controllers, name=systemd, and the v2 unified one), so
/proc/PID/cgroup names the container. Each hierarchy's tree sits below the simulator's own
cgroup there, so the simulator's resource limits keep applying. cpuset is left out: a new
cpuset cgroup refuses tasks until its cpus and mems are filled in.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

SKIPPED_CONTROLLERS = {"cpuset"}


def hierarchy_bases() -> list[Path]:
    """The simulator's own cgroup folder in each usable hierarchy."""
    mounts = _cgroup_mounts()
    bases = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        key = frozenset(controllers.split(",")) if controllers else frozenset({"cgroup2"})
        if key & SKIPPED_CONTROLLERS or key not in mounts:
            continue
        mountpoint, root = mounts[key]
        relative = os.path.relpath(path, root) if path.startswith(root) else path.lstrip("/")
        bases.append(Path(os.path.normpath(mountpoint / relative)))
    return bases


def _cgroup_mounts() -> dict[frozenset[str], tuple[Path, str]]:
    """Controller set -> (mount point, mounted root) from mountinfo."""
    mounts = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, _, tail = line.partition(" - ")
        fstype, _, options = (tail.split(" ") + ["", "", ""])[:3]
        parts = fields.split(" ")
        if fstype == "cgroup2":
            mounts[frozenset({"cgroup2"})] = (Path(parts[4]), parts[3])
        elif fstype == "cgroup":
            names = {o for o in options.split(",") if o not in ("rw", "ro")}
            mounts[frozenset(names)] = (Path(parts[4]), parts[3])
    return mounts


class CgroupTree:
    """The cgroups of one simulator run: ``<base>/kubesim-<run>/...`` in each hierarchy."""

    def __init__(self, run: str, bases: list[Path] | None = None):
        self.roots = [b / f"kubesim-{run}" for b in (hierarchy_bases() if bases is None else bases)]

    def prepare(self) -> None:
        """Create the run's folder in each hierarchy, keeping only those where that works
        (a read-only cgroupfs is left out rather than failing every container)."""
        usable = []
        for root in self.roots:
            try:
                root.mkdir(exist_ok=True)
            except OSError:
                continue
            usable.append(root)
        self.roots = usable

    def create(self, rel: str) -> list[str]:
        """Create ``rel`` in every hierarchy; the cgroup.procs files a process joins."""
        for root in self.roots:
            (root / rel).mkdir(parents=True, exist_ok=True)
        return [str(root / rel / "cgroup.procs") for root in self.roots]

    def pids(self, rel: str) -> list[int]:
        """Host pids of the processes in ``rel`` (and below it)."""
        found: set[int] = set()
        for folder, _, _ in os.walk(self.roots[0] / rel) if self.roots else ():
            try:
                found.update(int(p) for p in Path(folder, "cgroup.procs").read_text().split())
            except OSError:  # ENOENT, ENODEV: removed meanwhile
                continue
        return sorted(found)

    def kill(self, rel: str, timeout: float = 5.0) -> None:
        """SIGKILL every process in ``rel`` until it is empty (processes may fork meanwhile)."""
        deadline = time.monotonic() + timeout
        while (pids := self.pids(rel)) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self, rel: str = "", timeout: float = 5.0) -> None:
        """Remove ``rel`` and everything below it in every hierarchy (the whole run if empty)."""
        for root in self.roots:
            remove_cgroup(root / rel if rel else root, timeout)


def remove_cgroup(top: Path, timeout: float = 5.0) -> None:
    """rmdir a cgroup subtree bottom-up, waiting while dying processes still hold it."""
    deadline = time.monotonic() + timeout
    for folder, _, _ in sorted(os.walk(top), key=lambda w: -len(Path(w[0]).parts)):
        while True:
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:  # EBUSY while exiting processes are still charged to it
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
