"""The REST API over the demo district: every list answers the demo's users, within their
town, in the same number of queries for one row as for two hundred (DESIGN.md rule 7)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures.api import Api

LISTS = [
    "/congresses",
    "/terms",
    "/sessions",
    "/categories",
    "/departments",
    "/officials",
    "/deputies",
    "/cases?view=all",
    "/suggestions",
    "/polls",
    "/appraisals/meetings",
    "/projects/ideas",
    "/projects/batches",
    "/projects",
]


def _queries(api: Api, path: str, limit: int) -> tuple[int, Any]:
    glue = "&" if "?" in path else "?"
    with CaptureQueriesContext(connection) as ctx:
        response = api.client.get(f"/api/v1{path}{glue}limit={limit}", headers=api.headers)
    assert response.status_code == 200, (path, response.content)
    return len(ctx.captured_queries), response.json()


@pytest.mark.parametrize("path", LISTS)
def test_every_list_is_a_fixed_number_of_queries_on_the_demo(demo, path):
    staff = Api(get_user_model().objects.get(username="qh_staff"))
    _queries(staff, "/me", 1)  # the token's first use is recorded once
    few, one = _queries(staff, path, 1)
    many, page = _queries(staff, path, 200)
    assert page["count"] >= 1, path
    assert len(one["items"]) == 1
    assert few == many, (path, few, many)


def test_the_demo_deputy_discovers_what_a_suggestion_needs(demo):
    deputy = Api(get_user_model().objects.get(username="qh_deputy"))
    congresses = {c["name"] for c in deputy.get("/congresses").json()["items"]}
    assert "清河镇人民代表大会" in congresses
    assert "枫林镇人民代表大会" not in congresses
    sessions = deputy.get("/sessions", current_term="true").json()
    assert sessions["count"] >= 1
    assert deputy.get("/categories", active="true").json()["count"] >= 1
    # Another town's staff sees none of 清河镇's reference data.
    other = Api(get_user_model().objects.get(username="fl_staff"))
    names = {c["congress"]["name"] for c in other.get("/categories").json()["items"]}
    assert "清河镇人民代表大会" not in names
