"""Portal test helpers: the district site with a sub-site per town, channels, and a
helper that writes, reviews and publishes an article through the services."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from renda.portal import services
from renda.portal.models import Article, Channel, ChannelKind, LinkPlacement, Site, SiteLink


@pytest.fixture
def portal_world(world):  # noqa: ANN001, ANN201
    from django.core.cache import caches

    caches["portal_views"].clear()  # pending view counts of an earlier test's article ids
    root = Site.objects.create(
        congress=world.c_district,
        slug="linxi",
        name="临溪区人大",
        header_title="临溪区人民代表大会常务委员会欢迎您!",
        footer_text="主办：临溪区人大常委会",
        approver_roles="leader,admin",
    )
    site_a = Site.objects.create(
        congress=world.c_a,
        parent=root,
        slug="qinghe",
        name="清河镇人大",
        header_title="清河镇人民代表大会主席团欢迎您!",
        position=1,
    )
    site_b = Site.objects.create(
        congress=world.c_b,
        parent=root,
        slug="fenglin",
        name="枫林镇人大",
        header_title="枫林镇人民代表大会主席团欢迎您!",
        position=2,
    )
    for position, label in enumerate(["全国人大", "省人大", "市人大", "区政府"]):
        SiteLink.objects.create(
            site=root, label=label, url=f"https://example.gov.cn/{position}/", position=position
        )
    SiteLink.objects.create(
        site=root, label="联系我们", url="https://example.gov.cn/c/", placement=LinkPlacement.FOOTER
    )
    towns = Channel.objects.create(
        site=root, slug="towns", name="乡镇人大", kind=ChannelKind.SUBSITES, position=1
    )
    world.portal = SimpleNamespace(
        root=root,
        site_a=site_a,
        site_b=site_b,
        root_news=Channel.objects.create(site=root, slug="news", name="人大要闻", position=0),
        towns=towns,
        town_news=Channel.objects.create(
            site=root, slug="town-news", name="人大动态", parent=towns, position=2
        ),
        root_notices=Channel.objects.create(
            site=root, slug="notices", name="通知公告", kind=ChannelKind.NOTICES, position=3
        ),
        news_a=Channel.objects.create(site=site_a, slug="news", name="人大动态", position=0),
        deputies_a=Channel.objects.create(
            site=site_a, slug="deputies", name="代表风采", position=1
        ),
        news_b=Channel.objects.create(site=site_b, slug="news", name="人大动态", position=0),
    )
    return world


def write(
    world,
    *,
    site=None,
    channel=None,
    title="清河镇人大开展代表集中视察",
    body=None,
    user=None,
    **kw,
):  # noqa: ANN001, ANN003, ANN201
    site = site or world.portal.site_a
    return services.create_article(
        site=site,
        channel=channel or world.portal.news_a,
        acting_user=user or world.staff,
        title=title,
        body=body or "<p>镇人大主席团组织代表视察河道综合整治工作，听取群众意见。</p>",
        editor=kw.pop("editor", "周文静"),
        author=kw.pop("author", "孙文博"),
        source=kw.pop("source", "清河镇人大"),
        **kw,
    )


def publish(world, **kw) -> Article:  # noqa: ANN001, ANN003
    """Write, submit, review and approve an article of 清河镇 (staff writes and reviews,
    the leader approves)."""
    article = write(world, **kw)
    services.submit_article(article, acting_user=world.staff)
    services.review_article(article, acting_user=world.staff)
    services.approve_article(article, acting_user=world.leader)
    article.refresh_from_db()
    return article
