"""What ``--help`` shows beyond click's defaults: examples laid out as kubectl's own help lays them
out (a ``#`` line saying what, then the command), the verbs' summaries uncut, and, on the top-level
help, the flags every command shares. Pure text and click's formatter only: ``--help`` stays fast."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from typer.core import TyperCommand

# (what it does, the command) per command; "" is the top-level help. tests/unit/test_help.py parses
# every one with the real command line, so an example cannot name a flag that does not exist.
EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "": (
        ("Open a shell in pod web, starting in the filesystem of its (default) container",
         "kubectl dshell web"),
        ("Run one command there instead; its exit code is dshell's",
         "kubectl dshell web -- ls -l /app"),
        ("The first running pod of a deployment, in another namespace, saying why",
         "kubectl dshell deploy/api -n shop --reason 'INC-123: 502s'"),
        ("The environment of pod web's container app, secrets masked (ps, net, ls and cat inspect too)",
         "kubectl dshell env web -c app"),
        ("Copy a folder out of a distroless container (no tar needed in it)",
         "kubectl dshell cp web:/config ./config"),
    ),
    "shell": (
        ("Open a shell in pod web", "kubectl dshell web"),
        ("Run one command in container app of pod web", "kubectl dshell web -c app -- cat /etc/os-release"),
        ("A pod named like a verb (here: ps)", "kubectl dshell shell ps"),
    ),
    "env": (
        ("The environment of pod web's target process, secrets masked", "kubectl dshell env web"),
        ("As JSON, for every pod labelled app=web in every namespace", "kubectl dshell env -l app=web -A -o json"),
    ),
    "ps": (
        ("The process tree of pod web, every container's processes", "kubectl dshell ps web"),
        ("As YAML, with the debugger's own keeper too", "kubectl dshell ps web -o yaml --all"),
    ),
    "net": (
        ("Listeners and their processes, connections, interfaces, routes, DNS", "kubectl dshell net web"),
        ("Can pod web reach the database, and what does its name resolve to?",
         "kubectl dshell net web --check db:5432 --resolve db.shop.svc.cluster.local"),
    ),
    "ls": (
        ("The entries of /app in pod web", "kubectl dshell ls web /app"),
        ("Everything under /config, all the way down, as JSON", "kubectl dshell ls web /config -R -o json"),
    ),
    "cat": (
        ("A file of pod web, to stdout", "kubectl dshell cat web /config/app.yaml"),
        ("From a container other than the default one", "kubectl dshell cat web /etc/passwd -c sidecar"),
    ),
    "cp": (
        ("Copy /config out of pod web into ./config", "kubectl dshell cp web:/config ./config"),
        ("As a tar archive on stdout", "kubectl dshell cp web:/config - | tar -tv"),
    ),
}


def write_examples(formatter: Any, name: str) -> None:
    """The ``Examples:`` section of command ``name`` ("" for the top level), not rewrapped."""
    examples = EXAMPLES.get(name, ())
    if not examples:
        return
    with formatter.section("Examples"):
        lines: list[str] = []
        for what, command in examples:
            lines += [f"# {what}", command, ""]
        formatter.write("".join(f"{' ' * formatter.current_indent}{line}\n" if line else "\n" for line in lines[:-1]))


def summaries(commands: Iterable[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Each command's name and the first sentence of its help, uncut (click cuts at 45 characters)."""
    return [(name, command.get_short_help_str(limit=1000)) for name, command in commands if not command.hidden]


class ExampleCommand(TyperCommand):
    """A dshell command whose help ends with its examples (then its epilog, if any)."""

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        """The usage line with required arguments as kubectl shows them (``POD``; typer: ``{POD}``)."""
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]

    def format_epilog(self, ctx: typer.Context, formatter: Any) -> None:
        """Examples, then the epilog."""
        write_examples(formatter, self.name or "")
        super().format_epilog(ctx, formatter)
