"""One figure, one function (issue 14): the case engine's figures read the same on the
figures page, in its sheet (.xlsx, read back) and in the API (/api/v1/figures), and rows
are grouped by id — two categories of the same name in one congress, or two towns'
departments of the same name seen by a district user, are separate rows, labelled by name
with what tells them apart.

The scenario in 清河镇: five cases; one replied on time and rated satisfied, one replied
after its due date and rated basically satisfied, one rated unsatisfied, re-handled and
then rated satisfied, one assigned and not replied, one not yet assigned. Two categories
are both called 其他 (under 交通 and under 教育). 枫林镇 has a department of the same name
as 清河镇's 城乡建设办公室, with one case replied and awaiting its rating."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from urllib.parse import quote

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import figures
from renda.cases import services as cases
from renda.cases.models import Assignment, AssignmentStatus, Case, Category
from renda.congress.models import Department, DepartmentKind, Role, RoleGrant
from renda.core.models import ActionLog
from tests.fixtures.api import Api
from tests.fixtures.cases import submit
from tests.fixtures.exporting import assert_rfc5987, client_for, sheet

GROUPS = ("category", "department", "village", "source", "month")


def _lead(case) -> Assignment:  # noqa: ANN001
    return case.assignments.exclude(status=AssignmentStatus.RETURNED).get()


def _handled(world, case, department, handler, reply_class):  # noqa: ANN001, ANN202
    cases.assign_case(case, lead=department, acting_user=world.staff)
    lead = _lead(case)
    cases.sign_assignment(lead, acting_user=handler)
    cases.reply_case(lead, reply_class=reply_class, text="已办理并答复", acting_user=handler)
    return lead


@pytest.fixture
def scenario(cases_world):  # noqa: ANN001, ANN201
    world = cases_world
    other_1 = Category.objects.create(
        congress=world.c_a, code="road-other", name="其他", parent=world.cat_a
    )
    other_2 = Category.objects.create(
        congress=world.c_a, code="edu-other", name="其他", parent=world.cat_a2
    )
    # 枫林镇's office of the same name as 清河镇's, with its handler.
    dept_b_same = Department.objects.create(
        congress=world.c_b, name=world.dept_a1.name, kind=DepartmentKind.TOWN_OFFICE
    )
    users = get_user_model()
    handler_b_same = users.objects.create_user(username="handler_b_same", password="pw-1-tests")
    RoleGrant.objects.create(
        user=handler_b_same, role=Role.HANDLER, congress=world.c_b, department=dept_b_same
    )
    # A district user who supervises both towns' cases.
    district_staff = users.objects.create_user(username="district_staff", password="pw-1-tests")
    for congress in (world.c_a, world.c_b):
        RoleGrant.objects.create(user=district_staff, role=Role.STAFF, congress=congress)

    # 1: on time, satisfied.
    one = submit(world, category=other_1).case
    _handled(world, one, world.dept_a1, world.handler_a, "A")
    cases.evaluate_case(one, result="satisfied", acting_user=world.staff)
    # 2: replied three days after its due date, basically satisfied.
    two = submit(world, category=other_2, content="学校门口缺少红绿灯，孩子上学过马路危险").case
    cases.assign_case(two, lead=world.dept_a1, acting_user=world.staff)
    lead = _lead(two)
    cases.sign_assignment(lead, acting_user=world.handler_a)
    late = timezone.make_aware(dt.datetime.combine(lead.due_date, dt.time(10)) + dt.timedelta(3))
    with mock.patch("django.utils.timezone.now", return_value=late):
        cases.reply_case(lead, reply_class="B", text="已列入计划", acting_user=world.handler_a)
        cases.evaluate_case(two, result="basic", acting_user=world.staff)
    # 3: unsatisfied, re-handled, then satisfied.
    three = submit(world, category=other_1, content="村里垃圾清运不及时，夏天气味很大")
    lead = _handled(world, three.case, world.dept_a2, world.handler_b, "B")
    cases.rate_by_check_code(three.case, code=three.code, result="unsatisfied", comment="没解决")
    cases.reply_case(lead, reply_class="A", text="已增加清运车次", acting_user=world.handler_b)
    cases.rate_by_check_code(three.case, code=three.code, result="satisfied")
    # 4: assigned, not replied. 5: not assigned.
    four = submit(world, category=other_2, content="中心小学旁边的路灯不亮").case
    cases.assign_case(four, lead=world.dept_a2, acting_user=world.staff)
    submit(world, content="东塘村桥面有裂缝，需要检查")
    # 枫林镇: replied (class C), awaiting its rating.
    six = submit(world, congress=world.c_b, category=world.cat_b, village=world.village_b).case
    _handled(world_b(world), six, dept_b_same, handler_b_same, "C")

    world.other_1, world.other_2, world.dept_b_same = other_1, other_2, dept_b_same
    world.district_staff = district_staff
    world.cases = [one, two, three.case, four]
    return world


def world_b(world):  # noqa: ANN001, ANN201
    """枫林镇's office staff assign its case."""
    from types import SimpleNamespace

    return SimpleNamespace(staff=world.other_staff)


