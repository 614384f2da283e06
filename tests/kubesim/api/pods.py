"""Pod semantics of the simulated apiserver: defaulting on create, and validation of a create, of a
plain update and of the pods/ephemeralcontainers subresource, with the apiserver's own field errors.

Sources mirrored (Kubernetes 1.32): pkg/apis/core/v1/defaults.go (scheme defaults),
pkg/apis/core/validation/validation.go, pkg/registry/core/pod/strategy.go, the ServiceAccount,
DefaultTolerationSeconds and Priority admission plugins, and apimachinery's field.Error /
errors.NewInvalid formatting. Objects are plain JSON dicts in the v1 wire shape.
"""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterable, Iterator

from ..contracts import ApiError

# ----------------------------------------------------------------------------------------------
# Go formatting and field errors (k8s.io/apimachinery/pkg/util/validation/field)
# ----------------------------------------------------------------------------------------------

_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
               "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def go_quote(text: str) -> str:
    """``text`` as Go's %q (strconv.Quote) prints it: double quotes, Go escapes."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _bad_value(value: Any) -> str:
    """A field.Error BadValue as ErrorBody prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, (int, float)):
        return str(value)
    # Go prints structs with %#v; the JSON form carries the same information.
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class FieldError:
    """One field.Error: ``reason`` is its type (the Status cause reason), ``body`` its ErrorBody."""

    reason: str
    field: str
    body: str

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def _required(path: str, detail: str = "") -> FieldError:
    return FieldError("FieldValueRequired", path, _with_detail("Required value", detail))


def _forbidden(path: str, detail: str) -> FieldError:
    return FieldError("FieldValueForbidden", path, _with_detail("Forbidden", detail))


def _invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError("FieldValueInvalid", path, _with_detail(f"Invalid value: {_bad_value(value)}", detail))


def _duplicate(path: str, value: Any) -> FieldError:
    return FieldError("FieldValueDuplicate", path, f"Duplicate value: {_bad_value(value)}")


def _not_found(path: str, value: Any) -> FieldError:
    return FieldError("FieldValueNotFound", path, f"Not found: {_bad_value(value)}")


def _not_supported(path: str, value: Any, valid: Iterable[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid)
    return FieldError("FieldValueNotSupported", path, f"Unsupported value: {_bad_value(value)}: {detail}")


def _invalid_pod(name: str, errors: list[FieldError]) -> ApiError:
    """errors.NewInvalid(Kind("Pod"), name, errors): 422 with one cause per field error."""
    causes = [{"reason": e.reason, "message": e.body, "field": e.field} for e in errors]
    messages = list(dict.fromkeys(str(e) for e in errors))  # the aggregate drops repeats
    text = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    details = {"name": name, "kind": "Pod", "causes": causes}
    return ApiError(422, "Invalid", f"Pod {go_quote(name)} is invalid: {text}", details)


def _raise_if(name: str, errors: list[FieldError]) -> None:
    if errors:
        raise _invalid_pod(name, errors)


# ----------------------------------------------------------------------------------------------
# Name and value formats (k8s.io/apimachinery/pkg/util/validation)
# ----------------------------------------------------------------------------------------------

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
              "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
              f"regex used for validation is '{_LABEL_FMT}')")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                  "'-' or '.', and must start and end with an alphanumeric character "
                  f"(e.g. 'example.com', regex used for validation is '{_SUBDOMAIN_FMT}')")
_MAX_INT32 = 2**31 - 1


def _dns_label(value: str, path: str) -> list[FieldError]:
    errors = []
    if len(value) > 63:
        errors.append(_invalid(path, value, "must be no more than 63 characters"))
    if not re.fullmatch(_LABEL_FMT, value):
        errors.append(_invalid(path, value, _LABEL_MSG))
    return errors


def _dns_subdomain(value: str, path: str) -> list[FieldError]:
    errors = []
    if len(value) > 253:
        errors.append(_invalid(path, value, "must be no more than 253 characters"))
    if not re.fullmatch(_SUBDOMAIN_FMT, value):
        errors.append(_invalid(path, value, _SUBDOMAIN_MSG))
    return errors


def _in_range(value: Any, path: str, low: int, high: int) -> list[FieldError]:
    if isinstance(value, int) and low <= value <= high:
        return []
    return [_invalid(path, value, f"must be between {low} and {high}, inclusive")]


