"""Liaison stations: network, seating, rosters and rotation, attendance and QR check-in,
the .ics feed, receptions and their dispositions through the case engine, the QR-prefilled
opinion form, dual contact, industry points, permissions and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import Assignment, Case, CaseSource, CaseStatus
from renda.congress.models import Deputy, DeputyMembership, Gender
from renda.core.errors import DomainError
from renda.core.models import Holiday
from renda.stations import rules as r
from renda.stations import services
from renda.stations.models import (
    ContactKind,
    Disposition,
    DutyAssignment,
    DutyShift,
    DutyStatus,
    PairingKind,
    ReceptionMatter,
    RuleKind,
    StaffRole,
    Station,
    StationCase,
    StationKind,
    StationMember,
    StationStaff,
)
from renda.suggestions import services as suggestions


@pytest.fixture(autouse=True)
def _english():
    """Errors are matched by their English source text."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def net(cases_world):
    w = cases_world
    w.center = services.create_station(
        congress=w.c_a,
        kind=StationKind.CENTRAL,
        name="清河中心站",
        code="center",
        address="人民路1号",
        grade="high",
        acting_user=w.staff,
    )
    w.point = services.create_station(
        congress=w.c_a,
        kind=StationKind.AREA,
        parent=w.center,
        name="河东片区站",
        code="area-1",
        address="东塘村",
        villages=[w.village_a],
        acting_user=w.staff,
    )
    StationStaff.objects.create(station=w.center, role=StaffRole.HEAD, name="站长", user=w.station)
    w.deputies = [w.deputy_a]
    for i in range(5):
        d = Deputy.objects.create(
            name=f"代表{i}", gender=Gender.MALE, phone=f"1390000010{i}", residence=w.village_a
        )
        DeputyMembership.objects.create(deputy=d, term=w.term_a, start_date=w.term_a.start_date)
        w.deputies.append(d)
    for d in w.deputies:
        services.assign_deputy(w.center, d, acting_user=w.staff)
    return w


def _today():
    return timezone.localdate()


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


# --- network and seating -------------------------------------------------------------------


def test_coverage_counts_stations_and_villages(net):
    cov = services.coverage(net.c_a)
    assert (cov["central"], cov["area"], cov["point"], cov["high"]) == (1, 1, 0, 1)
    assert cov["villages"] == 1 and cov["covered"] == 1 and cov["rate"] == 100.0


def test_point_station_must_sit_under_an_area_station(net):
    with pytest.raises(DomainError):
        services.create_station(
            congress=net.c_a,
            kind=StationKind.POINT,
            parent=net.center,
            name="x",
            code="x",
            address="x",
            acting_user=net.staff,
        )


def test_unassigned_report_lists_a_district_deputy_living_in_town(net):
    person = Deputy.objects.create(
        name="区代表", gender=Gender.FEMALE, phone="13900000200", residence=net.village_a
    )
    DeputyMembership.objects.create(
        deputy=person, term=net.term_district, start_date=net.term_district.start_date
    )
    assert list(services.unassigned_deputies(net.c_a)) == [person]
    services.assign_deputy(net.point, person, acting_user=net.staff)
    assert list(services.unassigned_deputies(net.c_a)) == []


def test_person_in_two_congresses_is_seated_once(net):
    DeputyMembership.objects.create(
        deputy=net.deputy_a, term=net.term_district, start_date=net.term_district.start_date
    )
    assert services.deputies_of_town(net.c_a).filter(pk=net.deputy_a.pk).count() == 1
    services.assign_deputy(net.point, net.deputy_a, acting_user=net.staff)  # moves
    seats = StationMember.objects.filter(deputy=net.deputy_a, until__isnull=True)
    assert [s.station_id for s in seats] == [net.point.pk]


def test_deputy_outside_town_without_workplace_is_refused(net):
    outsider = net.deputy_b  # lives in 枫林镇, sits in its congress
    with pytest.raises(DomainError, match="record the workplace"):
        services.assign_deputy(net.center, outsider, acting_user=net.staff)
    assert not StationMember.objects.filter(deputy=outsider).exists()
    services.record_workplace(
        outsider, town=net.town_a, employer="清河中学", congress=net.c_a, acting_user=net.staff
    )
    services.assign_deputy(net.center, outsider, acting_user=net.staff)
    assert StationMember.objects.filter(deputy=outsider, station=net.center).exists()


def test_station_manager_may_not_seat_deputies(net):
    with pytest.raises(DomainError):
        services.assign_deputy(net.point, net.deputies[1], acting_user=net.station)


# --- rules, rosters, rotation --------------------------------------------------------------


def test_rule_days_weekly_month_day_nth_weekday_and_holidays(net):
    Holiday.objects.create(date=dt.date(2026, 1, 7), name="假日")
    weekly = services.add_rule(net.center, kind=RuleKind.WEEKLY, weekday=2, acting_user=net.staff)
    month = services.add_rule(
        net.center, kind=RuleKind.MONTH_DAY, month_day=15, acting_user=net.staff
    )
    nth = services.add_rule(
        net.center, kind=RuleKind.NTH_WEEKDAY, weekday=1, weeks="1,3", acting_user=net.staff
    )
    start, end = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
    hol = r.holidays_between(start, end)
    assert r.rule_days(weekly, start, end, hol) == [
        dt.date(2026, 1, 14),
        dt.date(2026, 1, 21),
        dt.date(2026, 1, 28),
    ]
    assert r.rule_days(month, start, end, hol) == [dt.date(2026, 1, 15)]
    assert r.rule_days(nth, start, end, hol) == [dt.date(2026, 1, 6), dt.date(2026, 1, 20)]


