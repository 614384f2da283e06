"""The errors dshell reports, and the exit code of each kind.

Every failure a user can meet is a :class:`DshellError`: one line saying what went wrong and an
optional hint saying what to do about it. The CLI prints both and exits with the kind's code; a
remote command's own exit code passes through unchanged (so it may overlap these values).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit codes of ``kubectl dshell`` (documented in ``--help``)."""

    OK = 0
    FAILURE = 1  # an unexpected error (run with --debug for the traceback)
    USAGE = 2  # bad flags or arguments
    CONFIG = 3  # kubeconfig missing or invalid, unknown context, its user's credentials unusable
    CONNECTION = 4  # the API server cannot be reached or did not answer in time, TLS or credentials rejected
    NOT_FOUND = 5  # no such pod, workload or container
    NOT_READY = 6  # the target cannot be debugged: not running, crash-looping, static, Windows
    FORBIDDEN = 7  # RBAC or Pod Security refused a request
    UNSUPPORTED = 8  # the cluster has no ephemeral containers
    DEBUGGER_FAILED = 9  # the debugger did not start: image pull, config error, it exited
    TIMEOUT = 10  # --timeout passed while waiting for the debugger
    SESSION_LOST = 11  # the exec session ended without an exit status
    PATH_NOT_FOUND = 12  # no such path in the target's filesystem, or one leading outside its root
    ACCESS_DENIED = 13  # the session's identity may not read that path or process
    CHECK_FAILED = 14  # a net --check or --resolve failed
    LOCAL_WRITE_FAILED = 15  # a file on this machine could not be written: disk full, read-only, permission
    HANGUP = 129  # SIGHUP: the terminal went away
    INTERRUPTED = 130  # Ctrl-C
    OUTPUT_CLOSED = 141  # stdout's reader went away (as a tool killed by SIGPIPE): `| head`
    TERMINATED = 143  # SIGTERM


class Stopped(BaseException):
    """SIGTERM or SIGHUP, raised wherever the program is (as Ctrl-C raises KeyboardInterrupt), so that
    the same cleanup runs: terminal restored, partial copies removed. Not an Exception, for the same
    reason KeyboardInterrupt is not: nothing may catch it by accident."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class DshellError(Exception):
    """A failure explained to the user: ``message`` says what, ``hint`` what to do."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DshellError):
    """Flags or arguments that cannot work together."""

    exit_code = ExitCode.USAGE


class ConfigError(DshellError):
    """The kubeconfig cannot be loaded, names no usable context, or its user's credentials cannot be
    sent (a token that is no valid HTTP header value, a failing exec plugin, a bad client key)."""

    exit_code = ExitCode.CONFIG


class ConnectionFailed(DshellError):
    """The API server cannot be reached or refused our credentials."""

    exit_code = ExitCode.CONNECTION


class NotFound(DshellError):
    """A pod, workload or container that does not exist."""

    exit_code = ExitCode.NOT_FOUND


class NotReady(DshellError):
    """A target that exists but cannot be debugged now (or ever)."""

    exit_code = ExitCode.NOT_READY


class Forbidden(DshellError):
    """RBAC, Pod Security or an admission webhook refused a request."""

    exit_code = ExitCode.FORBIDDEN


class Unsupported(DshellError):
    """The cluster lacks a feature dshell needs (ephemeral containers)."""

    exit_code = ExitCode.UNSUPPORTED


class DebuggerFailed(DshellError):
    """The debugger container could not start or stopped."""

    exit_code = ExitCode.DEBUGGER_FAILED


class TimedOut(DshellError):
    """--timeout passed before the debugger was running."""

    exit_code = ExitCode.TIMEOUT


class SessionLost(DshellError):
    """The exec connection ended without telling how the command exited."""

    exit_code = ExitCode.SESSION_LOST


class PathNotFound(DshellError):
    """A path the target's filesystem does not have (or one that would leave its root)."""

    exit_code = ExitCode.PATH_NOT_FOUND


class AccessDenied(DshellError):
    """The kernel refused the session's identity a path or a process of the target."""

    exit_code = ExitCode.ACCESS_DENIED


class CheckFailed(DshellError):
    """A connection check or a name lookup from the pod failed."""

    exit_code = ExitCode.CHECK_FAILED


class LocalWriteFailed(DshellError):
    """A file on this machine could not be written (the copy, or the file stdout goes to)."""

    exit_code = ExitCode.LOCAL_WRITE_FAILED


def local_failure(exc: OSError, where: str) -> LocalWriteFailed:
    """The user's error for a failed write of ``where`` on this machine."""
    return LocalWriteFailed(
        f"cannot write {where}: {exc.strerror or exc}",
        "check that file system (free space, permissions, read-only mounts), or write elsewhere",
    )
