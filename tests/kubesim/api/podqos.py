"""A pod's QoS class (qos.ComputePodQOS), comparing resource quantities by value, not by spelling."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

_SUFFIXES = {"m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
             "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18),
             "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
             "Pi": Fraction(2**50), "Ei": Fraction(2**60)}


def _quantity(value: Any) -> Fraction:
    """A resource.Quantity ("100m", "1Gi", "1e3", 2) as an exact number; unparsable is 0."""
    match = re.fullmatch(r"([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|([a-zA-Z]*))", str(value).strip())
    if not match or (match[3] or "") not in _SUFFIXES:
        return Fraction(0)
    try:
        number = Fraction(match[1])
    except ValueError:
        return Fraction(0)
    return number * (Fraction(10) ** int(match[2][1:]) if match[2] else _SUFFIXES[match[3]])


def qos_class(spec: dict) -> str:
    """BestEffort, Burstable or Guaranteed, from the cpu and memory requests and limits of the init and
    regular containers (summed per resource; "1" and "1000m" are the same amount)."""
    requests: dict[str, Fraction] = {}
    limits: dict[str, Fraction] = {}
    guaranteed = True
    for ctr in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        resources = ctr.get("resources") or {}
        for kind, total in (("requests", requests), ("limits", limits)):
            for name, value in (resources.get(kind) or {}).items():
                if name in ("cpu", "memory") and _quantity(value) > 0:
                    total[name] = total.get(name, Fraction(0)) + _quantity(value)
        found = {n for n, v in (resources.get("limits") or {}).items() if _quantity(v) > 0}
        guaranteed = guaranteed and {"cpu", "memory"} <= found
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"
