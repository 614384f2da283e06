"""The simulator's kubelet: runs the pods bound to its node on the node runtime and serves their streams.

It watches pods in the store, gives each of its pods a :class:`PodWorker`, and implements the
API server's KubeletStreams (exec, attach, logs) on the runtime's containers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from ..contracts import ApiError, StreamSession
from .logs import read_logs
from .record import ContainerRecord
from .worker import PodWorker

log = logging.getLogger("kubesim.kubelet")


class Kubelet:
    """Keeps the node's containers in line with the pods bound to it."""

    def __init__(self, store, node, *, state_dir: Path, ca_pem: bytes, node_name: str = "kubesim-node",
                 start_delay: float = 0.0, record_event=None):
        self.store = store
        self.node = node
        self.state_dir = state_dir
        self.ca_pem = ca_pem
        self.node_name = node_name
        self.start_delay = start_delay
        self.record_event = record_event
        self.stopping = threading.Event()
        self.workers: dict[str, PodWorker] = {}
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._watch_pods, name="kubelet-watch", daemon=True)
        self.watch = None

    def start(self) -> None:
        self.watch = self.store.watch("pods", None, field_selector=f"spec.nodeName={self.node_name}")
        self.thread.start()

    def stop(self) -> None:
        """Stop watching; the containers die with the node (Node.stop), not one by one here."""
        self.stopping.set()
        if self.watch is not None:
            self.watch.close()
        for worker in list(self.workers.values()):
            worker.wake.set()

    def _watch_pods(self) -> None:
        for event in self.watch:
            if self.stopping.is_set():
                return
            if event.type not in ("ADDED", "MODIFIED", "DELETED"):
                continue
            pod = event.object
            uid = pod["metadata"]["uid"]
            with self.lock:
                worker = self.workers.get(uid)
                if worker is None and event.type != "DELETED":
                    worker = self.workers[uid] = PodWorker(self, pod)
                    worker.start()
            if worker is not None:
                worker.update(pod, deleted=event.type == "DELETED")

    def forget(self, worker: PodWorker) -> None:
        with self.lock:
            self.workers.pop(worker.uid, None)

    def event(self, pod: dict, reason: str, message: str, type_: str = "Normal", *,
              field: ContainerRecord | None = None) -> None:
        """Record a core/v1 Event about the pod (or one of its containers)."""
        if self.record_event is None or self.stopping.is_set():
            return
        meta = pod["metadata"]
        involved = {
            "kind": "Pod", "apiVersion": "v1", "namespace": meta.get("namespace", "default"),
            "name": meta["name"], "uid": meta["uid"], "resourceVersion": meta.get("resourceVersion", ""),
        }
        if field is not None:
            involved["fieldPath"] = f"spec.{field.spec_key}{{{field.name}}}"
        try:
            self.record_event(self.store, involved, reason, message, type_, "kubelet")
        except ApiError:
            log.debug("event %s for %s not recorded", reason, meta["name"])

    # -- KubeletStreams ---------------------------------------------------------------------

    def _worker(self, namespace: str, pod: str) -> PodWorker:
        with self.lock:
            for worker in self.workers.values():
                if worker.namespace == namespace and worker.name == pod:
                    return worker
        raise ApiError(404, "NotFound", f'pod "{pod}" not found on node {self.node_name}')

    def exec(self, namespace: str, pod: str, container: str, command: list[str], *, stdin: bool,
             stdout: bool, stderr: bool, tty: bool) -> StreamSession:
        handle = self._worker(namespace, pod).running_handle(container)
        return handle.exec(command, tty=tty, stdin=stdin, stdout=stdout, stderr=stderr and not tty)

    def attach(self, namespace: str, pod: str, container: str, *, stdin: bool, stdout: bool,
               stderr: bool, tty: bool) -> StreamSession:
        handle = self._worker(namespace, pod).running_handle(container)
        return handle.attach(stdin=stdin, stdout=stdout, stderr=stderr and not tty)

    def logs(self, namespace: str, pod: str, container: str, *, follow: bool = False,
             previous: bool = False, tail_lines: int | None = None, timestamps: bool = False,
             since_seconds: int | None = None, limit_bytes: int | None = None) -> Iterator[bytes]:
        worker = self._worker(namespace, pod)
        path, running = worker.log_source(container, previous)
        if not path.exists():
            return iter(())

        def still_running() -> bool:
            if not running or self.stopping.is_set():
                return False
            try:
                return worker.running_handle(container) is not None
            except ApiError:
                return False

        return read_logs(path, follow=follow, still_running=still_running, tail_lines=tail_lines,
                         timestamps=timestamps, since_seconds=since_seconds, limit_bytes=limit_bytes)
