"""The default ClusterRoles and ClusterRoleBindings every cluster has (the apiserver's bootstrap policy)."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..contracts import ApiError
from .rbacaggregation import aggregate
from .resources import RBAC_GROUP
from .store import Store

_POLICY = Path(__file__).with_name("rbac_defaults.yaml")
_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}


def _stamped(obj: dict) -> dict:
    md = obj["metadata"]
    md["labels"] = {**_LABELS, **md.get("labels", {})}
    md["annotations"] = dict(_ANNOTATIONS)
    return obj


def _binding(name: str, groups: list[str]) -> dict:
    subjects = [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": group} for group in groups]
    return _stamped({"metadata": {"name": name}, "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole",
                                                            "name": name}, "subjects": subjects})


def objects() -> list[tuple[str, dict]]:
    """(resource, object) of every default, roles first."""
    policy = yaml.safe_load(_POLICY.read_text())
    roles = [("clusterroles", _stamped(role)) for role in policy["clusterRoles"]]
    bindings = [("clusterrolebindings", _binding(name, groups))
                for name, groups in policy["clusterRoleBindings"].items()]
    return roles + bindings


def ensure(store: Store) -> None:
    """Create the defaults a store lacks, then aggregate, as the apiserver's post-start hook does."""
    for resource, obj in objects():
        try:
            store.create(resource, obj)
        except ApiError as exc:
            if exc.code != 409:  # AlreadyExists: a store that outlived a server keeps its own
                raise
    aggregate(store)
