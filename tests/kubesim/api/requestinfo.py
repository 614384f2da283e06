"""What a request path means: group, version, namespace, resource, name, subresource and verb,
parsed as the apiserver's RequestInfoFactory does (the verb is what authorization checks)."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import Attributes

_VERBS = {"POST": "create", "GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
_NAMESPACE_SUBRESOURCES = {"status", "finalize"}


@dataclass(frozen=True)
class RequestInfo:
    """A parsed request. Non-resource requests (/version, /api/v1, ...) have an empty resource."""

    path: str
    verb: str
    group: str = ""
    version: str = ""
    namespace: str = ""
    resource: str = ""
    name: str = ""
    subresource: str = ""
    pinned_name: str = ""  # a list or watch's fieldSelector metadata.name=NAME, which authorization sees

    @property
    def is_resource(self) -> bool:
        """Whether the path names a resource (and is not a discovery or health path)."""
        return bool(self.resource)

    def attributes(self) -> Attributes:
        """The authorization attributes of this request."""
        return Attributes(self.verb, self.resource, self.subresource, self.group, self.namespace,
                          self.name or self.pinned_name, self.path)


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1")


def _exact_name(field_selector: str) -> str:
    """The name a fieldSelector pins with metadata.name=NAME (authorized as a named request)."""
    for term in field_selector.split(","):
        for op in ("==", "="):
            key, sep, value = term.partition(op)
            if sep and key.strip() == "metadata.name" and "!" not in key:
                return value.strip()
    return ""


def parse(method: str, path: str, query: dict[str, list[str]]) -> RequestInfo:
    """Parse a request; ``query`` maps each parameter to its values in order."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] not in ("api", "apis") or len(parts) < (2 if parts[0] == "api" else 3):
        return RequestInfo(path, method.lower())
    group, version, rest = ("", parts[1], parts[2:]) if parts[0] == "api" else (parts[1], parts[2], parts[3:])
    if not rest:
        return RequestInfo(path, method.lower(), group, version)
    verb, namespace = _VERBS.get(method.upper(), method.lower()), ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in _NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    pinned = ""
    if not name and verb == "get":
        verb = "watch" if _truthy((query.get("watch") or [""])[0]) else "list"
        pinned = _exact_name((query.get("fieldSelector") or [""])[0])
    elif not name and verb == "delete":
        verb = "deletecollection"
    return RequestInfo(path, verb, group, version, namespace, rest[0], name, subresource, pinned)
