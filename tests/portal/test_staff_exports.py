"""The portal office's article list and publicity figures export their pages (renda.core.
exports): the filtered rows, the list's header row, a Chinese file name (RFC 5987), an
audit entry; another town's articles never."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.core.models import ActionLog
from renda.portal import tables
from renda.portal.models import Article, ArticleStatus
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet
from tests.fixtures.portal import publish, write


@pytest.fixture
def articles(portal_world):  # noqa: ANN001, ANN201
    world = portal_world
    world.published = publish(world, title="清河镇人大开展代表集中视察")
    world.draft = write(world, title="清河镇代表培训草稿")
    world.theirs = write(
        world,
        site=world.portal.site_b,
        channel=world.portal.news_b,
        user=world.other_staff,
        title="枫林镇人大常委会动态",
        author="枫林作者",
    )
    Article.objects.filter(pk=world.theirs.pk).update(
        status=ArticleStatus.PUBLISHED, published_at=timezone.now()
    )
    return world


@pytest.mark.django_db
def test_the_article_list_exports_the_filtered_articles_within_the_town(articles):
    world = articles
    url = reverse("portal:staff_list")
    client = client_for(world.staff)
    query = {"status": ArticleStatus.PUBLISHED}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    titles = [r[0] for r in rows[1:]]
    assert titles == [a.title for a in page.context["page"]] == [world.published.title]
    assert ActionLog.objects.filter(
        action="portal.list_exported", congress_id=world.c_a.pk
    ).exists()
    # Every status, and the other town's site asked for by its id: never 枫林镇's article.
    every = [r[0] for r in sheet(client.get(url, {"format": "xlsx"}))[1:]]
    assert sorted(every) == sorted([world.published.title, world.draft.title])
    other_site = client.get(url, {"site": world.portal.site_b.pk, "format": "xlsx"})
    assert sheet(other_site)[1:] == []


@pytest.mark.django_db
def test_the_publicity_figures_export_the_pages_numbers_within_the_town(articles):
    world = articles
    url = reverse("portal:staff_figures")
    client = client_for(world.staff)
    year = timezone.localdate().year
    page = client.get(url, {"year": year})
    assert "format=xlsx" in page.content.decode()
    response = client.get(url, {"year": year, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == tables.FIGURES.headers
    total = rows[1]
    assert total[3] == page.context["totals"]["n"] == 1
    sites = [r[1] for r in rows[1:] if r[1]]
    assert "清河镇人大" in sites and "枫林镇人大" not in sites
    assert "枫林作者" not in [r[2] for r in rows[1:]]
    assert ActionLog.objects.filter(action="portal.figures_exported").count() == 1
