"""The inspection verbs' results for people (rich tables) and programs (JSON, YAML).

A console is passed in (tests give a fixed-width, colourless one); nothing prints at import.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .probes.secretmask import MASK
from .probes.listing import Listing
from .probes.netreport import NetReport
from .probes.processes import tree
from .selection import PodOutcome
from .verbs import EnvReport, PsReport

FORMATS = ("table", "json", "yaml")
ARG_SHOWN = 48  # longer arguments (a script passed to sh -c, say) are cut in tables; JSON has them whole


def visible(value: str) -> str:
    """A value on one table line: control characters as escapes."""
    return value.encode("unicode_escape").decode("ascii") if not value.isprintable() else value


class _Table(Table):
    """A table whose cells are plain text: data such as "[sh]" is never read as rich markup."""

    def add_row(self, *cells: Any, **kwargs: Any) -> None:
        """Add a row of plain-text cells."""
        super().add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in cells), **kwargs)


def _table(title: str | None, *columns: str) -> Table:
    table = _Table(title=title, title_justify="left", box=None, header_style="bold", pad_edge=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def env_tables(report: EnvReport) -> list[Table]:
    """NAME, SOURCE (``secret NAME/KEY`` for a secretKeyRef), VALUE; masked values as ****."""
    table = _table(None, "NAME", "SOURCE", "VALUE")
    for var in report.variables:
        source = var.source + (f" {visible(var.secret[0])}/{visible(var.secret[1])}" if var.secret else "")
        table.add_row(visible(var.name), source, MASK if var.masked else visible(var.value or ""))
    return [table]


def command_line(args: list[str]) -> str:
    """argv for a table: arguments joined by spaces, control characters escaped, long ones cut."""
    shown = [visible(a) for a in args]
    return " ".join(a if len(a) <= ARG_SHOWN else a[:ARG_SHOWN] + "…" for a in shown)


def started(timestamp: str, now: datetime) -> str:
    """A start time (UTC, as ``ls`` shows times): the time alone today, the date and time before."""
    return timestamp[11:19] if timestamp[:10] == now.strftime("%Y-%m-%d") else f"{timestamp[:10]} {timestamp[11:16]}"


def ps_tables(report: PsReport, now: datetime | None = None) -> list[Table]:
    """The process tree with pid, ppid, user, state, RSS, threads, start, container; dshell's own
    processes by name (``dshell keeper``), not by their script's text."""
    today = now or datetime.now(UTC)
    table = _table(None, "PID", "PPID", "USER", "S", "RSS(KB)", "THR", "STARTED", "CONTAINER", "COMMAND")
    for depth, p in tree(report.processes):
        container = p.container or "-"
        if p.role != "other":
            container += f" ({p.role})"
        name = p.dshell_name()
        command = "  " * depth + ("└ " if depth else "") + (f"dshell {name}" if name else command_line(p.command))
        table.add_row(str(p.pid), str(p.ppid), p.user, p.state, str(p.rss_kb), str(p.threads),
                      started(p.started, today), container, command)
    return [table]


def _rows(table: Table, rows: Iterable[Iterable[Any]]) -> Table:
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    return table


def net_tables(report: NetReport) -> list[Table]:
    """Listeners, connections, interfaces, routes, DNS, and the checks; with ``focus``, the checks
    alone (and DNS, which says what names a lookup tries)."""
    data = report.as_dict()
    dns = _rows(_table("DNS", "NAMESERVERS", "SEARCH", "OPTIONS"), [(" ".join(v) for v in data["dns"].values())])
    tables = [] if report.focus else [
        _rows(_table("Listening", "PROTO", "ADDRESS", "PORT", "PID", "PROCESS"), (l.values() for l in data["listening"])),
        _rows(_table("Connections", "PROTO", "LOCAL", "REMOTE", "STATE", "PID"), (c.values() for c in data["connections"])),
        _rows(
            _table("Interfaces", "NAME", "ADDRESSES", "MTU", "STATE", "MAC"),
            ((i["name"], " ".join(i["addresses"]), i["mtu"], i["state"], i["mac"]) for i in data["interfaces"]),
        ),
        _rows(_table("Routes", "DESTINATION", "GATEWAY", "INTERFACE", "METRIC"), (r.values() for r in data["routes"])),
    ]
    if not report.focus or report.resolves:
        tables.append(dns)
    if report.checks:
        rows = ((c["target"], "ok" if c["ok"] else "FAILED", c["ms"], c["error"]) for c in report.checks)
        tables.append(_rows(_table("Checks", "TARGET", "RESULT", "MS", "ERROR"), rows))
    if report.resolves:
        rows = (
            (r["name"] if index == 0 else "", a["name"], " ".join(a["addresses"]) or None, a["server"], _why(a))
            for r in report.resolves
            for index, a in enumerate(r["attempts"] or [r])
        )
        tables.append(_rows(_table("Resolve", "NAME", "TRIED", "ADDRESSES", "SERVER", "ERROR"), rows))
    return tables


def _why(attempt: dict) -> str | None:
    """A lookup's error without the name the TRIED column already shows (nslookup repeats it)."""
    error = attempt["error"]
    return error.removeprefix(f"server can't find {attempt['name']}: ") if error else None


def ls_tables(listing: Listing) -> list[Table]:
    """MODE, UID, GID, SIZE, MTIME, NAME (-> link target)."""
    table = _table(None, "MODE", "UID", "GID", "SIZE", "MODIFIED", "NAME")
    for e in listing.entries:
        if e.type == "denied":
            table.add_row("?", "", "", "", "", visible(e.name) + " (permission denied)")
            continue
        mode = stat.filemode(e.mode | {"file": stat.S_IFREG}.get(e.type, _type_bits(e.type)))
        name = visible(e.name) + (f" -> {visible(e.link_target)}" if e.link_target is not None else "")
        modified = datetime.fromtimestamp(e.mtime, UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(mode, str(e.uid), str(e.gid), str(e.size), modified, name)
    return [table]


def _type_bits(kind: str) -> int:
    bits = {"dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "char": stat.S_IFCHR, "block": stat.S_IFBLK,
            "fifo": stat.S_IFIFO, "socket": stat.S_IFSOCK}
    return bits.get(kind, 0)


TABLES: dict[str, Callable[[Any], list[Table]]] = {"env": env_tables, "ps": ps_tables, "net": net_tables, "ls": ls_tables}


def document(outcome: PodOutcome, many: bool) -> dict:
    """One pod's JSON object: the verb's shape with pod and namespace, or its error."""
    head = {"pod": outcome.name, "namespace": outcome.namespace}
    if outcome.error is not None:
        return {**head, "error": {"message": outcome.error.message, "hint": outcome.error.hint}}
    body = outcome.value.as_dict()
    return {**head, **body} if many or "pod" not in body else body


def render(console: Console, verb: str, outcomes: list[PodOutcome], output: str, many: bool) -> None:
    """Print the results: one document per pod (``items`` with -l), or tables titled by pod."""
    if output in ("json", "yaml"):
        docs = [document(o, many) for o in outcomes]
        data = {"items": docs} if many else docs[0]
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if output == "json" else yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True
        )
        console.file.write(text)
        return
    for outcome in outcomes:
        if outcome.value is None:
            continue
        if many:
            console.print(Text(f"pod {outcome.namespace}/{outcome.name}", style="bold underline"))
        for table in TABLES[verb](outcome.value):
            console.print(table)
