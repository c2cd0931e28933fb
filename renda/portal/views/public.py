"""The public portal: home, channel lists, article pages (with print view), RSS per
channel, search, the large-text / high-contrast switch, and the files of published
articles. Readable without JavaScript; nothing here needs an account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from renda.congress import policy
from renda.core import display as core_display
from renda.core import uploads
from renda.core.requestcontext import client_ip
from renda.portal import chrome, search, services, viewcount
from renda.portal.models import (
    Article,
    ArticleAttachment,
    BodyImage,
    Channel,
    ChannelKind,
    Site,
)
from renda.portal.sanitize import clean_html

PAGE_SIZE = 15
HOME_PER_CHANNEL = 6
DISPLAY_COOKIE = core_display.COOKIE
DISPLAY_MODES = core_display.MODES


def _site_or_404(slug: str) -> Site:
    return get_object_or_404(
        Site.objects.filter(is_active=True).select_related("congress", "parent"), slug=slug
    )


def _channel_tree_ids(channel: Channel) -> list[int]:
    """The channel and its descendants (channel trees are at most three levels deep)."""
    return [channel.pk] + list(
        Channel.objects.filter(
            Q(parent=channel) | Q(parent__parent=channel), is_active=True
        ).values_list("id", flat=True)
    )


def _listing():  # noqa: ANN202
    return (
        Article.objects.public()
        .select_related("site", "channel")
        .only(
            "id",
            "title",
            "summary",
            "published_at",
            "is_pinned",
            "cover",
            "site__slug",
            "site__name",
            "site__parent_id",
            "channel__name",
            "channel__slug",
        )
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The main site's home (the first active site without a parent)."""
    site = (
        Site.objects.filter(is_active=True, parent__isnull=True)
        .select_related("congress", "parent")
        .order_by("position", "id")
        .first()
    )
    if site is None:
        raise Http404
    return _site_home(request, site)


@require_GET
def site_home(request: HttpRequest, slug: str) -> HttpResponse:
    return _site_home(request, _site_or_404(slug))


def _site_home(request: HttpRequest, site: Site) -> HttpResponse:
    page = chrome.for_site(site)
    blocks = []
    notices = []
    for channel in page.channels:
        if not channel.show_on_home:
            continue
        ids = [channel.pk] + [c.pk for c in channel.children_list]  # type: ignore[attr-defined]
        articles = _listing().filter(channels__in=ids).distinct()
        if channel.kind == ChannelKind.SUBSITES:
            articles = _listing().filter(
                Q(channels__in=ids) | Q(site__parent=site, site__is_active=True)
            )
            articles = articles.distinct()
        latest = list(articles.order_by("-is_pinned", "-published_at", "-id")[:HOME_PER_CHANNEL])
        if channel.kind == ChannelKind.NOTICES:
            notices.append((channel, latest))
        else:
            blocks.append((channel, latest))
    headline = (
        _listing().filter(site=site).exclude(cover="").order_by("-is_pinned", "-published_at")[:1]
    )
    return render(
        request,
        "portal/public/home.html",
        {
            **page.context(request),
            "blocks": blocks,
            "notices": notices,
            "headline": next(iter(headline), None),
            "services": chrome.service_links(),
            "subsites": page.subsites,
        },
    )


@require_GET
def channel(request: HttpRequest, slug: str, channel_slug: str) -> HttpResponse:
    site = _site_or_404(slug)
    chan = get_object_or_404(
        Channel.objects.filter(site=site, is_active=True).select_related("parent"),
        slug=channel_slug,
    )
    ids = _channel_tree_ids(chan)
    articles = _listing().filter(channels__in=ids)
    if chan.kind == ChannelKind.SUBSITES:
        articles = _listing().filter(Q(channels__in=ids) | Q(site__parent=site))
    articles = articles.distinct().order_by("-is_pinned", "-published_at", "-id")
    page_obj = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    page = chrome.for_site(site)
    return render(
        request,
        "portal/public/channel.html",
        {
            **page.context(request),
            "channel": chan,
            "page": page_obj,
            "params": request.GET,
            "crumbs": chrome.channel_crumbs(site, chan),
            "subsites": page.subsites if chan.kind == ChannelKind.SUBSITES else [],
        },
    )


def _public_article(pk: int) -> Article:
    """A published article; a draft, one in review, scheduled, withdrawn or unknown are
    all alike: 404."""
    return get_object_or_404(
        Article.objects.public()
        .select_related("site__parent", "site__congress", "channel__parent__parent")
        .prefetch_related(
            "tags",
            Prefetch(
                "attachments",
                queryset=ArticleAttachment.objects.filter(is_active=True).only(
                    "id", "name", "size", "article_id"
                ),
                to_attr="shown_attachments",
            ),
        ),
        pk=pk,
    )


def _neighbours(article: Article) -> tuple[Article | None, Article | None]:
    """Previous (older) and next (newer) article of the main channel."""
    same = Article.objects.public().filter(channels=article.channel_id).only("id", "title")
    assert article.published_at is not None  # noqa: S101 (public() guarantees it)
    older = (
        same.filter(
            Q(published_at__lt=article.published_at)
            | Q(published_at=article.published_at, id__lt=article.pk)
        )
        .order_by("-published_at", "-id")
        .first()
    )
    newer = (
        same.filter(
            Q(published_at__gt=article.published_at)
            | Q(published_at=article.published_at, id__gt=article.pk)
        )
        .order_by("published_at", "id")
        .first()
    )
    return older, newer


