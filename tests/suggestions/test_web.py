"""Deputies' suggestions through the browser's eyes: the deputy's pages, the presidium
office's review, meetings and exports, the public page, the permission matrix and the
query counts of the lists."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.cases import services as cases
from renda.cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    ContactRecord,
    Evaluation,
    FollowUp,
    Reply,
)
from renda.congress import services as congress_services
from renda.congress.models import Department, DepartmentKind, Deputy, DeputyMembership, Gender
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.suggestions import services
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSigner,
    CoSignerStatus,
    MeetingStatus,
    MotionDecision,
    Suggestion,
    SuggestionStatus,
)

pytestmark = pytest.mark.usefixtures("cases_world")

_phones = itertools.count(13700000001)


def _deputy(world, name: str, *, user: bool = True, term=None):  # noqa: ANN001, ANN202
    term = term or world.term_a
    deputy = Deputy.objects.create(name=name, gender=Gender.FEMALE, phone=str(next(_phones)))
    DeputyMembership.objects.create(
        deputy=deputy,
        term=term,
        group=world.group_a if term == world.term_a else None,
        start_date=term.start_date,
    )
    if user:
        deputy.user = get_user_model().objects.create_user(
            username=f"dep-{deputy.pk}", password="pw-for-tests-1", name=name
        )
        deputy.save(update_fields=["user"])
    return deputy


@pytest.fixture
def colleagues(world):  # noqa: ANN001, ANN201
    """Four more deputies of town A, with accounts."""
    return [_deputy(world, name) for name in ("张红梅", "刘志强", "陈静", "杨帆")]


def _form(world, **overrides):  # noqa: ANN001, ANN003, ANN202
    data = {
        "session": world.session_a.pk,
        "category": world.cat_a.pk,
        "title": "关于修缮东塘村村道的建议",
        "content": "东塘村村道破损严重，雨天积水，建议列入年度修缮计划。",
        "submit": "1",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}


def _new(client, world, **overrides):  # noqa: ANN001, ANN003, ANN202
    return client.post(reverse("suggestions:new", args=[world.c_a.pk]), _form(world, **overrides))


def _act(client, suggestion, action: str, data=None):  # noqa: ANN001, ANN202
    return client.post(reverse("suggestions:action", args=[suggestion.pk, action]), data or {})


def _office(client, suggestion, action: str, data=None):  # noqa: ANN001, ANN202
    return client.post(
        reverse("suggestions:office_action", args=[suggestion.pk, action]), data or {}
    )


def _submitted(world, *, title: str = "关于增设路灯的建议", lead_user=None, session=True):  # noqa: ANN001, ANN202
    user = lead_user or world.deputy_user
    suggestion = services.create_draft(
        acting_user=user,
        congress=world.c_a,
        category=world.cat_a,
        title=title,
        content=f"{title}：具体情况说明。",
        session=world.session_a if session else None,
    )
    services.submit_suggestion(suggestion, acting_user=user)
    suggestion.refresh_from_db()
    return suggestion


def _accepted(world, **kwargs):  # noqa: ANN001, ANN003, ANN202
    suggestion = _submitted(world, **kwargs)
    cases.triage_case(suggestion.case, acting_user=world.staff)
    suggestion.refresh_from_db()
    return suggestion


def _replied(world, reply_class: str = "A", **kwargs):  # noqa: ANN001, ANN003, ANN202
    suggestion = _accepted(world, **kwargs)
    cases.assign_case(suggestion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = suggestion.case.assignments.get()
    cases.sign_assignment(assignment, acting_user=world.handler_a)
    cases.reply_case(
        assignment,
        reply_class=reply_class,
        text="内部答复：已列入明年计划，王建国代表电话13900000001",
        public_text="村道修缮已列入明年计划。",
        acting_user=world.handler_a,
    )
    suggestion.refresh_from_db()
    return suggestion


# --- the deputy ------------------------------------------------------------------------------------


def test_a_deputy_drafts_invites_and_the_suggestion_counts_once_both_confirm(
    client, world, colleagues
):
    one, two = colleagues[:2]
    client.force_login(world.deputy_user)
    page = client.get(reverse("suggestions:new", args=[world.c_a.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert one.name in body and world.group_a.name in body
    assert world.deputy_b.name not in body  # another town's deputy
    lead_choices = [c[0].value for c in page.context["form"].fields["cosigners"].choices]
    assert world.deputy_a.pk not in lead_choices  # not the lead

    response = _new(client, world, cosigners=[one.pk, two.pk])
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert response["Location"] == reverse("suggestions:detail", args=[suggestion.pk])
    assert suggestion.status == SuggestionStatus.AWAITING_COSIGNERS and suggestion.case is None
    assert set(suggestion.cosigners.values_list("deputy_id", "status")) == {
        (one.pk, "invited"),
        (two.pk, "invited"),
    }

    client.force_login(one.user)
    invitations = client.get(reverse("suggestions:mine"), {"tab": "invitations"})
    assert suggestion in invitations.context["page"].object_list
    assert _act(client, suggestion, "confirm").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.AWAITING_COSIGNERS

    client.force_login(two.user)
    assert (
        client.get(reverse("suggestions:action", args=[suggestion.pk, "confirm"])).status_code
        == 200
    )
    assert _act(client, suggestion, "confirm").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.SUBMITTED
    case = suggestion.case
    assert case.kind == CaseKind.SUGGESTION and case.status == CaseStatus.SUBMITTED
    assert case.serial.startswith("JY20-1-")
    assert case.source_deputy == world.deputy_a

    client.force_login(world.deputy_user)
    submitted = client.get(reverse("suggestions:mine"), {"tab": "submitted"})
    assert suggestion in submitted.context["page"].object_list
    detail = client.get(reverse("suggestions:detail", args=[suggestion.pk]))
    assert detail.status_code == 200 and case.serial in detail.content.decode()


def test_a_declined_cosigner_does_not_count_and_a_small_motion_becomes_a_suggestion(
    client, world, colleagues
):
    client.force_login(world.deputy_user)
    response = _new(client, world, is_motion="on", cosigners=[d.pk for d in colleagues])
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    for deputy in colleagues[:3]:
        client.force_login(deputy.user)
        assert _act(client, suggestion, "confirm").status_code == 302
    client.force_login(colleagues[3].user)
    assert _act(client, suggestion, "decline").status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.cosigners.get(deputy=colleagues[3]).status == CoSignerStatus.DECLINED
    assert suggestion.status == SuggestionStatus.SUBMITTED
    # Lead + 3 confirmed = 4 deputies: not enough for a motion.
    assert suggestion.motion_decision == MotionDecision.AS_SUGGESTION
    # Answering twice is refused.
    assert _act(client, suggestion, "confirm").status_code == 400


def test_a_motion_with_five_signers_waits_for_the_presidium(client, world, colleagues):
    client.force_login(world.deputy_user)
    _new(client, world, is_motion="on", cosigners=[d.pk for d in colleagues])
    suggestion = Suggestion.objects.get()
    for deputy in colleagues:
        client.force_login(deputy.user)
        _act(client, suggestion, "confirm")
    suggestion.refresh_from_db()
    assert suggestion.motion_decision == MotionDecision.PENDING

    client.force_login(world.staff)
    listed = client.get(reverse("suggestions:office_list"), {"view": "all", "motion": "pending"})
    assert suggestion in listed.context["page"].object_list
    client.force_login(world.leader)  # leaders read, the office decides
    assert _office(client, suggestion, "motion", {"decision": "agenda"}).status_code == 404
    client.force_login(world.staff)
    assert _office(client, suggestion, "motion", {"decision": "nonsense"}).status_code == 400
    assert _office(client, suggestion, "motion", {"decision": "agenda"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.motion_decision == MotionDecision.AGENDA
    assert suggestion.case.events.filter(action="motion_decided", is_public=True).exists()
    assert _office(client, suggestion, "motion", {"decision": "agenda"}).status_code == 400


def test_draft_edit_invite_submit_and_withdraw(client, world, colleagues):
    client.force_login(world.deputy_user)
    response = _new(client, world, session="", submit=None, draft="1")
    assert response.status_code == 302
    draft = Suggestion.objects.get()
    assert draft.status == SuggestionStatus.DRAFT and draft.session is None and draft.case is None
    assert draft in client.get(reverse("suggestions:mine"), {"tab": "drafts"}).context["page"]

    edit_url = reverse("suggestions:action", args=[draft.pk, "edit"])
    assert client.get(edit_url).context["form"].initial["title"] == draft.title
    edited = client.post(edit_url, _form(world, session="", title="新标题：村道修缮"))
    assert edited.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "新标题：村道修缮"

    assert _act(client, draft, "invite", {"cosigners": [colleagues[0].pk]}).status_code == 302
    assert draft.cosigners.count() == 1
    # Withdrawing a draft the co-signer has not answered yet.
    assert _act(client, draft, "withdraw").status_code == 302
    draft.refresh_from_db()
    assert draft.status == SuggestionStatus.WITHDRAWN
    assert _act(client, draft, "submit").status_code == 400  # refused, shown as an error

    other = services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="闭会期间的建议",
        content="闭会期间提出的建议内容。",
    )
    assert _act(client, other, "submit").status_code == 302
    other.refresh_from_db()
    assert other.case.serial.startswith(f"JYBH{timezone.localdate().year}-")
    assert _act(client, other, "edit", _form(world, title="改不了")).status_code == 400
    other.refresh_from_db()
    assert other.title == "闭会期间的建议"


def test_who_may_raise_and_see_suggestions(client, world, colleagues):
    mine = _submitted(world)
    theirs = _submitted(world, title="别人的建议", lead_user=colleagues[0].user)
    cosigned = services.create_draft(
        acting_user=colleagues[1].user,
        congress=world.c_a,
        category=world.cat_a,
        title="请我联名的建议",
        content="内容内容内容。",
    )
    services.invite_cosigners(cosigned, [world.deputy_a], acting_user=colleagues[1].user)

    client.force_login(world.deputy_user)
    listed = set()
    for tab in ("drafts", "awaiting", "submitted", "invitations", "evaluate"):
        listed |= set(client.get(reverse("suggestions:mine"), {"tab": tab}).context["page"])
    assert listed == {mine, cosigned}
    assert client.get(reverse("suggestions:detail", args=[cosigned.pk])).status_code == 200
    assert client.get(reverse("suggestions:detail", args=[theirs.pk])).status_code == 404
    assert _act(client, theirs, "withdraw").status_code == 404

    client.force_login(world.citizen)
    assert client.get(reverse("suggestions:mine")).status_code == 404
    assert client.get(reverse("suggestions:new", args=[world.c_a.pk])).status_code == 404
    assert client.get(reverse("suggestions:detail", args=[mine.pk])).status_code == 404

    world.deputy_b.user = get_user_model().objects.create_user(
        username="deputy_b", password="pw-for-tests-1", name="李秀英"
    )
    world.deputy_b.save(update_fields=["user"])
    client.force_login(world.deputy_b.user)
    assert client.get(reverse("suggestions:new", args=[world.c_a.pk])).status_code == 404
    assert client.get(reverse("suggestions:detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("suggestions:new", args=[world.c_b.pk])).status_code == 200
    assert client.get(reverse("suggestions:mine")).status_code == 200


def test_bad_input_is_refused_and_nothing_is_saved(client, world, colleagues, monkeypatch):
    ended = colleagues[0]
    congress_services.end_membership(
        ended.memberships.get(),
        status="resigned",
        on=timezone.localdate(),
        reason="工作调动",
        acting_user=world.staff,
    )
    client.force_login(world.deputy_user)
    for overrides in (
        {"cosigners": [world.deputy_b.pk]},  # not a deputy of this congress
        {"cosigners": [ended.pk]},  # membership ended
        {"cosigners": [world.deputy_a.pk]},  # the lead
        {"title": ""},
        {"title": "  "},
        {"content": ""},
        {"content": "长" * 5001},
        {"category": world.cat_b.pk},
        {"session": world.session_b.pk},
    ):
        response = _new(client, world, **overrides)
        assert response.status_code == 400, overrides
        assert response.context["form"].errors, overrides
    assert not Suggestion.objects.exists()

    # A refusal after the draft was written rolls everything back.
    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise DomainError("refused for the test")

    monkeypatch.setattr(services, "submit_suggestion", refuse)
    response = _new(client, world, cosigners=[colleagues[1].pk])
    assert response.status_code == 400
    assert "refused for the test" in response.content.decode()
    assert not Suggestion.objects.exists() and not CoSigner.objects.exists()
    assert not ActionLog.objects.filter(action="suggestion.drafted").exists()


def test_only_the_lead_deputy_rates_the_reply(client, world, colleagues):
    suggestion = services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="关于修缮村道的建议",
        content="村道需要修缮。",
        session=world.session_a,
    )
    services.invite_cosigners(suggestion, [colleagues[0]], acting_user=world.deputy_user)
    services.submit_suggestion(suggestion, acting_user=world.deputy_user)
    services.respond_to_invitation(suggestion, acting_user=colleagues[0].user, accept=True)
    cases.triage_case(Suggestion.objects.get().case, acting_user=world.staff)
    suggestion.refresh_from_db()
    case = suggestion.case
    cases.assign_case(case, lead=world.dept_a1, acting_user=world.staff)
    assignment = case.assignments.get()
    cases.sign_assignment(assignment, acting_user=world.handler_a)
    cases.reply_case(
        assignment,
        reply_class="B",
        text="正在办理",
        public_text="正在办理中",
        acting_user=world.handler_a,
    )

    for user in (colleagues[0].user, colleagues[1].user, world.staff, world.citizen):
        client.force_login(user)
        assert _act(client, suggestion, "evaluate", {"result": "satisfied"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED and not Evaluation.objects.exists()

    client.force_login(world.deputy_user)
    assert (
        suggestion in client.get(reverse("suggestions:mine"), {"tab": "evaluate"}).context["page"]
    )
    detail = client.get(reverse("suggestions:detail", args=[suggestion.pk]))
    assert detail.context["can_evaluate"] and "正在办理中" in detail.content.decode()
    assert _act(client, suggestion, "evaluate", {"result": "bad"}).status_code == 400
    response = _act(client, suggestion, "evaluate", {"result": "basic", "attitude": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.evaluation_result == "basic"
    assert _act(client, suggestion, "evaluate", {"result": "basic"}).status_code == 400
    assert Evaluation.objects.count() == 1
    # A B reply stays under follow-up until solved.
    assert FollowUp.objects.filter(case=case, status="open").exists()


# --- the office ------------------------------------------------------------------------------------


def test_the_office_accepts_and_rejects_with_conversion(client, world):
    first = _submitted(world, title="建议一")
    second = _submitted(world, title="建议二")
    client.force_login(world.staff)
    review = client.get(reverse("suggestions:office_list"))
    assert set(review.context["page"]) == {first, second}
    assert client.get(reverse("suggestions:office_detail", args=[first.pk])).status_code == 200
    assert (
        client.get(reverse("suggestions:office_action", args=[first.pk, "accept"])).status_code
        == 200
    )
    assert _office(client, first, "accept", {"note": "同意立案"}).status_code == 302
    first.case.refresh_from_db()
    assert first.case.status == CaseStatus.TRIAGED
    accepted = client.get(reverse("suggestions:office_list"), {"view": "accepted"})
    assert list(accepted.context["page"]) == [first]

    assert _office(client, second, "reject", {"reason": ""}).status_code == 400
    response = _office(client, second, "reject", {"reason": "属于个人诉求", "convert": "on"})
    assert response.status_code == 302
    second.case.refresh_from_db()
    assert second.case.status == CaseStatus.REJECTED
    opinion = second.case.converted_to
    assert opinion is not None and opinion.kind == CaseKind.OPINION
    assert opinion.serial.startswith("MY") and opinion.content == second.case.content
    # An accepted suggestion can no longer be rejected.
    assert _office(client, first, "reject", {"reason": "不行"}).status_code == 400


def test_the_office_merges_duplicate_suggestions(client, world):
    main = _submitted(world, title="主建议")
    dup = _submitted(world, title="重复建议")
    client.force_login(world.staff)
    assert _office(client, dup, "merge", {"into": "JY99-9-999"}).status_code == 400
    response = _office(client, dup, "merge", {"into": main.case.serial.lower()})
    assert response.status_code == 302
    dup.case.refresh_from_db()
    assert dup.case.status == CaseStatus.MERGED and dup.case.merged_into == main.case


def test_withdraw_priority_supervision_and_contact(client, world):
    suggestion = _accepted(world)
    other = _submitted(world, title="撤回的建议")
    client.force_login(world.staff)
    assert _office(client, other, "withdraw", {"reason": "代表申请撤回"}).status_code == 302
    other.case.refresh_from_db()
    assert other.case.status == CaseStatus.WITHDRAWN

    assert _office(client, suggestion, "priority", {"leader": world.staff.pk}).status_code == 400
    assert _office(client, suggestion, "priority", {"leader": world.leader.pk}).status_code == 302
    suggestion.case.refresh_from_db()
    assert suggestion.case.is_priority and suggestion.case.priority_leader == world.leader

    client.force_login(world.leader)
    assert _office(client, suggestion, "accept").status_code == 404
    assert (
        _office(
            client, suggestion, "supervise", {"note": "现场查看", "site_check": "on"}
        ).status_code
        == 302
    )
    assert suggestion.case.events.filter(action="supervision").exists()

    client.force_login(world.staff)
    contact = {
        "stage": "before",
        "mode": "phone",
        "met_on": str(timezone.localdate()),
        "note": "电话沟通",
    }
    assert _office(client, suggestion, "contact", contact).status_code == 400  # no department yet
    cases.assign_case(suggestion.case, lead=world.dept_a1, acting_user=world.staff)
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    assert (
        _office(client, suggestion, "contact", {**contact, "met_on": tomorrow}).status_code == 400
    )
    assert _office(client, suggestion, "contact", contact).status_code == 302
    record = ContactRecord.objects.get()
    assert record.department == world.dept_a1 and record.recorded_by == world.staff
    page = client.get(reverse("suggestions:office_detail", args=[suggestion.pk]))
    assert "电话沟通" in page.content.decode()
    # The case part of the page is the engine's own template, not a front door's.
    rendered = [template.name for template in page.templates]
    assert "cases/_case_body.html" in rendered
    assert not [name for name in rendered if name and name.startswith("opinions/")]


def test_the_office_page_takes_the_engines_action_definitions(client, world):
    """Issue 12: the suggestion page acts through the engine's action table (same form,
    same rule of who may act), in its own words where it has them."""
    from renda.cases.views.actions import CASE_ACTIONS
    from renda.suggestions.views.staff import OFFICE_ACTIONS

    for name in ("priority", "supervise", "contact", "follow_up", "withdraw"):
        assert OFFICE_ACTIONS[name].perm == CASE_ACTIONS[name].perm
    assert OFFICE_ACTIONS["priority"].title == CASE_ACTIONS["priority"].title
    assert str(OFFICE_ACTIONS["contact"].title) != str(CASE_ACTIONS["contact"].title)
    suggestion = _accepted(world)
    client.force_login(world.staff)
    page = client.get(reverse("suggestions:office_action", args=[suggestion.pk, "follow_up"]))
    assert page.status_code == 200 and "next_recheck" in page.context["form"].fields


def _meeting(client, world, title: str = "2026年第一次建议交办会"):  # noqa: ANN001, ANN202
    response = client.post(
        reverse("suggestions:meetings"),
        {"congress": world.c_a.pk, "title": title, "held_on": str(timezone.localdate())},
    )
    assert response.status_code == 302
    return AssignmentMeeting.objects.get(title=title)


def _item(client, meeting, suggestion, **data):  # noqa: ANN001, ANN003, ANN202
    return client.post(
        reverse("suggestions:meeting_action", args=[meeting.pk, "item"]),
        {"case": suggestion.case.pk, **data},
    )


def test_the_assignment_meeting_assigns_everything_on_its_list(client, world):
    dept_a3 = Department.objects.create(
        congress=world.c_a, name="农业农村办公室", kind=DepartmentKind.TOWN_OFFICE
    )
    first = _accepted(world, title="建议一")
    second = _accepted(world, title="建议二")
    unaccepted = _submitted(world, title="未立案的建议")
    client.force_login(world.staff)
    meeting = _meeting(client, world)
    page = client.get(reverse("suggestions:meeting", args=[meeting.pk]))
    choices = {c[0].value for c in page.context["item_form"].fields["case"].choices if c[0]}
    assert choices == {first.case.pk, second.case.pk}
    assert _item(client, meeting, unaccepted, mode="lead", lead=world.dept_a1.pk).status_code == 400
    assert _item(client, meeting, first, mode="split", splits=[world.dept_a1.pk]).status_code == 400

    due = timezone.localdate() + dt.timedelta(days=60)
    assert (
        _item(
            client, meeting, first, mode="lead", lead=world.dept_a1.pk, co_handlers=[dept_a3.pk]
        ).status_code
        == 302
    )
    assert (
        _item(
            client,
            meeting,
            second,
            mode="split",
            splits=[world.dept_a1.pk, dept_a3.pk],
            due=str(due),
        ).status_code
        == 302
    )
    listing = client.get(reverse("suggestions:meeting", args=[meeting.pk])).content.decode()
    assert first.case.serial in listing and second.case.serial in listing
    assert world.deputy_a.name in listing

    hold = reverse("suggestions:meeting_action", args=[meeting.pk, "hold"])
    assert client.get(hold).status_code == 200
    assert client.post(hold).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    roles = lambda s: set(  # noqa: E731
        Assignment.objects.filter(case=s.case).values_list("department_id", "role")
    )
    assert roles(first) == {
        (world.dept_a1.pk, AssignmentRole.LEAD),
        (dept_a3.pk, AssignmentRole.CO),
    }
    assert roles(second) == {
        (world.dept_a1.pk, AssignmentRole.SPLIT),
        (dept_a3.pk, AssignmentRole.SPLIT),
    }
    second.case.refresh_from_db()
    assert second.case.status == CaseStatus.ASSIGNED and second.case.due_date == due
    # The list is final once held.
    assert client.post(hold).status_code == 400
    item = meeting.items.first()
    remove = reverse("suggestions:meeting_action", args=[meeting.pk, "remove"])
    assert client.post(remove, {"item": item.pk}).status_code == 400

    # The department sees its assignment in its existing inbox; another department does not.
    client.force_login(world.handler_a)
    inbox = client.get(reverse("cases:department_inbox")).content.decode()
    assert first.case.serial in inbox and second.case.serial in inbox
    assert client.get(reverse("cases:department_case", args=[first.case.pk])).status_code == 200
    client.force_login(world.handler_b)
    assert client.get(reverse("cases:department_case", args=[first.case.pk])).status_code == 404
    assert first.case.serial not in client.get(reverse("cases:department_inbox")).content.decode()


def test_a_meeting_that_cannot_assign_one_item_assigns_nothing(client, world):
    first = _accepted(world, title="建议一")
    second = _accepted(world, title="建议二")
    client.force_login(world.staff)
    meeting = _meeting(client, world)
    _item(client, meeting, first, mode="lead", lead=world.dept_a1.pk)
    _item(client, meeting, second, mode="lead", lead=world.dept_a2.pk)
    assert meeting.items.count() == 2
    cases.withdraw_case(second.case, reason="代表撤回", acting_user=world.staff)
    response = client.post(reverse("suggestions:meeting_action", args=[meeting.pk, "hold"]))
    assert response.status_code == 400
    assert second.case.serial in response.content.decode()
    assert not Assignment.objects.exists()
    meeting.refresh_from_db()
    first.case.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and first.case.status == CaseStatus.TRIAGED

    # Taking the bad item off the list lets the meeting go ahead.
    item = meeting.items.get(case=second.case)
    remove = reverse("suggestions:meeting_action", args=[meeting.pk, "remove"])
    assert client.post(remove, {"item": item.pk}).status_code == 302
    assert (
        client.post(reverse("suggestions:meeting_action", args=[meeting.pk, "hold"])).status_code
        == 302
    )
    assert Assignment.objects.get().case == first.case


def test_a_meeting_with_an_already_assigned_item_assigns_nothing(client, world):
    first = _accepted(world, title="建议一")
    second = _accepted(world, title="建议二")
    client.force_login(world.staff)
    meeting = _meeting(client, world)
    _item(client, meeting, first, mode="lead", lead=world.dept_a1.pk)
    _item(client, meeting, second, mode="lead", lead=world.dept_a2.pk)
    cases.assign_case(second.case, lead=world.dept_a1, acting_user=world.staff)
    response = client.post(reverse("suggestions:meeting_action", args=[meeting.pk, "hold"]))
    assert response.status_code == 400
    assert list(Assignment.objects.values_list("case_id", "department_id")) == [
        (second.case.pk, world.dept_a1.pk)
    ]


def test_meeting_exports_and_the_ledger(client, world):
    first = _accepted(world, title="建议一")
    client.force_login(world.staff)
    meeting = _meeting(client, world)
    _item(client, meeting, first, mode="lead", lead=world.dept_a1.pk)
    for fmt, content_type in (
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ):
        response = client.get(reverse("suggestions:meeting_export", args=[meeting.pk, fmt]))
        assert response.status_code == 200, fmt
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert response.content[:2] == b"PK"
    assert (
        client.get(reverse("suggestions:meeting_export", args=[meeting.pk, "pdf"])).status_code
        == 404
    )
    assert ActionLog.objects.filter(action="suggestions.exported", actor=world.staff).count() == 2
    ledger = client.get(reverse("suggestions:ledger"))
    assert ledger.status_code == 200
    assert ledger["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    client.force_login(world.other_staff)
    assert (
        client.get(reverse("suggestions:meeting_export", args=[meeting.pk, "xlsx"])).status_code
        == 404
    )


def test_figures_and_follow_ups(client, world):
    pytest.importorskip("renda.suggestions.figures")
    suggestion = _replied(world, reply_class="C")
    services.evaluate_suggestion(suggestion, acting_user=world.deputy_user, result="satisfied")
    client.force_login(world.leader)
    figures = client.get(reverse("suggestions:figures"))
    assert figures.status_code == 200
    assert figures.context["total"]["received"] == 1
    assert figures.context["total"]["class_c"] == 1
    follow_ups = client.get(reverse("suggestions:follow_ups"))
    assert [fu.case for fu in follow_ups.context["page"]] == [suggestion.case]

    client.force_login(world.staff)
    assert _office(client, suggestion, "follow_up", {"note": "已完成"}).status_code == 302
    assert (
        _office(client, suggestion, "follow_up", {"note": "已解决", "solved": "on"}).status_code
        == 302
    )
    assert not client.get(reverse("suggestions:follow_ups")).context["page"].object_list


# --- publication ----------------------------------------------------------------------------------


def test_only_an_answered_suggestion_is_published_without_personal_data(client, world):
    pending = _submitted(world, title="尚未答复的建议")
    answered = _replied(world, title="已答复的村道建议")
    client.force_login(world.staff)
    assert _office(client, pending, "publish").status_code == 400
    pending.refresh_from_db()
    assert not pending.is_published
    assert _office(client, answered, "publish").status_code == 302

    client.logout()
    page = client.get(reverse("suggestions:published"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "已答复的村道建议" in body and "村道修缮已列入明年计划。" in body
    assert world.dept_a1.name in body
    assert "尚未答复的建议" not in body
    assert world.deputy_a.name not in body and world.deputy_a.phone not in body
    assert "内部答复" not in body

    client.force_login(world.staff)
    assert _office(client, answered, "unpublish").status_code == 302
    client.logout()
    assert "已答复的村道建议" not in client.get(reverse("suggestions:published")).content.decode()


def test_html_is_escaped(client, world):
    client.force_login(world.deputy_user)
    _new(client, world, title="<b>标题</b>", content="<script>alert(1)</script>村道")
    suggestion = Suggestion.objects.get()
    for user, url in (
        (world.deputy_user, reverse("suggestions:detail", args=[suggestion.pk])),
        (world.staff, reverse("suggestions:office_detail", args=[suggestion.pk])),
        (world.staff, reverse("suggestions:office_list")),
    ):
        client.force_login(user)
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "<b>标题</b>" not in body


# --- the permission matrix -------------------------------------------------------------------------

PERSONAS = ("staff", "leader", "handler", "deputy", "citizen", "other_town_staff", "anonymous")
OFFICE_READ = {"staff": 200, "leader": 200}
OFFICE_ACT = {"staff": 200}
# Another town's office has lists of its own (empty of town A's suggestions).
OFFICE_LISTS = {**OFFICE_READ, "other_town_staff": 200}


def _matrix_urls(world):  # noqa: ANN001, ANN202
    submitted = _submitted(world)
    draft = services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="草稿",
        content="草稿内容。",
    )
    meeting = services.create_meeting(
        congress=world.c_a, title="交办会", held_on=timezone.localdate(), acting_user=world.staff
    )
    awaiting = services.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="待联名",
        content="待联名内容。",
        cosigners=[_deputy(world, "刘志强", user=False)],
        submit=True,
    )
    invitation = awaiting.cosigners.get()
    return {
        "mine": (reverse("suggestions:mine"), {"deputy": 200}),
        "new": (reverse("suggestions:new", args=[world.c_a.pk]), {"deputy": 200}),
        "detail": (
            reverse("suggestions:detail", args=[submitted.pk]),
            {"deputy": 200, **OFFICE_READ},
        ),
        "submit_draft": (reverse("suggestions:action", args=[draft.pk, "submit"]), {"deputy": 200}),
        "office_list": (reverse("suggestions:office_list"), OFFICE_LISTS),
        "office_detail": (reverse("suggestions:office_detail", args=[submitted.pk]), OFFICE_READ),
        "office_accept": (
            reverse("suggestions:office_action", args=[submitted.pk, "accept"]),
            OFFICE_ACT,
        ),
        "office_supervise": (
            reverse("suggestions:office_action", args=[submitted.pk, "supervise"]),
            OFFICE_READ,
        ),
        "office_draft": (reverse("suggestions:office_detail", args=[draft.pk]), {}),
        "meetings": (reverse("suggestions:meetings"), OFFICE_LISTS),
        "meeting": (reverse("suggestions:meeting", args=[meeting.pk]), OFFICE_READ),
        "meeting_hold": (
            reverse("suggestions:meeting_action", args=[meeting.pk, "hold"]),
            OFFICE_ACT,
        ),
        "meeting_export": (
            reverse("suggestions:meeting_export", args=[meeting.pk, "xlsx"]),
            OFFICE_READ,
        ),
        "ledger": (reverse("suggestions:ledger"), OFFICE_LISTS),
        "figures": (reverse("suggestions:figures"), OFFICE_LISTS),
        "follow_ups": (reverse("suggestions:follow_ups"), OFFICE_LISTS),
        "published": (reverse("suggestions:published"), dict.fromkeys(PERSONAS, 200)),
        "cosigners": (reverse("suggestions:cosigners"), {**OFFICE_ACT, "other_town_staff": 200}),
        "cosigner_confirm": (
            reverse("suggestions:cosigner_action", args=[invitation.pk, "confirm"]),
            OFFICE_ACT,
        ),
        "cosigner_decline": (
            reverse("suggestions:cosigner_action", args=[invitation.pk, "decline"]),
            OFFICE_ACT,
        ),
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, personas, persona):
    urls = _matrix_urls(world)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    got, expected = {}, {}
    for name, (url, allowed) in urls.items():
        default = 302 if persona == "anonymous" else 404
        expected[name] = allowed.get(persona, default)
        got[name] = client.get(url).status_code
    assert got == expected
    if persona == "other_town_staff":
        assert not client.get(reverse("suggestions:office_list"), {"view": "all"}).context["page"]
        assert not client.get(reverse("suggestions:meetings")).context["page"]


# --- query counts ----------------------------------------------------------------------------------

_serials = itertools.count(1)


def _bulk(world, n: int, *, others) -> None:  # noqa: ANN001
    """n suggestions of every kind the lists show, written in bulk."""
    now = timezone.now()
    statuses = [CaseStatus.SUBMITTED, CaseStatus.TRIAGED, CaseStatus.REPLIED, CaseStatus.CLOSED]
    new_cases = Case.objects.bulk_create(
        [
            Case(
                congress=world.c_a,
                kind=CaseKind.SUGGESTION,
                serial=f"JYT-{(k := next(_serials)):06d}",
                year=now.year,
                number=k,
                category=world.cat_a,
                title=f"批量建议{k}",
                content="批量内容",
                source=CaseSource.DEPUTY_VISIT,
                status=statuses[i % 4],
                submitted_at=now,
                reply_class="A" if i % 4 >= 2 else "",
                replied_at=now if i % 4 >= 2 else None,
            )
            for i in range(n)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                case=case,
                department=world.dept_a1,
                role=AssignmentRole.LEAD,
                status=AssignmentStatus.REPLIED,
                due_date=now.date(),
                assigned_at=now,
                assigned_by=world.staff,
            )
            for case in new_cases
            if case.reply_class
        ]
    )
    Reply.objects.bulk_create(
        [
            Reply(
                case=a.case,
                assignment=a,
                round=1,
                reply_class="A",
                text="答复",
                public_text="公开答复",
                replied_by=world.handler_a,
                replied_at=now,
                on_time=True,
            )
            for a in assignments
        ]
    )
    rows = []
    for i, case in enumerate(new_cases):
        kind = i % 5
        lead = others[i % len(others)] if kind == 4 else world.deputy_a
        status = [
            SuggestionStatus.DRAFT,
            SuggestionStatus.AWAITING_COSIGNERS,
            SuggestionStatus.SUBMITTED,
            SuggestionStatus.SUBMITTED,
            SuggestionStatus.DRAFT,
        ][kind]
        rows.append(
            Suggestion(
                congress=world.c_a,
                term=world.term_a,
                session=world.session_a if i % 2 else None,
                lead=lead,
                category=world.cat_a,
                title=f"建议{i}",
                content="内容",
                status=status,
                case=case if status == SuggestionStatus.SUBMITTED else None,
                is_motion=i % 7 == 0,
                is_published=status == SuggestionStatus.SUBMITTED,
            )
        )
    made = Suggestion.objects.bulk_create(rows)
    CoSigner.objects.bulk_create(
        [
            CoSigner(
                suggestion=s,
                deputy=world.deputy_a if s.lead_id != world.deputy_a.pk else others[0],
                status=CoSignerStatus.INVITED
                if s.lead_id != world.deputy_a.pk
                else CoSignerStatus.CONFIRMED,
            )
            for s in made
        ]
    )


def _queries(client, url: str, params=None) -> int:  # noqa: ANN001
    # First a warm-up: the first request after login stamps the session once (idle clock).
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    ("persona", "url_name", "params"),
    [
        ("deputy", "suggestions:mine", {"tab": "drafts"}),
        ("deputy", "suggestions:mine", {"tab": "awaiting"}),
        ("deputy", "suggestions:mine", {"tab": "submitted"}),
        ("deputy", "suggestions:mine", {"tab": "invitations"}),
        ("deputy", "suggestions:mine", {"tab": "evaluate"}),
        ("staff", "suggestions:office_list", {"view": "all"}),
        ("staff", "suggestions:office_list", {"view": "review", "session": "none"}),
        ("anonymous", "suggestions:published", {}),
    ],
)
def test_list_pages_query_count_does_not_grow(
    client, world, colleagues, personas, persona, url_name, params
):
    if personas[persona] is not None:
        client.force_login(personas[persona])
    url = reverse(url_name)
    _bulk(world, 10, others=colleagues)
    small = _queries(client, url, params)
    _bulk(world, 490, others=colleagues)
    large = _queries(client, url, params)
    assert small == large
    page = client.get(url, params).context["page"]
    assert page.paginator.count > 10


def _meetings_and_follow_ups(world, count: int, colleagues) -> None:  # noqa: ANN001
    """`count` more submitted suggestions, each on a meeting's list and under follow-up."""
    import datetime as dt

    from django.utils import timezone

    from renda.cases.models import FollowUp
    from renda.suggestions.models import AssignmentMeeting, MeetingItem

    before = set(Suggestion.objects.values_list("pk", flat=True))
    _bulk(world, count, others=colleagues)
    fresh = [s for s in Suggestion.objects.filter(case__isnull=False).exclude(pk__in=before)]
    meeting = AssignmentMeeting.objects.create(
        congress=world.c_a,
        title=f"交办会{count}",
        held_on=timezone.localdate(),
        created_by=world.staff,
    )
    MeetingItem.objects.bulk_create(
        [
            MeetingItem(meeting=meeting, case=s.case, lead=world.dept_a1, order=i)
            for i, s in enumerate(fresh)
        ]
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(case=s.case, recheck_date=timezone.localdate() + dt.timedelta(days=30))
            for s in fresh
        ]
    )


