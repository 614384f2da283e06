"""Object name rules of the apiserver's validation: DNS-1123 label, DNS-1123 subdomain, path segment."""

from __future__ import annotations

import re

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_RULES = {
    "label": (_LABEL, 63, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
              "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used "
              "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"),
    "subdomain": (_SUBDOMAIN, 253, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                  "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
                  "'example.com', regex used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"),
}


def problems(rule: str, name: str) -> list[str]:
    """What is wrong with a name under ``rule`` ("label", "subdomain" or "path-segment", which is
    ValidatePathSegmentName: RBAC names such as ``system:basic-user``); empty when nothing is."""
    if rule == "path-segment":
        found = [f"may not be '{name}'"] if name in (".", "..") else []
        return found + [f"may not contain '{char}'" for char in "/%" if char in name]
    pattern, longest, text = _RULES[rule]
    return [] if pattern.match(name) and len(name) <= longest else [text]
