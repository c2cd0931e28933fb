"""The office's list of records and its .xlsx export read every source module in one batch:
the same number of queries for 3 deputies as for 12, each with entries of every kind; and
one figure, one function: a deputy's own page, the office's list, the export and the public
代表风采 counts agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.activities import services as activities
from renda.activities.models import ActivityKind, PresidiumMeeting, Role
from renda.appraisals import services as appraisals
from renda.appraisals.models import MeetingKind
from renda.ballots import services as ballots
from renda.ballots.models import Method, Scale
from renda.cases.models import Category
from renda.congress.models import Deputy, DeputyMembership, Session
from renda.core import documents
from renda.core.errors import DomainError
from renda.records import services
from renda.records.kinds import Kind
from renda.records.services.profiles import FIELDS
from renda.records.views.public import PUBLIC_KINDS
from renda.stations import services as stations
from renda.stations.models import ContactKind, PairingKind, Station, StationKind
from renda.suggestions import services as suggestions

pytestmark = pytest.mark.django_db


def _station(qh, code: str, deputies: Sequence[Deputy]):  # noqa: ANN001, ANN202
    """A new station of the town with these deputies seated in it (they move from theirs)."""
    station = stations.create_station(
        congress=qh.congress,
        kind=StationKind.AREA,
        parent=Station.objects.get(congress=qh.congress, kind=StationKind.CENTRAL),
        name=f"测试联络站{code}",
        code=code,
        address="清河镇测试路1号",
        acting_user=qh.staff,
    )
    for deputy in deputies:
        stations.assign_deputy(station, deputy, acting_user=qh.staff)
    return station


def _past_shift(station, deputies, staff):  # noqa: ANN001, ANN202
    """A shift of these deputies on the latest past day the station is open and none of
    them is on another shift."""
    today = timezone.localdate()
    for back in range(1, 90):
        try:
            return stations.add_shift(
                station,
                date=today - dt.timedelta(days=back),
                start_time=dt.time(14, 0),
                end_time=dt.time(16, 45),
                deputies=deputies,
                acting_user=staff,
            )
        except DomainError:
            continue
    raise AssertionError("no open day for an extra shift")


def _new_session(congress, day: dt.date) -> Session:  # noqa: ANN001
    term = congress.terms.get(is_current=True)
    ordinal = (term.sessions.aggregate(n=Max("ordinal"))["n"] or 0) + 1
    return Session.objects.create(term=term, ordinal=ordinal, start_date=day, end_date=day)


def _with_accounts(deputies: Sequence[Deputy]) -> None:
    """Suggestions and online votes are a deputy's own acts: each needs an account."""
    users = get_user_model().objects
    for deputy in deputies:
        if deputy.user_id is None:
            deputy.user = users.create_user(
                username=f"records-qc-{deputy.pk}", password="pw-for-tests-1", name=deputy.name
            )
            deputy.save(update_fields=["user"])


def _raise(deputy, category, title, cosigners, motion=False):  # noqa: ANN001, ANN202
    return suggestions.raise_suggestion(
        acting_user=deputy.user,
        congress=category.congress,
        category=category,
        title=title,
        content=f"{title}：{deputy.name}代表根据选民意见提出。",
        is_motion=motion,
        cosigners=cosigners,
        submit=True,
    )


