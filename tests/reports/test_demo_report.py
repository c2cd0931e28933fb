"""The demo's report of 清河镇 for the current year (2026 in the demo): every figure recounted
independently from the records with plain ORM counts, every figure traceable to its
records, and the figures page, the .docx draft's context and the API agreeing."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.activities.models import (
    Activity,
    MeetingReport,
    Nomination,
    Participation,
    PresidiumMeeting,
)
from renda.appraisals.models import Reporter
from renda.cases.models import Case
from renda.congress.models import Congress
from renda.core.models import Region
from renda.core.rates import percent
from renda.portal.models import Article
from renda.projects.models import Inspection, Project, VoteBatch
from renda.reports import figures as registry
from renda.reports import services
from renda.reports.models import ExternalPublication, ReportVersion
from renda.stations.models import ContactLog, DutyAssignment, DutyShift, Reception, Station
from renda.suggestions.models import AssignmentMeeting, MeetingItem, Suggestion

QH = "清河镇人民代表大会"


def _user(name: str):  # noqa: ANN202
    return get_user_model().objects.get(username=name)


def _client(name: str) -> Client:
    client = Client()
    client.force_login(_user(name))
    return client


@pytest.fixture
def qh(demo):  # noqa: ANN001, ANN201
    return Congress.objects.get(name=QH)


def _recount(c: Congress, y: int) -> dict:
    """The figures counted again from the rows, without the apps' figure functions."""
    stations = Station.objects.filter(congress=c, is_active=True)
    villages = Region.objects.filter(
        path__startswith=c.region.path, level="village", is_active=True
    )
    covered = villages.filter(stations__congress=c, stations__is_active=True).distinct()
    opinions = Case.objects.filter(congress=c, kind="opinion", year=y)
    suggestions = Case.objects.filter(congress=c, kind="suggestion", year=y)
    findings = Case.objects.filter(activity_finding__activity__congress=c).filter(
        activity_finding__activity__starts_on__year=y
    )
    closed_rated = Reporter.objects.filter(
        meeting__congress=c, meeting__status__in=["closed", "published"], meeting__closed_at__year=y
    )
    took_place = Activity.objects.filter(
        congress=c, starts_on__year=y, status__in=["held", "closed"]
    )
    learning = Participation.objects.filter(
        congress=c, on__year=y, kind__in=["training", "study", "exchange", "legal_edu"]
    )
    out = {
        "stations_central": stations.filter(kind="central").count(),
        "stations_area": stations.filter(kind="area").count(),
        "stations_point": stations.filter(kind="point").count(),
        "stations_high": stations.filter(grade__in=["high", "star"]).count(),
        "villages": villages.count(),
        "villages_covered": covered.count(),
        "shifts_held": DutyShift.objects.filter(congress=c, date__year=y, status="held").count(),
        "duties_attended": DutyAssignment.objects.filter(
            congress=c, shift__date__year=y, status="attended"
        ).count(),
        "duties_missed": DutyAssignment.objects.filter(
            congress=c, shift__date__year=y, status="missed"
        ).count(),
        "receptions": Reception.objects.filter(congress=c, date__year=y).count(),
        "visitors": Reception.objects.filter(congress=c, date__year=y).aggregate(
            n=Sum("visitor_count")
        )["n"]
        or 0,
        "assignment_meetings": AssignmentMeeting.objects.filter(
            congress=c, held_on__year=y, status="held"
        ).count(),
        "assigned_at_meetings": MeetingItem.objects.filter(
            meeting__congress=c, meeting__held_on__year=y, meeting__status="held"
        ).count(),
        "motions": Suggestion.objects.filter(congress=c, is_motion=True, case__year=y).count(),
        "review_meetings": closed_rated.values("meeting").distinct().count(),
        "deputies_reported": closed_rated.exclude(deputy=None).values("deputy").distinct().count(),
        "officials_reported": closed_rated.exclude(official=None)
        .values("official")
        .distinct()
        .count(),
        "ratings": closed_rated.exclude(grade="").count(),
        "inspections": took_place.filter(kind__in=["inspection", "special"]).count(),
        "surveys": took_place.filter(kind="survey").count(),
        "law_checks": took_place.filter(kind="law_check").count(),
        "presidium_meetings": PresidiumMeeting.objects.filter(
            congress=c, held_on__year=y, status="closed"
        ).count(),
        "reports_heard": MeetingReport.objects.filter(
            meeting__congress=c, meeting__held_on__year=y
        ).count(),
        "nominees_reviewed": Nomination.objects.filter(
            congress=c, meeting__held_on__year=y, status="decided"
        ).count(),
        "project_batches": VoteBatch.objects.filter(congress=c, year=y).count(),
        "projects_selected": Project.objects.filter(congress=c, year=y).count(),
        "projects_completed": Project.objects.filter(
            congress=c, year=y, status="completed"
        ).count(),
        "supervision_inspections": Inspection.objects.filter(
            project__congress=c, held_on__year=y
        ).count(),
        "dual_contacts": ContactLog.objects.filter(
            congress=c, date__year=y, kind="pairing"
        ).count(),
        "constituency_visits": ContactLog.objects.filter(
            congress=c, date__year=y, kind="constituency"
        ).count(),
        "training_attendances": learning.count(),
        "training_hours": learning.aggregate(h=Sum("hours"))["h"] or Decimal(0),
        "portal_articles": Article.objects.filter(
            site__congress=c, status="published", published_at__year=y
        ).count(),
        "external_publications": ExternalPublication.objects.filter(
            congress=c, published_on__year=y, is_withdrawn=False
        ).count(),
    }
    for prefix, cases in (
        ("opinions", opinions),
        ("suggestions", suggestions),
        ("findings", findings),
    ):
        assigned = cases.exclude(assigned_at=None).count()
        evaluated = cases.exclude(evaluation_result="").count()
        replied = cases.exclude(reply_class="").count()
        closed = cases.filter(status="closed").count()
        satisfied = cases.filter(evaluation_result__in=["satisfied", "basic"]).count()
        on_time = cases.filter(replied_on_time=True).count()
        class_a = cases.filter(reply_class="A").count()
        out |= {
            f"{prefix}_received": cases.count(),
            f"{prefix}_assigned": assigned,
            f"{prefix}_closed": closed,
            f"{prefix}_closure_rate": percent(closed, assigned),
            f"{prefix}_on_time_rate": percent(on_time, assigned),
            f"{prefix}_satisfaction_rate": percent(satisfied, evaluated),
            f"{prefix}_solved_rate": percent(class_a, replied),
        }
    return out


