"""Pod Security Admission as the apiserver's PodSecurity plugin enforces it on pods.

Mirrors staging/src/k8s.io/pod-security-admission: the namespace labels
pod-security.kubernetes.io/{enforce,warn}[-version] (api.PolicyToEvaluate), the versioned checks of
the Pod Security Standards up to policy version 1.32 (policy/check_*.go), the registry's order
(baseline check IDs sorted, then restricted ones sorted; a restricted check drops the baseline
check it overrides) and the messages of admission.go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator, NamedTuple

from ..contracts import ApiError
from .pods import go_quote

LATEST_MINOR = 32  # the newest policy version whose checks are simulated ("latest")
_LEVELS = ("privileged", "baseline", "restricted")
# Subresources PodSecurity does not look at (admission.go ignoredPodSubresources).
_IGNORED_SUBRESOURCES = frozenset({"exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"})


class CheckResult(NamedTuple):
    """A failed check: its short reason and the detail naming the offending values."""

    reason: str
    detail: str = ""


Pod = dict
CheckFn = Callable[[Pod], "CheckResult | None"]


# ----------------------------------------------------------------------------------------------
# Helpers (policy/helpers.go, visitor.go)
# ----------------------------------------------------------------------------------------------

def _join_quote(items: list[str]) -> str:
    return '"' + '", "'.join(items) + '"' if items else ""


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _containers(pod: Pod) -> Iterator[dict]:
    """Init, regular, then ephemeral containers."""
    spec = pod.get("spec") or {}
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(kind) or []


def _context(container: dict) -> dict:
    return container.get("securityContext") or {}


def _pod_context(pod: Pod) -> dict:
    return (pod.get("spec") or {}).get("securityContext") or {}


def _is_windows(pod: Pod) -> bool:
    return ((pod.get("spec") or {}).get("os") or {}).get("name") == "windows"


def _named(containers: list[str]) -> str:
    """'container "a"' or 'containers "a", "b"'."""
    return f"{_plural('container', 'containers', len(containers))} {_join_quote(containers)}"


def _setters(pod_bad: bool, containers: list[str]) -> str:
    """'pod', 'containers "a", "b"' or 'pod and container "a"'."""
    parts = (["pod"] if pod_bad else []) + ([_named(containers)] if containers else [])
    return " and ".join(parts)


# ----------------------------------------------------------------------------------------------
# Baseline checks
# ----------------------------------------------------------------------------------------------

def _bad_profile(profile: dict | None) -> bool:
    """A set seccomp or AppArmor profile of a type other than RuntimeDefault or Localhost."""
    return profile is not None and profile.get("type") not in ("RuntimeDefault", "Localhost")


def _bad_app_armor_annotations(pod: Pod) -> list[str]:
    prefix = "container.apparmor.security.beta.kubernetes.io/"
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    return sorted(f"{key}={go_quote(value)}" for key, value in annotations.items() if key.startswith(prefix)
                  and value and value != "runtime/default" and not value.startswith("localhost/"))


def _app_armor(pod: Pod) -> CheckResult | None:
    pod_bad = _bad_profile(_pod_context(pod).get("appArmorProfile"))
    containers = [c for c in _containers(pod) if _bad_profile(_context(c).get("appArmorProfile"))]
    values = {_context(c)["appArmorProfile"].get("type", "") for c in containers}
    values |= {_pod_context(pod)["appArmorProfile"].get("type", "")} if pod_bad else set()
    annotations = _bad_app_armor_annotations(pod)
    setters = [_setters(pod_bad, [c["name"] for c in containers])] if pod_bad or containers else []
    setters += [_plural("annotation", "annotations", len(annotations))] if annotations else []
    if not setters:
        return None
    shown = sorted(values) + annotations
    return CheckResult(_plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(shown)),
                       f"{' and '.join(setters)} must not set AppArmor profile type to {_join_quote(shown)}")


_BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})


def _added(container: dict) -> list[str]:
    return list((_context(container).get("capabilities") or {}).get("add") or [])


def _capabilities_baseline(pod: Pod) -> CheckResult | None:
    bad = [c["name"] for c in _containers(pod) if set(_added(c)) - _BASELINE_CAPABILITIES]
    if not bad:
        return None
    caps = sorted({cap for c in _containers(pod) for cap in _added(c)} - _BASELINE_CAPABILITIES)
    return CheckResult("non-default capabilities",
                       f"{_named(bad)} must not include {_join_quote(caps)} in securityContext.capabilities.add")


def _host_namespaces(pod: Pod) -> CheckResult | None:
    spec = pod.get("spec") or {}
    used = [f"{key}=true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]
    return CheckResult("host namespaces", ", ".join(used)) if used else None


def _host_path_volumes(pod: Pod) -> CheckResult | None:
    names = [v.get("name", "") for v in (pod.get("spec") or {}).get("volumes") or [] if v.get("hostPath") is not None]
    if not names:
        return None
    return CheckResult("hostPath volumes", f"{_plural('volume', 'volumes', len(names))} {_join_quote(names)}")


def _host_ports(pod: Pod) -> CheckResult | None:
    bad = [c["name"] for c in _containers(pod) if any(p.get("hostPort") for p in c.get("ports") or [])]
    if not bad:
        return None
    # sets.String.List() sorts the ports as strings: "10000" comes before "80".
    ports = sorted({str(p["hostPort"]) for c in _containers(pod) for p in c.get("ports") or [] if p.get("hostPort")})
    return CheckResult("hostPort", f"{_named(bad)} {_plural('uses', 'use', len(bad))} "
                                   f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(ports)}")


def _privileged(pod: Pod) -> CheckResult | None:
    bad = [c["name"] for c in _containers(pod) if _context(c).get("privileged")]
    return CheckResult("privileged", f"{_named(bad)} must not set securityContext.privileged=true") if bad else None


def _proc_mount(pod: Pod) -> CheckResult | None:
    bad = [c for c in _containers(pod) if _context(c).get("procMount") not in (None, "Default")]
    if not bad:
        return None
    values = sorted({_context(c)["procMount"] for c in bad})
    return CheckResult("procMount", f"{_named([c['name'] for c in bad])} must not set securityContext.procMount "
                                    f"to {_join_quote(values)}")


def _selinux(allowed_types: frozenset[str]) -> CheckFn:
    def check(pod: Pod) -> CheckResult | None:
        def bad(options: dict | None) -> bool:
            return options is not None and (options.get("type", "") not in allowed_types
                                             or bool(options.get("user")) or bool(options.get("role")))
        pod_options = _pod_context(pod).get("seLinuxOptions")
        containers = [c["name"] for c in _containers(pod) if bad(_context(c).get("seLinuxOptions"))]
        if not bad(pod_options) and not containers:
            return None
        all_options = [o for o in [pod_options] + [_context(c).get("seLinuxOptions") for c in _containers(pod)] if o]
        types = sorted({o.get("type", "") for o in all_options} - allowed_types)
        data = [f"{_plural('type', 'types', len(types))} {_join_quote(types)}"] if types else []
        data += [f"{key} may not be set" for key in ("user", "role") if any(o.get(key) for o in all_options)]
        return CheckResult("seLinuxOptions", f"{_setters(bad(pod_options), containers)} set forbidden "
                                             f"securityContext.seLinuxOptions: {'; '.join(data)}")
    return check


def _seccomp_bad_setters(pod: Pod) -> tuple[bool, list[str], list[str]]:
    """(pod sets a bad type, containers setting one, the bad types) for Unconfined and the like."""
    pod_profile = _pod_context(pod).get("seccompProfile")
    containers = [c for c in _containers(pod) if _bad_profile(_context(c).get("seccompProfile"))]
    values = {_context(c)["seccompProfile"].get("type", "") for c in containers}
    values |= {pod_profile.get("type", "")} if _bad_profile(pod_profile) else set()
    return _bad_profile(pod_profile), [c["name"] for c in containers], sorted(values)


def _seccomp_baseline(pod: Pod) -> CheckResult | None:
    pod_bad, containers, values = _seccomp_bad_setters(pod)
    if not pod_bad and not containers:
        return None
    return CheckResult("seccompProfile", f"{_setters(pod_bad, containers)} must not set "
                                         f"securityContext.seccompProfile.type to {_join_quote(values)}")


_SYSCTLS_1_0 = frozenset({"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                          "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"})
_SYSCTLS_1_27 = _SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
_SYSCTLS_1_29 = _SYSCTLS_1_27 | {"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                                 "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"}
_SYSCTLS_1_32 = _SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}


def _sysctls(allowed: frozenset[str]) -> CheckFn:
    def check(pod: Pod) -> CheckResult | None:
        bad = [s.get("name", "") for s in _pod_context(pod).get("sysctls") or [] if s.get("name") not in allowed]
        return CheckResult("forbidden sysctls", ", ".join(bad)) if bad else None
    return check


def _windows_host_process(pod: Pod) -> CheckResult | None:
    def set_true(context: dict) -> bool:
        return bool((context.get("windowsOptions") or {}).get("hostProcess"))
    containers = [c["name"] for c in _containers(pod) if set_true(_context(c))]
    if not set_true(_pod_context(pod)) and not containers:
        return None
    return CheckResult("hostProcess", f"{_setters(set_true(_pod_context(pod)), containers)} must not set "
                                      "securityContext.windowsOptions.hostProcess=true")


# ----------------------------------------------------------------------------------------------
# Restricted checks
# ----------------------------------------------------------------------------------------------

def _unless_windows(check: CheckFn) -> CheckFn:
    """The 1.25+ revision of a check that Windows pods (spec.os.name=windows) skip."""
    return lambda pod: None if _is_windows(pod) else check(pod)


def _allow_privilege_escalation(pod: Pod) -> CheckResult | None:
    bad = [c["name"] for c in _containers(pod) if _context(c).get("allowPrivilegeEscalation") is not False]
    if not bad:
        return None
    return CheckResult("allowPrivilegeEscalation != false",
                       f"{_named(bad)} must set securityContext.allowPrivilegeEscalation=false")


def _capabilities_restricted(pod: Pod) -> CheckResult | None:
    def drops_all(container: dict) -> bool:
        return "ALL" in ((_context(container).get("capabilities") or {}).get("drop") or [])
    missing = [c["name"] for c in _containers(pod) if not drops_all(c)]
    adding = [c["name"] for c in _containers(pod) if set(_added(c)) - {"NET_BIND_SERVICE"}]
    details = [f'{_named(missing)} must set securityContext.capabilities.drop=["ALL"]'] if missing else []
    if adding:
        caps = sorted({cap for c in _containers(pod) for cap in _added(c)} - {"NET_BIND_SERVICE"})
        details.append(f"{_named(adding)} must not include {_join_quote(caps)} in securityContext.capabilities.add")
    return CheckResult("unrestricted capabilities", "; ".join(details)) if details else None


_ALLOWED_VOLUMES = ("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
                    "projected", "secret")
# The order check_restrictedVolumes.go names a volume's type in.
_RESTRICTED_VOLUME_TYPES = ("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "nfs", "iscsi",
                            "glusterfs", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
                            "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
                            "scaleIO", "storageos")


def _restricted_volumes(pod: Pod) -> CheckResult | None:
    bad = [v for v in (pod.get("spec") or {}).get("volumes") or []
           if not any(v.get(key) is not None for key in _ALLOWED_VOLUMES)]
    if not bad:
        return None
    types = sorted({next((t for t in _RESTRICTED_VOLUME_TYPES if v.get(t) is not None), "unknown") for v in bad})
    names = [v.get("name", "") for v in bad]
    kinds = _plural("restricted volume type", "restricted volume types", len(types))
    return CheckResult("restricted volume types", f"{_plural('volume', 'volumes', len(names))} {_join_quote(names)} "
                                                  f"{_plural('uses', 'use', len(names))} {kinds} {_join_quote(types)}")


def _run_as_non_root(pod: Pod) -> CheckResult | None:
    pod_value = _pod_context(pod).get("runAsNonRoot")
    explicit = [c["name"] for c in _containers(pod) if _context(c).get("runAsNonRoot") is False]
    if pod_value is False or explicit:
        return CheckResult("runAsNonRoot != true",
                           f"{_setters(pod_value is False, explicit)} must not set securityContext.runAsNonRoot=false")
    implicit = [c["name"] for c in _containers(pod)
                if _context(c).get("runAsNonRoot") is None and pod_value is not True]
    if implicit:
        return CheckResult("runAsNonRoot != true",
                           f"pod or {_named(implicit)} must set securityContext.runAsNonRoot=true")
    return None


def _run_as_user(pod: Pod) -> CheckResult | None:
    pod_bad = _pod_context(pod).get("runAsUser") == 0
    containers = [c["name"] for c in _containers(pod) if _context(c).get("runAsUser") == 0]
    if not pod_bad and not containers:
        return None
    return CheckResult("runAsUser=0", f"{_setters(pod_bad, containers)} must not set runAsUser=0")


def _seccomp_restricted(pod: Pod) -> CheckResult | None:
    explicit = _seccomp_baseline(pod)
    if explicit:
        return explicit
    pod_set = _pod_context(pod).get("seccompProfile") is not None
    implicit = [c["name"] for c in _containers(pod) if _context(c).get("seccompProfile") is None and not pod_set]
    if not implicit:
        return None
    return CheckResult("seccompProfile", f'pod or {_named(implicit)} must set securityContext.seccompProfile.type '
                                         'to "RuntimeDefault" or "Localhost"')


# ----------------------------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Check:
    """A check with its revisions by minimum policy minor version, newest last."""

    id: str
    level: str
    versions: tuple[tuple[int, CheckFn], ...]
    overrides: tuple[str, ...] = ()

    def at(self, minor: int) -> CheckFn | None:
        """The revision in force at policy version 1.``minor``, if the check exists then."""
        applicable = [fn for since, fn in self.versions if since <= minor]
        return applicable[-1] if applicable else None


_SELINUX_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_CHECKS = (
    _Check("appArmorProfile", "baseline", ((0, _app_armor),)),
    _Check("capabilities_baseline", "baseline", ((0, _capabilities_baseline),)),
    _Check("hostNamespaces", "baseline", ((0, _host_namespaces),)),
    _Check("hostPathVolumes", "baseline", ((0, _host_path_volumes),)),
    _Check("hostPorts", "baseline", ((0, _host_ports),)),
    _Check("privileged", "baseline", ((0, _privileged),)),
    _Check("procMount", "baseline", ((0, _proc_mount),)),
    _Check("seLinuxOptions", "baseline",
           ((0, _selinux(_SELINUX_1_0)), (31, _selinux(_SELINUX_1_0 | {"container_engine_t"})))),
    _Check("seccompProfile_baseline", "baseline", ((19, _seccomp_baseline),)),
    _Check("sysctls", "baseline", ((0, _sysctls(_SYSCTLS_1_0)), (27, _sysctls(_SYSCTLS_1_27)),
                                   (29, _sysctls(_SYSCTLS_1_29)), (32, _sysctls(_SYSCTLS_1_32)))),
    _Check("windowsHostProcess", "baseline", ((0, _windows_host_process),)),
    _Check("allowPrivilegeEscalation", "restricted",
           ((8, _allow_privilege_escalation), (25, _unless_windows(_allow_privilege_escalation)))),
    _Check("capabilities_restricted", "restricted",
           ((22, _capabilities_restricted), (25, _unless_windows(_capabilities_restricted))),
           ("capabilities_baseline",)),
    _Check("restrictedVolumes", "restricted", ((0, _restricted_volumes),), ("hostPathVolumes",)),
    _Check("runAsNonRoot", "restricted", ((0, _run_as_non_root),)),
    _Check("runAsUser", "restricted", ((23, _run_as_user),)),
    _Check("seccompProfile_restricted", "restricted",
           ((19, _seccomp_restricted), (25, _unless_windows(_seccomp_restricted))), ("seccompProfile_baseline",)),
)


def _evaluate(level: str, minor: int, pod: Pod) -> list[CheckResult]:
    """The failed checks for a level and policy version, in the registry's order."""
    if level == "privileged":
        return []
    checks = [c for c in _CHECKS if c.level == "baseline" or level == "restricted"]
    if level == "restricted":
        overridden = {o for c in checks if c.at(minor) for o in c.overrides}
        checks = [c for c in checks if c.id not in overridden]
    ordered = sorted((c for c in checks if c.level == "baseline"), key=lambda c: c.id) + \
        sorted((c for c in checks if c.level == "restricted"), key=lambda c: c.id)
    results = (check.at(minor)(pod) for check in ordered if check.at(minor))
    return [result for result in results if result]