def _count_view_of(request: HttpRequest, pk: int) -> int:
    """Count this reader (unless a bot); returns the article's pending views."""
    agent = request.headers.get("User-Agent", "")[:300]
    if not viewcount.is_bot(agent):
        viewcount.record_view(pk, viewcount.client_key(client_ip(request) or "", agent))
    return viewcount.pending(pk)


VIEWS_MARK = "\u2063views\u2063"  # replaced in the cached page by the live figure
PAGE_SECONDS = 60


@require_GET
def article(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page. Visibility and the view count are read on every request; the
    rest of the page is cached per version of the article and publication generation
    (any publish or withdrawal anywhere changes it: previous/next links follow)."""
    # A draft, one in review, scheduled, withdrawn or unknown: all alike, 404.
    row = get_object_or_404(
        Article.objects.public().values("id", "updated_at", "view_count"), pk=pk
    )
    counted = _count_view_of(request, pk)
    views = row["view_count"] + counted
    key = "portal:page:{}:{}:{}:{}:{}".format(
        request.get_full_path(),
        row["updated_at"].timestamp(),
        chrome.generation(),
        get_language(),
        ".".join(chrome.display_modes(request)),
    )
    html = cache.get(key)
    if html is None:
        item = _public_article(pk)
        older, newer = _neighbours(item)
        page = chrome.for_site(item.site)
        html = render_to_string(
            "portal/public/article.html",
            {
                **page.context(request),
                "article": item,
                "body": clean_html(item.body),  # cleaned when saved; again, in depth
                "views": VIEWS_MARK,
                "older": older,
                "newer": newer,
                "crumbs": chrome.article_crumbs(item),
            },
            request=request,
        )
        cache.set(key, html, PAGE_SECONDS)
    return HttpResponse(html.replace(VIEWS_MARK, str(views)))


@require_GET
def article_print(request: HttpRequest, pk: int) -> HttpResponse:
    item = _public_article(pk)
    return render(
        request,
        "portal/public/print.html",
        {
            "article": item,
            "body": clean_html(item.body),
            "views": viewcount.shown_count(item),
            "site": item.site,
        },
    )


@require_GET
def cover(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = _public_article(pk)
    if not item.cover:
        raise Http404
    response = uploads.serve(
        item.cover, content_type=item.cover_type, filename=item.cover.name, inline=True
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(
        ArticleAttachment.objects.filter(is_active=True, article__in=Article.objects.public())
        .select_related("article")
        .only(
            "id",
            "file",
            "name",
            "content_type",
            "article__id",
            "article__status",
            "article__site_id",
        ),
        pk=pk,
    )
    return uploads.serve(item.file, content_type=item.content_type, filename=item.name)


@require_GET
def image(request: HttpRequest, pk: int) -> Any:  # a file, or a redirect to stored media
    """A picture of an article's body: public once a published article shows it; before
    that, only to the site's back office (another congress's: 404)."""
    item = get_object_or_404(BodyImage.objects.select_related("site"), pk=pk)
    public = item.site.is_active and services.body_image_is_public(item)
    if not public and not (
        getattr(request.user, "is_authenticated", False)
        and policy.can_read(request.user, "portal.view", item.site)
    ):
        raise Http404
    response = uploads.serve(
        item.file, content_type=item.content_type, filename=item.file.name, inline=True
    )
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[: search.MAX_QUERY_CHARS * 4]
    sites = list(Site.objects.filter(is_active=True).order_by("position", "id"))
    site = next((s for s in sites if s.slug == request.GET.get("site")), None)
    chan = None
    channel_id = request.GET.get("channel") or ""
    if site is not None and channel_id.isdigit():
        chan = Channel.objects.filter(site=site, pk=int(channel_id), is_active=True).first()
    page_no = request.GET.get("page") or "1"
    results = search.search(
        query,
        site=site,
        channel=chan,
        date_from=_date(request.GET.get("from")),
        date_to=_date(request.GET.get("to")),
        page=int(page_no) if page_no.isdigit() and len(page_no) < 6 else 1,
    )
    main = site or next((s for s in sites if s.parent_id is None), None)
    if main is None:
        raise Http404
    page = chrome.for_site(main)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "portal/public/search.html",
        {
            **page.context(request),
            "results": results,
            "sites": sites,
            "chosen_site": site,
            "chosen_channel": chan,
            "site_channels": Channel.objects.filter(site=site, is_active=True) if site else [],
            "params": params.urlencode(),
            "form": {
                "q": query,
                "from": request.GET.get("from", ""),
                "to": request.GET.get("to", ""),
            },
        },
    )


@require_GET
def display(request: HttpRequest) -> HttpResponseRedirect:
    """The large-text / high-contrast switch (renda.core.display, shared by every public
    page): a plain link that sets a cookie, so it works without JavaScript."""
    return core_display.switch(request, default_next=reverse("portal:home"))


class ChannelFeed(Feed):
    """RSS 2.0 of a channel's latest articles."""

    def get_object(self, request: HttpRequest, slug: str, channel_slug: str) -> Channel:  # type: ignore[override]
        return get_object_or_404(
            Channel.objects.filter(
                site__slug=slug, site__is_active=True, is_active=True
            ).select_related("site"),
            slug=channel_slug,
        )

    def title(self, obj: Channel) -> str:
        return f"{obj.site.name} · {obj.name}"

    def link(self, obj: Channel) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Channel) -> str:
        return obj.site.header_title

    def items(self, obj: Channel) -> Any:
        return (
            _listing()
            .filter(channels__in=_channel_tree_ids(obj))
            .distinct()
            .order_by("-published_at", "-id")[:20]
        )

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_pubdate(self, item: Article) -> dt.datetime | None:
        return item.published_at


channel_feed = ChannelFeed()
