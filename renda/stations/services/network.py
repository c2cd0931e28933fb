"""The network and its coverage: stations (中心站 → 片区站 → 联络点), the congress's station
grades, the villages each station serves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress.models import Congress
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.grouping import count_by
from renda.core.models import Region, RegionLevel
from renda.core.rates import percent
from renda.stations.models import (
    PARENT_KIND,
    Station,
    StationGrade,
    StationGradeLevel,
    StationKind,
    in_network,
)
from renda.stations.services.access import _require_manage

# --- the network -----------------------------------------------------------------------


def _in_town(region: Region | None, town: Region) -> bool:
    return region is not None and region.path.startswith(town.path)


def check_station(station: Station) -> None:
    town = station.congress.region
    if town is None or town.level != RegionLevel.TOWN:
        raise DomainError(_("Stations belong to a town's congress."))
    wanted = PARENT_KIND[StationKind(station.kind)]
    if wanted is None and station.parent_id is not None:
        raise DomainError(_("A central station has no parent station."))
    if wanted is not None and (
        station.parent is None
        or station.parent.kind != wanted
        or station.parent.congress_id != station.congress_id
    ):
        raise DomainError(
            _("A %(kind)s sits under a %(parent)s of the same town.")
            % {
                "kind": StationKind(station.kind).label,
                "parent": StationKind(wanted).label,
            }
        )
    if station.area is not None and station.area.town_id != town.pk:
        raise DomainError(_("The area must belong to the station's town."))
    if not station.open_weekdays or any(c not in "0123456" for c in station.open_weekdays):
        raise DomainError(_("Open weekdays are digits from 0 (Monday) to 6 (Sunday)."))
    check_dates(station)


def check_dates(station: Station) -> None:
    """The opening and closing dates that the network of a past day is read from: not in
    the future, a closing after the opening, and a closing only on an inactive station."""
    today = timezone.localdate()
    if station.opened_on is not None and station.opened_on > today:
        raise DomainError(_("The opening date cannot be in the future."))
    if station.closed_on is None:
        return
    if station.is_active:
        raise DomainError(
            _(
                "An active station has no closing date: leave it empty, or make the "
                "station inactive."
            )
        )
    if station.closed_on > today:
        raise DomainError(_("The closing date cannot be in the future."))
    if station.opened_on is not None and station.closed_on <= station.opened_on:
        raise DomainError(_("The closing date must come after the opening date."))


# --- grades (标准 / 高标准 / 星级, configurable per congress) ----------------------------


def grades(congress_id: int, *, active_only: bool = False) -> list[StationGradeLevel]:
    """The congress's station grades in their configured order (defaults on first use)."""
    levels = StationGradeLevel.for_congress(congress_id)
    return [g for g in levels if g.is_active] if active_only else levels


def grade_names(congress_id: int) -> dict[str, str]:
    """Code → the congress's name of the grade (inactive grades included, for old rows)."""
    return {g.code: g.name for g in grades(congress_id)}


def check_grade(congress_id: int, code: str, *, current: str | None = None) -> None:
    """A station's grade must be one of its congress's active grades (a station keeping
    the grade it already has is let through even when that grade was deactivated)."""
    if current is not None and code == current:
        return
    if code not in {g.code for g in grades(congress_id, active_only=True)}:
        raise DomainError(
            _("“%(code)s” is not an active station grade of this congress.") % {"code": code}
        )


def name_grades(stations: Iterable[Station], congress_id: int) -> None:
    """Give each station its `grade_name` (one query for the whole list)."""
    names = grade_names(congress_id)
    for station in stations:
        station.grade_name = names.get(station.grade, station.grade)  # type: ignore[attr-defined]