def _detail(results: list[CheckResult]) -> str:
    """AggregateCheckResult.ForbiddenDetail: 'reason (detail), reason, ...'."""
    return ", ".join(f"{r.reason} ({r.detail})" if r.detail else r.reason for r in results)


# ----------------------------------------------------------------------------------------------
# Namespace policy and admission
# ----------------------------------------------------------------------------------------------

class LevelVersion(NamedTuple):
    """A level and a policy version as the labels give them: minor None is "latest"."""

    level: str
    minor: int | None

    def __str__(self) -> str:
        return f"{self.level}:{'latest' if self.minor is None else f'v1.{self.minor}'}"

    def evaluate(self, pod: Pod) -> list[CheckResult]:
        """The failed checks; versions beyond the newest simulated one use its checks."""
        minor = LATEST_MINOR if self.minor is None else min(self.minor, LATEST_MINOR)
        return _evaluate(self.level, minor, pod)


def _mode_policy(labels: dict, mode: str) -> LevelVersion:
    """One mode's level and version; an invalid label value means restricted / latest."""
    prefix = f"pod-security.kubernetes.io/{mode}"
    level = labels.get(prefix, "privileged")
    version = labels.get(f"{prefix}-version", "latest")
    match = re.fullmatch(r"v1\.(0|[1-9][0-9]*)", version)
    return LevelVersion(level if level in _LEVELS else "restricted", int(match[1]) if match else None)


