"""An in-memory API for ephemeral containers: resourceVersion preconditions, Pod Security, watch events."""

from __future__ import annotations

import copy
import threading

from kubectl_dshell.debugger import Audit
from kubectl_dshell.errors import Unsupported
from kubectl_dshell.translate import Conflict, PodSecurityRejected

AUDIT = Audit("alice", "", "2025-06-01T12:00:00Z")


class MemoryApi:
    """The API server's side of ephemeral containers: resourceVersion preconditions, watch events."""

    def __init__(
        self,
        pod: dict,
        version: tuple[int, int] = (1, 32),
        events: list[list[dict]] | None = None,
        restricted: bool = False,
    ):
        self.pod = copy.deepcopy(pod)
        self.restricted = restricted
        self.version = version
        self.events = events or []
        self.lock = threading.Lock()
        self.patches = 0
        self.audits = 0
        self.violation: str | None = None  # with ``restricted``: refuse every PATCH with this one

    def get_pod(self, namespace: str, name: str) -> dict:
        with self.lock:
            return copy.deepcopy(self.pod)

    def server_version(self) -> tuple[int, int]:
        return self.version

    def patch_ephemeral(self, namespace: str, name: str, body: dict) -> dict:
        with self.lock:
            if self.version < (1, 23):  # the subresource is off: a bare 404, as translate words it
                raise Unsupported("ephemeral containers are disabled for this cluster")
            if body["metadata"]["resourceVersion"] != self.pod["metadata"]["resourceVersion"]:
                raise Conflict("the object has been modified")
            for container in body["spec"]["ephemeralContainers"]:
                self._admit(container)
            self.patches += 1
            self.pod["spec"].setdefault("ephemeralContainers", []).extend(body["spec"]["ephemeralContainers"])
            self.pod["metadata"]["resourceVersion"] = str(int(self.pod["metadata"]["resourceVersion"]) + 1)
            return copy.deepcopy(self.pod)

    def _admit(self, container: dict) -> None:
        """Pod Security "restricted", reduced to the one check that tells root from non-root."""
        if self.restricted and self.violation:
            raise PodSecurityRejected("refused", None, "restricted:latest", [self.violation])
        if self.restricted and not container["securityContext"].get("runAsNonRoot"):
            name = container["name"]
            violation = f'runAsNonRoot != true (container "{name}" must set securityContext.runAsNonRoot=true)'
            raise PodSecurityRejected("refused", None, "restricted:latest", [violation])

    def watch_pod(self, namespace: str, name: str, resource_version: str, timeout: int):
        yield from self.events.pop(0) if self.events else []

    config_user = "alice"

    def whoami(self) -> str | None:
        return None  # as where SelfSubjectReview is not allowed

    def namespace_labels_or_none(self, namespace: str) -> dict | None:
        return None  # as where RBAC hides namespaces

    def audit(self) -> Audit:
        self.audits += 1
        return AUDIT
