"""The public page of answered suggestions the office chose to publish. It shows the matter,
its category, the departments and their public replies: no deputy's name, no phone."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from renda.cases.models import CaseStatus, Reply
from renda.congress.models import Congress
from renda.suggestions.models import Suggestion

PAGE_SIZE = 20


@require_GET
def published(request: HttpRequest) -> HttpResponse:
    qs = Suggestion.objects.filter(
        is_published=True,
        case__status__in=[CaseStatus.REPLIED, CaseStatus.CLOSED],
        congress__is_active=True,
    )
    congress = (request.GET.get("congress") or "").strip()
    if congress.isdigit():
        qs = qs.filter(congress_id=congress)
    qs = (
        qs.select_related("congress", "category", "case")
        .prefetch_related(
            Prefetch(
                "case__replies",
                queryset=Reply.objects.select_related("assignment__department").order_by(
                    "round", "replied_at", "id"
                ),
            )
        )
        .order_by("-case__replied_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    congresses = (
        Congress.objects.filter(is_active=True, suggestions__is_published=True)
        .distinct()
        .order_by("name")
    )
    return render(
        request,
        "suggestions/public/published.html",
        {"page": page, "params": request.GET, "congresses": congresses},
    )