def _significant_update(new: Pod, old: Pod) -> bool:
    """isSignificantPodUpdate: only images, seccomp annotations and new ephemeral containers count."""
    def by_kind(pod: Pod, kind: str) -> list[dict]:
        return (pod.get("spec") or {}).get(kind) or []
    annotations = (new.get("metadata") or {}).get("annotations") or {}
    old_annotations = (old.get("metadata") or {}).get("annotations") or {}

    def changed(container: dict, old_container: dict) -> bool:
        key = "container.seccomp.security.alpha.kubernetes.io/" + container.get("name", "")
        return container.get("image") != old_container.get("image") or annotations.get(key) != old_annotations.get(key)
    for kind in ("containers", "initContainers"):
        if len(by_kind(new, kind)) != len(by_kind(old, kind)) or \
                any(changed(c, o) for c, o in zip(by_kind(new, kind), by_kind(old, kind))):
            return True
    old_ephemeral = {c.get("name"): c for c in by_kind(old, "ephemeralContainers")}
    return any(c.get("name") not in old_ephemeral or changed(c, old_ephemeral[c.get("name")])
               for c in by_kind(new, "ephemeralContainers"))


def admit(namespace: dict, pod: dict, *, operation: str, subresource: str = "",
          old_pod: dict | None = None) -> list[str]:
    """Run Pod Security Admission for a pod CREATE or UPDATE in ``namespace``; return warnings.

    The namespace's pod-security.kubernetes.io/enforce label (with -version) rejects a violating pod:
    ApiError 403 Forbidden 'pods "web" is forbidden: violates PodSecurity "restricted:latest": ...'.
    The warn label yields 'would violate PodSecurity "...": ...' strings (the server sends them as
    Warning headers), only when the pod is allowed. An UPDATE of the ephemeralcontainers subresource
    is judged on the whole resulting pod. An UPDATE that changes no image, seccomp annotation or
    ephemeral container is exempt; without ``old_pod`` a plain UPDATE is taken to be such a one.
    """
    if operation.upper() not in ("CREATE", "UPDATE") or subresource in _IGNORED_SUBRESOURCES:
        return []
    if operation.upper() == "UPDATE" and (old_pod is None and not subresource
                                          or old_pod is not None and not _significant_update(pod, old_pod)):
        return []
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    enforce = _mode_policy(labels, "enforce")
    failed = enforce.evaluate(pod)
    if failed:
        name = (pod.get("metadata") or {}).get("name", "")
        violation = f"violates PodSecurity {go_quote(str(enforce))}: {_detail(failed)}"
        raise ApiError(403, "Forbidden", f"pods {go_quote(name)} is forbidden: {violation}",
                       {"name": name, "kind": "pods"})
    warn = _mode_policy(labels, "warn")
    warned = warn.evaluate(pod)
    return [f"would violate PodSecurity {go_quote(str(warn))}: {_detail(warned)}"] if warned else []
