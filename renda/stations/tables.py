"""The stations' office lists and figures as tables (renda.core.exports): each page's rows
for a user and its query string, its columns declared once (the page's header row and the
sheet), and its export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.congress import policy
from renda.congress.models import Congress
from renda.core.exports import Column, Export, Table, register
from renda.stations import figures as fig
from renda.stations.demo import quarter_of
from renda.stations.models import (
    ContactLog,
    DutyAssignment,
    DutyShift,
    Reception,
    Station,
    StationKind,
)
from renda.stations.workspace import roster_shifts


def congress_for(user: Any, params: QueryDict | dict, perm: str = "station.view") -> Congress:
    """The town a stations page shows: `?congress=` among those the user may read, else the
    first; none is a 404."""
    ids = policy.readable_congress_ids(user, perm)
    if getattr(user, "is_superuser", False):
        ids = set(Congress.objects.filter(stations__isnull=False).values_list("id", flat=True))
    wanted = params.get("congress", "") or ""
    qs = Congress.objects.filter(pk__in=ids, level="town", is_active=True).select_related("region")
    congress = qs.filter(pk=int(wanted)).first() if wanted.isdigit() else qs.order_by("id").first()
    if congress is None:
        raise Http404
    return congress


def period(params: QueryDict | dict) -> tuple[dt.date, dt.date]:
    """`?from=`/`?to=`, by default the current quarter."""
    start, end = quarter_of(timezone.localdate())
    try:
        start = dt.date.fromisoformat(params.get("from", "")) if params.get("from") else start
        end = dt.date.fromisoformat(params.get("to", "")) if params.get("to") else end
    except ValueError:
        pass
    return start, end


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    return [congress_for(user, params).pk]


# --- the network of stations ----------------------------------------------------------------

NETWORK = Table(
    _("Liaison stations"),
    (
        Column(_("Station"), "name", 28),
        Column(_("Type"), "get_kind_display", 14),
        Column(_("Grade"), "grade_name", 12),
        Column(_("Parent station"), lambda s: s.parent.name if s.parent_id else "—", 24),
        Column(_("Villages"), "n_villages", 10),
        Column(_("Deputies"), "n_members", 10),
        Column(_("Opened on"), "opened_on", 12),
        Column(_("Closed on"), "closed_on", 12),
    ),
)


def network_rows(user: Any, params: QueryDict | dict) -> QuerySet[Station]:
    """The town's stations under the page's type tab, each with its villages and sitting
    members; `name_grades` gives each its grade's name (the caller, per page or sheet)."""
    stations = (
        Station.objects.filter(congress=congress_for(user, params))
        .select_related("parent", "area")
        .annotate(
            n_villages=Count("villages", distinct=True),
            n_members=Count("members", filter=Q(members__until__isnull=True), distinct=True),
        )
        .order_by("kind", "code")
    )
    kind = params.get("kind", "") or ""
    if kind in StationKind.values:
        stations = stations.filter(kind=kind)
    return stations


def network_sheet_rows(user: Any, params: QueryDict | dict) -> list[Station]:
    from renda.stations.services.network import name_grades

    stations = list(network_rows(user, params))
    name_grades(stations, congress_for(user, params).pk)
    return stations


UNASSIGNED = Table(
    _("Deputies not assigned to a station"),
    (
        Column(_("Deputy"), "name", 16),
        Column(_("Place of residence"), lambda d: d.residence.name if d.residence_id else "—", 24),
    ),
)


def unassigned_rows(user: Any, params: QueryDict | dict) -> Any:
    """The coverage page's deputies of the town who sit in no station."""
    from renda.stations.services.seating import unassigned_deputies

    return unassigned_deputies(congress_for(user, params))


# --- receptions ------------------------------------------------------------------------

RECEPTIONS = Table(
    _("Receptions"),
    (
        Column(_("Date"), "date", 12),
        Column(_("Station"), "station.name", 24),
        Column(_("Kind"), lambda r: _("Duty shift") if r.shift_id else _("Walk-in"), 12),
        Column(_("Visitors"), "visitor_count", 10),
        Column(_("Matters"), "n_matters", 10),
    ),
)


