"""The public pages: the station directory of a town (who is on duty this week, the next
announced receptions), a station's page with its posted information, the QR codes of
stations and deputies (站点码, 代表码) that open the opinion form pre-filled, and printable
posters. Nothing personal beyond the deputies' names is shown."""

from __future__ import annotations

import datetime as dt
import io

import segno
from django.db.models import Case, Min, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from renda.cases import services as cases
from renda.cases.models import CaseKind
from renda.congress.models import Congress, Deputy
from renda.stations import services
from renda.stations.models import (
    DutyAssignment,
    DutyShift,
    DutyStatus,
    ShiftStatus,
    Station,
    StationKind,
    StationMember,
    StationRules,
)


def qr_svg(url: str, scale: int = 6) -> str:
    """The QR code as an <svg> element to embed in a page."""
    return segno.make(url, error="m").svg_inline(scale=scale)


def qr_svg_response(url: str) -> HttpResponse:
    """The QR code as a standalone SVG file: with its XML namespace, or an <img> that loads
    it shows nothing."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, xmldecl=True, svgns=True)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


# The central station first, then the area stations (then the points).
_CENTRAL_FIRST = Case(
    When(kind=StationKind.CENTRAL, then=Value(0)),
    When(kind=StationKind.AREA, then=Value(1)),
    default=Value(2),
)


def _town(congress_id: int) -> Congress:
    return get_object_or_404(
        Congress.objects.filter(is_active=True, stations__is_active=True)
        .select_related("region")
        .distinct(),
        pk=congress_id,
    )


# The roster of a week: shifts still to come and those already held (a cancelled shift
# did not take place). Announcements look ahead and list only the ones still to come.
ON_THE_ROSTER = (ShiftStatus.SCHEDULED, ShiftStatus.HELD)


def _shifts(
    congress: Congress,
    start: dt.date,
    end: dt.date,
    statuses: tuple[str, ...] = (ShiftStatus.SCHEDULED,),
    **filters,
):
    """Shifts of the period in the given statuses with their deputies on duty (replaced
    ones left out)."""
    return (
        DutyShift.objects.filter(
            congress=congress, date__range=(start, end), status__in=statuses, **filters
        )
        .select_related("station")
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=DutyAssignment.objects.exclude(status=DutyStatus.REPLACED)
                .select_related("deputy")
                .order_by("deputy__name"),
                to_attr="on_duty",
            )
        )
        .order_by("date", "start_time", "station__code")
    )


def _this_week(today: dt.date) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=6)


def _next_duty_days(congress: Congress, stations: list[Station]) -> dict[int, dt.date]:
    """Each station's next day on the roster, today included (one query)."""
    rows = (
        DutyShift.objects.filter(
            congress=congress,
            station__in=stations,
            date__gte=timezone.localdate(),
            status=ShiftStatus.SCHEDULED,
        )
        .values("station_id")
        .annotate(day=Min("date"))
    )
    return {row["station_id"]: row["day"] for row in rows}


def _announced_until(congress: Congress) -> dt.date:
    days = StationRules.for_congress(congress.pk).announce_days_ahead
    return timezone.localdate() + dt.timedelta(days=days)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    towns = (
        Congress.objects.filter(is_active=True, stations__is_active=True)
        .distinct()
        .order_by("name")
    )
    return render(request, "stations/public/index.html", {"towns": towns})


