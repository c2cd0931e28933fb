"""Performance reviews and appraisals (/api/v1/appraisals): review meetings with their
reporters, and the result of a meeting's rating. Read only; the office prepares, opens and
closes the vote on its pages.

Who sees what: the office and leaders (`appraisal.view`) every meeting of their congresses
and its result once the rating is closed; anyone else the published meetings of the
congresses they belong to, with the result as published (the ballot engine withholds the
detail of a meeting with fewer ballots than its smallest group). Counts, shares and the
invalid ballots are the ballot engine's presentation of the frozen result; each reporter's
grade, rank and follow-up are what closing copied onto the reporter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from renda.api.common import in_congresses, member_congress_ids, not_found, paginate, ref, user_of
from renda.api.rest_polls import ResultOut, result_out
from renda.api.schemas import ErrorOut, PageFilters, Ref
from renda.api.validation import Id, Year
from renda.appraisals.models import MeetingKind, MeetingStatus, Reporter, ReviewMeeting
from renda.appraisals.sheets import rule_text
from renda.ballots import services as ballots
from renda.ballots.presentation import summarise
from renda.congress import policy

router = Router(tags=["appraisals"])

NOT_FOUND = {404: ErrorOut}
COUNTED = (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED)


# --- schemas -------------------------------------------------------------------------------------


class MeetingFilters(PageFilters):
    congress: Id | None = Field(None, description="Only meetings of this congress id.")
    session: Id | None = Field(None, description="Only meetings at this session id.")
    status: MeetingStatus | None = Field(None, description="Only meetings in this state.")
    kind: MeetingKind | None = Field(None, description="Only meetings of this kind.")
    year: Year | None = Field(None, description="Only meetings held in this year.")


class MeetingItem(Schema):
    id: int = Field(description="Review meeting id.")
    congress: Ref = Field(description="The congress.")
    session: Ref | None = Field(description="The session, if held at one.")
    title: str = Field(description="Title.")
    kind: str = Field(description="officials (述职评议) or deputies (代表述职).")
    held_on: dt.date = Field(description="Date of the meeting.")
    place: str = Field(description="Place.")
    status: str = Field(description="draft, scheduled, rating, closed, published or withdrawn.")
    status_label: str = Field(description="The state in words, translated.")
    reporters: int = Field(description="Number of reporters.")
    poll: int | None = Field(description="The rating poll's id (see /polls), once opened.")


class MeetingList(Schema):
    count: int = Field(description="Number of meetings matching the filters.")
    items: list[MeetingItem] = Field(description="The requested page, latest first.")


class ReporterOut(Schema):
    id: int = Field(description="Reporter id.")
    order: int = Field(description="Order of speaking.")
    name: str = Field(description="Full name.")
    post: str = Field(description="Post, may be empty.")
    official: Ref | None = Field(description="The official (see /officials), if one.")
    deputy: Ref | None = Field(description="The deputy (see /deputies), if one.")
    report_title: str = Field(description="Title of the report.")


class MeetingDetail(MeetingItem):
    rule: str = Field(description="The result rule in words, translated.")
    reporter_list: list[ReporterOut] = Field(description="The reporters, in speaking order.")


class ReporterResult(Schema):
    reporter: Ref = Field(description="The reporter (id and name).")
    grade: str = Field(description="The grade code (e.g. satisfied), empty if none.")
    grade_label: str = Field(description="The grade in words, translated.")
    rank: int | None = Field(description="Rank in the meeting (ties share a rank).")
    lowest: bool = Field(description="Among the lowest-rated.")
    lowest_tie: bool = Field(description="Tied at the lowest place.")
    must_rectify: bool = Field(description="Must report on rectification.")


class MeetingResult(Schema):
    meeting: Ref = Field(description="The meeting (id and title).")
    status: str = Field(description="closed (the office's view) or published.")
    rule: str = Field(description="The result rule in words, translated.")
    export_sha256: str = Field(description="SHA-256 of the poll's canonical ballot export.")
    result: ResultOut = Field(description="The ballot engine's presentation of the result.")
    reporters: list[ReporterResult] = Field(
        description="Each reporter's grade and follow-up (empty when the detail is withheld)."
    )


# --- scope and serialisation ---------------------------------------------------------------------


def _meetings(user: Any) -> QuerySet[ReviewMeeting]:
    office = ReviewMeeting.objects.visible_to(user, "appraisal.view")
    published = in_congresses(
        ReviewMeeting.objects.filter(status=MeetingStatus.PUBLISHED), member_congress_ids(user)
    )
    return (
        ReviewMeeting.objects.filter(
            Q(pk__in=office.values("pk")) | Q(pk__in=published.values("pk"))
        )
        .select_related("congress", "session__term", "poll")
        .annotate(reporter_count=Count("reporters"))
    )


def _item(m: ReviewMeeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "congress": ref(m.congress),
        "session": {"id": m.session.pk, "name": str(m.session)} if m.session else None,
        "title": m.title,
        "kind": m.kind,
        "held_on": m.held_on,
        "place": m.place,
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "reporters": m.reporter_count,  # type: ignore[attr-defined]
        "poll": m.poll_id,
    }


def _meeting(request: HttpRequest, review_id: int) -> ReviewMeeting:
    meeting = _meetings(user_of(request)).filter(pk=review_id).first()
    if meeting is None:
        raise not_found()
    return meeting


# --- endpoints -----------------------------------------------------------------------------------


@router.get("/meetings", response=MeetingList, summary="Review meetings")
def list_meetings(request: HttpRequest, filters: Query[MeetingFilters]) -> dict[str, Any]:
    qs = _meetings(user_of(request))
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    if filters.session is not None:
        qs = qs.filter(session_id=filters.session)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.year is not None:
        qs = qs.filter(held_on__year=filters.year)
    return paginate(qs.order_by("-held_on", "-id"), filters, _item)


@router.get(
    "/meetings/{int:review_id}",
    response={200: MeetingDetail, **NOT_FOUND},
    summary="One review meeting",
)
def meeting_detail(request: HttpRequest, review_id: Id) -> dict[str, Any]:
    meeting = _meeting(request, review_id)
    reporters = meeting.reporters.select_related("official", "deputy").order_by("order", "id")
    return {
        **_item(meeting),
        "rule": str(rule_text(meeting)),
        "reporter_list": [
            {
                "id": r.pk,
                "order": r.order,
                "name": r.name,
                "post": r.post,
                "official": ref(r.official),
                "deputy": ref(r.deputy),
                "report_title": r.report_title,
            }
            for r in reporters
        ],
    }


@router.get(
    "/meetings/{int:review_id}/result",
    response={200: MeetingResult, **NOT_FOUND},
    summary="The result of a meeting's rating",
)
def meeting_result(request: HttpRequest, review_id: Id) -> dict[str, Any]:
    """The office sees it once the rating is closed, everyone else once it is published;
    a 404 until then."""
    user = user_of(request)
    meeting = _meeting(request, review_id)
    poll = meeting.poll
    summary = None
    if poll is not None and meeting.status in COUNTED:
        if policy.can(user, "appraisal.view", meeting):
            summary = summarise(poll)
        elif meeting.status == MeetingStatus.PUBLISHED:
            # As on the public page: the engine withholds the detail of a small meeting.
            shown = ballots.public_result(poll)
            summary = summarise(poll, shown) if shown else None
    if poll is None or summary is None:
        raise HttpError(404, _("This meeting has no result to show yet."))
    reporters: list[Reporter] = (
        [] if summary.suppressed else list(meeting.reporters.order_by("order", "id"))
    )
    return {
        "meeting": {"id": meeting.pk, "name": meeting.title},
        "status": meeting.status,
        "rule": str(rule_text(meeting)),
        "export_sha256": poll.export_sha256,
        "result": result_out(summary),
        "reporters": [
            {
                "reporter": {"id": r.pk, "name": r.name},
                "grade": r.grade,
                "grade_label": meeting.grade_label(r.grade) if r.grade else "",
                "rank": r.rank,
                "lowest": r.lowest,
                "lowest_tie": r.lowest_tie,
                "must_rectify": r.must_rectify,
            }
            for r in reporters
        ],
    }
