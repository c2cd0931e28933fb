"""Rules of the congress domain (DOMAIN.md §1): terms, sessions, memberships, presidium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from renda.congress import services
from renda.congress.models import (
    DeputyMembership,
    MembershipStatus,
    PresidiumMembership,
    PresidiumRole,
    Role,
    RoleGrant,
    Session,
    Term,
)
from renda.core.errors import DomainError
from renda.core.models import ActionLog


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_membership_starting_outside_its_term_is_rejected(world):
    m = DeputyMembership(deputy=world.deputy_b, term=world.term_a, start_date=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "start_date" in exc.value.message_dict


def test_membership_ending_after_its_term_is_rejected(world):
    m = DeputyMembership(
        deputy=world.deputy_b,
        term=world.term_a,
        start_date=world.term_a.start_date,
        end_date=dt.date(2030, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "end_date" in exc.value.message_dict


def test_membership_with_another_congress_constituency_is_rejected(world):
    m = DeputyMembership(
        deputy=world.deputy_b,
        term=world.term_a,
        start_date=world.term_a.start_date,
        constituency=world.constituency_b,
    )
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert "constituency" in exc.value.message_dict


def test_one_person_may_sit_in_two_congresses_but_once_per_term(world):
    district = DeputyMembership(
        deputy=world.deputy_a, term=world.term_district, start_date=world.term_district.start_date
    )
    district.full_clean()
    district.save()
    assert district.congress_id == world.c_district.pk  # taken from the term
    twice = DeputyMembership(
        deputy=world.deputy_a, term=world.term_a, start_date=world.term_a.start_date
    )
    with pytest.raises(ValidationError):
        twice.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twice.save()


def test_two_current_terms_for_one_congress_are_rejected_with_a_clear_message(world):
    term = Term(
        congress=world.c_a,
        ordinal=21,
        start_date=dt.date(2026, 12, 28),
        end_date=dt.date(2031, 12, 27),
        is_current=True,
    )
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            term.full_clean()
        assert "already has a current term" in _messages(exc.value)
    # And the database says no as well, whatever path tries it.
    with pytest.raises(IntegrityError), transaction.atomic():
        term.save()


def test_overlapping_terms_are_rejected(world):
    term = Term(
        congress=world.c_a, ordinal=19, start_date=dt.date(2017, 1, 1), end_date=dt.date(2022, 1, 1)
    )
    with pytest.raises(ValidationError) as exc:
        term.full_clean()
    assert "start_date" in exc.value.message_dict


def test_a_term_longer_than_five_years_is_rejected(world):
    term = Term(
        congress=world.c_a,
        ordinal=21,
        start_date=dt.date(2026, 12, 28),
        end_date=dt.date(2033, 1, 1),
    )
    with pytest.raises(ValidationError) as exc:
        term.full_clean()
    assert "end_date" in exc.value.message_dict


def test_a_session_outside_its_term_is_rejected(world):
    session = Session(
        term=world.term_a, ordinal=9, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 2)
    )
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            session.full_clean()
        assert "届" in _messages(exc.value)


def test_the_admin_shows_the_session_error_and_saves_nothing(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("admin:congress_session_add"),
        {
            "term": world.term_a.pk,
            "ordinal": 9,
            "kind": "regular",
            "start_date": "2027-03-01",
            "end_date": "2027-03-02",
            "agenda_items-TOTAL_FORMS": "0",
            "agenda_items-INITIAL_FORMS": "0",
            "presidium-TOTAL_FORMS": "0",
            "presidium-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Session.objects.filter(ordinal=9).exists()


def test_presidium_chair_may_not_hold_a_government_post(world):
    world.deputy_a.holds_government_post = True
    world.deputy_a.save()
    seat = PresidiumMembership(
        session=world.session_a, deputy=world.deputy_a, role=PresidiumRole.CHAIR
    )
    with pytest.raises(ValidationError) as exc:
        seat.full_clean()
    assert "role" in exc.value.message_dict


def test_presidium_seat_needs_an_active_deputy_of_the_term(world):
    seat = PresidiumMembership(
        session=world.session_a, deputy=world.deputy_b, role=PresidiumRole.MEMBER
    )
    with pytest.raises(ValidationError):
        seat.full_clean()


def test_a_handler_grant_must_name_a_department_of_the_same_congress(world):
    with pytest.raises(ValidationError):
        RoleGrant(user=world.citizen, role=Role.HANDLER, congress=world.c_a).full_clean()
    with pytest.raises(ValidationError):
        RoleGrant(
            user=world.citizen, role=Role.HANDLER, congress=world.c_a, department=world.dept_b1
        ).full_clean()
    RoleGrant(
        user=world.citizen, role=Role.HANDLER, congress=world.c_a, department=world.dept_a2
    ).full_clean()


def test_set_current_term_moves_the_flag_and_logs_both(world):
    old = world.term_a
    old_19 = Term.objects.create(
        congress=world.c_a,
        ordinal=19,
        start_date=dt.date(2016, 12, 20),
        end_date=dt.date(2021, 12, 27),
    )
    services.set_current_term(old_19, acting_user=world.staff)
    old.refresh_from_db()
    old_19.refresh_from_db()
    assert old_19.is_current and not old.is_current
    actions = set(ActionLog.objects.values_list("action", flat=True))
    assert {"term.current_set", "term.current_unset"} <= actions


def test_end_membership_records_status_date_reason_and_audit(world):
    services.end_membership(
        world.membership_a,
        status=MembershipStatus.RESIGNED,
        on=dt.date(2024, 5, 1),
        reason="工作调动",
        acting_user=world.staff,
    )
    m = DeputyMembership.objects.get(pk=world.membership_a.pk)
    assert (m.status, m.status_date, m.end_date, m.status_reason) == (
        "resigned",
        dt.date(2024, 5, 1),
        dt.date(2024, 5, 1),
        "工作调动",
    )
    entry = ActionLog.objects.get(action="membership.resigned")
    assert entry.changes["status"] == ["active", "resigned"]
    assert entry.actor == world.staff
    # One entry for the move, with every field it changed and the reason as its note.
    assert set(entry.changes) == {"status", "status_date", "status_reason", "end_date"}
    assert entry.changes["status_reason"] == ["", "工作调动"]
    assert entry.note == "工作调动"


@pytest.mark.parametrize(
    ("status", "on", "reason"),
    [
        ("resigned", dt.date(2024, 5, 1), ""),  # no reason
        ("resigned", dt.date(2030, 1, 1), "迁出"),  # outside the term
        ("active", dt.date(2024, 5, 1), "再次"),  # not a transition
    ],
)
def test_end_membership_refuses_bad_input_and_changes_nothing(world, status, on, reason):
    with pytest.raises(DomainError):
        services.end_membership(
            world.membership_a, status=status, on=on, reason=reason, acting_user=world.staff
        )
    m = DeputyMembership.objects.get(pk=world.membership_a.pk)
    assert m.status == "active" and m.end_date is None
    assert not ActionLog.objects.filter(action__startswith="membership.").exists()


def test_an_ended_membership_cannot_end_again(world):
    services.end_membership(
        world.membership_a,
        status="terminated",
        on=dt.date(2024, 5, 1),
        reason="违法",
        acting_user=world.staff,
    )
    with pytest.raises(DomainError):
        services.end_membership(
            world.membership_a,
            status="resigned",
            on=dt.date(2024, 6, 1),
            reason="x",
            acting_user=world.staff,
        )


def test_end_membership_through_the_admin(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_deputymembership_end", args=[world.membership_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "resigned", "on": "2024-05-01", "reason": "工作调动"})
    assert response.status_code == 302
    assert DeputyMembership.objects.get(pk=world.membership_a.pk).status == "resigned"
    # Another town's staff cannot even see the page.
    client.force_login(world.other_staff)
    assert client.get(url).status_code == 404


def test_the_admin_does_not_let_status_be_edited_directly(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_deputymembership_change", args=[world.membership_a.pk])
    client.post(
        url,
        {
            "deputy": world.deputy_a.pk,
            "term": world.term_a.pk,
            "start_date": "2021-12-28",
            "status": "terminated",
        },
    )
    assert DeputyMembership.objects.get(pk=world.membership_a.pk).status == "active"


def test_deputy_phone_is_masked_and_each_reveal_is_logged(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("admin:congress_deputy_changelist")).content.decode()
    assert "139****0001" in page
    assert "13900000001" not in page
    change = client.get(
        reverse("admin:congress_deputy_change", args=[world.deputy_a.pk])
    ).content.decode()
    assert "13900000001" not in change
    url = reverse("admin:congress_deputy_reveal_phone", args=[world.deputy_a.pk])
    assert "13900000001" not in client.get(url).content.decode()
    assert "13900000001" in client.post(url).content.decode()
    assert ActionLog.objects.filter(action="deputy.phone_revealed", actor=world.staff).count() == 1


def test_admin_cannot_reveal_phones_and_other_town_gets_404(client, world):
    url = reverse("admin:congress_deputy_reveal_phone", args=[world.deputy_a.pk])
    client.force_login(world.admin)
    assert client.post(url).status_code == 404
    client.force_login(world.other_staff)
    assert client.post(url).status_code == 404
    assert not ActionLog.objects.filter(action="deputy.phone_revealed").exists()


def test_changing_a_deputy_phone_through_the_admin(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_deputy_change", args=[world.deputy_a.pk])
    base = {
        "name": "王建国",
        "gender": "M",
        "ethnicity": "汉族",
        "party": "none",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    bad = client.post(url, {**base, "new_phone": "12345"})
    assert bad.status_code == 200
    world.deputy_a.refresh_from_db()
    assert world.deputy_a.phone == "13900000001"
    ok = client.post(url, {**base, "new_phone": "13800000009"})
    assert ok.status_code == 302, ok.content.decode()[:3000]
    world.deputy_a.refresh_from_db()
    assert world.deputy_a.phone == "13800000009"
    assert ActionLog.objects.get(action="deputy.updated").changes["phone"] == [
        "13900000001",
        "13800000009",
    ]
