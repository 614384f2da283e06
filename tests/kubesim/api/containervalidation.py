"""Validation of a pod's containers (validateContainers, validateInitContainers,
validateEphemeralContainers): the common checks each kind gets, then what only that kind may or may not set."""

from __future__ import annotations

from typing import Any

from .fielderrors import (FieldError, duplicate, forbidden, in_range, invalid, name_errors, not_found,
                          not_supported, one_of, required)
from .securityvalidation import container_security_context_errors

_ENV_SOURCE_KEYS = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
_ENV_SOURCES = "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
_INIT_ONLY_WITH_ALWAYS = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
# EphemeralContainerCommon's fields that an ephemeral container may not set, in struct order.
_EPHEMERAL_FORBIDDEN = ("ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe",
                        "readinessProbe", "startupProbe", "lifecycle")


def _port_errors(ports: list, path: str) -> list[FieldError]:
    errors = []
    for i, port in enumerate(ports):
        ppath = f"{path}[{i}]"
        if not port.get("containerPort"):
            errors.append(required(f"{ppath}.containerPort"))
        else:
            errors += in_range(port["containerPort"], f"{ppath}.containerPort", 1, 65535)
        if port.get("hostPort"):
            errors += in_range(port["hostPort"], f"{ppath}.hostPort", 1, 65535)
        errors += one_of(port.get("protocol"), f"{ppath}.protocol", ("SCTP", "TCP", "UDP"))
    return errors


def _env_source_errors(var: dict, path: str) -> list[FieldError]:
    """An env var's valueFrom: exactly one source, and no literal value beside it."""
    source = var.get("valueFrom")
    if source is None:
        return []
    count = sum(source.get(k) is not None for k in _ENV_SOURCE_KEYS)
    if count == 0:
        return [invalid(path, "", _ENV_SOURCES)]
    if var.get("value"):
        return [invalid(path, "", "may not be specified when `value` is not empty")]
    if count > 1:
        return [invalid(path, "", "may not have more than one field specified at a time")]
    return []


def _env_errors(env: list, path: str) -> list[FieldError]:
    """ValidateEnv with the relaxed variable names of RelaxedEnvironmentVariableValidation (1.32)."""
    errors = []
    for i, var in enumerate(env):
        name = var.get("name") or ""
        if not name:
            errors.append(required(f"{path}[{i}].name"))
        elif any(not (0x20 <= ord(c) < 0x7F) or c == "=" for c in name):
            errors.append(invalid(f"{path}[{i}].name", name, "a valid environment variable name must consist "
                                  "only of printable ASCII characters other than '='"))
        errors += _env_source_errors(var, f"{path}[{i}].valueFrom")
    return errors


def _mount_errors(mounts: list, volumes: set[str], path: str) -> list[FieldError]:
    """ValidateVolumeMounts: the volume must exist, mount paths are unique."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts):
        mpath = f"{path}[{i}]"
        name, mount_path = mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            errors.append(required(f"{mpath}.name"))
        if name not in volumes:
            errors.append(not_found(f"{mpath}.name", name))
        if not mount_path:
            errors.append(required(f"{mpath}.mountPath"))
        if mount_path in seen:
            errors.append(invalid(f"{mpath}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
        if mount.get("subPath") and mount.get("subPathExpr"):
            errors.append(invalid(f"{mpath}.subPathExpr", mount["subPathExpr"],
                                  "subPathExpr and subPath are mutually exclusive"))
    return errors


def _common_errors(ctr: dict, path: str, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateContainerCommon: the checks every kind of container gets, in the apiserver's order."""
    name = ctr.get("name") or ""
    errors = [required(f"{path}.name")] if not name else name_errors("label", name, f"{path}.name")
    if not ctr.get("image"):
        errors.append(required(f"{path}.image"))
    errors += one_of(ctr.get("terminationMessagePolicy"), f"{path}.terminationMessagePolicy",
                     ("File", "FallbackToLogsOnError"))
    errors += _port_errors(ctr.get("ports") or [], f"{path}.ports")
    errors += _env_errors(ctr.get("env") or [], f"{path}.env")
    errors += _mount_errors(ctr.get("volumeMounts") or [], volumes, f"{path}.volumeMounts")
    errors += one_of(ctr.get("imagePullPolicy"), f"{path}.imagePullPolicy", ("Always", "IfNotPresent", "Never"))
    errors += container_security_context_errors(ctr.get("securityContext"), f"{path}.securityContext", host_users)
    return errors


