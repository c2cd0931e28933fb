"""Figures of the station network: duty per deputy and station, receptions and matters by
disposition, contacts against targets. Each table is one grouped query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress
from renda.core.charts import Chart, chart
from renda.core.grouping import aggregate_by, count_by
from renda.stations.models import (
    ContactLog,
    ContactPairing,
    Disposition,
    DutyAssignment,
    DutyShift,
    DutyStatus,
    Reception,
    ReceptionMatter,
    Station,
    in_network,
)

_DUTY = {
    "scheduled": Count("id", filter=~Q(status=DutyStatus.REPLACED)),
    "attended": Count("id", filter=Q(status=DutyStatus.ATTENDED)),
    "missed": Count("id", filter=Q(status=DutyStatus.MISSED)),
    "replaced": Count("id", filter=Q(status=DutyStatus.REPLACED)),
}


def duty_by_deputy(congress: Congress, start: dt.date, end: dt.date) -> list[Any]:
    return list(
        DutyAssignment.objects.filter(congress=congress, shift__date__range=(start, end))
        .values("deputy_id", "deputy__name")
        .annotate(**_DUTY)
        .order_by("deputy__name", "deputy_id")
    )


def duty_by_station(congress: Congress, start: dt.date, end: dt.date) -> list[Any]:
    return list(
        DutyAssignment.objects.filter(congress=congress, shift__date__range=(start, end))
        .values("shift__station_id", "shift__station__name", "shift__station__code")
        .annotate(**_DUTY)
        .order_by("shift__station__code")
    )


def matters_by_disposition(congress: Congress, start: dt.date, end: dt.date) -> list[dict]:
    return matters_by_congress([congress.pk], start, end)[congress.pk]


def matters_by_congress(ids: list[int], start: dt.date, end: dt.date) -> dict[int, list[dict]]:
    """Each congress's matters received between two days, by disposition: one query."""
    counts = count_by(
        ReceptionMatter.objects.filter(congress_id__in=ids, reception__date__range=(start, end)),
        "congress_id",
        ids,
        "status",
    )
    return {
        pk: [
            {"key": d.value, "label": d.label, "count": counts[pk].get(d.value, 0)}
            for d in Disposition
        ]
        for pk in ids
    }


def receptions(congress: Congress, start: dt.date, end: dt.date) -> dict[str, int]:
    return receptions_by_congress([congress.pk], start, end)[congress.pk]


def receptions_by_congress(
    ids: list[int], start: dt.date, end: dt.date
) -> dict[int, dict[str, int]]:
    """Each congress's receptions, walk-ins and visitors between two days: one query."""
    rows = aggregate_by(
        Reception.objects.filter(congress_id__in=ids, date__range=(start, end)),
        "congress_id",
        ids,
        receptions=Count("id"),
        walk_ins=Count("id", filter=Q(shift__isnull=True)),
        visitors=Sum("visitor_count"),
    )
    for row in rows.values():
        row["visitors"] = row["visitors"] or 0
    return rows


def contacts_against_targets(congress: Congress, year: int) -> list[ContactPairing]:
    """Each pairing with its contacts this year (`done`) next to its target."""
    return list(
        ContactPairing.objects.filter(congress=congress, is_active=True)
        .select_related("deputy", "contact_deputy", "village")
        .annotate(done=Count("logs", filter=Q(logs__date__year=year)))
        .order_by("kind", "deputy__name", "id")
    )


def visits_by_deputy(congress: Congress, year: int) -> list[Any]:
    return list(
        ContactLog.objects.filter(congress=congress, date__year=year)
        .values("deputy_id", "deputy__name")
        .annotate(
            contacts=Count("id"),
            visits=Count("id", filter=Q(kind="constituency")),
        )
        .order_by("deputy__name")
    )


def below_yearly_minimum(congress: Congress, year: int) -> list[Any]:
    """Seated deputies with fewer duty shifts this year (scheduled or held, not replaced or
    missed) than the congress's minimum (DOMAIN.md §3: at least once a year)."""
    from renda.congress.models import Deputy
    from renda.stations.models import StationMember, StationRules

    minimum = StationRules.for_congress(congress.pk).min_duties_per_year
    seated = StationMember.objects.filter(congress=congress, until__isnull=True)
    return list(
        Deputy.objects.filter(id__in=seated.values("deputy_id"))
        .annotate(
            n=Count(
                "duties",
                filter=Q(duties__congress=congress, duties__shift__date__year=year)
                & Q(duties__status__in=[DutyStatus.SCHEDULED, DutyStatus.ATTENDED]),
            )
        )
        .filter(n__lt=minimum)
        .order_by("name", "id")
    )


