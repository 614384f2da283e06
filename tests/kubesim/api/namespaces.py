"""Namespaces: their defaults, the default ServiceAccount in each, and deleting their content."""

from __future__ import annotations

from ..contracts import ApiError
from . import meta
from .context import Backend
from .resources import RESOURCES, ResourceType
from .strategy import DeleteOptions, Strategy

NAME_LABEL = "kubernetes.io/metadata.name"
INITIAL = ("default", "kube-system", "kube-public", "kube-node-lease")


class NamespaceStrategy(Strategy):
    """Namespaces carry their own name as a label (always), start Active, get a default ServiceAccount."""

    returns_deleted_object = True

    def before_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> list[str]:
        """Add the name label, the kubernetes finalizer and the Active phase."""
        obj["metadata"].setdefault("labels", {})[NAME_LABEL] = obj["metadata"].get("name", "")
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
        return []

    def after_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """What controllers add to every namespace: the default ServiceAccount (serviceaccount
        controller) and the kube-root-ca.crt ConfigMap (root-ca-cert-publisher), which every pod's
        kube-api-access volume projects."""
        name = obj["metadata"]["name"]
        backend.store.create("serviceaccounts", {"metadata": {"name": "default", "namespace": name}})
        backend.store.create("configmaps", {"metadata": {"name": "kube-root-ca.crt", "namespace": name},
                                            "data": {"ca.crt": backend.root_ca}})

    def before_update(self, backend: Backend, rtype: ResourceType, old: dict, new: dict) -> tuple[dict, list[str]]:
        """The name label cannot be taken away or changed."""
        new, warnings = super().before_update(backend, rtype, old, new)
        new["metadata"].setdefault("labels", {})[NAME_LABEL] = old["metadata"]["name"]
        return new, warnings

    def delete(self, backend: Backend, rtype: ResourceType, obj: dict, options: DeleteOptions) -> dict:
        """Mark Terminating, delete everything in the namespace (the namespace controller), then it."""
        name = obj["metadata"]["name"]
        if options.dry_run:
            return obj

        def terminating(ns: dict) -> None:
            ns["metadata"].setdefault("deletionTimestamp", meta.timestamp())
            ns["status"]["phase"] = "Terminating"
        shown = backend.store.update("namespaces", None, name, terminating)
        for content in (r for r in RESOURCES if r.namespaced):
            for item in backend.store.list(content.name, name)[0]:
                _delete_quietly(backend, content.name, name, item["metadata"]["name"])
        _delete_quietly(backend, "namespaces", None, name)
        return shown


def _delete_quietly(backend: Backend, resource: str, namespace: str | None, name: str) -> None:
    """Delete unless someone else (the kubelet, another client) already has."""
    try:
        backend.store.delete(resource, namespace, name)
    except ApiError as exc:
        if exc.code != 404:
            raise


def seed(backend: Backend) -> None:
    """The namespaces every cluster starts with, each with its default ServiceAccount."""
    strategy, rtype = NamespaceStrategy(), next(r for r in RESOURCES if r.name == "namespaces")
    for name in INITIAL:
        obj = {"metadata": {"name": name}}
        strategy.before_create(backend, rtype, obj)
        strategy.after_create(backend, rtype, backend.store.create("namespaces", obj))
