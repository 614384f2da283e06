"""``kubectl dshell``: the command line. It parses, builds options, calls the session, maps errors.

Only typer and the small pure modules are imported here: ``kubernetes`` and ``rich`` load inside
the command, so ``--help`` stays fast.
"""

from __future__ import annotations

import difflib
import gc
import os
import shlex
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from .argv import positionals, value_options
from .errors import DshellError, ExitCode, Stopped, UsageError
from .flags import COMMON, Common, with_common
from .helptext import ExampleCommand, summaries, write_examples
from .options import ShellOptions
from .verbs_cli import register

if TYPE_CHECKING:
    from .render import Ui

PROG = "kubectl dshell"
DEFAULT_VERB = "shell"


def route(args: list[str], verbs: set[str], default_values: set[str], group_options: set[str]) -> list[str]:
    """Put the verb first: the first positional if it is a verb, else ``shell`` (the default)."""
    found = positionals(args, default_values)
    if found and args[found[0]] in verbs:
        first = found[0]
        return [args[first], *args[:first], *args[first + 1 :]]
    if not found and all(token in group_options for token in args):
        return args
    return [DEFAULT_VERB, *args]


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.0) -> str | None:
    """The choice most like ``word`` (None if none is at least ``cutoff`` alike, from 0 to 1)."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


# click's UsageError (the base of typer.BadParameter: typer may carry its own copy of click).
ClickUsageError: type[Exception] = typer.BadParameter.__base__  # type: ignore[assignment]


def fail(ctx: typer.Context, message: str, hint: str) -> NoReturn:
    """A usage error with its hint (shown by :class:`UsageShown`)."""
    error = ClickUsageError(message, ctx)
    error.hint = hint  # type: ignore[attr-defined]
    raise error


class UsageShown(ClickUsageError):  # type: ignore[misc,valid-type]
    """A usage error shown as dshell shows every error: ``error: ...`` and a hint, exit code 2."""

    def __init__(self, error: Exception):
        ctx = error.ctx  # type: ignore[attr-defined]
        path = ctx.command_path if ctx is not None else PROG
        see = f"see {path} --help"
        hint = getattr(error, "hint", None)
        if type(error).__name__ == "NoArgsIsHelpError":  # `kubectl dshell` alone: click's message is the help
            message, hint = f"name a POD, as in {PROG} POD", f"{see} for the verbs, options and examples"
        elif getattr(error, "possibilities", None):  # a mistyped option: click appends "(Possible options: ...)"
            message = f"no such option: {error.option_name}"  # type: ignore[attr-defined]
            near = nearest(error.option_name, error.possibilities)  # type: ignore[attr-defined]
            hint = f"did you mean {near}? {see}"
        else:
            message = error.format_message().replace(": Value error, ", ": ")  # type: ignore[attr-defined]
        if message[1:2].islower():  # click's "Invalid value ...", not "POD must ..."
            message = message[:1].lower() + message[1:]
        if message.endswith(".") and not message.endswith(".."):
            message = message[:-1]
        super().__init__(message, ctx)
        self.hint = hint or see

    def show(self, file: object = None) -> None:
        """Print the error and its hint on stderr."""
        typer.echo(f"error: {self.message}\nhint: {self.hint}", err=True)


@contextmanager
def usage_shown() -> Iterator[None]:
    """click's usage errors (a bad flag or value) as :class:`UsageShown`."""
    try:
        yield
    except ClickUsageError as exc:
        raise (exc if isinstance(exc, UsageShown) else UsageShown(exc)) from None


