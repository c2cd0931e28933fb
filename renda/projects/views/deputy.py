"""Deputies' pages for project votes: the list of batches under consultation or being
voted on, and each batch's materials (candidate projects, department, funds, timeline).
The ballot itself is the ballot engine's voter page (`ballots:ballot`), for batches and
for the year-end rating alike: one voting screen for every vote of the congress."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from renda.ballots.models import Elector, Participation, PollStatus
from renda.congress import policy
from renda.projects.models import BatchStatus, VoteBatch, YearRating


def _deputy_congresses(user: Any) -> set[int]:
    ids = policy.access(user).deputy_congress_ids
    if not ids:
        raise Http404
    return ids


def _elector(poll_id: int | None, user: Any) -> Any:
    """The user's elector row of the poll, with whether they have voted (or None)."""
    if poll_id is None:
        return None
    return (
        Elector.objects.filter(poll_id=poll_id, user_id=user.pk)
        .annotate(voted=Exists(Participation.objects.filter(elector=OuterRef("pk"))))
        .first()
    )


@login_required
@require_GET
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
        congress_id__in=ids,
        poll__status=PollStatus.OPEN,
        poll__electors__user_id=request.user.pk or 0,
    ).select_related("poll")
    return render(request, "projects/deputy/votes.html", {"batches": batches, "ratings": ratings})


@login_required
@require_GET
def materials(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate projects of a batch, readable before and during the vote; while the
    vote is open, an elector who has not voted gets the button to the engine's ballot."""
    ids = _deputy_congresses(request.user)
    batch = get_object_or_404(
        VoteBatch.objects.filter(congress_id__in=ids).select_related("poll", "session__term"),
        pk=pk,
    )
    candidates = list(batch.candidates.select_related("idea__department").order_by("order", "id"))
    open_ = (
        batch.status == BatchStatus.VOTING
        and batch.poll is not None
        and batch.poll.status == PollStatus.OPEN
    )
    elector = _elector(batch.poll_id, request.user) if open_ else None
    return render(
        request,
        "projects/deputy/materials.html",
        {
            "batch": batch,
            "candidates": candidates,
            "open": open_,
            "elector": elector,
            "voted": bool(elector and elector.voted),
        },
    )
