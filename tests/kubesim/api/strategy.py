"""Per-resource behaviour of the generic verbs, like the apiserver's registry strategies:
what create and update add or keep, and what delete means."""

from __future__ import annotations

import base64

from dataclasses import dataclass, field

from . import errors
from .context import Backend
from .resources import ResourceType


@dataclass(frozen=True)
class DeleteOptions:
    """The parts of metav1.DeleteOptions the simulator honours."""

    grace_period: int | None = None
    propagation: str = "Background"
    preconditions: dict = field(default_factory=dict)
    dry_run: bool = False


def check_preconditions(rtype: ResourceType, obj: dict, options: DeleteOptions) -> None:
    """409 Conflict when a uid or resourceVersion precondition does not hold."""
    md = obj["metadata"]
    for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = options.preconditions.get(key)
        if wanted and wanted != md.get(key):
            reason = f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {md.get(key)}"
            raise errors.conflict(rtype.name, md["name"], rtype.group, reason)


class Strategy:
    """The default: objects stored as given; delete removes at once and answers a Status."""

    returns_deleted_object = False

    def before_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> list[str]:
        """Default, validate and admit a new object in place; returns warnings for the client."""
        if rtype.subresource("status") is not None:
            obj["status"] = {}  # status is the controllers' to write, never the creator's
        return []

    def after_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """What controllers would do right after the object appears."""

    def before_update(self, backend: Backend, rtype: ResourceType, old: dict, new: dict) -> tuple[dict, list[str]]:
        """The object to store for an update of the main resource, and warnings."""
        if rtype.subresource("status") is not None:
            new["status"] = old.get("status", {})  # the main resource cannot change status
        return new, []

    def after_update(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """What controllers would do right after an update of the main resource was stored."""

    def delete(self, backend: Backend, rtype: ResourceType, obj: dict, options: DeleteOptions) -> dict:
        """Delete the object; returns it as last stored."""
        md = obj["metadata"]
        if options.dry_run:
            return obj
        return backend.store.delete(rtype.name, md.get("namespace"), md["name"])


class SecretStrategy(Strategy):
    """Secrets default to type Opaque (SetDefaults_Secret); stringData is write-only: the v1
    conversion merges it into data (base64), overriding keys of the same name."""

    def before_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> list[str]:
        """Default the type, fold stringData into data."""
        obj["type"] = obj.get("type") or "Opaque"
        _fold_string_data(obj)
        return super().before_create(backend, rtype, obj)

    def before_update(self, backend: Backend, rtype: ResourceType, old: dict, new: dict) -> tuple[dict, list[str]]:
        """Fold stringData into data."""
        _fold_string_data(new)
        return super().before_update(backend, rtype, old, new)


def _fold_string_data(secret: dict) -> None:
    string_data = secret.pop("stringData", None) or {}
    data = secret.setdefault("data", {}) if string_data else secret.get("data")
    for key, value in string_data.items():
        data[key] = base64.b64encode(value.encode()).decode()
