"""python -m bench.tracer OUT [ARG...]: run ``kubectl-dshell ARG...`` and write where its time went to OUT.

The profile's child process. It imports the plugin's command path up front (timed), wraps each API
call of :class:`kubectl_dshell.kube.Kube` and the exec stream's close with a timer, runs the command
as the console script would, and writes the timeline as JSON: ``{"started": T, "events": [[what,
start, end], ...]}`` in wall-clock seconds, comparable with the parent's clock. Nothing here changes
what the plugin does.
"""

from __future__ import annotations

import time

STARTED = time.time()  # before any other import: the end of the interpreter's own start-up

import functools  # noqa: E402  (imports after the clock on purpose)
import inspect  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

# Kube's calls, each one API round trip (watch: until the debugger runs; exec: the WebSocket handshake).
CALLS = {
    "connect": "kubeconfig and client set-up",
    "get_pod": "GET pod",
    "list_pods": "LIST pods",
    "get_workload": "GET workload",
    "namespace_labels_or_none": "GET namespace (Pod Security level)",
    "node_labels_or_none": "GET node (its OS)",
    "whoami": "CREATE selfsubjectreview (audit user)",
    "server_version": "GET /version",
    "patch_ephemeral": "PATCH pods/ephemeralcontainers",
    "watch_pod": "WATCH pod until the debugger runs",
    "exec": "exec: WebSocket handshake",
}
Event = tuple[str, float, float]


def _timed(label: str, call: Callable[..., Any], events: list[Event]) -> Callable[..., Any]:
    if inspect.isgeneratorfunction(call):

        @functools.wraps(call)
        def generator(*args: Any, **kwargs: Any) -> Any:
            start = time.time()
            try:
                yield from call(*args, **kwargs)
            finally:
                events.append((label, start, time.time()))

        return generator

    @functools.wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return call(*args, **kwargs)
        finally:
            events.append((label, start, time.time()))

    return wrapper


def _instrument(events: list[Event]) -> None:
    """Time Kube's calls, and each exec session from its handshake until its stream closes."""
    from kubectl_dshell.kube import Kube
    from kubectl_dshell.stream import ExecStream

    for name, label in CALLS.items():
        if name == "connect":
            Kube.connect = classmethod(_timed(label, Kube.connect.__func__, events))  # type: ignore[method-assign]
        elif hasattr(Kube, name):
            setattr(Kube, name, _timed(label, getattr(Kube, name), events))
    close = ExecStream.close

    def closing(stream: ExecStream) -> None:
        opened = next((end for label, _, end in reversed(events) if label == CALLS["exec"]), time.time())
        events.append(("exec: the session (the command, or the shell up to its prompt)", opened, time.time()))
        close(stream)

    ExecStream.close = closing  # type: ignore[method-assign]


def main() -> None:
    """Import, instrument, run; the timeline is written however the command ends."""
    out, args = Path(sys.argv[1]), sys.argv[2:]
    events: list[Event] = []
    start = time.time()
    from kubectl_dshell import cli

    events.append(("import the CLI (typer, click)", start, time.time()))
    start = time.time()
    import kubectl_dshell.render  # noqa: F401  (what the command imports lazily, timed apart)
    import kubectl_dshell.session  # noqa: F401

    events.append(("import the command path (kubernetes client, rich, ...)", start, time.time()))
    _instrument(events)
    sys.argv = ["kubectl-dshell", *args]
    try:
        cli.main()
    finally:
        out.write_text(json.dumps({"started": STARTED, "ended": time.time(), "events": events}))


if __name__ == "__main__":
    main()
