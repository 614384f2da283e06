"""Server-side printing: the columns and cells of each resource's Table, as the apiserver's
printers (pkg/printers/internalversion/printers.go) make them. Every column is sent; kubectl shows
priority-1 columns only with ``-o wide``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from . import duration, labels, meta, podprinter

_AGE = ("Age", "string", 0)
_WORKLOAD_WIDE = (("Containers", "string", 1), ("Images", "string", 1), ("Selector", "string", 1))
_BINDING_COLUMNS = (("Name", "string", 0), ("Role", "string", 0), _AGE, ("Users", "string", 1),
                    ("Groups", "string", 1), ("ServiceAccounts", "string", 1))


@dataclass(frozen=True)
class Printer:
    """Column definitions (name, type, priority) and a function making one row's cells."""

    columns: tuple[tuple[str, str, int], ...]
    cells: Callable[[dict, datetime | None], list]


def _age(obj: dict, now: datetime | None) -> str:
    return duration.since(obj["metadata"].get("creationTimestamp"), now)


def _containers(template: dict) -> list[str]:
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    return [",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)]


def _namespace(obj: dict, now: datetime | None) -> list:
    return [obj["metadata"]["name"], obj.get("status", {}).get("phase", ""), _age(obj, now)]


def _node(obj: dict, now: datetime | None) -> list:
    status = obj.get("status", {})
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if (obj.get("spec") or {}).get("unschedulable"):
        state.append("SchedulingDisabled")
    roles = sorted({k.split("/", 1)[1] for k in obj["metadata"].get("labels", {})
                    if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1]})
    info = status.get("nodeInfo", {})
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [obj["metadata"]["name"], ",".join(state), ",".join(roles) or "<none>", _age(obj, now),
            info.get("kubeletVersion", ""), addresses.get("InternalIP", "<none>"),
            addresses.get("ExternalIP", "<none>"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>", info.get("containerRuntimeVersion") or "<unknown>"]


def _event(obj: dict, now: datetime | None) -> list:
    first = duration.since(obj.get("firstTimestamp") or obj.get("eventTime"), now)
    last = duration.since(obj["lastTimestamp"], now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    if obj.get("series"):
        last, count = duration.since(obj["series"].get("lastObservedTime"), now), obj["series"].get("count", 1)
    involved = obj.get("involvedObject", {})
    target = involved.get("kind", "").lower() + (f"/{involved['name']}" if involved.get("name") else "")
    source = obj.get("source", {})
    component = source.get("component") or obj.get("reportingComponent", "")
    host = source.get("host") or obj.get("reportingInstance", "")
    return [last, obj.get("type", ""), obj.get("reason", ""), target, involved.get("fieldPath", ""),
            f"{component}, {host}" if host else component, (obj.get("message") or "").strip(), first,
            count, obj["metadata"]["name"]]


def _deployment(obj: dict, now: datetime | None) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _age(obj, now),
            *_containers(spec.get("template")), labels.from_label_selector(spec.get("selector"))]


def _replicaset(obj: dict, now: datetime | None) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [obj["metadata"]["name"], spec.get("replicas", 1), status.get("replicas", 0),
            status.get("readyReplicas", 0), _age(obj, now), *_containers(spec.get("template")),
            labels.from_label_selector(spec.get("selector"))]


def _statefulset(obj: dict, now: datetime | None) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            _age(obj, now), *_containers(spec.get("template"))]


def _daemonset(obj: dict, now: datetime | None) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    selector = (((spec.get("template") or {}).get("spec") or {}).get("nodeSelector")) or {}
    counts = [status.get(k, 0) for k in ("desiredNumberScheduled", "currentNumberScheduled", "numberReady",
                                          "updatedNumberScheduled", "numberAvailable")]
    return [obj["metadata"]["name"], *counts, ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
            _age(obj, now), *_containers(spec.get("template")), labels.from_label_selector(spec.get("selector"))]


def _job_status(obj: dict) -> str:
    conditions = {c.get("type"): c.get("status") for c in obj.get("status", {}).get("conditions") or []}
    for kind, shown in (("Complete", "Complete"), ("Failed", "Failed")):
        if conditions.get(kind) == "True":
            return shown
    if obj["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget"):
        if conditions.get(kind) == "True":
            return kind
    return "Running"


def _job_duration(status: dict, now: datetime | None) -> str:
    started = meta.parse_time(status.get("startTime"))
    if started is None:
        return ""
    end = meta.parse_time(status.get("completionTime")) or now or meta.now()
    return duration.human((end - started).total_seconds())


def _job(obj: dict, now: datetime | None) -> list:
    spec, status = obj.get("spec", {}), obj.get("status", {})
    succeeded = status.get("succeeded", 0)
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    return [obj["metadata"]["name"], _job_status(obj), completions, _job_duration(status, now), _age(obj, now),
            *_containers(spec.get("template")), labels.from_label_selector(spec.get("selector"))]


def _named_count(field: str) -> Callable[[dict, datetime | None], list]:
    def cells(obj: dict, now: datetime | None) -> list:
        return [obj["metadata"]["name"], len(obj.get(field) or {}), _age(obj, now)]
    return cells


def _secret(obj: dict, now: datetime | None) -> list:
    return [obj["metadata"]["name"], obj.get("type", ""), len(obj.get("data") or {}), _age(obj, now)]


def _configmap(obj: dict, now: datetime | None) -> list:
    return [obj["metadata"]["name"], len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def _binding(obj: dict, now: datetime | None) -> list:
    """A (Cluster)RoleBinding's role as Kind/name, and its subjects by kind (rbac.SubjectsStrings)."""
    ref, subjects = obj.get("roleRef") or {}, obj.get("subjects") or []
    users = [s.get("name", "") for s in subjects if s.get("kind") == "User"]
    groups = [s.get("name", "") for s in subjects if s.get("kind") == "Group"]
    accounts = [f"{s.get('namespace', '')}/{s.get('name', '')}" for s in subjects if s.get("kind") == "ServiceAccount"]
    return [obj["metadata"]["name"], f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(obj, now),
            ", ".join(users), ", ".join(groups), ", ".join(accounts)]


def _default(obj: dict, now: datetime | None) -> list:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


PRINTERS: dict[str, Printer] = {
    "pods": Printer((("Name", "string", 0), ("Ready", "string", 0), ("Status", "string", 0),
                     ("Restarts", "string", 0), _AGE, ("IP", "string", 1), ("Node", "string", 1),
                     ("Nominated Node", "string", 1), ("Readiness Gates", "string", 1)), podprinter.cells),
    "namespaces": Printer((("Name", "string", 0), ("Status", "string", 0), _AGE), _namespace),
    "nodes": Printer((("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0), _AGE,
                      ("Version", "string", 0), ("Internal-IP", "string", 1), ("External-IP", "string", 1),
                      ("OS-Image", "string", 1), ("Kernel-Version", "string", 1),
                      ("Container-Runtime", "string", 1)), _node),
    "events": Printer((("Last Seen", "string", 0), ("Type", "string", 0), ("Reason", "string", 0),
                       ("Object", "string", 0), ("Subobject", "string", 1), ("Source", "string", 1),
                       ("Message", "string", 0), ("First Seen", "string", 1), ("Count", "string", 1),
                       ("Name", "string", 1)), _event),
    "secrets": Printer((("Name", "string", 0), ("Type", "string", 0), ("Data", "string", 0), _AGE), _secret),
    "configmaps": Printer((("Name", "string", 0), ("Data", "string", 0), _AGE), _configmap),
    "serviceaccounts": Printer((("Name", "string", 0), ("Secrets", "string", 0), _AGE), _named_count("secrets")),
    "deployments": Printer((("Name", "string", 0), ("Ready", "string", 0), ("Up-to-date", "string", 0),
                            ("Available", "string", 0), _AGE, *_WORKLOAD_WIDE), _deployment),
    "replicasets": Printer((("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
                            ("Ready", "integer", 0), _AGE, *_WORKLOAD_WIDE), _replicaset),
    "statefulsets": Printer((("Name", "string", 0), ("Ready", "string", 0), _AGE,
                             ("Containers", "string", 1), ("Images", "string", 1)), _statefulset),
    "daemonsets": Printer((("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
                           ("Ready", "integer", 0), ("Up-to-date", "integer", 0), ("Available", "integer", 0),
                           ("Node Selector", "string", 0), _AGE, *_WORKLOAD_WIDE), _daemonset),
    "jobs": Printer((("Name", "string", 0), ("Status", "string", 0), ("Completions", "string", 0),
                     ("Duration", "string", 0), _AGE, *_WORKLOAD_WIDE), _job),
    "rolebindings": Printer(_BINDING_COLUMNS, _binding),
    "clusterrolebindings": Printer(_BINDING_COLUMNS, _binding),
}

# Resources without a printer (roles and clusterroles too) get the generic table: the name and the creation time.
DEFAULT = Printer((("Name", "string", 0), ("Created At", "date", 0)), _default)


def printer_for(resource: str) -> Printer:
    """The printer of a resource (the generic one when it has none of its own)."""
    return PRINTERS.get(resource, DEFAULT)