def test_weekly_rule_on_closed_day_is_refused(net):
    with pytest.raises(DomainError, match="closed"):
        services.add_rule(net.center, kind=RuleKind.WEEKLY, weekday=6, acting_user=net.staff)


def test_quarter_roster_spreads_duty_fairly(net):
    services.add_rule(
        net.center, kind=RuleKind.WEEKLY, weekday=2, deputies_per_shift=2, acting_user=net.staff
    )
    result = services.generate_roster(
        net.c_a, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), acting_user=net.staff
    )
    assert result["shifts"] == 12 and result["duties"] == 24
    counts = [
        DutyAssignment.objects.filter(deputy=d, shift__date__year=2026).count()
        for d in net.deputies
    ]
    assert max(counts) - min(counts) <= 1
    assert min(counts) >= 1  # every deputy on duty at least once (DOMAIN.md §3)
    # Idempotent: running it again adds nothing.
    again = services.generate_roster(
        net.c_a, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), acting_user=net.staff
    )
    assert again == {"shifts": 0, "duties": 0}


def test_two_shifts_for_one_deputy_at_the_same_time_are_refused(net):
    day = _next_weekday(_today(), 2)
    services.add_shift(
        net.center,
        date=day,
        start_time=dt.time(9),
        end_time=dt.time(11),
        deputies=[net.deputy_a],
        acting_user=net.staff,
    )
    with pytest.raises(DomainError, match="already on duty"):
        services.add_shift(
            net.point,
            date=day,
            start_time=dt.time(10),
            end_time=dt.time(12),
            deputies=[net.deputies[1], net.deputy_a],
            acting_user=net.staff,
        )
    assert not DutyShift.objects.filter(station=net.point).exists()  # nothing half-written


def test_shift_on_a_closed_day_is_refused(net):
    sunday = _next_weekday(_today(), 6)
    with pytest.raises(DomainError, match="closed"):
        services.add_shift(
            net.center,
            date=sunday,
            start_time=dt.time(9),
            end_time=dt.time(11),
            deputies=[net.deputy_a],
            acting_user=net.staff,
        )
    assert not DutyShift.objects.exists()


def _shift(net, day, deputies, station=None):
    return services.add_shift(
        station or net.center,
        date=day,
        start_time=dt.time(9),
        end_time=dt.time(11),
        deputies=deputies,
        acting_user=net.staff,
    )


def test_substitute_and_swap(net):
    d1 = _next_weekday(_today(), 2)
    d2 = d1 + dt.timedelta(days=7)
    s1 = _shift(net, d1, [net.deputies[0]])
    s2 = _shift(net, d2, [net.deputies[1]])
    duty1, duty2 = s1.duties.get(), s2.duties.get()
    services.swap(duty1, duty2, acting_user=net.station)
    assert s1.duties.get().deputy == net.deputies[1]
    assert s2.duties.get().deputy == net.deputies[0]
    new = services.substitute(s1.duties.get(), deputy=net.deputies[2], acting_user=net.station)
    assert new.replaces.status == DutyStatus.REPLACED
    assert new.deputy == net.deputies[2]


def test_staff_confirms_attendance_and_records_missed(net, settings):
    day = _today()
    if not net.center.is_open_on(day):
        net.center.open_weekdays = "0123456"
        net.center.save(update_fields=["open_weekdays"])
    shift = _shift(net, day, [net.deputies[0], net.deputies[1]])
    a, b = shift.duties.order_by("id")
    services.confirm_attendance(a, acting_user=net.station)
    services.mark_missed(b, acting_user=net.station)
    a.refresh_from_db()
    b.refresh_from_db()
    shift.refresh_from_db()
    assert (a.status, a.checkin_method, b.status) == ("attended", "staff", "missed")
    assert shift.status == "held"


# --- QR check-in ----------------------------------------------------------------------------


@pytest.fixture
def today_shift(net):
    net.center.open_weekdays = "0123456"
    net.center.save(update_fields=["open_weekdays"])
    return _shift(net, _today(), [net.deputy_a])


def test_qr_checkin_marks_attendance(net, today_shift, client):
    code = services.checkin_code(net.center)
    client.force_login(net.deputy_user)
    response = client.post(reverse("stations:checkin"), {"code": code})
    assert response.status_code == 302
    duty = today_shift.duties.get()
    assert (duty.status, duty.checkin_method) == ("attended", "qr")


def test_qr_checkin_with_expired_code_is_refused(net, today_shift, monkeypatch):
    code = services.checkin_code(net.center)
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 11 * 60)  # valid for 10 min
    with pytest.raises(DomainError, match="expired"):
        services.check_in_by_code(net.deputy_user, code)
    assert today_shift.duties.get().status == DutyStatus.SCHEDULED


