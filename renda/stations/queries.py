"""Reads of a deputy's part in the station network, for the deputies' service record
(`renda.records`): duties, receptions, matters forwarded, contact logs and industry
activities of the deputies of one town and year, and the station they sit in. Each read
comes in two forms with one implementation: `…_by_deputy(deputy_ids, …)` for a list of
deputies, a fixed number of queries whatever their number (related rows selected), and
`deputy_…(deputy, …)` for one deputy, which asks it for that deputy alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Prefetch

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


def _by_deputy(deputy_ids: Iterable[int], rows: Iterable[Any], deputy_of: str) -> dict[int, list]:
    """`rows` grouped by the deputy each belongs to (`deputy_of` names the attribute),
    every asked deputy present (an empty list for one with no rows), order kept."""
    found: dict[int, list] = {pk: [] for pk in deputy_ids}
    for row in rows:
        found[getattr(row, deputy_of)].append(row)
    return found


def duties_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[DutyAssignment]]:
    """Each deputy's duties of the year (held, missed or still scheduled; a duty handed to
    a substitute is not the deputy's any more). One query for any number of deputies."""
    ids = list(deputy_ids)
    rows = (
        DutyAssignment.objects.filter(
            deputy_id__in=ids, congress_id=congress_id, shift__date__year=year
        )
        .exclude(status=DutyStatus.REPLACED)
        .select_related("shift__station")
        .order_by("shift__date", "shift__start_time", "id")
    )
    return _by_deputy(ids, rows, "deputy_id")


def deputy_duties(deputy: Deputy, congress_id: int, year: int) -> list[DutyAssignment]:
    return duties_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


def receptions_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[Reception]]:
    """The receptions each deputy took part in, with their matters and each matter's case
    (two queries for any number of deputies; a reception of several of them is listed
    under each)."""
    ids = list(deputy_ids)
    rows = (
        Reception.objects.filter(deputies__in=ids, congress_id=congress_id, date__year=year)
        # The deputy of the join row the filter made (one row per reception and deputy).
        .annotate(taken_by=F("deputies"))
        .select_related("station")
        .prefetch_related(
            Prefetch(
                "matters",
                queryset=ReceptionMatter.objects.select_related("case").order_by("id"),
            )
        )
        .order_by("date", "id")
    )
    return _by_deputy(ids, rows, "taken_by")


def deputy_receptions(deputy: Deputy, congress_id: int, year: int) -> list[Reception]:
    return receptions_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


def matters_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[ReceptionMatter]]:
    """Matters each deputy forwards (接待登记: the deputy who carries the matter on). One
    query."""
    ids = list(deputy_ids)
    rows = (
        ReceptionMatter.objects.filter(
            deputy_id__in=ids, congress_id=congress_id, reception__date__year=year
        )
        .select_related("reception__station", "case", "category")
        .order_by("reception__date", "id")
    )
    return _by_deputy(ids, rows, "deputy_id")


def deputy_matters(deputy: Deputy, congress_id: int, year: int) -> list[ReceptionMatter]:
    return matters_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


def contacts_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[ContactLog]]:
    """双联系 and 回选区 logs of each deputy. One query."""
    ids = list(deputy_ids)
    rows = (
        ContactLog.objects.filter(deputy_id__in=ids, congress_id=congress_id, date__year=year)
        .select_related("pairing", "constituency", "case")
        .order_by("date", "id")
    )
    return _by_deputy(ids, rows, "deputy_id")


def deputy_contacts(deputy: Deputy, congress_id: int, year: int) -> list[ContactLog]:
    return contacts_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


def industry_activities_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[IndustryActivity]]:
    """Activities of industry contact points each deputy took part in. One query."""
    ids = list(deputy_ids)
    rows = (
        IndustryActivity.objects.filter(
            deputies__in=ids, point__congress_id=congress_id, date__year=year
        )
        .annotate(taken_by=F("deputies"))
        .select_related("point")
        .order_by("date", "id")
    )
    return _by_deputy(ids, rows, "taken_by")


def deputy_industry_activities(
    deputy: Deputy, congress_id: int, year: int
) -> list[IndustryActivity]:
    return industry_activities_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


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
