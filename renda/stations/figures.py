"""Figures of the station network: duty per deputy and station, receptions and matters by
disposition, contacts against targets. Each table is one grouped query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from renda.congress.models import Congress
from renda.core.charts import Chart, chart
from renda.stations.models import (
    ContactLog,
    ContactPairing,
    Disposition,
    DutyAssignment,
    DutyStatus,
    Reception,
    ReceptionMatter,
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
    counts = dict(
        ReceptionMatter.objects.filter(congress=congress, reception__date__range=(start, end))
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        {"key": d.value, "label": d.label, "count": counts.get(d.value, 0)} for d in Disposition
    ]


def receptions(congress: Congress, start: dt.date, end: dt.date) -> dict[str, int]:
    row = Reception.objects.filter(congress=congress, date__range=(start, end)).aggregate(
        receptions=Count("id"),
        walk_ins=Count("id", filter=Q(shift__isnull=True)),
        visitors=Sum("visitor_count"),
    )
    row["visitors"] = row["visitors"] or 0
    return row


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
