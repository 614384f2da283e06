"""Validation of a whole pod, as ValidatePodCreate does it (pkg/apis/core/validation): metadata, volumes,
containers and the pod-level spec fields, in the apiserver's order."""

from __future__ import annotations

from .containervalidation import (ephemeral_container_errors, image_whitespace_errors, init_container_errors,
                                  regular_container_errors)
from .fielderrors import (MAX_INT32, FieldError, duplicate, forbidden, in_range, invalid, name_errors, one_of,
                          raise_if_invalid_pod, required)
from .poddefaults import VOLUME_SOURCES
from .securityvalidation import pod_security_context_errors

# validateVolumeSource reports a second source under these misspelt paths.
_SOURCE_PATH_NAMES = {"downwardAPI": "downwarAPI", "cephfs": "cephFS"}
# The one required field of the common volume sources.
_SOURCE_REQUIRED = {"secret": "secretName", "configMap": "name", "hostPath": "path",
                    "persistentVolumeClaim": "claimName"}


def _volume_source_errors(volume: dict, path: str) -> list[FieldError]:
    sources = [key for key in VOLUME_SOURCES if volume.get(key) is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    errors = [forbidden(f"{path}.{_SOURCE_PATH_NAMES.get(key, key)}", "may not specify more than 1 volume type")
              for key in sources[1:]]
    kind = sources[0]
    source = volume[kind] if isinstance(volume[kind], dict) else {}
    if kind in _SOURCE_REQUIRED and not source.get(_SOURCE_REQUIRED[kind]):
        errors.append(required(f"{path}.{kind}.{_SOURCE_REQUIRED[kind]}"))
    mode = source.get("defaultMode")
    if mode is not None and not 0 <= mode <= 0o777:
        errors.append(invalid(f"{path}.{kind}.defaultMode", mode,
                              "must be a number between 0 and 0777 (octal), both inclusive"))
    return errors


def _volume_errors(volumes: list) -> tuple[set[str], list[FieldError]]:
    """ValidateVolumes: the names of the valid volumes, and the errors."""
    names: set[str] = set()
    errors: list[FieldError] = []
    for i, volume in enumerate(volumes):
        path = f"spec.volumes[{i}]"
        found = _volume_source_errors(volume, path)
        name = volume.get("name") or ""
        found += [required(f"{path}.name")] if not name else name_errors("label", name, f"{path}.name")
        if name in names:
            found.append(duplicate(f"{path}.name", name))
        if found:
            errors += found
        else:
            names.add(name)
    return names, errors


def _scalar_spec_errors(spec: dict) -> list[FieldError]:
    """The single-field checks that follow the containers in ValidatePodSpec."""
    errors = one_of(spec.get("restartPolicy"), "spec.restartPolicy", ("Always", "OnFailure", "Never"))
    errors += one_of(spec.get("dnsPolicy"), "spec.dnsPolicy",
                     ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"))
    errors += pod_security_context_errors(spec)
    for key in ("serviceAccountName", "nodeName"):
        if spec.get(key):
            errors += name_errors("subdomain", spec[key], f"spec.{key}")
    if spec.get("activeDeadlineSeconds") is not None:
        errors += in_range(spec["activeDeadlineSeconds"], "spec.activeDeadlineSeconds", 1, MAX_INT32)
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            errors += name_errors("label", spec[key], f"spec.{key}")
    return errors


def _spec_errors(spec: dict) -> list[FieldError]:
    """ValidatePodSpec (the subset a debugger or a test pod can trip on), in the apiserver's order."""
    errors: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errors.append(required("spec.terminationGracePeriodSeconds"))
    host_users = (spec.get("hostUsers") is not False)
    volumes, volume_errors = _volume_errors(spec.get("volumes") or [])
    errors += volume_errors
    errors += regular_container_errors(spec, volumes, host_users)
    errors += init_container_errors(spec, volumes, host_users)
    errors += ephemeral_container_errors(spec, volumes, host_users)
    return errors + _scalar_spec_errors(spec)


def _metadata_errors(metadata: dict) -> list[FieldError]:
    """ValidateObjectMeta with ValidatePodName (a DNS-1123 subdomain)."""
    name = metadata.get("name") or ""
    errors = [required("metadata.name", "name or generateName is required")] if not name else \
        name_errors("subdomain", name, "metadata.name")
    if not metadata.get("namespace"):
        errors.append(required("metadata.namespace"))
    return errors


def pod_errors(pod: dict) -> list[FieldError]:
    """validatePodMetadataAndSpec: every field error of a defaulted pod, in the apiserver's order."""
    spec = pod.get("spec") or {}
    errors = _metadata_errors(pod.get("metadata") or {}) + _spec_errors(spec)
    for kind in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(kind) or []):
            errors += image_whitespace_errors(ctr, f"spec.{kind}[{i}]")
    return errors


def validate_pod_create(pod: dict) -> None:
    """Validate a defaulted pod as ValidatePodCreate does; raise ApiError 422 Invalid on errors.

    The message is 'Pod "x" is invalid: <error>' or, with several, '... is invalid: [e1, e2]';
    details carry name, kind "Pod" and one cause (reason, message, field) per field error.
    """
    errors = pod_errors(pod)
    if (pod.get("spec") or {}).get("ephemeralContainers"):
        errors.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    raise_if_invalid_pod((pod.get("metadata") or {}).get("name", ""), errors)
