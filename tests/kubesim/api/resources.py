"""The resource types the simulator serves, as a real 1.32 apiserver lists them in discovery."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import errors

OBJECT_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Subresource:
    """A subresource as discovery lists it (``pods/exec``: kind PodExecOptions, verbs create+get).

    ``group``/``version`` name the API of its kind when that is not the resource's own
    (``serviceaccounts/token`` answers an authentication.k8s.io/v1 TokenRequest); None: the resource's.
    """

    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class ResourceType:
    """One served resource: where it lives, what it is called, what may be done to it."""

    name: str  # plural, e.g. "pods"
    singular: str
    kind: str
    group: str = ""
    version: str = "v1"
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = OBJECT_VERBS
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    has_generation: bool = False  # metadata.generation kept and bumped on spec changes
    name_rule: str = "subdomain"  # how metadata.name is validated: "label", "subdomain" or "path-segment"

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, else ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        """The discovery path under /api or /apis: ``api/v1`` or ``apis/apps/v1``."""
        return f"apis/{self.group}/{self.version}" if self.group else f"api/{self.version}"

    def subresource(self, name: str) -> Subresource | None:
        """The named subresource, or None when this resource has none of that name."""
        return next((s for s in self.subresources if s.name == name), None)


_STATUS_VERBS = ("get", "patch", "update")
_WORKLOAD = dict(has_generation=True, categories=("all",), group="apps")
RBAC_GROUP = "rbac.authorization.k8s.io"
_RBAC = dict(group=RBAC_GROUP, name_rule="path-segment")

RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("namespaces", "namespace", "Namespace", namespaced=False, short_names=("ns",), name_rule="label",
                 subresources=(Subresource("status", "Namespace", _STATUS_VERBS),)),
    ResourceType("nodes", "node", "Node", namespaced=False, short_names=("no",),
                 subresources=(Subresource("status", "Node", _STATUS_VERBS),)),
    ResourceType("pods", "pod", "Pod", short_names=("po",), categories=("all",), has_generation=True,
                 subresources=(
                     Subresource("attach", "PodAttachOptions", ("create", "get")),
                     Subresource("ephemeralcontainers", "Pod", ("get", "patch", "update")),
                     Subresource("exec", "PodExecOptions", ("create", "get")),
                     Subresource("log", "Pod", ("get",)),
                     Subresource("status", "Pod", _STATUS_VERBS),
                 )),
    ResourceType("secrets", "secret", "Secret"),
    ResourceType("configmaps", "configmap", "ConfigMap", short_names=("cm",)),
    ResourceType("events", "event", "Event", short_names=("ev",)),
    ResourceType("serviceaccounts", "serviceaccount", "ServiceAccount", short_names=("sa",),
                 subresources=(Subresource("token", "TokenRequest", ("create",), "authentication.k8s.io", "v1"),)),
    ResourceType("deployments", "deployment", "Deployment", short_names=("deploy",),
                 subresources=(Subresource("status", "Deployment", _STATUS_VERBS),), **_WORKLOAD),
    ResourceType("replicasets", "replicaset", "ReplicaSet", short_names=("rs",),
                 subresources=(Subresource("status", "ReplicaSet", _STATUS_VERBS),), **_WORKLOAD),
    ResourceType("statefulsets", "statefulset", "StatefulSet", short_names=("sts",),
                 subresources=(Subresource("status", "StatefulSet", _STATUS_VERBS),), **_WORKLOAD),
    ResourceType("daemonsets", "daemonset", "DaemonSet", short_names=("ds",),
                 subresources=(Subresource("status", "DaemonSet", _STATUS_VERBS),), **_WORKLOAD),
    ResourceType("jobs", "job", "Job", group="batch", has_generation=True, categories=("all",),
                 subresources=(Subresource("status", "Job", _STATUS_VERBS),)),
    ResourceType("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", namespaced=False, **_RBAC),
    ResourceType("clusterroles", "clusterrole", "ClusterRole", namespaced=False, **_RBAC),
    ResourceType("rolebindings", "rolebinding", "RoleBinding", **_RBAC),
    ResourceType("roles", "role", "Role", **_RBAC),
    ResourceType("selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", namespaced=False,
                 group="authentication.k8s.io", verbs=("create",)),
    ResourceType("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview",
                 namespaced=False, group="authorization.k8s.io", verbs=("create",)),
    ResourceType("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview",
                 namespaced=False, group="authorization.k8s.io", verbs=("create",)),
)

_BY_NAME = {r.name: r for r in RESOURCES}


@dataclass(frozen=True)
class GroupVersion:
    """An API group version and the resources served in it."""

    group: str
    version: str
    resources: tuple[ResourceType, ...] = field(default_factory=tuple)


def by_name(name: str) -> ResourceType:
    """The resource type of a plural name; ValueError for one the simulator does not serve."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown resource {name!r}") from None


def lookup(group: str, version: str, name: str) -> ResourceType:
    """The resource served at group/version/name; the mux's 404 when there is none."""
    rtype = _BY_NAME.get(name)
    if rtype is None or rtype.group != group or rtype.version != version:
        raise errors.path_not_found()
    return rtype


def group_versions() -> list[GroupVersion]:
    """Every served group version, core first, in a stable order."""
    order: dict[tuple[str, str], list[ResourceType]] = {}
    for rtype in RESOURCES:
        order.setdefault((rtype.group, rtype.version), []).append(rtype)
    return [GroupVersion(g, v, tuple(rs)) for (g, v), rs in order.items()]
