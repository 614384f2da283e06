"""What an exec sends: a short argv naming what dshell does, and the script's text ahead of stdin.

Exec requests carry their argv in the URL, which proxies in front of API servers cut at 8 KB and
audit logs record whole. So the URL carries only a small fixed loader, the script's name and its
arguments (``sh -c LOADER dshell-env 9123 CID POD ...``); the script itself (a few KB) is the first
thing written to the session's stdin, read by the loader to the byte, checked whole, then run. A
terminal session cannot take it that way (its stdin is a terminal): there the loader runs a copy
installed once in the debugger, verified against its sha256 first. Values travel only as positional
arguments (or, when too long for the URL, as quoted words ahead of the script), so nothing the user
typed is ever parsed as shell code.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib.resources import files
from urllib.parse import quote_plus


# enter.sh's UID for probes: stay the debugger's own identity where it can chroot into the target
# (root reads every process of the pod), else take the target's.
DEBUGGERS_OWN = "-"


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
    uid: int | str | None = None  # None: the target's; DEBUGGERS_OWN: see enter.sh
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


@dataclass(frozen=True)
class Invocation:
    """One exec: the argv its request carries, and the bytes written to its stdin before anything else."""

    argv: list[str]
    preamble: bytes = b""


# The loader: read the script (N bytes, exactly: dd stops there, the rest of stdin is the command's),
# check that it arrived whole (its last line), run it with the remaining arguments.
END = b"\n: dshell-end\n"
LOADER = (
    'n=$1; shift; s=$(dd bs="$n" count=1 iflag=fullblock 2>/dev/null); case $s in *": dshell-end") eval "$s" ;; '
    '*) echo "dshell: the script did not arrive whole" >&2; exit 125 ;; esac'
)
# A terminal session's loader: the installed copy of enter.sh, run only if its sha256 is the one asked
# for (read into memory first: the file could change after the check, the copy cannot).
NOT_INSTALLED = 121
TERMINAL_LOADER = (
    'h=$1; shift; s=$(cat "${DSHELL_STATE:-/tmp/dshell}/scripts/$h" 2>/dev/null) && '
    f'[ "$(printf %s "$s" | sha256sum)" = "$h  -" ] || exit {NOT_INSTALLED}; eval "$s"'
)
# The probe's text is handed down in the environment through enter.sh's identity switch and chroot.
RUN_PROBE = 'p=$DSHELL_PROBE; unset DSHELL_PROBE; eval "$p"'
URL_BUDGET = 1400  # bytes of command= parameters; the path and other parameters take the rest of 2 KB


def shell_quote(word: bytes) -> bytes:
    """``word`` as one single-quoted shell word."""
    return b"'" + word.replace(b"'", b"'\\''") + b"'"


def _url_bytes(argv: list[str]) -> int:
    return sum(len("&command=") + len(quote_plus(os.fsencode(word))) for word in argv)


def loaded(name: str, text: str, args: list[str]) -> Invocation:
    """``sh -c LOADER NAME N ARGS...`` with ``text`` (N bytes with its end line) first on stdin. Arguments
    too long for the URL go ahead of the text instead, as a quoted ``set --``."""
    body = text.encode()
    if _url_bytes(["sh", "-c", LOADER, name, "99999", *args]) > URL_BUDGET:
        body = b"set -- " + b" ".join(shell_quote(os.fsencode(a)) for a in args) + b"\n" + body
        args = []
    blob = body + END
    return Invocation(["sh", "-c", LOADER, name, str(len(blob)), *args], blob)


def probe_invocation(args: SessionArgs, verb: str, probe_args: tuple[str, ...] | list[str] = ()) -> Invocation:
    """An inspection verb: enter.sh running the verb's probe (one exec)."""
    text = f"DSHELL_PROBE={shell_quote(probe_script(verb).encode()).decode()}\nexport DSHELL_PROBE\n" + script("enter.sh")
    return loaded(f"dshell-{verb}", text, [*enter_args(args), "sh", "-c", RUN_PROBE, f"dshell-{verb}", *probe_args])


def session_invocation(
    args: SessionArgs, command: tuple[str, ...] | list[str] = (), lease: str | None = None
) -> Invocation:
    """A session without a terminal: enter.sh with its arguments, then the user's command; with
    ``lease``, the session records itself for the lease of that token (see :func:`lease_invocation`)."""
    text = script("enter.sh")
    if lease is not None:
        text = f"DSHELL_LEASE={lease}\nexport DSHELL_LEASE\n" + text
    return loaded("dshell", text, [*enter_args(args), *command])


def lease_invocation(token: str) -> Invocation:
    """The lease of a session whose stdin carries the client's data: an exec that holds its own stdin
    open and, when it ends, ends the session that recorded ``token`` (see enter.sh's dshell_lease)."""
    return loaded("dshell-lease", script("enter.sh"), ["", "", "", "", "", "lease", "0", "", token])


def _enter_digest() -> str:
    return hashlib.sha256(script("enter.sh").rstrip("\n").encode()).hexdigest()


def terminal_invocation(args: SessionArgs, command: tuple[str, ...] | list[str] = ()) -> Invocation:
    """A session on a terminal: the installed enter.sh (exit NOT_INSTALLED, silent, when it is not)."""
    return Invocation(["sh", "-c", TERMINAL_LOADER, "dshell", _enter_digest(), *enter_args(args), *command])


def install_invocation() -> Invocation:
    """Install enter.sh in the debugger for terminal sessions, under its sha256 (atomically)."""
    text = script("enter.sh").rstrip("\n").encode()
    install = (
        'd=${DSHELL_STATE:-/tmp/dshell}/scripts; mkdir -p "$d" && t=$(mktemp "$d/.XXXXXX") && '
        f'printf %s {shell_quote(text).decode()} >"$t" && mv -f "$t" "$d/{_enter_digest()}"\n'
    )
    return loaded("dshell-install", install, [])


# enter.sh starts the command with `exec "$@"`, and busybox's exec takes options: a command named
# like an option ("-n") would be refused as one. `exec --` in a shell of its own runs it as a command.
AS_COMMAND = 'exec -- "$@"'


def user_command(command: tuple[str, ...] | list[str]) -> list[str]:
    """The user's command as enter.sh must get it: one whose name starts with "-" behind ``exec --``."""
    if command and command[0].startswith("-"):
        return ["sh", "-c", AS_COMMAND, "dshell-exec", *command]
    return list(command)


def _optional(value: int | str | None) -> str:
    return "" if value is None else str(value)


def enter_args(args: SessionArgs) -> list[str]:
    """enter.sh's positional arguments (see its header)."""
    return [
        args.container_id,
        args.pod,
        args.container,
        _optional(args.uid),
        _optional(args.gid),
        args.mode.value,
        str(args.verbosity),
        args.note,
    ]
