"""Published appraisal results for everyone: each reporter's grade and the counts, the rule
and the SHA-256 of the ballot export. Never anything about who voted; a meeting with fewer
ballots than its smallest group shows no figures (the engine's rule)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from renda.appraisals import sheets
from renda.appraisals.models import MeetingStatus, ReviewMeeting
from renda.ballots import presentation
from renda.ballots import services as ballots

PAGE_SIZE = 30


def _published():  # noqa: ANN202
    return ReviewMeeting.objects.filter(
        status=MeetingStatus.PUBLISHED, congress__is_active=True
    ).select_related("congress", "poll")


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    qs = _published().annotate(reporter_count=Count("reporters")).order_by("-held_on", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "appraisals/public/results.html", {"page": page, "params": request.GET})


@require_GET
def result(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(_published(), pk=pk)
    if meeting.poll is None:
        raise Http404
    shown = ballots.public_result(meeting.poll) or {}
    suppressed = bool(shown.get("suppressed"))
    # The engine's presentation of what may be shown: the same shares as the announcement.
    summary = sheets.summary(meeting, shown) if shown and not suppressed else None
    by_subject = presentation.by_subject(summary)
    rows = []
    grades = meeting.grades()
    for r in meeting.reporters.order_by("order", "id"):
        figures = sheets.figures_of(meeting, r, by_subject)
        rows.append(
            {
                "reporter": r,
                "cells": figures.cells,
                "base": figures.base,
                "favourable": figures.favourable_share,
                "grade": meeting.grade_label(r.grade) if r.grade else "",
            }
        )
    return render(
        request,
        "appraisals/public/result.html",
        {
            "meeting": meeting,
            "rows": [] if suppressed else rows,
            "names": [row["reporter"] for row in rows],
            "grades": grades,
            "suppressed": suppressed,
            "shown": shown,
            "summary": summary,
            "favourable_label": sheets.favourable_label(meeting),
            "rule": sheets.rule_text(meeting),
        },
    )
