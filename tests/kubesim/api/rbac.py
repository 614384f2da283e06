"""RBAC authorization, as the apiserver's RBAC authorizer does it: the rules of every
(Cluster)RoleBinding whose subjects include the user, matched against what the request asks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..contracts import ApiError
from .resources import RBAC_GROUP
from .store import Store

if TYPE_CHECKING:
    from .auth import Attributes, User

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"


def _matches(allowed: list[str], wanted: str) -> bool:
    return "*" in allowed or wanted in allowed


def _resource_matches(rule_resources: list[str], resource: str, subresource: str) -> bool:
    """RBAC's ResourceMatches: "*", the exact ``resource/subresource``, or ``*/subresource``."""
    combined = f"{resource}/{subresource}" if subresource else resource
    return any(r in ("*", combined) or (subresource and r == f"*/{subresource}") for r in rule_resources)


def _url_matches(rule_urls: list[str], path: str) -> bool:
    """NonResourceURLMatches: "*", the exact path, or a prefix ending in "*"."""
    return any(u in ("*", path) or (u.endswith("*") and path.startswith(u[:-1])) for u in rule_urls)


def rule_allows(rule: dict, attrs: Attributes) -> bool:
    """Whether one PolicyRule (as JSON) allows the request (RBAC's RuleAllows)."""
    if not _matches(rule.get("verbs") or [], attrs.verb):
        return False
    if not attrs.is_resource:
        return _url_matches(rule.get("nonResourceURLs") or [], attrs.path)
    names = rule.get("resourceNames") or []
    return (_matches(rule.get("apiGroups") or [], attrs.group)
            and _resource_matches(rule.get("resources") or [], attrs.resource, attrs.subresource)
            and (not names or attrs.name in names))


def service_account_username(namespace: str, name: str) -> str:
    """``system:serviceaccount:NS:NAME``, the user a ServiceAccount's tokens authenticate as."""
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def _applies(subject: dict, user: User, binding_namespace: str) -> bool:
    """appliesToUser: a ServiceAccount subject without a namespace means the binding's own."""
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or binding_namespace
        return bool(namespace) and user.name == service_account_username(namespace, name)
    return False


@dataclass(frozen=True)
class Grant:
    """What one binding that applies to the user gives: its role's rules, or why they are unknown."""

    source: str  # as the authorizer describes it in its reasons
    rules: tuple[dict, ...] = ()
    error: str = ""


def _describe(binding: dict, subject: dict, namespace: str) -> str:
    """The binding as the RBAC authorizer's allow reasons name it."""
    ref, name = binding.get("roleRef") or {}, binding["metadata"]["name"]
    who = subject.get("name", "")
    if subject.get("kind") == "ServiceAccount":
        who = f"{who}/{subject.get('namespace') or namespace}"
    kind = f'RoleBinding "{name}/{namespace}"' if namespace else f'ClusterRoleBinding "{name}"'
    return f'{kind} of {ref.get("kind")} "{ref.get("name")}" to {subject.get("kind")} "{who}"'


def _role_rules(store: Store, ref: dict, namespace: str) -> tuple[dict, ...]:
    """The rules a roleRef names; LookupError with the authorizer's text when they cannot be had."""
    kind, name = ref.get("kind"), ref.get("name", "")
    if kind not in ("Role", "ClusterRole"):
        raise LookupError(f'unsupported role reference kind: "{kind}"')
    resource = "roles" if kind == "Role" else "clusterroles"
    try:
        role = store.get(resource, namespace if kind == "Role" else None, name)
    except ApiError:
        # The authorizer reads from listers, whose NotFound names the singular resource.
        raise LookupError(f'{kind.lower()}.{RBAC_GROUP} "{name}" not found') from None
    return tuple(role.get("rules") or [])


def grants(store: Store, user: User, namespace: str) -> Iterator[Grant]:
    """Every grant to the user: ClusterRoleBindings first, then RoleBindings of ``namespace`` (if any)."""
    bindings = [(b, "") for b in store.list("clusterrolebindings")[0]]
    if namespace:
        bindings += [(b, namespace) for b in store.list("rolebindings", namespace)[0]]
    for binding, binding_namespace in bindings:
        subject = next((s for s in binding.get("subjects") or [] if _applies(s, user, binding_namespace)), None)
        if subject is None:
            continue
        source = _describe(binding, subject, binding_namespace)
        try:
            yield Grant(source, _role_rules(store, binding.get("roleRef") or {}, binding_namespace))
        except LookupError as exc:
            yield Grant(source, error=str(exc))


def aggregate_errors(messages: list[str]) -> str:
    """utilerrors.NewAggregate's text: one message bare, several (deduplicated) in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def authorize(store: Store, user: User, attrs: Attributes) -> tuple[bool, str]:
    """RBAC's decision and reason: allowed by the first grant with a matching rule, else denied,
    with the bindings that could not be resolved as the reason."""
    errors = []
    for grant in grants(store, user, attrs.namespace):
        if grant.error:
            errors.append(grant.error)
        elif any(rule_allows(rule, attrs) for rule in grant.rules):
            return True, f"RBAC: allowed by {grant.source}"
    return False, f"RBAC: {aggregate_errors(errors)}" if errors else ""
