"""The clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets the rules of
every other ClusterRole its selectors match (in name order, without duplicates)."""

from __future__ import annotations

from . import labels
from .store import Store

# admin <- edit <- view <- system:aggregate-to-view is the longest chain a default cluster has;
# a few more passes let user-made chains settle too.
_MAX_PASSES = 6


def _selects(selector: dict, role: dict) -> bool:
    """Whether a metav1.LabelSelector matches a role (an empty selector matches every role)."""
    text = labels.from_label_selector(selector)
    requirements = [] if text == "<none>" else labels.parse(text)
    return labels.matches(requirements, role["metadata"].get("labels"))


def aggregated_rules(role: dict, roles: list[dict]) -> list[dict]:
    """The rules the controller gives ``role`` from ``roles`` (sorted by name)."""
    rules: list[dict] = []
    for selector in role["aggregationRule"].get("clusterRoleSelectors") or []:
        for other in roles:
            if other["metadata"]["name"] == role["metadata"]["name"] or not _selects(selector, other):
                continue
            rules.extend(rule for rule in other.get("rules") or [] if rule not in rules)
    return rules


def _one_pass(store: Store) -> bool:
    roles = store.list("clusterroles")[0]
    changed = False
    for role in (r for r in roles if r.get("aggregationRule")):
        wanted = aggregated_rules(role, roles)
        if wanted != (role.get("rules") or []):
            # An aggregated role with nothing to aggregate shows "rules: null", as the controller leaves it.
            store.update("clusterroles", None, role["metadata"]["name"],
                         lambda current, rules=wanted: current.update(rules=rules or None))
            changed = True
    return changed


def aggregate(store: Store) -> None:
    """Bring every aggregated ClusterRole up to date (synchronously: the controller reacts at once)."""
    for _ in range(_MAX_PASSES):
        if not _one_pass(store):
            return
