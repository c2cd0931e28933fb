"""The presidium office's appraisal pages: meetings, reporters, questions, attendance, the
rating (open, close, publish) on the ballot engine, result sheets and follow-ups. Office
staff act (`appraisal.manage`); leaders read (`appraisal.view`). Another congress's
meeting is a 404; a reader's attempt to act is a 403. Thin views: form → service →
message → redirect, one GET confirmation and one POST per action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.appraisals import forms as f
from renda.appraisals import services, sheets, tables
from renda.appraisals.models import (
    HEARING,
    PREPARING,
    Electorate,
    MeetingStatus,
    Rectification,
    ReportDocument,
    Reporter,
    ReviewMeeting,
)
from renda.ballots import presentation
from renda.ballots.forms import SharesForm
from renda.ballots.models import PollStatus
from renda.ballots.views.staff import handout_page
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports, uploads
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError

VIEW, MANAGE = "appraisal.view", "appraisal.manage"
PAGE_SIZE = 50
SHEET_FORMATS = ("xlsx", "docx")
# The meeting page links to the ballot engine's own pages (poll management, paper entry).
POLL_LINKS = (
    ("ballots:office_poll", gettext_lazy("Poll page")),
    ("ballots:office_paper", gettext_lazy("Enter paper ballots")),
)


def poll_links(poll_id: int | None) -> list[tuple[str, str]]:
    if not poll_id:
        return []
    return [(str(label), reverse(name, args=[poll_id])) for name, label in POLL_LINKS]


def _congresses(user: Any, perm: str) -> QuerySet[Congress]:
    if policy.is_superuser(user):
        return Congress.objects.filter(is_active=True).order_by("name")
    return Congress.objects.filter(pk__in=policy.readable_congress_ids(user, perm)).order_by("name")


def _meeting(request: HttpRequest, pk: int) -> ReviewMeeting:
    return get_visible_or_404(
        ReviewMeeting.objects.select_related(
            "congress__region", "session__term", "poll", "rereview_of", "created_by"
        ),
        request.user,
        pk,
        VIEW,
    )


def _reporter(request: HttpRequest, pk: int) -> Reporter:
    return get_visible_or_404(
        Reporter.objects.select_related(
            "meeting__congress__region",
            "meeting__poll",
            "official__department",
            "deputy",
            "rereview_of__meeting",
            "rectification",
        ),
        request.user,
        pk,
        VIEW,
    )


def _may_manage(request: HttpRequest, congress: Congress) -> bool:
    return policy.can(request.user, MANAGE, congress)


# --- meetings ---------------------------------------------------------------------------------


@login_required
def meetings(request: HttpRequest) -> HttpResponseBase:
    if not _congresses(request.user, VIEW).exists():
        raise Http404
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return exports.respond(request, "appraisals.meetings")
    manage = _congresses(request.user, MANAGE)
    if request.method == "POST" and not manage.exists():
        raise PermissionDenied
    form = f.MeetingForm(request.POST or None, congresses=manage) if manage.exists() else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.create_meeting(
                congress=d["congress"],
                session=d["session"],
                title=d["title"],
                kind=d["kind"],
                held_on=d["held_on"],
                place=d["place"],
                scale=d["scale"] or None,
                electorate=d["electorate"] or None,
                invited_count=d["invited_count"] or 0,
                paper_ballots=d["paper_ballots"],
                allow_abstain=d["allow_abstain"],
                allow_unknown=d["allow_unknown"],
                note=d["note"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The review meeting was created."))
            return HttpResponseRedirect(reverse("appraisals:meeting", args=[meeting.pk]))
    status = request.GET.get("status") or ""
    qs = tables.meeting_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    from renda.appraisals.figures import year_figures

    year = timezone.localdate().year
    figures = year_figures(ReviewMeeting.objects.visible_to(request.user, VIEW), year)
    return render(
        request,
        "appraisals/staff/meetings.html",
        {
            "page": page,
            "params": request.GET,
            "form": form,
            "statuses": MeetingStatus.choices,
            "status": status,
            "year": year,
            "figures": figures,
            "table": tables.MEETINGS,
            "export_query": exports.export_query(request),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    reporters = list(
        meeting.reporters.select_related("official", "deputy", "rectification")
        .annotate(
            document_count=Count("documents", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .order_by("order", "id")
    )
    poll = meeting.poll
    result = (poll.result or {}) if poll is not None else {}
    summary = sheets.summary(meeting)
    by_subject = presentation.by_subject(summary)
    grades = meeting.grades()
    rows = []
    for r in reporters:
        shown = sheets.figures_of(meeting, r, by_subject)
        rows.append(
            {
                "reporter": r,
                "cells": shown.cells,
                "base": shown.base,
                "favourable": shown.favourable_share,
                "grade": meeting.grade_label(r.grade) if r.grade else "",
                "reasons": sheets.reason_labels(r),
            }
        )
    can_manage = _may_manage(request, meeting.congress)
    context = {
        "meeting": meeting,
        "rows": rows,
        "grades": grades,
        "can_manage": can_manage,
        "preparing": meeting.status in PREPARING,
        "closed": meeting.status in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED),
        "poll": poll,
        "poll_links": poll_links(poll.pk if poll else None),
        "poll_open": poll is not None and poll.status == PollStatus.OPEN,
        # Turnout (who took part, never what they chose) may be followed while voting.
        "turnout": poll.participations.count()
        if poll is not None and poll.status == PollStatus.OPEN
        else None,
        "result": result,
        "facts": sheets.facts(meeting, summary) if summary is not None else [],
        "rule": sheets.rule_text(meeting),
        "favourable_label": sheets.favourable_label(meeting),
        "consequences": sheets.consequences_text(meeting),
        "present_count": meeting.attendance.count()
        if meeting.electorate == Electorate.DEPUTIES
        else None,
        "rereviews": list(meeting.rereviews.order_by("id")),
        "any_lowest": any(r.lowest for r in reporters),
        "reporter_form": f.ReporterForm(meeting=meeting)
        if can_manage and meeting.status in PREPARING
        else None,
    }
    return render(request, "appraisals/staff/meeting.html", context)


def _closed(meeting: ReviewMeeting) -> tuple[int, str]:
    if meeting.status == MeetingStatus.SCHEDULED:  # the poll was void
        return messages.ERROR, _(
            "The vote is void and the meeting is scheduled again: %(reason)s"
        ) % {"reason": meeting.void_note}
    return messages.SUCCESS, _("The rating is closed and the result frozen.")


def _edit(meeting: ReviewMeeting, user: Any, d: dict[str, Any]) -> Any:
    values = {k: v for k, v in d.items() if k in services.EDITABLE_FIELDS}
    if "invited_count" in values:
        values["invited_count"] = values["invited_count"] or 0
    return services.update_meeting(meeting, acting_user=user, **values)


MEETING_ACTIONS: dict[str, Action] = {
    "edit": Action(
        gettext_lazy("Change the meeting's details"),
        lambda data, files, m: f.EditMeetingForm(data, meeting=m),
        _edit,
        perm=MANAGE,
        success=gettext_lazy("The meeting was updated."),
    ),
    "edit-reporter": Action(
        gettext_lazy("Change a report's title or the order of speaking"),
        lambda data, files, m: f.EditReporterForm(data, meeting=m),
        lambda m, u, d: services.update_reporter(
            d["reporter"], report_title=d["report_title"], order=d["order"], acting_user=u
        ),
        perm=MANAGE,
        success=gettext_lazy("The reporter was updated."),
    ),
    "schedule": Action(
        gettext_lazy("Schedule the meeting"),
        form_of(f.ConfirmForm),
        lambda m, u, d: services.schedule_meeting(m, acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The meeting is scheduled."),
    ),
    "unschedule": Action(
        gettext_lazy("Back to draft"),
        form_of(f.ConfirmForm),
        lambda m, u, d: services.unschedule_meeting(m, acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The meeting is a draft again."),
    ),
    "withdraw": Action(
        gettext_lazy("Withdraw the meeting"),
        form_of(f.ReasonForm),
        lambda m, u, d: services.withdraw_meeting(m, reason=d["reason"], acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The meeting was withdrawn."),
    ),
    "reporter": Action(
        gettext_lazy("Add a reporter"),
        lambda data, files, m: f.ReporterForm(data, meeting=m),
        lambda m, u, d: services.add_reporter(
            m,
            official=d.get("official"),
            deputy=d.get("deputy"),
            report_title=d["report_title"],
            order=d["order"],
            acting_user=u,
        ),
        perm=MANAGE,
        success=gettext_lazy("The reporter was added."),
    ),
    "remove": Action(
        gettext_lazy("Take a reporter off the meeting"),
        lambda data, files, m: f.RemoveReporterForm(data, meeting=m),
        lambda m, u, d: services.remove_reporter(d["reporter"], acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The reporter was taken off the meeting."),
    ),
    "attendance": Action(
        gettext_lazy("Deputies present"),
        lambda data, files, m: f.AttendanceForm(data, meeting=m),
        lambda m, u, d: services.set_attendance(m, present=d["present"], acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The attendance was recorded."),
    ),
    "close": Action(
        gettext_lazy("Close the rating and count"),
        # The key holders' shares open the engine's ballot box (none are needed when the
        # poll was already closed on the engine's own page).
        lambda data, files, m: (
            SharesForm(data, poll=m.poll)
            if m.poll is not None and m.poll.status == PollStatus.OPEN
            else f.ConfirmForm(data)
        ),
        lambda m, u, d: services.close_rating(m, acting_user=u, shares=d.get("shares", [])),
        perm=MANAGE,
        outcome=_closed,
    ),
    "publish": Action(
        gettext_lazy("Publish the result"),
        form_of(f.ConfirmForm),
        lambda m, u, d: services.publish_result(m, acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The result is published."),
    ),
    "rereview": Action(
        gettext_lazy("Schedule a re-review of the lowest-rated"),
        form_of(f.RereviewForm),
        lambda m, u, d: services.schedule_rereview(
            m, held_on=d["held_on"], place=d["place"], acting_user=u
        ),
        perm=MANAGE,
        success=gettext_lazy("The re-review was created as a draft meeting."),
    ),
}


def _acting_target(request: HttpRequest, congress: Congress, perm: str) -> None:
    """Readers (leaders) who try to act get a 403; the meeting itself was already scoped."""
    if not policy.can(request.user, perm, congress):
        raise PermissionDenied


@login_required
def meeting_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = MEETING_ACTIONS.get(action)
    if spec is None:
        raise Http404
    meeting = _meeting(request, pk)
    _acting_target(request, meeting.congress, spec.perm)
    return run_action(
        request,
        meeting,
        spec,
        back=reverse("appraisals:meeting", args=[meeting.pk]),
        heading=meeting.title,
    )


@login_required
def open_rating(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening returns the key shares of the ballot box and the one-time voter codes: the
    response is the engine's hand-out page, and they are never shown again (the engine
    keeps the codes hashed and the shares nowhere)."""
    meeting = _meeting(request, pk)
    _acting_target(request, meeting.congress, MANAGE)
    back = reverse("appraisals:meeting", args=[meeting.pk])
    form = f.ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            opening = services.open_rating(meeting, acting_user=request.user)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            # The engine's hand-out page: the key shares and the voter-code slips, once.
            meeting.refresh_from_db()
            if meeting.poll is None:  # open_rating always sets it
                raise Http404
            return handout_page(request, meeting.poll, opening, back=back)
    return render(
        request,
        "appraisals/staff/open.html",
        {
            "form": form,
            "meeting": meeting,
            "back": back,
            "title": _("Open the rating"),
            "heading": meeting.title,
            "present_count": meeting.attendance.count(),
            "reporter_count": meeting.reporters.count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def meeting_sheet(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in SHEET_FORMATS:
        raise Http404
    meeting = _meeting(request, pk)
    if meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
        raise Http404
    build = sheets.meeting_xlsx if fmt == "xlsx" else sheets.meeting_docx
    return exports.attachment(
        build(meeting),
        f"appraisal-{meeting.pk}.{fmt}",
        action="appraisal.sheet_exported",
        obj=meeting,
        actor=request.user,
    )


# --- reporters ---------------------------------------------------------------------------------


@login_required
@require_GET
def reporter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reporter = _reporter(request, pk)
    meeting = reporter.meeting
    can_manage = _may_manage(request, meeting.congress)
    rectification = getattr(reporter, "rectification", None)
    shown = sheets.figures_of(meeting, reporter, presentation.by_subject(sheets.summary(meeting)))
    context = {
        "reporter": reporter,
        "meeting": meeting,
        "documents": reporter.documents.select_related("uploaded_by").order_by("id"),
        "questions": reporter.questions.select_related("recorded_by").order_by("id"),
        "can_manage": can_manage,
        "hearing": meeting.status in HEARING,
        "closed": meeting.status in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED),
        "cells": shown.cells,
        "base": shown.base,
        "favourable": shown.favourable_share,
        "favourable_label": sheets.favourable_label(meeting),
        "grade": meeting.grade_label(reporter.grade) if reporter.grade else "",
        "reasons": sheets.reason_labels(reporter),
        "rectification": rectification,
        "rereviews": reporter.rereviews.select_related("meeting").order_by("id"),
        "document_form": f.DocumentForm() if can_manage and meeting.status in HEARING else None,
        "question_form": f.QuestionForm(reporter=reporter)
        if can_manage and meeting.status in HEARING
        else None,
    }
    return render(request, "appraisals/staff/reporter.html", context)


def _rectification(reporter: Reporter) -> Rectification:
    item = getattr(reporter, "rectification", None)
    if item is None:
        raise DomainError(_("No rectification report is required of this reporter."))
    return item


REPORTER_ACTIONS: dict[str, Action] = {
    "document": Action(
        gettext_lazy("Upload a report document"),
        form_of(f.DocumentForm),
        lambda r, u, d: services.add_document(r, title=d["title"], file=d["file"], acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The document was uploaded."),
        multipart=True,
    ),
    "question": Action(
        gettext_lazy("Record a question from the floor"),
        lambda data, files, r: f.QuestionForm(data, reporter=r),
        lambda r, u, d: services.record_question(
            r,
            question=d["question"],
            deputy=d["deputy"],
            asked_by=d["asked_by"],
            answer=d["answer"],
            acting_user=u,
        ),
        perm=MANAGE,
        success=gettext_lazy("The question was recorded."),
    ),
    "answer": Action(
        gettext_lazy("Record the answer"),
        lambda data, files, r: f.AnswerForm(data, reporter=r),
        lambda r, u, d: services.record_answer(d["item"], answer=d["answer"], acting_user=u),
        perm=MANAGE,
        success=gettext_lazy("The answer was recorded."),
    ),
    "submit": Action(
        gettext_lazy("File the rectification report"),
        form_of(f.SubmitRectificationForm),
        lambda r, u, d: services.submit_rectification(
            _rectification(r), report=d["report"], summary=d["summary"], acting_user=u
        ),
        perm=MANAGE,
        success=gettext_lazy("The rectification report was filed."),
        multipart=True,
    ),
    "accept": Action(
        gettext_lazy("Accept the rectification report"),
        form_of(f.AcceptRectificationForm),
        lambda r, u, d: services.accept_rectification(
            _rectification(r), note=d["note"], acting_user=u
        ),
        perm=MANAGE,
        success=gettext_lazy("The rectification report was accepted."),
    ),
    "return": Action(
        gettext_lazy("Send the rectification report back"),
        form_of(f.ReturnRectificationForm),
        lambda r, u, d: services.return_rectification(
            _rectification(r), note=d["note"], due_on=d["due_on"], acting_user=u
        ),
        perm=MANAGE,
        success=gettext_lazy("The report was sent back with a new due date."),
    ),
}


@login_required
def reporter_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    spec = REPORTER_ACTIONS.get(action)
    if spec is None:
        raise Http404
    reporter = _reporter(request, pk)
    _acting_target(request, reporter.meeting.congress, spec.perm)
    return run_action(
        request,
        reporter,
        spec,
        back=reverse("appraisals:reporter", args=[reporter.pk]),
        heading=str(reporter),
    )


@login_required
@require_GET
def reporter_sheet(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in SHEET_FORMATS:
        raise Http404
    reporter = _reporter(request, pk)
    if reporter.meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
        raise Http404
    build = sheets.reporter_xlsx if fmt == "xlsx" else sheets.reporter_docx
    return exports.attachment(
        build(reporter),
        f"appraisal-{reporter.meeting_id}-{reporter.pk}.{fmt}",
        action="appraisal.sheet_exported",
        obj=reporter,
        actor=request.user,
    )


@login_required
@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_object_or_404(
        ReportDocument.objects.filter(
            reporter__in=Reporter.objects.visible_to(request.user, VIEW)
        ).only("file", "title", "original_name", "content_type"),
        pk=pk,
    )
    if not item.file:
        raise Http404
    return uploads.serve(
        item.file, content_type=item.content_type, filename=item.original_name or item.title
    )


@login_required
@require_GET
def rectification_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_visible_or_404(
        Rectification.objects.only("report", "report_name", "report_type"), request.user, pk, VIEW
    )
    if not item.report:
        raise Http404
    return uploads.serve(
        item.report,
        content_type=item.report_type,
        filename=item.report_name or item.report.name,
    )


# --- follow-ups ---------------------------------------------------------------------------------


FOLLOW_UP_VIEWS = tables.FOLLOW_UP_VIEWS
FOLLOW_UP_LABELS = [
    ("open", gettext_lazy("Awaiting the report")),
    ("overdue", gettext_lazy("Report overdue")),
    ("submitted", gettext_lazy("Submitted, to check")),
    ("accepted", gettext_lazy("Report accepted")),
    ("all", gettext_lazy("All")),
]


@login_required
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponseBase:
    if not _congresses(request.user, VIEW).exists():
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "appraisals.follow_ups")
    view = request.GET.get("view") or "open"
    qs = tables.follow_up_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "appraisals/staff/follow_ups.html",
        {
            "page": page,
            "params": request.GET,
            "view": view if view in FOLLOW_UP_VIEWS else "open",
            "views": FOLLOW_UP_LABELS,
            "today": timezone.localdate(),
            "table": tables.FOLLOW_UPS,
            "export_query": exports.export_query(request),
        },
    )
