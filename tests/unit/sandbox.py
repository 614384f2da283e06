"""Real processes for testing the in-pod scripts with this machine's static busybox (needs root).

A *target* is a distroless-like container: a process chrooted into a folder that holds no shell,
with /proc mounted in a private mount namespace and its own cgroup named after a container id.
A *session* runs enter.sh the way an exec into the debugger would, as root with containerd's
default capabilities (or all of them, or a non-root uid).
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kubectl_dshell.probes.runner import (
    Invocation,
    Mode,
    SessionArgs,
    install_invocation,
    session_invocation,
    terminal_invocation,
)
from tests.kubesim.runtime.spec import DEFAULT_CAPS

BUSYBOX = shutil.which("busybox") or "/usr/bin/busybox"
PR_CAPBSET_DROP = 24
CLONE_NEWNS = 0x20000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
# Linux capability numbers, in order (include/uapi/linux/capability.h).
CAP_NAMES = (
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
)


def cgroup2_root() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (also on hybrid v1/v2 hosts), if anywhere."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def runnable() -> str | None:
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (chroot, mount namespaces, cgroups)"
    if not Path(BUSYBOX).exists():
        return "needs busybox"
    if cgroup2_root() is None:
        return "needs a cgroup v2 hierarchy"
    return None


def make_tools(folder: Path) -> Path:
    """The debugger's applet folder, as in the official busybox image: busybox and hard links."""
    folder.mkdir()
    shutil.copy(BUSYBOX, folder / "busybox")
    os.link(folder / "busybox", folder / "sh")
    return folder


@dataclass
class Target:
    """A running fake container."""

    process: subprocess.Popen
    container_id: str
    root: Path
    cgroup: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Kill it (its mount namespace and /proc mount go with it) and remove its cgroup."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        for _ in range(50):
            try:
                self.cgroup.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.05)  # the kernel empties the cgroup a moment after the exit


def start_target(folder: Path, uid: int, with_child: bool = False) -> Target:
    """A process running as ``uid`` with containerd's default capabilities in a shell-less root with
    /proc, in a cgroup of its own."""
    root = folder / "rootfs"
    for sub in ("app", "etc", "proc"):
        (root / sub).mkdir(parents=True)
    shutil.copy(BUSYBOX, root / "app" / "busybox")
    (root / "etc" / "marker").write_text("target-root\n")
    container_id = secrets.token_hex(32)
    cgroup = cgroup2_root() / f"dshell-unit-{container_id}"  # type: ignore[operator]
    cgroup.mkdir()
    main = "/app/busybox sleep 600 & exec /app/busybox sleep 601" if with_child else "exec /app/busybox sleep 600"
    setup = (
        'echo $$ > "$1/cgroup.procs" && exec chroot "$2" /app/busybox nsenter -S "$3" -G "$3" /app/busybox sh -c "$4"'
    )
    process = subprocess.Popen(
        [BUSYBOX, "sh", "-c", setup, "target", str(cgroup), str(root), str(uid), main],
        env={"PATH": "/app:/bin"},
        preexec_fn=_as_container(root),
    )
    target = Target(process, container_id, root, cgroup)
    _wait_until_running(target, uid)
    return target


def _wait_until_running(target: Target, uid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{target.pid}/status").read_text()
            argv = Path(f"/proc/{target.pid}/cmdline").read_bytes().split(b"\0")
            cgroup = Path(f"/proc/{target.pid}/cgroup").read_text()
        except OSError:
            status, argv, cgroup = "", [], ""
        # The main program itself (the setup shell's argv names it too) as uid, in its cgroup.
        if f"Uid:\t{uid}\t" in status and argv[:2] == [b"/app/busybox", b"sleep"] and target.container_id in cgroup:
            return
        if target.process.poll() is not None:
            break
        time.sleep(0.02)
    target.stop()
    raise RuntimeError(f"the fake target did not start (exit {target.process.returncode})")


def _as_container(root: Path):
    """In the child: a private mount namespace where ``root`` is a mount with /proc in it, then only
    containerd's default capabilities (ptrace access checks compare them with the debugger's)."""

    def setup() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        failed = (
            libc.unshare(CLONE_NEWNS)
            or libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
            # Its root is a mount of its own, as a container's is (dshell_verify checks the mount).
            or libc.mount(str(root).encode(), str(root).encode(), None, MS_BIND | MS_REC, None)
            or libc.mount(b"proc", str(root / "proc").encode(), b"proc", 0, None)
        )
        if failed:
            raise OSError(ctypes.get_errno(), "cannot set up the fake container")
        _drop_to_default_caps()

    return setup


def _drop_to_default_caps() -> None:
    """In the child: keep only containerd's default capabilities (no SYS_PTRACE), as a root debugger."""
    libc = ctypes.CDLL(None, use_errno=True)
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for number, name in enumerate(CAP_NAMES[: last + 1]):
        if f"CAP_{name}" not in DEFAULT_CAPS:
            libc.prctl(PR_CAPBSET_DROP, number, 0, 0, 0)


def _become(uid: int, gid: int):
    def switch() -> None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    return switch


@dataclass(frozen=True)
class Debugger:
    """How sessions run: the applet folder, the state folder, and the identity (caps or uid/gid)."""

    tools: Path
    state: Path
    caps: str = "default"  # "default" (containerd's), "all" (as with SYS_PTRACE) or "none" (non-root)
    uid: int = 0
    gid: int = 0

    def invocation(self, args: SessionArgs, command: tuple[str, ...] = ()) -> Invocation:
        """What the plugin sends for this session; for a terminal one, enter.sh is installed first."""
        if args.mode is not Mode.INTERACTIVE:
            return session_invocation(args, command)
        install = install_invocation()
        subprocess.run(self._here(install.argv), input=install.preamble, check=True, capture_output=True,
                       timeout=20, **self.popen_options())
        return terminal_invocation(args, command)

    def _here(self, argv: list[str]) -> list[str]:
        return [str(self.tools / "sh"), *argv[1:]]

    def argv(self, args: SessionArgs, command: tuple[str, ...] = ()) -> list[str]:
        """The argv of a terminal session as sent by the plugin, run by this debugger's busybox."""
        invocation = self.invocation(args, command)
        assert not invocation.preamble, "only a terminal session takes nothing on stdin"
        return self._here(invocation.argv)

    def popen_options(self) -> dict:
        """What makes a child process this debugger's session."""
        preexec = _drop_to_default_caps if self.caps == "default" else None
        if self.uid or self.gid:
            preexec = _become(self.uid, self.gid)
        return {
            "env": {"PATH": str(self.tools), "DSHELL_STATE": str(self.state)},
            "preexec_fn": preexec,
        }

    def run(
        self,
        target: Target,
        mode: Mode,
        command: tuple[str, ...] = (),
        *,
        verbosity: int = 1,
        uid: int | str | None = None,
        gid: int | None = None,
        stdin: bytes = b"",
    ) -> subprocess.CompletedProcess:
        """One session against ``target``, to completion."""
        args = SessionArgs(target.container_id, "web", "app", mode, verbosity, "why this identity", uid, gid)
        invocation = self.invocation(args, command)
        return subprocess.run(
            self._here(invocation.argv), input=invocation.preamble + stdin, capture_output=True, timeout=20,
            **self.popen_options(),
        )