class VerbGroup(TyperGroup):
    """A group whose default command is ``shell``: ``kubectl dshell POD`` = ``kubectl dshell shell POD``,
    with kubectl-style flags before or after POD; usage errors shown as every error is."""

    def make_context(self, *args: Any, **kwargs: Any) -> typer.Context:
        """The group's context; its usage errors as :class:`UsageShown`."""
        with usage_shown():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: typer.Context) -> Any:
        """Run the verb; its usage errors as :class:`UsageShown`."""
        with usage_shown():
            return super().invoke(ctx)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Route ``args`` to their verb, then parse as usual."""
        group_options = set(ctx.help_option_names)
        for param in self.get_params(ctx):
            group_options.update(param.opts + param.secondary_opts)
        takes_value = value_options(param for command in self.commands.values() for param in command.params)
        routed = route(args, set(self.commands), takes_value, group_options)
        return super().parse_args(ctx, routed)

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        """The verbs with their summaries uncut, then the flags every command takes (the default
        command's) and the group's own."""
        with formatter.section("Commands"):
            formatter.write_dl(summaries((name, self.commands[name]) for name in self.list_commands(ctx)))
        shared = {name for name, _, _ in COMMON}
        params = [p for p in self.commands[DEFAULT_VERB].params if p.name in shared] + self.get_params(ctx)
        with formatter.section("Options (every command takes them, before or after POD)"):
            formatter.write_dl([record for param in params if (record := param.get_help_record(ctx))])

    def format_epilog(self, ctx: typer.Context, formatter: Any) -> None:
        """The examples, then the epilog (exit codes)."""
        write_examples(formatter, "")
        super().format_epilog(ctx, formatter)


class ShellCommand(ExampleCommand):
    """``shell POD [-- CMD...]``: a command must follow ``--``, as with kubectl exec."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """Refuse a stray positional (a command without ``--``), then parse as usual."""
        if not ctx.resilient_parsing:
            found = positionals(args, value_options(self.params))
            if "--" in args and not found:
                ctx.fail(f"POD must come before --, as in {PROG} POD -- ls -l")
            if len(found) > 1:
                self.refuse_second_positional(ctx, args, found)
        return super().parse_args(ctx, args)

    @staticmethod
    def refuse_second_positional(ctx: typer.Context, args: list[str], found: list[int]) -> NoReturn:
        """``POD WORD``: a mistyped verb (``nett web``) when POD is close to one, else a command
        without ``--``."""
        first, second = args[found[0]], args[found[1]]
        verbs = list(getattr(ctx.parent.command, "commands", ())) if ctx.parent else []
        verb = nearest(first, verbs, cutoff=0.6)
        if verb:
            fixed = [verb if index == found[0] else token for index, token in enumerate(args)]
            fail(ctx, f"{first!r} is not a verb (the verbs: {', '.join(verbs)})",
                 f"did you mean {PROG} {shlex.join(fixed)}? (a command for a pod named {first} goes after --)")
        command = [*args[: found[1]], "--", *args[found[1] :]]
        fail(ctx, f"unexpected argument {second!r}: put the command after --, as in {PROG} POD -- ls -l",
             f"to run it in pod {first}: {PROG} {shlex.join(command)}")

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:
        """The usage line as kubectl users read it."""
        return ["[flags]", "POD", "[-- CMD [ARG...]]"]


def exit_code_table() -> str:
    """The documented exit codes, for --help."""
    return (
        "Exit codes: "
        + ", ".join(f"{code.value} {code.name.lower().replace('_', ' ')}" for code in ExitCode)
        + "; a remote command's own exit code passes through."
    )


app = typer.Typer(
    cls=VerbGroup,
    name=PROG,
    epilog=exit_code_table() + " Each command's own options and examples: kubectl dshell COMMAND --help.",
    subcommand_metavar=f"[{DEFAULT_VERB}] POD [-- CMD [ARG...]]",
    options_metavar="[flags]",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # typer's --install-completion would register "kubectl dshell" as two commands, clobbering
    # kubectl's own completion; kubectl >= 1.26 asks plugins via `__complete` instead (completion.py).
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("kubectl-dshell")
        except PackageNotFoundError:
            number = "unknown (not installed)"
        typer.echo(f"{PROG} {number}")
        raise typer.Exit()


@app.callback()
def main_group(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A shell and the facts about any distroless pod.

    kubectl dshell adds a busybox debugger container to the pod (or reuses the one already there),
    in the process namespace of the target container, and opens a shell that starts in the
    target's filesystem; with -- CMD it runs one command there instead.

    POD is NAME, pod/NAME or TYPE/NAME (deployment, statefulset, daemonset, replicaset, job).

    Completion (kubectl 1.26+): put an executable named kubectl_complete-dshell on PATH that runs
    kubectl-dshell __complete "$@".
    """




@app.command(DEFAULT_VERB, cls=ShellCommand, options_metavar="[flags]")
@with_common
def shell(
    common: Common,
    pod: Annotated[str, typer.Argument(metavar="POD", help="NAME, pod/NAME or TYPE/NAME.", show_default=False)],
    command: Annotated[list[str] | None, typer.Argument(metavar="[-- CMD [ARG...]]", show_default=False)] = None,
) -> None:
    """Open a shell in the target's filesystem, or run CMD there; its exit code is ours."""
    options = ShellOptions(
        target=pod,
        connection=common.connection(),
        container=common.container,
        debugger=common.debugger(),
        command=tuple(command or ()),
        quiet=common.quiet,
    )

    def action(ui: Ui) -> int:
        from .session import run_shell

        return run_shell(options, ui)

    common.run(action)


register(app)


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
STOPPED = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated (SIGTERM)",
    signal.SIGHUP: "hung up (SIGHUP)",
}