def test_demo_report_figures_recount_from_the_records(qh):
    year = timezone.localdate().year
    values = registry.compute_all(qh, year)
    recount = _recount(qh, year)
    assert {k: values[k] for k in recount} == recount
    # The demo's year has records of every kind the reference report lists.
    for key in (
        "stations_central",
        "stations_area",
        "stations_point",
        "stations_high",
        "shifts_held",
        "receptions",
        "opinions_received",
        "suggestions_received",
        "assignment_meetings",
        "deputies_reported",
        "officials_reported",
        "inspections",
        "surveys",
        "law_checks",
        "findings_received",
        "presidium_meetings",
        "nominees_reviewed",
        "project_batches",
        "projects_selected",
        "supervision_inspections",
        "dual_contacts",
        "constituency_visits",
        "training_attendances",
        "portal_articles",
        "external_publications",
    ):
        assert values[key] > 0, key
    assert not registry.is_empty(values)
    by_field = dict(
        Case.objects.filter(congress=qh, kind="suggestion", year=year)
        .values_list("category__name")
        .annotate(n=Count("id"))
    )
    splits = dict(services.year_figures(qh, year).splits)
    rows = dict(splits["suggestions"])
    assert {label: n for _v, label, n in next(iter(rows.values()))} == by_field


def _assert_counts_of_records(congress: Congress, year: int, values: dict) -> None:
    """Each figure is the count (sum) of its records, read for that one congress."""
    for figure in registry.FIGURES:
        records = figure.records(congress, year)
        if figure.kind == registry.COUNT:
            assert records.count() == values[figure.key], (congress.name, figure.key)
        elif figure.kind == registry.SUM:
            total = records.aggregate(s=Sum(figure.field))["s"] or 0
            assert total == values[figure.key], (congress.name, figure.key)
        else:
            num, den = figure.parts
            assert records.count() == values[den], (congress.name, figure.key)
            assert percent(values[num], values[den]) == values[figure.key], figure.key


def test_every_figure_is_the_count_of_its_records(qh):
    year = timezone.localdate().year
    _assert_counts_of_records(qh, year, registry.compute_all(qh, year))


def test_each_towns_column_of_the_district_is_that_towns_own_records(qh):
    """The district's towns are computed together (one query per source for all of them):
    each town's column is still that town's records, this year and last, and the same as
    its own report."""
    year = timezone.localdate().year
    rollup = services.district_figures(qh.parent, year)
    assert len(rollup.towns) >= 2
    nonzero = set()
    for town in rollup.towns:
        _assert_counts_of_records(town.congress, year, town.values)
        _assert_counts_of_records(town.congress, year - 1, town.previous)
        assert town.values == registry.compute_all(town.congress, year)
        nonzero |= {key for key, value in town.values.items() if value}
    # The demo's towns have records of every section, so the check above counted something.
    assert {registry.BY_KEY[key].section for key in nonzero} == {k for k, _t in registry.SECTIONS}


def _page_numbers(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_]+)">([^<]*)<', html))


