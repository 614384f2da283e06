"""Stopping a pod's running containers in the kubelet's order (KEP-753 termination ordering).

App, ephemeral and (still running) regular init containers stop together; each sidecar waits until
they have exited and the sidecars after it have stopped, so sidecars go last, in reverse spec order,
all within one grace period.
"""

from __future__ import annotations

import threading
import time

from .record import ContainerRecord


def stop_in_order(records: list[ContainerRecord], grace: float) -> None:
    """Stop each record's container (records in spec order, init containers first); returns once all exited."""
    deadline = time.monotonic() + grace
    threads = [threading.Thread(target=rec.handle.stop, args=(grace,), daemon=True)
               for rec in records if not rec.sidecar]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for rec in reversed([r for r in records if r.sidecar]):
        rec.handle.stop(max(0.0, deadline - time.monotonic()))
