"""Validation of a plain pod update (ValidatePodUpdate and the strategy's PrepareForUpdate): what a PUT or
PATCH of a pod may change, with the apiserver's account of what else it tried to change."""

from __future__ import annotations

import copy
import json
from typing import Any

from .containervalidation import image_whitespace_errors
from .fielderrors import MAX_INT32, FieldError, forbidden, invalid, raise_if_invalid_pod, required
from .poddefaults import apply_scheme_defaults
from .podvalidation import pod_errors

_UPDATABLE = ",".join((
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
))


def semantic(value: Any) -> Any:
    """apiequality.Semantic's view of a value: a null and an empty list equal an absent field."""
    if isinstance(value, dict):
        return {k: semantic(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def diff(type_name: str, old: dict, new: dict) -> str:
    """A cmp.Diff-like account of the changed fields (the real one prints Go structs)."""
    old, new = semantic(old), semantic(new)
    lines = [f"  {type_name}{{"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            lines.append(f"- \t{key}: {json.dumps(old.get(key), sort_keys=True)},")
            lines.append(f"+ \t{key}: {json.dumps(new.get(key), sort_keys=True)},")
    return "\n".join(lines + ["  }", ""])


def _meta_update_errors(new: dict, old: dict) -> list[FieldError]:
    """ValidateObjectMetaUpdate: identity fields are immutable."""
    return [invalid(f"metadata.{key}", new.get(key), "field is immutable")
            for key in ("name", "namespace", "uid", "creationTimestamp") if new.get(key) != old.get(key)]


def _keep_system_metadata(new: dict, old: dict) -> None:
    """rest.BeforeUpdate: a missing uid, and the timestamps, come from the stored object."""
    meta, old_meta = new.setdefault("metadata", {}), old.get("metadata") or {}
    for key in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
        if key in old_meta and (key != "uid" or not meta.get("uid")):
            meta[key] = old_meta[key]


def _container_update_errors(new: list, old: list, path: str) -> tuple[list[FieldError], bool]:
    """ValidateContainerUpdates: (errors, stop) where stop means containers were added or removed."""
    if len(new) != len(old):
        return [forbidden(path, "pod updates may not add or remove containers")], True
    errors = []
    for i, ctr in enumerate(new):
        if not ctr.get("image"):
            errors.append(required(f"{path}[{i}].image"))
        errors += image_whitespace_errors(ctr, f"{path}[{i}]")
    return errors, False


def _deadline_update_errors(new: Any, old: Any) -> tuple[list[FieldError], bool]:
    """activeDeadlineSeconds may be set, or lowered: (errors, stop validating)."""
    path = "spec.activeDeadlineSeconds"
    if new is None:
        if old is None:
            return [], False
        return [invalid(path, None, "must not update from a positive integer to nil value")], False
    if not 0 <= new <= MAX_INT32:
        return [invalid(path, new, f"must be between 0 and {MAX_INT32}, inclusive")], True
    if old is not None and old < new:
        return [invalid(path, new, "must be less than or equal to previous value")], True
    return [], False


def _toleration_update_errors(new: list, old: list) -> list[FieldError]:
    """validateOnlyAddedTolerations: existing tolerations may only change their tolerationSeconds."""
    def strip(toleration: dict) -> dict:
        return {k: v for k, v in toleration.items() if k != "tolerationSeconds" and v not in ("", None)}
    if all(strip(t) in [strip(n) for n in new] for t in old):
        return []
    return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")]


def _munged_spec(new: dict, old: dict) -> dict:
    """The new spec with every field a pod update may change set back to the old value."""
    munged = copy.deepcopy(new)
    for kind in ("containers", "initContainers"):
        for ctr, old_ctr in zip(munged.get(kind) or [], old.get(kind) or []):
            ctr["image"] = old_ctr.get("image")
    for key in ("activeDeadlineSeconds", "tolerations", "schedulingGates"):
        munged.pop(key, None)
        if key in old:
            munged[key] = old[key]
    grace, old_grace = munged.get("terminationGracePeriodSeconds"), old.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and grace == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def _spec_update_errors(new: dict, old: dict) -> list[FieldError]:
    """The update-only checks of ValidatePodUpdate on the two specs."""
    errors: list[FieldError] = []
    for kind in ("containers", "initContainers"):
        found, stop = _container_update_errors(new.get(kind) or [], old.get(kind) or [], f"spec.{kind}")
        errors += found
        if stop:
            return errors
    deadline, stop = _deadline_update_errors(new.get("activeDeadlineSeconds"), old.get("activeDeadlineSeconds"))
    errors += deadline
    if stop:
        return errors
    errors += _toleration_update_errors(new.get("tolerations") or [], old.get("tolerations") or [])
    munged = _munged_spec(new, old)
    if semantic(munged) != semantic(old):
        detail = f"pod updates may not change fields other than {_UPDATABLE}\n{diff('core.PodSpec', old, munged)}"
        errors.append(forbidden("spec", detail))
    return errors


def validate_pod_update(old: dict, new: dict) -> dict:
    """Validate a plain pods PUT/PATCH result as ValidatePodUpdate does; return the pod to store.

    ``new`` is defaulted (as decoding does), takes status and system metadata from ``old``, and must
    differ from ``old`` only in container images, activeDeadlineSeconds, added tolerations,
    terminationGracePeriodSeconds (-1 -> 1) or metadata. ephemeralContainers may not change here.
    Raises ApiError 422 with the apiserver's messages.
    """
    pod = copy.deepcopy(new)
    apply_scheme_defaults(pod)
    _keep_system_metadata(pod, old)
    pod["status"] = copy.deepcopy(old.get("status", {}))
    errors = _meta_update_errors(pod["metadata"], old.get("metadata") or {}) + pod_errors(pod)
    errors += _spec_update_errors(pod["spec"], old.get("spec") or {})
    raise_if_invalid_pod(pod["metadata"].get("name", ""), errors)
    return pod
