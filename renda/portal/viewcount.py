"""View counts (点击次数) that are exact without a database write per page view.

A view is counted in the cache that every app-server process shares (Redis in production,
the embedded mode's SQLite cache file otherwise, see renda.core.sharedcache) with an atomic
`incr` on the article's pending key. `flush()` moves pending counts into `Article.view_count` in batches: it reads the
pending figure n, takes exactly n off with an atomic `decr` (views arriving meanwhile stay
pending) and adds n to the row with one `UPDATE … SET view_count = view_count + n`.
Nothing is lost between readers, flushers and the periodic job. Pages show the database
figure plus what is pending.

Each client (address + user agent, hashed) counts once per article per window
(`RENDA_PORTAL_VIEW_WINDOW_SECONDS`), so reloading or flooding adds nothing; known bots
are not counted when `RENDA_PORTAL_EXCLUDE_BOTS` is on.

The serving process also flushes an article when its pending figure reaches
`RENDA_PORTAL_VIEW_BATCH` or its last flush is older than `RENDA_PORTAL_VIEW_FLUSH_SECONDS`
(one flusher at a time per article, by a cache `add` lock), so that the figure in the
database stays close to the truth between two runs of the periodic job. That inline flush
is best effort: when the database is locked or gone, the views stay pending and the page
is served anyway.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, transaction
from django.db.models import F

from renda.portal.models import Article

log = logging.getLogger(__name__)

PENDING = "portal:views:pending:{}"
SEEN = "portal:views:seen:{}:{}"
FLUSH_LOCK = "portal:views:flushlock:{}"
BOT_PATTERN = re.compile(
    r"bot\b|bot/|spider|crawler|crawl|slurp|bingpreview|facebookexternalhit|curl/|wget/"
    r"|python-requests|httpclient|go-http-client|scrapy|headlesschrome|phantomjs",
    re.IGNORECASE,
)

_touched: set[int] = set()  # articles counted by this process (flushed at exit)


def _counts():  # noqa: ANN202
    """The cache of pending counts and flush locks (settings CACHES["portal_views"])."""
    return caches["portal_views"] if "portal_views" in settings.CACHES else cache


def _window() -> int:
    return int(getattr(settings, "RENDA_PORTAL_VIEW_WINDOW_SECONDS", 1800))


def _batch() -> int:
    return int(getattr(settings, "RENDA_PORTAL_VIEW_BATCH", 50))


def _flush_seconds() -> int:
    return int(getattr(settings, "RENDA_PORTAL_VIEW_FLUSH_SECONDS", 30))


def is_bot(user_agent: str) -> bool:
    if not getattr(settings, "RENDA_PORTAL_EXCLUDE_BOTS", True):
        return False
    return not user_agent or bool(BOT_PATTERN.search(user_agent))


def client_key(address: str, user_agent: str) -> str:
    """A client, hashed: no raw address in the cache."""
    return hashlib.sha256(f"{address}|{user_agent}".encode()).hexdigest()[:32]


def _incr(key: str) -> int:
    # add() then incr(): both atomic in Redis and in the shared SQLite cache (one statement
    # or one write transaction each), so concurrent first views cannot overwrite each other.
    counts = _counts()
    if counts.add(key, 1, timeout=None):
        return 1
    try:
        return counts.incr(key)
    except ValueError:  # the key vanished in between (cache cleared): start again
        if counts.add(key, 1, timeout=None):
            return 1
        return counts.incr(key)


def record_view(article_id: int, client: str) -> bool:
    """Count one view of the article by `client` (see client_key); False if this client
    was already counted in the window. No database access."""
    if not cache.add(SEEN.format(article_id, client), 1, timeout=_window()):
        return False
    pending = _incr(PENDING.format(article_id))
    _touched.add(article_id)
    # Flush when a batch is full, or when no flush happened for a while (the add()
    # succeeds only once per period): at most a few UPDATEs per article and period.
    if pending >= _batch() or _counts().add(FLUSH_LOCK.format(article_id), 1, _flush_seconds()):
        _flush_quietly(article_id)
    return True


def _flush_quietly(article_id: int) -> None:
    """The inline flush of a page view: a locked or lost database must not fail the page
    (flush_article has given the views back; the next flush moves them)."""
    try:
        flush_article(article_id)
    except DatabaseError:
        log.warning("view counts of article %s stay pending: database unavailable", article_id)


def pending(article_id: int) -> int:
    return int(_counts().get(PENDING.format(article_id)) or 0)


def pending_many(article_ids: Iterable[int]) -> dict[int, int]:
    ids = list(article_ids)
    found = _counts().get_many([PENDING.format(i) for i in ids])
    return {i: int(found.get(PENDING.format(i)) or 0) for i in ids}


def flush_article(article_id: int) -> int:
    """Move the article's pending views into the database; returns how many moved.

    One flusher per article at a time (a cache add() is the lock): two flushers reading
    the same pending n would otherwise both take n off and both add n to the row."""
    counts = _counts()
    if not counts.add(FLUSH_LOCK.format(article_id) + ":run", 1, timeout=10):
        return 0
    try:
        key = PENDING.format(article_id)
        n = int(counts.get(key) or 0)
        if n <= 0:
            return 0
        # Take exactly n: views counted after the get() stay pending.
        counts.decr(key, n)
        try:
            with transaction.atomic():
                Article.objects.filter(pk=article_id).update(view_count=F("view_count") + n)
        except Exception:
            _incr_by(key, n)  # give them back: counted later instead of lost
            raise
        return n
    except ValueError:  # the key vanished between get and decr (cache cleared)
        return 0
    finally:
        counts.delete(FLUSH_LOCK.format(article_id) + ":run")


def _incr_by(key: str, n: int) -> None:
    if not _counts().add(key, n, timeout=None):
        _counts().incr(key, n)


def maybe_flush(article_id: int) -> None:
    """Called when the figure is read: flush if the last flush is old enough."""
    if pending(article_id) and _counts().add(FLUSH_LOCK.format(article_id), 1, _flush_seconds()):
        _flush_quietly(article_id)


def flush(article_ids: Iterable[int] | None = None, chunk: int = 500) -> int:
    """Flush every article with pending views (the periodic job). Articles are scanned
    by id in chunks with one multi-get each; returns the number of views moved."""
    if article_ids is None:
        ids = list(
            Article.objects.filter(published_at__isnull=False)
            .order_by("id")
            .values_list("id", flat=True)
        )
    else:
        ids = list(article_ids)
    moved = 0
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        for article_id, n in pending_many(part).items():
            if n:
                moved += flush_article(article_id)
    return moved


def shown_count(article: Article) -> int:
    """The figure the page shows: the database count plus what is still pending."""
    return article.view_count + pending(article.pk)


@atexit.register
def _flush_at_exit() -> None:  # pragma: no cover - process shutdown
    # Needed only with a per-process cache (a test's local-memory cache): the shared stores
    # keep pending counts after the process ends, and writing them now does no harm.
    if not _touched:
        return
    try:
        flush(sorted(_touched))
    except Exception:
        log.exception("could not flush view counts at exit")
