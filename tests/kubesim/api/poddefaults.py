"""Pod defaulting: the scheme defaults every decoded v1 Pod gets (SetObjectDefaults_Pod,
pkg/apis/core/v1/defaults.go), and on create the admission plugins and the Pending status after them."""

from __future__ import annotations

import re

from .podadmission import admit_create
from .podqos import qos_class

_IMAGE_RE = re.compile(
    r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?"
    r"[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*)*"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?"
)

VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs",
    "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "cinder", "cephfs", "quobyte",
    "downwardAPI", "fc", "flexVolume", "configMap", "azureFile", "vsphereVolume", "photonPersistentDisk",
    "portworxVolume", "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image",
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


def default_container(ctr: dict, host_network: bool = False) -> None:
    """SetDefaults_Container plus the generated defaults of its nested structs, in place."""
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


def _default_projection(source: dict) -> None:
    token = source.get("serviceAccountToken")
    if token is not None:
        token.setdefault("expirationSeconds", 3600)
    for item in (source.get("downwardAPI") or {}).get("items") or []:
        _default_field_ref(item)


def _default_volume(volume: dict) -> None:
    if not any(volume.get(key) is not None for key in VOLUME_SOURCES):
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
            default_container(ctr, host_network)
            _requests_from_limits(ctr)
    for ctr in spec.get("ephemeralContainers") or []:
        default_container(ctr)


def apply_scheme_defaults(pod: dict) -> None:
    """The defaults every decoded v1 Pod gets (also on update), in place, without admission plugins."""
    pod.setdefault("metadata", {})
    spec = pod.setdefault("spec", {})
    _default_spec(spec)
    # The v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account:
        spec["serviceAccountName"] = spec["serviceAccount"] = account


def default_pod(pod: dict) -> None:
    """Default a v1 Pod in place as the apiserver does on create.

    Scheme defaults (restartPolicy, dnsPolicy, schedulerName, terminationGracePeriodSeconds,
    securityContext, enableServiceLinks, container and volume defaults), then the mutating admission
    plugins (ServiceAccount token volume and mounts, Priority, DefaultTolerationSeconds), then the
    strategy's PrepareForCreate, which sets status to Pending with the pod's QoS class.
    Raises ApiError 403 for an unknown priorityClassName, as the Priority admission does.
    """
    apply_scheme_defaults(pod)
    admit_create(pod)
    pod["status"] = {"phase": "Pending", "qosClass": qos_class(pod["spec"])}
