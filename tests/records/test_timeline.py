"""The service record collects every module's events: records made through each module's
own services appear as entries of the right kind, with their evidence page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max
from django.test import Client
from django.utils import timezone, translation

from renda.activities import services as activities
from renda.activities.models import ActivityKind
from renda.appraisals import services as appraisals
from renda.appraisals.models import MeetingKind
from renda.ballots import services as ballots
from renda.ballots.models import Method, Scale
from renda.cases.models import Category
from renda.congress.models import Deputy, Session
from renda.core.errors import DomainError
from renda.records import services
from renda.records.kinds import Kind
from renda.stations import services as stations
from renda.stations.models import ContactKind, StationMember
from renda.suggestions import services as suggestions

pytestmark = pytest.mark.django_db


def _entries(rec, kind):  # noqa: ANN001, ANN202
    return [e for e in rec.entries if e.kind == kind]


def _past_shift(station, deputy, staff):  # noqa: ANN001, ANN202
    """An extra shift on a past day the station is open (the first such day back)."""
    today = timezone.localdate()
    for back in range(1, 60):
        try:
            return stations.add_shift(
                station,
                date=today - dt.timedelta(days=back),
                start_time=dt.time(14, 0),
                end_time=dt.time(16, 45),
                deputies=[deputy],
                acting_user=staff,
            )
        except DomainError:
            continue
    raise AssertionError("no open day for an extra shift")


def test_every_module_s_records_become_entries(qh):
    year = timezone.localdate().year
    today = timezone.localdate()
    me = qh.me
    before = services.record(me, qh.congress, year)
    other = (
        services.town_deputies(qh.congress)
        .exclude(pk=me.pk)
        .filter(memberships__congress=qh.congress)
        .first()
    )

    # stations: a missed duty, a visit to the constituency.
    seat = StationMember.objects.get(deputy=me, congress=qh.congress, until__isnull=True)
    shift = _past_shift(seat.station, me, qh.staff)
    stations.mark_missed(shift.duties.get(deputy=me), acting_user=qh.staff)
    visit = stations.log_contact(
        qh.congress,
        deputy=me,
        kind=ContactKind.CONSTITUENCY,
        date=today,
        summary="走访选区群众，听取对道路维修的意见",
        acting_user=me.user,
    )

    # suggestions: co-signed (the lead is the chair, also a deputy).
    lead_user = qh.leader
    category = Category.objects.filter(congress=qh.congress).first()
    suggestion = suggestions.raise_suggestion(
        acting_user=lead_user,
        congress=qh.congress,
        category=category,
        title="关于增设镇区公交站点的建议",
        content="镇区东部居民出行不便，建议增设公交站点。",
        cosigners=[me],
        submit=True,
    )
    suggestions.respond_to_invitation(suggestion, acting_user=me.user, accept=True)

    # ballots: a poll of a session of the year, present and voting.
    session = (
        Session.objects.filter(term__congress=qh.congress, start_date__year=year).first()
        or Session.objects.filter(term__congress=qh.congress).first()
    )
    poll = ballots.create_poll(
        congress=qh.congress,
        title="关于镇财政预算的决议",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["决议草案"],
        allow_abstain=True,
        acting_user=qh.staff,
    )
    ballots.open_poll(poll, electorate=[(me.user, me, True)], acting_user=qh.staff)
    (item,) = poll.subjects.values_list("id", flat=True)
    ballots.cast_online(poll, voter=me.user, choices={item: "yes"})

    # appraisals: a deputies' review meeting where the deputy reports.
    meeting = appraisals.create_meeting(
        congress=qh.congress,
        title="代表向选民述职会",
        kind=MeetingKind.DEPUTIES,
        held_on=today,
        place="镇会议室",
        acting_user=qh.staff,
    )
    reporter = appraisals.add_reporter(
        meeting, report_title="我的履职报告", deputy=me, acting_user=qh.staff
    )

    # activities: a training attended, an inspection missed without leave.
    training = activities.create_activity(
        congress=qh.congress,
        kind=ActivityKind.TRAINING,
        topic="代表履职能力培训",
        starts_on=today,
        hours=3,
        acting_user=qh.staff,
    )
    activities.invite(training, [me], acting_user=qh.staff)
    activities.announce(training, acting_user=qh.staff)
    activities.mark_attendance(training, present=[me], acting_user=qh.staff)
    missed = activities.create_activity(
        congress=qh.congress,
        kind=ActivityKind.SURVEY,
        topic="农村养老服务专题调研",
        starts_on=today,
        acting_user=qh.staff,
    )
    activities.invite(missed, [me, other], acting_user=qh.staff)
    activities.announce(missed, acting_user=qh.staff)
    activities.mark_attendance(missed, present=[other], acting_user=qh.staff)
    activities.mark_held(missed, acting_user=qh.staff)

    with translation.override("en"):
        rec = services.record(me, qh.congress, year)
    keys = {e.key: e for e in rec.entries}
    duty = keys[f"stations.duty:{shift.duties.get(deputy=me).pk}"]
    assert duty.kind == Kind.DUTY_MISSED and duty.evidence_url.endswith(f"/{seat.station_id}/")
    assert keys[f"stations.contact:{visit.pk}"].kind == Kind.CONSTITUENCY_VISIT
    cosigned = keys[f"suggestions.suggestion:{suggestion.pk}"]
    assert cosigned.kind == Kind.SUGGESTION_COSIGNED and cosigned.role == "Co-signer"
    assert cosigned.evidence_url == f"/office/suggestions/{suggestion.pk}/"
    vote = keys[f"ballots.poll:{poll.pk}"]
    assert vote.kind == Kind.VOTE
    # Participation only: nothing of the choice is in the entry.
    assert "yes" not in f"{vote.title}{vote.outcome}{vote.explanation}".lower()
    assert keys[f"appraisals.reporter:{reporter.pk}"].kind == Kind.APPRAISAL_REPORT
    trained = [e for e in _entries(rec, Kind.TRAINING) if e.title == "代表履职能力培训"]
    assert len(trained) == 1 and trained[0].evidence_url == f"/office/activities/{training.pk}/"
    absent = _entries(rec, Kind.ACTIVITY_ABSENT)
    assert [e.title for e in absent] == ["农村养老服务专题调研"]
    # The other deputy took part in the survey: an inspection entry, not an absence.
    theirs = services.record(other, qh.congress, year)
    assert "农村养老服务专题调研" in [e.title for e in _entries(theirs, Kind.INSPECTION)]
    assert "农村养老服务专题调研" not in [e.title for e in _entries(theirs, Kind.ACTIVITY_ABSENT)]

    # Each new kind counted once more than before; the demo's own entries are still there.
    for kind in (
        Kind.DUTY_MISSED,
        Kind.CONSTITUENCY_VISIT,
        Kind.SUGGESTION_COSIGNED,
        Kind.VOTE,
        Kind.APPRAISAL_REPORT,
        Kind.TRAINING,
        Kind.ACTIVITY_ABSENT,
    ):
        assert rec.count(kind) == before.count(kind) + 1, kind
    for kind in (Kind.DUTY_HELD, Kind.RECEPTION, Kind.MATTER, Kind.SUGGESTION_LED, Kind.INSPECTION):
        assert rec.count(kind) >= 1, kind
    del session


def test_each_entry_links_to_an_evidence_page_the_office_can_open(qh):
    rec = services.record(qh.me, qh.congress, timezone.localdate().year)
    client = Client()
    client.force_login(qh.staff)
    urls = {e.evidence_url for e in rec.entries if e.evidence_url}
    assert len(urls) >= 5
    for url in sorted(urls):
        assert client.get(url).status_code == 200, url
    assert all(e.evidence_url for e in rec.entries)


def test_the_deputy_s_own_links_open_for_the_deputy(qh):
    rec = services.record(qh.me, qh.congress, timezone.localdate().year)
    client = Client()
    client.force_login(qh.me.user)
    for url in sorted({e.own_url for e in rec.entries if e.own_url}):
        assert client.get(url).status_code == 200, url


def test_session_attendance_and_absence_come_from_the_session_s_electorate(qh):
    year = timezone.localdate().year
    # A new session of the year, with no poll yet: the demo puts every deputy of the
    # congress on the electorates of its own sessions, so none of them could be absent there.
    term = qh.congress.terms.get(is_current=True)
    today = timezone.localdate()
    session = Session.objects.create(
        term=term,
        ordinal=(term.sessions.aggregate(n=Max("ordinal"))["n"] or 0) + 1,
        start_date=today,
        end_date=today,
    )
    other = (
        Deputy.objects.filter(memberships__congress=qh.congress, user__isnull=True)
        .exclude(pk=qh.me.pk)
        .first()
    )
    assert other is not None
    poll = ballots.create_poll(
        congress=qh.congress,
        session=session,
        title="选举结果的决议",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["决议草案"],
        acting_user=qh.staff,
    )
    ballots.open_poll(
        poll, electorate=[(qh.me.user, qh.me, True), (None, other, False)], acting_user=qh.staff
    )
    mine = services.record(qh.me, qh.congress, year)
    theirs = services.record(other, qh.congress, year)
    assert f"ballots.session:{session.pk}" in {
        e.key for e in mine.entries if e.kind == Kind.SESSION_ATTENDED
    }
    absent = [e for e in theirs.entries if e.kind == Kind.SESSION_ABSENT]
    assert [e.key for e in absent] == [f"ballots.session:{session.pk}"]
    assert absent[0].points < 0  # a deduction under the default table