def test_qr_checkin_with_foreign_or_forged_code_is_refused(net, today_shift):
    other = services.create_station(
        congress=net.c_a,
        kind=StationKind.AREA,
        parent=net.center,
        name="河西片区站",
        code="area-2",
        address="x",
        acting_user=net.staff,
    )
    with pytest.raises(DomainError, match="not on duty"):
        services.check_in_by_code(net.deputy_user, services.checkin_code(other))
    with pytest.raises(DomainError, match="not valid"):
        services.check_in_by_code(net.deputy_user, services.checkin_code(net.center) + "x")
    forged = signing.TimestampSigner(salt="other").sign(f"{net.c_a.pk}.{net.center.pk}")
    with pytest.raises(DomainError, match="not valid"):
        services.check_in_by_code(net.deputy_user, forged)
    assert today_shift.duties.get().status == DutyStatus.SCHEDULED


# --- .ics --------------------------------------------------------------------------------------


def test_ics_feed_needs_its_secret_token(net, client):
    _shift(net, _next_weekday(_today(), 2), [net.deputy_a])
    token = services.calendar_token(net.deputy_a)
    ok = client.get(reverse("stations:ics", args=[net.deputy_a.pk, token]))
    assert ok.status_code == 200
    body = ok.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in body and "清河中心站" in body
    other = services.calendar_token(net.deputies[1])
    assert client.get(reverse("stations:ics", args=[net.deputy_a.pk, other])).status_code == 404
    assert client.get(reverse("stations:ics", args=[net.deputy_a.pk, "x" * 32])).status_code == 404


# --- receptions -------------------------------------------------------------------------------


def _reception(net, content="村道塌陷，希望尽快修复", deputies=None):
    return services.record_reception(
        net.center,
        date=_today(),
        deputies=deputies or [net.deputy_a],
        visitor_name="赵先生",
        visitor_phone="13812345678",
        visitor_village=net.village_a,
        matters=[(net.cat_a, content)],
        acting_user=net.station,
    )


