"""What every public page of a site shows around its content: header, link bar, channel
navigation, footer, the breadcrumb, the display mode, and the quick links to the public
services. The site's frame is cached briefly (configuration changes show within
`CHROME_SECONDS`); articles and counts are never cached here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from renda.core import display
from renda.portal.models import Article, Channel, ChannelKind, LinkPlacement, Site, SiteLink

CHROME_SECONDS = 60

#: Quick links to the public services, by URL name: a link shows only if its URL exists,
#: so apps built later (stations, projects) appear once they are installed. Override with
#: settings.RENDA_PORTAL_SERVICE_LINKS (same shape).
SERVICE_LINKS: list[tuple[str, Any, Any]] = [
    ("opinions:index", _("Share an opinion"), _("Tell the congress about a problem")),
    ("opinions:track", _("Track my opinion"), _("With the ticket and check code")),
    ("stations:index", _("Liaison stations"), _("Find a station and this week's duty")),
    ("projects:public_index", _("Livelihood projects"), _("This year's projects and progress")),
    ("suggestions:published", _("Replies to suggestions"), _("Deputies' suggestions answered")),
]


def service_links() -> list[dict[str, Any]]:
    out = []
    for name, label, hint in getattr(settings, "RENDA_PORTAL_SERVICE_LINKS", SERVICE_LINKS):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # that app is not installed (yet)
        out.append({"name": name, "url": url, "label": label, "hint": hint})
    return out


def display_modes(request: HttpRequest) -> list[str]:
    return display.modes(request)


@dataclass
class Chrome:
    site: Site
    root: Site
    channels: list[Channel]
    bar_links: list[SiteLink]
    footer_links: list[SiteLink]
    subsites: list[Site]
    subsite_channel: Channel | None
    extra: dict[str, Any] = field(default_factory=dict)

    def context(self, request: HttpRequest) -> dict[str, Any]:
        modes = display_modes(request)
        return {
            "site": self.site,
            "root_site": self.root,
            "nav_channels": self.channels,
            "bar_links": self.bar_links,
            "footer_links": self.footer_links,
            "display_modes": modes,
            "display_class": " ".join(f"mode-{m}" for m in modes),
        }


def _load(site: Site) -> Chrome:
    root = site.parent if site.parent_id and site.parent else site
    channels = list(Channel.objects.filter(site=site, is_active=True).order_by("position", "id"))
    top = [c for c in channels if c.parent_id is None]
    for chan in top:
        chan.children_list = [c for c in channels if c.parent_id == chan.pk]  # type: ignore[attr-defined]
    links = list(SiteLink.objects.filter(site=root, is_active=True))
    subsites = list(Site.objects.filter(parent=root, is_active=True).order_by("position", "id"))
    subsite_channel = (
        Channel.objects.filter(site=root, kind=ChannelKind.SUBSITES, is_active=True)
        .order_by("position", "id")
        .first()
    )
    return Chrome(
        site=site,
        root=root,
        channels=top,
        bar_links=[link for link in links if link.placement == LinkPlacement.LINK_BAR],
        footer_links=[link for link in links if link.placement == LinkPlacement.FOOTER],
        subsites=subsites,
        subsite_channel=subsite_channel,
    )


def for_site(site: Site) -> Chrome:
    key = f"portal:chrome:{site.pk}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = _load(site)
        cache.set(key, chrome, CHROME_SECONDS)
    return chrome


def forget(site_ids: list[int]) -> None:
    cache.delete_many([f"portal:chrome:{pk}" for pk in site_ids])
    bump_generation()


GENERATION_KEY = "portal:generation"


def generation() -> int:
    """A number that changes whenever something is published, withdrawn or reconfigured:
    part of the key of cached pages, so that lists and previous/next links follow."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return int(value)


def bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, 2, timeout=None)


def _channel_path(channel: Channel) -> list[Channel]:
    path = [channel]
    node = channel
    while node.parent_id and len(path) < 4:
        node = node.parent  # type: ignore[assignment]
        path.insert(0, node)
    return path


def channel_crumbs(site: Site, channel: Channel | None) -> list[tuple[str, str]]:
    """首页 > [乡镇人大 > 清河镇人大 >] channel path, as (label, url) pairs."""
    root = site.parent if site.parent_id and site.parent else site
    crumbs = [(str(_("Home")), reverse("portal:site", args=[root.slug]))]
    if site.pk != root.pk:
        sub = for_site(root).subsite_channel
        if sub is not None:
            crumbs.append((sub.name, reverse("portal:channel", args=[root.slug, sub.slug])))
        crumbs.append((site.name, reverse("portal:site", args=[site.slug])))
    if channel is not None:
        for node in _channel_path(channel):
            crumbs.append((node.name, reverse("portal:channel", args=[site.slug, node.slug])))
    return crumbs


def article_crumbs(article: Article) -> list[tuple[str, str]]:
    return [
        *channel_crumbs(article.site, article.channel),
        (str(pgettext_lazy("breadcrumb", "Text")), ""),
    ]
