"""The station network of a past day: a station counts from its opening day (not known:
always) up to the day before its closing day (an inactive station without one: never).
The annual report counts each year's network at the year's end, its evidence lists the same
stations and villages, and the office's form keeps the dates honest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from renda.core.errors import DomainError
from renda.core.models import ActionLog, Region, RegionLevel
from renda.reports import evidence
from renda.reports import figures as report_figures
from renda.stations import figures as station_figures
from renda.stations import services
from renda.stations.models import Station, StationKind
from renda.stations.services import network as network_service
from tests.fixtures.exporting import client_for, page_headers, sheet

TODAY = timezone.localdate()
LAST = TODAY.year - 1  # a whole year gone by
BEFORE = LAST - 1


def _day(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


@pytest.fixture
def network(cases_world):
    """A centre open since before the years measured, an area station opened last year
    (1 March), a contact point closed last year (1 July), one made inactive long ago with
    no closing day, and one whose opening day is not known."""
    w = cases_world
    town = Region.objects.get(pk=w.c_a.region_id)
    w.village_west = Region.objects.add_child(
        town,
        create_kwargs={
            "code": "980102101002",
            "name": "西岭村",
            "level": RegionLevel.VILLAGE,
            "kind": "village",
        },
    )
    center = services.create_station(
        congress=w.c_a,
        kind=StationKind.CENTRAL,
        name="中心站",
        code="center",
        address="人民路1号",
        opened_on=_day(BEFORE - 3, 5, 1),
        acting_user=w.staff,
    )
    area = services.create_station(
        congress=w.c_a,
        kind=StationKind.AREA,
        parent=center,
        name="东片区站",
        code="area-1",
        address="东塘村",
        opened_on=_day(LAST, 3, 1),
        acting_user=w.staff,
    )

    def point(code: str, village, opened: dt.date | None) -> Station:  # noqa: ANN001
        return services.create_station(
            congress=w.c_a,
            kind=StationKind.POINT,
            parent=area,
            name=f"联络点{code}",
            code=code,
            address="村委会",
            villages=[village],
            opened_on=opened,
            acting_user=w.staff,
        )

    closed = point("p-closed", w.village_a, _day(BEFORE - 2, 1, 1))
    Station.objects.filter(pk=closed.pk).update(is_active=False, closed_on=_day(LAST, 7, 1))
    gone = point("p-gone", w.village_a, None)
    Station.objects.filter(pk=gone.pk).update(is_active=False)
    unknown = point("p-unknown", w.village_west, None)
    closed.refresh_from_db()
    gone.refresh_from_db()
    return {"center": center, "area": area, "closed": closed, "gone": gone, "unknown": unknown}


def _codes(qs) -> set[str]:  # noqa: ANN001
    return set(qs.values_list("code", flat=True))


def test_the_network_of_a_day_follows_the_opening_and_closing_days(network):
    at = Station.objects.in_network_on
    assert _codes(at(_day(BEFORE, 12, 31))) == {"center", "p-closed", "p-unknown"}
    assert _codes(at(_day(LAST, 2, 28))) == {"center", "p-closed", "p-unknown"}
    assert _codes(at(_day(LAST, 3, 1))) == {"center", "area-1", "p-closed", "p-unknown"}
    assert _codes(at(_day(LAST, 6, 30))) == {"center", "area-1", "p-closed", "p-unknown"}
    # Closed on 1 July: counted up to the day before. The one without a closing day: never.
    assert _codes(at(_day(LAST, 7, 1))) == {"center", "area-1", "p-unknown"}
    assert _codes(at(TODAY)) == {"center", "area-1", "p-unknown"}


def test_coverage_of_a_past_day_counts_its_stations_and_the_villages_they_served(
    cases_world, network
):
    w = cases_world
    before = network_service.coverages([w.c_a], on=_day(BEFORE, 12, 31))[w.c_a.pk]
    now = network_service.coverages([w.c_a])[w.c_a.pk]
    assert (before["central"], before["area"], before["point"]) == (1, 0, 2)
    assert (now["central"], now["area"], now["point"]) == (1, 1, 1)
    # village_a was served by the point closed last July; only the west village is now.
    assert before["covered"] == 2 and now["covered"] == 1
    assert w.village_a in now["uncovered"]


def test_the_annual_report_counts_each_years_network_and_its_evidence_agrees(cases_world, network):
    w = cases_world
    last = report_figures.compute_all(w.c_a, LAST)
    before = report_figures.compute_all(w.c_a, BEFORE)
    assert (before["stations_central"], before["stations_area"], before["stations_point"]) == (
        1,
        0,
        2,
    )
    assert (last["stations_central"], last["stations_area"], last["stations_point"]) == (1, 1, 1)
    assert before["villages_covered"] == 2 and last["villages_covered"] == 1
    for year, values in ((LAST, last), (BEFORE, before)):
        for figure in report_figures.FIGURES:
            if figure.section != "network" or figure.key in ("coverage_rate",):
                continue
            records = figure.records(w.c_a, year)
            assert records.count() == values[figure.key], (year, figure.key)
    day = report_figures.network_day(LAST)
    assert day == _day(LAST, 12, 31)
    assert report_figures.network_day(TODAY.year) == TODAY
    # The evidence rows give each station's opening day (none where it is not known).
    rows = {
        r["text"]: r["date"]
        for r in map(evidence.row, station_figures.network_stations(w.c_a, on=day))
    }
    assert rows == {
        "中心站": _day(BEFORE - 3, 5, 1),
        "东片区站": _day(LAST, 3, 1),
        "联络点p-unknown": None,
    }
    assert _codes(station_figures.network_stations(w.c_a, on=day)) == {
        "center",
        "area-1",
        "p-unknown",
    }


def test_the_service_refuses_dates_that_cannot_be(cases_world):
    w = cases_world
    with pytest.raises(DomainError, match="设立日期不能晚于今天|cannot be in the future"):
        services.create_station(
            congress=w.c_a,
            kind=StationKind.CENTRAL,
            name="中心站",
            code="center",
            address="人民路1号",
            opened_on=TODAY + dt.timedelta(days=1),
            acting_user=w.staff,
        )
    assert not Station.objects.exists()
    probe = Station(is_active=True, closed_on=TODAY)
    with pytest.raises(DomainError):
        services.check_dates(probe)
    probe = Station(is_active=False, opened_on=TODAY, closed_on=TODAY - dt.timedelta(days=3))
    with pytest.raises(DomainError):
        services.check_dates(probe)


def _post(w, station: Station, **overrides) -> dict:  # noqa: ANN001
    data = {
        "congress": w.c_a.pk,
        "kind": station.kind,
        "parent": station.parent_id or "",
        "name": station.name,
        "code": station.code,
        "grade": station.grade,
        "address": station.address,
        "open_weekdays": station.open_weekdays,
        "villages": list(station.villages.values_list("pk", flat=True)),
        "staff-TOTAL_FORMS": "0",
        "staff-INITIAL_FORMS": "0",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1000",
    }
    if station.is_active:
        data["is_active"] = "on"
    if station.opened_on:
        data["opened_on"] = station.opened_on.isoformat()
    if station.closed_on:
        data["closed_on"] = station.closed_on.isoformat()
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_office_closes_and_reopens_a_station_with_its_days_audited(
    cases_world, network, client
):
    w = cases_world
    client.force_login(w.staff)
    unknown = network["unknown"]
    url = reverse("admin:stations_station_change", args=[unknown.pk])
    # Made inactive: it closes today.
    data = _post(w, unknown)
    data.pop("is_active")
    assert client.post(url, data).status_code == 302
    unknown.refresh_from_db()
    assert not unknown.is_active and unknown.closed_on == TODAY
    assert ActionLog.objects.filter(action="station.updated", object_id=str(unknown.pk)).exists()
    # Made active again: reopened, the old closing day dropped.
    assert client.post(url, _post(w, unknown, is_active="on")).status_code == 302
    unknown.refresh_from_db()
    assert unknown.is_active and unknown.closed_on is None
    # An old inactive station without a closing day keeps none when edited.
    gone = network["gone"]
    gone_url = reverse("admin:stations_station_change", args=[gone.pk])
    assert client.post(gone_url, _post(w, gone, name="联络点（旧）")).status_code == 302
    gone.refresh_from_db()
    assert gone.name == "联络点（旧）" and gone.closed_on is None and not gone.is_active


def test_the_form_refuses_impossible_days_with_a_clear_message_and_changes_nothing(
    cases_world, network, client
):
    w = cases_world
    client.force_login(w.staff)
    area = network["area"]
    url = reverse("admin:stations_station_change", args=[area.pk])
    cases = [
        {"opened_on": (TODAY + dt.timedelta(days=2)).isoformat()},  # opens in the future
        {"closed_on": (TODAY - dt.timedelta(days=1)).isoformat()},  # active with a closing
    ]
    inactive = _post(w, area, closed_on=_day(LAST, 2, 1).isoformat())  # before it opened
    inactive.pop("is_active")
    for data in [_post(w, area, **c) for c in cases] + [inactive]:
        response = client.post(url, data)
        assert response.status_code == 200
        assert "errornote" in response.content.decode()
    area.refresh_from_db()
    assert area.is_active and area.opened_on == _day(LAST, 3, 1) and area.closed_on is None


def test_the_station_page_shows_its_opening_and_closing_days(cases_world, network, client):
    w = cases_world
    client.force_login(w.staff)
    page = client.get(reverse("stations:station", args=[network["closed"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "设立日期" in text and _day(BEFORE - 2, 1, 1).isoformat() in text
    assert "撤销日期" in text and _day(LAST, 7, 1).isoformat() in text
    text = client.get(reverse("stations:station", args=[network["unknown"].pk])).content.decode()
    assert "设立日期" in text and "撤销日期" not in text


def test_the_network_page_and_its_sheet_give_the_opening_and_closing_days(cases_world, network):
    w = cases_world
    url = reverse("stations:network")
    client = client_for(w.staff)
    page = client.get(url, {"kind": StationKind.POINT})
    headers = page_headers(page)
    assert headers[-2:] == ["设立日期", "撤销日期"]
    text = page.content.decode()
    assert _day(LAST, 7, 1).isoformat() in text  # the closed point's closing day
    table = sheet(client.get(url, {"kind": "point", "format": "xlsx"}))
    at = table[0].index("设立日期")
    rows = {r[0]: (list(r) + [None, None])[at : at + 2] for r in table[1:]}
    opened, closed = rows["联络点p-closed"]
    assert opened.date() == _day(BEFORE - 2, 1, 1) and closed.date() == _day(LAST, 7, 1)
    assert rows["联络点p-unknown"] == [None, None]
