"""Validation of pod and container security contexts (validatePodSpecSecurityContext,
ValidateSecurityContext): user and group ids, procMount, seccomp profiles, privilege escalation."""

from __future__ import annotations

from .fielderrors import MAX_INT32, FieldError, in_range, invalid, not_supported, required

_SECCOMP_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")


def _seccomp_errors(profile: dict | None, path: str) -> list[FieldError]:
    if profile is None:
        return []
    kind = profile.get("type") or ""
    if not kind:
        errors = [required(f"{path}.type", "type is required when seccompProfile is set")]
    else:
        errors = [] if kind in _SECCOMP_TYPES else [not_supported(f"{path}.type", kind, _SECCOMP_TYPES)]
    if kind == "Localhost" and not profile.get("localhostProfile"):
        errors.append(required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost"))
    if kind != "Localhost" and profile.get("localhostProfile") is not None:
        errors.append(invalid(f"{path}.localhostProfile", profile, "can only be set when seccomp type is Localhost"))
    return errors


def _id_errors(context: dict, path: str, keys: tuple[str, ...]) -> list[FieldError]:
    """runAsUser/runAsGroup/fsGroup: IsValidUserID and IsValidGroupID (0..MaxInt32)."""
    return [err for key in keys if context.get(key) is not None
            for err in in_range(context[key], f"{path}.{key}", 0, MAX_INT32)]


def _proc_mount_errors(proc_mount: str | None, path: str, host_users: bool) -> list[FieldError]:
    if proc_mount is None:
        return []
    errors = []
    if proc_mount not in ("Default", "Unmasked"):
        errors.append(not_supported(path, proc_mount, ("Default", "Unmasked")))
    if host_users and proc_mount == "Unmasked":
        errors.append(invalid(path, proc_mount, "`hostUsers` must be false to use `Unmasked`"))
    return errors


def container_security_context_errors(context: dict | None, path: str, host_users: bool) -> list[FieldError]:
    """ValidateSecurityContext of a container; ``host_users`` is false for a pod in a user namespace."""
    if context is None:
        return []
    errors = _id_errors(context, path, ("runAsUser", "runAsGroup"))
    errors += _proc_mount_errors(context.get("procMount"), f"{path}.procMount", host_users)
    errors += _seccomp_errors(context.get("seccompProfile"), f"{path}.seccompProfile")
    if context.get("allowPrivilegeEscalation") is False:
        if context.get("privileged"):
            errors.append(invalid(path, context,
                                  "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
        if "CAP_SYS_ADMIN" in ((context.get("capabilities") or {}).get("add") or []):
            errors.append(invalid(path, context, "cannot set `allowPrivilegeEscalation` to false and "
                                                 "`capabilities.Add` CAP_SYS_ADMIN"))
    return errors


def pod_security_context_errors(spec: dict) -> list[FieldError]:
    """validatePodSpecSecurityContext (hostPID lives in the internal type's securityContext)."""
    context = spec.get("securityContext")
    if context is None:
        return []
    path = "spec.securityContext"
    errors = _id_errors(context, path, ("fsGroup", "runAsUser", "runAsGroup"))
    for i, gid in enumerate(context.get("supplementalGroups") or []):
        errors += in_range(gid, f"{path}.supplementalGroups[{i}]", 0, MAX_INT32)
    if spec.get("shareProcessNamespace") and spec.get("hostPID"):
        errors.append(invalid(f"{path}.shareProcessNamespace", True,
                              "ShareProcessNamespace and HostPID cannot both be enabled"))
    return errors + _seccomp_errors(context.get("seccompProfile"), f"{path}.seccompProfile")
