"""The portal office's article list and publicity figures as tables (renda.core.exports):
each page's rows for a user and its query string (within the sites the user reads), its
columns declared once (the list's header row and the sheet), and its export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.core.exports import Column, Export, Table, register
from renda.portal import services, viewcount
from renda.portal.models import Article, ArticleStatus

ARTICLES = Table(
    _("Portal articles"),
    (
        Column(_("Title"), "title", 40),
        Column(_("Site"), "site.name", 18),
        Column(_("Channel"), "channel.name", 16),
        Column(_("Status"), "get_status_display", 12),
        Column(_("Written by"), lambda a: str(a.created_by) if a.created_by_id else "", 14),
        Column(_("Published"), "published_at", 18),
    ),
)


def article_rows(user: Any, params: QueryDict | dict) -> QuerySet[Article]:
    """The staff list's articles under its status, site and text filters."""
    qs = services.staff_articles(user, str(params.get("status") or "")).select_related(
        "site", "channel", "created_by"
    )
    site_id = str(params.get("site") or "")
    if site_id.isdigit():
        qs = qs.filter(site_id=int(site_id))
    text = str(params.get("q") or "").strip()[:60]
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(author__icontains=text))
    return qs.order_by("-updated_at", "-id")


def _article_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(article_rows(user, params).values_list("site__congress_id", flat=True)))


def year_of(params: QueryDict | dict) -> int:
    value = str(params.get("year") or "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return timezone.localdate().year


def published(user: Any, year: int) -> Any:
    zone = timezone.get_current_timezone()
    return Article.objects.visible_to(user, "portal.view").filter(
        published_at__gte=dt.datetime(year, 1, 1, tzinfo=zone),
        published_at__lt=dt.datetime(year + 1, 1, 1, tzinfo=zone),
        status=ArticleStatus.PUBLISHED,
    )


def figures(user: Any, year: int) -> dict[str, Any]:
    """The publicity figures of a year: published articles and their views per site,
    channel, author and month, and the totals (the page and its sheet read these)."""
    articles = published(user, year)
    # The figure is read: move what is pending in the cache into the rows first.
    viewcount.flush(articles.values_list("id", flat=True))
    per = {"n": Count("id", distinct=True), "views": Sum("view_count")}
    return {
        "by_site": articles.values("site__name").annotate(**per).order_by("-n", "site__name"),
        "by_channel": articles.values("site__name", "channel__name")
        .annotate(**per)
        .order_by("site__name", "-n", "channel__name"),
        "by_author": articles.exclude(author="")
        .values("site__name", "author")
        .annotate(**per)
        .order_by("-n", "author"),
        "by_month": articles.annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(**per)
        .order_by("month"),
        "totals": articles.aggregate(**per),
    }


FIGURES = Table(
    _("Publicity figures"),
    (
        Column(_("Breakdown"), lambda r: r[0], 14),
        Column(_("Site"), lambda r: r[1], 18),
        Column(_("Item"), lambda r: r[2], 20),
        Column(_("Articles"), lambda r: r[3], 10),
        Column(_("Views"), lambda r: r[4], 10),
    ),
)


def figure_rows(user: Any, params: QueryDict | dict) -> list[tuple[Any, ...]]:
    """The figures page's four tables as rows of one sheet, the year's totals first."""
    data = figures(user, year_of(params))
    totals = data["totals"]
    rows: list[tuple[Any, ...]] = [
        (_("Total"), "", str(year_of(params)), totals["n"] or 0, totals["views"] or 0)
    ]
    rows += [(_("By site"), r["site__name"], "", r["n"], r["views"] or 0) for r in data["by_site"]]
    rows += [
        (_("By month"), "", f"{r['month']:%Y-%m}", r["n"], r["views"] or 0)
        for r in data["by_month"]
    ]
    rows += [
        (_("By channel"), r["site__name"], r["channel__name"], r["n"], r["views"] or 0)
        for r in data["by_channel"]
    ]
    rows += [
        (_("By author"), r["site__name"], r["author"], r["n"], r["views"] or 0)
        for r in data["by_author"]
    ]
    return rows


def _figure_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(published(user, year_of(params)).values_list("site__congress_id", flat=True)))


register(
    Export(
        "portal.articles",
        ARTICLES,
        article_rows,
        _("Portal articles"),
        "portal.list_exported",
        _article_congress_ids,
    )
)
register(
    Export(
        "portal.figures",
        FIGURES,
        figure_rows,
        _("Publicity figures"),
        "portal.figures_exported",
        _figure_congress_ids,
    )
)
