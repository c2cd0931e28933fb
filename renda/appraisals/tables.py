"""The office's review meetings list as a table (renda.core.exports): the page's rows for
a user and its query string (status, town, within the meetings the user reads), its
columns declared once (the page's header row and the sheet), and its export."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from renda.appraisals.models import (
    OPEN_RECTIFICATION,
    MeetingStatus,
    Rectification,
    RectificationStatus,
    Reporter,
    ReviewMeeting,
)
from renda.core.exports import Column, Export, Table, register

VIEW = "appraisal.view"


def _congress(meeting: ReviewMeeting) -> str:
    return (
        f"{meeting.congress.name} · {meeting.session}"
        if meeting.session_id
        else meeting.congress.name
    )


MEETINGS = Table(
    _("Performance reviews and appraisals"),
    (
        Column(_("Date"), "held_on", 12),
        Column(_("Title"), "title", 36),
        Column(_("Congress"), _congress, 24),
        Column(_("Who reports"), "get_kind_display", 16),
        Column(_("Reporters"), "reporter_count", 10),
        Column(_("Status"), "get_status_display", 12),
    ),
)


def meeting_rows(user: Any, params: QueryDict | dict) -> QuerySet[ReviewMeeting]:
    qs = ReviewMeeting.objects.visible_to(user, VIEW)
    status = str(params.get("status") or "")
    if status in MeetingStatus.values:
        qs = qs.filter(status=status)
    congress_id = str(params.get("congress") or "")
    if congress_id.isdigit():  # one town's meetings (the district's view of its towns)
        qs = qs.filter(congress_id=int(congress_id))
    return (
        qs.select_related("congress", "session__term")
        .annotate(reporter_count=Count("reporters"))
        .order_by("-held_on", "-id")
    )


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(set(meeting_rows(user, params).values_list("congress_id", flat=True)))


register(
    Export(
        "appraisals.meetings",
        MEETINGS,
        meeting_rows,
        _("Performance reviews and appraisals"),
        "appraisals.list_exported",
        _congress_ids,
    )
)


# --- rectification follow-ups -----------------------------------------------------------------

FOLLOW_UP_VIEWS: dict[str, Q] = {
    "open": Q(status__in=OPEN_RECTIFICATION),
    "overdue": Q(status=RectificationStatus.OVERDUE),
    "submitted": Q(status=RectificationStatus.SUBMITTED),
    "accepted": Q(status=RectificationStatus.ACCEPTED),
    "all": Q(),
}


def _rereviews(item: Rectification) -> str:
    again = [
        f"{r.meeting.held_on:%Y-%m-%d} {r.meeting.get_status_display()}"
        for r in item.reporter.rereviews.all()
    ]
    if again:
        return "、".join(again)
    return str(_("to schedule")) if item.reporter.lowest else "—"


FOLLOW_UPS = Table(
    _("Rectification follow-ups"),
    (
        Column(_("Name"), lambda i: f"{i.reporter.name} {i.reporter.post}".strip(), 20),
        Column(_("Meeting"), "reporter.meeting.title", 32),
        Column(_("Congress"), "reporter.meeting.congress.name", 16),
        Column(_("Due"), "due_on", 12),
        Column(_("Status"), "get_status_display", 12),
        Column(_("Re-review"), _rereviews, 24),
    ),
)


def follow_up_rows(user: Any, params: QueryDict | dict) -> QuerySet[Rectification]:
    view = str(params.get("view") or "open")
    return (
        Rectification.objects.visible_to(user, VIEW)
        .filter(FOLLOW_UP_VIEWS.get(view, FOLLOW_UP_VIEWS["open"]))
        .select_related("reporter__meeting__congress")
        .prefetch_related(
            Prefetch("reporter__rereviews", queryset=Reporter.objects.select_related("meeting"))
        )
        .order_by("due_on", "id")
    )


def _follow_up_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(
        set(follow_up_rows(user, params).values_list("reporter__meeting__congress_id", flat=True))
    )


register(
    Export(
        "appraisals.follow_ups",
        FOLLOW_UPS,
        follow_up_rows,
        _("Rectification follow-ups"),
        "appraisals.follow_ups_exported",
        _follow_up_congress_ids,
    )
)