def _one_of(value: Any, path: str, valid: tuple[str, ...]) -> list[FieldError]:
    """An enum field: empty is Required, anything unknown is NotSupported (valid listed in order)."""
    if not value:
        return [_required(path)]
    return [] if value in valid else [_not_supported(path, value, valid)]


# ----------------------------------------------------------------------------------------------
# Defaulting (SetObjectDefaults_Pod: the scheme defaults applied whenever a v1 Pod is decoded)
# ----------------------------------------------------------------------------------------------

_IMAGE_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*)*"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)


def _pull_policy(image: str) -> str:
    """Always for ``:latest`` or no tag and no digest, else IfNotPresent (parsers.ParseImageName)."""
    match = _IMAGE_RE.fullmatch(image or "")
    # An unparsable reference leaves the tag empty, which defaults to IfNotPresent.
    tag = (match["tag"] or ("" if match["digest"] else "latest")) if match else ""
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: dict | None) -> None:
    if probe is None:
        return
    for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                       ("failureThreshold", 3)):
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe.get("httpGet"))


def _default_http_get(action: dict | None) -> None:
    if action is not None:
        action["path"] = action.get("path") or "/"
        action["scheme"] = action.get("scheme") or "HTTP"


def _default_field_ref(holder: dict) -> None:
    """An ObjectFieldSelector's apiVersion defaults to v1."""
    if holder.get("fieldRef") is not None:
        holder["fieldRef"]["apiVersion"] = holder["fieldRef"].get("apiVersion") or "v1"


def _default_env(env: list) -> None:
    for var in env:
        source = var.get("valueFrom") or {}
        _default_field_ref(source)
        if source.get("resourceFieldRef") is not None:
            # A zero resource.Quantity serialises as "0": the field is never omitted.
            source["resourceFieldRef"].setdefault("divisor", "0")


def _default_container(ctr: dict, host_network: bool = False) -> None:
    """SetDefaults_Container plus the generated defaults of its nested structs."""
    if not ctr.get("imagePullPolicy"):
        ctr["imagePullPolicy"] = _pull_policy(ctr.get("image", ""))
    ctr["terminationMessagePath"] = ctr.get("terminationMessagePath") or "/dev/termination-log"
    ctr["terminationMessagePolicy"] = ctr.get("terminationMessagePolicy") or "File"
    # ResourceRequirements is a struct, not a pointer: it always serialises, as {} when empty.
    ctr["resources"] = ctr.get("resources") or {}
    for port in ctr.get("ports") or []:
        port["protocol"] = port.get("protocol") or "TCP"
        if host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")
    _default_env(ctr.get("env") or [])
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(ctr.get(probe))
    for handler in (ctr.get("lifecycle") or {}).values():
        _default_http_get((handler or {}).get("httpGet"))


_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs",
    "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte",
    "downwardAPI", "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk",
    "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
)


def _default_projection(source: dict) -> None:
    token = source.get("serviceAccountToken")
    if token is not None:
        token.setdefault("expirationSeconds", 3600)
    for item in (source.get("downwardAPI") or {}).get("items") or []:
        _default_field_ref(item)


def _default_volume(volume: dict) -> None:
    if not any(volume.get(key) is not None for key in _VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        if volume.get(key) is not None and volume[key].get("defaultMode") is None:
            volume[key]["defaultMode"] = 420
    if volume.get("hostPath") is not None:
        volume["hostPath"].setdefault("type", "")
    for source in (volume.get("projected") or {}).get("sources") or []:
        _default_projection(source)
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        _default_field_ref(item)


def _requests_from_limits(ctr: dict) -> None:
    resources = ctr.get("resources") or {}
    if resources.get("limits") is not None:
        requests = resources.setdefault("requests", {})
        for key, value in resources["limits"].items():
            requests.setdefault(key, value)


def _default_spec(spec: dict) -> None:
    """SetDefaults_PodSpec and SetDefaults_Pod."""
    spec["dnsPolicy"] = spec.get("dnsPolicy") or "ClusterFirst"
    spec["restartPolicy"] = spec.get("restartPolicy") or "Always"
    spec["schedulerName"] = spec.get("schedulerName") or "default-scheduler"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = 30
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    for volume in spec.get("volumes") or []:
        _default_volume(volume)
    host_network = bool(spec.get("hostNetwork"))
    for kind in ("initContainers", "containers"):
        for ctr in spec.get(kind) or []:
            _default_container(ctr, host_network)
            _requests_from_limits(ctr)
    for ctr in spec.get("ephemeralContainers") or []:
        _default_container(ctr)


def _apply_defaults(pod: dict) -> None:
    """The defaults every decoded v1 Pod gets (also on update), without admission plugins."""
    pod.setdefault("metadata", {})
    spec = pod.setdefault("spec", {})
    _default_spec(spec)
    # The v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account:
        spec["serviceAccountName"] = spec["serviceAccount"] = account


# ----------------------------------------------------------------------------------------------
# Mutating admission on create: ServiceAccount, Priority, DefaultTolerationSeconds
# ----------------------------------------------------------------------------------------------

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # utilrand.String's alphabet: no vowels, no 0/1/3


def _token_volume(name: str) -> dict:
    """The projected kube-api-access-xxxxx volume the ServiceAccount admission adds."""
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}}