def _every_kind(qh, station, deputies: list[Deputy]) -> None:  # noqa: ANN001, C901
    """Give each deputy at least one entry of every kind, through each module's services."""
    staff, congress = qh.staff, qh.congress
    today = timezone.localdate()
    _with_accounts(deputies)

    # stations: a duty held, a duty missed, a reception with a matter each, both contacts,
    # an industry contact point activity.
    held = _past_shift(station, deputies, staff)
    for duty in held.duties.all():
        stations.confirm_attendance(duty, acting_user=staff)
    missed = _past_shift(station, deputies, staff)
    for duty in missed.duties.all():
        stations.mark_missed(duty, acting_user=staff)
    category = Category.objects.filter(congress=congress).first()
    reception = stations.record_reception(
        station, date=today, deputies=deputies, acting_user=staff, visitor_count=3
    )
    for deputy in deputies:
        stations.add_matter(
            reception,
            category=category,
            content=f"村道路灯损坏，请{deputy.name}代表反映",
            deputy=deputy,
            acting_user=staff,
        )
        pairing = stations.create_pairing(
            congress,
            kind=PairingKind.VOTERS,
            deputy=deputy,
            household="张家",
            acting_user=staff,
        )
        stations.log_contact(
            congress,
            deputy=deputy,
            kind=ContactKind.PAIRING,
            pairing=pairing,
            date=today,
            summary="走访联系户，了解生产生活情况",
            acting_user=staff,
        )
        stations.log_contact(
            congress,
            deputy=deputy,
            kind=ContactKind.CONSTITUENCY,
            date=today,
            summary="回选区听取选民对村道维修的意见",
            acting_user=staff,
        )
    point = stations.create_industry_point(
        congress,
        name="测试商会联络点",
        host="清河镇商会",
        sector="商贸",
        deputies=deputies,
        acting_user=staff,
    )
    stations.record_industry_activity(
        point, date=today, title="走访商户听取营商环境意见", deputies=deputies, acting_user=staff
    )

    # suggestions: each deputy leads a suggestion co-signed by the next and a motion.
    for i, deputy in enumerate(deputies):
        cosigner = deputies[(i + 1) % len(deputies)]
        suggestion = _raise(deputy, category, f"关于改善第{i + 1}片区排水设施的建议", [cosigner])
        suggestions.respond_to_invitation(suggestion, acting_user=cosigner.user, accept=True)
        _raise(deputy, category, f"关于制定第{i + 1}片区垃圾分类办法的议案", [], motion=True)

    # ballots: a session attended with a vote, a session missed.
    for present, day in ((True, today), (False, today - dt.timedelta(days=1))):
        poll = ballots.create_poll(
            congress=congress,
            session=_new_session(congress, day),
            title="关于镇财政预算的决议" if present else "关于镇人大工作报告的决议",
            method=Method.APPROVAL,
            scale=Scale.APPROVAL,
            subjects=["决议草案"],
            allow_abstain=True,
            acting_user=staff,
        )
        ballots.open_poll(
            poll, electorate=[(d.user, d, present) for d in deputies], acting_user=staff
        )
        if present:
            (item,) = poll.subjects.values_list("id", flat=True)
            for deputy in deputies:
                ballots.cast_online(poll, voter=deputy.user, choices={item: "yes"})

    # appraisals: each deputy reports at a deputies' review meeting.
    meeting = appraisals.create_meeting(
        congress=congress,
        title="代表向选民述职会",
        kind=MeetingKind.DEPUTIES,
        held_on=today,
        place="镇会议室",
        acting_user=staff,
    )
    for deputy in deputies:
        appraisals.add_reporter(
            meeting, report_title=f"{deputy.name}的履职报告", deputy=deputy, acting_user=staff
        )

    # activities: a survey and a training attended, a survey missed without leave, and a
    # presidium meeting's participation (another activity).
    for kind, topic, present in (
        (ActivityKind.SURVEY, "农村养老服务专题调研", True),
        (ActivityKind.TRAINING, "代表履职能力培训", True),
        (ActivityKind.SURVEY, "农村饮水安全专题调研", False),
    ):
        activity = activities.create_activity(
            congress=congress, kind=kind, topic=topic, starts_on=today, hours=2, acting_user=staff
        )
        activities.invite(activity, deputies, acting_user=staff)
        activities.announce(activity, acting_user=staff)
        activities.mark_attendance(activity, present=deputies if present else [], acting_user=staff)
        activities.mark_held(activity, acting_user=staff)
    presidium = PresidiumMeeting.objects.filter(congress=congress).first()
    for deputy in deputies:
        activities.record_participation(
            deputy,
            presidium,
            congress_id=congress.pk,
            kind="presidium_meeting",
            role=Role.PARTICIPANT,
            on=today,
            title=presidium.title,
            acting_user=staff,
        )


