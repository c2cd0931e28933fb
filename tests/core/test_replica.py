"""Reads of the figures pages and reports from a read replica (DATABASE_REPLICA_URL,
renda.core.dbrouter): the listed pages' GETs read from `replica`, writes and every other page
from `default`. In tests `replica` mirrors the test database (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.cases.models import Case
from renda.congress.models import RoleGrant
from renda.core import dbrouter
from renda.core.models import User

ROOT = Path(__file__).resolve().parents[2]
both = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_routing(settings):
    """What settings install when DATABASE_REPLICA_URL is set."""
    settings.DATABASE_ROUTERS = ["renda.core.dbrouter.ReplicaRouter"]
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:-1],
        "renda.core.dbrouter.ReplicaReadsMiddleware",
        settings.MIDDLEWARE[-1],
    ]


def _tables(queries: CaptureQueriesContext) -> str:
    return "\n".join(q["sql"] for q in queries.captured_queries)


def _captured(client_call):  # noqa: ANN001, ANN202
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as default,
    ):
        response = client_call()
    return response, _tables(replica), _tables(default)


@both
def test_the_figures_page_reads_the_cases_from_the_replica(client, cases_world, replica_routing):
    from tests.fixtures.cases import submit

    submit(cases_world)
    client.force_login(cases_world.staff)
    response, replica, default = _captured(lambda: client.get(reverse("cases:figures")))
    assert response.status_code == 200
    assert '"cases_case"' in replica
    # The access checks and the session stay on default; no figure is read there.
    assert '"cases_case"' not in default
    assert "congress_rolegrant" in default and "congress_rolegrant" not in replica


@both
def test_a_case_write_and_other_pages_use_default_only(client, cases_world, replica_routing):
    from tests.cases.test_paper_reply import _assigned

    w = cases_world
    case = _assigned(w, lead=w.dept_a1)
    client.force_login(w.staff)
    response, replica, default = _captured(
        lambda: client.get(reverse("cases:office_case", args=[case.pk]))
    )
    assert response.status_code == 200 and replica == "" and '"cases_case"' in default
    response, replica, default = _captured(
        lambda: client.post(
            reverse("cases:office_action", args=[case.pk, "paper_reply"]),
            {
                "assignment": case.assignments.get().pk,
                "reply_class": "B",
                "text": "已列入明年计划",
                "replied_on": timezone.localdate().isoformat(),
                "reason": "承办单位送来盖章纸质答复",
            },
        )
    )
    assert response.status_code == 302
    assert replica == ""
    assert 'UPDATE "cases_case"' in default
    assert Case.objects.get(pk=case.pk).reply_class == "B"
    # A POST to a listed page is not a read either.
    response, replica, default = _captured(lambda: client.post(reverse("cases:figures")))
    assert replica == ""


@both
def test_the_report_api_reads_from_the_replica(api, world, replica_routing):
    year = timezone.localdate().year
    response, replica, default = _captured(
        lambda: api(world.staff).get(f"/reports/{world.c_a.pk}/{year}")
    )
    assert response.status_code == 200, response.content
    assert replica != ""
    assert '"api_apitoken"' in default and '"api_apitoken"' not in replica


def test_without_the_router_the_listed_pages_read_from_default(client, cases_world):
    client.force_login(cases_world.staff)
    with CaptureQueriesContext(connections["default"]) as default:
        assert client.get(reverse("cases:figures")).status_code == 200
    assert '"cases_case"' in _tables(default)


def test_the_router_sends_reads_to_the_replica_only_inside_a_listed_view(db):
    router = dbrouter.ReplicaRouter()
    assert router.db_for_read(Case) is None
    token = dbrouter.replica_reads.set(True)
    try:
        # db's test transaction is an atomic block: reads may need its writes.
        assert router.db_for_read(Case) is None
        assert router.db_for_write(Case) == "default"
    finally:
        dbrouter.replica_reads.reset(token)
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("replica", "cases") is False


@both
def test_the_router_keeps_access_checks_and_transactions_on_default():
    router = dbrouter.ReplicaRouter()
    token = dbrouter.replica_reads.set(True)
    try:
        assert router.db_for_read(Case) == "replica"
        assert router.db_for_read(User) is None
        assert router.db_for_read(RoleGrant) is None
        with transaction.atomic():
            assert router.db_for_read(Case) is None
    finally:
        dbrouter.replica_reads.reset(token)
    user = User(username="u")
    user._state.db = "replica"
    grant = RoleGrant()
    grant._state.db = "default"
    assert router.allow_relation(user, grant) is True


def _settings_with(**env: str) -> str:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps([sorted(settings.DATABASES), settings.DATABASE_ROUTERS, "
        "'renda.core.dbrouter.ReplicaReadsMiddleware' in settings.MIDDLEWARE, "
        "settings.DATABASES.get('replica', {}).get('OPTIONS')]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "renda.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_settings_add_the_replica_only_when_its_url_is_set():
    assert _settings_with() == '[["default"], [], false, null]'
    pg = "postgres://renda@db.example:5432/renda"
    replica = "postgres://renda@replica.example:5432/renda?sslmode=require"
    assert _settings_with(DATABASE_URL=pg, DATABASE_REPLICA_URL=replica) == (
        '[["default", "replica"], ["renda.core.dbrouter.ReplicaRouter"], true, '
        '{"sslmode": "require"}]'
    )
    assert "needs PostgreSQL" in _settings_with(DATABASE_REPLICA_URL=replica)
