"""Credentials cut out of every message dshell prints.

The :class:`~kubectl_dshell.render.Ui` passes all its text (errors, hints, warnings, notes, the
spinner, ``--debug`` tracebacks, the client library's log lines) through :meth:`Secrets.redact`.
It knows two kinds of values: those of the kubeconfig's user entry, added before the client loads
it (loading itself can fail with them in its message), and those the loaded client sends, read at
the moment of printing (an exec plugin's token arrives at run time and is refreshed). Generic
patterns catch what is known to neither: an ``Authorization`` header, a ``Bearer`` or ``Basic``
value, and what a failed exec plugin wrote to stderr (the client puts it in its message).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable

REDACTED = "<redacted>"
# What a failed exec plugin wrote to stderr, as the client appends it to its message.
PLUGIN_OUTPUT = re.compile(r"(exec: process returned -?\d+)\. .*", re.S)
# Shorter values are cut out only as whole words: a 3-letter password must not eat every "abc".
WORD_BELOW = 8
GENERIC = (
    (re.compile(r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=]\s*)[^\n]*"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[^\s'\",;]+"), rf"\1\2{REDACTED}"),
    (PLUGIN_OUTPUT, r"\1"),
    # user:password@ in a URL (a kubeconfig's server or proxy-url may carry them)
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s@]+@"), rf"\1{REDACTED}@"),
)


def _b64(value: str) -> set[str]:
    raw = value.encode()
    return {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")}


def forms(value: str) -> set[str]:
    """The ways ``value`` can show in a message: as is, trimmed, escaped (``repr`` writes a newline as
    ``\\n``), base64-encoded, and each long line of a multi-line value (a PEM key)."""
    found: set[str] = set()
    for text in {value, value.strip()}:
        found |= {text, text.encode("unicode_escape").decode(), *_b64(text)}
        found |= {line.strip() for line in text.splitlines() if len(line.strip()) >= WORD_BELOW}
    return {text for text in found if text.strip()}


def _pattern(text: str) -> str:
    escaped = re.escape(text)
    return escaped if len(text) >= WORD_BELOW else rf"(?<!\w){escaped}(?!\w)"


class Secrets:
    """The credential values this process knows, and text with them (and the generic patterns) cut out."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._live: list[Callable[[], Iterable[str]]] = []

    def add(self, *values: str | None) -> None:
        """Values to cut out from now on (``None`` and empty ones are ignored)."""
        for value in values:
            if isinstance(value, str):
                self._known |= forms(value)

    def follow(self, source: Callable[[], Iterable[str]]) -> None:
        """Values to read again at each :meth:`redact` (credentials that change while we run)."""
        self._live.append(source)

    def redact(self, text: str) -> str:
        """``text`` without any known credential, nor anything that looks like one."""
        known = set(self._known)
        for source in self._live:
            for value in source():
                known |= forms(value)
        if known:
            combined = "|".join(_pattern(t) for t in sorted(known, key=len, reverse=True))
            text = re.sub(combined, REDACTED, text)
        for pattern, replacement in GENERIC:
            text = pattern.sub(replacement, text)
        return text
