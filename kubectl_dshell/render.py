"""The one owner of output: data to stdout, notes, warnings, errors and the spinner to stderr.

Consoles are passed in (tests give a fixed-width, colourless one); none exists at module level.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO, Protocol, TypeVar

from rich.console import Console

from .errors import DshellError, local_failure
from .redact import Secrets

T = TypeVar("T")


class Progress(Protocol):
    """A running spinner's text can change."""

    def update(self, text: str) -> None:
        """Show ``text`` next to the spinner."""


class _Silent:
    def update(self, text: str) -> None:
        """Nothing to show: quiet, or stderr is not a terminal."""


def _one_line(text: str) -> str:
    """``text`` on one line (a server's message may have many)."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class _Redacting:
    def __init__(self, shown: Progress, secrets: Secrets):
        self.shown = shown
        self.secrets = secrets

    def update(self, text: str) -> None:
        """Show ``text``, credentials cut out."""
        self.shown.update(self.secrets.redact(text))


def stdout_name() -> str:
    """stdout as a user names it: the file it was redirected to, else "stdout"."""
    try:
        where = os.readlink("/proc/self/fd/1")
    except OSError:
        return "stdout"
    return f"stdout ({where})" if where.startswith("/") else "stdout"


def _named(call: Callable[..., T], *args: object) -> T:
    try:
        return call(*args)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise local_failure(exc, stdout_name()) from exc


class DataOut:
    """stdout for data (bytes): a failed write names the file, a full disk say; a closed pipe stays
    BrokenPipeError, for the CLI to end silently as a tool killed by SIGPIPE does."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw

    def write(self, data: bytes) -> int:
        """Write ``data``."""
        return _named(self._raw.write, data)

    def flush(self) -> None:
        """Pass on what was written."""
        _named(self._raw.flush)

    def isatty(self) -> bool:
        """Whether stdout is a terminal."""
        return self._raw.isatty()


class Ui:
    """Where everything the user sees goes: ``err`` for humans, ``stdout``/``stderr`` for data.

    ``spinner`` False keeps progress silent: for work on many pods at once, which one spinner cannot show.
    Every text for humans passes through ``secrets`` (see :mod:`.redact`): no credential is ever shown.
    """

    def __init__(
        self,
        err: Console,
        quiet: bool = False,
        stdout: BinaryIO | DataOut | None = None,
        stderr: BinaryIO | None = None,
        spinner: bool = True,
        secrets: Secrets | None = None,
    ):
        self.err = err
        self.secrets = secrets if secrets is not None else Secrets()
        self.quiet = quiet
        self.spinner = spinner
        self.stdout = stdout if stdout is not None else DataOut(sys.stdout.buffer)
        self.stderr = stderr if stderr is not None else sys.stderr.buffer

    def _line(self, text: str, style: str | None = None) -> None:
        self.err.print(self.secrets.redact(text), style=style, markup=False, highlight=False, soft_wrap=True)

    def note(self, text: str) -> None:
        """Progress worth knowing (silenced by -q)."""
        if not self.quiet:
            self._line(text)

    def warn(self, text: str) -> None:
        """Something unexpected that does not stop us (silenced by -q)."""
        if not self.quiet:
            self._line(f"warning: {text}", style="yellow")

    def error(self, exc: DshellError) -> None:
        """A failure: one line, and the hint on the next (never silenced)."""
        self._line(f"error: {_one_line(exc.message)}", style="bold red")
        if exc.hint:
            self._line(f"hint: {_one_line(exc.hint)}")

    def trace(self, text: str) -> None:
        """A traceback (only with --debug)."""
        self.err.print(self.secrets.redact(text), markup=False, highlight=False, soft_wrap=True)

    @contextmanager
    def progress(self, text: str) -> Iterator[Progress]:
        """A spinner on stderr while waiting; stopped (and erased) when the block ends."""
        if self.quiet or not self.spinner or not self.err.is_terminal:
            yield _Silent()
            return
        with self.err.status(self.secrets.redact(text), spinner="dots") as status:
            yield _Redacting(status, self.secrets)


class LogLines(logging.Handler):
    """The client library's log lines (urllib3's warnings, say), shown as the Ui shows warnings."""

    def __init__(self, ui: Ui):
        super().__init__(logging.WARNING)
        self.ui = ui

    def emit(self, record: logging.LogRecord) -> None:
        """One warning per record."""
        self.ui.warn(record.getMessage())
