"""krew's platform selectors: Kubernetes label selectors over the labels ``os`` and ``arch``.

Matching follows metav1.LabelSelectorAsSelector: every matchLabels pair and every matchExpression
must hold; operators In, NotIn, Exists, DoesNotExist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
KEYS = ("os", "arch")


def _expression_holds(expr: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    return (key in labels) == (op == "Exists")


def matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether ``selector`` (assumed valid: see ``problems``) selects ``labels``."""
    pairs = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    return all(labels.get(k) == v for k, v in pairs.items()) and all(
        _expression_holds(e, labels) for e in expressions
    )


def _expression_problems(expr: Mapping[str, Any]) -> list[str]:
    op, values = expr.get("operator"), expr.get("values") or []
    if op not in OPERATORS:
        return [f"{op!r} is not a valid label selector operator"]
    if op in ("In", "NotIn") and not values:
        return [f"operator {op} needs values"]
    if op in ("Exists", "DoesNotExist") and values:
        return [f"operator {op} takes no values"]
    return []


def problems(selector: Mapping[str, Any] | None) -> list[str]:
    """Why krew would refuse ``selector``: nil or empty, keys other than os and arch, malformed."""
    if selector is None:
        return ["nil selector is not supported"]
    pairs, expressions = selector.get("matchLabels"), selector.get("matchExpressions")
    if pairs is None and not expressions:
        return ["empty selector is not supported"]
    keys = [*(pairs or {}), *(e.get("key") for e in expressions or [])]
    found = [f"key {k!r} not supported (only os and arch)" for k in keys if k not in KEYS]
    if pairs is not None and not pairs:
        found.append("`matchLabels` specified but empty")
    if expressions is not None and not expressions:
        found.append("`matchExpressions` specified but empty")
    for expr in expressions or []:
        found += _expression_problems(expr)
    return found
