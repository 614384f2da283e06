"""nsrun command lines from a ContainerSpec: what to join or create, the root, the identity."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .caps import ALL_CAPS, cap_mask
from .spec import ContainerSpec


@dataclass(frozen=True)
class Namespaces:
    """Where a process goes: the pid namespace its parent forks into, namespaces to join
    (paths under /proc/PID/ns), namespaces its first child creates, the mount namespace to enter
    (exec) instead of building one."""

    pidns: str
    joins: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    hostname: str | None = None
    mntns: str | None = None


@dataclass(frozen=True)
class RootDirs:
    """A container's overlay: merged mount point, upper and work folders."""

    root: Path
    upper: Path
    work: Path

    @classmethod
    def under(cls, folder: Path) -> RootDirs:
        """The three folders inside ``folder``, created."""
        dirs = cls(folder / "rootfs", folder / "upper", folder / "work")
        for d in (dirs.root, dirs.upper, dirs.work):
            d.mkdir(parents=True, exist_ok=True)
        return dirs


def run_args(spec: ContainerSpec, ns: Namespaces, dirs: RootDirs, cgroups: list[str]) -> list[str]:
    """Arguments that start ``spec``'s main process."""
    args = _namespace_args(ns, cgroups)
    args += ["--lower", str(spec.image.rootfs), "--upper", str(dirs.upper), "--work", str(dirs.work)]
    args += ["--root", str(dirs.root)]
    for m in spec.mounts:
        args += ["--bind", str(m.source), m.target, "ro" if m.readonly else "rw"]
    args += ["--readonly-root"] if spec.readonly_rootfs else []
    args += ["--tty"] if spec.tty else []
    return args + _identity_args(spec) + ["--", *spec.argv]


def exec_args(spec: ContainerSpec, argv: list[str], ns: Namespaces, cgroups: list[str], tty: bool) -> list[str]:
    """Arguments that run ``argv`` in a running container, as the container's own user."""
    args = _namespace_args(ns, cgroups) + (["--tty"] if tty else [])
    return args + _identity_args(spec) + ["--", *argv]


def _namespace_args(ns: Namespaces, cgroups: list[str]) -> list[str]:
    args = ["--pidns", ns.pidns]
    for path in ns.joins:
        args += ["--join", path]
    if ns.new:
        args += ["--new", ",".join(ns.new)]
    if ns.hostname:
        args += ["--hostname", ns.hostname]
    if ns.mntns:
        args += ["--mntns", ns.mntns]
    for procs in cgroups:
        args += ["--cgroup", procs]
    return args


def _identity_args(spec: ContainerSpec) -> list[str]:
    caps = ALL_CAPS if spec.privileged else cap_mask(spec.caps)
    args = ["--uid", str(spec.uid), "--gid", str(spec.gid), "--caps", f"{caps:x}", "--cwd", spec.cwd]
    if spec.groups:
        args += ["--groups", ",".join(map(str, spec.groups))]
    args += ["--no-new-privs"] if spec.no_new_privs else []
    args += ["--privileged"] if spec.privileged else []
    for var in spec.env:
        args += ["--env", var]
    return args