def _page(client, user):  # noqa: ANN001, ANN202
    """The figures page: {group: [(id, label, [cell texts])]} and the totals' figures."""
    client.force_login(user)
    html = client.get(reverse("cases:figures")).content.decode()
    doc = lxml.html.fromstring(html)
    tables = {}
    for key in GROUPS:
        rows = []
        for tr in doc.xpath(f'//table[@id="figures-{key}"]/tbody/tr[@data-id]'):
            texts = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
            rows.append((tr.get("data-id"), texts[0], texts[1:]))
        tables[key] = rows
    return html, tables


def _sheet(client, user):  # noqa: ANN001, ANN202
    """The sheet, read back: {group: [(label, [values])]} and the totals' values. It is the
    one exporter's (renda.core.exports): a header row, then one row per figure row naming
    its grouping, under a Chinese file name (RFC 5987)."""
    client.force_login(user)
    response = client.get(reverse("cases:figures") + "?format=xlsx")
    assert_rfc5987(response)
    assert quote(str(_("Case handling figures"))) in response["Content-Disposition"]
    rows = sheet(response)
    assert rows[0] == [str(_("Grouping")), None, *(str(label) for _k, label in figures.COLUMNS)]
    headings = {str(label): key for key, label in figures.GROUP_LABELS.items()}
    tables: dict[str, list] = {key: [] for key in headings.values()}
    total = None
    width = len(rows[0])
    for row in rows[1:]:
        row = row + [None] * (width - len(row))  # noqa: PLW2901  (trailing empty cells)
        if row[0] == _("Total"):
            total = row[2:]
        else:
            tables[headings[row[0]]].append((row[1], row[2:]))
    return tables, total


def _text(value) -> str:  # noqa: ANN001
    return "—" if value is None else str(value)


def test_the_engine_counts_the_scenario_as_by_hand(scenario):
    qs = figures.filtered_cases(Case.objects.visible_to(scenario.staff, "case.supervise"), {})
    total = figures.totals(qs)
    assert (total["received"], total["assigned"], total["closed"]) == (5, 4, 3)
    assert (total["replied"], total["replied_on_time"], total["evaluated"]) == (3, 2, 3)
    assert (total["satisfied"], total["basic"], total["class_a"], total["class_b"]) == (2, 1, 2, 1)
    assert total["closure_rate"] == 75.0 and total["on_time_rate"] == 50.0
    assert total["satisfaction_rate"] == 100.0
    assert total["solved_rate"] == 66.7 and total["solved_or_solving_rate"] == 100.0
    categories = {r["id"]: r for r in figures.grouped(qs, "category")}
    first, second = categories[scenario.other_1.pk], categories[scenario.other_2.pk]
    assert (first["received"], first["closed"], first["on_time_rate"]) == (2, 2, 100.0)
    assert (second["received"], second["closed"], second["on_time_rate"]) == (2, 1, 0.0)
    assert first["label"] == _("%(name)s (%(qualifier)s)") % {"name": "其他", "qualifier": "交通"}
    assert second["label"] == _("%(name)s (%(qualifier)s)") % {"name": "其他", "qualifier": "教育"}
    assert categories[scenario.cat_a.pk]["label"] == "交通"  # a unique name stays as it is


def test_a_district_user_sees_two_towns_same_named_departments_apart(scenario):
    qs = Case.objects.visible_to(scenario.district_staff, "case.supervise")
    assert qs.count() == 6
    rows = {r["id"]: r for r in figures.grouped(qs, "department")}
    qh, fl = rows[scenario.dept_a1.pk], rows[scenario.dept_b_same.pk]
    assert (qh["received"], qh["closed"], qh["class_c"]) == (2, 2, 0)
    assert (fl["received"], fl["closed"], fl["class_c"], fl["awaiting_evaluation"]) == (1, 0, 1, 1)
    assert qh["label"] != fl["label"]
    assert scenario.c_b.name in fl["label"] and scenario.dept_a1.name in fl["label"]


