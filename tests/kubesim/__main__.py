"""python -m tests.kubesim --kubeconfig PATH: run the cluster simulator in the foreground.

The kubeconfig is written once the cluster is ready (and the demo workloads run, unless --no-demo);
SIGINT or SIGTERM stops it and removes every process, mount and network namespace it made.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .cluster import Cluster, Options

PR_SET_PDEATHSIG = 1


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.kubesim", description=__doc__.splitlines()[0])
    p.add_argument("--kubeconfig", required=True, type=Path, help="where to write the kubeconfig")
    p.add_argument("--port", type=int, default=0, help="API port (default: any free port)")
    p.add_argument("--version", default="1.32", help="Kubernetes version to report (picks the kubectl)")
    p.add_argument("--api-latency-ms", type=int, default=0, help="delay added to every API request")
    p.add_argument("--start-delay-ms", type=int, default=0, help="delay added to every container start")
    p.add_argument("--no-demo", action="store_true", help="do not create the demo workloads")
    p.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    p.add_argument("--no-ephemeral-containers", action="store_true",
                   help="answer 404 on pods/ephemeralcontainers, as an old cluster does")
    p.add_argument("--max-request-line", type=int, default=8190,
                   help="refuse longer request lines with 414, as front doors do (0: no limit)")
    p.add_argument("--retag-image", action="append", default=[], type=image_pair, metavar="IMAGE=NAME",
                   help="serve the node's IMAGE as NAME instead (as a node given a retagged copy); repeatable")
    p.add_argument("--die-with-parent", action="store_true", help="stop when the parent process dies")
    p.add_argument("-v", "--verbose", action="store_true", help="log what the simulator does")
    return p.parse_args(argv)


def image_pair(text: str) -> tuple[str, str]:
    """IMAGE=NAME, both non-empty."""
    source, sep, target = text.partition("=")
    if not (source and sep and target):
        raise argparse.ArgumentTypeError(f"expected IMAGE=NAME, got {text!r}")
    return source, target


def die_with_parent() -> None:
    """Get SIGTERM when the parent dies (so a killed test run still cleans up)."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="kubesim: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if args.die_with_parent:
        die_with_parent()
    cluster = Cluster(Options(
        version=args.version, port=args.port, tls=not args.http, api_latency_ms=args.api_latency_ms,
        start_delay_ms=args.start_delay_ms, ephemeral_containers=not args.no_ephemeral_containers,
        max_request_line=args.max_request_line,
        image_retags=tuple(args.retag_image),
    ))
    try:
        cluster.start()
        if not args.no_demo and not stop.is_set():
            cluster.create_demo()
        cluster.write_kubeconfig(args.kubeconfig)
        print(f"kubesim: ready at {cluster.api.url}; kubeconfig {args.kubeconfig}", file=sys.stderr, flush=True)
        stop.wait()
    finally:
        cluster.stop()
        args.kubeconfig.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
