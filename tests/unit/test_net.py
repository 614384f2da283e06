"""net as the user reads it: --check and --resolve alone unless --all, every name a lookup tried with
its own answer, the check timeout a flag, and a closed stdout ending the command as every verb ends."""

from __future__ import annotations

import io
import os

from rich.console import Console

from kubectl_dshell import cli
from kubectl_dshell.inspection import stdout_console
from kubectl_dshell.probes.netchecks import parse_check
from kubectl_dshell.probes.netreport import NetReport
from kubectl_dshell.render import Ui
from kubectl_dshell.verbs import NetRequest
from kubectl_dshell.views import net_tables

CHECK = parse_check("db:5432", b"10.00 10.50 1\nnc: bad address 'db'", 3)
RESOLVE = {
    "name": "db", "ok": False, "addresses": [], "server": "10.96.0.10", "error": "server can't find db: SERVFAIL",
    "answered_as": None, "tried": ["db.default.svc.cluster.local", "db"],
    "attempts": [
        {"name": "db.default.svc.cluster.local", "ok": False, "addresses": [], "server": "10.96.0.10",
         "error": "server can't find db.default.svc.cluster.local: NXDOMAIN"},
        {"name": "db", "ok": False, "addresses": [], "server": "10.96.0.10", "error": "server can't find db: SERVFAIL"},
    ],
}


def report(focus: bool, checks: list[dict], resolves: list[dict]) -> NetReport:
    dns = {"nameservers": ["10.96.0.10"], "search": ["default.svc.cluster.local"], "options": ["ndots:5"]}
    return NetReport([], [], [], [], dns, checks, resolves, focus)


def shown(net: NetReport) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=200, no_color=True)
    for table in net_tables(net):
        console.print(table)
    return [line.rstrip() for line in out.getvalue().splitlines()]


def titles(lines: list[str]) -> list[str]:
    return [line for line in lines if line in ("Listening", "Connections", "Interfaces", "Routes", "DNS", "Checks", "Resolve")]


def test_checks_asked_for_are_shown_alone_unless_all() -> None:
    assert titles(shown(report(True, [CHECK], []))) == ["Checks"]
    assert titles(shown(report(True, [CHECK], [RESOLVE]))) == ["DNS", "Checks", "Resolve"]  # DNS: what names are tried
    every = ["Listening", "Connections", "Interfaces", "Routes", "DNS", "Checks"]
    assert titles(shown(report(False, [CHECK], []))) == every
    assert "focus" not in report(True, [CHECK], []).as_dict()  # JSON keeps everything, always


def test_a_lookup_shows_every_name_tried_with_its_own_answer() -> None:
    lines = shown(report(True, [], [RESOLVE]))
    start = lines.index("Resolve")
    assert lines[start + 1].split() == ["NAME", "TRIED", "ADDRESSES", "SERVER", "ERROR"]
    assert lines[start + 2].split() == ["db", "db.default.svc.cluster.local", "-", "10.96.0.10", "NXDOMAIN"]
    assert lines[start + 3].split() == ["db", "-", "10.96.0.10", "SERVFAIL"]


def test_the_check_timeout_reaches_the_probe() -> None:
    assert NetRequest((("db", 5432),), ("db",), 7).probe_args() == ["7", "check", "db", "5432", "resolve", "db"]
    assert NetRequest().probe_args() == ["3"]


def test_a_closed_stdout_ends_a_verb_silently_with_141(monkeypatch) -> None:
    read, write = os.pipe()
    os.close(read)
    stdout = os.fdopen(write, "w")
    monkeypatch.setattr("sys.stdout", stdout)
    net = report(False, [CHECK], [RESOLVE])

    def action(ui: Ui) -> int:
        console = stdout_console()
        for table in net_tables(net):
            console.print(table)
        return 0

    err = io.StringIO()
    assert cli.outcome(action, Ui(Console(file=err, width=100, no_color=True)), False) == 141
    assert err.getvalue() == ""
    try:
        stdout.close()
    except BrokenPipeError:
        pass