@pytest.mark.parametrize("who", ["staff", "district_staff"])
def test_page_sheet_and_api_print_the_same_figures(client, scenario, who):
    user = getattr(scenario, who)
    html, page = _page(client, user)
    sheet, sheet_total = _sheet(client, user)
    api = Api(user).get("/figures").json()
    # The sheet is an export like any other: audited, once per congress in scope.
    logged = ActionLog.objects.filter(action="cases.figures_exported", actor=user)
    assert logged.count() == (2 if who == "district_staff" else 1)
    keys = [key for key, _label in figures.COLUMNS]

    # The totals: the sheet's row and the API's, and the page's headline figures.
    assert sheet_total == [api["total"][key] for key in keys]
    for key in ("closure_rate", "on_time_rate", "satisfaction_rate", "solved_rate"):
        assert f"{api['total'][key]}%" in html

    for group in GROUPS:
        from_api = [(row["id"], row["label"], [row[k] for k in keys]) for row in api[f"by_{group}"]]
        assert from_api, group
        # The page: the same rows (by id), labels and values as text.
        assert [(i, label, cells) for i, label, cells in page[group]] == [
            ("" if i is None else str(i), label, [_text(v) for v in values])
            for i, label, values in from_api
        ]
        # The sheet: the same rows, labels and values (a missing rate is an empty cell).
        assert sheet[group] == [(label, values) for _i, label, values in from_api]

    # Rows are by id: the two 其他 (and, for the district, the two 城乡建设办公室) apart.
    categories = {row["id"]: row for row in api["by_category"]}
    assert scenario.other_1.pk in categories and scenario.other_2.pk in categories
    departments = {row["id"] for row in api["by_department"]}
    assert (scenario.dept_b_same.pk in departments) == (who == "district_staff")
    assert scenario.dept_a1.pk in departments


def test_the_figures_sheet_follows_the_page_filter_and_has_no_private_writer(scenario):
    """The sheet goes through the one exporter with the page's filter: the district's staff
    asking for one town gets that town's figures only (the same `totals` as the page)."""
    assert not hasattr(figures, "figures_xlsx")
    user = scenario.district_staff
    url = reverse("cases:figures")
    client = client_for(user)
    query = {"congress": scenario.c_b.pk}
    page = client.get(url, query)
    assert page.status_code == 200 and "format=xlsx" in page.content.decode()
    response = client.get(url, {**query, "format": "xlsx"})
    assert_rfc5987(response)
    rows = sheet(response)
    qs = Case.objects.visible_to(user, "case.supervise").filter(congress=scenario.c_b)
    expected = figures.totals(qs)
    total = next(row for row in rows if row[0] == _("Total"))
    assert total[2:] == [expected[key] for key, _label in figures.COLUMNS]
    assert total[2] == page.context["total"]["received"] < Case.objects.count()
    # Only the town asked for: its categories, none of the other town's (其他 is 清河镇's).
    categories = [r[1] for r in rows if r[0] == figures.GROUP_LABELS["category"]]
    assert categories == [r["label"] for r in figures.grouped(qs, "category")] == ["交通"]
    assert not any("其他" in label for label in categories)
    logged = ActionLog.objects.filter(action="cases.figures_exported", actor=user)
    assert list(logged.values_list("congress_id", flat=True)) == [scenario.c_b.pk]


def test_a_long_grouping_shows_its_top_rows_and_the_sheet_has_them_all(
    client, scenario, monkeypatch
):
    """Beyond PAGE_ROWS rows (a district's villages or lead deputies) a figures page shows
    the rows with the most received, in the grouping's order, says how many there are, and
    the sheet still holds every row: the page's size no longer grows with the data."""
    staff = scenario.staff
    html, full = _page(client, staff)
    sheet_before, _total = _sheet(client, staff)
    categories = full["category"]
    assert len(categories) >= 3
    monkeypatch.setattr(figures, "PAGE_ROWS", 2)
    html, shown = _page(client, staff)
    counts = [int(cells[0]) for _id, _label, cells in categories]
    top = sorted(range(len(categories)), key=lambda i: (-counts[i], i))[:2]
    assert shown["category"] == [categories[i] for i in sorted(top)]
    note = f"共 {len(categories)} 行，这里显示收到件数最多的 2 行"
    assert note in html
    assert _sheet(client, staff)[0] == sheet_before  # the sheet: every row
    # A grouping within the limit is whole, without the note's count.
    for key in GROUPS:
        if len(full[key]) <= 2:
            assert shown[key] == full[key]
