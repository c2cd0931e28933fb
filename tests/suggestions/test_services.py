"""Deputies' suggestions through the services: a year replayed end to end on the engine."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    CaseKind,
    CaseStatus,
    FollowUp,
    FollowUpStatus,
)
from renda.congress.models import Deputy, DeputyMembership, Gender
from renda.congress.services import end_membership
from renda.core.errors import DomainError
from renda.core.models import ActionLog, DueReminder, Notification
from renda.core.notify import MemorySMSBackend
from renda.core.workdays import add_months
from renda.suggestions import services
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSignerStatus,
    MeetingStatus,
    MotionDecision,
    Suggestion,
    SuggestionStatus,
)

pytestmark = pytest.mark.usefixtures("cases_world")


@pytest.fixture(autouse=True)
def _sms(settings):  # noqa: ANN001, ANN202
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    MemorySMSBackend.outbox.clear()


def _deputy(world, name: str, phone: str, *, term=None):  # noqa: ANN001, ANN202
    user = get_user_model().objects.create_user(
        username=f"dep{phone}", password="pw-for-tests-1", name=name
    )
    deputy = Deputy.objects.create(name=name, gender=Gender.MALE, phone=phone, user=user)
    term = term or world.term_a
    DeputyMembership.objects.create(deputy=deputy, term=term, start_date=term.start_date)
    return SimpleNamespace(deputy=deputy, user=user)


def _raise(
    world, user, *, title="建议加快东塘村道路改造", session=None, cosigners=(), motion=False
):  # noqa: ANN001, ANN202
    suggestion = services.create_draft(
        acting_user=user,
        congress=world.c_a,
        category=world.cat_a,
        title=title,
        content="东塘村主干道破损严重，建议列入年度计划改造。",
        session=session,
        is_motion=motion,
    )
    if cosigners:
        services.invite_cosigners(suggestion, [c.deputy for c in cosigners], acting_user=user)
    services.submit_suggestion(suggestion, acting_user=user)
    suggestion.refresh_from_db()
    return suggestion


def test_co_signers_confirm_before_it_counts_and_numbers_follow_the_series(world):
    a, b = _deputy(world, "陈晓梅", "13700000001"), _deputy(world, "刘志强", "13700000002")
    suggestion = _raise(world, world.deputy_user, session=world.session_a, cosigners=[a, b])
    assert suggestion.status == SuggestionStatus.AWAITING_COSIGNERS and suggestion.case is None
    services.respond_to_invitation(suggestion, acting_user=a.user, accept=True)
    suggestion.refresh_from_db()
    assert suggestion.case is None
    services.respond_to_invitation(suggestion, acting_user=b.user, accept=False)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED
    assert (
        suggestion.case.kind == CaseKind.SUGGESTION
        and suggestion.case.status == CaseStatus.SUBMITTED
    )
    assert suggestion.case.serial == "JY20-1-001"
    between = _raise(world, world.deputy_user, title="闭会期间建议")
    assert between.case.serial == f"JYBH{timezone.localdate().year}-001"
    users, phones, _url = services.suggestion_audience(suggestion.case)
    assert set(users) == {world.deputy_user, a.user}  # the declined co-signer is not an author
    assert sorted(phones) == ["13700000001", "13900000001"]


def test_bad_co_signers_are_refused_and_nothing_is_written(world):
    outsider = _deputy(world, "外镇代表", "13700000009", term=world.term_b)
    ended = _deputy(world, "离任代表", "13700000008")
    end_membership(
        DeputyMembership.objects.get(deputy=ended.deputy),
        status="resigned",
        on=dt.date(2024, 1, 1),
        reason="调离",
        acting_user=world.staff,
    )
    suggestion = services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="建议",
        content="内容",
    )
    for bad in (outsider, ended):
        with pytest.raises(DomainError):
            services.invite_cosigners(suggestion, [bad.deputy], acting_user=world.deputy_user)
    with pytest.raises(DomainError):
        services.invite_cosigners(
            suggestion, [world.deputy_a], acting_user=world.deputy_user
        )  # the lead
    assert not suggestion.cosigners.exists()
    with pytest.raises(DomainError):
        services.create_draft(
            acting_user=world.citizen,
            congress=world.c_a,
            category=world.cat_a,
            title="x",
            content="y",
        )
    with pytest.raises(DomainError):
        services.create_draft(
            acting_user=world.deputy_user,
            congress=world.c_a,
            category=world.cat_b,
            title="x",
            content="y",
        )


def test_a_motion_needs_five_deputies(world):
    few = _raise(world, world.deputy_user, motion=True)
    assert few.motion_decision == MotionDecision.AS_SUGGESTION
    signers = [_deputy(world, f"代表{i}", f"1370000010{i}") for i in range(4)]
    motion = _raise(world, world.deputy_user, motion=True, cosigners=signers)
    for s in signers:
        services.respond_to_invitation(motion, acting_user=s.user, accept=True)
    motion.refresh_from_db()
    assert motion.motion_decision == MotionDecision.PENDING
    with pytest.raises(DomainError):
        services.decide_motion(motion, decision="agenda", note="", acting_user=world.deputy_user)
    with pytest.raises(DomainError):
        services.accept_suggestion(motion, acting_user=world.staff)  # decision pending
    services.decide_motion(motion, decision="agenda", note="列入议程", acting_user=world.staff)
    motion.refresh_from_db()
    assert motion.motion_decision == MotionDecision.AGENDA
    assert motion.case.events.filter(action="motion_decided").exists()
    assert motion.case.status == CaseStatus.REDIRECTED  # deliberated by the session
    with pytest.raises(DomainError):
        services.accept_suggestion(motion, acting_user=world.staff)


def test_an_unaccepted_suggestion_cannot_be_assigned(world):
    suggestion = _raise(world, world.deputy_user)
    with pytest.raises(DomainError):
        cases.assign_case(suggestion.case, lead=world.dept_a1, acting_user=world.staff)
    meeting = services.create_meeting(
        congress=world.c_a, title="交办会", held_on=timezone.localdate(), acting_user=world.staff
    )
    with pytest.raises(DomainError):
        services.set_meeting_item(
            meeting, suggestion.case, lead=world.dept_a1, acting_user=world.staff
        )


def test_rejection_returns_the_reason_or_converts_to_an_opinion(
    world, django_capture_on_commit_callbacks
):
    plain = _raise(world, world.deputy_user, title="不属于人大职权")
    with django_capture_on_commit_callbacks(execute=True):
        assert cases.reject_case(plain.case, reason="属于诉讼事项", acting_user=world.staff) is None
    plain.case.refresh_from_db()
    assert plain.case.status == CaseStatus.REJECTED
    assert Notification.objects.filter(
        recipient=world.deputy_user, title__contains=plain.case.serial
    ).exists()
    converted = _raise(world, world.deputy_user, title="更适合作为群众意见")
    opinion = cases.reject_case(
        converted.case, reason="作为群众意见办理", convert_to_opinion=True, acting_user=world.staff
    )
    converted.case.refresh_from_db()
    assert converted.case.converted_to == opinion and opinion.kind == CaseKind.OPINION
    assert opinion.source_deputy == world.deputy_a and opinion.status == CaseStatus.SUBMITTED


def test_merge_keeps_every_author(world, django_capture_on_commit_callbacks):
    other = _deputy(world, "周佳", "13700000021")
    main = _raise(world, world.deputy_user, title="道路改造")
    dup = _raise(world, other.user, title="道路改造（重复）")
    cases.triage_case(main.case, acting_user=world.staff)
    cases.merge_cases(dup.case, into=main.case, acting_user=world.staff)
    cases.assign_case(main.case, lead=world.dept_a1, acting_user=world.staff)
    lead = main.case.assignments.get()
    cases.sign_assignment(lead, acting_user=world.handler_a)
    with django_capture_on_commit_callbacks(execute=True):
        cases.reply_case(
            lead, reply_class="A", text="已列入计划并开工", acting_user=world.handler_a
        )
    assert sorted(m.phone for m in MemorySMSBackend.outbox) == ["13700000021", "13900000001"]


def test_a_year_replayed(world, django_capture_on_commit_callbacks):  # noqa: PLR0915
    """Suggestions raised at a session and between sessions, accepted, assigned at one
    交办会, replied with classes, evaluated, one re-handled after 不满意, one B followed up."""
    co = _deputy(world, "陈晓梅", "13700000031")
    at_session = [
        _raise(world, world.deputy_user, title=f"会议期间建议{i}", session=world.session_a)
        for i in range(3)
    ]
    between = [_raise(world, world.deputy_user, title="闭会期间建议", cosigners=[co])]
    services.respond_to_invitation(between[0], acting_user=co.user, accept=True)
    between[0].refresh_from_db()
    everything = at_session + between
    for s in everything:
        cases.triage_case(s.case, acting_user=world.staff)
    meeting = services.create_meeting(
        congress=world.c_a,
        title="2026年代表建议交办会",
        held_on=timezone.localdate(),
        acting_user=world.staff,
    )
    services.set_meeting_item(
        meeting,
        at_session[0].case,
        lead=world.dept_a1,
        co_handlers=[world.dept_a2],
        acting_user=world.staff,
    )
    services.set_meeting_item(
        meeting, at_session[1].case, splits=[world.dept_a1, world.dept_a2], acting_user=world.staff
    )
    for s in (at_session[2], between[0]):
        services.set_meeting_item(meeting, s.case, lead=world.dept_a1, acting_user=world.staff)
    assert services.hold_meeting(meeting, acting_user=world.staff) == 4
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    three_months = add_months(timezone.localdate(), 3)
    for s in everything:
        s.case.refresh_from_db()
        assert s.case.status == CaseStatus.ASSIGNED and s.case.due_date == three_months
    co_assignment = Assignment.objects.get(case=at_session[0].case, role=AssignmentRole.CO)
    assert co_assignment.due_date == add_months(timezone.localdate(), 1)  # views within a month

    def answer(s, klass, text, department=world.dept_a1, handler=world.handler_a):  # noqa: ANN001, ANN202
        a = Assignment.objects.get(
            case=s.case, department=department, status__in=["assigned", "signed"]
        )
        if a.status == "assigned":
            cases.sign_assignment(a, acting_user=handler)
        cases.reply_case(a, reply_class=klass, text=text, acting_user=handler)

    with django_capture_on_commit_callbacks(execute=True):
        # The co-handler sends its views; the lead meets the deputy, then replies A.
        cases.sign_assignment(co_assignment, acting_user=world.handler_b)
        cases.send_co_view(co_assignment, text="同意主办单位方案", acting_user=world.handler_b)
        cases.record_contact(
            at_session[0].case,
            stage="before",
            mode="meeting",
            met_on=timezone.localdate(),
            note="与代表面商改造方案",
            acting_user=world.handler_a,
        )
        answer(at_session[0], "A", "已完成改造")
        # Split units each reply.
        answer(at_session[1], "A", "本单位部分完成")
        answer(
            at_session[1], "B", "列入明年计划", department=world.dept_a2, handler=world.handler_b
        )
        answer(at_session[2], "C", "因资金限制以后解决")
        answer(between[0], "A", "已解决")
    for s in everything:
        s.case.refresh_from_db()
        assert s.case.status == CaseStatus.REPLIED and s.case.replied_on_time
    # The reply reached the lead deputy and the co-signer.
    assert "13700000031" in {m.phone for m in MemorySMSBackend.outbox}
    # Evaluations by the lead deputy; someone else cannot evaluate.
    with pytest.raises(DomainError):
        services.evaluate_suggestion(between[0], acting_user=co.user, result="satisfied")
    services.evaluate_suggestion(
        at_session[0], acting_user=world.deputy_user, result="satisfied", attitude="satisfied"
    )
    services.evaluate_suggestion(at_session[1], acting_user=world.deputy_user, result="basic")
    services.evaluate_suggestion(at_session[2], acting_user=world.deputy_user, result="satisfied")
    services.evaluate_suggestion(
        between[0], acting_user=world.deputy_user, result="unsatisfied", comment="未落实"
    )
    between[0].case.refresh_from_db()
    assert between[0].case.status == CaseStatus.REHANDLING
    assert between[0].case.due_date == add_months(timezone.localdate(), 1)
    answer(between[0], "A", "已重新办理并解决")
    services.evaluate_suggestion(between[0], acting_user=world.deputy_user, result="satisfied")
    for s in everything:
        s.case.refresh_from_db()
        assert s.case.status == CaseStatus.CLOSED
    # B (split) and C stay under follow-up after closing, until solved.
    followed = set(FollowUp.objects.values_list("case__serial", flat=True))
    assert followed == {at_session[1].case.serial, at_session[2].case.serial}
    b_case = at_session[1].case
    recheck = b_case.follow_up.recheck_date
    assert recheck == add_months(timezone.localdate(), 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert cases.send_reminders(recheck)["recheck"] == 2
    assert DueReminder.objects.filter(object_type="cases.followup", kind="recheck").count() == 2
    cases.record_follow_up(b_case, note="已开工", solved=False, acting_user=world.handler_b)
    cases.record_follow_up(b_case, note="已完工", solved=True, acting_user=world.handler_b)
    assert FollowUp.objects.get(case=b_case).status == FollowUpStatus.SOLVED
    # Publication after the reply, and the audit trail.
    services.set_published(at_session[0], published=True, acting_user=world.staff)
    assert Suggestion.objects.filter(is_published=True).count() == 1
    assert ActionLog.objects.filter(action="meeting.held").count() == 1
    assert Case.objects.get(pk=at_session[0].case.pk).has_contact


def test_holding_a_meeting_is_all_or_nothing(world):
    good = _raise(world, world.deputy_user, title="好的")
    bad = _raise(world, world.deputy_user, title="坏的")
    for s in (good, bad):
        cases.triage_case(s.case, acting_user=world.staff)
    meeting = services.create_meeting(
        congress=world.c_a, title="交办会", held_on=timezone.localdate(), acting_user=world.staff
    )
    services.set_meeting_item(meeting, good.case, lead=world.dept_a1, acting_user=world.staff)
    services.set_meeting_item(meeting, bad.case, lead=world.dept_a1, acting_user=world.staff)
    # Meanwhile the second one is assigned outside the meeting, then withdrawn.
    cases.withdraw_case(bad.case, reason="代表撤回", acting_user=world.staff)
    with pytest.raises(DomainError):
        services.hold_meeting(meeting, acting_user=world.staff)
    good.case.refresh_from_db()
    assert good.case.status == CaseStatus.TRIAGED and not Assignment.objects.exists()
    assert AssignmentMeeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_due_date_beyond_six_months_is_refused(world):
    s = _raise(world, world.deputy_user)
    cases.triage_case(s.case, acting_user=world.staff)
    too_late = add_months(timezone.localdate(), 6) + dt.timedelta(days=1)
    with pytest.raises(DomainError):
        cases.assign_case(s.case, lead=world.dept_a1, due=too_late, acting_user=world.staff)
    cases.assign_case(
        s.case, lead=world.dept_a1, due=add_months(timezone.localdate(), 6), acting_user=world.staff
    )
    lead = s.case.assignments.get()
    cases.sign_assignment(lead, acting_user=world.handler_a)
    with pytest.raises(DomainError):
        cases.request_extension(
            lead, until=too_late, reason="需要更长时间", acting_user=world.handler_a
        )


def test_drafts_are_the_lead_deputys(world):
    s = services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="草稿",
        content="内容",
    )
    other = _deputy(world, "他人", "13700000041")
    with pytest.raises(DomainError):
        services.update_draft(
            s, acting_user=other.user, category=world.cat_a, title="改", content="改"
        )
    with pytest.raises(DomainError):
        services.submit_suggestion(s, acting_user=other.user)
    services.withdraw_draft(s, acting_user=world.deputy_user)
    s.refresh_from_db()
    assert s.status == SuggestionStatus.WITHDRAWN and s.case is None
    assert not s.cosigners.filter(status=CoSignerStatus.CONFIRMED).exists()


def test_the_deputy_hears_of_acceptance_assignment_reply_and_overdue(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        s = _raise(world, world.deputy_user)
        cases.triage_case(s.case, acting_user=world.staff)
        cases.assign_case(s.case, lead=world.dept_a1, acting_user=world.staff)
    lead = s.case.assignments.get()
    with django_capture_on_commit_callbacks(execute=True):
        cases.send_reminders(lead.due_date + dt.timedelta(days=1))
    titles = list(
        Notification.objects.filter(recipient=world.deputy_user).values_list("title", flat=True)
    )
    serial = s.case.serial
    assert sum(serial in t for t in titles) >= 4  # submitted, accepted, assigned, overdue
    # In-app only: no text message before the reply.
    assert MemorySMSBackend.outbox == []


# --- one service for "create, invite co-signers, submit"; every status through the table --------


def test_raise_suggestion_creates_invites_and_submits_in_one_step(world):
    a = _deputy(world, "陈晓梅", "13700000051")
    suggestion = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="一次提交",
        content="建议内容完整。",
        cosigners=[a.deputy],
        submit=True,
    )
    assert suggestion.status == SuggestionStatus.AWAITING_COSIGNERS
    assert list(suggestion.cosigners.values_list("deputy_id", "status")) == [
        (a.deputy.pk, CoSignerStatus.INVITED)
    ]
    draft = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="只存草稿",
        content="内容",
    )
    assert draft.status == SuggestionStatus.DRAFT and draft.case is None
    alone = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="独自提交",
        content="内容",
        submit=True,
    )
    assert alone.status == SuggestionStatus.SUBMITTED and alone.case.kind == CaseKind.SUGGESTION


def test_raise_suggestion_is_all_or_nothing(world):
    outsider = _deputy(world, "外镇代表", "13700000052", term=world.term_b)
    before = Suggestion.objects.count()
    with pytest.raises(DomainError):
        services.raise_suggestion(
            acting_user=world.deputy_user,
            congress=world.c_a,
            category=world.cat_a,
            title="带外镇联名",
            content="内容",
            cosigners=[outsider.deputy],
            submit=True,
        )
    assert Suggestion.objects.count() == before
    assert not ActionLog.objects.filter(action="suggestion.drafted").exists()


def test_every_suggestion_status_change_is_a_move_with_its_audit_entry(world):
    a, b = _deputy(world, "甲代表", "13700000053"), _deputy(world, "乙代表", "13700000054")
    suggestion = _raise(world, world.deputy_user, cosigners=[a, b])
    awaiting = ActionLog.objects.get(
        action="suggestion.awaiting_cosigners", object_id=str(suggestion.pk)
    )
    assert awaiting.changes["status"] == ["draft", "awaiting"]
    services.respond_to_invitation(suggestion, acting_user=a.user, accept=True)
    services.respond_to_invitation(suggestion, acting_user=b.user, accept=False)
    # The co-signers' answers are the suggestion's entries (its congress scopes the log).
    for action, status in (("confirmed", "confirmed"), ("declined", "declined")):
        entry = ActionLog.objects.get(action=f"suggestion.cosign_{action}")
        assert (entry.object_type, entry.object_id) == (
            "suggestions.suggestion",
            str(suggestion.pk),
        )
        assert entry.congress_id == world.c_a.pk
        assert entry.changes["status"] == ["invited", status]
    submitted = ActionLog.objects.get(action="suggestion.submitted", object_id=str(suggestion.pk))
    suggestion.refresh_from_db()
    assert submitted.changes["status"] == ["awaiting", "submitted"]
    assert submitted.changes["case"] == [None, suggestion.case.serial]
    assert suggestion.submitted_at is not None
    with pytest.raises(DomainError, match="您已作出回复"):
        services.respond_to_invitation(suggestion, acting_user=a.user, accept=False)
    with pytest.raises(DomainError):
        services.withdraw_draft(suggestion, acting_user=world.deputy_user)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED


def test_a_held_meeting_records_its_move(world):
    s = _raise(world, world.deputy_user, title="交办一件")
    cases.triage_case(s.case, acting_user=world.staff)
    meeting = services.create_meeting(
        congress=world.c_a, title="交办会", held_on=timezone.localdate(), acting_user=world.staff
    )
    services.set_meeting_item(meeting, s.case, lead=world.dept_a1, acting_user=world.staff)
    assert services.hold_meeting(meeting, acting_user=world.staff) == 1
    entry = ActionLog.objects.get(action="meeting.held")
    assert entry.changes == {"status": ["planned", "held"], "assigned": [None, 1]}
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.held_at is not None
    with pytest.raises(DomainError):
        services.hold_meeting(meeting, acting_user=world.staff)
