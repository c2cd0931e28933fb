"""REST endpoints of deputies' suggestions (/api/v1/suggestions): the whole flow from the
deputy's draft to the evaluation, the scope of deputies and office staff, the services'
refusals as 400s that change nothing, and a fixed number of queries per list."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from renda.cases import services as case_services
from renda.cases.models import Assignment, Case, CaseStatus
from renda.congress.models import Deputy, DeputyMembership, Gender
from renda.core.models import ActionLog, Notification
from renda.suggestions import services
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSigner,
    MeetingItem,
    Suggestion,
    SuggestionStatus,
)
from tests.fixtures.api import BASE, Api

pytestmark = pytest.mark.usefixtures("cases_world")


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def make_deputy(world: Any, name: str, phone: str, *, term: Any = None) -> Deputy:
    """An active deputy of the term (term A by default) with a user account."""
    term = term or world.term_a
    user = get_user_model().objects.create_user(
        username=f"deputy_{phone}", password="pw-for-tests-1", name=name
    )
    deputy = Deputy.objects.create(name=name, gender=Gender.FEMALE, phone=phone, user=user)
    DeputyMembership.objects.create(deputy=deputy, term=term, start_date=term.start_date)
    return deputy


def _draft(world: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "congress": world.c_a.pk,
        "category": world.cat_a.pk,
        "title": "关于修缮东塘村道路的建议",
        "content": "东塘村主干道路面破损严重，雨天积水，建议尽快修缮。",
        "session": world.session_a.pk,
        "is_motion": False,
        "cosigners": [],
        "submit": True,
    }
    return {**body, **overrides}


def _counts() -> tuple[int, ...]:
    return (
        Suggestion.objects.count(),
        CoSigner.objects.count(),
        Case.objects.count(),
        AssignmentMeeting.objects.count(),
        MeetingItem.objects.count(),
        Assignment.objects.count(),
        ActionLog.objects.count(),
    )


def _submitted(world: Any, api: Api | None = None, **overrides: Any) -> dict[str, Any]:
    response = (api or Api(world.deputy_user)).post("/suggestions", _draft(world, **overrides))
    assert response.status_code == 201, response.content
    return response.json()


# --- the whole flow ------------------------------------------------------------------------------


def test_the_full_flow_through_the_api(world, django_capture_on_commit_callbacks):
    cosigner = make_deputy(world, "陈晓梅", "13900000011")
    lead, co = Api(world.deputy_user), Api(cosigner.user)
    staff, handler = Api(world.staff), Api(world.handler_a)

    # The deputy drafts with a co-signer and submits: it waits for the co-signer.
    created = _submitted(world, lead, cosigners=[cosigner.pk])
    sid = created["id"]
    assert created["status"] == SuggestionStatus.AWAITING_COSIGNERS and created["case"] is None
    assert created["lead"] == {"id": world.deputy_a.pk, "name": "王建国"}
    assert created["cosigners"] == [
        {"deputy": {"id": cosigner.pk, "name": "陈晓梅"}, "status": "invited"}
    ]
    assert created["session"]["id"] == world.session_a.pk and created["term"] == 20
    # The office does not see it before it is submitted.
    assert staff.get(f"/suggestions/{sid}").status_code == 404
    assert staff.get("/suggestions").json()["count"] == 0

    # The co-signer confirms: the suggestion is submitted and its case created.
    response = co.post(f"/suggestions/{sid}/cosign", {"accept": True})
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["status"] == "submitted"
    assert detail["cosigners"][0]["status"] == "confirmed"
    case_id, serial = detail["case"]["id"], detail["case"]["serial"]
    assert serial == "JY20-1-001" and detail["case"]["status"] == "submitted"

    # The office reviews and accepts it.
    listing = staff.get("/suggestions").json()
    assert [i["id"] for i in listing["items"]] == [sid]
    response = staff.post(
        f"/suggestions/{sid}/review", {"decision": "accept", "reason": "予以立案"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["case"]["status"] == CaseStatus.TRIAGED

    # The assignment meeting: its list, then held (all assigned in one action).
    due = timezone.localdate() + dt.timedelta(days=60)
    response = staff.post(
        "/suggestions/meetings",
        {
            "congress": world.c_a.pk,
            "title": "2026年代表建议交办会",
            "held_on": timezone.localdate(),
            "items": [
                {
                    "case_serial": serial,
                    "lead": world.dept_a1.pk,
                    "co_handlers": [world.dept_a2.pk],
                    "due": due,
                }
            ],
        },
    )
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["status"] == "planned"
    [item] = meeting["items"]
    assert (item["serial"], item["lead"]["id"], item["due_date"]) == (
        serial,
        world.dept_a1.pk,
        due.isoformat(),
    )
    assert [d["id"] for d in item["co_handlers"]] == [world.dept_a2.pk]
    response = staff.post(f"/suggestions/meetings/{meeting['id']}/hold")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "held"
    assert response.json()["items"][0]["status"] == CaseStatus.ASSIGNED

    # The lead unit signs and replies through the engine's own endpoints.
    case_detail = handler.get(f"/cases/{case_id}").json()
    assert case_detail["kind"] == "suggestion" and case_detail["due_date"] == due.isoformat()
    assignment_id = next(a["id"] for a in case_detail["assignments"] if a["role"] == "lead")
    assert handler.post(f"/assignments/{assignment_id}/sign").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = handler.post(
            f"/assignments/{assignment_id}/reply",
            {"reply_class": "A", "text": "道路已于本月完成修缮。"},
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.REPLIED
    # The lead deputy and the co-signer both hear of the reply.
    for user in (world.deputy_user, cosigner.user):
        assert Notification.objects.filter(
            recipient=user, url=reverse("suggestions:detail", args=[sid])
        ).exists()

    # The lead deputy reads the reply and rates it: the case is closed.
    detail = lead.get(f"/suggestions/{sid}").json()
    assert [(r["department"], r["reply_class"]) for r in detail["replies"]] == [
        (world.dept_a1.name, "A")
    ]
    response = lead.post(
        f"/suggestions/{sid}/evaluate",
        {"result": "satisfied", "attitude": "satisfied", "comment": "办理认真"},
    )
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["case"]["status"] == CaseStatus.CLOSED
    assert detail["case"]["evaluation_result"] == "satisfied"
    assert [(e["result"], e["attitude"]) for e in detail["evaluations"]] == [
        ("satisfied", "satisfied")
    ]
    timeline = [e["action"] for e in staff.get(f"/cases/{case_id}/timeline").json()]
    assert timeline == ["submitted", "triaged", "assigned", "signed", "replied", "evaluated"]
    logged = set(
        ActionLog.objects.filter(
            object_type="suggestions.suggestion", object_id=str(sid)
        ).values_list("action", flat=True)
    )
    assert {"suggestion.drafted", "suggestion.cosign_confirmed", "suggestion.submitted"} <= logged


def test_a_reply_to_a_suggestion_goes_through_the_assignments_endpoint(world):
    """Split units each answer their part; the case's class is the least favourable."""
    sid = _submitted(world)["id"]
    suggestion = Suggestion.objects.select_related("case").get(pk=sid)
    staff = Api(world.staff)
    assert staff.post(f"/suggestions/{sid}/review", {"decision": "accept"}).status_code == 200
    response = staff.post(
        "/suggestions/meetings",
        {
            "congress": world.c_a.pk,
            "title": "分办",
            "held_on": timezone.localdate(),
            "items": [{"suggestion": sid, "splits": [world.dept_a1.pk, world.dept_a2.pk]}],
        },
    )
    assert response.status_code == 201, response.content
    assert staff.post(f"/suggestions/meetings/{response.json()['id']}/hold").status_code == 200
    units = (
        (Api(world.handler_a), world.dept_a1, "A"),
        (Api(world.handler_b), world.dept_a2, "B"),
    )
    for handler, department, _class in units:
        assignment = Assignment.objects.get(case=suggestion.case, department=department)
        assert handler.post(f"/assignments/{assignment.pk}/sign").status_code == 200
    for handler, department, reply_class in units:
        assignment = Assignment.objects.get(case=suggestion.case, department=department)
        response = handler.post(
            f"/assignments/{assignment.pk}/reply", {"reply_class": reply_class, "text": "已办理"}
        )
        assert response.status_code == 200, response.content
    assert response.json()["status"] == CaseStatus.REPLIED and response.json()["reply_class"] == "B"
    suggestion.case.refresh_from_db()
    assert suggestion.case.due_date is not None  # the congress's rule: three months
    assert Api(world.deputy_user).get(f"/suggestions/{sid}").json()["case"]["reply_class"] == "B"


