"""Fixed-window counters in the cache that every process shares: Redis in production, the
embedded mode's SQLite cache file otherwise (renda.core.sharedcache). Both make `add` and
`incr` atomic across processes, so N app-server workers see one count, not N.

Public forms count through a reservation, exact even when simultaneous requests arrive
at several processes: `reserve(...)` counts the event first (one atomic increment per
identity) and says whether it is within the limit; a refused event gives its count back at
once, and a caller that only limits failures (wrong codes, unknown tickets) gives the count
back when the event turns out fine (`Reservation.refund()`). `attempt(...)` is a reservation
kept whatever happens. `exceeded(...)` only reads (e.g. whether to show a captcha).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

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


@dataclass
class Reservation:
    """One event counted against each identity's window; `allowed` says whether every
    identity was within its limit. A refused reservation has already given its counts back."""

    scope: str
    allowed: bool
    identities: list[str] = field(default_factory=list)

    def refund(self) -> None:
        """Give the counts back (the event did not happen, or is not one the limit counts)."""
        for identity in self.identities:
            try:
                cache.decr(_key(self.scope, identity))
            except ValueError:  # the window expired meanwhile: nothing to give back
                pass
        self.identities = []


def reserve(scope: str, identities: list[str], limit: int, window: int) -> Reservation:
    """Count one event for each identity, first; allowed while every identity is within its
    first `limit` events of the window. The count and the decision are one atomic increment,
    so simultaneous requests from several processes are allowed exactly `limit` times."""
    present = [i for i in identities if i]
    if not settings.RENDA_RATE_LIMITS:
        return Reservation(scope, True)
    counts = [hit(scope, identity, window) for identity in present]
    reservation = Reservation(scope, all(n <= limit for n in counts), present)
    if not reservation.allowed:
        reservation.refund()  # a refused event does not count
    return reservation


def attempt(scope: str, identities: list[str], limit: int, window: int) -> bool:
    """A reservation that is kept: True for the first `limit` events of the window."""
    return reserve(scope, identities, limit, window).allowed