def test_matter_becomes_case_is_handled_rated_and_rating_shows_on_reception(net, client):
    reception = _reception(net)
    matter = reception.matters.get()
    matter, code = services.matter_to_case(matter, acting_user=net.station)
    case = matter.case
    assert matter.status == Disposition.CASE
    assert (case.source, case.source_deputy, case.submitter_phone) == (
        CaseSource.STATION,
        net.deputy_a,
        "13812345678",
    )
    cases.triage_case(case, acting_user=net.staff)
    cases.assign_case(case, acting_user=net.staff, lead=net.dept_a1)
    assignment = Assignment.objects.get(case=case)
    cases.sign_assignment(assignment, acting_user=net.handler_a)
    cases.reply_case(assignment, reply_class="A", text="已修复路面。", acting_user=net.handler_a)
    # The visitor rates with the ticket and check code on the public tracking page.
    response = client.post(
        reverse("opinions:track"),
        {"ticket": case.serial, "code": code, "result": "satisfied", "comment": "很好"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    client.force_login(net.station)
    page = client.get(reverse("stations:reception", args=[reception.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert case.serial in text and "已修复路面。" in text and "很好" in text


def test_every_disposition(net):
    DeputyMembership.objects.create(
        deputy=net.deputy_a, term=net.term_district, start_date=net.term_district.start_date
    )
    matters = [_reception(net, content=f"事项{i}号内容").matters.get() for i in range(5)]
    services.answer_matter(matters[0], answer="当场解答", acting_user=net.station)
    services.redirect_matter(matters[1], reason="涉诉，引导诉讼", acting_user=net.station)
    m, _code = services.escalate_matter(matters[2], deputy=net.deputy_a, acting_user=net.station)
    assert m.case.congress == net.c_district and m.status == Disposition.ESCALATED
    draft = suggestions.draft_from_matter(matters[3], acting_user=net.deputy_user)
    m = ReceptionMatter.objects.get(pk=matters[3].pk)
    assert m.suggestion_id == draft.pk and m.status == Disposition.SUGGESTION
    assert (draft.lead, draft.status, draft.content) == (net.deputy_a, "draft", "事项3号内容")
    with pytest.raises(DomainError):
        services.answer_matter(matters[0], answer="again", acting_user=net.station)
    with pytest.raises(DomainError, match="Only the deputy"):
        suggestions.draft_from_matter(matters[4], acting_user=net.station)


def test_escalation_needs_a_deputy_of_the_higher_congress(net):
    matter = _reception(net).matters.get()
    with pytest.raises(DomainError, match="higher congress"):
        services.escalate_matter(matter, deputy=net.deputies[1], acting_user=net.station)
    matter.refresh_from_db()
    assert matter.status == Disposition.PENDING and matter.case_id is None


def test_manager_of_another_station_cannot_record(net):
    with pytest.raises(DomainError):
        services.record_reception(
            net.point,
            date=_today(),
            deputies=[net.deputy_a],
            matters=[(net.cat_a, "内容内容内容内容内容")],
            acting_user=net.station,
        )


# --- QR-prefilled opinion form ------------------------------------------------------------------


def test_station_qr_prefills_the_opinion_form_and_records_the_source(net, client):
    token = services.qr_token(station=net.point, congress_id=net.c_a.pk)
    url = reverse("opinions:submit", args=[net.c_a.pk]) + f"?via={token}"
    page = client.get(url)
    assert page.status_code == 200 and "河东片区站" in page.content.decode()
    form_token = page.context["form"].initial["token"]
    response = client.post(
        url,
        {
            "category": net.cat_a.pk,
            "content": "村口路灯坏了三个月，晚上出行不安全",
            "village": net.village_a.pk,
            "via": token,
            "token": form_token,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.source == CaseSource.STATION
    assert StationCase.objects.get(case=case).station == net.point


def test_deputy_qr_records_the_deputy_and_a_forged_token_is_ignored(net, client):
    token = services.qr_token(deputy=net.deputy_a, congress_id=net.c_a.pk)
    url = reverse("opinions:submit", args=[net.c_a.pk])
    data = {"category": net.cat_a.pk, "content": "希望增加公交班次方便出行"}
    page = client.get(url + f"?via={token}")
    client.post(url, {**data, "via": token, "token": page.context["form"].initial["token"]})
    case = Case.objects.get()
    assert case.source_deputy == net.deputy_a
    client.force_login(net.deputy_user)
    assert case.serial in client.get(reverse("stations:mine")).content.decode()
    client.logout()
    # A token for another congress or a tampered one is ignored: a plain web opinion.
    foreign = services.qr_token(deputy=net.deputy_a, congress_id=net.c_b.pk)
    page = client.get(url + f"?via={foreign}x")
    assert "via" not in page.context or not page.context["via"]
    client.post(url, {**data, "via": foreign, "token": page.context["form"].initial["token"]})
    second = Case.objects.exclude(pk=case.pk).get()
    assert second.source == CaseSource.WEB and second.source_deputy is None


# --- dual contact and industry ---------------------------------------------------------------------


def test_pairing_logs_count_against_target(net):
    from renda.stations import figures

    pairing = services.create_pairing(
        net.c_a,
        kind=PairingKind.VOTERS,
        deputy=net.deputy_a,
        household="东塘村张家",
        village=net.village_a,
        acting_user=net.staff,
    )
    assert pairing.target_per_year == 10
    log = services.log_contact(
        net.c_a,
        deputy=net.deputy_a,
        kind=ContactKind.PAIRING,
        pairing=pairing,
        date=_today(),
        summary="走访",
        issues="网络信号差，希望改善",
        acting_user=net.deputy_user,
    )
    log, _code = services.contact_issue_to_case(
        log, category=net.cat_a, acting_user=net.deputy_user
    )
    assert log.case.source == CaseSource.DEPUTY_VISIT
    rows = figures.contacts_against_targets(net.c_a, _today().year)
    assert [(p.pk, p.done) for p in rows] == [(pairing.pk, 1)]
    with pytest.raises(DomainError):
        services.log_contact(
            net.c_a,
            deputy=net.deputies[1],
            kind=ContactKind.CONSTITUENCY,
            date=_today(),
            summary="x",
            acting_user=net.deputy_user,
        )


def test_industry_point_firm_limit(net):
    point = services.create_industry_point(
        net.c_a,
        name="茶产业联系点",
        host="清河茶业",
        sector="农业",
        deputies=[net.deputy_a],
        acting_user=net.staff,
    )
    for i in range(5):
        services.link_firm(point, name=f"企业{i}", deputy=net.deputy_a, acting_user=net.staff)
    with pytest.raises(DomainError, match="most allowed"):
        services.link_firm(point, name="企业9", deputy=net.deputy_a, acting_user=net.staff)
    activity, code = services.record_industry_activity(
        point,
        date=_today(),
        title="座谈",
        deputies=[net.deputy_a],
        issues="用工难",
        category=net.cat_a,
        acting_user=net.staff,
    )
    assert activity.case is not None and code


# --- pages: permissions and query counts ------------------------------------------------------------


def _urls(net):
    reception = _reception(net)
    return {
        "network": reverse("stations:network"),
        "coverage": reverse("stations:coverage"),
        "station": reverse("stations:station", args=[net.center.pk]),
        "assign": reverse("stations:assign", args=[net.center.pk]),
        "roster": reverse("stations:roster"),
        "generate": reverse("stations:generate"),
        "receptions": reverse("stations:receptions"),
        "reception": reverse("stations:reception", args=[reception.pk]),
        "new_reception": reverse("stations:new_reception", args=[net.center.pk]),
        "contacts": reverse("stations:contacts"),
        "industry": reverse("stations:industry"),
        "figures": reverse("stations:figures"),
        "mine": reverse("stations:mine"),
        "directory": reverse("stations:directory", args=[net.c_a.pk]),
        "public_station": reverse("stations:public_station", args=[net.c_a.pk, "center"]),
        "poster": reverse("stations:poster", args=[net.c_a.pk, "center"]),
        "qr": reverse("stations:qr_station", args=[net.c_a.pk, "center"]),
        "qr_deputy": reverse("stations:qr_deputy", args=[net.c_a.pk, net.deputy_a.pk]),
    }


MATRIX = {
    # url: staff, leader, station_manager, deputy, other_town_staff, citizen, anonymous.
    # Another town's staff get their own town's (empty) lists and 404 on our objects.
    "network": (200, 200, 200, 404, 200, 404, 302),
    "coverage": (200, 200, 200, 404, 200, 404, 302),
    "station": (200, 200, 200, 404, 404, 404, 302),
    "assign": (200, 403, 403, 404, 404, 404, 302),
    "roster": (200, 200, 200, 404, 200, 404, 302),
    "generate": (200, 403, 403, 404, 200, 404, 302),
    "receptions": (200, 200, 200, 404, 200, 404, 302),
    "reception": (200, 200, 200, 404, 404, 404, 302),
    "new_reception": (200, 403, 200, 404, 404, 404, 302),
    "contacts": (200, 200, 200, 404, 200, 404, 302),
    "industry": (200, 200, 200, 404, 200, 404, 302),
    "figures": (200, 200, 200, 404, 200, 404, 302),
    "mine": (404, 404, 404, 200, 404, 404, 302),
    "directory": (200, 200, 200, 200, 200, 200, 200),
    "public_station": (200, 200, 200, 200, 200, 200, 200),
    "poster": (200, 200, 200, 200, 200, 200, 200),
    "qr": (200, 200, 200, 200, 200, 200, 200),
    "qr_deputy": (200, 200, 200, 200, 200, 200, 200),
}
ROLES = ["staff", "leader", "station_manager", "deputy", "other_town_staff", "citizen", "anonymous"]


@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix(net, personas, client, name):
    urls = _urls(net)
    for role, expected in zip(ROLES, MATRIX[name], strict=True):
        client.logout()
        if personas[role] is not None:
            client.force_login(personas[role])
        status = client.get(urls[name]).status_code
        assert status == expected, (name, role, status)


def _section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    return page[start : page.index("</section>", start)]


def test_public_pages_show_the_weeks_roster_with_held_shifts_and_the_next_duty_day(net, client):
    """Issue 14: the week's shifts already held (attendance confirmed) are on the roster too;
    a cancelled one is not; each station shows its next duty day."""
    for station in (net.center, net.point):
        station.open_weekdays = "0123456"
        station.save(update_fields=["open_weekdays"])
    today = _today()
    held = _shift(net, today, [net.deputies[0], net.deputies[1]])
    for duty in held.duties.all():
        services.confirm_attendance(duty, acting_user=net.station)
    cancelled = _shift(net, today, [net.deputies[2]], station=net.point)
    services.cancel_shift(cancelled, reason="暴雨", acting_user=net.staff)
    next_week = today + dt.timedelta(days=7)
    _shift(net, next_week, [net.deputies[3]])
    client.cookies["django_language"] = "en"
    on_duty, off_duty, later = (
        [d.name for d in net.deputies[:2]],
        net.deputies[2].name,
        net.deputies[3].name,
    )

    directory = client.get(reverse("stations:directory", args=[net.c_a.pk])).content.decode()
    week = _section(directory, "this-week")
    assert all(name in week for name in on_duty) and "No duty this week." not in week
    assert off_duty not in week and later not in week
    assert f"Next duty day：{next_week:%Y-%m-%d}" in directory
    assert "Next duty day：none on the roster yet" in directory  # the area station

    page = client.get(reverse("stations:public_station", args=[net.c_a.pk, "center"]))
    week = _section(page.content.decode(), "this-week")
    assert all(name in week for name in on_duty)
    assert f"Next duty day：{next_week:%Y-%m-%d}" in week
    page = client.get(reverse("stations:public_station", args=[net.c_a.pk, "area-1"]))
    week = _section(page.content.decode(), "this-week")
    assert "No duty this week." in week and off_duty not in week
    assert "Next duty day：none on the roster yet" in week


def test_other_town_station_is_404(net, client):
    client.force_login(net.other_staff)
    assert client.get(reverse("stations:station", args=[net.center.pk])).status_code == 404


def _grow(net, n):
    day = _next_weekday(_today(), 2)
    base = Station.objects.filter(congress=net.c_a).count()
    for i in range(n):
        station = services.create_station(
            congress=net.c_a,
            kind=StationKind.AREA,
            parent=net.center,
            name=f"片区站{base + i}",
            code=f"area-x{base + i}",
            address="x",
            acting_user=net.staff,
        )
        _shift(net, day, [net.deputies[(base + i) % len(net.deputies)]], station=station)
        day += dt.timedelta(days=7)
        _reception(net)


@pytest.mark.parametrize("name", ["network", "roster", "receptions", "directory", "contacts"])
def test_list_query_counts_do_not_grow(net, client, name):
    urls = {
        "network": reverse("stations:network"),
        "roster": reverse("stations:roster")
        + f"?from={_today().isoformat()}&to={(_today() + dt.timedelta(days=400)).isoformat()}",
        "receptions": reverse("stations:receptions"),
        "directory": reverse("stations:directory", args=[net.c_a.pk]),
        "contacts": reverse("stations:contacts"),
    }
    client.force_login(net.staff)
    _grow(net, 2)
    # First a warm-up: the first request after login stamps the session once (idle clock).
    client.get(urls[name])
    with CaptureQueriesContext(connection) as small:
        assert client.get(urls[name]).status_code == 200
    _grow(net, 8)
    with CaptureQueriesContext(connection) as large:
        assert client.get(urls[name]).status_code == 200
    assert len(large) == len(small), (name, len(small), len(large))


# --- announcements, office pages, back office ------------------------------------------------


def test_announce_shifts_notifies_deputies_once_within_the_window(
    net, django_capture_on_commit_callbacks
):
    from renda.core.models import Notification

    net.center.open_weekdays = "0123456"
    net.center.save(update_fields=["open_weekdays"])
    soon = _shift(net, _today() + dt.timedelta(days=2), [net.deputy_a])
    later = _shift(net, _today() + dt.timedelta(days=5), [net.deputy_a])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.announce_shifts() == {"shifts": 1, "deputies": 1}
    assert services.announce_shifts() == {"shifts": 0, "deputies": 0}
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.announced_at is not None and later.announced_at is None
    assert Notification.objects.filter(recipient=net.deputy_user).count() == 1


def test_rule_page_refuses_a_closed_weekday_with_a_message(net, client):
    client.force_login(net.staff)
    url = reverse("stations:add_rule", args=[net.center.pk])
    response = client.post(
        url, {"kind": "weekly", "weekday": "6", "start_time": "09:00", "end_time": "11:30"}
    )
    assert response.status_code == 400 and not net.center.rules.exists()
    response = client.post(
        url,
        {
            "kind": "nth_weekday",
            "weekday": "1",
            "weeks": "1,3",
            "start_time": "09:00",
            "end_time": "11:30",
            "skip_holidays": "on",
        },
    )
    assert response.status_code == 302
    rule = net.center.rules.get()
    assert (rule.kind, rule.weekday, rule.weeks) == ("nth_weekday", 1, "1,3")


def test_cancel_shift_page_tells_the_deputies(net, client, django_capture_on_commit_callbacks):
    from renda.core.models import Notification

    shift = _shift(net, _next_weekday(_today(), 2), [net.deputy_a])
    client.force_login(net.station)
    url = reverse("stations:cancel_shift", args=[shift.pk])
    assert client.post(url, {"reason": "台风"}).status_code == 403  # managers do not cancel
    client.force_login(net.staff)
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "台风预警"}).status_code == 302
    shift.refresh_from_db()
    assert shift.status == "cancelled" and shift.note == "台风预警"
    assert Notification.objects.filter(recipient=net.deputy_user).exists()


def test_workplace_page_then_seating_a_deputy_from_another_town(net, client):
    client.force_login(net.staff)
    response = client.post(
        reverse("stations:workplace"), {"deputy": net.deputy_b.pk, "employer": "清河中学"}
    )
    # deputy_b sits in 枫林镇 only: not a deputy of this congress or a higher one.
    assert response.status_code == 400
    DeputyMembership.objects.create(
        deputy=net.deputy_b, term=net.term_district, start_date=net.term_district.start_date
    )
    response = client.post(
        reverse("stations:workplace"), {"deputy": net.deputy_b.pk, "employer": "清河中学"}
    )
    assert response.status_code == 302
    assert net.deputy_b in services.unassigned_deputies(net.c_a)
    response = client.post(
        reverse("stations:assign", args=[net.center.pk]),
        {"deputy": net.deputy_b.pk, "since": _today().isoformat()},
    )
    assert response.status_code == 302
    assert net.deputy_b not in services.unassigned_deputies(net.c_a)


def test_reception_page_flow_through_the_office_pages(net, client):
    client.force_login(net.station)
    response = client.post(
        reverse("stations:new_reception", args=[net.center.pk]),
        {
            "date": _today().isoformat(),
            "deputies": [net.deputy_a.pk],
            "visitor_name": "钱女士",
            "visitor_phone": "13812340001",
            "visitor_count": "2",
            "category": net.cat_a.pk,
            "content": "村道有一段塌陷，希望修复",
        },
    )
    assert response.status_code == 302
    matter = net.center.receptions.get().matters.get()
    response = client.post(reverse("stations:matter_action", args=[matter.pk, "case"]))
    assert response.status_code == 302 and "/opinions/receipt/" in response["Location"]
    receipt = client.get(response["Location"])
    matter.refresh_from_db()
    assert matter.case.serial in receipt.content.decode()
    # A second disposition of the same matter is refused with a message.
    again = client.post(
        reverse("stations:matter_action", args=[matter.pk, "answer"]), {"answer": "x"}
    )
    assert again.status_code == 400


def test_industry_pages_link_firms_and_record_activity(net, client):
    point = services.create_industry_point(
        net.c_a,
        name="茶产业",
        host="清河茶业",
        sector="农业",
        deputies=[net.deputy_a],
        acting_user=net.staff,
    )
    client.force_login(net.staff)
    assert (
        client.post(
            reverse("stations:link_firm", args=[point.pk]),
            {"name": "古街茶坊", "deputy": net.deputy_a.pk},
        ).status_code
        == 302
    )
    response = client.post(
        reverse("stations:industry_activity", args=[point.pk]),
        {
            "date": _today().isoformat(),
            "title": "座谈",
            "deputies": [net.deputy_a.pk],
            "issues": "物流成本高",
            "category": net.cat_a.pk,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("stations:industry")).content.decode()
    assert "古街茶坊" in page and "物流成本高" in page
    client.force_login(net.station)
    assert client.get(reverse("stations:link_firm", args=[point.pk])).status_code == 403


def test_figures_list_deputies_below_the_yearly_minimum(net, client):
    from renda.stations import figures

    _shift(net, _next_weekday(_today(), 2), [net.deputy_a])
    below = figures.below_yearly_minimum(net.c_a, _next_weekday(_today(), 2).year)
    assert net.deputy_a not in below and net.deputies[1] in below
    client.force_login(net.leader)
    assert client.get(reverse("stations:figures")).status_code == 200


def test_admin_station_form_refuses_a_village_of_another_town(net, client):
    client.force_login(net.staff)
    response = client.post(
        reverse("admin:stations_station_add"),
        {
            "congress": net.c_a.pk,
            "kind": "area",
            "parent": net.center.pk,
            "name": "错站",
            "code": "bad",
            "grade": "standard",
            "villages": [net.village_b.pk],
            "address": "x",
            "open_weekdays": "01234",
            "is_active": "on",
            "staff-TOTAL_FORMS": "0",
            "staff-INITIAL_FORMS": "0",
            "staff-MIN_NUM_FORMS": "0",
            "staff-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Station.objects.filter(code="bad").exists()


def test_deputy_page_lists_shifts_and_the_feed(net, client):
    _shift(net, _next_weekday(_today(), 2), [net.deputy_a])
    client.force_login(net.deputy_user)
    page = client.get(reverse("stations:mine")).content.decode()
    assert services.calendar_token(net.deputy_a) in page and "清河中心站" in page


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_shifts_never_double_book_a_deputy(net):
    """Two offices booking the same deputy at the same time at two stations: the deputy row
    lock makes the second one see the first and refuse."""
    from tests.fixtures.threads import run_in_threads

    day = _next_weekday(_today(), 2)
    outcomes: list[str] = []
    stations = (net.center, net.point)

    def book(index: int) -> None:
        try:
            _shift(net, day, [net.deputy_a], station=stations[index])
            outcomes.append("ok")
        except DomainError:
            outcomes.append("refused")

    assert run_in_threads(2, book) == []
    assert sorted(outcomes) == ["ok", "refused"]
    assert DutyAssignment.objects.filter(deputy=net.deputy_a).count() == 1


def test_deputy_logs_a_constituency_visit_from_their_page(net, client):
    from renda.stations.models import ContactLog

    client.force_login(net.deputy_user)
    response = client.post(
        reverse("stations:my_contact"),
        {
            "kind": "constituency",
            "date": _today().isoformat(),
            "voters_met": "18",
            "summary": "回选区听取意见",
            "issues": "",
        },
    )
    assert response.status_code == 302
    log = ContactLog.objects.get()
    assert (log.deputy, log.constituency, log.voters_met) == (
        net.deputy_a,
        net.constituency_a,
        18,
    )


def test_assign_all_seats_by_home_area_or_the_central_station(net, client):
    from renda.core.models import Area

    area = Area.objects.create(town=net.town_a, name="河东片区")
    net.village_a.area = area
    net.village_a.save(update_fields=["area"])
    net.point.area = area
    net.point.save(update_fields=["area"])
    local = Deputy.objects.create(
        name="本地代表", gender=Gender.MALE, phone="13900000301", residence=net.village_a
    )
    DeputyMembership.objects.create(deputy=local, term=net.term_a, start_date=net.term_a.start_date)
    commuter = net.deputy_b
    DeputyMembership.objects.create(
        deputy=commuter, term=net.term_district, start_date=net.term_district.start_date
    )
    services.record_workplace(
        commuter, town=net.town_a, employer="清河中学", congress=net.c_a, acting_user=net.staff
    )
    client.force_login(net.staff)
    assert client.post(reverse("stations:assign_all")).status_code == 302
    seats = dict(
        StationMember.objects.filter(deputy__in=[local, commuter]).values_list(
            "deputy_id", "station_id"
        )
    )
    assert seats == {local.pk: net.point.pk, commuter.pk: net.center.pk}
    assert not services.unassigned_deputies(net.c_a).exists()


def test_stopped_rule_produces_no_more_shifts(net, client):
    rule = services.add_rule(net.center, kind=RuleKind.WEEKLY, weekday=2, acting_user=net.staff)
    client.force_login(net.leader)
    url = reverse("stations:deactivate_rule", args=[rule.pk])
    assert client.post(url).status_code == 403
    client.force_login(net.staff)
    assert client.post(url).status_code == 302
    result = services.generate_roster(
        net.c_a, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), acting_user=net.staff
    )
    assert result == {"shifts": 0, "duties": 0}


def test_reception_page_masks_the_visitor_for_station_managers(net, client):
    reception = _reception(net)
    client.force_login(net.station)
    page = client.get(reverse("stations:reception", args=[reception.pk])).content.decode()
    assert "13812345678" not in page and "赵先生" not in page
    client.force_login(net.staff)
    page = client.get(reverse("stations:reception", args=[reception.pk])).content.decode()
    assert "13812345678" in page and "赵先生" in page


def test_back_office_station_pages(net, client):
    client.force_login(net.staff)
    assert client.get(reverse("admin:stations_station_add")).status_code == 200
    page = client.get(reverse("admin:stations_station_change", args=[net.center.pk]))
    assert page.status_code == 200
    client.force_login(net.other_staff)
    assert (
        client.get(reverse("admin:stations_station_change", args=[net.center.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["qr", "qr_deputy"])
def test_qr_images_are_standalone_svg_files(net, client, name):
    """An <img> only shows an SVG file that declares the SVG namespace."""
    response = client.get(_urls(net)[name])
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert 'xmlns="http://www.w3.org/2000/svg"' in body
    assert "<path" in body


# --- a front door onto cases: matters handed to suggestions, confirm pages ------------------


def test_stations_never_import_suggestions():
    """Suggestions call stations (draft_from_matter), never the reverse, not even inside a
    function: the stations page reaches suggestions through the registered handler."""
    import ast
    from pathlib import Path

    import renda.stations

    root = Path(renda.stations.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith("renda.suggestions")]
    assert offenders == []


def test_the_suggestions_app_registers_the_matter_handler():
    handler = services.matter_handler(Disposition.SUGGESTION)
    assert handler is not None and handler.run is suggestions.draft_from_matter
    with pytest.raises(ValueError):
        services.register_matter_handler(Disposition.PENDING, lambda m, **kw: m, url=str)
    with pytest.raises(ValueError):
        services.register_matter_handler("nowhere", lambda m, **kw: m, url=str)


def test_the_deputy_makes_a_matter_their_draft_from_their_page(net, client):
    from renda.core.models import ActionLog
    from renda.suggestions.models import Suggestion

    matter = _reception(net, content="家庭农场贷款难\n希望出台扶持办法").matters.get()
    client.force_login(net.deputy_user)
    mine = client.get(reverse("stations:mine")).content.decode()
    assert reverse("stations:suggest", args=[matter.pk]) in mine
    url = reverse("stations:suggest", args=[matter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "core/action.html" in [t.name for t in page.templates]
    assert "<p>家庭农场贷款难<br>希望出台扶持办法</p>" in page.content.decode()
    response = client.post(url)
    draft = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("suggestions:detail", args=[draft.pk])
    matter.refresh_from_db()
    assert (matter.status, matter.suggestion_id) == (Disposition.SUGGESTION, draft.pk)
    assert (draft.lead, draft.title) == (net.deputy_a, "家庭农场贷款难 希望出台扶持办法")
    entry = ActionLog.objects.get(action="station.matter_suggestion")
    assert entry.changes == {"status": ["pending", "suggestion"]}
    # Once disposed of, the page refuses and nothing more is created.
    again = client.post(url)
    assert again.status_code == 400 and "该事项已处理" in again.content.decode()
    assert Suggestion.objects.count() == 1
    # Another deputy's matter is not found.
    client.force_login(net.station)
    assert client.get(url).status_code == 404


def test_a_disposed_matter_leaves_no_draft_behind(net):
    from renda.suggestions.models import Suggestion

    matter = _reception(net).matters.get()
    services.answer_matter(matter, answer="当场解答", acting_user=net.station)
    with pytest.raises(DomainError, match="already disposed of"):
        suggestions.draft_from_matter(matter, acting_user=net.deputy_user)
    assert not Suggestion.objects.exists()


def test_without_a_registered_handler_the_action_is_not_offered(net, client, monkeypatch):
    from renda.stations.services import receptions

    monkeypatch.setattr(receptions, "_MATTER_HANDLERS", {})
    matter = _reception(net).matters.get()
    client.force_login(net.deputy_user)
    url = reverse("stations:suggest", args=[matter.pk])
    assert url not in client.get(reverse("stations:mine")).content.decode()
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    matter.refresh_from_db()
    assert matter.status == Disposition.PENDING


def test_confirm_pages_are_the_core_action_page(net, client):
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    with pytest.raises(TemplateDoesNotExist):
        get_template("stations/staff/confirm.html")
    client.force_login(net.staff)
    rule = services.add_rule(net.center, kind=RuleKind.WEEKLY, weekday=2, acting_user=net.staff)
    pages = [
        reverse("stations:assign_all"),
        reverse("stations:generate"),
        reverse("stations:workplace"),
        reverse("stations:log_contact"),
        reverse("stations:assign", args=[net.center.pk]),
        reverse("stations:add_shift", args=[net.center.pk]),
        reverse("stations:add_rule", args=[net.center.pk]),
        reverse("stations:deactivate_rule", args=[rule.pk]),
    ]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert "core/action.html" in [t.name for t in page.templates], url
    # Another town's staff does not find the station.
    client.force_login(net.other_staff)
    assert client.get(reverse("stations:assign", args=[net.center.pk])).status_code == 404


def test_confirm_pages_keep_their_messages_and_destinations(net, client):
    from django.contrib.messages import get_messages

    client.force_login(net.staff)
    services.add_rule(net.center, kind=RuleKind.WEEKLY, weekday=2, acting_user=net.staff)
    start = _today()
    response = client.post(
        reverse("stations:generate"),
        {"start": start.isoformat(), "end": (start + dt.timedelta(days=20)).isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == reverse("stations:roster")
    result = DutyShift.objects.filter(station=net.center).count()
    assert result >= 2
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == [f"已生成{result}个班次，轮流排入{DutyAssignment.objects.count()}人次。"]
    # A refusal stays on the page with the service's message (400).
    refused = client.post(
        reverse("stations:generate"),
        {"start": start.isoformat(), "end": (start - dt.timedelta(days=1)).isoformat()},
    )
    assert refused.status_code == 400
    assert "结束日期早于开始日期。" in refused.content.decode()
    # A new reception leads to its own page; a matter added to it says nothing.
    client.force_login(net.station)
    response = client.post(
        reverse("stations:new_reception", args=[net.center.pk]),
        {
            "date": _today().isoformat(),
            "deputies": [net.deputy_a.pk],
            "visitor_count": "1",
            "category": net.cat_a.pk,
            "content": "路灯不亮，希望维修",
        },
    )
    reception = net.center.receptions.get()
    assert response["Location"] == reverse("stations:reception", args=[reception.pk])
    assert "接待已登记。" in client.get(response["Location"]).content.decode()  # shown once
    response = client.post(
        reverse("stations:add_matter", args=[reception.pk]),
        {"category": net.cat_a.pk, "content": "垃圾清运不及时", "deputy": net.deputy_a.pk},
    )
    assert response["Location"] == reverse("stations:reception", args=[reception.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == []
    assert reception.matters.count() == 2
