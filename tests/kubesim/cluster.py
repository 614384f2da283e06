"""A whole single-node cluster: store, API server, kubelet and node runtime, wired and started together."""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml

from .api.events import record_event
from .api.server import ApiServer
from .api.store import Store
from .kubelet import Kubelet
from .runtime import Node

log = logging.getLogger("kubesim")

DEMO_MANIFEST = Path(__file__).with_name("demo.yaml")
STATE_ROOT = Path(os.environ.get("KUBESIM_STATE_ROOT", "/tmp/kubesim"))
# kind -> (API path prefix, plural, namespaced)
KINDS = {
    "Namespace": ("/api/v1", "namespaces", False),
    "Pod": ("/api/v1", "pods", True),
    "Secret": ("/api/v1", "secrets", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "ReplicaSet": ("/apis/apps/v1", "replicasets", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "DaemonSet": ("/apis/apps/v1", "daemonsets", True),
    "Job": ("/apis/batch/v1", "jobs", True),
}


@dataclass
class Options:
    """How to run the cluster (the command line's flags)."""

    version: str = "1.32"
    port: int = 0
    tls: bool = True
    api_latency_ms: int = 0
    start_delay_ms: int = 0
    ephemeral_containers: bool = True
    max_request_line: int = 8190
    image_retags: tuple[tuple[str, str], ...] = ()  # (an image, the only name it is served by)


class Cluster:
    """Start with :meth:`start`, always :meth:`stop` (idempotent), even after a failed start."""

    def __init__(self, options: Options | None = None):
        self.options = options or Options()
        STATE_ROOT.mkdir(parents=True, exist_ok=True)
        self.state_dir = STATE_ROOT / f"{os.getpid()}-{secrets.token_hex(3)}"
        self.node = Node(self.state_dir / "node")
        self.store = Store()
        self.api: ApiServer | None = None
        self.kubelet: Kubelet | None = None

    def start(self) -> None:
        """Sweep a crashed run's leftovers, then start node, API server and kubelet."""
        for removed in Node.sweep(STATE_ROOT):
            log.info("removed leftovers of a crashed run: %s", removed)
        self.state_dir.mkdir(parents=True)
        self.node.start()
        opts = self.options
        for source, target in opts.image_retags:
            self.node.images.retag(source, target)
        self.api = ApiServer(
            self.store, None, version=opts.version, tls=opts.tls, port=opts.port,
            latency_ms=opts.api_latency_ms, ephemeral_containers=opts.ephemeral_containers,
            state_dir=self.state_dir / "api", max_request_line=opts.max_request_line,
        )
        self.kubelet = Kubelet(
            self.store, self.node, state_dir=self.state_dir / "kubelet",
            ca_pem=self.api.ca_path.read_bytes() if opts.tls else b"",
            start_delay=opts.start_delay_ms / 1000, record_event=record_event,
        )
        self.api.kubelet = self.kubelet
        self.api.start()
        self.kubelet.start()

    def stop(self) -> None:
        """Stop everything and remove every process, mount, namespace and file it made."""
        if self.kubelet is not None:
            self.kubelet.stop()
        if self.api is not None:
            self.api.stop()
        self.node.stop()
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def write_kubeconfig(self, path: Path) -> None:
        """A kubeconfig for the admin user, written atomically (readers may wait for the file)."""
        tmp = path.with_name(path.name + ".tmp")
        self.api.write_kubeconfig(tmp, token=self.api.admin_token)
        os.replace(tmp, path)

    # -- objects ----------------------------------------------------------------------------

    def apply_manifest(self, path: Path) -> list[dict]:
        """Create every object of a YAML manifest through the HTTP API, as a client would."""
        return [self.create(doc) for doc in yaml.safe_load_all(path.read_text()) if doc]

    def create(self, obj: dict) -> dict:
        """POST one object (admin), through the same defaulting, validation and admission as clients."""
        prefix, plural, namespaced = KINDS[obj["kind"]]
        ns = obj.get("metadata", {}).get("namespace", "default")
        url = f"{self.api.url}{prefix}" + (f"/namespaces/{ns}" if namespaced else "") + f"/{plural}"
        req = urllib.request.Request(url, data=json.dumps(obj).encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.api.admin_token}"})
        context = ssl.create_default_context(cafile=str(self.api.ca_path)) if self.options.tls else None
        with urllib.request.urlopen(req, context=context, timeout=30) as resp:
            return json.loads(resp.read())

    def wait_running(self, pods: list[tuple[str, str]], timeout: float = 60.0) -> None:
        """Block until each (namespace, name) pod has all its containers running (a watch, no polling)."""
        pending = set(pods)
        watch = self.store.watch("pods")
        timer = threading.Timer(timeout, watch.close)  # ends the iteration below at the deadline
        timer.daemon = True
        timer.start()
        try:
            for event in watch:
                meta = event.object.get("metadata", {})
                key = (meta.get("namespace"), meta.get("name"))
                if key in pending and _all_running(event.object):
                    pending.discard(key)
                if not pending:
                    return
        finally:
            timer.cancel()
            watch.close()
        raise TimeoutError(f"pods not running after {timeout:.0f}s: {sorted(pending)}")

    def create_demo(self) -> None:
        """The demo workloads of demo.yaml, waited for until they run (crashy crash-loops by design)."""
        objs = self.apply_manifest(DEMO_MANIFEST)
        pods = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objs
                if o["kind"] == "Pod" and o["metadata"]["name"] != "crashy"]
        self.wait_running(pods)


def _all_running(pod: dict) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    wanted = len(pod.get("spec", {}).get("containers") or [])
    return len(statuses) == wanted and all("running" in s.get("state", {}) for s in statuses)
