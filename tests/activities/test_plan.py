"""The year's work plan: items with kind, topic, presidium lead and month, linked to the
activities that carry them out, their state read from those, carry-over, publication and
the .docx; the plan page's permissions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse

from renda.activities import services
from renda.activities.models import PlanItemKind, PlanItemState, PlanStatus
from renda.congress.models import PresidiumMembership
from renda.core.errors import DomainError
from tests.fixtures.activities import announced


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def plan(acts):  # noqa: ANN001, ANN201
    PresidiumMembership.objects.create(session=acts.session_a, deputy=acts.deputy_a)
    return services.plan_for(acts.c_a, acts.today.year, acting_user=acts.staff)


def test_items_take_their_state_from_the_linked_activities(acts, plan):
    item = services.add_item(
        plan,
        kind=PlanItemKind.INSPECTION,
        topic="重点项目视察",
        month=12,
        lead=acts.deputy_a,
        acting_user=acts.staff,
    )
    assert services.item_state(item) == PlanItemState.NOT_STARTED
    assert services.item_state(item, today=dt.date(acts.today.year + 1, 1, 5)) == "overdue"
    activity = announced(acts)
    services.link_activity(item, activity, acting_user=acts.staff)
    assert services.item_state(item) == PlanItemState.UNDER_WAY
    services.mark_held(activity, acting_user=acts.staff)
    assert services.item_state(item) == PlanItemState.DONE
    with pytest.raises(DomainError, match="done"):
        services.carry_over(item, acting_user=acts.staff)


def test_lead_is_a_presidium_member_and_month_is_valid(acts, plan):
    with pytest.raises(DomainError, match="presidium"):
        services.add_item(
            plan,
            kind="survey",
            topic="调研",
            month=3,
            lead=acts.city_deputy,
            acting_user=acts.staff,
        )
    with pytest.raises(DomainError, match="month"):
        services.add_item(plan, kind="survey", topic="调研", month=13, acting_user=acts.staff)
    with pytest.raises(DomainError):
        services.add_item(plan, kind="survey", topic="调研", month=3, acting_user=acts.other_staff)


def test_carry_over_into_next_year_once(acts, plan):
    item = services.add_item(
        plan, kind="law_check", topic="执法检查", month=11, acting_user=acts.staff
    )
    new = services.carry_over(item, acting_user=acts.staff)
    assert new.plan.year == plan.year + 1 and new.carried_from == item
    item.refresh_from_db()
    assert services.item_state(item) == PlanItemState.CARRIED_OVER
    with pytest.raises(DomainError, match="already"):
        services.carry_over(item, acting_user=acts.staff)


def test_foreign_activity_cannot_be_linked(acts, plan):
    item = services.add_item(plan, kind="survey", topic="调研", month=5, acting_user=acts.staff)
    other = services.create_activity(
        congress=acts.c_b,
        kind="survey",
        topic="枫林调研",
        starts_on=acts.today,
        acting_user=acts.other_staff,
    )
    with pytest.raises(DomainError, match="this congress"):
        services.link_activity(item, other, acting_user=acts.staff)


def test_publish_and_docx(acts, plan):
    with pytest.raises(DomainError, match="with its items"):
        services.set_published(plan, published=True, acting_user=acts.staff)
    services.add_item(plan, kind="training", topic="履职培训", month=6, acting_user=acts.staff)
    services.set_published(plan, published=True, acting_user=acts.staff)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED and plan.published_at
    from docx import Document

    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(services.plan_docx(plan))).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "履职培训" in text


@pytest.mark.parametrize(
    ("persona", "page", "item_action"),
    [
        ("staff", 200, 200),
        ("leader", 200, 403),
        ("other_town_staff", 200, 404),
        ("deputy", 404, 404),
        ("citizen", 404, 404),
    ],
)
def test_plan_pages_permissions(acts, plan, personas, persona, page, item_action):
    item = services.add_item(plan, kind="survey", topic="调研", month=5, acting_user=acts.staff)
    client = Client()
    client.force_login(personas[persona])
    url = reverse("activities:plan") + f"?congress={acts.c_a.pk}&year={plan.year}"
    assert client.get(url).status_code == page
    action = reverse("activities:plan_item", args=[item.pk, "link"])
    assert client.get(action).status_code == item_action


def test_plan_page_adds_items_and_exports(acts, plan):
    client = Client()
    client.force_login(acts.staff)
    url = reverse("activities:plan") + f"?congress={acts.c_a.pk}&year={plan.year}"
    response = client.post(url, {"kind": "survey", "topic": "专题调研", "month": 4})
    assert response.status_code == 302 and plan.items.filter(topic="专题调研").exists()
    export = client.get(url + "&format=docx")
    assert export.status_code == 200 and export["Content-Disposition"].endswith('.docx"')
