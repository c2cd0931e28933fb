"""Permission matrix: every role against every core URL and object, including the
cross-congress 404 (another town's object is indistinguishable from a missing one)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renda.congress import policy

# Back-office changelists of the core objects.
REFERENCE_LISTS = [
    "core_region",
    "core_area",
    "congress_congress",
    "congress_term",
    "congress_session",
    "congress_constituency",
    "congress_deputygroup",
    "congress_deputy",
    "congress_deputymembership",
    "congress_department",
    "congress_official",
    "congress_rosterimport",
]
ACCOUNT_LISTS = ["core_user", "congress_rolegrant"]
AUDIT_LISTS = ["core_actionlog"]

NO_BACK_OFFICE = ["anonymous", "citizen", "deputy", "handler", "station_manager"]
BACK_OFFICE = [
    "staff",
    "leader",
    "admin",
    "auditor",
    "other_town_staff",
    "district_admin",
    "superuser",
]


def _status(client, user, url: str) -> int:
    if user is not None:
        client.force_login(user)
    return client.get(url).status_code


def _expected_list_status(persona: str, model: str) -> int:
    if persona in NO_BACK_OFFICE:
        return 302  # to the login page, which sends a signed-in user to their workspace
    if persona == "superuser":
        return 200
    if model in AUDIT_LISTS:
        return 200 if persona == "auditor" else 403
    if model in ACCOUNT_LISTS:
        return 200 if persona in ("admin", "district_admin") else 403
    return 200


@pytest.mark.parametrize("persona", NO_BACK_OFFICE + BACK_OFFICE)
@pytest.mark.parametrize("model", REFERENCE_LISTS + ACCOUNT_LISTS + AUDIT_LISTS)
def test_changelist_matrix(client, personas, persona, model):
    url = reverse(f"admin:{model}_changelist")
    assert _status(client, personas[persona], url) == _expected_list_status(persona, model)


# Objects of town A (清河镇) and of town B (枫林镇): (model, world attribute).
OBJECTS = [
    ("congress_congress", "c_a", "c_b"),
    ("congress_term", "term_a", "term_b"),
    ("congress_session", "session_a", "session_b"),
    ("congress_constituency", "constituency_a", "constituency_b"),
    ("congress_department", "dept_a1", "dept_b1"),
    ("congress_deputy", "deputy_a", "deputy_b"),
    ("congress_deputymembership", "membership_a", "membership_b"),
    ("core_region", "village_a", "village_b"),
]

# persona → expected status on (town A object, town B object)
OBJECT_EXPECTATIONS = {
    "staff": (200, 404),
    "leader": (200, 404),
    "admin": (200, 404),
    "auditor": (200, 404),
    "other_town_staff": (404, 200),
    "district_admin": (200, 200),
    "superuser": (200, 200),
    "handler": (302, 302),
    "deputy": (302, 302),
    "citizen": (302, 302),
    "station_manager": (302, 302),
    "anonymous": (302, 302),
}


@pytest.mark.parametrize("persona", list(OBJECT_EXPECTATIONS))
@pytest.mark.parametrize(("model", "own", "other"), OBJECTS)
def test_object_matrix(client, world, personas, persona, model, own, other):
    expected_own, expected_other = OBJECT_EXPECTATIONS[persona]
    user = personas[persona]
    own_url = reverse(f"admin:{model}_change", args=[getattr(world, own).pk])
    other_url = reverse(f"admin:{model}_change", args=[getattr(world, other).pk])
    assert _status(client, user, own_url) == expected_own
    assert _status(client, user, other_url) == expected_other


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("staff", 200), ("admin", 200), ("leader", 403), ("auditor", 403), ("other_town_staff", 200)],
)
def test_add_department_page(client, personas, persona, expected):
    # other_town_staff may add departments, but only to their own congress (see below).
    assert _status(client, personas[persona], reverse("admin:congress_department_add")) == expected


def test_department_choices_offer_only_the_users_congresses(client, world):
    client.force_login(world.other_staff)
    page = client.get(reverse("admin:congress_department_add")).content.decode()
    assert world.c_b.name in page
    assert world.c_a.name not in page


def test_staff_cannot_create_a_department_in_another_congress(client, world):
    client.force_login(world.other_staff)
    response = client.post(
        reverse("admin:congress_department_add"),
        {"congress": world.c_a.pk, "name": "越权部门", "kind": "town_office", "is_active": "on"},
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert not world.c_a.departments.filter(name="越权部门").exists()


def test_leader_may_read_but_not_change(client, world):
    client.force_login(world.leader)
    url = reverse("admin:congress_department_change", args=[world.dept_a1.pk])
    response = client.post(url, {"congress": world.c_a.pk, "name": "改名", "kind": "town_office"})
    assert response.status_code == 403
    world.dept_a1.refresh_from_db()
    assert world.dept_a1.name == "城乡建设办公室"


@pytest.mark.parametrize("persona", list(OBJECT_EXPECTATIONS))
def test_nothing_can_be_deleted_through_the_admin(client, world, personas, persona):
    user = personas[persona]
    url = reverse("admin:congress_department_delete", args=[world.dept_a1.pk])
    status = _status(client, user, url)
    assert status in (302, 403, 404)
    assert world.c_a.departments.filter(pk=world.dept_a1.pk).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("anonymous", 302), ("citizen", 200), ("deputy", 200), ("handler", 200), ("staff", 200)],
)
def test_workspace(client, personas, persona, expected):
    assert _status(client, personas[persona], reverse("congress:workspace")) == expected


def test_workspace_shows_a_deputy_their_memberships(client, world):
    client.force_login(world.deputy_user)
    page = client.get(reverse("congress:workspace")).content.decode()
    assert world.c_a.name in page
    assert world.constituency_a.name in page


def test_policy_scopes(world):
    assert policy.congress_ids(world.staff, "congress.view") == {world.c_a.pk}
    assert policy.congress_ids(world.district_admin, "accounts.manage") == {
        world.c_district.pk,
        world.c_a.pk,
        world.c_b.pk,
    }
    assert policy.congress_ids(world.admin, "audit.read") == set()
    assert policy.department_ids(world.handler_a) == {world.dept_a1.pk}
    assert policy.roles(world.deputy_user) == {"deputy"}
    assert not policy.can(world.handler_a, "congress.view", world.dept_a1)
    assert policy.can(world.staff, "reference.change", world.dept_a1)
    assert not policy.can(world.staff, "reference.change", world.dept_b1)


def test_visible_to_is_the_policy_for_lists(world):
    from renda.congress.models import Department, Deputy

    assert set(Department.objects.visible_to(world.staff)) == {world.dept_a1, world.dept_a2}
    assert set(Department.objects.visible_to(world.other_staff)) == {world.dept_b1}
    assert set(Deputy.objects.visible_to(world.staff)) == {world.deputy_a}
    assert not Department.objects.visible_to(world.citizen).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("staff", 200), ("admin", 200), ("leader", 404), ("auditor", 404), ("handler", 302)],
)
def test_roster_import_page(client, personas, persona, expected):
    assert (
        _status(client, personas[persona], reverse("admin:congress_deputymembership_import"))
        == expected
    )


def test_roster_export_of_another_congress_is_404(client, world):
    client.force_login(world.other_staff)
    url = reverse("admin:congress_deputymembership_export") + f"?term={world.term_a.pk}"
    response = client.get(url)
    # The unknown term is ignored; the page offers only the user's own terms.
    assert response.status_code == 200
    assert str(world.term_a.congress.name) not in response.content.decode()


@pytest.mark.parametrize(
    "model", ["congress_deputy", "congress_department", "congress_term", "core_area"]
)
def test_list_filters_do_not_name_other_towns(client, world, model):
    client.force_login(world.staff)
    page = client.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert world.c_b.name not in page
    assert world.town_b.name not in page


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("admin", 200), ("district_admin", 200), ("staff", 403), ("auditor", 403), ("handler", 302)],
)
def test_credential_lists_are_for_administrators(client, personas, persona, expected):
    client.force_login(personas[persona])
    assert client.get(reverse("admin:api_open311key_changelist")).status_code == expected
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == expected


def test_an_administrator_revokes_another_towns_key_only_within_scope(client, world):
    from renda.api.models import Open311Key

    key_b, _secret = Open311Key.issue(name="FL", congress=world.c_b)
    client.force_login(world.admin)  # administrator of town A
    assert client.get(reverse("admin:api_open311key_change", args=[key_b.pk])).status_code == 404
    client.force_login(world.district_admin)
    response = client.post(
        reverse("admin:api_open311key_change", args=[key_b.pk]), {"name": "FL", "is_active": ""}
    )
    assert response.status_code == 302
    key_b.refresh_from_db()
    assert not key_b.is_active
