"""Reference data of the REST API: congresses, terms, sessions, categories, departments,
officials and deputies, read within the congresses the token's user belongs to; categories
and departments written by the office as in the back office (validated, audited, nothing
deleted); one pagination; a fixed number of queries per list."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renda.cases.models import Category
from renda.congress.models import Department, Deputy, DeputyMembership, Gender, Official
from renda.core.models import ActionLog
from tests.fixtures.api import Api

pytestmark = pytest.mark.usefixtures("cases_world")


def _names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


# --- scope ---------------------------------------------------------------------------------------


def test_each_user_reads_the_congresses_they_belong_to(world):
    assert _names(Api(world.staff).get("/congresses")) == ["清河镇人民代表大会"]
    assert _names(Api(world.handler_a).get("/congresses")) == ["清河镇人民代表大会"]
    assert _names(Api(world.deputy_user).get("/congresses")) == ["清河镇人民代表大会"]
    assert _names(Api(world.other_staff).get("/congresses")) == ["枫林镇人民代表大会"]
    # A district's administrator covers its towns.
    assert sorted(_names(Api(world.district_admin).get("/congresses"))) == sorted(
        ["临溪区人民代表大会", "清河镇人民代表大会", "枫林镇人民代表大会"]
    )
    assert Api(world.citizen).get("/congresses").json() == {"count": 0, "items": []}
    town = Api(world.staff).get(f"/congresses/{world.c_a.pk}").json()
    assert town["current_term"] == {"id": world.term_a.pk, "ordinal": 20}
    assert town["parent"] == {"id": world.c_district.pk, "name": "临溪区人民代表大会"}
    assert Api(world.staff).get(f"/congresses/{world.c_b.pk}").status_code == 404


def test_a_deputy_discovers_the_sessions_and_categories_a_suggestion_needs(world):
    deputy = Api(world.deputy_user)
    sessions = deputy.get("/sessions", current_term="true").json()
    assert sessions["count"] == 1
    (session,) = sessions["items"]
    assert session["id"] == world.session_a.pk
    assert session["congress"]["id"] == world.c_a.pk
    assert session["term"] == {"id": world.term_a.pk, "ordinal": 20}
    assert session["name"] and session["term_is_current"] is True
    categories = deputy.get("/categories", congress=world.c_a.pk, active="true").json()
    assert {c["code"] for c in categories["items"]} == {"road", "edu"}
    road = next(c for c in categories["items"] if c["code"] == "road")
    assert road["default_department"] == {"id": world.dept_a1.pk, "name": "城乡建设办公室"}
    # Another town's session, category, department: as if they did not exist.
    for path in (
        f"/sessions/{world.session_b.pk}",
        f"/categories/{world.cat_b.pk}",
        f"/departments/{world.dept_b1.pk}",
    ):
        response = deputy.get(path)
        assert response.status_code == 404
        assert response.json()["detail"]
    assert deputy.get("/sessions", congress=world.c_b.pk).json()["count"] == 0


def test_terms_and_officials_are_read_within_scope(world):
    Official.objects.create(
        congress=world.c_a, name="高振宇", post="副镇长", department=world.dept_a1
    )
    Official.objects.create(congress=world.c_b, name="叶晓东", post="副镇长")
    staff = Api(world.staff)
    terms = staff.get("/terms").json()
    assert [(t["congress"]["id"], t["ordinal"], t["is_current"]) for t in terms["items"]] == [
        (world.c_a.pk, 20, True)
    ]
    officials = staff.get("/officials").json()["items"]
    assert [(o["name"], o["department"]["name"]) for o in officials] == [
        ("高振宇", "城乡建设办公室")
    ]
    assert _names(Api(world.other_staff).get("/officials")) == ["叶晓东"]


def test_deputies_are_masked_and_personal_data_is_for_the_back_office(world):
    world.deputy_a.party = "cpc"
    world.deputy_a.occupation = "东塘村党支部书记"
    world.deputy_a.birth_year = 1972
    world.deputy_a.save(update_fields=["party", "occupation", "birth_year"])
    staff = Api(world.staff).get("/deputies").json()
    assert staff["count"] == 1
    (row,) = staff["items"]
    assert row["name"] == "王建国"
    assert row["phone"] == "139****0001"
    assert "13900000001" not in str(staff)
    assert (row["party"], row["occupation"], row["birth_year"]) == ("cpc", "东塘村党支部书记", 1972)
    (seat,) = row["memberships"]
    assert seat["congress"]["id"] == world.c_a.pk
    assert seat["constituency"]["name"] == "第1选区" and seat["group"]["name"] == "河东代表小组"
    # A fellow deputy or a handler sees the name and the masked phone, not the rest.
    for user in (world.deputy_user, world.handler_a):
        (row,) = Api(user).get("/deputies").json()["items"]
        assert row["phone"] == "139****0001"
        assert (row["party"], row["occupation"], row["birth_year"]) == (None, None, None)
    # Another town's deputy is not there.
    assert Api(world.staff).get(f"/deputies/{world.deputy_b.pk}").status_code == 404
    assert _names(Api(world.other_staff).get("/deputies")) == ["李秀英"]
    # A person with seats in two congresses shows only the seats in the reader's scope.
    DeputyMembership.objects.create(
        deputy=world.deputy_a, term=world.term_district, start_date=world.term_district.start_date
    )
    seats = Api(world.staff).get(f"/deputies/{world.deputy_a.pk}").json()["memberships"]
    assert [s["congress"]["id"] for s in seats] == [world.c_a.pk]


def test_filters_and_pagination_are_the_same_everywhere(world):
    for i in range(5):
        Department.objects.create(congress=world.c_a, name=f"测试办{i}", kind="other")
    staff = Api(world.staff)
    everything = staff.get("/departments").json()
    assert everything["count"] == 7
    page = staff.get("/departments", limit=2, offset=2).json()
    assert page["count"] == 7
    assert [d["id"] for d in page["items"]] == [d["id"] for d in everything["items"][2:4]]
    assert staff.get("/departments", q="测试").json()["count"] == 5
    # Out of range: the project's 400 with the fields at fault.
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"congress": 0}):
        response = staff.get("/departments", **params)
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] and body["errors"]
        assert body["errors"][0]["loc"][0] == "query"


def test_deputies_list_is_a_fixed_number_of_queries(world):
    api = Api(world.staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/deputies").status_code == 200
        return len(ctx.captured_queries)

    queries()  # the token's first use is recorded once
    small = queries()
    for i in range(12):
        deputy = Deputy.objects.create(name=f"代表{i}", gender=Gender.MALE, phone=f"1390009{i:04d}")
        DeputyMembership.objects.create(
            deputy=deputy, term=world.term_a, start_date=world.term_a.start_date
        )
    assert queries() == small


# --- writes --------------------------------------------------------------------------------------


def test_staff_create_and_edit_a_category_audited(world):
    staff = Api(world.staff)
    before = ActionLog.objects.count()
    response = staff.post(
        "/categories",
        {
            "congress": world.c_a.pk,
            "code": "water",
            "name": " 水利 ",
            "parent": world.cat_a.pk,
            "default_department": world.dept_a2.pk,
            "order": 3,
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "水利"
    assert created["parent"]["id"] == world.cat_a.pk
    assert created["default_department"]["id"] == world.dept_a2.pk
    category = Category.objects.get(pk=created["id"])
    assert category.congress_id == world.c_a.pk
    entry = ActionLog.objects.order_by("-id").first()
    assert ActionLog.objects.count() == before + 1
    assert entry.action == "category.created" and entry.actor_id == world.staff.pk
    # Only what is sent changes; null clears the usual department.
    response = staff.patch(
        f"/categories/{category.pk}", {"is_active": False, "default_department": None}
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert response.json()["default_department"] is None
    assert response.json()["name"] == "水利"
    entry = ActionLog.objects.order_by("-id").first()
    assert entry.action == "category.updated"
    assert entry.changes["is_active"] == [True, False]
    # An edit that changes nothing writes nothing.
    count = ActionLog.objects.count()
    assert staff.patch(f"/categories/{category.pk}", {"name": "水利"}).status_code == 200
    assert ActionLog.objects.count() == count


def test_the_models_rules_refuse_a_category_and_nothing_changes(world):
    staff = Api(world.staff)
    before = (Category.objects.count(), ActionLog.objects.count())
    refusals = [
        {"congress": world.c_a.pk, "code": "road", "name": "道路"},  # a code in use
        {"congress": world.c_a.pk, "code": "not a slug", "name": "道路"},
        {"congress": world.c_a.pk, "code": "x", "name": "名" * 61},
        {"congress": world.c_a.pk, "code": "x", "name": "x", "parent": world.cat_b.pk},
        {
            "congress": world.c_a.pk,
            "code": "x",
            "name": "x",
            "default_department": world.dept_b1.pk,
        },
    ]
    for body in refusals:
        response = staff.post("/categories", body)
        assert response.status_code == 400, body
        assert response.json()["detail"]
    # Malformed input: the fields at fault.
    response = staff.post("/categories", {"congress": world.c_a.pk, "code": "x"})
    assert response.status_code == 400
    assert ["body", "body", "name"] in [e["loc"] for e in response.json()["errors"]]
    response = staff.patch(f"/categories/{world.cat_a.pk}", {"parent": world.cat_a.pk})
    assert response.status_code == 400
    assert (Category.objects.count(), ActionLog.objects.count()) == before


def test_only_the_office_and_administrators_write_reference_data(world):
    body = {"congress": world.c_a.pk, "name": "综合执法办", "kind": "town_office"}
    # Roles that read but do not write: 403; another town's office: 404 (nothing disclosed).
    for user in (world.leader, world.auditor, world.handler_a, world.deputy_user):
        assert Api(user).post("/departments", body).status_code == 403
        assert Api(user).patch(f"/departments/{world.dept_a1.pk}", {"name": "x"}).status_code == 403
    assert Api(world.citizen).post("/departments", body).status_code == 403
    assert Api(world.citizen).patch(f"/departments/{world.dept_a1.pk}", {}).status_code == 404
    assert Api(world.other_staff).post("/departments", body).status_code == 404
    assert Api(world.other_staff).patch(f"/departments/{world.dept_a1.pk}", {}).status_code == 404
    assert Api(world.other_staff).patch(f"/categories/{world.cat_a.pk}", {}).status_code == 404
    assert not Department.objects.filter(name="综合执法办").exists()
    # The town's administrator, and the district's for its towns, may.
    response = Api(world.admin).post("/departments", body)
    assert response.status_code == 201, response.content
    department = response.json()
    assert department["congress"]["id"] == world.c_a.pk
    response = Api(world.district_admin).patch(
        f"/departments/{department['id']}", {"short_name": "执法办", "parent": world.dept_a1.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["short_name"] == "执法办"
    assert response.json()["parent"]["id"] == world.dept_a1.pk
    actions = list(
        ActionLog.objects.filter(action__startswith="department.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["department.created", "department.updated"]
    # Same name twice in a congress: refused by the model's constraint.
    response = Api(world.staff).post("/departments", body)
    assert response.status_code == 400 and response.json()["detail"]
    # Its own parent: refused.
    response = Api(world.staff).patch(
        f"/departments/{world.dept_a1.pk}", {"parent": world.dept_a1.pk}
    )
    assert response.status_code == 400


def test_staff_add_a_session_within_the_term_and_edit_it(world):
    staff = Api(world.staff)
    body = {
        "term": world.term_a.pk,
        "ordinal": 2,
        "start_date": "2023-02-20",
        "end_date": "2023-02-21",
        "venue": " 镇政府大会堂 ",
    }
    response = staff.post("/sessions", body)
    assert response.status_code == 201, response.content
    session = response.json()
    assert (session["ordinal"], session["venue"], session["kind"]) == (2, "镇政府大会堂", "regular")
    assert session["congress"]["id"] == world.c_a.pk
    assert ActionLog.objects.filter(action="session.created").count() == 1
    # The model's rules: the same number twice, outside the term, ending before it starts.
    for wrong in (
        {"ordinal": 2},
        {"ordinal": 3, "start_date": "2030-01-01", "end_date": "2030-01-02"},
        {"ordinal": 3, "start_date": "2023-03-02", "end_date": "2023-03-01"},
    ):
        response = staff.post("/sessions", {**body, **wrong})
        assert response.status_code == 400, wrong
        assert response.json()["detail"]
    response = staff.patch(f"/sessions/{session['id']}", {"kind": "extra", "venue": None})
    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["venue"]) == ("extra", "镇政府大会堂")
    assert staff.patch(f"/sessions/{session['id']}", {"end_date": "2030-01-01"}).status_code == 400
    # Another town's term and session: 404; a leader: 403.
    assert Api(world.other_staff).post("/sessions", body).status_code == 404
    assert Api(world.other_staff).patch(f"/sessions/{session['id']}", {}).status_code == 404
    assert Api(world.leader).patch(f"/sessions/{session['id']}", {}).status_code == 403
    assert Api(world.deputy_user).post("/sessions", body).status_code == 403


def test_staff_add_an_official_and_record_that_they_left_office(world):
    staff = Api(world.staff)
    response = staff.post(
        "/officials",
        {
            "congress": world.c_a.pk,
            "name": "高振宇",
            "post": "副镇长",
            "department": world.dept_a1.pk,
        },
    )
    assert response.status_code == 201, response.content
    official = response.json()
    assert official["department"]["id"] == world.dept_a1.pk
    assert staff.get(f"/officials/{official['id']}").json()["name"] == "高振宇"
    response = staff.patch(f"/officials/{official['id']}", {"is_active": False, "department": None})
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["department"]) == (False, None)
    assert list(
        ActionLog.objects.filter(action__startswith="official.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["official.created", "official.updated"]
    # Another congress's department is refused; another town cannot read or write it.
    response = staff.post(
        "/officials",
        {
            "congress": world.c_a.pk,
            "name": "林雅婷",
            "post": "副镇长",
            "department": world.dept_b1.pk,
        },
    )
    assert response.status_code == 400
    assert Api(world.other_staff).get(f"/officials/{official['id']}").status_code == 404
    assert Api(world.handler_a).patch(f"/officials/{official['id']}", {}).status_code == 403
