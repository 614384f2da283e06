"""What the user asked for, as plain values: built by the CLI, read by the session.

No defaults are computed here beyond constants; the CLI fills every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# A pinned official busybox: the same applets everywhere, and no surprise from a moving tag.
DEFAULT_IMAGE = "busybox:1.36.1"
DEFAULT_TIMEOUT = 120.0
DEFAULT_IDLE = 1800
# Every API request: connecting (TCP and TLS) waits at most CONNECT_TIMEOUT, each read of the answer
# at most --request-timeout (0: no limit), as with kubectl. Nothing is retried: a silent server costs
# one limit, not four (urllib3 retries 3 times by default).
CONNECT_TIMEOUT = 10.0
DEFAULT_REQUEST_TIMEOUT = 30.0
# How long net --check and --resolve wait for an answer, unless --check-timeout.
CHECK_SECONDS = 3
# The longest --timeout and --request-timeout: a day is longer than any wait worth having.
MAX_WAIT = 86400.0


class Profile(str, Enum):
    """The debugger's security profile (``--profile``)."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    GENERAL = "general"
    SYSADMIN = "sysadmin"


@dataclass(frozen=True)
class Timeouts:
    """How long a request may wait: to connect, and for each read of its answer (None: no limit)."""

    connect: float = CONNECT_TIMEOUT
    read: float | None = DEFAULT_REQUEST_TIMEOUT

    @classmethod
    def of(cls, request_timeout: float) -> Timeouts:
        """The limits for ``--request-timeout`` (0: reads without limit); connecting never waits longer."""
        if not request_timeout:
            return cls(CONNECT_TIMEOUT, None)
        return cls(min(CONNECT_TIMEOUT, request_timeout), request_timeout)


@dataclass(frozen=True)
class Connection:
    """Which cluster and namespace, and how long to wait for it: kubectl's global flags."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass(frozen=True)
class Overrides:
    """The identity the user forced, if any (``--profile``, ``--uid``, ``--gid``)."""

    profile: Profile | None = None
    uid: int | None = None
    gid: int | None = None


@dataclass(frozen=True)
class DebuggerOptions:
    """How the debugger is made: image, identity overrides, waiting and the audit record."""

    image: str = DEFAULT_IMAGE
    timeout: float = DEFAULT_TIMEOUT
    idle: int = DEFAULT_IDLE
    reason: str = ""
    overrides: Overrides = field(default_factory=Overrides)


@dataclass(frozen=True)
class ShellOptions:
    """One ``kubectl dshell [shell] POD [-- CMD...]`` invocation."""

    target: str
    connection: Connection = field(default_factory=Connection)
    container: str | None = None
    debugger: DebuggerOptions = field(default_factory=DebuggerOptions)
    command: tuple[str, ...] = ()
    quiet: bool = False
