"""The output owner: notes and warnings obey -q, errors never do."""

from __future__ import annotations

import io
import logging

from rich.console import Console

from kubectl_dshell.errors import Forbidden
from kubectl_dshell.render import LogLines, Ui


def _ui(quiet: bool) -> tuple[Ui, io.StringIO]:
    err = io.StringIO()
    return Ui(Console(file=err, width=60, no_color=True), quiet=quiet), err


def test_notes_warnings_and_errors() -> None:
    ui, err = _ui(quiet=False)
    ui.note('Defaulted container "app" out of: app, sidecar')
    ui.warn("this server speaks v4.channel.k8s.io [sic]")
    ui.error(Forbidden("RBAC: no", "ask for a Role"))
    assert err.getvalue() == (
        'Defaulted container "app" out of: app, sidecar\n'
        "warning: this server speaks v4.channel.k8s.io [sic]\n"
        "error: RBAC: no\n"
        "hint: ask for a Role\n"
    )


def test_quiet_keeps_only_errors() -> None:
    ui, err = _ui(quiet=True)
    ui.note("note")
    ui.warn("warning")
    with ui.progress("starting") as shown:
        shown.update("still starting")
    ui.error(Forbidden("denied"))
    assert err.getvalue() == "error: denied\n"


def test_long_lines_are_not_wrapped() -> None:
    ui, err = _ui(quiet=False)
    ui.note("x" * 100)
    assert err.getvalue() == "x" * 100 + "\n"


def test_no_output_path_shows_a_credential() -> None:
    ui, err = _ui(quiet=False)
    ui.secrets.add("tok-CANARY-123")
    ui.note("note tok-CANARY-123")
    ui.warn("warn tok-CANARY-123")
    ui.error(Forbidden("error tok-CANARY-123", "hint tok-CANARY-123"))
    ui.trace("Traceback: ValueError: Invalid header value b'Bearer tok-CANARY-123\\n'")
    logging.getLogger("urllib3.connectionpool").addHandler(LogLines(ui))
    try:
        logging.getLogger("urllib3.connectionpool").warning("retrying with %s", "tok-CANARY-123")
    finally:
        logging.getLogger("urllib3.connectionpool").handlers.clear()
    assert "CANARY" not in err.getvalue()
    assert err.getvalue().count("<redacted>") == 6
