"""The office's review list of suggestions exports its page (renda.core.exports): the view
tab's and filters' rows, the page's header row, a Chinese file name (RFC 5987), an audit
entry; another town's staff never get this town's suggestions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.core.models import ActionLog
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet
from tests.suggestions.test_web import _accepted, _submitted


@pytest.mark.django_db
def test_the_review_list_exports_the_filtered_suggestions_within_the_town(cases_world):
    world = cases_world
    waiting = _submitted(world, title="关于增设路灯的建议")
    accepted = _accepted(world, title="关于修缮村道的建议")
    url = reverse("suggestions:office_list")
    client = client_for(world.staff)
    page = client.get(url, {"view": "review"})
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {"view": "review", "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[0] for r in rows[1:]] == [s.case.serial for s in page.context["page"]]
    assert [r[1] for r in rows[1:]] == [waiting.title]
    assert (
        ActionLog.objects.filter(
            action="suggestions.list_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
    every = client.get(url, {"view": "all", "q": "村道", "format": "xlsx"})
    assert [r[1] for r in sheet(every)[1:]] == [accepted.title]
    # 枫林镇's staff, even naming 清河镇: none of its suggestions.
    other = client_for(world.other_staff).get(
        url, {"view": "all", "congress": world.c_a.pk, "format": "xlsx"}
    )
    assert other.status_code in (200, 404)
    if other.status_code == 200:
        assert sheet(other)[1:] == []


@pytest.mark.django_db
def test_the_follow_ups_export_their_rows_within_the_town(cases_world):
    from renda.suggestions import services
    from tests.suggestions.test_web import _replied

    world = cases_world
    suggestion = _replied(world, reply_class="C")
    services.evaluate_suggestion(suggestion, acting_user=world.deputy_user, result="satisfied")
    url = reverse("suggestions:follow_ups")
    client = client_for(world.leader)
    page = client.get(url)
    assert "format=xlsx" in page.content.decode()
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[1] for r in rows[1:]] == [fu.case.serial for fu in page.context["page"]]
    assert [r[1] for r in rows[1:]] == [suggestion.case.serial] and rows[1][4] == "C"
    assert (
        ActionLog.objects.filter(
            action="suggestions.follow_ups_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
    other = client_for(world.other_staff).get(url, {"format": "xlsx"})
    assert other.status_code in (200, 404)
    if other.status_code == 200:
        assert sheet(other)[1:] == []


@pytest.mark.django_db
def test_the_assignment_meetings_export_their_rows_within_the_town(cases_world):
    import datetime as dt

    from renda.suggestions import services

    world = cases_world
    mine = services.create_meeting(
        congress=world.c_a,
        title="清河镇建议交办会",
        held_on=dt.date(2026, 4, 1),
        acting_user=world.staff,
    )
    theirs = services.create_meeting(
        congress=world.c_b,
        title="枫林镇建议交办会",
        held_on=dt.date(2026, 4, 2),
        acting_user=world.other_staff,
    )
    url = reverse("suggestions:meetings")
    client = client_for(world.staff)
    page = client.get(url)
    assert "format=xlsx" in page.content.decode()
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[1] for r in rows[1:]] == [m.title for m in page.context["page"]] == [mine.title]
    assert theirs.title not in [r[1] for r in rows[1:]]
    assert (
        ActionLog.objects.filter(
            action="suggestions.meetings_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