@pytest.mark.parametrize("url_name", ["suggestions:meetings", "suggestions:follow_ups"])
def test_meeting_and_follow_up_lists_query_count_does_not_grow(client, world, colleagues, url_name):
    client.force_login(world.staff)
    _meetings_and_follow_ups(world, 10, colleagues)
    small = _queries(client, reverse(url_name))
    _meetings_and_follow_ups(world, 490, colleagues)
    assert _queries(client, reverse(url_name)) == small
    assert client.get(reverse(url_name)).content.decode().count("<tr") > 2  # rows are shown


def test_a_meeting_page_query_count_does_not_grow_with_its_list(client, world, colleagues):
    from renda.suggestions.models import AssignmentMeeting

    client.force_login(world.staff)
    _meetings_and_follow_ups(world, 10, colleagues)
    small_meeting = AssignmentMeeting.objects.get(title="交办会10")
    small = _queries(client, reverse("suggestions:meeting", args=[small_meeting.pk]))
    _meetings_and_follow_ups(world, 490, colleagues)
    large_meeting = AssignmentMeeting.objects.get(title="交办会490")
    assert _queries(client, reverse("suggestions:meeting", args=[large_meeting.pk])) == small
    page = client.get(reverse("suggestions:meeting", args=[large_meeting.pk])).content.decode()
    assert page.count("<tr") > 150  # the whole list is shown (the submitted share of 490)


def test_the_figures_page_bounds_each_grouping_and_says_so(client, world, monkeypatch):
    """The suggestion figures page shows at most PAGE_ROWS rows per grouping (the lead
    deputies of a whole district would be tens of thousands), with the count of all."""
    from renda.cases import figures as case_figures

    _replied(world, reply_class="C")
    client.force_login(world.leader)
    whole = client.get(reverse("suggestions:figures"))
    assert all(len(rows) == 1 and of == 0 for _label, rows, of, _graph in whole.context["groups"])
    monkeypatch.setattr(case_figures, "PAGE_ROWS", 0)
    bounded = client.get(reverse("suggestions:figures"))
    assert all(rows == [] and of == 1 for _label, rows, of, _graph in bounded.context["groups"])
    assert "共 1 行，这里显示收到件数最多的 0 行" in bounded.content.decode()
