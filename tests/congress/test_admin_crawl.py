"""Every page of the back office answers every persona without a server error: each
registered model's changelist, add page and the change page of its first row (a 404 for
whoever may not see it) (finding 8 of issue 13: /admin/cases/caserules/ was a 500 for every role)."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from renda.cases.models import CaseRules
from tests.fixtures import portal as portal_fixtures

portal_world = portal_fixtures.portal_world  # the fixture, shared with the portal tests

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


def _name(model) -> str:  # noqa: ANN001
    return f"{model._meta.app_label}_{model._meta.model_name}"


MODELS = sorted(_name(model) for model in admin.site._registry)


@pytest.fixture
def crawl_world(cases_world, portal_world):  # noqa: ANN001, ANN201
    """The personas' world with a row in the rules tables and a portal, so that lists are
    not empty."""
    world = portal_world
    for congress in (world.c_a, world.c_b, world.c_district):
        CaseRules.for_congress(congress.pk)
    return world


def _get(client, user, url):  # noqa: ANN001, ANN201
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize("model", MODELS)
def test_no_admin_page_is_a_server_error_for_any_persona(client, crawl_world, personas, model):
    client.raise_request_exception = False
    changelist = reverse(f"admin:{model}_changelist")
    try:
        add = reverse(f"admin:{model}_add")
    except NoReverseMatch:  # pragma: no cover - every registered model has an add page
        add = None
    model_class = next(m for m in admin.site._registry if _name(m) == model)
    first = model_class._default_manager.order_by("pk").first()
    change = reverse(f"admin:{model}_change", args=[first.pk]) if first is not None else None
    failures = []
    for persona in PERSONAS:
        user = personas[persona]
        for url in filter(None, [changelist, add, change]):
            status = _get(client, user, url).status_code
            if status >= 500:
                failures.append((persona, url, status))
    assert failures == []
