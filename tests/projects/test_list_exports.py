"""The reserve pool and the vote batches export their pages (renda.core.exports): the
filtered rows, the page's header row, a Chinese file name (RFC 5987), an audit entry;
another town's ideas and batches never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.core.models import ActionLog
from renda.projects import services
from renda.projects.models import IdeaSource, IdeaStatus
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet


@pytest.mark.django_db
def test_the_reserve_pool_exports_the_filtered_ideas_within_the_town(year):
    world = year.world
    theirs = services.propose_idea(
        congress=world.c_b,
        title="枫林镇农贸市场改造",
        description="枫林镇农贸市场改造，群众反映强烈。",
        source=IdeaSource.STATION,
        acting_user=world.other_staff,
        source_reference="reception:2026-0501",
    )
    url = reverse("projects:office")
    client = client_for(world.staff)
    query = {"status": IdeaStatus.EXCLUDED}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    before = ActionLog.objects.filter(action="projects.ideas_exported").count()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    excluded = [i.serial for i in year.ideas if i.title not in {f.title for f in year.feasible}]
    assert [r[0] for r in rows[1:]] == [i.serial for i in page.context["page"]]
    assert sorted(r[0] for r in rows[1:]) == sorted(excluded) and excluded
    assert (
        ActionLog.objects.filter(action="projects.ideas_exported", congress_id=world.c_a.pk).count()
        == before + 1
    )
    # The other town's idea, even asked for by the town's id: never in 清河镇's sheet.
    every = client.get(url, {"congress": world.c_b.pk, "format": "xlsx"})
    titles = [r[1] for r in sheet(every)[1:]]
    assert theirs.title not in titles and len(titles) == len(year.ideas)


@pytest.mark.django_db
def test_the_vote_batches_export_their_rows_within_the_town(year):
    world = year.world
    url = reverse("projects:batches")
    client = client_for(world.staff)
    page = client.get(url)
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert len(rows) == 2 and year.batch.title in rows[1][1] and rows[1][4] == len(year.feasible)
    assert ActionLog.objects.filter(action="projects.batches_exported").count() == 1
    # 枫林镇's staff: none of 清河镇's batches.
    other = client_for(world.other_staff).get(url, {"congress": world.c_a.pk, "format": "xlsx"})
    assert other.status_code in (200, 404)
    if other.status_code == 200:
        assert sheet(other)[1:] == []
