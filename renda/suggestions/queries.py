"""Reads of the suggestions office: the review list's views, and their counts for the
workspace (a figure and its list filter with the same definition)."""

from __future__ import annotations

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


def deputy_record(deputy: Deputy, congress_id: int, year: int) -> QuerySet[Suggestion]:
    """Submitted suggestions and motions of a year that the deputy led or co-signed (a
    confirmed co-signer), with their case (reply class, rating): the deputies' service
    record reads them here. `lead_id` tells the two apart."""
    return (
        Suggestion.objects.filter(
            congress_id=congress_id,
            status=SuggestionStatus.SUBMITTED,
            submitted_at__year=year,
        )
        .filter(
            Q(lead=deputy)
            | Q(
                pk__in=CoSigner.objects.filter(
                    deputy=deputy, status=CoSignerStatus.CONFIRMED
                ).values("suggestion_id")
            )
        )
        .select_related("case")
        .order_by("submitted_at", "id")
    )