def _stopped(ui: Ui, signum: int) -> int:
    """Ctrl-C, SIGTERM or SIGHUP: one line (the terminal may be gone), exit code 128 + the signal."""
    try:
        ui.error(DshellError(STOPPED[signum], "a debugger already running stops by itself once idle"))
    except OSError:
        pass
    return ExitCode(128 + signum)


def outcome(action: Callable[[Ui], int], ui: Ui, debug: bool, command_path: str = PROG) -> int:
    """Run ``action``; its exit code, or the code of the error it raised (reported on ``ui``; a usage
    error without a hint points to the command's help)."""
    try:
        return action(ui)
    except DshellError as exc:
        if debug:
            ui.trace(traceback.format_exc())
        if isinstance(exc, UsageError) and not exc.hint:
            exc.hint = f"see {command_path} --help"
        ui.error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        return _stopped(ui, signal.SIGINT)
    except Stopped as exc:
        return _stopped(ui, exc.signum)
    except BrokenPipeError:  # stdout's reader left (`| head`): silent, as a tool killed by SIGPIPE
        return ExitCode.OUTPUT_CLOSED
    except Exception as exc:  # anything unforeseen: one line, the traceback only with --debug
        if debug:
            ui.trace(traceback.format_exc())
        first_line = (str(exc).splitlines() or [""])[0]
        ui.error(DshellError(f"unexpected {type(exc).__name__}: {first_line}", "run with --debug for the traceback"))
        return ExitCode.FAILURE


def _raise_stopped(signum: int, frame: object) -> None:
    for each in STOP_SIGNALS:  # once: the cleanup that follows runs undisturbed
        signal.signal(each, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` in the block; as they were after it (a late one
    ends the process as it would have, the work being done)."""
    before = {signum: signal.signal(signum, _raise_stopped) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def _flush_stdout() -> None:
    """What stdout still holds, flushed now; when that fails (a closed pipe, a full disk: already
    reported), stdout goes to /dev/null, or the interpreter's own last flush would fail and say so."""
    try:
        sys.stdout.flush()
    except OSError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def run(action: Callable[[Ui], int], quiet: bool, debug: bool, command_path: str = PROG) -> NoReturn:
    """Make the output owner, run ``action`` and exit with its code. SIGTERM and SIGHUP stop the
    action as Ctrl-C does (see :class:`Stopped`)."""
    import logging

    from rich.console import Console

    from .render import LogLines, Ui

    ui = Ui(Console(stderr=True), quiet=quiet)
    logging.basicConfig(handlers=[LogLines(ui)], force=True)  # no line reaches stderr but through the Ui
    with _stop_signals_raise():
        code = outcome(action, ui, debug, command_path)
    _flush_stdout()
    # The interpreter's shutdown would walk every object the client library made (~0.1 s) only to
    # free memory the OS takes back anyway; frozen objects are left alone (atexit handlers still run).
    gc.freeze()
    raise typer.Exit(code)


def main() -> None:
    """The console script ``kubectl-dshell`` (found by kubectl as the plugin ``dshell``)."""
    if sys.argv[1:2] == ["__complete"]:
        from .completion import complete

        complete(sys.argv[2:])
        return
    typer.main.get_command(app).main(prog_name=PROG)
