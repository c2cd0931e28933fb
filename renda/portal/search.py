"""Chinese full-text search over the portal's own inverted index.

Indexing: title and text are segmented by the platform's one Chinese tokenizer
(`renda.core.text`: jieba with the congress's names and terms, search mode — every word and
its shorter dictionary words: "人大代表" gives "人大", "代表" and "人大代表"), latin text
lowercased, punctuation and function words dropped. A title term counts `TITLE_WEIGHT`
times. One `SearchPosting` row per (term, document) holds the frequency and the
document's length, so that ranking reads one covering index and nothing else.

Querying: the query is segmented in accurate mode; documents must hold every term (AND).
If none does, the finer search-mode terms are tried with OR. Ranking is Okapi BM25
(k1 = 1.2, b = 0.75), computed in Python over the query terms' postings (one indexed
read), so SQLite and PostgreSQL rank alike. Snippets are cut around the first hit, escaped, then marked.

The index is generic: a document is a content type + object id (articles, published
suggestion replies, anything a source registers in `renda/portal/sources.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from renda.core import text as chinese
from renda.portal.models import Channel, SearchDocument, SearchPosting, Site

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 12
MAX_TERM_CHARS = 40
STATS_KEY = "portal:search:stats"
#: Rankings are cached briefly (the first CACHED_HITS hits) under a key that holds the
#: publication generation: a publish or withdrawal makes new keys.
RESULTS_SECONDS = 60
CACHED_HITS = 200
STATS_SECONDS = 300


def index_terms(text: str) -> list[str]:
    """Terms of a text for the index (search mode: words and their sub-words)."""
    return [term[:MAX_TERM_CHARS] for term in chinese.tokens(text, search=True)]


def query_terms(query: str, *, fine: bool = False) -> list[str]:
    """Distinct terms of a query, in order; at most MAX_QUERY_TERMS."""
    text = chinese.normalise(query)[:MAX_QUERY_CHARS]
    terms = dict.fromkeys(term[:MAX_TERM_CHARS] for term in chinese.tokens(text, search=fine))
    return list(terms)[:MAX_QUERY_TERMS]


# --- keeping the index -----------------------------------------------------------------


@dataclass
class IndexEntry:
    """What a source gives the index for one public object."""

    kind: str
    title: str
    text: str
    url: str
    published_at: dt.datetime
    site: Site | None = None
    channel_ids: Sequence[int] = field(default_factory=list)


def index_object(obj: Any, entry: IndexEntry) -> SearchDocument:
    """Add or replace the object's document and postings (call inside the change's
    transaction: a rolled-back publication leaves no trace in the index)."""
    content_type = ContentType.objects.get_for_model(type(obj))
    counts: dict[str, int] = {}
    for term in index_terms(entry.title):
        counts[term] = counts.get(term, 0) + TITLE_WEIGHT
    for term in index_terms(entry.text):
        counts[term] = counts.get(term, 0) + 1
    length = max(1, sum(counts.values()))
    with transaction.atomic():
        document, _created = SearchDocument.objects.update_or_create(
            content_type=content_type,
            object_id=obj.pk,
            defaults={
                "kind": entry.kind,
                "title": entry.title[:200],
                "text": entry.text,
                "url": entry.url,
                "published_at": entry.published_at,
                "site": entry.site,
                "length": length,
            },
        )
        document.channels.set(list(entry.channel_ids))
        SearchPosting.objects.filter(document=document).delete()
        SearchPosting.objects.bulk_create(
            [
                SearchPosting(term=t, document=document, frequency=n, length=length)
                for t, n in counts.items()
            ],
            batch_size=500,
        )
    _index_changed()
    return document


def remove_object(obj: Any) -> None:
    content_type = ContentType.objects.get_for_model(type(obj))
    remove_ids(content_type, [obj.pk])


def remove_ids(content_type: ContentType, object_ids: Iterable[int]) -> int:
    _total, per_model = SearchDocument.objects.filter(
        content_type=content_type, object_id__in=list(object_ids)
    ).delete()
    _index_changed()
    return per_model.get(SearchDocument._meta.label, 0)


def _index_changed() -> None:
    """Forget the cached statistics and rankings: now (so this transaction's own reads
    see the change) and again on commit (so a ranking computed by another request before
    the commit is not kept under the new generation)."""

    def forget() -> None:
        from renda.portal.chrome import bump_generation

        cache.delete(STATS_KEY)
        bump_generation()

    forget()
    transaction.on_commit(forget)


# --- querying --------------------------------------------------------------------------


@dataclass
class Hit:
    document: SearchDocument
    score: float
    title: SafeString
    snippet: SafeString


@dataclass
class Results:
    query: str
    terms: list[str]
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    problem: str = ""  # "empty", "no_terms" (punctuation only) or ""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _stats() -> tuple[int, float]:
    """Documents in the index and their average length (BM25's N and avgdl), cached."""
    cached = cache.get(STATS_KEY)
    if cached is not None:
        return cached
    agg = SearchDocument.objects.aggregate(n=Count("id"), avg=Avg("length"))
    stats = (int(agg["n"] or 0), float(agg["avg"] or 1.0))
    cache.set(STATS_KEY, stats, STATS_SECONDS)
    return stats


def _filtered_documents(
    site: Site | None,
    channel: Channel | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    kind: str | None,
):  # noqa: ANN202
    docs = SearchDocument.objects.all()
    if site is not None:
        docs = docs.filter(site=site)
    if channel is not None:
        docs = docs.filter(
            Q(channels=channel) | Q(channels__parent=channel) | Q(channels__parent__parent=channel)
        )
    if date_from is not None:
        docs = docs.filter(published_at__date__gte=date_from)
    if date_to is not None:
        docs = docs.filter(published_at__date__lte=date_to)
    if kind:
        docs = docs.filter(kind=kind)
    return docs


def _ranked(
    terms: list[str], docs: Any, *, filtered: bool, require_all: bool
) -> list[tuple[float, int]] | None:
    """(score, document id) of the matching documents, best first; None if a required
    term is unknown. One read of the terms' postings (a covering index); BM25 in Python."""
    n_docs, avgdl = _stats()
    postings = SearchPosting.objects.filter(term__in=terms)
    rows = list(postings.values_list("document_id", "term", "frequency", "length"))
    frequencies: dict[str, int] = {}
    for _doc, term, _tf, _len in rows:
        frequencies[term] = frequencies.get(term, 0) + 1
    present = [t for t in terms if frequencies.get(t)]
    if not present or (require_all and len(present) < len(terms)):
        return None
    if filtered:
        allowed = set(docs.values_list("id", flat=True))
        rows = [r for r in rows if r[0] in allowed]
    idf = {
        t: math.log(1 + (n_docs - frequencies[t] + 0.5) / (frequencies[t] + 0.5)) for t in present
    }
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    for doc, term, tf, length in rows:
        norm = K1 * (1 - B + B * length / (avgdl or 1.0))
        scores[doc] = scores.get(doc, 0.0) + idf[term] * tf * (K1 + 1) / (tf + norm)
        matched[doc] = matched.get(doc, 0) + 1
    if require_all:
        need = len(present)
        scores = {d: v for d, v in scores.items() if matched[d] == need}
    return sorted(((v, d) for d, v in scores.items()), key=lambda p: (-p[0], -p[1]))


def _highlighter(terms: Sequence[str]) -> Callable[[str], SafeString]:
    # Single characters ("会") would light up half the text: mark words when there are any.
    terms = [t for t in terms if len(t) > 1] or list(terms)
    pattern = re.compile(
        "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE
    )

    def mark(text: str) -> SafeString:
        out: list[str] = []
        last = 0
        for match in pattern.finditer(text):
            out.append(escape(text[last : match.start()]))
            out.append(f"<mark>{escape(match.group(0))}</mark>")
            last = match.end()
        out.append(escape(text[last:]))
        return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)

    return mark


