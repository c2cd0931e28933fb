"""The office's review meetings list exports its page (renda.core.exports): the status
filter's rows, the page's header row, a Chinese file name (RFC 5987), an audit entry;
another town's meetings never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.appraisals import services
from renda.appraisals.models import MeetingKind, MeetingStatus
from renda.core.models import ActionLog
from tests.fixtures.appraisals import HELD_ON, make_meeting
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet


@pytest.mark.django_db
def test_the_meetings_list_exports_the_pages_rows_within_the_town(world, town):
    mine = make_meeting(world, town)
    theirs = services.create_meeting(
        congress=world.c_b,
        title="枫林镇副镇长述职评议会",
        kind=MeetingKind.OFFICIALS,
        held_on=HELD_ON,
        place="枫林镇政府",
        acting_user=world.other_staff,
    )
    url = reverse("appraisals:meetings")
    client = client_for(world.staff)
    query = {"status": mine.status}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    before = ActionLog.objects.filter(action="appraisals.list_exported").count()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    titles = [r[1] for r in rows[1:]]
    assert titles == [m.title for m in page.context["page"]] == [mine.title]
    assert rows[1][4] == 3  # its three reporters
    assert theirs.title not in titles
    assert ActionLog.objects.filter(action="appraisals.list_exported").count() == before + 1
    # Even asking for the other town by its id.
    other = client.get(url, {"congress": world.c_b.pk, "format": "xlsx"})
    assert sheet(other)[1:] == []
    other_status = [s for s in MeetingStatus.values if s != mine.status][0]
    assert sheet(client.get(url, {"status": other_status, "format": "xlsx"}))[1:] == []


@pytest.mark.django_db
def test_the_follow_ups_export_the_view_tabs_rectifications_within_the_town(world, town):
    from renda.appraisals.models import Rectification
    from tests.fixtures.appraisals import closed_meeting

    meeting = closed_meeting(world, town)
    owing = list(Rectification.objects.filter(reporter__meeting=meeting))
    assert owing  # the lowest-rated must rectify
    url = reverse("appraisals:follow_ups")
    client = client_for(world.staff)
    page = client.get(url, {"view": "all"})
    assert "format=xlsx" in page.content.decode()
    response = client.get(url, {"view": "all", "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[0] for r in rows[1:]] == [
        f"{i.reporter.name} {i.reporter.post}" for i in page.context["page"]
    ]
    assert {r[1] for r in rows[1:]} == {meeting.title} and len(rows) == len(owing) + 1
    assert (
        ActionLog.objects.filter(
            action="appraisals.follow_ups_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
    # 枫林镇's staff: none of 清河镇's rectifications.
    other = client_for(world.other_staff).get(url, {"view": "all", "format": "xlsx"})
    assert sheet(other)[1:] == []
