"""Fixed-window counters in the cache that every process shares: Redis in production, the
embedded mode's SQLite cache file otherwise (renda.core.sharedcache). Both make `add` and
`incr` atomic across processes, so N app-server workers see one count, not N.

Public forms count through a reservation, exact even when simultaneous requests arrive
at several processes: `reserve(...)` counts the event first (one atomic increment per
identity) and says whether it is within the limit; a refused event gives its count back at
once, and a caller that only limits failures (wrong codes, unknown tickets) gives the count
back when the event turns out fine (`Reservation.refund()`). `attempt(...)` is a reservation
kept whatever happens. `exceeded(...)` only reads (e.g. whether to show a captcha).

Redis down (production): the counters cannot be read or counted, so the limits fail
closed. `reserve`/`attempt`/`count`/`exceeded` raise the store's error, which answers
the 503 page "the check that protects this form is unavailable" (renda.core.busy) before
the form acts — except `exceeded` while a page is only shown (GET: the form renders, its
POST fails closed); giving counts back and clearing them are skipped (a count left
standing only makes the limit stricter).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from renda.core.busy import is_database_unavailable
from renda.core.rediscache import strict

log = logging.getLogger(__name__)


def _key(scope: str, identity: str) -> str:
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]  # no raw IPs or phones in the cache
    return f"rl:{scope}:{digest}"


def count(scope: str, identity: str) -> int:
    return int(strict(cache).get(_key(scope, identity), 0))


def hit(scope: str, identity: str, window: int) -> int:
    """Count one event; returns the number of events in the current window."""
    key = _key(scope, identity)
    store = strict(cache)
    if store.add(key, 1, timeout=window):
        return 1
    try:
        return store.incr(key)
    except ValueError:  # expired between add and incr
        store.add(key, 1, timeout=window)
        return 1


def clear(scope: str, identity: str) -> None:
    """Start the identity's count again (e.g. the tries of a code that was replaced)."""
    try:
        strict(cache).delete(_key(scope, identity))
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        log.warning("rate-limit store unavailable: count of %s not cleared", scope)


def exceeded(scope: str, identities: list[str], limit: int) -> bool:
    if not settings.RENDA_RATE_LIMITS:
        return False
    try:
        return any(count(scope, i) >= limit for i in identities if i)
    except Exception as exc:
        if not is_database_unavailable(exc) or not _rendering_only():
            raise
        # A page that only shows a form (GET) still renders; its POST fails closed.
        log.warning("rate-limit store unavailable: %s not read for a page view", scope)
        return False


def _rendering_only() -> bool:
    from renda.core.requestcontext import current_request

    request = current_request.get()
    return request is not None and request.method in ("GET", "HEAD")


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
                strict(cache).decr(_key(self.scope, identity))
            except ValueError:  # the window expired meanwhile: nothing to give back
                pass
            except Exception as exc:
                if not is_database_unavailable(exc):
                    raise
                log.warning("rate-limit store unavailable: count of %s kept", self.scope)
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
