"""Field selectors: the few fields each resource supports, with =, == and !=."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import errors


def _path(*keys: str) -> Callable[[dict], str]:
    def get(obj: dict) -> str:
        value: object = obj
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)
    return get


def _flag(*keys: str) -> Callable[[dict], str]:
    """A boolean field, "false" when unset (as strconv.FormatBool of Go's zero value)."""
    get = _path(*keys)
    return lambda obj: get(obj) or "false"


_META = {"metadata.name": _path("metadata", "name"), "metadata.namespace": _path("metadata", "namespace")}

# The field labels each resource's strategy exposes (GetAttrs / ToSelectableFields in the apiserver).
_FIELDS: dict[str, dict[str, Callable[[dict], str]]] = {
    "pods": {
        **_META,
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": _flag("spec", "hostNetwork"),
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "events": {
        **_META,
        **{f"involvedObject.{k}": _path("involvedObject", k)
           for k in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    "secrets": {**_META, "type": _path("type")},
    "namespaces": {**_META, "status.phase": _path("status", "phase")},
    "nodes": {**_META, "spec.unschedulable": _flag("spec", "unschedulable")},
    "replicasets": {**_META, "status.replicas": _path("status", "replicas")},
    "jobs": {**_META, "status.successful": _path("status", "succeeded")},
}


@dataclass(frozen=True)
class FieldRequirement:
    """``field=value`` or ``field!=value``."""

    field: str
    value: str
    negate: bool

    def matches(self, obj: dict, getters: dict[str, Callable[[dict], str]]) -> bool:
        """Whether the object's field value satisfies this term."""
        return (getters[self.field](obj) == self.value) != self.negate


def _parse_term(term: str) -> FieldRequirement:
    for op in ("!=", "==", "="):
        if op in term:
            field, value = term.split(op, 1)
            return FieldRequirement(field.strip(), value.strip(), op == "!=")
    raise errors.bad_request(f"invalid selector: '{term}'; can't understand '{term}'")


def parse(resource: str, selector: str) -> list[FieldRequirement]:
    """Parse a fieldSelector for a resource; BadRequest for a field the resource does not support."""
    requirements = [_parse_term(t) for t in (selector or "").split(",") if t.strip()]
    getters = _FIELDS.get(resource, _META)
    for req in requirements:
        if req.field not in getters:
            raise errors.bad_request(f"field label not supported: {req.field}")
    return requirements


def matches(resource: str, requirements: list[FieldRequirement], obj: dict) -> bool:
    """Whether the object satisfies every parsed requirement."""
    getters = _FIELDS.get(resource, _META)
    return all(r.matches(obj, getters) for r in requirements)