def create_station(
    *,
    congress: Congress,
    kind: str,
    name: str,
    code: str,
    address: str,
    acting_user: Any,
    parent: Station | None = None,
    grade: str = "standard",
    area: Any = None,
    villages: Iterable[Region] = (),
    opening_hours: str = "",
    open_weekdays: str = "01234",
    phone: str = "",
    duties: str = "",
    opened_on: dt.date | None = None,
) -> Station:
    _require_manage(acting_user, congress.pk)
    villages = list(villages)
    town = congress.region
    if town is None or any(
        v.level != RegionLevel.VILLAGE or not _in_town(v, town) for v in villages
    ):
        raise DomainError(_("Choose villages and communities of this town."))
    station = Station(
        congress=congress,
        kind=kind,
        parent=parent,
        name=name.strip(),
        code=code.strip(),
        grade=grade,
        area=area,
        address=address.strip(),
        opening_hours=opening_hours,
        open_weekdays=open_weekdays,
        phone=phone,
        duties=duties,
        opened_on=opened_on,
    )
    check_station(station)
    check_grade(congress.pk, grade)
    if Station.objects.filter(congress=congress, code=station.code).exists():
        raise DomainError(_("Another station of this congress has that code."))
    with transaction.atomic():
        station.save()
        station.villages.set(villages)
        audit.record(
            "station.created",
            station,
            actor=acting_user,
            changes={"kind": [None, kind], "villages": [None, len(villages)]},
        )
    return station


def coverage(congress: Congress) -> dict[str, Any]:
    """Which villages of the town a station serves, which none does, the totals, and the
    stations by grade."""
    out = coverages([congress])[congress.pk]
    counts = out["grade_counts"]
    # Every active grade in the congress's order, plus a deactivated (or unknown) grade
    # some station still holds: (code, name, stations).
    by_grade = [
        (g.code, g.name, counts.get(g.code, 0))
        for g in grades(congress.pk)
        if g.is_active or counts.get(g.code)
    ]
    known = {code for code, _name, _n in by_grade}
    by_grade += [(code, code, n) for code, n in sorted(counts.items()) if code not in known]
    return {**out, "by_grade": by_grade}


def coverages(congresses: list[Congress], on: dt.date | None = None) -> dict[int, dict[str, Any]]:
    """Each town congress's villages served and not, its stations by kind and by grade
    code, in the network of the day `on` (default today; `Station.objects.in_network_on`:
    the stations' opening and closing dates; a station serves the villages it lists now):
    four queries for any number of congresses."""
    ids = [c.pk for c in congresses]
    towns = {c.region.path: c.pk for c in congresses if c.region is not None}
    villages: dict[int, list[Region]] = {pk: [] for pk in ids}
    if towns:
        within = Q()
        for path in towns:
            within |= Q(path__startswith=path)
        lengths = sorted({len(path) for path in towns})
        for village in Region.objects.filter(
            within, level=RegionLevel.VILLAGE, is_active=True
        ).order_by("path"):
            for n in lengths:
                if village.path[:n] in towns:
                    villages[towns[village.path[:n]]].append(village)
                    break
    stations = Station.objects.filter(congress_id__in=ids).in_network_on(on)
    served: dict[int, set[int]] = {pk: set() for pk in ids}
    for congress_id, region_id in (
        Station.villages.through.objects.filter(station__congress_id__in=ids)
        .filter(in_network(on, "station__"))
        .values_list("station__congress_id", "region_id")
    ):
        served[congress_id].add(region_id)
    by_kind = count_by(stations, "congress_id", ids, "kind")
    by_grade = count_by(stations, "congress_id", ids, "grade")
    out = {}
    for pk in ids:
        total = len(villages[pk])
        covered = [v for v in villages[pk] if v.pk in served[pk]]
        counts = by_grade[pk]
        out[pk] = {
            "villages": total,
            "covered": len(covered),
            "uncovered": [v for v in villages[pk] if v.pk not in served[pk]],
            "rate": percent(len(covered), total) if total else 0.0,
            "central": by_kind[pk].get(StationKind.CENTRAL, 0),
            "area": by_kind[pk].get(StationKind.AREA, 0),
            "point": by_kind[pk].get(StationKind.POINT, 0),
            "grade_counts": counts,
            # Above the standard grade: 高标准 and 星级 (the default codes).
            "high": counts.get(StationGrade.HIGH, 0) + counts.get(StationGrade.STAR, 0),
        }
    return out
