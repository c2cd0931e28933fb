"""One figure, one function (issue 14): a project batch's outcome reads the same on the
office's batch page, the public batch page, the presidium's announcement (公告) and the
ballot engine's own announcement of the poll — and all of them tell a project that passed
the threshold but fell beyond the places from one that did not pass.

The scenario: seven candidates for four places, fifteen deputies entitled, thirteen vote;
a project passes with more than half of all deputies (8 of 15). The fifth (8 yes) passes
but is beyond the places; the sixth (7 yes) has more than half of the ballots cast but not
of all deputies: the boundary."""

from __future__ import annotations

import lxml.html
import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.projects import services
from renda.projects.figures import year_figures
from renda.projects.models import CandidateOutcome, VoteBatch
from tests.fixtures.ballots import shares_of
from tests.fixtures.projects import vote

YES = [12, 11, 10, 9, 8, 7, 2]
SELECTED = _("Selected")
BEYOND = _("Passed the threshold, beyond the places")
NOT_PASSED = _("Threshold not reached")
EXPECTED = [SELECTED] * 4 + [BEYOND, NOT_PASSED, NOT_PASSED]


@pytest.fixture
def counted(year):
    staff = year.world.staff
    services.void_batch(year.batch, acting_user=staff, reason="改为七选四")
    batch = services.create_batch(
        session=year.first,
        title=f"{year.y}年民生实事项目票决（七选四）",
        places=4,
        ideas=year.feasible[:7],
        acting_user=staff,
    )
    services.publish_candidates(batch, acting_user=staff)
    services.open_vote(batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=batch.pk)
    vote(batch, year.deputies[:13], YES)  # two of the fifteen do not vote
    services.count_vote(batch, acting_user=staff, shares=shares_of(batch))
    services.announce_result(batch, acting_user=staff)
    batch.refresh_from_db()
    year.counted = batch
    year.titles = [c.idea.title for c in batch.candidates.order_by("order")]
    return year


def _cells(html: str, xpath: str) -> list[list[str]]:
    doc = lxml.html.fromstring(html)
    return [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        for tr in doc.xpath(xpath + "//tbody/tr")
    ]


def test_the_engine_counted_the_boundary_by_hand(counted):
    result = counted.counted.poll.result
    assert (result["electorate"], result["ballots"]) == (15, 13)
    assert {row["base"] for row in result["subjects"]} == {15}
    candidates = list(counted.counted.candidates.order_by("order"))
    assert [c.yes for c in candidates] == YES
    assert [c.passed for c in candidates] == [True] * 5 + [False, False]
    assert [c.outcome for c in candidates] == [CandidateOutcome.SELECTED] * 4 + [
        CandidateOutcome.NOT_SELECTED
    ] * 3
    assert year_figures(counted.world.c_a.pk, counted.y)["selected"] == 4


def test_batch_pages_and_announcements_tell_beyond_the_places_from_not_passed(client, counted):
    batch = counted.counted
    expected = dict(zip(counted.titles, EXPECTED, strict=True))

    # The office's batch page: the outcome is the last column.
    client.force_login(counted.world.staff)
    page = client.get(reverse("projects:batch", args=[batch.pk])).content.decode()
    office = {row[1]: row[-1] for row in _cells(page, '//table[contains(@class, "cases")]')}
    assert office == expected

    # The engine's announcement of the poll.
    page = client.get(reverse("ballots:announcement", args=[batch.poll_id])).content.decode()
    engine = {row[0]: row[-1] for row in _cells(page, '//table[contains(@class, "result-table")]')}
    assert engine == expected

    # The public batch page.
    client.logout()
    page = client.get(reverse("projects:public_batch", args=[batch.pk])).content.decode()
    rows = _cells(page, '//table[@id="candidates"]')
    public = {
        title: row[-1] for row in rows for title in counted.titles if row[1].startswith(title)
    }
    assert public == expected

    # The presidium's announcement (公告): each kind under its own heading.
    text = batch.announcement
    beyond = _("Passed the threshold but beyond the places, not selected:")
    failed = _("Threshold not reached, not selected:")
    assert beyond in text and failed in text
    selected_part, rest = text.split(beyond)
    beyond_part, failed_part = rest.split(failed)
    titles = counted.titles
    assert all(t in selected_part for t in titles[:4])
    assert titles[4] in beyond_part and titles[5] not in beyond_part
    assert titles[5] in failed_part and titles[6] in failed_part
    assert titles[4] not in failed_part
    assert str(CandidateOutcome.NOT_SELECTED.label) not in office.values()
    # The public page carries the same announcement.
    assert beyond in page and failed in page
