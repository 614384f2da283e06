"""State folders of simulator runs, and what a run may leave behind.

A run's state lives in ``<root>/<simulator pid>-<random>/`` and its cgroups in
``kubesim-<simulator pid>-<random>`` folders. Its processes cannot outlive it (they die with the node holder),
so after a crash only files and empty cgroups remain: :func:`sweep` removes those of runs whose
simulator is gone.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
from pathlib import Path

from .cgroups import hierarchy_bases, remove_cgroup

RUN_NAME = re.compile(r"(\d+)-[0-9a-f]+")
CGROUPS_FILE = "node-cgroups"  # in a node's state folder: its cgroup roots, one a line
NS_GET_PARENT = 0xB702  # ioctl on a pid namespace fd: its parent namespace


def make_state_dir(root: Path) -> Path:
    """A new, empty state folder for this process's run: ``<root>/<pid>-<random>``."""
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def sweep(root: Path) -> list[str]:
    """Remove state folders and cgroups of runs whose simulator process is gone; what was removed."""
    removed = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        match = RUN_NAME.fullmatch(folder.name)
        if not match or _alive(int(match.group(1))):
            continue
        # The node's state folder is the run folder or one inside it.
        for listing in [folder / CGROUPS_FILE, *folder.glob(f"*/{CGROUPS_FILE}")]:
            for line in listing.read_text().split() if listing.exists() else ():
                removed += _remove_cgroup(Path(line))
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(str(folder))
    for base in hierarchy_bases():
        for top in base.glob("kubesim-*"):
            match = RUN_NAME.fullmatch(top.name.removeprefix("kubesim-"))
            if match and not _alive(int(match.group(1))):
                removed += _remove_cgroup(top)
    return removed


def _remove_cgroup(top: Path) -> list[str]:
    if not top.is_dir():
        return []
    try:
        remove_cgroup(top, timeout=0.5)
    except OSError:  # still in use: not a dead run's after all (e.g. one in another pid namespace)
        return []
    return [str(top)]


def find_leftovers(state_dir: Path, pidns_inode: int, cgroup_roots: list[Path]) -> list[str]:
    """What a run left: processes in its node's pid namespace tree or naming its state, mounts
    under its state folder, its cgroups, the folder itself."""
    # Launchers run in the host's pid namespace: they are known by their command lines.
    markers = [str(state_dir).encode(), *{root.name.encode() for root in cgroup_roots}]
    found = [f"process {pid}" for pid in _pids() if _in_node(pid, pidns_inode, markers)]
    mountinfo = Path("/proc/self/mountinfo").read_text().splitlines()
    found += [f"mount {line}" for line in mountinfo if str(state_dir) in line]
    found += [f"cgroup {root}" for root in cgroup_roots if root.exists()]
    found += [f"folder {state_dir}"] if state_dir.exists() else []
    return found


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _in_node(pid: int, pidns_inode: int, markers: list[bytes]) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        fd = os.open(f"/proc/{pid}/ns/pid", os.O_RDONLY)
    except OSError:  # exited meanwhile
        return False
    if any(marker in cmdline for marker in markers):
        os.close(fd)
        return True
    return _ns_descends_from(fd, pidns_inode)


def _ns_descends_from(fd: int, inode: int) -> bool:
    """Whether the pid namespace ``fd`` is ``inode`` or nested in it (consumes ``fd``)."""
    try:
        while os.fstat(fd).st_ino != inode:
            parent = fcntl.ioctl(fd, NS_GET_PARENT)
            os.close(fd)
            fd = parent
        return True
    except OSError:  # EPERM: reached the top namespace
        return False
    finally:
        os.close(fd)
