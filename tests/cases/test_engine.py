"""The case engine: every transition through the services, with timeline and action log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from renda.cases import services
from renda.cases.models import (
    Assignment,
    AssignmentStatus,
    Case,
    CaseRules,
    CaseStatus,
    ExtensionStatus,
)
from renda.congress import policy
from renda.congress.models import Department, DepartmentKind, Role, RoleGrant
from renda.core.errors import DomainError
from renda.core.models import ActionLog, DueReminder, Holiday, Notification
from renda.core.notify import MemorySMSBackend
from renda.core.workdays import add_months, add_working_days
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")


@pytest.fixture(autouse=True)
def _sms(settings):  # noqa: ANN001, ANN202
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    MemorySMSBackend.outbox.clear()


def _actions(case: Case) -> list[str]:
    return list(case.events.order_by("id").values_list("action", flat=True))


def _logged(case: Case) -> list[str]:
    return list(
        ActionLog.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_submission_gets_a_serial_and_a_check_code(world):
    first = submit(world)
    second = submit(world)
    year = timezone.localdate().year
    assert first.case.serial == f"MY{year}-000001"
    assert second.case.serial == f"MY{year}-000002"
    assert len(first.code) == 8
    assert services.check_code_matches(first.case, first.code)
    assert services.check_code_matches(first.case, first.code.lower())
    assert not services.check_code_matches(first.case, "WRONG123")
    assert first.code not in first.case.check_code_hash
    assert first.case.status == CaseStatus.SUBMITTED
    # The office hears of each (in the embedded mode, in the submission's transaction).
    assert Notification.objects.filter(recipient=world.staff).count() == 2


def test_serials_are_per_congress(world):
    a = submit(world)
    b = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b)
    assert a.case.number == b.case.number == 1


def test_the_full_loop_with_return_extension_rehandling_and_closure(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opinion = submit(world)
        case = opinion.case
        services.triage_case(case, acting_user=world.staff)
        # Assigned to the wrong unit, which returns it within the window.
        services.assign_case(case, lead=world.dept_a2, acting_user=world.staff)
        wrong = Assignment.objects.get(case=case, department=world.dept_a2)
        services.return_assignment(wrong, reason="不属于本单位职责", acting_user=world.handler_b)
        case.refresh_from_db()
        assert case.status == CaseStatus.RETURNED
        # Reassigned: lead + co-handler.
        services.assign_case(
            case, lead=world.dept_a1, co_handlers=[world.dept_a2], acting_user=world.staff
        )
        wrong.refresh_from_db()
        assert wrong.status == AssignmentStatus.RETURNED
        lead = Assignment.objects.get(
            case=case, department=world.dept_a1, status=AssignmentStatus.ASSIGNED
        )
        services.sign_assignment(lead, acting_user=world.handler_a)
        case.refresh_from_db()
        assert case.status == CaseStatus.SIGNED
        services.add_progress(
            case, note="已联系供电所勘察", public=True, acting_user=world.handler_a
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.IN_PROGRESS
        # Extension: requested by the department, approved by the office.
        until = lead.due_date + dt.timedelta(days=5)
        request = services.request_extension(
            lead, until=until, reason="需采购灯具", acting_user=world.handler_a
        )
        services.decide_extension(request, approve=True, note="同意", acting_user=world.staff)
        request.refresh_from_db()
        lead.refresh_from_db()
        case.refresh_from_db()
        assert request.status == ExtensionStatus.APPROVED
        assert lead.due_date == until and case.due_date == until
        # Reply, then 不满意 → re-handling due in one month.
        services.reply_case(
            lead, reply_class="B", text="已列入本月维修计划", acting_user=world.handler_a
        )
        case.refresh_from_db()
        assert (
            case.status == CaseStatus.REPLIED and case.reply_class == "B" and case.replied_on_time
        )
        services.rate_by_check_code(case, code=opinion.code, result="unsatisfied", comment="还没修")
        case.refresh_from_db()
        lead.refresh_from_db()
        assert case.status == CaseStatus.REHANDLING and case.round == 2
        assert lead.status == AssignmentStatus.SIGNED
        assert case.due_date == add_months(timezone.localdate(), 1)
        # Second reply and a satisfied rating close the case.
        services.reply_case(lead, reply_class="A", text="路灯已修复", acting_user=world.handler_a)
        services.rate_by_check_code(case, code=opinion.code, result="satisfied")
    case.refresh_from_db()
    # The submitter heard of both replies; the department of the unsatisfied rating.
    assert [m.phone for m in MemorySMSBackend.outbox] == ["13812345678", "13812345678"]
    assert (
        Notification.objects.filter(recipient=world.handler_a, title__contains=case.serial).count()
        == 3
    )
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    assert case.reply_class == "A" and case.evaluation_result == "satisfied"
    assert case.replies.count() == 2 and case.evaluations.count() == 2
    assert _actions(case) == [
        "submitted",
        "triaged",
        "assigned",
        "returned",
        "assigned",
        "signed",
        "progress",
        "extension_requested",
        "extension_approved",
        "replied",
        "rehandling",
        "replied",
        "evaluated",
    ]
    assert _logged(case) == [
        "case.submitted",
        "case.triaged",
        "case.assigned",
        "case.returned",
        "case.assigned",
        "case.signed",
        "case.progress",
        "case.extension_requested",
        "case.extension_approved",
        "case.replied",
        "case.rehandling",
        "case.replied",
        "case.evaluated",
    ]
    public = list(case.events.filter(is_public=True).values_list("action", flat=True))
    assert "returned" not in public and "extension_requested" not in public and "replied" in public


def test_split_units_each_reply_before_the_case_is_answered(world):
    case = submit(world).case
    services.assign_case(case, splits=[world.dept_a1, world.dept_a2], acting_user=world.staff)
    a1 = Assignment.objects.get(case=case, department=world.dept_a1)
    a2 = Assignment.objects.get(case=case, department=world.dept_a2)
    services.sign_assignment(a1, acting_user=world.handler_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.ASSIGNED  # a2 has not signed yet
    services.sign_assignment(a2, acting_user=world.handler_b)
    services.reply_case(a1, reply_class="A", text="本单位部分已解决", acting_user=world.handler_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED
    services.reply_case(a2, reply_class="C", text="需以后解决", acting_user=world.handler_b)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    assert case.reply_class == "C"  # the least favourable class of the units


def test_merge_keeps_every_submitter_and_answers_them_all(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        main = submit(world).case
        dup = submit(
            world, content="东塘村村口路灯损坏，晚上走路不安全", submitter_phone="13900009999"
        ).case
        services.merge_cases(dup, into=main, acting_user=world.staff, note="同一路灯")
        dup.refresh_from_db()
        assert dup.status == CaseStatus.MERGED and dup.merged_into == main
        services.assign_case(main, lead=world.dept_a1, acting_user=world.staff)
        lead = main.assignments.get()
        services.sign_assignment(lead, acting_user=world.handler_a)
        services.reply_case(lead, reply_class="A", text="已修复", acting_user=world.handler_a)
    assert sorted(m.phone for m in MemorySMSBackend.outbox) == ["13812345678", "13900009999"]
    assert "merge_received" in _actions(main)


def test_escalation_creates_a_linked_case_in_the_higher_congress(world):
    case = submit(world).case
    new = services.escalate_case(case, acting_user=world.staff, note="涉及区管道路")
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.escalated_to == new
    assert new.congress == world.c_district and new.category == world.cat_district
    assert new.submitter_phone == case.submitter_phone
    assert new.serial.startswith("MY") and new.status == CaseStatus.SUBMITTED
    assert _actions(new) == ["received_by_escalation"]


def test_priority_supervision_needs_a_leader_of_the_congress(world):
    case = submit(world).case
    with pytest.raises(DomainError):
        services.set_priority(case, leader=world.staff, acting_user=world.staff)
    services.set_priority(case, leader=world.leader, note="主席督办", acting_user=world.staff)
    case.refresh_from_db()
    assert case.is_priority and case.priority_leader == world.leader


def test_withdraw_and_redirect_need_a_reason_and_are_final(world):
    a = submit(world).case
    with pytest.raises(DomainError):
        services.withdraw_case(a, reason=" ", acting_user=world.staff)
    services.withdraw_case(a, reason="群众撤回", acting_user=world.staff)
    with pytest.raises(DomainError):
        services.assign_case(a, lead=world.dept_a1, acting_user=world.staff)
    b = submit(world).case
    services.redirect_case(b, reason="涉诉事项，引导走司法程序", acting_user=world.staff)
    b.refresh_from_db()
    assert b.status == CaseStatus.REDIRECTED


def test_return_window_is_enforced(world):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    Assignment.objects.filter(pk=assignment.pk).update(
        assigned_at=timezone.now() - dt.timedelta(days=8)
    )
    with pytest.raises(DomainError):
        services.return_assignment(assignment, reason="不归我们管", acting_user=world.handler_a)


def test_a_signed_assignment_cannot_be_returned_and_replies_need_a_signature(world):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    with pytest.raises(DomainError):
        services.reply_case(assignment, reply_class="A", text="x", acting_user=world.handler_a)
    services.sign_assignment(assignment, acting_user=world.handler_a)
    with pytest.raises(DomainError):
        services.return_assignment(assignment, reason="x", acting_user=world.handler_a)


def test_other_departments_cannot_act(world):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    with pytest.raises(DomainError):
        services.sign_assignment(assignment, acting_user=world.handler_b)
    with pytest.raises(DomainError):
        services.assign_case(case, lead=world.dept_a2, acting_user=world.handler_a)
    with pytest.raises(DomainError):
        services.assign_case(
            case, lead=world.dept_b1, acting_user=world.staff
        )  # another congress's unit


def test_bad_input_changes_nothing(world):
    before = (Case.objects.count(), ActionLog.objects.count())
    with pytest.raises(DomainError):
        submit(world, content="   ")
    with pytest.raises(DomainError):
        submit(world, content="x" * 5001)
    with pytest.raises(DomainError):
        submit(world, submitter_phone="12345")
    with pytest.raises(DomainError):
        submit(world, category=world.cat_b)
    with pytest.raises(DomainError):
        submit(world, village=world.village_b)
    assert (Case.objects.count(), ActionLog.objects.count()) == before
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    with pytest.raises(DomainError):
        services.reply_case(assignment, reply_class="", text="答复", acting_user=world.handler_a)
    with pytest.raises(DomainError):
        services.request_extension(
            assignment,
            until=timezone.localdate() + dt.timedelta(days=400),
            reason="太久",
            acting_user=world.handler_a,
        )
    with pytest.raises(DomainError):
        services.evaluate_case(case, result="satisfied", acting_user=world.staff)  # not replied
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED and not case.replies.exists()


def test_due_dates_follow_the_working_day_calendar(world):
    monday = dt.date(2026, 9, 28)
    Holiday.objects.bulk_create(
        [Holiday(date=monday + dt.timedelta(days=n), name="国庆") for n in range(3, 10)]
        + [Holiday(date=dt.date(2026, 10, 10), name="调休", is_workday=True)]
    )
    # 15 working days from Monday 28 September, across the National Day week.
    assert add_working_days(monday, 15) == dt.date(2026, 10, 23)


def test_due_date_beyond_the_longest_deadline_is_refused(world):
    case = submit(world).case
    rules = CaseRules.for_congress(world.c_a.pk)
    too_late = add_working_days(
        timezone.localdate(), rules.opinion_max_working_days
    ) + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        services.assign_case(case, lead=world.dept_a1, due=too_late, acting_user=world.staff)


def test_reminders_are_sent_once_and_overdue_cases_reach_staff_and_leaders(
    world, django_capture_on_commit_callbacks
):
    case = submit(world).case
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    due = assignment.due_date
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(due - dt.timedelta(days=2)) == {
            "due_soon": 1,
            "overdue": 0,
            "recheck": 0,
        }
        assert services.send_reminders(due - dt.timedelta(days=1)) == {
            "due_soon": 0,
            "overdue": 0,
            "recheck": 0,
        }
        assert services.send_reminders(due + dt.timedelta(days=1)) == {
            "due_soon": 0,
            "overdue": 1,
            "recheck": 0,
        }
        assert services.send_reminders(due + dt.timedelta(days=2)) == {
            "due_soon": 0,
            "overdue": 0,
            "recheck": 0,
        }
    assert DueReminder.objects.filter(object_type="cases.assignment").count() == 2
    assert (
        Notification.objects.filter(recipient=world.handler_a, title__contains=case.serial).count()
        >= 2
    )
    assert Notification.objects.filter(recipient=world.leader, title__contains=case.serial).exists()
    assert Notification.objects.filter(recipient=world.staff, title__contains=case.serial).exists()


def test_contact_reveal_is_logged_and_limited(world):
    case = submit(world).case
    assert services.reveal_contact(case, acting_user=world.staff) == ("赵先生", "13812345678")
    with pytest.raises(DomainError):
        services.reveal_contact(case, acting_user=world.handler_a)  # not assigned to them
    services.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assert services.reveal_contact(case, acting_user=world.handler_a)[1] == "13812345678"
    assert ActionLog.objects.filter(action="case.contact_revealed").count() == 2


def test_visible_to(world):
    a = submit(world).case
    b = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b).case
    assert set(Case.objects.visible_to(world.staff)) == {a}
    assert set(Case.objects.visible_to(world.other_staff)) == {b}
    assert not Case.objects.visible_to(world.handler_a).exists()
    services.assign_case(a, lead=world.dept_a1, acting_user=world.staff)
    assert set(Case.objects.visible_to(world.handler_a)) == {a}
    assert not Case.objects.visible_to(world.handler_b).exists()
    assert not Case.objects.visible_to(world.citizen).exists()
    RoleGrant.objects.create(user=world.citizen, role=Role.LEADER, congress=world.c_a)
    policy.forget(world.citizen)  # access is computed once per request; this is a new one
    assert set(Case.objects.visible_to(world.citizen)) == {a}


def test_a_split_unit_returning_does_not_strand_the_others(world):
    case = submit(world).case
    services.assign_case(case, splits=[world.dept_a1, world.dept_a2], acting_user=world.staff)
    a1 = Assignment.objects.get(case=case, department=world.dept_a1)
    a2 = Assignment.objects.get(case=case, department=world.dept_a2)
    services.sign_assignment(a1, acting_user=world.handler_a)
    services.return_assignment(a2, reason="不属于本单位", acting_user=world.handler_b)
    case.refresh_from_db()
    assert case.status == CaseStatus.SIGNED
    services.reply_case(a1, reply_class="A", text="已解决", acting_user=world.handler_a)
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED


def test_the_same_ticket_in_two_towns_is_told_apart_by_the_check_code(client, world):
    a = submit(world)
    b = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b)
    assert a.case.serial == b.case.serial
    for opinion in (a, b):
        page = client.post(
            "/opinions/track/", {"ticket": opinion.case.serial, "code": opinion.code}
        )
        assert page.status_code == 200 and page.context["case"] == opinion.case


def _replied(world):  # noqa: ANN001, ANN202
    opinion = submit(world)
    services.assign_case(opinion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = opinion.case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(assignment, reply_class="A", text="已修复", acting_user=world.handler_a)
    opinion.case.refresh_from_db()
    return opinion


def test_a_public_rating_needs_the_check_code_or_the_authors_own_account(world):
    """Issue 12: `by_public` is never trusted from the caller. A resident rates with the
    ticket's check code, verified by the engine; a signed-in author with their account."""
    opinion = _replied(world)
    with pytest.raises(DomainError):
        services.evaluate_case(opinion.case, result="satisfied", by_public=True)
    with pytest.raises(DomainError):
        services.evaluate_case(
            opinion.case, result="satisfied", by_public=True, acting_user=world.citizen
        )
    with pytest.raises(DomainError):
        services.rate_by_check_code(opinion.case, code="WRONG234", result="satisfied")
    assert not opinion.case.evaluations.exists()
    services.rate_by_check_code(opinion.case, code=opinion.code.lower(), result="satisfied")
    evaluation = opinion.case.evaluations.get()
    assert evaluation.by_public and evaluation.evaluator is None
    # A resident who submitted while signed in rates as themself.
    own = submit(world, submitter_user=world.citizen)
    services.assign_case(own.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = own.case.assignments.get()
    services.sign_assignment(assignment, acting_user=world.handler_a)
    services.reply_case(assignment, reply_class="A", text="已修复", acting_user=world.handler_a)
    services.evaluate_case(own.case, result="basic", by_public=True, acting_user=world.citizen)
    assert own.case.evaluations.get().evaluator == world.citizen


def test_the_rating_of_an_escalated_ticket_goes_to_the_higher_case(world):
    opinion = submit(world)
    higher = services.escalate_case(opinion.case, acting_user=world.staff)
    bureau = Department.objects.create(
        congress=world.c_district, name="区住建局", kind=DepartmentKind.DISTRICT_BUREAU
    )
    services.assign_case(higher, lead=bureau, acting_user=world.superuser)
    assignment = higher.assignments.get()
    services.sign_assignment(assignment, acting_user=world.superuser)
    services.reply_case(assignment, reply_class="A", text="已处理", acting_user=world.superuser)
    services.rate_by_check_code(opinion.case, code=opinion.code, result="satisfied")
    higher.refresh_from_db()
    assert higher.status == CaseStatus.CLOSED and higher.evaluations.get().by_public


def test_assignments_extensions_and_follow_ups_move_through_their_state_tables(world):
    opinion = _replied(world)
    assignment = opinion.case.assignments.get()
    logged = list(
        ActionLog.objects.filter(object_type="cases.assignment", object_id=str(assignment.pk))
        .order_by("id")
        .values_list("action", "changes")
    )
    assert logged == [
        ("assignment.signed", {"status": ["assigned", "signed"]}),
        ("assignment.replied", {"status": ["signed", "replied"]}),
    ]
    # A replied assignment cannot be returned or signed for again.
    with pytest.raises(DomainError):
        services.return_assignment(assignment, reason="不属于本单位", acting_user=world.handler_a)
    with pytest.raises(DomainError):
        services.sign_assignment(assignment, acting_user=world.handler_a)
    # Reassignment supersedes the open assignments, each with its audit entry.
    other = submit(world).case
    services.assign_case(other, lead=world.dept_a1, acting_user=world.staff)
    services.assign_case(other, lead=world.dept_a2, acting_user=world.staff)
    first = other.assignments.get(department=world.dept_a1)
    assert first.status == AssignmentStatus.SUPERSEDED
    assert ActionLog.objects.filter(
        action="assignment.superseded", object_id=str(first.pk)
    ).exists()
    # An extension request is decided once.
    current = other.assignments.get(department=world.dept_a2)
    request = services.request_extension(
        current,
        until=current.due_date + dt.timedelta(days=2),
        reason="需协调",
        acting_user=world.handler_b,
    )
    services.decide_extension(request, approve=False, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.decide_extension(request, approve=True, acting_user=world.staff)
    request.refresh_from_db()
    assert request.status == ExtensionStatus.REFUSED
    assert (
        ActionLog.objects.filter(action="extension.refused", object_id=str(request.pk))
        .get()
        .congress_id
        == world.c_a.pk
    )


def test_the_engine_names_no_front_door_page():
    """Issue 12: the engine links to its own pages and learns a door's pages from the door
    (`register_door`); it never reverses a door's URL names."""
    from pathlib import Path

    import renda.cases

    root = Path(renda.cases.__file__).parent
    named = re.compile(r"""(reverse\(\s*|\{%\s*url\s+)["'](?!cases:)\w+:""")
    sources = [p for p in root.rglob("*") if p.suffix in {".py", ".html"}]
    assert len(sources) > 20
    for path in sources:
        assert not named.search(path.read_text(encoding="utf-8")), path
    assert named.search('reverse("opinions:track")') and not named.search('reverse("cases:x")')
    case = Case(kind="opinion")
    assert services.track_url(case) == "/opinions/track/"  # registered by the opinions app