def reception_rows(user: Any, params: QueryDict | dict) -> QuerySet[Reception]:
    return (
        Reception.objects.filter(congress=congress_for(user, params))
        .select_related("station", "shift")
        .annotate(n_matters=Count("matters"))
        .order_by("-date", "-id")
    )


# --- the duty roster ---------------------------------------------------------------------


def _on_duty(shift: DutyShift) -> str:
    return "、".join(f"{d.deputy.name}（{d.get_status_display()}）" for d in shift.duties.all())


ROSTER = Table(
    _("Duty roster"),
    (
        Column(_("Date"), "date", 12),
        Column(_("Time"), lambda s: f"{s.start_time:%H:%M}–{s.end_time:%H:%M}", 14),
        Column(_("Station"), "station.name", 24),
        Column(_("Deputies on duty"), _on_duty, 48),
    ),
)


def roster_rows(user: Any, params: QueryDict | dict) -> QuerySet[DutyShift]:
    congress = congress_for(user, params)
    start, end = period(params)
    shifts = roster_shifts(congress.pk, start, end, unrecorded=params.get("unrecorded") == "1")
    station_id = params.get("station", "") or ""
    if station_id.isdigit():
        shifts = shifts.filter(station_id=int(station_id))
    return (
        shifts.select_related("station")
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=DutyAssignment.objects.select_related("deputy").order_by("deputy__name"),
            )
        )
        .order_by("date", "start_time", "station__code")
    )


# --- contacts ------------------------------------------------------------------------------

CONTACTS = Table(
    _("Contact log"),
    (
        Column(_("Date"), "date", 12),
        Column(_("Deputy"), "deputy.name", 14),
        Column(
            _("Kind"),
            lambda log: (
                log.get_kind_display()
                + (f" · {log.constituency.name}" if log.constituency_id else "")
            ),
            18,
        ),
        Column(_("Summary"), "summary", 48),
        Column(_("Issues raised"), lambda log: log.issues or "", 40),
    ),
)


def contact_rows(user: Any, params: QueryDict | dict) -> QuerySet[ContactLog]:
    return (
        ContactLog.objects.filter(congress=congress_for(user, params))
        .select_related("deputy", "pairing", "case", "constituency")
        .order_by("-date", "-id")
    )


# --- figures: shifts per station -------------------------------------------------------------

STATION_FIGURES = Table(
    _("Shifts per station"),
    (
        Column(_("Station"), "shift__station__name", 24),
        Column(_("Scheduled"), "scheduled", 10),
        Column(_("Attended"), "attended", 10),
        Column(_("Missed"), "missed", 10),
        Column(_("Replaced"), "replaced", 10),
    ),
)


def station_figure_rows(user: Any, params: QueryDict | dict) -> list[Any]:
    congress = congress_for(user, params)
    start, end = period(params)
    return fig.duty_by_station(congress, start, end)


register(
    Export(
        "stations.receptions",
        RECEPTIONS,
        reception_rows,
        _("Receptions"),
        "stations.receptions_exported",
        _congress_ids,
    )
)
register(
    Export(
        "stations.roster",
        ROSTER,
        roster_rows,
        _("Duty roster"),
        "stations.roster_exported",
        _congress_ids,
    )
)
register(
    Export(
        "stations.contacts",
        CONTACTS,
        contact_rows,
        _("Contact log"),
        "stations.contacts_exported",
        _congress_ids,
    )
)
register(
    Export(
        "stations.figures",
        STATION_FIGURES,
        station_figure_rows,
        _("Station figures"),
        "stations.figures_exported",
        _congress_ids,
    )
)
register(
    Export(
        "stations.network",
        NETWORK,
        network_sheet_rows,
        _("Liaison stations"),
        "stations.network_exported",
        _congress_ids,
    )
)
register(
    Export(
        "stations.unassigned",
        UNASSIGNED,
        unassigned_rows,
        _("Deputies not assigned to a station"),
        "stations.unassigned_exported",
        _congress_ids,
    )
)
