"""/api/v1/figures by session, year, department and category: the case engine's counts and
rates (`renda.cases.figures`, and the suggestions' groupings), never computed again in the
API; a filter naming another town's session, category or department is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from renda.cases import figures
from renda.cases import services as cases
from renda.cases.models import Case
from renda.congress.models import Session
from renda.suggestions import figures as suggestion_figures
from renda.suggestions import services as suggestions
from tests.fixtures.api import Api
from tests.fixtures.cases import submit


def _handled(world: Any, case: Case, department: Any, reply_class: str, rating: str) -> None:
    cases.assign_case(case, lead=department, acting_user=world.staff)
    assignment = case.assignments.get()
    handler = world.handler_a if department == world.dept_a1 else world.handler_b
    cases.sign_assignment(assignment, acting_user=handler)
    assignment.refresh_from_db()
    cases.reply_case(assignment, reply_class=reply_class, text="已处理完毕", acting_user=handler)
    if rating:
        case.refresh_from_db()
        cases.evaluate_case(case, result=rating, acting_user=world.staff)


def _suggestion(world: Any, session: Any, category: Any, title: str) -> Case:
    suggestion = suggestions.raise_suggestion(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=category,
        title=title,
        content=f"{title}，群众反映强烈，建议尽快解决。",
        session=session,
        submit=True,
    )
    suggestions.accept_suggestion(suggestion, acting_user=world.staff)
    suggestion.refresh_from_db()
    return suggestion.case


@pytest.fixture
def scene(cases_world):  # noqa: ANN001, ANN201
    """Two suggestions at session 1, one at session 2, one between sessions; three opinions;
    mixed departments, categories, reply classes and ratings."""
    world = cases_world
    second = Session.objects.create(
        term=world.term_a, ordinal=2, start_date=dt.date(2023, 2, 20), end_date=dt.date(2023, 2, 21)
    )
    s1 = _suggestion(world, world.session_a, world.cat_a, "关于修缮东塘村道路的建议")
    s2 = _suggestion(world, world.session_a, world.cat_a2, "关于增设校车的建议")
    s3 = _suggestion(world, second, world.cat_a, "关于村口路灯的建议")
    s4 = _suggestion(world, None, world.cat_a2, "关于增加幼儿园学位的建议")
    _handled(world, s1, world.dept_a1, "A", "satisfied")
    _handled(world, s2, world.dept_a2, "B", "unsatisfied")
    _handled(world, s3, world.dept_a1, "C", "")
    o1 = submit(world).case
    o2 = submit(world, category=world.cat_a2, content="社区卫生服务站周末不开门").case
    submit(world, content="村里垃圾清运不及时")
    _handled(world, o1, world.dept_a1, "A", "basic")
    _handled(world, o2, world.dept_a2, "D", "satisfied")
    world.second_session = second
    world.s4 = s4
    return world


def _expected(world: Any, **data: Any) -> dict[str, Any]:
    qs = Case.objects.visible_to(world.staff, "case.supervise")
    if "session" in data:
        qs = qs.filter(suggestion__session=data.pop("session"))
    return figures.totals(figures.filtered_cases(qs, data))


def test_figures_by_session_are_the_engines(scene):
    staff = Api(scene.staff)
    response = staff.get("/figures", session=scene.session_a.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"] == _expected(scene, session=scene.session_a)
    total = body["total"]
    assert (total["received"], total["replied"], total["evaluated"]) == (2, 2, 2)
    assert (total["satisfied"], total["unsatisfied"], total["satisfaction_rate"]) == (1, 1, 50.0)
    # The sessions, as on the suggestions' figures page.
    everything = staff.get("/figures").json()
    suggestion_cases = Case.objects.filter(kind="suggestion")
    assert everything["by_session"] == [
        {**row, "label": str(row["label"])}
        for row in suggestion_figures.grouped(suggestion_cases, "session")
    ]
    assert [(r["id"], r["label"], r["received"]) for r in everything["by_session"]] == [
        (scene.session_a.pk, "第20届第1次会议", 2),
        (scene.second_session.pk, "第20届第2次会议", 1),
        (None, "闭会期间", 1),
    ]


@pytest.mark.parametrize("key", ["year", "department", "category", "kind"])
def test_figures_by_year_department_and_category_are_the_engines(scene, key):
    value = {
        "year": Case.objects.first().year,
        "department": scene.dept_a1,
        "category": scene.cat_a2,
        "kind": "opinion",
    }[key]
    param = getattr(value, "pk", value)
    body = Api(scene.staff).get("/figures", **{key: param}).json()
    assert body["total"] == _expected(scene, **{key: value})
    assert body["total"]["received"] > 0
    if key == "department":
        # The row of the department in the unfiltered figures says the same.
        everything = Api(scene.staff).get("/figures").json()
        row = next(r for r in everything["by_department"] if r["id"] == scene.dept_a1.pk)
        assert {k: v for k, v in row.items() if k not in ("id", "label")} == body["total"]
    if key == "year":
        (row,) = body["by_year"]
        assert (row["id"], row["label"], row["received"]) == (value, str(value), 7)


def test_figures_filters_outside_the_users_scope_are_404(scene):
    staff = Api(scene.staff)
    for params in (
        {"session": scene.session_b.pk},
        {"category": scene.cat_b.pk},
        {"department": scene.dept_b1.pk},
        {"congress": scene.c_b.pk},
    ):
        response = staff.get("/figures", **params)
        assert response.status_code == 404, params
        assert response.json()["detail"]
    for params in ({"year": 1800}, {"session": 0}, {"department": "x"}):
        response = staff.get("/figures", **params)
        assert response.status_code == 400 and response.json()["errors"]
    for user in (scene.deputy_user, scene.handler_a, scene.citizen):
        assert Api(user).get("/figures", session=scene.session_a.pk).status_code == 403
