"""Roles, ClusterRoles and their bindings: defaulting and validation as the rbac registry's
strategies do them (pkg/apis/rbac/validation), and aggregation whenever a ClusterRole changes."""

from __future__ import annotations

from . import errors, names
from .context import Backend
from .rbacaggregation import aggregate
from .resources import RBAC_GROUP, ResourceType
from .strategy import DeleteOptions, Strategy

Cause = tuple[str, str, str]  # (field, reason, message), as errors.invalid takes them


def _required(field: str, detail: str = "") -> Cause:
    return field, "FieldValueRequired", "Required value" + (f": {detail}" if detail else "")


def _unsupported(field: str, value: str, supported: list[str]) -> Cause:
    listed = ", ".join(f'"{s}"' for s in supported)
    return field, "FieldValueNotSupported", f'Unsupported value: "{value}": supported values: {listed}'


def _invalid(field: str, shown: str, detail: str) -> Cause:
    """``shown`` is the bad value as Go's field errors print it (%q for strings, %#v for the rest)."""
    return field, "FieldValueInvalid", f"Invalid value: {shown}: {detail}"


def _name_causes(field: str, rule: str, name: str) -> list[Cause]:
    return [_invalid(field, f'"{name}"', problem) for problem in names.problems(rule, name)]


def rule_causes(rule: dict, path: str, namespaced: bool) -> list[Cause]:
    """ValidatePolicyRule: verbs always; either non-resource URLs (cluster roles only) or groups and resources."""
    causes = [] if rule.get("verbs") else [_required(f"{path}.verbs", "verbs must contain at least one value")]
    urls = rule.get("nonResourceURLs")
    if urls:
        shown = "[]string{" + ", ".join(f'"{u}"' for u in urls) + "}"
        if namespaced:
            causes.append(_invalid(f"{path}.nonResourceURLs", shown,
                                   "namespaced rules cannot apply to non-resource URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            causes.append(_invalid(f"{path}.nonResourceURLs", shown,
                                   "rules cannot apply to both regular resources and non-resource URLs"))
        return causes
    if not rule.get("apiGroups"):
        causes.append(_required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        causes.append(_required(f"{path}.resources", "resource rules must supply at least one resource"))
    return causes


def _subject_causes(subject: dict, path: str, namespaced: bool) -> list[Cause]:
    """ValidateRoleBindingSubject."""
    name, kind, group = subject.get("name", ""), subject.get("kind", ""), subject.get("apiGroup", "")
    causes = [] if name else [_required(f"{path}.name")]
    if kind == "ServiceAccount":
        causes += _name_causes(f"{path}.name", "subdomain", name) if name else []
        if group:
            causes.append(_unsupported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            causes.append(_required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            causes.append(_unsupported(f"{path}.apiGroup", group, [RBAC_GROUP]))
    else:
        causes.append(_unsupported(f"{path}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return causes


def binding_causes(binding: dict, cluster: bool) -> list[Cause]:
    """ValidateRoleBinding / ValidateClusterRoleBinding (a ClusterRoleBinding names a ClusterRole)."""
    ref = binding.get("roleRef") or {}
    causes = []
    if ref.get("apiGroup") != RBAC_GROUP:
        causes.append(_unsupported("roleRef.apiGroup", ref.get("apiGroup", ""), [RBAC_GROUP]))
    kinds = ["ClusterRole"] if cluster else ["Role", "ClusterRole"]
    if ref.get("kind") not in kinds:
        causes.append(_unsupported("roleRef.kind", ref.get("kind", ""), kinds))
    name = ref.get("name", "")
    causes += _name_causes("roleRef.name", "path-segment", name) if name else [_required("roleRef.name")]
    for index, subject in enumerate(binding.get("subjects") or []):
        causes += _subject_causes(subject, f"subjects[{index}]", namespaced=not cluster)
    return causes


def _role_ref(ref: dict) -> tuple[str, str, str]:
    return ref.get("apiGroup", ""), ref.get("kind", ""), ref.get("name", "")


def _default_binding(binding: dict) -> None:
    """SetDefaults_RoleBinding and SetDefaults_Subject: the RBAC group where it is the only choice."""
    ref = binding.setdefault("roleRef", {})
    ref["apiGroup"] = ref.get("apiGroup") or RBAC_GROUP
    for subject in binding.get("subjects") or []:
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = RBAC_GROUP


class _Validated(Strategy):
    """Defaults, then refuses an invalid object (422) on create and on update."""

    def causes(self, rtype: ResourceType, obj: dict, old: dict | None) -> list[Cause]:
        """What is wrong with the object (``old``: what it replaces, on update)."""
        return []

    def default(self, obj: dict) -> None:
        """Fill in what the API's defaulting fills in."""

    def _admit(self, rtype: ResourceType, obj: dict, old: dict | None = None) -> None:
        self.default(obj)
        causes = self.causes(rtype, obj, old)
        if causes:
            raise errors.invalid(rtype.kind, obj["metadata"].get("name", ""), causes, rtype.group)

    def before_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> list[str]:
        """Default and validate."""
        self._admit(rtype, obj)
        return super().before_create(backend, rtype, obj)

    def before_update(self, backend: Backend, rtype: ResourceType, old: dict, new: dict) -> tuple[dict, list[str]]:
        """Default and validate against what is stored."""
        self._admit(rtype, new, old)
        return super().before_update(backend, rtype, old, new)


class RoleStrategy(_Validated):
    """Roles: every rule valid (namespaced ones without non-resource URLs)."""

    def causes(self, rtype: ResourceType, obj: dict, old: dict | None) -> list[Cause]:
        """ValidateRole's and ValidateClusterRole's rule checks."""
        causes = [cause for index, rule in enumerate(obj.get("rules") or [])
                  for cause in rule_causes(rule, f"rules[{index}]", rtype.namespaced)]
        aggregation = obj.get("aggregationRule")
        if aggregation is not None and not aggregation.get("clusterRoleSelectors"):
            causes.append(_required("aggregationRule.clusterRoleSelectors",
                                    "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        return causes


class ClusterRoleStrategy(RoleStrategy):
    """ClusterRoles: as roles; any change re-runs aggregation (the controller reacts at once)."""

    def after_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """Aggregate, as the new role may be selected or select others."""
        aggregate(backend.store)

    def after_update(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """Aggregate: labels or rules may have changed."""
        aggregate(backend.store)

    def delete(self, backend: Backend, rtype: ResourceType, obj: dict, options: DeleteOptions) -> dict:
        """Delete, then aggregate without the role."""
        deleted = super().delete(backend, rtype, obj, options)
        aggregate(backend.store)
        return deleted


class BindingStrategy(_Validated):
    """RoleBindings and ClusterRoleBindings: defaulted, validated, and their roleRef never changes."""

    def default(self, obj: dict) -> None:
        """The RBAC API group for roleRef and for User and Group subjects."""
        _default_binding(obj)

    def causes(self, rtype: ResourceType, obj: dict, old: dict | None) -> list[Cause]:
        """ValidateRoleBinding (and ValidateRoleBindingUpdate's roleRef check)."""
        causes = binding_causes(obj, cluster=not rtype.namespaced)
        if old is not None and _role_ref(old.get("roleRef") or {}) != _role_ref(obj.get("roleRef") or {}):
            group, kind, name = _role_ref(obj["roleRef"])
            shown = f'rbac.RoleRef{{APIGroup:"{group}", Kind:"{kind}", Name:"{name}"}}'
            causes.append(_invalid("roleRef", shown, "cannot change roleRef"))
        return causes


STRATEGIES: dict[str, Strategy] = {"roles": RoleStrategy(), "clusterroles": ClusterRoleStrategy(),
                                   "rolebindings": BindingStrategy(), "clusterrolebindings": BindingStrategy()}
