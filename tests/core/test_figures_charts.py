"""Charts on every figures page (renda/core/charts.py): each page renders its chart
containers with their specs (json_script) and the one initialiser with the vendored ECharts,
and a chart's figures are the figures of the engine's own function for that page (one
figure, one function) — read back from the page, not from the view's context."""

from __future__ import annotations

import json

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from renda.activities import figures as activity_figures
from renda.activities.models import BudgetLine
from renda.cases import figures as case_figures
from renda.cases.models import Case
from renda.core.charts import Chart, chart
from renda.stations import figures as station_figures

FIGURES_PAGES = [
    "/cases/figures/",
    "/office/suggestions-figures/",
    "/office/stations/figures/",
    "/office/activities/figures/",
    "/office/projects/figures/",
    "/portal/office/figures/",
]


def _specs(html: str) -> dict[str, dict]:
    tree = lxml.html.fromstring(html)
    out = {}
    for node in tree.xpath("//div[@class='chart-canvas']"):
        data_id = node.get("data-chart")
        (script,) = tree.xpath(f"//script[@id='{data_id}']")
        assert script.get("type") == "application/json"
        out[data_id.removesuffix("-data")] = json.loads(script.text)
    return out


@pytest.fixture
def office(demo):  # noqa: ANN001, ANN201
    client = Client()
    user = get_user_model().objects.get(username="qh_staff")
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", FIGURES_PAGES)
def test_every_figures_page_renders_its_charts_and_their_data(office, url):
    response = office.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    specs = _specs(html)
    assert specs, url
    for spec in specs.values():
        assert spec["kind"] in ("bar", "hbar", "line", "pie")
        assert all(len(s["data"]) == len(spec["labels"]) for s in spec["series"])
    assert "/static/renda/vendor/echarts.min.js" in html
    assert "/static/renda/js/charts.js" in html
    assert "<script>" not in html  # no inline script (CSP)


@pytest.mark.django_db
def test_case_charts_are_the_engines_figures(office):
    specs = _specs(office.get("/cases/figures/").content.decode())
    qs = Case.objects.visible_to(office.user, "case.supervise")
    departments = case_figures.grouped(qs, "department")
    spec = specs["chart-department"]
    assert spec["labels"] == [row["label"] for row in departments]
    for key, label in case_figures.CHART_RATES:
        (series,) = [s for s in spec["series"] if s["name"] == str(label)]
        assert series["data"] == [
            None if row[key] is None else float(row[key]) for row in departments
        ]
    months = case_figures.grouped(qs, "month")
    assert specs["chart-month"]["series"][0]["data"] == [row["received"] for row in months]
    total = case_figures.totals(qs)
    classes = specs["chart-classes"]
    assert classes["labels"] == ["A", "B", "C", "D"]
    assert classes["series"][0]["data"] == [total[f"class_{c}"] for c in "abcd"]
    assert sum(classes["series"][0]["data"]) == total["replied"] > 0


@pytest.mark.django_db
def test_the_budget_chart_flags_the_lines_outside_the_band(office, demo):
    year = BudgetLine.objects.filter(meeting__congress=demo).values_list("year", flat=True)[0]
    specs = _specs(office.get("/office/activities/figures/", {"year": year}).content.decode())
    spec = specs["chart-budget"]
    budget = activity_figures.budget_execution(demo.pk, year)
    assert spec["band"] == [80, 120] == [budget["low"], budget["high"]]
    assert spec["series"][0]["data"] == [float(r["of_target"]) for r in budget["rows"]]
    assert spec["flags"] == [bool(r["flag"]) for r in budget["rows"]]
    # The demo's one flagged line: 农林水支出 in Q2 at 60 % of its time target.
    flagged = [label for label, flag in zip(spec["labels"], spec["flags"], strict=True) if flag]
    assert len(flagged) == 1 and flagged[0].startswith("农林水支出") and "Q2" in flagged[0]


@pytest.mark.django_db
def test_station_activity_chart_is_the_duty_figure(office, demo):
    import datetime as dt

    specs = _specs(
        office.get(
            "/office/stations/figures/", {"from": "2000-01-01", "to": "2100-12-31"}
        ).content.decode()
    )
    rows = station_figures.duty_by_station(demo, dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    spec = specs["chart-stations"]
    assert spec["labels"] == [r["shift__station__name"] for r in rows]
    assert spec["series"][1]["data"] == [r["attended"] for r in rows]
    assert sum(spec["series"][0]["data"]) > 0


def test_a_chart_needs_one_value_per_label():
    with pytest.raises(ValueError):
        Chart("bar", "t", ["a", "b"], [{"name": "n", "data": [1]}])
    with pytest.raises(ValueError):
        Chart("radar", "t", [], [])
    spec = chart(
        "bar",
        "t",
        [{"k": "a", "v": 1}],
        label="k",
        series=[("n", "v")],
        band=(80, 120),
        flag=lambda r: True,
        key="x",
    ).spec()
    assert spec == {
        "kind": "bar",
        "title": "t",
        "labels": ["a"],
        "series": [{"name": "n", "data": [1]}],
        "unit": "",
        "band": [80, 120],
        "flags": [True],
    }


def _sheet(response) -> list[list]:  # noqa: ANN001
    from renda.core import documents

    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [list(r) for r in documents.open_xlsx(body).worksheets[0].iter_rows(values_only=True)]


@pytest.mark.django_db
def test_figures_pages_and_office_lists_export_their_rows(office, demo):
    from renda.activities.models import Activity

    year = BudgetLine.objects.filter(meeting__congress=demo).values_list("year", flat=True)[0]
    budget = _sheet(
        office.get(
            "/office/activities/figures/", {"year": year, "sheet": "budget", "format": "xlsx"}
        )
    )
    rows = activity_figures.budget_execution(demo.pk, year)["rows"]
    assert [r[0] for r in budget[1:]] == [r["label"] for r in rows]
    assert [bool(r[5]) for r in budget[1:]] == [bool(r["flag"]) for r in rows]
    listed = _sheet(office.get("/office/activities/", {"year": year, "format": "xlsx"}))
    assert len(listed) - 1 == Activity.objects.filter(congress=demo, starts_on__year=year).count()
    for url in (
        "/office/activities/figures/",
        "/office/projects/figures/",
        "/office/projects/list/",
        "/office/suggestions-figures/",
        "/office/stations/figures/",
    ):
        response = office.get(url, {"format": "xlsx"})
        assert response.status_code == 200, url
        assert "filename*=UTF-8''" in response["Content-Disposition"], url
        assert len(_sheet(response)) > 1, url


def test_an_empty_chart_says_so_instead_of_drawing():
    from renda.core.templatetags.charts import chart as chart_tag

    empty = chart(
        "pie",
        "答复类别",
        [("A", 0), ("B", 0)],
        label=lambda r: r[0],
        series=[("n", lambda r: r[1])],
        key="e",
    )
    assert empty.empty
    html = str(chart_tag(empty))
    assert "chart-canvas" not in html and "chart-empty" in html and "答复类别" in html
    drawn = chart("bar", "t", [("A", 1)], label=lambda r: r[0], series=[("n", lambda r: r[1])])
    assert 'class="chart-canvas"' in str(chart_tag(drawn))
