"""The permission matrix of the REST API's reference data, figures, polls, appraisals and
projects: every persona against every endpoint on an object of 清河镇 (town A). Another
town's object is a 404 (its existence is not disclosed); a role the endpoint is not for is a
403 where the answer discloses nothing, else a 404; no token is a 401."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from renda.appraisals import services as appraisals
from renda.appraisals.models import MeetingKind
from renda.ballots import services as ballots
from renda.congress.models import Official
from renda.projects.models import Project
from tests.fixtures.api import BASE, Api
from tests.fixtures.ballots import approval_poll, close, open_for, subject_ids

OFFICE = {"staff", "leader", "superuser"}
# Everyone who belongs to town A: its grants (the district's administrator covers it) and
# its deputies.
MEMBERS = OFFICE | {"admin", "auditor", "handler", "station_manager", "deputy", "district_admin"}
WRITERS = {"staff", "admin", "district_admin", "superuser"}
PERSONAS = [
    "staff",
    "leader",
    "admin",
    "auditor",
    "handler",
    "station_manager",
    "deputy",
    "other_town_staff",
    "district_admin",
    "citizen",
    "superuser",
    "anonymous",
]


def _expected(allowed: set[str], denied: int = 404, forbidden: set[str] = frozenset()) -> Any:
    def status(persona: str, ok: int = 200) -> int:
        if persona == "anonymous":
            return 401
        if persona in allowed:
            return ok
        return 403 if persona in forbidden else denied

    return status


@pytest.fixture
def objects(year):  # noqa: ANN001, ANN201
    """One of everything in town A: a published poll, a closed review meeting, the year's
    ideas and draft batch, a project."""
    world = year.world
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    ballots.cast_online(poll, voter=world.deputy_user, choices={subject_ids(poll)[0]: "yes"})
    close(poll, world.staff)
    ballots.publish_poll(poll, acting_user=world.staff)
    official = Official.objects.create(congress=world.c_a, name="高振宇", post="副镇长")
    meeting = appraisals.create_meeting(
        congress=world.c_a,
        title="述职评议会",
        kind=MeetingKind.OFFICIALS,
        held_on=dt.date(2026, 3, 1),
        place="镇政府",
        acting_user=world.staff,
    )
    appraisals.add_reporter(
        meeting, official=official, report_title="述职", acting_user=world.staff
    )
    idea = year.feasible[0]
    # Test setup only: a project row as the announcement creates it.
    project = Project.objects.create(
        congress=world.c_a,
        idea=idea,
        batch=year.batch,
        year=year.y,
        title=idea.title,
        scope=idea.description,
        department=world.dept_a1,
        deadline=dt.date(year.y, 12, 31),
    )
    return {
        "congress": world.c_a.pk,
        "session": world.session_a.pk,
        "category": world.cat_a.pk,
        "department": world.dept_a1.pk,
        "deputy": world.deputy_a.pk,
        "official": official.pk,
        "poll": poll.pk,
        "meeting": meeting.pk,
        "idea": idea.pk,
        "batch": year.batch.pk,
        "project": project.pk,
    }


# (method, path, body, expected status per persona)
ENDPOINTS: list[tuple[str, str, Any, Any]] = [
    ("GET", "/congresses/{congress}", None, _expected(MEMBERS)),
    ("GET", "/sessions/{session}", None, _expected(MEMBERS)),
    ("GET", "/categories/{category}", None, _expected(MEMBERS)),
    ("GET", "/departments/{department}", None, _expected(MEMBERS)),
    ("GET", "/deputies/{deputy}", None, _expected(MEMBERS)),
    (
        "PATCH",
        "/categories/{category}",
        {"description": "道路交通"},
        _expected(WRITERS, forbidden=MEMBERS - WRITERS),
    ),
    (
        "PATCH",
        "/departments/{department}",
        {"short_name": "建设办"},
        _expected(WRITERS, forbidden=MEMBERS - WRITERS),
    ),
    ("GET", "/officials/{official}", None, _expected(MEMBERS)),
    (
        "PATCH",
        "/sessions/{session}",
        {"venue": "镇政府大会堂"},
        _expected(WRITERS, forbidden=MEMBERS - WRITERS),
    ),
    (
        "PATCH",
        "/officials/{official}",
        {"portfolio": "城建、交通"},
        _expected(WRITERS, forbidden=MEMBERS - WRITERS),
    ),
    (
        "POST",
        "/officials",
        {"congress": "{congress}", "name": "林雅婷", "post": "副镇长"},
        _expected(WRITERS, forbidden=(MEMBERS - WRITERS) | {"citizen"}),
    ),
    (
        "POST",
        "/categories",
        {"congress": "{congress}", "code": "water", "name": "水利"},
        # Without the right anywhere: 403; with it elsewhere only: 404.
        _expected(WRITERS, forbidden=(MEMBERS - WRITERS) | {"citizen"}),
    ),
    (
        "POST",
        "/departments",
        {"congress": "{congress}", "name": "综合执法办", "kind": "town_office"},
        _expected(WRITERS, forbidden=(MEMBERS - WRITERS) | {"citizen"}),
    ),
    (
        "GET",
        "/figures?session={session}",
        None,
        _expected(OFFICE, forbidden=MEMBERS - OFFICE | {"citizen"}),
    ),
    (
        "GET",
        "/figures?department={department}",
        None,
        _expected(OFFICE, forbidden=MEMBERS - OFFICE | {"citizen"}),
    ),
    ("GET", "/polls/{poll}", None, _expected(MEMBERS)),
    ("GET", "/polls/{poll}/result", None, _expected(MEMBERS)),
    ("POST", "/polls/{poll}/receipt", {"receipt": "ABCD-EFGH"}, _expected(MEMBERS)),
    ("GET", "/appraisals/meetings/{meeting}", None, _expected(OFFICE)),
    (
        "GET",
        "/projects/ideas/{idea}",
        None,
        _expected(OFFICE, forbidden=MEMBERS - OFFICE | {"citizen"}),
    ),
    ("GET", "/projects/batches/{batch}", None, _expected(OFFICE)),
    ("GET", "/projects/{project}", None, _expected(MEMBERS)),
    ("GET", "/projects/{project}/progress", None, _expected(MEMBERS)),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str):
        for name, pk in ids.items():
            if value == f"{{{name}}}":
                return pk
            value = value.replace(f"{{{name}}}", str(pk))
        return value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_endpoint_answers_each_persona_as_the_matrix_says(persona, personas, objects):
    user = personas[persona]
    api = Api(user) if user is not None else None
    client = Client()
    wrong = []
    for method, path, body, expected in ENDPOINTS:
        url = _fill(path, objects)
        data = _fill(body, objects)
        if api is None:
            response = getattr(client, method.lower())(
                f"{BASE}{url}", content_type="application/json"
            )
        elif method == "GET":
            response = api.client.get(f"{BASE}{url}", headers=api.headers)
        else:
            response = getattr(api, method.lower())(url, data)
        want = expected(persona, 201 if method == "POST" and "receipt" not in path else 200)
        if response.status_code != want:
            wrong.append(f"{method} {url}: {response.status_code}, expected {want}")
        elif response.status_code >= 400:
            assert response.json()["detail"], url
    assert not wrong, "\n".join(wrong)


def test_the_poll_result_of_another_towns_poll_is_a_404_even_published(world, personas):
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    close(poll, world.staff)
    ballots.publish_poll(poll, acting_user=world.staff)
    for persona in ("other_town_staff", "citizen"):
        api = Api(personas[persona])
        assert api.get(f"/polls/{poll.pk}").status_code == 404
        assert api.get(f"/polls/{poll.pk}/result").status_code == 404
