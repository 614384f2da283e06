"""What probes print, split: "NAME\\0CONTENT\\0" sections, and the one-line failure report.

A probe that fails writes ``dshell-error<TAB>KIND<TAB>UID<TAB>GID<TAB>SUBJECT`` on stderr (see
lib.sh's ``dshell_fail``) and exits 3; :func:`probe_failure` turns that into the user's error. A
probe that leaves out what it cannot read (cp of a folder) says so with one
``dshell-skipped<TAB>PATH`` line each, and still succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass

FAILED = 3  # the exit status of a probe that reported a failure
MARKER = b"dshell-error\t"
SKIPPED = b"dshell-skipped\t"


@dataclass(frozen=True)
class Failure:
    """A probe's report: what failed (``kind``), on what, and the ids it ran as."""

    kind: str
    uid: str
    gid: str
    subject: str


def sections(data: bytes) -> list[tuple[str, bytes]]:
    """The (name, content) pairs of a probe's output; a truncated last pair is dropped."""
    fields = data.split(b"\0")
    return [(fields[i].decode("ascii", "replace"), fields[i + 1]) for i in range(0, len(fields) - 1, 2)]


def text(data: bytes) -> str:
    """Bytes from the target as text: UTF-8, anything else kept visible as \\x escapes."""
    return data.decode("utf-8", "backslashreplace")


def unhex(hexdump: bytes) -> bytes:
    """What ``od -An -v -tx1`` printed (lib.sh's way to pass bytes that may hold NUL), as bytes."""
    return bytes.fromhex(hexdump.decode("ascii", "replace").replace("\n", " ").replace(" ", ""))


def parse_failure(stderr: bytes) -> Failure | None:
    """The failure report on a probe's stderr, if any (its subject runs to the end)."""
    start = stderr.find(MARKER)
    if start < 0 or (start > 0 and stderr[start - 1 : start] != b"\n"):
        return None
    fields = stderr[start + len(MARKER) :].removesuffix(b"\n").split(b"\t", 3)
    if len(fields) != 4:
        return None
    kind, uid, gid, subject = (text(field) for field in fields)
    return Failure(kind, uid, gid, subject)


def warnings(stderr: bytes) -> list[str]:
    """enter.sh's warnings ("dshell: ..." lines) on a probe's stderr, for the user to see."""
    return [text(line)[len("dshell: ") :] for line in stderr.splitlines() if line.startswith(b"dshell: ")]


def skipped(stderr: bytes) -> list[bytes]:
    """The paths a probe left out because it could not read them: its "dshell-skipped<TAB>PATH" lines."""
    return [line[len(SKIPPED) :] for line in stderr.splitlines() if line.startswith(SKIPPED)]
