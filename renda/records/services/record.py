"""A deputy's service record of a year in one congress: the collected entries, scored,
counted per kind against the targets of the points table in force, and the office's list
of every deputy of a town with filters and ranking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.records.entries import Entry, collect_many
from renda.records.kinds import Kind, Period
from renda.records.services.points import Version, in_force, score, versions
from renda.stations import queries as station_queries
from renda.stations import services as stations


@dataclass(frozen=True)
class CountRow:
    kind: str
    label: str
    count: int
    points: int
    target: int = 0
    period: str = Period.YEAR
    shortfall: str = ""  # empty: the target is met (or there is none)


@dataclass
class Record:
    deputy: Deputy
    congress: Congress
    year: int
    entries: list[Entry]
    counts: list[CountRow]
    total: int
    targets_table: Version | None
    shortfalls: list[CountRow] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind)


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _quarters_due(year: int, today: dt.date) -> list[int]:
    """The quarters of `year` that have ended by `today` (all four for a past year)."""
    if year < today.year:
        return [1, 2, 3, 4]
    if year > today.year:
        return []
    return list(range(1, _quarter(today)))


def _target_day(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year, 12, 31), today) if year <= today.year else dt.date(year, 1, 1)


def _shortfall(kind: str, entries: Sequence[Entry], target: int, period: str, year: int) -> str:
    today = timezone.localdate()
    if period == Period.QUARTER:
        missing = []
        for q in _quarters_due(year, today):
            n = sum(1 for e in entries if e.kind == kind and _quarter(e.date) == q)
            if n < target:
                missing.append(_("Q%(q)s: %(n)s of %(t)s") % {"q": q, "n": n, "t": target})
        return "；".join(missing)
    n = sum(1 for e in entries if e.kind == kind)
    if n < target and (year < today.year or year == today.year):
        return _("%(n)s of %(t)s") % {"n": n, "t": target}
    return ""


def counts_and_targets(
    entries: Sequence[Entry], version: Version | None, year: int
) -> list[CountRow]:
    rows = []
    for kind in Kind:
        rule = version.rules.get(kind) if version else None
        count = sum(1 for e in entries if e.kind == kind)
        points = sum(e.points for e in entries if e.kind == kind)
        target = rule.target if rule else 0
        period = rule.target_period if rule else Period.YEAR
        short = _shortfall(kind, entries, target, period, year) if target else ""
        if count or target:
            rows.append(CountRow(kind, str(kind.label), count, points, target, period, short))
    return rows


def records(
    deputies: Sequence[Deputy],
    congress: Congress,
    year: int,
    tables: list[Version] | None = None,
) -> dict[int, Record]:
    """The records of several deputies (deputy id → record): their entries gathered in one
    batch (a fixed number of queries, however many deputies), then each deputy's record
    built by `_build`, the one computation of a record's points, counts and targets."""
    tables = versions(congress.pk) if tables is None else tables
    version = in_force(tables, _target_day(year, timezone.localdate()))
    collected = collect_many(deputies, congress.pk, year)
    return {d.pk: _build(d, congress, year, collected[d.pk], tables, version) for d in deputies}


def record(
    deputy: Deputy, congress: Congress, year: int, tables: list[Version] | None = None
) -> Record:
    """The deputy's record: entries from every module, scored, counted, checked against
    the targets of the table in force at the year's end (today for the current year).
    The same function as every deputy's row of the office's list (`records`)."""
    return records([deputy], congress, year, tables)[deputy.pk]


def _build(
    deputy: Deputy,
    congress: Congress,
    year: int,
    collected: list[Entry],
    tables: list[Version],
    version: Version | None,
) -> Record:
    entries = score(collected, tables)
    counts = counts_and_targets(entries, version, year)
    return Record(
        deputy=deputy,
        congress=congress,
        year=year,
        entries=entries,
        counts=counts,
        total=sum(e.points for e in entries),
        targets_table=version,
        shortfalls=[row for row in counts if row.shortfall],
    )


def town_deputies(congress: Congress) -> Any:
    """The deputies whose records a town's office keeps: every deputy of the town,
    whatever the level (stations' `deputies_of_town`)."""
    return stations.deputies_of_town(congress).order_by("name", "id")


@dataclass
class Row:
    deputy: Deputy
    record: Record
    levels: list[str]
    station: str
    station_id: int | None
    constituency: str
    constituency_id: int | None
    rank: int = 0


def office_rows(
    congress: Congress,
    year: int,
    *,
    level: str = "",
    station_id: int | None = None,
    constituency_id: int | None = None,
) -> list[Row]:
    """Every deputy of the town with their record of the year, filtered by the level of a
    congress they sit in, their station and their constituency in this congress; ranked by
    points (ties share a rank), then by name."""
    deputies = list(town_deputies(congress))
    memberships = (
        DeputyMembership.objects.active_on()
        .filter(deputy__in=deputies, term__is_current=True)
        .select_related("congress", "constituency")
    )
    levels: dict[int, set[str]] = {}
    constituency: dict[int, Any] = {}
    for m in memberships:
        levels.setdefault(m.deputy_id, set()).add(m.congress.level)
        if m.congress_id == congress.pk and m.constituency is not None:
            constituency[m.deputy_id] = m.constituency
    seats = station_queries.current_seats(congress.pk)
    listed = []
    for deputy in deputies:
        seat = seats.get(deputy.pk)
        place = constituency.get(deputy.pk)
        if level and level not in levels.get(deputy.pk, set()):
            continue
        if station_id and (seat is None or seat.station_id != station_id):
            continue
        if constituency_id and (place is None or place.pk != constituency_id):
            continue
        listed.append((deputy, seat, place))
    # One batch for everyone listed: the number of queries does not grow with the town.
    by_deputy = records([deputy for deputy, _seat, _place in listed], congress, year)
    rows = []
    for deputy, seat, place in listed:
        rows.append(
            Row(
                deputy=deputy,
                record=by_deputy[deputy.pk],
                levels=sorted(levels.get(deputy.pk, set())),
                station=seat.station.name if seat else "",
                station_id=seat.station_id if seat else None,
                constituency=place.name if place else "",
                constituency_id=place.pk if place else None,
            )
        )
    rows.sort(key=lambda r: (-r.record.total, r.deputy.name, r.deputy.pk))
    previous, rank = None, 0
    for index, row in enumerate(rows, start=1):
        if row.record.total != previous:
            rank, previous = index, row.record.total
        row.rank = rank
    return rows


def xlsx(congress: Congress, year: int, rows: Sequence[Row]) -> bytes:
    """The office's list as a workbook: one row per deputy, counts per kind, points, rank,
    shortfalls (renda.core.documents, formula-safe)."""
    from renda.core import documents

    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, _("Service records %(year)s") % {"year": year})
    kinds = list(Kind)
    documents.xlsx_append(
        sheet,
        [
            _("Rank"),
            _("Deputy"),
            _("Station"),
            _("Constituency"),
            *[str(k.label) for k in kinds],
            _("Points"),
            _("Short of targets"),
        ],
        bold=True,
    )
    for row in rows:
        counts = {c.kind: c.count for c in row.record.counts}
        documents.xlsx_append(
            sheet,
            [
                row.rank,
                row.deputy.name,
                row.station,
                row.constituency,
                *[counts.get(k, 0) for k in kinds],
                row.record.total,
                "；".join(f"{c.label} {c.shortfall}" for c in row.record.shortfalls),
            ],
        )
    documents.xlsx_layout(sheet, widths=[6, 12, 20, 16], freeze="C2")
    return documents.to_bytes(book)