def test_page_docx_context_and_api_agree(qh, api):
    year = timezone.localdate().year
    client = _client("qh_staff")
    page = client.get(reverse("reports:year", args=[qh.pk, year]))
    assert page.status_code == 200
    shown = _page_numbers(page.content.decode())
    figures = services.year_figures(qh, year)
    context = services.context(figures, services.report_for(qh, year))
    assert set(shown) == set(registry.BY_KEY)
    assert shown == context["f"]
    api_rows = api(_user("qh_staff")).get(f"/reports/{qh.pk}/{year}").json()["figures"]
    assert {r["key"]: r["shown"] for r in api_rows} == shown
    assert {r["key"]: r["previous_shown"] for r in api_rows} == context["p"]
    for row in api_rows:
        value = figures.values[row["key"]]
        assert row["value"] == (float(value) if isinstance(value, Decimal) else value)
    # Every number on the page is a link to its records, and the records page shows the
    # same number and that many records.
    for key in ("opinions_closed", "shifts_held", "external_publications"):
        url = reverse("reports:evidence", args=[qh.pk, year, key])
        assert f'href="{url}"' in page.content.decode()
        evidence = client.get(url)
        assert evidence.status_code == 200
        assert figures.values[key] == registry.BY_KEY[key].records(qh, year).count()
        sheet = client.get(url, {"format": "xlsx"})
        assert sheet.status_code == 200
        assert sheet["Content-Disposition"].endswith('.xlsx"')


def test_the_demo_report_is_drafted_with_its_figures(qh):
    from docx import Document

    year = timezone.localdate().year
    client = _client("qh_staff")
    response = client.post(reverse("reports:draft", args=[qh.pk, year]))
    assert response.status_code == 302
    version = ReportVersion.objects.get(report__congress=qh, report__year=year)
    assert version.number == 1 and version.kind == "draft"
    body = b"".join(client.get(reverse("reports:version", args=[version.pk])).streaming_content)
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    values = registry.compute_all(qh, year)
    assert QH in text
    assert "代表联络站" in text or "liaison" in text.lower()
    assert f"{registry.BY_KEY['opinions_received'].label}" in text
    assert registry.display(values["opinions_received"]) in text
    assert "跟踪监督" in text  # the office's shortcomings
    assert "{{" not in text and "{%" not in text


def test_other_towns_and_the_district(qh):
    year = timezone.localdate().year
    fl = Congress.objects.get(name="枫林镇人民代表大会")
    assert _client("fl_staff").get(reverse("reports:year", args=[qh.pk, year])).status_code == 404
    assert (
        _client("fl_staff")
        .get(reverse("reports:evidence", args=[qh.pk, year, "receptions"]))
        .status_code
        == 404
    )
    district = _client("district_staff")
    town_page = district.get(reverse("reports:year", args=[qh.pk, year]))
    assert town_page.status_code == 200
    assert reverse("reports:draft", args=[qh.pk, year]) not in town_page.content.decode()
    assert district.post(reverse("reports:draft", args=[qh.pk, year])).status_code == 404
    assert not ReportVersion.objects.filter(report__congress=qh).exists()
    rollup = district.get(reverse("reports:district", args=[qh.parent_id, year]))
    assert rollup.status_code == 200
    html = rollup.content.decode()
    assert QH in html and fl.name in html
    totals = _page_numbers(html)
    qh_values = registry.compute_all(qh, year)
    fl_values = registry.compute_all(fl, year)
    assert totals["opinions_received"] == str(
        qh_values["opinions_received"] + fl_values["opinions_received"]
    )
    assert totals["opinions_satisfaction_rate"] == registry.display(
        percent(
            qh_values["opinions_satisfied"] + fl_values["opinions_satisfied"],
            qh_values["opinions_evaluated"] + fl_values["opinions_evaluated"],
        )
    )
    # The district drafts its own summary from its towns' figures.
    assert district.post(reverse("reports:draft", args=[qh.parent_id, year])).status_code == 302
    version = ReportVersion.objects.get(report__congress_id=qh.parent_id)
    assert version.kind == "draft"


def test_office_menu_links_the_report(qh):
    html = _client("qh_staff").get(reverse("reports:index")).content.decode()
    assert f'href="{reverse("reports:index")}"' in html
    assert _client("resident").get(reverse("reports:index")).status_code == 404


def test_nobody_outside_reads_the_api(qh, api):
    year = timezone.localdate().year
    assert api(_user("fl_staff")).get(f"/reports/{qh.pk}/{year}").status_code == 404
    district = api(_user("district_staff")).get(f"/reports/{qh.parent_id}/{year}/towns").json()
    names = [t["name"] for t in district["towns"]]
    assert QH in names
    qh_row = district["towns"][names.index(QH)]["values"]
    assert qh_row["opinions_received"] == registry.compute_all(qh, year)["opinions_received"]
