"""Deputies' ballots for project votes and the year-end rating, through the ballot engine
(`cast_online`). The engine's generic voter pages link here or replace these when merged."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from renda.ballots.models import SCALE_GRADES, Elector, Participation, PollStatus, Scale
from renda.congress import policy
from renda.congress.services import DomainError
from renda.projects import forms as f
from renda.projects import services
from renda.projects.models import BatchStatus, Project, VoteBatch, YearRating


def _deputy_congresses(user: Any) -> set[int]:
    ids = policy.access(user).deputy_congress_ids
    if not ids:
        raise Http404
    return ids


def _is_elector(poll: Any, user: Any) -> bool:
    return Elector.objects.filter(poll=poll, user_id=user.pk).exists()


def _has_voted(poll: Any, user: Any) -> bool:
    elector = Elector.objects.filter(poll=poll, user_id=user.pk).first()
    return bool(elector and Participation.objects.filter(poll=poll, elector=elector).exists())


@login_required
def my_votes(request: HttpRequest) -> HttpResponse:
    ids = _deputy_congresses(request.user)
    batches = (
        VoteBatch.objects.filter(
            congress_id__in=ids, status__in=[BatchStatus.CONSULTATION, BatchStatus.VOTING]
        )
        .select_related("poll", "session__term")
        .order_by("-year", "-number")
    )
    ratings = YearRating.objects.filter(
        congress_id__in=ids, poll__status=PollStatus.OPEN
    ).select_related("poll")
    return render(request, "projects/deputy/votes.html", {"batches": batches, "ratings": ratings})


def _ballot(
    request: HttpRequest,
    *,
    poll: Any,
    items: list[tuple[int, str]],
    scale: str,
    heading: str,
    cast: Any,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    base = {"heading": heading, **(extra or {})}
    if poll is None or poll.status != PollStatus.OPEN:
        return render(request, "projects/deputy/ballot.html", {**base, "closed": True})
    if not _is_elector(poll, request.user):
        raise Http404
    if _has_voted(poll, request.user):
        return render(request, "projects/deputy/ballot.html", {**base, "voted": True})
    choices = [(code, label) for code, label in SCALE_GRADES[scale]]
    if scale == Scale.APPROVAL:
        choices = [(c, str(label)) for c, label in choices]
    form = f.BallotForm(request.POST or None, items=items, choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            receipt = cast(form.marks())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "projects/deputy/ballot.html", {**base, "receipt": receipt})
    return render(
        request,
        "projects/deputy/ballot.html",
        {**base, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    ids = _deputy_congresses(request.user)
    batch = VoteBatch.objects.filter(pk=pk, congress_id__in=ids).select_related("poll").first()
    if batch is None:
        raise Http404
    candidates = list(batch.candidates.select_related("idea__department").order_by("order", "id"))
    items = [(c.pk, c.idea.title) for c in candidates]
    return _ballot(
        request,
        poll=batch.poll if batch.status == BatchStatus.VOTING else None,
        items=items,
        scale=Scale.APPROVAL,
        heading=batch.title,
        cast=lambda marks: services.cast_vote(batch, voter=request.user, choices=marks),
        extra={"batch": batch, "candidates": candidates},
    )


@never_cache
@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    ids = _deputy_congresses(request.user)
    rating = YearRating.objects.filter(pk=pk, congress_id__in=ids).select_related("poll").first()
    if rating is None:
        raise Http404
    items = [
        (p.pk, p.title)
        for p in Project.objects.filter(rating_subject__poll=rating.poll).order_by(
            "rating_subject__order"
        )
    ]
    return _ballot(
        request,
        poll=rating.poll,
        items=items,
        scale=Scale.SATISFACTION,
        heading=_("Year-end rating of the %(year)s livelihood projects") % {"year": rating.year},
        cast=lambda marks: services.cast_rating(rating, voter=request.user, choices=marks),
    )
