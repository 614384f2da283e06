"""ps: the process probe's output as processes with their containers, and their tree (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .sections import sections, text, unhex

# A debugger container's name starts so (debugger.PREFIX); only there is a process taken for dshell's own.
DEBUGGER_PREFIX = "dshell-"
CLOCK_TICKS = 100  # USER_HZ: /proc/PID/stat counts start times in 1/100 s on every Linux architecture
PER_PROCESS = ("pid", "stat", "status", "cgroup", "argv")


@dataclass(frozen=True)
class Process:
    """One process; ``container`` names its container, ``role`` is target, debugger, pause (the pod
    sandbox's, seen with shareProcessNamespace) or other."""

    pid: int
    ppid: int
    uid: int
    gid: int
    user: str
    state: str
    rss_kb: int
    threads: int
    started: str
    command: list[str]
    container: str | None
    role: str

    def as_dict(self) -> dict:
        """The JSON shape of design.md, plus user, started and role."""
        return {
            "pid": self.pid,
            "ppid": self.ppid,
            "uid": self.uid,
            "gid": self.gid,
            "user": self.user,
            "state": self.state,
            "rss_kb": self.rss_kb,
            "threads": self.threads,
            "started": self.started,
            "command": self.command,
            "container": self.container,
            "role": self.role,
        }

    def dshell_name(self) -> str | None:
        """What this process is to dshell ("keeper", "ps", "session", "exec"), or None when it is not
        dshell's own: a ``sh -c SCRIPT dshell[-NAME] ...`` in a debugger container. Its container,
        known from its cgroup, is what counts: a target cannot pass a process of its own for dshell's."""
        args = self.command
        in_debugger = self.role == "debugger" or (self.container or "").startswith(DEBUGGER_PREFIX)
        if not in_debugger or len(args) < 4 or args[:2] not in (["sh", "-c"], ["/bin/sh", "-c"]):
            return None
        if args[3] == "dshell":
            return "session"
        return args[3].removeprefix(DEBUGGER_PREFIX) if args[3].startswith(DEBUGGER_PREFIX) else None


def dshell_machinery(processes: list[Process]) -> set[int]:
    """The pids ps hides unless --all: the debuggers' keepers and the sleep each waits on."""
    keepers = {p.pid for p in processes if p.dshell_name() == "keeper"}
    return keepers | {p.pid for p in processes if p.ppid in keepers and p.command[:1] == ["sleep"]}


@dataclass(frozen=True)
class Owners:
    """Who is who in the pod: container ids to names, the target's and the debugger's names."""

    names_by_id: dict[str, str]
    target: str
    debugger: str

    def container_of(self, cgroup: bytes) -> str | None:
        """The container whose id the process's cgroup path names."""
        return next((name for cid, name in self.names_by_id.items() if cid.encode() in cgroup), None)

    def role(self, container: str | None) -> str:
        """target, debugger or other."""
        return {self.target: "target", self.debugger: "debugger"}.get(container or "", "other")


def pod_owners(pod: dict, target: str, debugger: str) -> Owners:
    """The container ids of every container in the pod's status (regular, init and ephemeral)."""
    status = pod.get("status") or {}
    names = {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cstatus in status.get(key) or []:
            cid = (cstatus.get("containerID") or "").rpartition("://")[2]
            if cid:
                names[cid] = cstatus["name"]
    return Owners(names, target, debugger)


def argv(hexdump: bytes) -> list[str]:
    """A cmdline from its hex dump: NUL-separated arguments, kept exactly (empty ones too)."""
    raw = unhex(hexdump)
    return [text(arg) for arg in raw.removesuffix(b"\0").split(b"\0")] if raw else []


def users(passwd: bytes) -> dict[int, str]:
    """uid -> user name from an /etc/passwd."""
    names = {}
    for line in text(passwd).splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            names.setdefault(int(fields[2]), fields[0])
    return names


def status_fields(status: bytes) -> dict[str, str]:
    """/proc/PID/status as a dict ("Uid" -> "0\\t0\\t0\\t0")."""
    fields = {}
    for line in text(status).splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def parse_process(record: dict[str, bytes], btime: int, names: dict[int, str], owners: Owners) -> Process | None:
    """One process from its sections; None when it exited while the probe read it."""
    stat, fields = record.get("stat", b""), status_fields(record.get("status", b""))
    after = stat[stat.rfind(b")") + 2 :].split()
    if len(after) < 22 or "Uid" not in fields:
        return None
    uid, gid = int(fields["Uid"].split()[1]), int(fields["Gid"].split()[1])
    started = datetime.fromtimestamp(btime + int(after[19]) // CLOCK_TICKS, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    container = owners.container_of(record.get("cgroup", b""))
    # No argv (a zombie, a kernel thread): ps shows the name from stat in brackets.
    command = argv(record.get("argv", b"")) or [f"[{text(stat[stat.find(b'(') + 1 : stat.rfind(b')')])}]"]
    # The sandbox's pause process, in no container of the pod's (shareProcessNamespace shows it).
    paused = container is None and int(after[1]) == 0 and command[0].rpartition("/")[2] == "pause"
    return Process(
        pid=int(record["pid"]),
        ppid=int(after[1]),
        uid=uid,
        gid=gid,
        user=names.get(uid, str(uid)),
        state=after[0].decode("ascii", "replace"),
        rss_kb=int(fields.get("VmRSS", "0 kB").split()[0]),
        threads=int(after[17]),
        started=started,
        command=command,
        container=container,
        role="pause" if paused else owners.role(container),
    )


def parse_processes(data: bytes, owners: Owners) -> list[Process]:
    """Every process the probe saw, but the probe's own, by pid."""
    header: dict[str, bytes] = {}
    records: list[dict[str, bytes]] = []
    for name, content in sections(data):
        if name == "pid":
            records.append({})
        (records[-1] if records and name in PER_PROCESS else header)[name] = content
    btime, me = int(header.get("btime", b"0").strip() or 0), header.get("self", b"")
    names = users(header.get("passwd", b""))
    found = [p for p in (parse_process(record, btime, names, owners) for record in records) if p]
    own = _session(found, [int(pid) for pid in header.get("ancestors", b"").split()], owners.debugger)
    return sorted((p for p in found if str(p.ppid).encode() != me and p.pid not in own), key=lambda p: p.pid)


def _session(processes: list[Process], ancestors: list[int], debugger: str) -> set[int]:
    """The probe's own exec: its topmost ancestor in the debugger's container, and all below it."""
    by_pid = {p.pid: p for p in processes}
    inside = [pid for pid in ancestors if pid in by_pid and by_pid[pid].container == debugger]
    if not inside:
        return set()
    own, children = {inside[-1]}, {}
    for process in processes:
        children.setdefault(process.ppid, []).append(process.pid)
    todo = [inside[-1]]
    while todo:
        for child in children.get(todo.pop(), []):
            own.add(child)
            todo.append(child)
    return own


def tree(processes: list[Process]) -> list[tuple[int, Process]]:
    """The processes depth-first from the roots (whose parent is not listed), with their depth."""
    pids = {p.pid for p in processes}
    children: dict[int, list[Process]] = {}
    for process in processes:
        children.setdefault(process.ppid if process.ppid in pids else 0, []).append(process)
    ordered: list[tuple[int, Process]] = []
    stack = [(0, p) for p in reversed(children.get(0, []))]
    while stack:
        depth, process = stack.pop()
        ordered.append((depth, process))
        stack.extend((depth + 1, child) for child in reversed(children.get(process.pid, [])))
    return ordered