def _mount_service_account_token(spec: dict) -> None:
    """Mount the API token into every init and regular container (not ephemeral ones)."""
    existing = [v["name"] for v in spec.get("volumes") or [] if v.get("name", "").startswith("kube-api-access-")]
    name = existing[0] if existing else "kube-api-access-" + "".join(random.choices(_RAND_ALPHABET, k=5))
    mount = {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}
    needs_volume = False
    for ctr in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        # A container mounting something at the token path keeps it: no token for it.
        if not any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in ctr.get("volumeMounts") or []):
            ctr.setdefault("volumeMounts", []).append(dict(mount))
            needs_volume = True
    if needs_volume and not existing:
        spec.setdefault("volumes", []).append(_token_volume(name))


def _add_default_tolerations(spec: dict) -> None:
    """DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s."""
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key", "") in ("", key) and t.get("effect", "") in ("", "NoExecute") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})


_SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def _set_priority(pod: dict) -> None:
    """Priority admission with no PriorityClass objects besides the two built-in ones."""
    spec = pod["spec"]
    class_name = spec.get("priorityClassName") or ""
    if class_name and class_name not in _SYSTEM_PRIORITIES:
        name = pod["metadata"].get("name", "")
        raise ApiError(403, "Forbidden",
                       f"pods {go_quote(name)} is forbidden: no PriorityClass with name {class_name} was found",
                       {"name": name, "kind": "pods"})
    spec["priority"] = _SYSTEM_PRIORITIES.get(class_name, 0)
    spec["preemptionPolicy"] = spec.get("preemptionPolicy") or "PreemptLowerPriority"


_SUFFIXES = {"m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
             "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18),
             "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
             "Pi": Fraction(2**50), "Ei": Fraction(2**60)}


def _quantity(value: Any) -> Fraction:
    """A resource.Quantity ("100m", "1Gi", "1e3", 2) as an exact number; unparsable is 0."""
    match = re.fullmatch(r"([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))", str(value).strip())
    if not match or (match[3] or "") not in _SUFFIXES:
        return Fraction(0)
    try:
        number = Fraction(match[1])
    except ValueError:
        return Fraction(0)
    return number * (Fraction(10) ** int(match[2][1:]) if match[2] else _SUFFIXES[match[3]])


