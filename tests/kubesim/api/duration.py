"""Ages as kubectl prints them (k8s.io/apimachinery/pkg/util/duration.HumanDuration)."""

from __future__ import annotations

from datetime import datetime

from . import meta


def human(seconds: float) -> str:
    """A duration approximated the way kubectl's AGE column shows it: 45s, 3m20s, 5h, 12d."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        return f"{minutes}m{secs % 60}s" if secs % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y{days}d" if days else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def since(stamp: str | None, now: datetime | None = None) -> str:
    """The age of a timestamp string; ``<unknown>`` when it is unset (translateTimestampSince)."""
    moment = meta.parse_time(stamp)
    if moment is None:
        return "<unknown>"
    return human(((now or meta.now()) - moment).total_seconds())
