"""The presidium's meetings list exports its page (renda.core.exports): the year's meetings
of the page's congress, the page's header row, a Chinese file name (RFC 5987), an audit
entry; another town's meetings never."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from renda.activities.services import presidium
from renda.core.models import ActionLog
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet


@pytest.mark.django_db
def test_the_presidium_meetings_export_the_years_meetings_within_the_town(world):
    this = presidium.create_meeting(
        congress=world.c_a,
        title="主席团第三次会议",
        held_on=dt.date(2026, 3, 5),
        acting_user=world.staff,
    )
    presidium.create_meeting(
        congress=world.c_a,
        title="主席团去年的会议",
        held_on=dt.date(2025, 3, 5),
        acting_user=world.staff,
    )
    theirs = presidium.create_meeting(
        congress=world.c_b,
        title="枫林镇主席团会议",
        held_on=dt.date(2026, 3, 6),
        acting_user=world.other_staff,
    )
    url = reverse("activities:meetings")
    client = client_for(world.staff)
    page = client.get(url, {"year": 2026})
    assert "format=xlsx" in page.content.decode()
    response = client.get(url, {"year": 2026, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[1] for r in rows[1:]] == [m.title for m in page.context["meetings"]] == [this.title]
    assert (
        ActionLog.objects.filter(
            action="activities.meetings_exported", congress_id=world.c_a.pk
        ).count()
        == 1
    )
    other = client.get(url, {"year": 2026, "congress": world.c_b.pk, "format": "xlsx"})
    assert theirs.title not in [r[1] for r in sheet(other)[1:]]
