"""The office's poll list exports its page (renda.core.exports): the status tab's rows,
the page's header row, a Chinese file name (RFC 5987), an audit entry; another town's
polls never."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.ballots import services
from renda.ballots.models import Method, PollStatus, Scale
from renda.core.models import ActionLog
from tests.fixtures.ballots import approval_poll
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet


@pytest.mark.django_db
def test_the_poll_list_exports_the_pages_rows_within_the_town(world):
    mine = approval_poll(world)
    mine.title = "东塘草稿"
    mine.save(update_fields=["title"])
    theirs = services.create_poll(
        congress=world.c_b,
        title="枫林表决",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["枫林议程"],
        allow_abstain=True,
        acting_user=world.other_staff,
    )
    URL = reverse("ballots:office_list")  # noqa: N806
    client = client_for(world.staff)
    page = client.get(URL, {"status": PollStatus.DRAFT})
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    before = ActionLog.objects.filter(action="ballots.list_exported").count()
    response = client.get(URL, {"status": PollStatus.DRAFT, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    titles = [r[0] for r in rows[1:]]
    assert titles == [p.title for p in page.context["page"]] == ["东塘草稿"]
    assert theirs.title not in titles
    assert ActionLog.objects.filter(action="ballots.list_exported").count() == before + 1
    # Another status tab: no draft in it.
    closed = client.get(URL, {"status": PollStatus.CLOSED, "format": "xlsx"})
    assert sheet(closed)[1:] == []
