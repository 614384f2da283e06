"""Label selectors in the apiserver's string syntax: =, ==, !=, in, notin, exists, !key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import errors

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|!=|=)\s*([A-Za-z0-9_.-]*)\s*$")


@dataclass(frozen=True)
class Requirement:
    """One term of a selector: key, operator (in, notin, exists, !), values."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: dict[str, str]) -> bool:
        """Whether a label set satisfies this term."""
        if self.op == "exists":
            return self.key in labels
        if self.op == "!":
            return self.key not in labels
        if self.op == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values  # notin: also true when the key is absent


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside a value set's parentheses."""
    terms, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [t for t in terms if t.strip()]


def _parse_term(term: str) -> Requirement:
    match = _EQ_RE.match(term)
    if match:
        key, op, value = match.groups()
        return Requirement(key, "notin" if op == "!=" else "in", frozenset({value}))
    match = _SET_RE.match(term)
    if not match:
        raise errors.bad_request(f"unable to parse requirement: {term.strip()!r}")
    bang, key, op, values = match.groups()
    if op:
        return Requirement(key, op, frozenset(v.strip() for v in values.split(",") if v.strip()))
    return Requirement(key, "!" if bang else "exists")


def parse(selector: str) -> list[Requirement]:
    """Parse a labelSelector query value; BadRequest for one the apiserver would refuse."""
    return [_parse_term(term) for term in _split_terms(selector or "")]


def matches(requirements: list[Requirement], labels: dict[str, str] | None) -> bool:
    """Whether labels satisfy every requirement (an empty selector matches everything)."""
    labels = labels or {}
    return all(r.matches(labels) for r in requirements)


def from_label_selector(selector: dict | None) -> str:
    """A metav1.LabelSelector (matchLabels, matchExpressions) in string form, as FormatLabelSelector."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator", "")
        values = ",".join(sorted(expr.get("values") or []))
        if op == "In":
            parts.append(f"{expr['key']} in ({values})")
        elif op == "NotIn":
            parts.append(f"{expr['key']} notin ({values})")
        elif op == "Exists":
            parts.append(expr["key"])
        elif op == "DoesNotExist":
            parts.append(f"!{expr['key']}")
    return ",".join(parts) if parts else "<none>"