def snippet(text: str, terms: Sequence[str], width: int = 120) -> SafeString:
    """A window of `text` around the first hit, escaped, hits marked."""
    mark = _highlighter(terms)
    terms = [t for t in terms if len(t) > 1] or list(terms)
    lowered = text.lower()
    positions = [p for p in (lowered.find(t.lower()) for t in terms) if p >= 0]
    start = max(0, min(positions) - width // 4) if positions else 0
    window = text[start : start + width].replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(escape(prefix) + mark(window) + escape(suffix))  # noqa: S308


def search(
    query: str,
    *,
    site: Site | None = None,
    channel: Channel | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Results:
    query = (query or "").strip()[:MAX_QUERY_CHARS]
    page = max(1, page)
    if not query:
        return Results(query, [], [], 0, page, per_page, problem="empty")
    terms = query_terms(query)
    if not terms:
        return Results(query, [], [], 0, page, per_page, problem="no_terms")
    filters = (
        getattr(site, "pk", None),
        getattr(channel, "pk", None),
        date_from.isoformat() if date_from else "",
        date_to.isoformat() if date_to else "",
        kind or "",
    )
    offset = (page - 1) * per_page
    key = (
        "portal:search:"
        + hashlib.sha256(repr((terms, filters, _generation())).encode()).hexdigest()
    )
    cached = cache.get(key) if offset + per_page <= CACHED_HITS else None
    if cached is None:
        ranked, shown_terms = _rank(query, terms, site, channel, date_from, date_to, kind)
        total = len(ranked)
        if offset + per_page <= CACHED_HITS:
            cache.set(key, (ranked[:CACHED_HITS], shown_terms, total), RESULTS_SECONDS)
    else:
        ranked, shown_terms, total = cached
    if not total:
        return Results(query, terms, [], 0, page, per_page)
    rows = ranked[offset : offset + per_page]
    by_id = SearchDocument.objects.select_related("site").in_bulk([doc for _s, doc in rows])
    mark = _highlighter(shown_terms)
    hits = [
        Hit(
            document=by_id[doc],
            score=score,
            title=mark(by_id[doc].title),
            snippet=snippet(by_id[doc].text, shown_terms),
        )
        for score, doc in rows
        if doc in by_id
    ]
    # A document withdrawn since the ranking was cached is gone from in_bulk(): never shown.
    return Results(query, shown_terms, hits, total, page, per_page)


def _rank(
    query: str,
    terms: list[str],
    site: Site | None,
    channel: Channel | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    kind: str | None,
) -> tuple[list[tuple[float, int]], list[str]]:
    filtered = any(v is not None and v != "" for v in (site, channel, date_from, date_to, kind))
    docs = _filtered_documents(site, channel, date_from, date_to, kind)
    ranked = _ranked(terms, docs, filtered=filtered, require_all=True)
    if ranked:
        return ranked, terms
    fine = query_terms(query, fine=True)
    return _ranked(fine, docs, filtered=filtered, require_all=False) or [], fine


def _generation() -> int:
    from renda.portal.chrome import generation

    return generation()


def reindexed_counts() -> dict[str, int]:
    """Documents per kind (for the operations page and tests)."""
    return dict(
        SearchDocument.objects.values("kind").annotate(n=Count("id")).values_list("kind", "n")
    )


__all__ = [
    "Hit",
    "IndexEntry",
    "Results",
    "index_object",
    "index_terms",
    "query_terms",
    "remove_ids",
    "remove_object",
    "search",
    "snippet",
]