def _qos_class(spec: dict) -> str:
    """qos.ComputePodQOS over init and regular containers."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for ctr in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        resources = ctr.get("resources") or {}
        for kind, total in (("requests", requests), ("limits", limits)):
            for name, value in (resources.get(kind) or {}).items():
                if name in ("cpu", "memory") and _quantity(value) > 0:
                    total[name] = total.get(name, Fraction(0)) + _quantity(value)
        found = {n for n, v in (resources.get("limits") or {}).items() if _quantity(v) > 0}
        guaranteed = guaranteed and {"cpu", "memory"} <= found
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"


def default_pod(pod: dict) -> None:
    """Default a v1 Pod in place as the apiserver does on create.

    Scheme defaults (restartPolicy, dnsPolicy, schedulerName, terminationGracePeriodSeconds,
    securityContext, enableServiceLinks, container and volume defaults), then the mutating admission
    plugins (ServiceAccount token volume and mounts, Priority, DefaultTolerationSeconds), then the
    strategy's PrepareForCreate, which sets status to Pending with the pod's QoS class.
    Raises ApiError 403 for an unknown priorityClassName, as the Priority admission does.
    """
    _apply_defaults(pod)
    spec = pod["spec"]
    spec["serviceAccountName"] = spec.get("serviceAccountName") or "default"
    spec["serviceAccount"] = spec["serviceAccountName"]
    mirror = "kubernetes.io/config.mirror" in (pod["metadata"].get("annotations") or {})
    if not mirror and spec.get("automountServiceAccountToken") is not False:
        _mount_service_account_token(spec)
    _set_priority(pod)
    _add_default_tolerations(spec)
    pod["status"] = {"phase": "Pending", "qosClass": _qos_class(spec)}


# ----------------------------------------------------------------------------------------------
# Validation of containers, volumes and security contexts
# ----------------------------------------------------------------------------------------------

_SECCOMP_TYPES = ("Localhost", "RuntimeDefault", "Unconfined")


def _seccomp_errors(profile: dict | None, path: str) -> list[FieldError]:
    if profile is None:
        return []
    kind = profile.get("type") or ""
    if not kind:
        errors = [_required(f"{path}.type", "type is required when seccompProfile is set")]
    else:
        errors = [] if kind in _SECCOMP_TYPES else [_not_supported(f"{path}.type", kind, _SECCOMP_TYPES)]
    if kind == "Localhost" and not profile.get("localhostProfile"):
        errors.append(_required(f"{path}.localhostProfile", "must be set when seccomp type is Localhost"))
    if kind != "Localhost" and profile.get("localhostProfile") is not None:
        errors.append(_invalid(f"{path}.localhostProfile", profile, "can only be set when seccomp type is Localhost"))
    return errors


def _id_errors(context: dict, path: str, keys: tuple[str, ...]) -> list[FieldError]:
    """runAsUser/runAsGroup/fsGroup: IsValidUserID and IsValidGroupID (0..MaxInt32)."""
    return [err for key in keys if context.get(key) is not None
            for err in _in_range(context[key], f"{path}.{key}", 0, _MAX_INT32)]


def _security_context_errors(context: dict | None, path: str, host_users: bool) -> list[FieldError]:
    """ValidateSecurityContext of a container."""
    if context is None:
        return []
    errors = _id_errors(context, path, ("runAsUser", "runAsGroup"))
    proc_mount = context.get("procMount")
    if proc_mount is not None:
        if proc_mount not in ("Default", "Unmasked"):
            errors.append(_not_supported(f"{path}.procMount", proc_mount, ("Default", "Unmasked")))
        if host_users and proc_mount == "Unmasked":
            errors.append(_invalid(f"{path}.procMount", proc_mount, "`hostUsers` must be false to use `Unmasked`"))
    errors += _seccomp_errors(context.get("seccompProfile"), f"{path}.seccompProfile")
    if context.get("allowPrivilegeEscalation") is False:
        if context.get("privileged"):
            errors.append(_invalid(path, context,
                                   "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
        if "CAP_SYS_ADMIN" in ((context.get("capabilities") or {}).get("add") or []):
            errors.append(_invalid(path, context, "cannot set `allowPrivilegeEscalation` to false and "
                                                  "`capabilities.Add` CAP_SYS_ADMIN"))
    return errors


def _port_errors(ports: list, path: str) -> list[FieldError]:
    errors = []
    for i, port in enumerate(ports):
        ppath = f"{path}[{i}]"
        if not port.get("containerPort"):
            errors.append(_required(f"{ppath}.containerPort"))
        else:
            errors += _in_range(port["containerPort"], f"{ppath}.containerPort", 1, 65535)
        if port.get("hostPort"):
            errors += _in_range(port["hostPort"], f"{ppath}.hostPort", 1, 65535)
        errors += _one_of(port.get("protocol"), f"{ppath}.protocol", ("SCTP", "TCP", "UDP"))
    return errors


_ENV_SOURCE_KEYS = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
_ENV_SOURCES = "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"


def _env_errors(env: list, path: str) -> list[FieldError]:
    """ValidateEnv with the relaxed variable names of RelaxedEnvironmentVariableValidation (1.32)."""
    errors = []
    for i, var in enumerate(env):
        name = var.get("name") or ""
        if not name:
            errors.append(_required(f"{path}[{i}].name"))
        elif any(not (0x20 <= ord(c) < 0x7F) or c == "=" for c in name):
            errors.append(_invalid(f"{path}[{i}].name", name, "a valid environment variable name must consist "
                                   "only of printable ASCII characters other than '='"))
        source = var.get("valueFrom")
        if source is None:
            continue
        count = sum(source.get(k) is not None for k in _ENV_SOURCE_KEYS)
        if count == 0:
            errors.append(_invalid(f"{path}[{i}].valueFrom", "", _ENV_SOURCES))
        elif var.get("value"):
            errors.append(_invalid(f"{path}[{i}].valueFrom", "", "may not be specified when `value` is not empty"))
        elif count > 1:
            errors.append(_invalid(f"{path}[{i}].valueFrom", "",
                                   "may not have more than one field specified at a time"))
    return errors


def _mount_errors(mounts: list, volumes: set[str], path: str) -> list[FieldError]:
    """ValidateVolumeMounts: the volume must exist, mount paths are unique."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, mount in enumerate(mounts):
        mpath = f"{path}[{i}]"
        name, mount_path = mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            errors.append(_required(f"{mpath}.name"))
        if name not in volumes:
            errors.append(_not_found(f"{mpath}.name", name))
        if not mount_path:
            errors.append(_required(f"{mpath}.mountPath"))
        if mount_path in seen:
            errors.append(_invalid(f"{mpath}.mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
        if mount.get("subPath") and mount.get("subPathExpr"):
            errors.append(_invalid(f"{mpath}.subPathExpr", mount["subPathExpr"],
                                   "subPathExpr and subPath are mutually exclusive"))
    return errors


def _container_common_errors(ctr: dict, path: str, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateContainerCommon: the checks every kind of container gets, in the apiserver's order."""
    name = ctr.get("name") or ""
    errors = [_required(f"{path}.name")] if not name else _dns_label(name, f"{path}.name")
    if not ctr.get("image"):
        errors.append(_required(f"{path}.image"))
    errors += _one_of(ctr.get("terminationMessagePolicy"), f"{path}.terminationMessagePolicy",
                      ("File", "FallbackToLogsOnError"))
    errors += _port_errors(ctr.get("ports") or [], f"{path}.ports")
    errors += _env_errors(ctr.get("env") or [], f"{path}.env")
    errors += _mount_errors(ctr.get("volumeMounts") or [], volumes, f"{path}.volumeMounts")
    errors += _one_of(ctr.get("imagePullPolicy"), f"{path}.imagePullPolicy", ("Always", "IfNotPresent", "Never"))
    errors += _security_context_errors(ctr.get("securityContext"), f"{path}.securityContext", host_users)
    return errors


def _image_whitespace(ctr: dict, path: str) -> list[FieldError]:
    """validateContainerOnlyForPod."""
    image = ctr.get("image") or ""
    if image == image.strip():
        return []
    return [_invalid(f"{path}.image", image, "must not have leading or trailing whitespace")]


def _regular_container_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    containers = spec.get("containers") or []
    if not containers:
        return [_required("spec.containers")]
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, ctr in enumerate(containers):
        path = f"spec.containers[{i}]"
        errors += _container_common_errors(ctr, path, volumes, host_users)
        if ctr.get("name", "") in names:
            errors.append(_duplicate(f"{path}.name", ctr.get("name", "")))
        names.add(ctr.get("name", ""))
        if ctr.get("restartPolicy") is not None:
            errors.append(_forbidden(f"{path}.restartPolicy", "may not be set for non-init containers"))
    return errors


_INIT_ONLY_WITH_ALWAYS = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")


def _init_container_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    names = {c.get("name", "") for c in spec.get("containers") or []}
    for i, ctr in enumerate(spec.get("initContainers") or []):
        path = f"spec.initContainers[{i}]"
        errors += _container_common_errors(ctr, path, volumes, host_users)
        policy = ctr.get("restartPolicy")
        if policy is not None and policy != "Always":
            errors.append(_not_supported(f"{path}.restartPolicy", policy, ("Always",)))
        if ctr.get("name", "") in names:
            errors.append(_duplicate(f"{path}.name", ctr.get("name", "")))
        elif ctr.get("name"):
            names.add(ctr["name"])
        if policy != "Always":
            errors += [_forbidden(f"{path}.{key}", "may not be set for init containers without restartPolicy=Always")
                       for key in _INIT_ONLY_WITH_ALWAYS if ctr.get(key) is not None]
    return errors


# EphemeralContainerCommon's fields that an ephemeral container may not set, in struct order.
_EPHEMERAL_FORBIDDEN = ("ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe",
                        "readinessProbe", "startupProbe", "lifecycle")


def _is_set(key: str, value: Any) -> bool:
    """Whether a field differs from its Go zero value (ResourceRequirements is a struct)."""
    if key == "resources":
        return any(v is not None for v in (value or {}).values())
    return value is not None


def _ephemeral_errors(spec: dict, volumes: set[str], host_users: bool) -> list[FieldError]:
    """validateEphemeralContainers."""
    others = {c.get("name", "") for kind in ("containers", "initContainers") for c in spec.get(kind) or []}
    names = set(others)
    errors: list[FieldError] = []
    for i, ctr in enumerate(spec.get("ephemeralContainers") or []):
        path = f"spec.ephemeralContainers[{i}]"
        errors += _container_common_errors(ctr, path, volumes, host_users) + _image_whitespace(ctr, path)
        name = ctr.get("name", "")
        if name in names:
            errors.append(_duplicate(f"{path}.name", name))
        names.add(name)
        target = ctr.get("targetContainerName") or ""
        if target and target not in others:
            errors.append(_not_found(f"{path}.targetContainerName", target))
        errors += [_forbidden(f"{path}.{key}", "cannot be set for an Ephemeral Container")
                   for key in _EPHEMERAL_FORBIDDEN if _is_set(key, ctr.get(key))]
        for j, mount in enumerate(ctr.get("volumeMounts") or []):
            errors += [_forbidden(f"{path}.volumeMounts[{j}].{key}", "cannot be set for an Ephemeral Container")
                       for key in ("subPath", "subPathExpr") if mount.get(key)]
    return errors


# validateVolumeSource reports a second source under these misspelt paths.
_SOURCE_PATH_NAMES = {"downwardAPI": "downwarAPI", "cephfs": "cephFS"}
# The one required field of the common volume sources.
_SOURCE_REQUIRED = {"secret": "secretName", "configMap": "name", "hostPath": "path",
                    "persistentVolumeClaim": "claimName"}


def _volume_source_errors(volume: dict, path: str) -> list[FieldError]:
    sources = [key for key in _VOLUME_SOURCES if volume.get(key) is not None]
    if not sources:
        return [_required(path, "must specify a volume type")]
    errors = [_forbidden(f"{path}.{_SOURCE_PATH_NAMES.get(key, key)}", "may not specify more than 1 volume type")
              for key in sources[1:]]
    kind = sources[0]
    source = volume[kind] if isinstance(volume[kind], dict) else {}
    if kind in _SOURCE_REQUIRED and not source.get(_SOURCE_REQUIRED[kind]):
        errors.append(_required(f"{path}.{kind}.{_SOURCE_REQUIRED[kind]}"))
    mode = source.get("defaultMode")
    if mode is not None and not 0 <= mode <= 0o777:
        errors.append(_invalid(f"{path}.{kind}.defaultMode", mode,
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
        found += [_required(f"{path}.name")] if not name else _dns_label(name, f"{path}.name")
        if name in names:
            found.append(_duplicate(f"{path}.name", name))
        if found:
            errors += found
        else:
            names.add(name)
    return names, errors


# ----------------------------------------------------------------------------------------------
# Validation of the pod spec and metadata
# ----------------------------------------------------------------------------------------------

def _pod_security_context_errors(spec: dict) -> list[FieldError]:
    """validatePodSpecSecurityContext (hostPID lives in the internal type's securityContext)."""
    context = spec.get("securityContext")
    if context is None:
        return []
    path = "spec.securityContext"
    errors = _id_errors(context, path, ("fsGroup", "runAsUser", "runAsGroup"))
    for i, gid in enumerate(context.get("supplementalGroups") or []):
        errors += _in_range(gid, f"{path}.supplementalGroups[{i}]", 0, _MAX_INT32)
    if spec.get("shareProcessNamespace") and spec.get("hostPID"):
        errors.append(_invalid(f"{path}.shareProcessNamespace", True,
                               "ShareProcessNamespace and HostPID cannot both be enabled"))
    return errors + _seccomp_errors(context.get("seccompProfile"), f"{path}.seccompProfile")


def _scalar_spec_errors(spec: dict) -> list[FieldError]:
    """The single-field checks that follow the containers in ValidatePodSpec."""
    errors = _one_of(spec.get("restartPolicy"), "spec.restartPolicy", ("Always", "OnFailure", "Never"))
    errors += _one_of(spec.get("dnsPolicy"), "spec.dnsPolicy",
                      ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"))
    errors += _pod_security_context_errors(spec)
    if spec.get("serviceAccountName"):
        errors += _dns_subdomain(spec["serviceAccountName"], "spec.serviceAccountName")
    if spec.get("nodeName"):
        errors += _dns_subdomain(spec["nodeName"], "spec.nodeName")
    if spec.get("activeDeadlineSeconds") is not None:
        errors += _in_range(spec["activeDeadlineSeconds"], "spec.activeDeadlineSeconds", 1, _MAX_INT32)
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            errors += _dns_label(spec[key], f"spec.{key}")
    return errors


def _spec_errors(spec: dict) -> list[FieldError]:
    """ValidatePodSpec (the subset a debugger or a test pod can trip on), in the apiserver's order."""
    errors: list[FieldError] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errors.append(_required("spec.terminationGracePeriodSeconds"))
    host_users = (spec.get("hostUsers") is not False)
    volumes, volume_errors = _volume_errors(spec.get("volumes") or [])
    errors += volume_errors
    errors += _regular_container_errors(spec, volumes, host_users)
    errors += _init_container_errors(spec, volumes, host_users)
    errors += _ephemeral_errors(spec, volumes, host_users)
    return errors + _scalar_spec_errors(spec)


def _metadata_errors(metadata: dict) -> list[FieldError]:
    """ValidateObjectMeta with ValidatePodName (a DNS-1123 subdomain)."""
    name = metadata.get("name") or ""
    errors = [_required("metadata.name", "name or generateName is required")] if not name else \
        _dns_subdomain(name, "metadata.name")
    if not metadata.get("namespace"):
        errors.append(_required("metadata.namespace"))
    return errors


def _pod_errors(pod: dict) -> list[FieldError]:
    """validatePodMetadataAndSpec."""
    spec = pod.get("spec") or {}
    errors = _metadata_errors(pod.get("metadata") or {}) + _spec_errors(spec)
    for kind in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(kind) or []):
            errors += _image_whitespace(ctr, f"spec.{kind}[{i}]")
    return errors


def validate_pod_create(pod: dict) -> None:
    """Validate a defaulted pod as ValidatePodCreate does; raise ApiError 422 Invalid on errors.

    The message is 'Pod "x" is invalid: <error>' or, with several, '... is invalid: [e1, e2]';
    details carry name, kind "Pod" and one cause (reason, message, field) per field error.
    """
    errors = _pod_errors(pod)
    if (pod.get("spec") or {}).get("ephemeralContainers"):
        errors.append(_forbidden("spec.ephemeralContainers", "cannot be set on create"))
    _raise_if((pod.get("metadata") or {}).get("name", ""), errors)


# ----------------------------------------------------------------------------------------------
# Updates
# ----------------------------------------------------------------------------------------------

_UPDATABLE = ",".join((
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
))


def _semantic(value: Any) -> Any:
    """apiequality.Semantic's view: a null and an empty list equal an absent field."""
    if isinstance(value, dict):
        return {k: _semantic(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_semantic(v) for v in value]
    return value


def _diff(type_name: str, old: dict, new: dict) -> str:
    """A cmp.Diff-like account of the changed fields (the real one prints Go structs)."""
    old, new = _semantic(old), _semantic(new)
    lines = [f"  {type_name}{{"]
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            lines.append(f"- \t{key}: {json.dumps(old.get(key), sort_keys=True)},")
            lines.append(f"+ \t{key}: {json.dumps(new.get(key), sort_keys=True)},")
    return "\n".join(lines + ["  }", ""])


def _meta_update_errors(new: dict, old: dict) -> list[FieldError]:
    """ValidateObjectMetaUpdate: identity fields are immutable."""
    return [_invalid(f"metadata.{key}", new.get(key), "field is immutable")
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
        return [_forbidden(path, "pod updates may not add or remove containers")], True
    errors = []
    for i, ctr in enumerate(new):
        if not ctr.get("image"):
            errors.append(_required(f"{path}[{i}].image"))
        errors += _image_whitespace(ctr, f"{path}[{i}]")
    return errors, False


def _deadline_update_errors(new: Any, old: Any) -> tuple[list[FieldError], bool]:
    """activeDeadlineSeconds may be set, or lowered: (errors, stop validating)."""
    path = "spec.activeDeadlineSeconds"
    if new is None:
        if old is None:
            return [], False
        return [_invalid(path, None, "must not update from a positive integer to nil value")], False
    if not 0 <= new <= _MAX_INT32:
        return [_invalid(path, new, f"must be between 0 and {_MAX_INT32}, inclusive")], True
    if old is not None and old < new:
        return [_invalid(path, new, "must be less than or equal to previous value")], True
    return [], False


def _toleration_update_errors(new: list, old: list) -> list[FieldError]:
    """validateOnlyAddedTolerations: existing tolerations may only change their tolerationSeconds."""
    def strip(toleration: dict) -> dict:
        return {k: v for k, v in toleration.items() if k != "tolerationSeconds" and v not in ("", None)}
    if all(strip(t) in [strip(n) for n in new] for t in old):
        return []
    return [_forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")]


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
    if _semantic(munged) != _semantic(old):
        detail = f"pod updates may not change fields other than {_UPDATABLE}\n{_diff('core.PodSpec', old, munged)}"
        errors.append(_forbidden("spec", detail))
    return errors


def validate_pod_update(old: dict, new: dict) -> dict:
    """Validate a plain pods PUT/PATCH result as ValidatePodUpdate does; return the pod to store.

    ``new`` is defaulted (as decoding does), takes status and system metadata from ``old``, and must
    differ from ``old`` only in container images, activeDeadlineSeconds, added tolerations,
    terminationGracePeriodSeconds (-1 -> 1) or metadata. ephemeralContainers may not change here.
    Raises ApiError 422 with the apiserver's messages.
    """
    pod = copy.deepcopy(new)
    _apply_defaults(pod)
    _keep_system_metadata(pod, old)
    pod["status"] = copy.deepcopy(old.get("status", {}))
    errors = _meta_update_errors(pod["metadata"], old.get("metadata") or {}) + _pod_errors(pod)
    errors += _spec_update_errors(pod["spec"], old.get("spec") or {})
    _raise_if(pod["metadata"].get("name", ""), errors)
    return pod


def _ephemeral_change_errors(new: list, old: list) -> Iterator[FieldError]:
    """Existing ephemeral containers may neither be removed nor changed."""
    by_name = {c.get("name"): c for c in new}
    for ctr in old:
        name = ctr.get("name", "")
        if name not in by_name:
            yield _forbidden("spec.ephemeralContainers",
                             f"existing ephemeral containers {go_quote(name)} may not be removed\n")
        elif _semantic(by_name[name]) != _semantic(ctr):
            diff = _diff("core.EphemeralContainer", ctr, by_name[name])
            yield _forbidden("spec.ephemeralContainers",
                             f"existing ephemeral containers {go_quote(name)} may not be changed\n{diff}")


def update_ephemeral_containers(old: dict, new: dict) -> dict:
    """Apply an update of the pods/ephemeralcontainers subresource; return the pod to store.

    As EphemeralContainersStrategy does, everything but spec.ephemeralContainers (and the
    identity fields name, namespace, uid and resourceVersion) is taken from ``old``; new entries are
    defaulted. Validation (ValidatePodEphemeralContainersUpdate) checks the whole resulting pod,
    forbids removing or changing existing ephemeral containers and rejects static pods.
    Raises ApiError 422 Invalid.
    """
    pod = copy.deepcopy(old)
    new_meta = new.get("metadata") or {}
    for key in ("name", "namespace", "uid", "resourceVersion"):
        if new_meta.get(key):
            pod["metadata"][key] = new_meta[key]
        elif key == "resourceVersion":
            pod["metadata"].pop(key, None)  # no resourceVersion: an unconditional update
    pod["spec"]["ephemeralContainers"] = copy.deepcopy((new.get("spec") or {}).get("ephemeralContainers") or [])
    for ctr in pod["spec"]["ephemeralContainers"]:
        _default_container(ctr)
    if "kubernetes.io/config.mirror" in ((old.get("metadata") or {}).get("annotations") or {}):
        errors = [_forbidden("", "static pods do not support ephemeral containers")]
    else:
        errors = _pod_errors(pod)
        errors += _ephemeral_change_errors(pod["spec"]["ephemeralContainers"],
                                           (old.get("spec") or {}).get("ephemeralContainers") or [])
    _raise_if(pod["metadata"].get("name", ""), errors)
    return pod
