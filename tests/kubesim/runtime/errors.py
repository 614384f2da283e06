"""How start failures read: containerd's wrapping around runc's message."""

from __future__ import annotations

# containerd 1.7/2.x with runc 1.2+ ("error during container init" is new in runc 1.2).
CREATE_PREFIX = (
    "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
    "runc create failed: unable to start container process: error during container init: "
)
EXEC_PREFIX = (
    'failed to exec in container: failed to start exec "{exec_id}": OCI runtime exec failed: '
    "exec failed: unable to start container process: "
)
SUFFIX = ": unknown"
EXEC_NOT_RUNNING = "failed to exec in container: container is in CONTAINER_EXITED state"


class StartError(Exception):
    """A container's main process could not start; str() is containerd's message."""


def create_error(runc_message: str) -> StartError:
    """The StartError for runc's own message about a main process."""
    return StartError(f"{CREATE_PREFIX}{runc_message}{SUFFIX}")


def exec_error(exec_id: str, runc_message: str) -> str:
    """The exec failure text (ExitInfo.error) for runc's own message."""
    return f"{EXEC_PREFIX.format(exec_id=exec_id)}{runc_message}{SUFFIX}"
