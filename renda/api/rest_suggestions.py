"""REST endpoints of deputies' suggestions (/api/v1/suggestions), mounted on the API of
`renda.api.rest` (same bearer tokens, same policy, same error handling: a `DomainError`
becomes a 400 with its message, an object outside the user's scope a 404).

Who sees what: a deputy sees the suggestions they lead or were asked to co-sign (drafts
included); office staff and leaders see the submitted suggestions of their congresses (a
draft is the deputy's own until it is submitted). Every change goes through
`renda.suggestions.services` or, for the review, `renda.cases.services`; replies go through
the engine's /assignments/{id}/reply like any case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from renda.api.common import departments_of, not_found, paginate, ref, user_of
from renda.api.rest_jobs import JobOut, job_out
from renda.api.schemas import ErrorOut, PageFilters, Ref
from renda.api.validation import Day, Id, Text, Year
from renda.cases import services as case_services
from renda.cases.models import Case, CaseKind, Category
from renda.congress import policy
from renda.congress.models import Congress, Deputy, Session
from renda.core import exports
from renda.core.errors import DomainError
from renda.core.models import Job
from renda.suggestions import ledger
from renda.suggestions import services as suggestion_services
from renda.suggestions.figures import session_label
from renda.suggestions.models import (
    AssignmentMeeting,
    CoSigner,
    MeetingItem,
    Suggestion,
    SuggestionStatus,
)

router = Router(tags=["suggestions"])

NOT_FOUND = {404: ErrorOut}
ACTION = {400: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------


class SuggestionIn(Schema):
    congress: Id = Field(description="Congress id the suggestion is raised in.")
    category: Id = Field(description="Category id (one of that congress's categories).")
    title: Text = Field("", description="Title (at most 100 characters).")
    content: Text = Field("", description="The suggestion (one matter per suggestion).")
    session: Id | None = Field(
        None, description="Session id of the current term; null for a suggestion between sessions."
    )
    is_motion: bool = Field(False, description="Raised as a motion (议案, five signers or more).")
    cosigners: list[Id] = Field(
        default_factory=list, description="Deputy ids asked to co-sign (same congress and term)."
    )
    submit: bool = Field(
        False,
        description="Submit at once (it counts once every invited co-signer has answered).",
    )


class SuggestionFilters(PageFilters):
    status: SuggestionStatus | None = Field(None, description="Only suggestions in this state.")
    congress: Id | None = Field(None, description="Only suggestions of this congress id.")


class CosignIn(Schema):
    accept: bool = Field(description="true to co-sign, false to decline.")


class ReviewIn(Schema):
    decision: Literal["accept", "reject"] = Field(
        description="accept (立案, ready for assignment) or reject (not accepted)."
    )
    reason: Text = Field("", description="Note for an acceptance; the reason for a rejection.")
    convert_to_opinion: bool = Field(
        False, description="On rejection: handle the matter as a public opinion instead."
    )


class SuggestionEvaluateIn(Schema):
    result: Text = Field("", description="satisfied, basic (basically satisfied) or unsatisfied.")
    attitude: Text = Field(
        "", description="Rating of the handling attitude, same values, optional."
    )
    comment: Text = Field("", description="The deputy's comment.")


class MeetingItemIn(Schema):
    case_serial: Text | None = Field(
        None, description="Case number of the suggestion, e.g. JY20-1-001."
    )
    suggestion: Id | None = Field(None, description="Or the suggestion id.")
    lead: Id | None = Field(None, description="Lead department id (or give splits instead).")
    co_handlers: list[Id] = Field(default_factory=list, description="Co-handler department ids.")
    splits: list[Id] = Field(default_factory=list, description="Split department ids.")
    due: Day | None = Field(None, description="Due date; the congress's rule by default.")


class MeetingIn(Schema):
    congress: Id = Field(description="Congress id.")
    title: Text = Field("", description="Title of the assignment meeting.")
    held_on: Day = Field(description="Date of the meeting.")
    note: Text = Field("", description="Note.")
    items: list[MeetingItemIn] = Field(
        default_factory=list, description="The accepted suggestions to assign, in order."
    )


class LedgerFilters(Schema):
    congress: Id | None = Field(None, description="Only this congress (id).")
    year: Year | None = Field(None, description="Only suggestions submitted in this year.")


class CosignerOut(Schema):
    deputy: Ref = Field(description="The deputy asked to co-sign.")
    status: str = Field(description="invited, confirmed or declined.")


class SuggestionCaseOut(Schema):
    id: int = Field(description="Case id (the /cases endpoints, for the office and departments).")
    serial: str = Field(description="Case number, e.g. JY20-1-001.")
    status: str = Field(description="State of the case, e.g. submitted, triaged, assigned, closed.")
    status_label: str = Field(description="The state in words, translated.")
    due_date: dt.date | None = Field(description="The reply is due by this date.")
    reply_class: str = Field(description="Class of the latest reply (A-D), empty before any.")
    replied_on_time: bool | None = Field(description="First reply given by the due date.")
    evaluation_result: str = Field(description="Latest evaluation, empty before any.")


class SuggestionItem(Schema):
    id: int = Field(description="Suggestion id.")
    title: str = Field(description="Title.")
    status: str = Field(description="draft, awaiting (co-signers), submitted or withdrawn.")
    status_label: str = Field(description="The state in words, translated.")
    congress: Ref = Field(description="The congress.")
    term: int = Field(description="Ordinal of the term (届).")
    session: Ref | None = Field(description="The session, null between sessions.")
    category: Ref = Field(description="The category.")
    lead: Ref = Field(description="The lead deputy.")
    is_motion: bool = Field(description="Raised as a motion.")
    motion_decision: str = Field(description="pending, agenda, as_suggestion, or empty.")
    cosigners: list[CosignerOut] = Field(
        description="Deputies asked to co-sign, with their answer."
    )
    case: SuggestionCaseOut | None = Field(description="The case, once submitted.")
    is_published: bool = Field(description="Published on the public portal.")
    created_at: dt.datetime = Field(description="When the draft was started.")
    submitted_at: dt.datetime | None = Field(description="When it was submitted.")


class SuggestionList(Schema):
    count: int = Field(description="Number of suggestions matching the filters.")
    items: list[SuggestionItem] = Field(description="The requested page, newest first.")


class SuggestionReplyOut(Schema):
    round: int = Field(description="Handling round.")
    department: str = Field(description="The replying department.")
    reply_class: str = Field(description="A, B, C or D.")
    text: str = Field(description="The reply.")
    replied_at: dt.datetime = Field(description="When it was given.")
    on_time: bool = Field(description="Given by the due date.")


class SuggestionEvaluationOut(Schema):
    round: int = Field(description="Handling round the rating applies to.")
    result: str = Field(description="satisfied, basic or unsatisfied.")
    attitude: str = Field(description="Rating of the handling attitude, may be empty.")
    comment: str = Field(description="The comment.")
    created_at: dt.datetime = Field(description="When it was recorded.")


class SuggestionDetail(SuggestionItem):
    content: str = Field(description="The full text.")
    replies: list[SuggestionReplyOut] = Field(description="Every reply, in order.")
    evaluations: list[SuggestionEvaluationOut] = Field(description="Every evaluation, in order.")


class MeetingItemOut(Schema):
    id: int = Field(description="Item id.")
    order: int = Field(description="Position on the list.")
    case_id: int = Field(description="Case id.")
    serial: str = Field(description="Case number.")
    title: str = Field(description="Title of the case.")
    status: str = Field(description="State of the case.")
    lead: Ref | None = Field(description="Lead department.")
    co_handlers: list[Ref] = Field(description="Co-handler departments.")
    splits: list[Ref] = Field(description="Split departments.")
    due_date: dt.date | None = Field(description="Due date; null for the congress's rule.")


class MeetingOut(Schema):
    id: int = Field(description="Meeting id.")
    congress: Ref = Field(description="The congress.")
    title: str = Field(description="Title.")
    held_on: dt.date = Field(description="Date of the meeting.")
    status: str = Field(description="planned or held.")
    held_at: dt.datetime | None = Field(description="When its list was assigned.")
    items: list[MeetingItemOut] = Field(description="The list, in order.")


# --- lookups in the user's scope -----------------------------------------------------------------


def _scope(user: Any) -> QuerySet[Suggestion]:
    """The deputy's own and co-signed suggestions; the submitted suggestions of the
    congresses the user supervises."""
    office = Suggestion.objects.visible_to(user, "case.supervise").filter(
        status=SuggestionStatus.SUBMITTED
    )
    deputy = suggestion_services.deputy_of(user)
    if deputy is None:
        return office
    mine = Suggestion.objects.of_deputy(deputy)
    return Suggestion.objects.filter(Q(pk__in=office.values("pk")) | Q(pk__in=mine.values("pk")))


def _with_list_data(qs: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return qs.select_related(
        "congress", "term", "session", "category", "lead", "case"
    ).prefetch_related(
        Prefetch("cosigners", queryset=CoSigner.objects.select_related("deputy").order_by("id"))
    )


def _suggestion(request: HttpRequest, suggestion_id: int) -> Suggestion:
    suggestion = _with_list_data(_scope(user_of(request))).filter(pk=suggestion_id).first()
    if suggestion is None:
        raise not_found()
    return suggestion


def _supervised_congress(user: Any, congress_id: int) -> Congress:
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None or not policy.can(user, "case.supervise", congress):
        raise not_found()
    return congress


# --- serialisation -------------------------------------------------------------------------------


def _item(s: Suggestion) -> dict[str, Any]:
    case = s.case
    return {
        "id": s.pk,
        "title": s.title,
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "congress": ref(s.congress),
        "term": s.term.ordinal,
        "session": (
            {"id": s.session.pk, "name": session_label(s.term.ordinal, s.session.ordinal)}
            if s.session
            else None
        ),
        "category": ref(s.category),
        "lead": ref(s.lead),
        "is_motion": s.is_motion,
        "motion_decision": s.motion_decision,
        "cosigners": [{"deputy": ref(c.deputy), "status": c.status} for c in s.cosigners.all()],
        "case": (
            {
                "id": case.pk,
                "serial": case.serial,
                "status": case.status,
                "status_label": str(case.get_status_display()),
                "due_date": case.due_date,
                "reply_class": case.reply_class,
                "replied_on_time": case.replied_on_time,
                "evaluation_result": case.evaluation_result,
            }
            if case is not None
            else None
        ),
        "is_published": s.is_published,
        "created_at": s.created_at,
        "submitted_at": s.submitted_at,
    }


def _detail(request: HttpRequest, suggestion_id: int) -> dict[str, Any]:
    s = _suggestion(request, suggestion_id)
    replies: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    if s.case is not None:
        replies = [
            {
                "round": r.round,
                "department": r.assignment.department.name,
                "reply_class": r.reply_class,
                "text": r.text,
                "replied_at": r.replied_at,
                "on_time": r.on_time,
            }
            for r in s.case.replies.select_related("assignment__department").order_by(
                "round", "replied_at", "id"
            )
        ]
        evaluations = [
            {
                "round": e.round,
                "result": e.result,
                "attitude": e.attitude,
                "comment": e.comment,
                "created_at": e.created_at,
            }
            for e in s.case.evaluations.order_by("round", "id")
        ]
    return {**_item(s), "content": s.content, "replies": replies, "evaluations": evaluations}


def _meeting(meeting_id: int) -> dict[str, Any]:
    meeting = AssignmentMeeting.objects.select_related("congress").get(pk=meeting_id)
    items = (
        MeetingItem.objects.filter(meeting=meeting)
        .select_related("case", "lead")
        .prefetch_related("co_handlers", "splits")
        .order_by("order", "id")
    )
    return {
        "id": meeting.pk,
        "congress": ref(meeting.congress),
        "title": meeting.title,
        "held_on": meeting.held_on,
        "status": meeting.status,
        "held_at": meeting.held_at,
        "items": [
            {
                "id": item.pk,
                "order": item.order,
                "case_id": item.case_id,
                "serial": item.case.serial,
                "title": item.case.title,
                "status": item.case.status,
                "lead": ref(item.lead),
                "co_handlers": [ref(d) for d in item.co_handlers.all()],
                "splits": [ref(d) for d in item.splits.all()],
                "due_date": item.due_date,
            }
            for item in items
        ],
    }


# --- fixed paths first: they must not be read as a suggestion id ----------------------------------


@router.get(
    "/ledger.xlsx",
    response={202: JobOut, 403: ErrorOut, 404: ErrorOut},
    summary="The suggestions ledger (.xlsx)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The ledger as an .xlsx file (attachment), up to "
                "RENDA_EXPORT_JOB_ROWS suggestions; above, 202 with the background job that "
                "writes it (follow its `url`, then fetch its `download`).",
                "content": {ledger.XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def ledger_xlsx(request: HttpRequest, filters: Query[LedgerFilters]) -> Any:
    """Every submitted suggestion the user supervises, one row each (office and leaders)."""
    user = user_of(request)
    if not policy.can(user, "case.supervise"):
        raise HttpError(403, _("Only the presidium office and its leaders can export the ledger."))
    params = QueryDict(mutable=True)
    if filters.congress is not None:
        params["congress"] = str(_supervised_congress(user, filters.congress).pk)
    if filters.year is not None:
        params["year"] = str(filters.year)
    # Audited per congress, as in the web interface (a job's file when it is downloaded).
    answer = exports.start_or_write("suggestions.ledger.api", user, params)
    if isinstance(answer, Job):
        return Status(202, job_out(answer))
    return answer


@router.post(
    "/meetings",
    response={201: MeetingOut, **ACTION},
    summary="Plan an assignment meeting with its list (交办会)",
)
def create_meeting(request: HttpRequest, body: MeetingIn) -> Status[dict[str, Any]]:
    """Creates the meeting and puts every item on its list, all or nothing: an item that
    is not an accepted suggestion of this congress refuses the whole request."""
    user = user_of(request)
    congress = _supervised_congress(user, body.congress)
    with transaction.atomic():
        meeting = suggestion_services.create_meeting(
            congress=congress,
            title=body.title,
            held_on=body.held_on,
            note=body.note,
            acting_user=user,
        )
        for entry in body.items:
            case = _meeting_case(congress, entry)
            suggestion_services.set_meeting_item(
                meeting,
                case,
                acting_user=user,
                lead=departments_of(congress.pk, [entry.lead])[0]
                if entry.lead is not None
                else None,
                co_handlers=departments_of(congress.pk, entry.co_handlers),
                splits=departments_of(congress.pk, entry.splits),
                due=entry.due,
            )
    return Status(201, _meeting(meeting.pk))


def _meeting_case(congress: Congress, entry: MeetingItemIn) -> Case:
    suggestion_id = entry.suggestion
    if (entry.case_serial is None) == (suggestion_id is None):
        raise DomainError(_("Give either the case number or the suggestion id of each item."))
    if entry.case_serial is not None or suggestion_id is None:
        case = Case.objects.filter(
            congress=congress, kind=CaseKind.SUGGESTION, serial=(entry.case_serial or "").strip()
        ).first()
        if case is None:
            raise DomainError(
                _("No suggestion of this congress has the number %(serial)s.")
                % {"serial": entry.case_serial}
            )
        return case
    suggestion = (
        Suggestion.objects.filter(pk=suggestion_id, congress=congress)
        .select_related("case")
        .first()
    )
    if suggestion is None:
        raise DomainError(
            _("No suggestion of this congress has the id %(id)s.") % {"id": suggestion_id}
        )
    if suggestion.case is None:
        raise DomainError(_("This suggestion has not been submitted."))
    return suggestion.case


@router.post(
    "/meetings/{int:meeting_id}/hold",
    response={200: MeetingOut, **ACTION},
    summary="Hold the meeting: assign its whole list",
)
def hold_meeting(request: HttpRequest, meeting_id: Id) -> dict[str, Any]:
    user = user_of(request)
    meeting = (
        AssignmentMeeting.objects.visible_to(user, "case.supervise").filter(pk=meeting_id).first()
    )
    if meeting is None:
        raise not_found()
    suggestion_services.hold_meeting(meeting, acting_user=user)
    return _meeting(meeting.pk)


# --- suggestions -----------------------------------------------------------------------------------


@router.get("", response=SuggestionList, summary="List suggestions")
def list_suggestions(request: HttpRequest, filters: Query[SuggestionFilters]) -> dict[str, Any]:
    """A deputy's own and co-signed suggestions; for the office and leaders, the submitted
    suggestions of their congresses. Newest first, a fixed number of queries per page."""
    qs = _scope(user_of(request))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    return paginate(_with_list_data(qs.order_by("-created_at", "-id")), filters, _item)


@router.post("", response={201: SuggestionDetail, **ACTION}, summary="Raise a suggestion")
def create_suggestion(request: HttpRequest, body: SuggestionIn) -> Status[dict[str, Any]]:
    """A deputy drafts a suggestion, invites co-signers and (with submit) submits it, in
    one transaction: any refusal leaves nothing behind."""
    user = user_of(request)
    congress = Congress.objects.filter(pk=body.congress).first()
    if congress is None:
        raise DomainError(_("Only an active deputy of this congress can raise a suggestion here."))
    category = Category.objects.filter(pk=body.category, congress=congress).first()
    if category is None:
        raise DomainError(_("Choose one of this congress's categories."))
    session = None
    if body.session is not None:
        session = Session.objects.filter(pk=body.session, term__congress=congress).first()
        if session is None:
            raise DomainError(_("Choose a session of the current term."))
    found = Deputy.objects.in_bulk(body.cosigners)
    missing = [str(pk) for pk in body.cosigners if pk not in found]
    if missing:
        raise DomainError(_("No deputy has the id %(ids)s.") % {"ids": ", ".join(missing)})
    suggestion = suggestion_services.raise_suggestion(
        acting_user=user,
        congress=congress,
        category=category,
        title=body.title,
        content=body.content,
        session=session,
        is_motion=body.is_motion,
        cosigners=[found[pk] for pk in body.cosigners],
        submit=body.submit,
    )
    return Status(201, _detail(request, suggestion.pk))


@router.get(
    "/{int:suggestion_id}", response={200: SuggestionDetail, **NOT_FOUND}, summary="One suggestion"
)
def suggestion_detail(request: HttpRequest, suggestion_id: Id) -> dict[str, Any]:
    return _detail(request, suggestion_id)


@router.post(
    "/{int:suggestion_id}/cosign",
    response={200: SuggestionDetail, **ACTION},
    summary="Confirm or decline co-signing",
)
def cosign(request: HttpRequest, suggestion_id: Id, body: CosignIn) -> dict[str, Any]:
    suggestion = _suggestion(request, suggestion_id)
    suggestion_services.respond_to_invitation(
        suggestion, acting_user=user_of(request), accept=body.accept
    )
    return _detail(request, suggestion_id)


@router.post(
    "/{int:suggestion_id}/submit", response={200: SuggestionDetail, **ACTION}, summary="Submit"
)
def submit(request: HttpRequest, suggestion_id: Id) -> dict[str, Any]:
    suggestion = _suggestion(request, suggestion_id)
    suggestion_services.submit_suggestion(suggestion, acting_user=user_of(request))
    return _detail(request, suggestion_id)


@router.post(
    "/{int:suggestion_id}/review",
    response={200: SuggestionDetail, **ACTION},
    summary="Review (审查): accept or reject",
)
def review(request: HttpRequest, suggestion_id: Id, body: ReviewIn) -> dict[str, Any]:
    """The office accepts the suggestion for handling, or rejects it with the reason
    (optionally handling the matter as a public opinion instead)."""
    suggestion = _suggestion(request, suggestion_id)
    if suggestion.case is None:
        raise DomainError(_("This suggestion has not been submitted."))
    if body.decision == "accept":
        suggestion_services.accept_suggestion(
            suggestion, acting_user=user_of(request), note=body.reason
        )
    else:
        case_services.reject_case(
            suggestion.case,
            reason=body.reason,
            convert_to_opinion=body.convert_to_opinion,
            acting_user=user_of(request),
        )
    return _detail(request, suggestion_id)


@router.post(
    "/{int:suggestion_id}/evaluate",
    response={200: SuggestionDetail, **ACTION},
    summary="The lead deputy rates the reply",
)
def evaluate(request: HttpRequest, suggestion_id: Id, body: SuggestionEvaluateIn) -> dict[str, Any]:
    suggestion = _suggestion(request, suggestion_id)
    suggestion_services.evaluate_suggestion(
        suggestion,
        acting_user=user_of(request),
        result=body.result,
        attitude=body.attitude,
        comment=body.comment,
    )
    return _detail(request, suggestion_id)
