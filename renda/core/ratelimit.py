"""Fixed-window counters in the cache that every process shares: Redis in production, the
embedded mode's SQLite cache file otherwise (renda.core.sharedcache). Both make `add` and
`incr` atomic across processes, so N app-server workers see one count, not N.

Two ways to use them:
- `exceeded(...)` before the action, `hit(...)` after it (count only what matters, e.g.
  wrong lookups): exact for requests that follow one another; a burst of simultaneous
  requests may pass the check together before any of them counts.
- `attempt(...)`: count first, then allow only the first `limit` events of the window,
  exact even for simultaneous requests.
"""

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


def clear(scope: str, identity: str) -> None:
    """Start the identity's count again (e.g. the tries of a code that was replaced)."""
    cache.delete(_key(scope, identity))


def exceeded(scope: str, identities: list[str], limit: int) -> bool:
    if not settings.RENDA_RATE_LIMITS:
        return False
    return any(count(scope, i) >= limit for i in identities if i)


def attempt(scope: str, identities: list[str], limit: int, window: int) -> bool:
    """Count one event for each identity; True while every identity is within its first
    `limit` events of the window. The count and the decision are one atomic increment, so
    simultaneous requests from several processes are allowed exactly `limit` times."""
    if not settings.RENDA_RATE_LIMITS:
        return True
    allowed = True
    for identity in identities:
        if identity and hit(scope, identity, window) > limit:
            allowed = False
    return allowed
