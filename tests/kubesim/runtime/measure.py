"""Start-up figures of the node runtime: ``python -m tests.kubesim.runtime.measure``.

Median over 20 container starts (start_container until the main process has exec'd) and 20
exec starts (exec() until the process has exec'd).
"""

from __future__ import annotations

import secrets
import statistics
import time

from ..cluster import STATE_ROOT
from .cleanup import make_state_dir
from .node import Node
from .spec import ContainerSpec

RUNS = 20


def _median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.1f} ms (min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})"


def main() -> None:
    """Print the medians."""
    node = Node(make_state_dir(STATE_ROOT))  # the simulator's own root, which its next start sweeps
    try:
        node.start()
        pod = node.run_sandbox(secrets.token_hex(8), "measure", share_pid=False)
        image = node.images.resolve("busybox")
        assert image is not None
        starts, execs = [], []
        for _ in range(RUNS):
            spec = ContainerSpec(id=secrets.token_hex(32), name="m", image=image, argv=["sleep", "60"],
                                 env=list(image.env), cwd="/", uid=0, gid=0)
            begin = time.perf_counter()
            container = node.start_container(pod, spec)
            starts.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            session = container.exec(["true"], tty=False, stdin=False)
            execs.append(time.perf_counter() - begin)
            session.wait()
        print(f"container start: {_median_ms(starts)}")
        print(f"exec start:      {_median_ms(execs)}")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