def charts(by_station: list[Any], matters: list[dict]) -> dict[str, Chart]:
    """The figures page's charts from the rows of its tables (`duty_by_station`,
    `matters_by_disposition`): station activity and matters by disposition."""
    return {
        "stations": chart(
            "hbar",
            _("Station activity"),
            by_station,
            label="shift__station__name",
            series=[
                (_("Scheduled"), "scheduled"),
                (_("Attended"), "attended"),
                (_("Missed"), "missed"),
            ],
            key="chart-stations",
        ),
        "matters": chart(
            "pie",
            _("Matters by disposition"),
            matters,
            label="label",
            series=[(_("Matters"), "count")],
            key="chart-matters",
        ),
    }


# --- the year's figures of the annual work report: a count and the records it counts -------


def network_stations(
    congress: Congress, kind: str | None = None, *, high: bool = False, on: dt.date | None = None
) -> Any:
    """The congress's stations in the network of the day `on` (default today; of a kind;
    above the standard grade): the records of `services.network.coverages`'s counts."""
    from renda.stations.models import StationGrade

    qs = Station.objects.filter(congress=congress).in_network_on(on)
    if kind:
        qs = qs.filter(kind=kind)
    if high:
        qs = qs.filter(grade__in=[StationGrade.HIGH, StationGrade.STAR])
    return qs


def town_villages(congress: Congress) -> Any:
    """The town's active villages and communities (`coverage`'s "villages")."""
    from renda.core.models import Region, RegionLevel

    town = congress.region
    if town is None:
        return Region.objects.none()
    return Region.objects.subtree_of(town).filter(level=RegionLevel.VILLAGE, is_active=True)


def covered_villages(congress: Congress, on: dt.date | None = None) -> Any:
    """The town's active villages some station of the network of the day `on` serves
    (`coverages`'s "covered")."""
    return town_villages(congress).filter(
        pk__in=Station.villages.through.objects.filter(station__congress=congress)
        .filter(in_network(on, "station__"))
        .values("region_id")
    )


def shifts_held(congress: Congress, year: int) -> Any:
    """The duty shifts of the year that were held (接待日)."""
    return _shifts_held([congress.pk], year)


def _shifts_held(ids: list[int], year: int) -> Any:
    from renda.stations.models import ShiftStatus

    return DutyShift.objects.filter(congress_id__in=ids, date__year=year, status=ShiftStatus.HELD)


def duties_of(congress: Congress, year: int, status: str) -> Any:
    """The deputies' duty assignments of the year with a status (attended, missed)."""
    return DutyAssignment.objects.filter(congress=congress, shift__date__year=year, status=status)


def duty_year(congress: Congress, year: int) -> dict[str, int]:
    return duty_years([congress.pk], year)[congress.pk]


def duty_years(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's shifts held, and deputies' duties attended and missed in the year:
    two queries."""
    shifts = aggregate_by(_shifts_held(ids, year), "congress_id", ids, shifts_held=Count("id"))
    duties = aggregate_by(
        DutyAssignment.objects.filter(congress_id__in=ids, shift__date__year=year),
        "congress_id",
        ids,
        attended=_DUTY["attended"],
        missed=_DUTY["missed"],
    )
    return {pk: {**shifts[pk], **duties[pk]} for pk in ids}


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def receptions_of(congress: Congress, year: int) -> Any:
    """The receptions of the year (`receptions`' count)."""
    return Reception.objects.filter(congress=congress, date__range=year_range(year))


def matters_of(congress: Congress, year: int) -> Any:
    """The matters received at the year's receptions (`matters_by_disposition`)."""
    return ReceptionMatter.objects.filter(
        congress=congress, reception__date__range=year_range(year)
    )


def contact_logs(congress: Congress, year: int, kind: str) -> Any:
    """The contacts of the year of a kind: 双联系 visits, 回选区 visits to the voters."""
    return ContactLog.objects.filter(congress=congress, date__year=year, kind=kind)


def contacts_year(congress: Congress, year: int) -> dict[str, int]:
    return contacts_years([congress.pk], year)[congress.pk]


def contacts_years(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's contacts of the year by kind (every kind present): one query."""
    from renda.stations.models import ContactKind

    counts = count_by(
        ContactLog.objects.filter(congress_id__in=ids, date__year=year), "congress_id", ids, "kind"
    )
    return {pk: {kind: counts[pk].get(kind, 0) for kind in ContactKind.values} for pk in ids}
