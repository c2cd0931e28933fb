"""Reads of a deputy's part in the station network, for the deputies' service record
(`renda.records`): duties, receptions, matters forwarded, contact logs and industry
activities of one deputy in one town and year, and the station they sit in. Each is one
query when evaluated (related rows selected)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from renda.congress.models import Deputy
from renda.stations.models import (
    ContactLog,
    DutyAssignment,
    DutyStatus,
    IndustryActivity,
    Reception,
    ReceptionMatter,
    StationMember,
)


def deputy_duties(deputy: Deputy, congress_id: int, year: int) -> QuerySet[DutyAssignment]:
    """The deputy's duties of the year (held, missed or still scheduled; a duty handed to a
    substitute is not the deputy's any more)."""
    return (
        DutyAssignment.objects.filter(
            deputy=deputy, congress_id=congress_id, shift__date__year=year
        )
        .exclude(status=DutyStatus.REPLACED)
        .select_related("shift__station")
        .order_by("shift__date", "shift__start_time", "id")
    )


def deputy_receptions(deputy: Deputy, congress_id: int, year: int) -> QuerySet[Reception]:
    """Receptions the deputy took part in, with their matters and each matter's case."""
    return (
        Reception.objects.filter(deputies=deputy, congress_id=congress_id, date__year=year)
        .select_related("station")
        .prefetch_related(
            Prefetch(
                "matters",
                queryset=ReceptionMatter.objects.select_related("case").order_by("id"),
            )
        )
        .order_by("date", "id")
    )


def deputy_matters(deputy: Deputy, congress_id: int, year: int) -> QuerySet[ReceptionMatter]:
    """Matters the deputy forwards (接待登记: the deputy who carries the matter on)."""
    return (
        ReceptionMatter.objects.filter(
            deputy=deputy, congress_id=congress_id, reception__date__year=year
        )
        .select_related("reception__station", "case", "category")
        .order_by("reception__date", "id")
    )


def deputy_contacts(deputy: Deputy, congress_id: int, year: int) -> QuerySet[ContactLog]:
    """双联系 and 回选区 logs of the deputy."""
    return (
        ContactLog.objects.filter(deputy=deputy, congress_id=congress_id, date__year=year)
        .select_related("pairing", "constituency", "case")
        .order_by("date", "id")
    )


def deputy_industry_activities(
    deputy: Deputy, congress_id: int, year: int
) -> QuerySet[IndustryActivity]:
    """Activities of industry contact points the deputy took part in."""
    return (
        IndustryActivity.objects.filter(
            deputies=deputy, point__congress_id=congress_id, date__year=year
        )
        .select_related("point")
        .order_by("date", "id")
    )


def current_seats(congress_id: int) -> dict[int, StationMember]:
    """Deputy id → their current seat in a station of the town (one query)."""
    seats = StationMember.objects.filter(
        congress_id=congress_id, until__isnull=True
    ).select_related("station")
    return {seat.deputy_id: seat for seat in seats}


def seat_congress_ids(deputy: Deputy) -> set[int]:
    """The towns whose stations the deputy currently sits in."""
    return set(
        StationMember.objects.filter(deputy=deputy, until__isnull=True).values_list(
            "congress_id", flat=True
        )
    )


def current_seat(deputy: Deputy, congress_id: int) -> StationMember | None:
    return (
        StationMember.objects.filter(deputy=deputy, congress_id=congress_id, until__isnull=True)
        .select_related("station")
        .first()
    )
