"""The network and its coverage: stations (中心站 → 片区站 → 联络点), the congress's station
grades, the villages each station serves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from renda.congress.models import Congress
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.rates import percent
from renda.stations.models import PARENT_KIND, Station, StationGrade, StationGradeLevel, StationKind
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
    """Which villages of the town a station serves, which none does, and the totals."""
    town = congress.region
    villages = list(
        Region.objects.subtree_of(town).filter(level=RegionLevel.VILLAGE, is_active=True)
        if town
        else Region.objects.none()
    )
    stations = Station.objects.filter(congress=congress, is_active=True)
    served = set(
        Station.villages.through.objects.filter(
            station__congress=congress, station__is_active=True
        ).values_list("region_id", flat=True)
    )
    by_kind = dict(stations.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    counts = dict(stations.values_list("grade").annotate(n=Count("id")).values_list("grade", "n"))
    # Every active grade in the congress's order, plus a deactivated (or unknown) grade
    # some station still holds: (code, name, stations).
    by_grade = [
        (g.code, g.name, counts.get(g.code, 0))
        for g in grades(congress.pk)
        if g.is_active or counts.get(g.code)
    ]
    known = {code for code, _name, _n in by_grade}
    by_grade += [(code, code, n) for code, n in sorted(counts.items()) if code not in known]
    total = len(villages)
    covered = [v for v in villages if v.pk in served]
    return {
        "villages": total,
        "covered": len(covered),
        "uncovered": [v for v in villages if v.pk not in served],
        "rate": percent(len(covered), total) if total else 0.0,
        "central": by_kind.get(StationKind.CENTRAL, 0),
        "area": by_kind.get(StationKind.AREA, 0),
        "point": by_kind.get(StationKind.POINT, 0),
        "by_grade": by_grade,
        # Above the standard grade: 高标准 and 星级 (the default codes).
        "high": counts.get(StationGrade.HIGH, 0) + counts.get(StationGrade.STAR, 0),
    }
