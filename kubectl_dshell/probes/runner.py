"""The argv that runs a packaged script in the debugger: ``sh -c <script> NAME ARGS...``.

Scripts are sent as text in one exec (one round trip); values travel only as positional
arguments, so nothing the user typed is ever parsed as shell code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib.resources import files


class Mode(str, Enum):
    """What enter.sh does once it has found the target."""

    INTERACTIVE = "interactive"
    COMMAND = "command"
    WATCHED = "watched"  # a command whose stdin is the client's lifeline: its end ends the command
    IDS = "ids"


@dataclass(frozen=True)
class SessionArgs:
    """The positional arguments of enter.sh (see its header)."""

    container_id: str
    pod: str
    container: str
    mode: Mode
    verbosity: int = 1  # 0 quiet, 1 warnings, 2 warnings and the banner
    note: str = ""
    uid: int | None = None
    gid: int | None = None


def compact(script: str) -> str:
    """The script without comments, blank lines and indentation: less to send, same meaning.

    Safe for our scripts because none has a here-document or a multi-line quoted string.
    """
    lines = (line.strip() for line in script.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#")) + "\n"


@cache
def script(name: str) -> str:
    """A packaged script's text, compacted."""
    return compact(files(__package__).joinpath(name).read_text(encoding="utf-8"))


def keeper_command() -> list[str]:
    """The debugger's main process: keeper.sh."""
    return ["sh", "-c", script("keeper.sh"), "dshell-keeper"]


def probe_script(verb: str) -> str:
    """An inspection probe's text: the shared library, then the verb's own script."""
    return script("lib.sh") + script(f"{verb}.sh")


def probe_command(args: SessionArgs, verb: str, probe_args: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The exec argv of an inspection verb: enter.sh running the verb's probe (one round trip)."""
    return enter_command(args, ["sh", "-c", probe_script(verb), f"dshell-{verb}", *probe_args])


# enter.sh starts the command with `exec "$@"`, and busybox's exec takes options: a command named
# like an option ("-n") would be refused as one. `exec --` in a shell of its own runs it as a command.
AS_COMMAND = 'exec -- "$@"'


def user_command(command: tuple[str, ...] | list[str]) -> list[str]:
    """The user's command as enter.sh must get it: one whose name starts with "-" behind ``exec --``."""
    if command and command[0].startswith("-"):
        return ["sh", "-c", AS_COMMAND, "dshell-exec", *command]
    return list(command)


def _optional(value: int | None) -> str:
    return "" if value is None else str(value)


def enter_command(args: SessionArgs, command: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The exec argv of a session: enter.sh with its arguments, then the user's command."""
    return [
        "sh",
        "-c",
        script("enter.sh"),
        "dshell",
        args.container_id,
        args.pod,
        args.container,
        _optional(args.uid),
        _optional(args.gid),
        args.mode.value,
        str(args.verbosity),
        args.note,
        *command,
    ]
