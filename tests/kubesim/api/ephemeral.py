"""The pods/ephemeralcontainers subresource (EphemeralContainersStrategy and
ValidatePodEphemeralContainersUpdate): the one way to add a debug container to a running pod."""

from __future__ import annotations

import copy
from typing import Iterator

from .fielderrors import FieldError, forbidden, go_quote, raise_if_invalid_pod
from .podadmission import is_mirror_pod
from .poddefaults import default_container
from .podupdate import diff, semantic
from .podvalidation import pod_errors


def _change_errors(new: list, old: list) -> Iterator[FieldError]:
    """Existing ephemeral containers may neither be removed nor changed."""
    by_name = {c.get("name"): c for c in new}
    for ctr in old:
        name = ctr.get("name", "")
        if name not in by_name:
            yield forbidden("spec.ephemeralContainers",
                            f"existing ephemeral containers {go_quote(name)} may not be removed\n")
        elif semantic(by_name[name]) != semantic(ctr):
            changes = diff("core.EphemeralContainer", ctr, by_name[name])
            yield forbidden("spec.ephemeralContainers",
                            f"existing ephemeral containers {go_quote(name)} may not be changed\n{changes}")


def _with_new_ephemeral_containers(old: dict, new: dict) -> dict:
    """``old`` with the identity fields and defaulted ephemeralContainers of ``new``."""
    pod = copy.deepcopy(old)
    new_meta = new.get("metadata") or {}
    for key in ("name", "namespace", "uid", "resourceVersion"):
        if new_meta.get(key):
            pod["metadata"][key] = new_meta[key]
        elif key == "resourceVersion":
            pod["metadata"].pop(key, None)  # no resourceVersion: an unconditional update
    pod["spec"]["ephemeralContainers"] = copy.deepcopy((new.get("spec") or {}).get("ephemeralContainers") or [])
    for ctr in pod["spec"]["ephemeralContainers"]:
        default_container(ctr)
    return pod


def update_ephemeral_containers(old: dict, new: dict) -> dict:
    """Apply an update of the pods/ephemeralcontainers subresource; return the pod to store.

    As EphemeralContainersStrategy does, everything but spec.ephemeralContainers (and the
    identity fields name, namespace, uid and resourceVersion) is taken from ``old``; new entries are
    defaulted. Validation (ValidatePodEphemeralContainersUpdate) checks the whole resulting pod,
    forbids removing or changing existing ephemeral containers and rejects static pods.
    Raises ApiError 422 Invalid.
    """
    pod = _with_new_ephemeral_containers(old, new)
    if is_mirror_pod(old):
        errors = [forbidden("", "static pods do not support ephemeral containers")]
    else:
        errors = pod_errors(pod)
        errors += _change_errors(pod["spec"]["ephemeralContainers"],
                                 (old.get("spec") or {}).get("ephemeralContainers") or [])
    raise_if_invalid_pod(pod["metadata"].get("name", ""), errors)
    return pod