def test_a_suggestion_without_co_signers_is_submitted_at_once_and_numbered_by_series(world):
    first = _submitted(world)
    between = _submitted(world, session=None, title="闭会期间的建议")
    assert first["status"] == "submitted" and first["case"]["serial"] == "JY20-1-001"
    assert between["session"] is None
    assert between["case"]["serial"] == f"JYBH{timezone.localdate().year}-001"
    # A draft kept for later, then submitted by its own endpoint.
    draft = _submitted(world, submit=False, title="草稿")
    assert draft["status"] == "draft" and draft["case"] is None
    response = Api(world.deputy_user).post(f"/suggestions/{draft['id']}/submit")
    assert response.status_code == 200 and response.json()["case"]["serial"] == "JY20-1-002"


def test_a_rejected_suggestion_can_become_a_public_opinion(world):
    sid = _submitted(world)["id"]
    response = Api(world.staff).post(
        f"/suggestions/{sid}/review",
        {"decision": "reject", "reason": "属于群众个人诉求", "convert_to_opinion": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["case"]["status"] == CaseStatus.REJECTED
    case = Suggestion.objects.get(pk=sid).case
    assert case.converted_to is not None and case.converted_to.kind == "opinion"
    # A review without a reason for a rejection is refused.
    other = _submitted(world, title="另一条建议")["id"]
    response = Api(world.staff).post(f"/suggestions/{other}/review", {"decision": "reject"})
    assert response.status_code == 400
    assert (
        Api(world.staff).post(f"/suggestions/{other}/review", {"decision": "maybe"}).status_code
        == 400
    )


# --- scope ---------------------------------------------------------------------------------------


def test_scope_of_deputies_and_staff(world):
    other_deputy = make_deputy(world, "赵志强", "13900000012")
    mine = _submitted(world)["id"]
    draft = _submitted(world, submit=False, title="草稿")["id"]
    theirs = _submitted(world, Api(other_deputy.user), title="别人的建议")["id"]
    b_deputy = world.deputy_b
    b_user = get_user_model().objects.create_user(
        username="deputy_b", password="pw-for-tests-1", name="李秀英"
    )
    b_deputy.user = b_user
    b_deputy.save(update_fields=["user"])
    town_b = _submitted(
        world,
        Api(b_user),
        congress=world.c_b.pk,
        category=world.cat_b.pk,
        session=world.session_b.pk,
        title="枫林镇的建议",
    )["id"]

    deputy = Api(world.deputy_user)
    assert {i["id"] for i in deputy.get("/suggestions").json()["items"]} == {mine, draft}
    for sid in (theirs, town_b):
        assert deputy.get(f"/suggestions/{sid}").status_code == 404
        assert deputy.post(f"/suggestions/{sid}/submit").status_code == 404
    # Town A's office: town A's submitted suggestions (not the draft), nothing of town B.
    staff = Api(world.staff)
    assert {i["id"] for i in staff.get("/suggestions").json()["items"]} == {mine, theirs}
    assert staff.get(f"/suggestions/{draft}").status_code == 404
    assert staff.get(f"/suggestions/{town_b}").status_code == 404
    assert Api(world.leader).get(f"/suggestions/{mine}").status_code == 200
    # Another town's staff gets a 404 for town A's suggestions, and cannot act on them.
    other_staff = Api(world.other_staff)
    assert {i["id"] for i in other_staff.get("/suggestions").json()["items"]} == {town_b}
    before = _counts()
    assert other_staff.get(f"/suggestions/{mine}").status_code == 404
    response = other_staff.post(f"/suggestions/{mine}/review", {"decision": "accept"})
    assert response.status_code == 404 and response.json()["detail"]
    assert Suggestion.objects.get(pk=mine).case.status == CaseStatus.SUBMITTED
    response = other_staff.post(
        "/suggestions/meetings",
        {"congress": world.c_a.pk, "title": "越权", "held_on": timezone.localdate(), "items": []},
    )
    assert response.status_code == 404
    assert _counts() == before
    # A handler sees no suggestions here (their cases are under /cases).
    assert Api(world.handler_a).get("/suggestions").json()["count"] == 0


def test_the_ledger_is_for_the_office_only(world):
    _submitted(world)
    response = Api(world.staff).get("/suggestions/ledger.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    year = timezone.localdate().year
    assert f'filename="suggestions-ledger-{year}.xlsx"' in response["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "JY20-1-001"
    assert ActionLog.objects.filter(action="suggestions.exported", actor=world.staff).exists()
    for user in (world.deputy_user, world.handler_a):
        response = Api(user).get("/suggestions/ledger.xlsx")
        assert response.status_code == 403 and response.json()["detail"]
    assert (
        Api(world.staff).get("/suggestions/ledger.xlsx", congress=world.c_b.pk).status_code == 404
    )
    # Town B's staff get an empty ledger of their own town.
    response = Api(world.other_staff).get("/suggestions/ledger.xlsx")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == 1


def test_a_large_ledger_is_a_job_the_client_follows_to_its_file(
    world, settings, django_capture_on_commit_callbacks
):
    """Above RENDA_EXPORT_JOB_ROWS the API's ledger answers 202 with its background job
    (the one export mechanism, as on the web): the client polls the job, then downloads the
    same sheet the immediate answer holds, audited once; another user's token sees a 404."""
    from openpyxl import load_workbook

    from renda.core.models import Job

    for _n in range(3):
        _submitted(world)
    staff = Api(world.staff)
    now = staff.get("/suggestions/ledger.xlsx", congress=world.c_a.pk)
    assert now.status_code == 200

    def rows(response: Any) -> list[tuple]:
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        return list(book.worksheets[0].iter_rows(values_only=True))

    immediate = rows(now)
    assert len(immediate) == 4

    settings.RENDA_EXPORT_JOB_ROWS = 2
    settings.RENDA_JOBS_IN_THREAD = False
    exported = ActionLog.objects.filter(action="suggestions.exported")
    before = exported.count()
    with django_capture_on_commit_callbacks(execute=True):
        started = staff.get("/suggestions/ledger.xlsx", congress=world.c_a.pk)
    assert started.status_code == 202, started.content
    body = started.json()
    job = Job.objects.get(pk=body["id"])
    assert (body["kind"], body["total"], job.owner) == ("export", 3, world.staff)
    assert body["url"] == f"{BASE}/jobs/{job.pk}"
    assert exported.count() == before  # nothing was exported yet

    polled = staff.get(f"/jobs/{job.pk}")
    assert polled.status_code == 200
    state = polled.json()
    assert (state["status"], state["done"], state["total"]) == ("done", 3, 3)
    assert state["download"] == f"{BASE}/jobs/{job.pk}/download"
    download = staff.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    assert download["Content-Disposition"] == now["Content-Disposition"]
    assert rows(download) == immediate
    assert exported.count() == before + 1
    entry = exported.order_by("-id").first()
    assert (entry.actor, entry.congress_id) == (world.staff, world.c_a.pk)

    other = Api(world.other_staff)
    for path in (f"/jobs/{job.pk}", f"/jobs/{job.pk}/download", "/jobs/999999"):
        missing = other.get(path)
        assert missing.status_code == 404 and missing.json()["detail"]


def test_a_jobs_file_is_not_there_before_it_is_done(world, settings):
    """A queued job's download is refused with the reason (409), not an empty file."""
    from renda.core import jobs

    job = jobs.start(jobs.EXPORT, world.staff, title="台账", params={"export": "x"}, total=1)
    response = Api(world.staff).get(f"/jobs/{job.pk}/download")
    assert response.status_code == 409 and response.json()["detail"]
    assert Api(world.staff).get(f"/jobs/{job.pk}").json()["download"] is None


# --- bad input -----------------------------------------------------------------------------------


def test_a_co_signer_of_another_congress_is_refused_and_nothing_is_created(world):
    before = _counts()
    response = Api(world.deputy_user).post(
        "/suggestions", _draft(world, cosigners=[world.deputy_b.pk])
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": _zh("%(name)s is not an active deputy of this congress and cannot co-sign.")
        % {"name": world.deputy_b.name}
    }
    assert _counts() == before
    # An unknown deputy id, the lead as their own co-signer, a category of another town.
    response = Api(world.deputy_user).post("/suggestions", _draft(world, cosigners=[999999]))
    assert response.status_code == 400
    response = Api(world.deputy_user).post(
        "/suggestions", _draft(world, cosigners=[world.deputy_a.pk])
    )
    assert response.json() == {
        "detail": _zh("The lead deputy does not co-sign their own suggestion.")
    }
    response = Api(world.deputy_user).post("/suggestions", _draft(world, category=world.cat_b.pk))
    assert response.json() == {"detail": _zh("Choose one of this congress's categories.")}
    response = Api(world.deputy_user).post("/suggestions", _draft(world, title=""))
    assert response.status_code == 400
    assert _counts() == before


def test_only_an_active_deputy_of_the_congress_raises_a_suggestion(world):
    before = _counts()
    for user in (world.staff, world.handler_a):
        response = Api(user).post("/suggestions", _draft(world))
        assert response.status_code == 400
        assert response.json() == {
            "detail": _zh("Only an active deputy of this congress can raise a suggestion here.")
        }
    # Deputy A is not a deputy of town B.
    response = Api(world.deputy_user).post(
        "/suggestions",
        _draft(world, congress=world.c_b.pk, category=world.cat_b.pk, session=None),
    )
    assert response.status_code == 400
    assert _counts() == before


def test_evaluating_someone_elses_suggestion_is_refused_and_changes_nothing(world):
    cosigner = make_deputy(world, "陈晓梅", "13900000011")
    stranger = make_deputy(world, "孙立", "13900000013")
    sid = _submitted(world, cosigners=[cosigner.pk])["id"]
    assert (
        Api(cosigner.user).post(f"/suggestions/{sid}/cosign", {"accept": True}).status_code == 200
    )
    suggestion = Suggestion.objects.select_related("case").get(pk=sid)
    staff = Api(world.staff)
    staff.post(f"/suggestions/{sid}/review", {"decision": "accept"})
    case_services.assign_case(suggestion.case, lead=world.dept_a1, acting_user=world.staff)
    assignment = suggestion.case.assignments.get()
    case_services.sign_assignment(assignment, acting_user=world.handler_a)
    case_services.reply_case(
        assignment, reply_class="A", text="已办理", acting_user=world.handler_a
    )

    def state() -> tuple[Any, ...]:
        case = Case.objects.get(pk=suggestion.case_id)
        return (
            case.status,
            case.evaluation_result,
            case.evaluations.count(),
            ActionLog.objects.count(),
        )

    before = state()
    body = {"result": "unsatisfied"}
    # A stranger does not see it; a co-signer sees it but only the lead deputy evaluates.
    assert Api(stranger.user).post(f"/suggestions/{sid}/evaluate", body).status_code == 404
    response = Api(cosigner.user).post(f"/suggestions/{sid}/evaluate", body)
    assert response.status_code == 400
    assert response.json() == {"detail": _zh("Only the lead deputy can do this.")}
    response = staff.post(f"/suggestions/{sid}/evaluate", body)
    assert response.status_code == 400
    response = Api(world.deputy_user).post(f"/suggestions/{sid}/evaluate", {"result": "great"})
    assert response.status_code == 400
    assert state() == before
    assert before[:3] == (CaseStatus.REPLIED, "", 0)


def test_assigning_an_unaccepted_suggestion_refuses_the_whole_meeting(world):
    accepted = _submitted(world, title="已立案的建议")
    unaccepted = _submitted(world, title="未审查的建议")
    staff = Api(world.staff)
    assert (
        staff.post(f"/suggestions/{accepted['id']}/review", {"decision": "accept"}).status_code
        == 200
    )
    before = _counts()
    response = staff.post(
        "/suggestions/meetings",
        {
            "congress": world.c_a.pk,
            "title": "交办会",
            "held_on": timezone.localdate(),
            "items": [
                {"case_serial": accepted["case"]["serial"], "lead": world.dept_a1.pk},
                {"case_serial": unaccepted["case"]["serial"], "lead": world.dept_a1.pk},
            ],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": _zh("Suggestion %(serial)s has not been accepted and cannot be assigned.")
        % {"serial": unaccepted["case"]["serial"]}
    }
    assert _counts() == before
    assert Case.objects.get(pk=accepted["case"]["id"]).status == CaseStatus.TRIAGED
    # Unknown numbers, a department of another town, a leader (who supervises, not manages).
    for items, status in (
        ([{"case_serial": "JY99-9-999", "lead": world.dept_a1.pk}], 400),
        ([{"case_serial": accepted["case"]["serial"], "lead": world.dept_b1.pk}], 400),
        ([{"lead": world.dept_a1.pk}], 400),
    ):
        body = {
            "congress": world.c_a.pk,
            "title": "x",
            "held_on": timezone.localdate(),
            "items": items,
        }
        assert staff.post("/suggestions/meetings", body).status_code == status
    body = {"congress": world.c_a.pk, "title": "x", "held_on": timezone.localdate(), "items": []}
    response = Api(world.leader).post("/suggestions/meetings", body)
    assert response.json() == {"detail": _zh("Only the presidium office can do this.")}
    assert _counts() == before
    # Holding an empty meeting is refused; another town's meeting is a 404.
    meeting = staff.post("/suggestions/meetings", body).json()
    assert staff.post(f"/suggestions/meetings/{meeting['id']}/hold").status_code == 400
    assert (
        Api(world.other_staff).post(f"/suggestions/meetings/{meeting['id']}/hold").status_code
        == 404
    )


def test_a_co_signer_answers_once_and_only_when_asked(world):
    cosigner = make_deputy(world, "陈晓梅", "13900000011")
    stranger = make_deputy(world, "孙立", "13900000013")
    sid = _submitted(world, cosigners=[cosigner.pk])["id"]
    # A deputy who was not asked does not see it.
    assert (
        Api(stranger.user).post(f"/suggestions/{sid}/cosign", {"accept": True}).status_code == 404
    )
    co = Api(cosigner.user)
    assert co.post(f"/suggestions/{sid}/cosign", {"accept": False}).json()["status"] == "submitted"
    response = co.post(f"/suggestions/{sid}/cosign", {"accept": True})
    assert response.json() == {"detail": _zh("You have already answered.")}
    # The co-signer cannot submit or review.
    assert co.post(f"/suggestions/{sid}/submit").status_code == 400
    assert co.post(f"/suggestions/{sid}/review", {"decision": "accept"}).status_code == 400
    assert co.post("/suggestions/x/cosign", {"accept": True}).status_code == 404


# --- lists ---------------------------------------------------------------------------------------


def test_list_filters_and_pagination(world):
    ids = [_submitted(world, title=f"建议{n}")["id"] for n in range(5)]
    _submitted(world, submit=False, title="草稿")
    deputy = Api(world.deputy_user)
    listing = deputy.get("/suggestions").json()
    assert listing["count"] == 6
    page = deputy.get("/suggestions", limit=2, offset=1).json()
    assert [i["id"] for i in page["items"]] == [i["id"] for i in listing["items"]][1:3]
    assert deputy.get("/suggestions", status="draft").json()["count"] == 1
    assert deputy.get("/suggestions", congress=world.c_b.pk).json()["count"] == 0
    assert deputy.get("/suggestions", limit=500).status_code == 400
    assert {i["id"] for i in Api(world.staff).get("/suggestions").json()["items"]} == set(ids)


def _add_suggestions(world: Any, deputies: list[Deputy], count: int) -> None:
    """Submitted suggestions, each with a confirmed co-signer (the deputies take turns)."""
    for n in range(count):
        lead, cosigner = deputies[n % 2], deputies[(n + 1) % 2]
        suggestion = services.create_draft(
            acting_user=lead.user,
            congress=world.c_a,
            category=world.cat_a,
            title=f"第{n}条建议",
            content="建议内容",
            session=world.session_a,
        )
        services.invite_cosigners(suggestion, [cosigner], acting_user=lead.user)
        services.submit_suggestion(suggestion, acting_user=lead.user)
        services.respond_to_invitation(suggestion, acting_user=cosigner.user, accept=True)


@pytest.mark.parametrize("persona", ["staff", "deputy_user"])
def test_the_list_takes_the_same_number_of_queries_for_10_and_60_suggestions(world, persona):
    deputies = [world.deputy_a, make_deputy(world, "陈晓梅", "13900000011")]
    api = Api(getattr(world, persona))

    def queries() -> int:
        # First a warm-up: the first call records the credential's last use (once a minute).
        api.get("/suggestions", limit=200)
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/suggestions", limit=200)
        assert response.status_code == 200
        return len(captured)

    _add_suggestions(world, deputies, 10)
    small = queries()
    _add_suggestions(world, deputies, 50)
    large = queries()
    listing = api.get("/suggestions", limit=200).json()
    assert listing["count"] == len(listing["items"]) == 60
    assert all(i["cosigners"][0]["status"] == "confirmed" for i in listing["items"])
    assert small == large


def test_openapi_lists_the_suggestion_paths(client):
    paths = client.get(f"{BASE}/openapi.json").json()["paths"]
    for p in (
        "/api/v1/suggestions",
        "/api/v1/suggestions/{suggestion_id}",
        "/api/v1/suggestions/{suggestion_id}/cosign",
        "/api/v1/suggestions/{suggestion_id}/submit",
        "/api/v1/suggestions/{suggestion_id}/review",
        "/api/v1/suggestions/{suggestion_id}/evaluate",
        "/api/v1/suggestions/meetings",
        "/api/v1/suggestions/meetings/{meeting_id}/hold",
        "/api/v1/suggestions/ledger.xlsx",
    ):
        assert p in paths, p


def test_a_token_is_required(world, client):
    assert client.get(f"{BASE}/suggestions").status_code == 401
    assert (
        client.post(f"{BASE}/suggestions", "{}", content_type="application/json").status_code == 401
    )


# --- input edges (issue 13, finding 5) -----------------------------------------------------------

INT64_MAX = 2**63 - 1


def _invalid(response: Any, field: str) -> None:
    """A 400 in the documented shape that names the field."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}
    places = [".".join(str(p) for p in e["loc"]) for e in body["errors"]]
    assert any(place.endswith(f".{field}") for place in places), (field, places)


def test_ids_beyond_64_bits_and_unstorable_text_are_refused_and_nothing_is_created(world):
    deputy = Api(world.deputy_user)
    before = _counts()
    for overrides, field in (
        ({"cosigners": [INT64_MAX + 1]}, "cosigners.0"),
        ({"cosigners": [world.deputy_b.pk, 2**70]}, "cosigners.1"),
        ({"congress": 2**64}, "congress"),
        ({"category": INT64_MAX + 1}, "category"),
        ({"session": 10**20}, "session"),
        ({"title": "道路\x00修缮"}, "title"),
        ({"content": "a\ud800b"}, "content"),
    ):
        body = json.dumps(_draft(world, **overrides))  # a lone surrogate is escaped as \ud800
        response = deputy.client.post(
            f"{BASE}/suggestions", body, content_type="application/json", headers=deputy.headers
        )
        _invalid(response, field)
    assert _counts() == before
    # In range but unknown: the service's 400, as before.
    response = deputy.post("/suggestions", _draft(world, cosigners=[INT64_MAX]))
    assert response.status_code == 400
    assert _counts() == before


def test_list_and_ledger_parameters_are_bounded(world):
    _submitted(world)
    staff = Api(world.staff)
    _invalid(staff.get("/suggestions", offset=INT64_MAX + 1), "offset")
    _invalid(staff.get("/suggestions", congress=2**64), "congress")
    page = staff.get("/suggestions", offset=INT64_MAX)
    assert page.status_code == 200 and page.json() == {"count": 1, "items": []}
    _invalid(staff.get("/suggestions/ledger.xlsx", year=10**20), "year")
    _invalid(staff.get("/suggestions/ledger.xlsx", year=1899), "year")
    _invalid(staff.get("/suggestions/ledger.xlsx", congress=INT64_MAX + 1), "congress")
    assert staff.get("/suggestions/ledger.xlsx", year=2100).status_code == 200
    _invalid(staff.get(f"/suggestions/{INT64_MAX + 1}"), "suggestion_id")
    assert staff.get(f"/suggestions/{INT64_MAX}").status_code == 404
    _invalid(staff.post(f"/suggestions/meetings/{10**30}/hold"), "meeting_id")


def test_a_meeting_with_out_of_range_input_is_refused_whole(world):
    accepted = _submitted(world)
    staff = Api(world.staff)
    assert (
        staff.post(f"/suggestions/{accepted['id']}/review", {"decision": "accept"}).status_code
        == 200
    )
    before = _counts()
    item = {"case_serial": accepted["case"]["serial"], "lead": world.dept_a1.pk}
    for overrides, field in (
        ({"held_on": "9999-12-31"}, "held_on"),
        ({"held_on": "0001-01-01"}, "held_on"),
        ({"items": [{**item, "co_handlers": [INT64_MAX + 1]}]}, "co_handlers.0"),
        ({"items": [{**item, "due": "9999-12-31"}]}, "due"),
        ({"items": [{**item, "suggestion": 2**64, "case_serial": None}]}, "suggestion"),
        ({"items": [{**item, "case_serial": "JY\x00"}]}, "case_serial"),
        ({"note": "\x00"}, "note"),
    ):
        body = {
            "congress": world.c_a.pk,
            "title": "交办会",
            "held_on": timezone.localdate(),
            "items": [item],
            **overrides,
        }
        _invalid(staff.post("/suggestions/meetings", body), field)
    assert _counts() == before
