"""The year-end rating page and a department's own projects page export their rows through
the one exporter (renda.core.exports): the page's rows under its filter (congress, year), its
header row, a Chinese file name, an audit entry; another town's or department's rows never."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.core.models import ActionLog
from renda.projects import services
from renda.projects.models import Project
from tests.fixtures.exporting import assert_rfc5987, client_for, page_headers, sheet
from tests.fixtures.projects import run_votes
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)


@pytest.mark.django_db
def test_the_rating_sheet_has_the_years_projects_of_the_town(year):
    world = year.world
    run_votes(year)
    projects = list(Project.objects.filter(year=year.y).order_by("batch__number", "id"))
    assert len(projects) == 10
    services.create_year_rating(
        congress=world.c_a, year=year.y, session=None, acting_user=world.staff
    )
    url = reverse("projects:rating")
    client = client_for(world.staff)
    query = {"congress": world.c_a.pk, "year": year.y}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    assert quote(str(_("Year-end rating"))) in response["Content-Disposition"]
    rows = sheet(response)
    assert rows[0] == page_headers(page)
    assert [r[0] for r in rows[1:]] == [p.title for p in projects]
    assert [r[1] for r in rows[1:]] == [p.department.name for p in projects]
    # Not yet rated: no deputies' grade; the residents' answers per grade are all 0.
    assert {r[2] for r in rows[1:]} == {"—"}
    assert all(r[4].endswith(" 0") and r[4].count("，") == 2 for r in rows[1:])
    assert ActionLog.objects.filter(
        action="projects.rating_exported", congress_id=world.c_a.pk
    ).exists()
    # Another year: the page's filter, no project.
    empty = sheet(client.get(url, {**query, "year": year.y - 1, "format": "xlsx"}))
    assert empty[1:] == []
    # 枫林镇's staff, even asking for 清河镇: none of its projects.
    other = client_for(world.other_staff).get(url, {**query, "format": "xlsx"})
    assert other.status_code == 200 and sheet(other)[1:] == []


@pytest.mark.django_db
def test_a_department_sheet_has_its_own_projects_only(year):
    world = year.world
    run_votes(year)
    mine = list(Project.objects.filter(department=world.dept_a1).order_by("-year", "id"))
    others = Project.objects.exclude(department=world.dept_a1)
    assert mine and others.exists()
    url = reverse("projects:department")
    client = client_for(world.handler_a)
    page = client.get(url)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {"format": "xlsx"})
    assert_rfc5987(response)
    assert quote(str(_("Our livelihood projects"))) in response["Content-Disposition"]
    rows = sheet(response)
    assert rows[0] == page_headers(page)[:-1]  # the page's last column holds its buttons
    assert [r[1] for r in rows[1:]] == [p.title for p in mine]
    assert not {p.title for p in others} & {r[1] for r in rows[1:]}
    assert ActionLog.objects.filter(action="projects.department_list_exported").count() == 1
    # Office staff without a department: no department page, no sheet.
    assert client_for(world.staff).get(url, {"format": "xlsx"}).status_code == 404