def image_whitespace_errors(ctr: dict, path: str) -> list[FieldError]:
    """validateContainerOnlyForPod: an image reference without leading or trailing whitespace."""
    image = ctr.get("image") or ""
    if image == image.strip():
        return []
    return [invalid(f"{path}.image", image, "must not have leading or trailing whitespace")]


def regular_container_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateContainers: at least one, unique names, no restartPolicy of their own."""
    containers = spec.get("containers") or []
    if not containers:
        return [required("spec.containers")]
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        path = f"spec.containers[{i}]"
        errors += _common_errors(ctr, path, volumes, host_users)
        if ctr.get("name", "") in names:
            errors.append(duplicate(f"{path}.name", ctr.get("name", "")))
        names.add(ctr.get("name", ""))
        if ctr.get("restartPolicy") is not None:
            errors.append(forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    return errors


def init_container_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateInitContainers: names unique among all containers; probes and lifecycle only for
    restartable (sidecar, restartPolicy Always) init containers."""
    errors: list[FieldError] = []
    names = {c.get("name", "") for c in spec.get("containers") or []}
    for i, ctr in enumerate(spec.get("initContainers") or []):
        path = f"spec.initContainers[{i}]"
        errors += _common_errors(ctr, path, volumes, host_users)
        policy = ctr.get("restartPolicy")
        if policy is not None and policy != "Always":
            errors.append(not_supported(f"{path}.restartPolicy", policy, ("Always",)))
        if ctr.get("name", "") in names:
            errors.append(duplicate(f"{path}.name", ctr.get("name", "")))
        elif ctr.get("name"):
            names.add(ctr["name"])
        if policy != "Always":
            errors += [forbidden(f"{path}.{key}", "may not be set for init containers without restartPolicy=Always")
                       for key in _INIT_ONLY_WITH_ALWAYS if ctr.get(key) is not None]
    return errors


def _is_set(key: str, value: Any) -> bool:
    """Whether a field differs from its Go zero value (ResourceRequirements is a struct)."""
    if key == "resources":
        return any(v is not None for v in (value or {}).values())
    return value is not None


def _ephemeral_only_errors(ctr: dict, path: str) -> list[FieldError]:
    """The fields an ephemeral container may not set, nor its mounts."""
    errors = [forbidden(f"{path}.{key}", "cannot be set for an Ephemeral Container")
              for key in _EPHEMERAL_FORBIDDEN if _is_set(key, ctr.get(key))]
    for j, mount in enumerate(ctr.get("volumeMounts") or []):
        errors += [forbidden(f"{path}.volumeMounts[{j}].{key}", "cannot be set for an Ephemeral Container")
                   for key in ("subPath", "subPathExpr") if mount.get(key)]
    return errors


def ephemeral_container_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateEphemeralContainers: unique names, a target among the pod's other containers, and none
    of the fields only long-running containers may set."""
    others = {c.get("name", "") for kind in ("containers", "initContainers") for c in spec.get(kind) or []}
    names = set(others)
    errors: list[FieldError] = []
    for i, ctr in enumerate(spec.get("ephemeralContainers") or []):
        path = f"spec.ephemeralContainers[{i}]"
        errors += _common_errors(ctr, path, volumes, host_users) + image_whitespace_errors(ctr, path)
        name = ctr.get("name", "")
        if name in names:
            errors.append(duplicate(f"{path}.name", name))
        names.add(name)
        target = ctr.get("targetContainerName") or ""
        if target and target not in others:
            errors.append(not_found(f"{path}.targetContainerName", target))
        errors += _ephemeral_only_errors(ctr, path)
    return errors
