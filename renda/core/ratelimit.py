"""Fixed-window counters in the cache (Redis in production, shared by every app server)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]  # no raw IPs or phones in the cache
    return f"rl:{scope}:{digest}"


def count(scope: str, identity: str) -> int:
    return int(cache.get(_key(scope, identity), 0))


def hit(scope: str, identity: str, window: int) -> int:
    """Count one event; returns the number of events in the current window."""
    key = _key(scope, identity)
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def exceeded(scope: str, identities: list[str], limit: int) -> bool:
    if not settings.RENDA_RATE_LIMITS:
        return False
    return any(count(scope, i) >= limit for i in identities if i)