def _members(qh, n: int) -> list[Deputy]:  # noqa: ANN001
    """`n` serving deputies of the town's congress (who may lead and co-sign), not qh.me."""
    serving = DeputyMembership.objects.active_on().filter(
        congress=qh.congress, term__is_current=True
    )
    return list(
        services.town_deputies(qh.congress)
        .filter(pk__in=serving.values("deputy_id"))
        .exclude(pk=qh.me.pk)[:n]
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_office_list_and_export_take_as_many_queries_for_3_deputies_as_for_12(qh):
    year = timezone.localdate().year
    town = _members(qh, 15)
    few, many = town[:3], town[3:15]
    assert len(many) == 12
    small, big = _station(qh, "QC3", few), _station(qh, "QC12", many)
    _every_kind(qh, small, few)
    _every_kind(qh, big, many)

    client = Client()
    client.force_login(qh.staff)
    counts = {}
    for name, station, listed in (("few", small, few), ("many", big, many)):
        query = f"?congress={qh.congress.pk}&year={year}&station={station.pk}"
        rows = services.office_rows(qh.congress, year, station_id=station.pk)
        assert {r.deputy.pk for r in rows} == {d.pk for d in listed}
        for row in rows:  # every kind, for every deputy listed
            assert {e.kind for e in row.record.entries} == set(Kind.values), row.deputy.name
        client.get(reverse("records:office") + query)  # warm the per-process caches
        counts[name] = (
            _queries(client, reverse("records:office") + query),
            _queries(client, reverse("records:export") + query),
        )
    assert counts["few"] == counts["many"], counts


def _figures(rec: services.Record) -> tuple:
    return rec.total, [(c.kind, c.count, c.points, c.shortfall) for c in rec.counts]


def test_one_figure_the_deputy_pages_the_list_the_export_and_the_public_counts_agree(qh):
    """The office's list builds every record in one batch; the deputy's pages build one.
    Both go through the same function, so each figure is the same wherever it is shown."""
    year = timezone.localdate().year
    public = [qh.me, *_members(qh, 2)]
    _with_accounts(public)
    for deputy in public:  # the deputy's own choice to appear, with their counts
        services.set_profile(
            deputy, qh.congress, values=dict.fromkeys(FIELDS, True), acting_user=deputy.user
        )
    _every_kind(qh, _station(qh, "QCP", public), public)
    rows = {r.deputy.pk: r for r in services.office_rows(qh.congress, year)}

    staff = Client()
    staff.force_login(qh.staff)
    query = {"congress": qh.congress.pk, "year": year}
    sheet = documents.open_xlsx(staff.get(reverse("records:export"), query).content).worksheets[0]
    header, *lines = list(sheet.iter_rows(values_only=True))
    exported = {line[1]: dict(zip(header, line, strict=True)) for line in lines}
    assert len(exported) == len(rows)  # names are unique in the demo town
    for row in rows.values():
        line = exported[row.deputy.name]
        assert (line["名次"], line["积分"]) == (row.rank, row.record.total)
        counts = {c.kind: c.count for c in row.record.counts}
        assert [line[str(k.label)] for k in Kind] == [counts.get(k, 0) for k in Kind]

    for deputy in public:
        row = rows[deputy.pk]
        assert {e.kind for e in row.record.entries} == set(Kind.values)
        assert _figures(services.record(deputy, qh.congress, year)) == _figures(row.record)
        page = staff.get(reverse("records:deputy", args=[qh.congress.pk, deputy.pk]), query)
        assert _figures(page.context["rec"]) == _figures(row.record)
        assert [(e.key, e.points) for e in page.context["rec"].entries] == [
            (e.key, e.points) for e in row.record.entries
        ]
        shown = Client().get(reverse("records:public_page", args=[qh.congress.pk, deputy.pk]))
        assert shown.context["counts"] == [
            (Kind(k).label, row.record.count(k)) for k in PUBLIC_KINDS
        ]
        assert all(n > 0 for _label, n in shown.context["counts"])

    own = Client()
    own.force_login(qh.me.user)
    mine = own.get(reverse("records:mine"), query)
    assert _figures(mine.context["rec"]) == _figures(rows[qh.me.pk].record)