@require_GET
def directory(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _town(congress_id)
    today = timezone.localdate()
    week_start, week_end = _this_week(today)
    announced_until = _announced_until(congress)
    stations = list(
        Station.objects.filter(congress=congress, is_active=True)
        .exclude(kind=StationKind.POINT)
        .select_related("area")
        .prefetch_related("rules")
        .order_by(_CENTRAL_FIRST, "code")
    )
    points = (
        Station.objects.filter(congress=congress, is_active=True, kind=StationKind.POINT)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    by_parent: dict[int | None, list[Station]] = {}
    for point in points:
        by_parent.setdefault(point.parent_id, []).append(point)
    next_days = _next_duty_days(congress, stations)
    for station in stations:
        station.points = by_parent.get(station.pk, [])  # type: ignore[attr-defined]
        station.next_duty_day = next_days.get(station.pk)  # type: ignore[attr-defined]
    services.name_grades([*stations, *(p for ps in by_parent.values() for p in ps)], congress.pk)
    return render(
        request,
        "stations/public/directory.html",
        {
            "congress": congress,
            "stations": stations,
            "this_week": _shifts(congress, week_start, week_end, ON_THE_ROSTER),
            "announced": _shifts(congress, today, announced_until),
            "coverage": services.coverage(congress),
            "week_start": week_start,
            "week_end": week_end,
        },
    )


def _public_station(congress_id: int, code: str) -> Station:
    return get_object_or_404(
        Station.objects.select_related("congress__region", "parent", "area"),
        congress_id=congress_id,
        code=code,
        is_active=True,
    )


def _form_url(request: HttpRequest, congress_id: int, token: str) -> str:
    # The opinion door's form, learnt from the engine's door registry (stations sit below
    # the opinions app and never name its pages).
    return request.build_absolute_uri(
        cases.form_url(CaseKind.OPINION, congress_id) + f"?via={token}"
    )


@require_GET
def station_page(request: HttpRequest, congress_id: int, code: str) -> HttpResponse:
    station = _public_station(congress_id, code)
    services.name_grades([station], congress_id)
    today = timezone.localdate()
    week_start, week_end = _this_week(today)
    token = services.qr_token(station=station, congress_id=congress_id)
    return render(
        request,
        "stations/public/station.html",
        {
            "station": station,
            "congress": station.congress,
            "members": StationMember.objects.filter(station=station, until__isnull=True)
            .select_related("deputy")
            .order_by("deputy__name"),
            "staff": station.staff.filter(is_active=True),
            "rules": station.rules.filter(is_active=True).select_related("station"),
            "announced": _shifts(
                station.congress, today, _announced_until(station.congress), station=station
            ),
            "this_week": _shifts(
                station.congress, week_start, week_end, ON_THE_ROSTER, station=station
            ),
            "week_start": week_start,
            "week_end": week_end,
            "next_duty_day": _next_duty_days(station.congress, [station]).get(station.pk),
            "form_url": _form_url(request, congress_id, token),
            "qr": qr_svg(_form_url(request, congress_id, token), scale=4),
        },
    )


def _public_deputy(congress: Congress, pk: int) -> Deputy:
    return get_object_or_404(services.deputies_of_town(congress), pk=pk)


@require_GET
def qr_station(request: HttpRequest, congress_id: int, code: str) -> HttpResponse:
    station = _public_station(congress_id, code)
    url = _form_url(
        request, congress_id, services.qr_token(station=station, congress_id=congress_id)
    )
    return qr_svg_response(url)


@require_GET
def deputy_page(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    """A deputy's code (代表码) as a page: the name, the QR code and what scanning it does."""
    congress = _town(congress_id)
    deputy = _public_deputy(congress, pk)
    url = _form_url(request, congress_id, services.qr_token(deputy=deputy, congress_id=congress_id))
    stations = (
        Station.objects.filter(
            congress=congress,
            is_active=True,
            members__deputy=deputy,
            members__until__isnull=True,
        )
        .distinct()
        .order_by(_CENTRAL_FIRST, "code")
    )
    return render(
        request,
        "stations/public/deputy.html",
        {
            "congress": congress,
            "deputy": deputy,
            "stations": stations,
            "form_url": url,
            "qr": qr_svg(url, scale=5),
        },
    )


@require_GET
def qr_deputy(request: HttpRequest, congress_id: int, pk: int) -> HttpResponse:
    congress = _town(congress_id)
    deputy = _public_deputy(congress, pk)
    url = _form_url(request, congress_id, services.qr_token(deputy=deputy, congress_id=congress_id))
    return qr_svg_response(url)


@require_GET
def poster(request: HttpRequest, congress_id: int, code: str) -> HttpResponse:
    """A printable A4 poster of a station: its code, its deputies, and each deputy's code."""
    station = _public_station(congress_id, code)
    members = list(
        StationMember.objects.filter(station=station, until__isnull=True)
        .select_related("deputy")
        .order_by("deputy__name")
    )
    deputy_codes = [
        (
            m.deputy,
            qr_svg(
                _form_url(
                    request,
                    congress_id,
                    services.qr_token(deputy=m.deputy, congress_id=congress_id),
                ),
                scale=2,
            ),
        )
        for m in members
    ]
    station_url = _form_url(
        request, congress_id, services.qr_token(station=station, congress_id=congress_id)
    )
    return render(
        request,
        "stations/public/poster.html",
        {
            "station": station,
            "qr": qr_svg(station_url, scale=8),
            "deputy_codes": deputy_codes,
            "rules": station.rules.filter(is_active=True).select_related("station"),
        },
    )
