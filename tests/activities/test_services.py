"""The activities' services: planning, invitations across levels, answers, attendance and
the participation event, findings as cases (the finding → case → reply → rating loop),
notes with checked photos, the report, and the check-in code."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signing import TimestampSigner
from PIL import Image

from renda.activities import services
from renda.activities.models import (
    ActivityKind,
    ActivityStatus,
    Invitation,
    InvitationStatus,
    Participation,
    Role,
)
from renda.activities.services.checkin import CHECKIN_SALT
from renda.cases import services as cases
from renda.cases.models import Case, CaseKind, CaseStatus
from renda.congress.models import CongressLevel
from renda.core.errors import DomainError
from renda.core.models import Notification, OutboxMessage
from tests.fixtures.activities import announced, make_activity


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def png(name: str = "site.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_eligible_deputies_span_levels_and_filter_by_station_and_level(acts):
    everyone = set(services.eligible_deputies(acts.c_a))
    assert {acts.deputy_a, acts.district_deputy, acts.city_deputy, acts.town_deputy2} <= everyone
    assert acts.deputy_b not in everyone  # 枫林镇
    seated = set(services.eligible_deputies(acts.c_a, station_id=acts.station_a.pk))
    assert seated == {acts.deputy_a, acts.district_deputy}
    city = set(services.eligible_deputies(acts.c_a, level=CongressLevel.CITY))
    assert city == {acts.city_deputy}


def test_law_check_needs_its_legal_basis(acts):
    with pytest.raises(DomainError, match="names the law"):
        make_activity(acts, kind=ActivityKind.LAW_CHECK, legal_basis="")


def test_other_town_staff_cannot_plan_here(acts):
    with pytest.raises(DomainError):
        make_activity(acts, acting_user=acts.other_staff)


def test_invitations_reach_deputies_in_app_and_by_sms(acts):
    activity = announced(acts)
    invited = set(activity.invitations.values_list("deputy__name", flat=True))
    assert invited == {"王建国", "赵区代表", "钱市代表", "孙镇代表"}
    assert activity.invitations.get(deputy=acts.deputy_a).role == Role.ORGANISER
    sms = set(OutboxMessage.objects.filter(channel="sms").values_list("recipient", flat=True))
    assert {"13900000031", "13900000032", "13900000033"} <= sms
    assert OutboxMessage.objects.filter(channel="inbox", kind="activity").exists()


def test_invite_refuses_another_towns_deputy(acts):
    activity = make_activity(acts)
    with pytest.raises(DomainError, match="belong to this town"):
        services.invite(activity, [acts.deputy_b], acting_user=acts.staff)
    assert not activity.invitations.filter(deputy=acts.deputy_b).exists()


def test_deputy_confirms_and_declines_only_their_own_invitation(acts):
    activity = announced(acts)
    services.answer(
        activity, deputy=acts.district_deputy, attend=True, acting_user=acts.district_deputy.user
    )
    inv = Invitation.objects.get(activity=activity, deputy=acts.district_deputy)
    assert inv.status == InvitationStatus.CONFIRMED and inv.answered_at
    with pytest.raises(DomainError, match="Only the invited deputy"):
        services.answer(
            activity, deputy=acts.city_deputy, attend=False, acting_user=acts.district_deputy.user
        )


def test_attendance_writes_one_participation_event_per_deputy(acts):
    activity = announced(acts)
    services.mark_attendance(
        activity, present=[acts.deputy_a, acts.city_deputy], acting_user=acts.staff
    )
    services.mark_attendance(activity, present=[acts.city_deputy], acting_user=acts.staff)
    rows = Participation.objects.filter(activity=activity)
    assert rows.count() == 2
    organiser = rows.get(deputy=acts.deputy_a)
    assert organiser.role == Role.ORGANISER and organiser.kind == ActivityKind.FOCUSED_INSPECTION
    assert organiser.target == activity
    services.mark_held(activity, acting_user=acts.staff)
    absent = Invitation.objects.get(activity=activity, deputy=acts.district_deputy)
    assert absent.status == InvitationStatus.ABSENT
    year = activity.starts_on.year
    assert [p.title for p in services.participations(acts.city_deputy, year)] == [activity.topic]
    assert list(services.participations(acts.district_deputy, year)) == []


def test_marking_someone_not_invited_is_refused_and_writes_nothing(acts):
    activity = announced(acts)
    with pytest.raises(DomainError, match="invited"):
        services.mark_attendance(
            activity, present=[acts.city_deputy, acts.deputy_b], acting_user=acts.staff
        )
    assert not Participation.objects.exists()


def test_finding_becomes_a_case_and_runs_the_loop_to_the_organisers_rating(acts):
    activity = announced(acts)
    finding = services.file_finding(
        activity,
        text="东塘桥护栏缺失，存在安全隐患",
        department=acts.dept_a1,
        category=acts.cat_a,
        due=acts.today + dt.timedelta(days=30),
        acting_user=acts.staff,
    )
    case = Case.objects.get(pk=finding.case_id)
    assert case.kind == CaseKind.FINDING and case.serial.startswith("WT")
    assert case.status == CaseStatus.ASSIGNED and case.due_date == finding.due
    assert case.source_deputy == acts.deputy_a
    heard_before = Notification.objects.filter(recipient=acts.deputy_user).count()
    lead = case.assignments.get()
    assert lead.department == acts.dept_a1
    cases.sign_assignment(lead, acting_user=acts.handler_a)
    cases.reply_case(lead, reply_class="B", text="已列入计划", acting_user=acts.handler_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    # Only the organiser rates: not another deputy.
    with pytest.raises(DomainError):
        services.rate_reply(finding, result="satisfied", acting_user=acts.city_deputy.user)
    services.rate_reply(finding, result="unsatisfied", acting_user=acts.deputy_user)
    case.refresh_from_db()
    assert case.status == CaseStatus.REHANDLING and case.round == 2
    lead.refresh_from_db()
    cases.reply_case(lead, reply_class="A", text="护栏已安装", acting_user=acts.handler_a)
    services.rate_reply(finding, result="satisfied", acting_user=acts.deputy_user)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.evaluation_result == "satisfied"
    # The organiser heard of the replies in the app.
    assert Notification.objects.filter(recipient=acts.deputy_user).count() > heard_before


def test_finding_without_department_is_refused_and_nothing_is_filed(acts):
    activity = announced(acts)
    with pytest.raises(DomainError, match="Name the department"):
        services.file_finding(
            activity, text="问题", department=None, category=acts.cat_a, acting_user=acts.staff
        )
    with pytest.raises(DomainError, match="department of this congress"):
        services.file_finding(
            activity,
            text="问题",
            department=acts.dept_b1,
            category=acts.cat_a,
            acting_user=acts.staff,
        )
    assert not Case.objects.exists()


def test_training_is_no_place_for_findings(acts):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=Decimal("3.5"))
    with pytest.raises(DomainError, match="Only inspections"):
        services.file_finding(
            activity,
            text="问题",
            department=acts.dept_a1,
            category=acts.cat_a,
            acting_user=acts.staff,
        )


def test_note_with_photos_checked_by_bytes(acts):
    activity = announced(acts)
    stop = services.add_stop(
        activity,
        starts_at=dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC),
        place="东塘桥",
        acting_user=acts.staff,
    )
    note = services.add_note(
        activity, text="护栏缺失约30米", photos=[png()], stop=stop, acting_user=acts.staff
    )
    photo = note.photos.get()
    assert photo.content_type == "image/png" and photo.original_name == "site.png"
    assert not photo.image.name.endswith("site.png")
    fake = SimpleUploadedFile("x.png", b"<svg onload=alert(1)>", content_type="image/png")
    with pytest.raises(DomainError):
        services.add_note(activity, text="坏图", photos=[fake], acting_user=acts.staff)
    assert activity.notes.count() == 1


def test_report_closes_a_held_activity_only(acts):
    activity = announced(acts, kind=ActivityKind.SURVEY)
    with pytest.raises(DomainError, match="once the activity has been held"):
        services.file_report(activity, text="调研报告", acting_user=acts.staff)
    services.mark_held(activity, acting_user=acts.staff)
    services.file_report(activity, text="调研报告正文", acting_user=acts.staff)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CLOSED and activity.report_text == "调研报告正文"


def test_training_checkin_by_code_credits_hours_once(acts):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=Decimal("3.5"), topic="履职培训")
    code = services.checkin_code(activity, acting_user=acts.staff)
    inv = services.check_in(acts.city_deputy.user, code)
    assert inv.status == InvitationStatus.ATTENDED and inv.checkin_method == "qr"
    services.check_in(acts.city_deputy.user, code)  # a second scan credits nothing more
    rows = Participation.objects.filter(deputy=acts.city_deputy)
    assert rows.count() == 1 and rows.get().hours == Decimal("3.5")
    assert rows.get().role == Role.ATTENDEE


def test_checkin_refuses_forged_expired_and_uninvited(acts, settings):
    activity = announced(acts, kind=ActivityKind.TRAINING, hours=2)
    code = services.checkin_code(activity, acting_user=acts.staff)
    with pytest.raises(DomainError, match="not valid"):
        services.check_in(
            acts.city_deputy.user, code[:-2] + ("yy" if code.endswith("xx") else "xx")
        )
    forged = TimestampSigner(salt="renda.stations.checkin").sign(f"{acts.c_a.pk}.{activity.pk}")
    with pytest.raises(DomainError, match="not valid"):
        services.check_in(acts.city_deputy.user, forged)
    old = TimestampSigner(salt=CHECKIN_SALT)
    old.timestamp = lambda: "1"  # type: ignore[method-assign]  (signed long ago)
    with pytest.raises(DomainError, match="expired"):
        services.check_in(acts.city_deputy.user, old.sign(f"{acts.c_a.pk}.{activity.pk}"))
    acts.deputy_b.user = acts.citizen  # 枫林镇's deputy, not invited here
    acts.deputy_b.save(update_fields=["user"])
    with pytest.raises(DomainError, match="not invited"):
        services.check_in(acts.citizen, code)
    assert not Participation.objects.filter(deputy=acts.city_deputy).exists()
