"""In a headless browser: a resident opens the town's station directory, sees the announced
reception with its deputies, opens the station's page and its QR link to the opinion form,
which arrives pre-filled with the station, and sends an opinion recorded with that source."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from renda.cases.models import Case, CaseSource
from renda.stations import services
from renda.stations.models import StationCase, StationKind


def test_directory_station_page_and_qr_prefilled_form(browser, live_server, cases_world):
    w = cases_world
    center = services.create_station(
        congress=w.c_a,
        kind=StationKind.CENTRAL,
        name="清河镇中心联络站",
        code="center",
        address="人民路1号",
        open_weekdays="0123456",
        acting_user=w.staff,
    )
    area = services.create_station(
        congress=w.c_a,
        kind=StationKind.AREA,
        parent=center,
        name="河东片区联络站",
        code="area-1",
        address="东塘村党群服务中心",
        open_weekdays="0123456",
        villages=[w.village_a],
        acting_user=w.staff,
    )
    services.assign_deputy(area, w.deputy_a, acting_user=w.staff)
    services.add_shift(
        area,
        date=timezone.localdate() + dt.timedelta(days=1),
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        deputies=[w.deputy_a],
        acting_user=w.staff,
    )
    far = services.add_shift(
        area,
        date=timezone.localdate() + dt.timedelta(days=10),
        start_time=dt.time(9),
        end_time=dt.time(11, 30),
        deputies=[w.deputy_a],
        acting_user=w.staff,
    )

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/stations/{w.c_a.pk}/")
    announced = page.inner_text("#announced")
    assert "河东片区联络站" in announced and w.deputy_a.name in announced
    assert far.date.strftime("%m-%d") not in announced  # beyond the 3 days of notice

    with page.expect_navigation():
        page.click("#announced a")
    assert "河东片区联络站" in page.inner_text("h1")
    assert page.locator("svg").count() >= 1  # the station's QR code

    with page.expect_navigation():
        page.click("#station-form-link")
    assert "河东片区联络站" in page.inner_text("#via")
    assert page.input_value("#id_village") == str(w.village_a.pk)  # the point's village
    page.select_option("#id_category", str(w.cat_a.pk))
    page.fill("#id_content", "村口路灯坏了三个月，晚上出行不安全，请尽快修复")
    with page.expect_navigation():
        page.click("#submit-opinion")
    case = Case.objects.get()
    assert case.source == CaseSource.STATION
    assert StationCase.objects.get(case=case).station == area
    context.close()
