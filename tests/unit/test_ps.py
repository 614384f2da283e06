"""ps as the user reads it: dshell's own keeper hidden (unless --all) and named, the pause process
named, long arguments cut with a real ellipsis, start dates shown when not today."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

from rich.console import Console

from kubectl_dshell import verbs
from kubectl_dshell.probes.processes import Owners, Process, dshell_machinery, parse_processes
from kubectl_dshell.probes.runner import keeper_command
from kubectl_dshell.render import Ui
from kubectl_dshell.verbs import PsReport
from kubectl_dshell.views import ps_tables

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)


def proc(pid: int, ppid: int, command: list[str], container: str | None, role: str = "other",
         started: str = "2026-12-03T20:58:47Z") -> Process:
    return Process(pid, ppid, 0, 0, "root", "S", 100, 1, started, command, container, role)


PAUSE = proc(1, 0, ["/pause"], None, "pause", "2026-12-01T08:15:00Z")
APP = proc(2, 0, ["/app", "--config", "line one\nline two " + "x" * 60], "app", "target")
KEEPER = proc(4, 0, keeper_command(), "dshell-abcde", "debugger")
SLEEP = proc(9, 4, ["sleep", "5"], "dshell-abcde", "debugger")
OLD_KEEPER = proc(5, 0, keeper_command(), "dshell-zzzzz")  # an older debugger's: machinery too
FAKE = proc(6, 0, keeper_command(), "app", "target")  # the target cannot pass for dshell
FAKE_SLEEP = proc(7, 6, ["sleep", "5"], "app", "target")
ALL = [PAUSE, APP, KEEPER, OLD_KEEPER, FAKE, FAKE_SLEEP, SLEEP]


def table(processes: list[Process]) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=250, no_color=True)
    for each in ps_tables(PsReport(processes), NOW):
        console.print(each)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def test_only_the_debuggers_keepers_and_their_sleep_are_dshells_machinery() -> None:
    assert dshell_machinery(ALL) == {4, 5, 9}
    assert [p.dshell_name() for p in ALL] == [None, None, "keeper", "keeper", None, None, None]


def test_the_table_names_the_keeper_and_the_pause_process() -> None:
    lines = table(ALL)
    assert lines[0].split() == ["PID", "PPID", "USER", "S", "RSS(KB)", "THR", "STARTED", "CONTAINER", "COMMAND"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["4"].endswith("dshell-abcde (debugger)  dshell keeper")
    assert rows["9"].endswith("dshell-abcde (debugger)    └ sleep 5")
    assert "- (pause)" in rows["1"] and rows["1"].endswith("/pause")
    assert "state=" in rows["6"] and "dshell keeper" not in rows["6"]  # the target's own is shown as it is


def test_long_and_multi_line_arguments_are_cut_with_an_ellipsis_not_its_escape() -> None:
    row = next(line for line in table([APP]) if line.startswith("2 "))
    escaped = "line one\\nline two " + "x" * 60
    assert row.endswith("/app --config " + escaped[:48] + "…")
    assert "\\u2026" not in row


def test_started_shows_the_time_today_and_the_date_before() -> None:
    rows = {line.split()[0]: line for line in table([PAUSE, APP])[1:]}
    assert " 20:58:47 " in rows["2"]
    assert " 2026-12-01 08:15 " in rows["1"]


def test_ps_hides_the_machinery_unless_all(monkeypatch) -> None:
    monkeypatch.setattr(verbs, "parse_processes", lambda data, owners: ALL)
    monkeypatch.setattr(verbs, "capture", lambda *args: b"")
    target = SimpleNamespace(pod={"spec": {"containers": [{"name": "app"}]}}, container="app", name="two",
                             namespace="default")
    reached = SimpleNamespace(target=target, pod={"status": {}}, debugger=SimpleNamespace(name="dshell-abcde"))
    ui = Ui(Console(file=io.StringIO(), width=200, no_color=True))
    assert [p.pid for p in verbs.ps(None, reached, True, ui).processes] == [1, 2, 6, 7]
    assert [p.pid for p in verbs.ps(None, reached, True, ui, show_all=True).processes] == [1, 2, 4, 5, 6, 7, 9]


def test_the_probes_own_exec_is_left_out_wherever_it_sits() -> None:
    """The probe (pid 30, self) runs under its exec's loader (20), beside a watcher (21): neither is the pod's."""
    def record(pid: int, ppid: int, cid: str, args: list[str]) -> list[tuple[bytes, bytes]]:
        stat = f"{pid} (sh) S {ppid} " + " ".join(["0"] * 40)
        status = "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
        argv = ("\0".join(args) + "\0").encode().hex()
        return [(b"pid", str(pid).encode()), (b"stat", stat.encode()), (b"status", status.encode()),
                (b"cgroup", f"0::/kubepods/{cid}".encode()), (b"argv", argv.encode())]

    parts = [(b"btime", b"0"), (b"self", b"30"), (b"ancestors", b"20 "), (b"target", b"2")]
    parts += record(2, 0, "c-app", ["/app"]) + record(4, 0, "c-dbg", ["sh", "-c", "...", "dshell-keeper"])
    parts += record(20, 0, "c-dbg", ["sh", "-c", "...", "dshell-ps"]) + record(21, 20, "c-dbg", ["sh"])
    parts += record(31, 30, "c-dbg", ["cat"])
    data = b"".join(name + b"\0" + content + b"\0" for name, content in parts)
    owners = Owners({"c-app": "app", "c-dbg": "dshell-abcde"}, "app", "dshell-abcde")
    assert [p.pid for p in parse_processes(data, owners)] == [2, 4]
    assert [p.pid for p in parse_processes(data.replace(b"ancestors\x0020 ", b"ancestors\x00"), owners)] == [2, 4, 20, 21]
    hidden = replace(owners, names_by_id={"c-app": "app"})  # ancestors outside the debugger (hostPID): kept
    assert [p.pid for p in parse_processes(data, hidden)] == [2, 4, 20, 21]
