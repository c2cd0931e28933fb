"""A deputy's own appraisals (mobile first): the meetings where they report, their result
once the rating is closed, and their rectification report, which they file themselves.
Only their own rows; anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from renda.appraisals import forms as f
from renda.appraisals import services, sheets
from renda.appraisals.models import (
    OPEN_RECTIFICATION,
    MeetingStatus,
    Rectification,
    Reporter,
)
from renda.ballots import presentation
from renda.core.actions import Action, form_of, run_action

SHOWN = (
    MeetingStatus.SCHEDULED,
    MeetingStatus.RATING,
    MeetingStatus.CLOSED,
    MeetingStatus.PUBLISHED,
)
RESULT_SHOWN = (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    reporters = list(
        Reporter.objects.filter(deputy__user_id=request.user.pk or 0, meeting__status__in=SHOWN)
        .select_related("meeting__congress", "meeting__poll", "rectification")
        .order_by("-meeting__held_on", "-id")
    )
    if not reporters and not hasattr(request.user, "deputy"):
        raise Http404
    rows = []
    summaries: dict[int, dict[int, Any]] = {}  # the engine's rows, one summary per meeting
    for r in reporters:
        meeting = r.meeting
        shown = meeting.status in RESULT_SHOWN
        if shown and meeting.pk not in summaries:
            summaries[meeting.pk] = presentation.by_subject(sheets.summary(meeting))
        rows.append(
            {
                "reporter": r,
                "shown": shown,
                "cells": sheets.figures_of(meeting, r, summaries[meeting.pk]).cells
                if shown
                else [],
                "grade": meeting.grade_label(r.grade) if shown and r.grade else "",
                "reasons": sheets.reason_labels(r),
                "rectification": getattr(r, "rectification", None),
            }
        )
    vote_url = reverse("ballots:mine")  # the ballot engine's voter pages
    return render(
        request,
        "appraisals/deputy/mine.html",
        {"rows": rows, "open_states": [str(s) for s in OPEN_RECTIFICATION], "vote_url": vote_url},
    )


SUBMIT = Action(
    gettext_lazy("File my rectification report"),
    form_of(f.SubmitRectificationForm),
    lambda item, u, d: services.submit_rectification(
        item, report=d["report"], summary=d["summary"], acting_user=u
    ),
    perm="",
    success=gettext_lazy("Your rectification report was filed."),
    multipart=True,
)


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(  # only the deputy's own rectification report
        Rectification.objects.filter(reporter__deputy__user_id=request.user.pk or 0).select_related(
            "reporter__meeting", "reporter__deputy"
        ),
        pk=pk,
    )
    return run_action(
        request,
        item,
        SUBMIT,
        back=reverse("appraisals:mine"),
        heading=item.reporter.meeting.title,
    )
