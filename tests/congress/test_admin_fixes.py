"""Back-office fixes of issue 13 (finding 8): the case rules list opens, and a portal
site's parent is a higher congress's site, never itself, and survives an unchanged save."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from renda.cases.models import CaseRules
from renda.portal.models import Site
from tests.fixtures import portal as portal_fixtures

portal_world = portal_fixtures.portal_world  # the fixture, shared with the portal tests


@pytest.mark.parametrize(
    ("persona", "towns"),
    [
        ("admin", {"清河镇"}),
        ("staff", {"清河镇"}),
        ("auditor", {"清河镇"}),
        ("other_town_staff", {"枫林镇"}),
        ("district_admin", {"清河镇", "枫林镇"}),
        ("superuser", {"清河镇", "枫林镇"}),
    ],
)
def test_the_case_rules_list_opens_scoped(client, world, personas, persona, towns):
    for congress in (world.c_a, world.c_b):
        CaseRules.for_congress(congress.pk)
    client.force_login(personas[persona])
    response = client.get(reverse("admin:cases_caserules_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert {town for town in ("清河镇", "枫林镇") if f"{town}人民代表大会" in page} == towns


def _parent_options(page: str) -> dict[str, bool]:
    """The parent select's options: value → selected."""
    select = re.search(r'<select name="parent"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    return {
        value: bool(selected)
        for value, selected in re.findall(r'<option value="(\d*)"( selected)?', select.group(1))
    }


def _form_data(site: Site, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "congress": site.congress_id,
        "parent": site.parent_id or "",
        "name": site.name,
        "slug": site.slug,
        "header_title": site.header_title,
        "footer_text": site.footer_text,
        "author_roles": site.author_roles,
        "reviewer_roles": site.reviewer_roles,
        "approver_roles": site.approver_roles,
        "require_approval": "on" if site.require_approval else "",
        "position": site.position,
        "is_active": "on" if site.is_active else "",
        "links-TOTAL_FORMS": 0,
        "links-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["admin", "staff", "district_admin", "superuser"])
@pytest.mark.usefixtures("portal_world")
def test_a_town_site_keeps_its_district_parent_on_an_unchanged_save(
    client,
    world,
    personas,
    persona,
):
    site, root = world.portal.site_a, world.portal.root
    client.force_login(personas[persona])
    url = reverse("admin:portal_site_change", args=[site.pk])
    options = _parent_options(client.get(url).content.decode())
    assert options.get(str(root.pk)) is True  # shown as the current parent
    assert str(site.pk) not in options  # never its own parent
    assert str(world.portal.site_b.pk) not in options  # a sibling is not a parent

    response = client.post(url, _form_data(site))
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.parent_id == root.pk


@pytest.mark.usefixtures("portal_world")
def test_the_district_site_is_not_offered_itself_as_parent(client, world):
    root = world.portal.root
    client.force_login(world.district_admin)
    url = reverse("admin:portal_site_change", args=[root.pk])
    options = _parent_options(client.get(url).content.decode())
    assert set(options) == {""}  # the district congress has no higher congress with a site

    response = client.post(url, _form_data(root, parent=root.pk))
    assert response.status_code == 200  # shown again with the error
    root.refresh_from_db()
    assert root.parent_id is None


@pytest.mark.usefixtures("portal_world")
def test_a_site_cannot_be_hung_under_a_sibling(client, world):
    site, sibling = world.portal.site_a, world.portal.site_b
    client.force_login(world.district_admin)
    url = reverse("admin:portal_site_change", args=[site.pk])
    response = client.post(url, _form_data(site, parent=sibling.pk))
    assert response.status_code == 200
    site.refresh_from_db()
    assert site.parent_id == world.portal.root.pk
