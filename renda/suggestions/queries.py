"""Reads of the suggestions office: the review list's views, and their counts for the
workspace (a figure and its list filter with the same definition)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from renda.cases.models import HANDLING, CaseStatus
from renda.congress.models import Deputy
from renda.suggestions.models import CoSigner, CoSignerStatus, Suggestion, SuggestionStatus

VIEWS: dict[str, Q] = {
    "review": Q(case__status=CaseStatus.SUBMITTED),
    "accepted": Q(case__status=CaseStatus.TRIAGED),
    "handling": Q(case__status__in=[*HANDLING, CaseStatus.RETURNED]),
    "replied": Q(case__status=CaseStatus.REPLIED),
    "closed": Q(case__status=CaseStatus.CLOSED),
    "rejected": Q(case__status=CaseStatus.REJECTED),
    "all": Q(),
}


def office_suggestions(user: Any) -> QuerySet[Suggestion]:
    """The submitted suggestions the office's list shows to this user."""
    return Suggestion.objects.visible_to(user, "case.supervise").filter(
        status=SuggestionStatus.SUBMITTED, case__isnull=False
    )


def office_counts(user: Any, views: tuple[str, ...]) -> dict[str, int]:
    """How many suggestions the office's list shows under each view (one query)."""
    return office_suggestions(user).aggregate(
        **{view: Count("pk", distinct=True, filter=VIEWS[view]) for view in views}
    )


def deputy_tabs(deputy: Deputy) -> dict[str, Q]:
    """The one definition of each tab of a deputy's "my suggestions" page."""
    mine = Q(lead=deputy)
    return {
        "drafts": mine & Q(status=SuggestionStatus.DRAFT),
        "awaiting": mine & Q(status=SuggestionStatus.AWAITING_COSIGNERS),
        "submitted": Q(status=SuggestionStatus.SUBMITTED)
        & (
            mine
            | Q(
                pk__in=CoSigner.objects.filter(
                    deputy=deputy, status=CoSignerStatus.CONFIRMED
                ).values("suggestion_id")
            )
        ),
        "invitations": Q(
            status__in=[SuggestionStatus.DRAFT, SuggestionStatus.AWAITING_COSIGNERS],
            pk__in=CoSigner.objects.filter(deputy=deputy, status=CoSignerStatus.INVITED).values(
                "suggestion_id"
            ),
        ),
        "evaluate": mine & Q(status=SuggestionStatus.SUBMITTED, case__status=CaseStatus.REPLIED),
    }


def deputy_counts(deputy: Deputy, tabs: tuple[str, ...]) -> dict[str, int]:
    """How many suggestions each tab of the deputy's page lists (one query)."""
    defs = deputy_tabs(deputy)
    return Suggestion.objects.of_deputy(deputy).aggregate(
        **{tab: Count("pk", distinct=True, filter=defs[tab]) for tab in tabs}
    )


def records_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[Suggestion]]:
    """Each deputy's submitted suggestions and motions of a year that they led or co-signed
    (a confirmed co-signer), with their case (reply class, rating): the deputies' service
    record reads them here; `lead_id` tells the two apart. Two queries for any number of
    deputies; a suggestion is listed under its lead and under each confirmed co-signer."""
    ids = list(deputy_ids)
    confirmed = CoSigner.objects.filter(deputy_id__in=ids, status=CoSignerStatus.CONFIRMED)
    suggestions = list(
        Suggestion.objects.filter(
            congress_id=congress_id,
            status=SuggestionStatus.SUBMITTED,
            submitted_at__year=year,
        )
        .filter(Q(lead_id__in=ids) | Q(pk__in=confirmed.values("suggestion_id")))
        .select_related("case")
        .order_by("submitted_at", "id")
    )
    cosigners: dict[int, set[int]] = {}
    for suggestion_id, deputy_id in confirmed.filter(
        suggestion_id__in=[s.pk for s in suggestions]
    ).values_list("suggestion_id", "deputy_id"):
        cosigners.setdefault(suggestion_id, set()).add(deputy_id)
    found: dict[int, list[Suggestion]] = {pk: [] for pk in ids}
    for suggestion in suggestions:
        owners = cosigners.get(suggestion.pk, set())
        if suggestion.lead_id in found:
            owners = owners | {suggestion.lead_id}
        for deputy_id in sorted(owners):
            found[deputy_id].append(suggestion)
    return found


def deputy_record(deputy: Deputy, congress_id: int, year: int) -> list[Suggestion]:
    """One deputy's suggestions and motions of a year (`records_by_deputy`)."""
    return records_by_deputy([deputy.pk], congress_id, year)[deputy.pk]
