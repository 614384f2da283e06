"""Object name rules of the apiserver's validation: DNS-1123 label, DNS-1123 subdomain, path segment."""

from __future__ import annotations

import re

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
# (pattern, longest allowed, RegexError text) per rule, as k8s.io/apimachinery/pkg/util/validation words them.
_RULES = {
    "label": (re.compile(_LABEL_FMT), 63,
              "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
              "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
              f"validation is '{_LABEL_FMT}')"),
    "subdomain": (re.compile(_SUBDOMAIN_FMT), 253,
                  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                  "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                  f"validation is '{_SUBDOMAIN_FMT}')"),
}


def problems(rule: str, name: str) -> list[str]:
    """What is wrong with a name under ``rule`` ("label", "subdomain" or "path-segment", which is
    ValidatePathSegmentName: RBAC names such as ``system:basic-user``); empty when nothing is.

    As IsDNS1123Label/IsDNS1123Subdomain, a name too long and a name off the pattern are two problems.
    """
    if rule == "path-segment":
        found = [f"may not be '{name}'"] if name in (".", "..") else []
        return found + [f"may not contain '{char}'" for char in "/%" if char in name]
    pattern, longest, text = _RULES[rule]
    found = [f"must be no more than {longest} characters"] if len(name) > longest else []
    return found + ([] if pattern.fullmatch(name) else [text])
