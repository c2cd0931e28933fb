"""The seed's appraisal (issue 6, "Done when"): 24 district deputies, 4 deputy mayors and 12
department heads rated by the deputies present, with result sheets; idempotent."""

from __future__ import annotations

import io

from django.core.management import call_command

from renda.appraisals import sheets
from renda.appraisals.models import MeetingStatus, Rectification, ReviewMeeting
from renda.ballots import services as ballots
from renda.ballots.models import Elector, PollStatus


def test_demo_rates_16_officials_and_24_district_deputies_by_the_deputies_present(demo):
    officials, deputies, rereview = ReviewMeeting.objects.filter(congress=demo).order_by("id")
    assert officials.status == MeetingStatus.PUBLISHED
    assert officials.reporters.filter(official__post="副镇长").count() == 4
    assert officials.reporters.exclude(official__post="副镇长").count() == 12
    assert deputies.status == MeetingStatus.CLOSED and deputies.reporters.count() == 24
    for meeting in (officials, deputies):
        poll = meeting.poll
        assert poll.result["ballots"] == 54
        assert Elector.objects.filter(poll=poll, present=True).count() == 54
        assert ballots.recount(poll)[0]
        assert all(r.grade for r in meeting.reporters.all())
    assert officials.poll.status == PollStatus.PUBLISHED
    assert rereview.status == MeetingStatus.SCHEDULED and rereview.rereview_of == officials
    assert rereview.reporters.get().rereview_of.lowest
    assert Rectification.objects.filter(reporter__meeting=officials).exists()


def test_demo_result_sheets_open_with_the_frozen_figures(demo):
    from openpyxl import load_workbook

    meeting = ReviewMeeting.objects.filter(congress=demo).order_by("id").first()
    book = load_workbook(io.BytesIO(sheets.meeting_xlsx(meeting))).active
    values = {str(c.value) for row in book.iter_rows() for c in row if c.value is not None}
    assert meeting.poll.export_sha256 in values
    for reporter in meeting.reporters.all():
        assert reporter.name in values


def test_demo_appraisals_are_idempotent(demo):
    before = (ReviewMeeting.objects.count(), Elector.objects.count())
    call_command("seed_demo", quiet_accounts=True)
    assert (ReviewMeeting.objects.count(), Elector.objects.count()) == before
