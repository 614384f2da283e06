"""Object metadata helpers: timestamps in the API's format, uids, generated names."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timezone

# The alphabet of k8s.io/apimachinery/pkg/util/rand.String: no vowels, no look-alike digits.
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def now() -> datetime:
    """The current time in UTC, whole seconds as metav1.Time keeps it."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, as metav1.Time serialises: ``2024-05-01T10:00:00Z``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp() -> str:
    """The current time as metav1.Time serialises it."""
    return format_time(now())


def parse_time(text: str | None) -> datetime | None:
    """A metav1.Time or MicroTime string back to a datetime; None for an empty value."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_uid() -> str:
    """A fresh object uid (a random UUID, as the apiserver makes)."""
    return str(uuid.uuid4())


def generated_name(prefix: str) -> str:
    """``generateName`` completed with five random characters, as the apiserver does."""
    return prefix + "".join(random.choice(_NAME_ALPHABET) for _ in range(5))
