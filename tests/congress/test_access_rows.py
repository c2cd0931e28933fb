"""The hand-written access statement (renda.congress.policy._access_rows, read on every
signed-in request) against the ORM's definitions it replaces: a user's active grants in
active congresses, the deputy seats active today (DeputyMembership.objects.active_on) and
whether a confirmed second-factor device of any kind exists (django-otp)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from renda.congress import policy
from renda.congress.models import (
    Deputy,
    DeputyMembership,
    Gender,
    MembershipStatus,
    Role,
    RoleGrant,
)

pytestmark = pytest.mark.django_db


def _expected(user) -> set[tuple[str, int, int | None]]:  # noqa: ANN001
    rows = {
        (g.role, g.congress_id, g.department_id)
        for g in RoleGrant.objects.filter(user=user, is_active=True, congress__is_active=True)
    }
    rows |= {
        ("", m.congress_id, None)
        for m in DeputyMembership.objects.active_on().filter(deputy__user=user)
    }
    if any(True for _ in devices_for_user(user, confirmed=True)):
        rows.add(("#device", 0, None))
    return rows


def _rows(user) -> set[tuple[str, int, int | None]]:  # noqa: ANN001
    rows = policy._access_rows(user)
    assert len(rows) == len(set(rows))
    return set(rows)


def _seat(world, user, **kwargs):  # noqa: ANN001, ANN202
    deputy = Deputy.objects.create(name=f"代表{user.pk}", gender=Gender.MALE, user=user)
    values = {"term": world.term_a, "start_date": world.term_a.start_date, **kwargs}
    return DeputyMembership.objects.create(deputy=deputy, **values)


def test_every_persona_reads_what_the_orm_defines(world):
    TOTPDevice.objects.create(user=world.staff, name="phone", confirmed=True)
    users = [
        world.staff,
        world.leader,
        world.handler_a,
        world.deputy_user,
        world.district_admin,
        world.citizen,
        world.superuser,
    ]
    for user in users:
        assert _rows(user) == _expected(user), user.username
    assert ("#device", 0, None) in _rows(world.staff)
    assert _rows(world.deputy_user) == {("", world.c_a.pk, None)}
    assert _rows(world.handler_a) == {(Role.HANDLER, world.c_a.pk, world.dept_a1.pk)}
    assert _rows(world.citizen) == set()


def test_inactive_grants_and_congresses_and_seats_outside_today_are_left_out(world):
    today = timezone.localdate()
    user = world.citizen
    RoleGrant.objects.create(user=user, role=Role.STAFF, congress=world.c_b, is_active=False)
    RoleGrant.objects.create(user=user, role=Role.LEADER, congress=world.c_a)
    grant = RoleGrant.objects.create(user=user, role=Role.AUDITOR, congress=world.c_district)
    world.c_district.is_active = False
    world.c_district.save(update_fields=["is_active"])
    seat = _seat(world, user, start_date=today, end_date=today)  # one day: today counts
    assert (
        _rows(user)
        == _expected(user)
        == {
            (Role.LEADER, world.c_a.pk, None),
            ("", world.c_a.pk, None),
        }
    )
    assert grant.pk  # kept, only its congress is inactive

    seat.end_date = today - dt.timedelta(days=1)
    seat.start_date = today - dt.timedelta(days=9)
    seat.save(update_fields=["start_date", "end_date"])
    assert _rows(user) == _expected(user) == {(Role.LEADER, world.c_a.pk, None)}

    seat.start_date = today + dt.timedelta(days=1)
    seat.end_date = None
    seat.save(update_fields=["start_date", "end_date"])
    assert ("", world.c_a.pk, None) not in _rows(user)

    seat.start_date = today
    seat.status = MembershipStatus.RESIGNED
    seat.save(update_fields=["start_date", "status"])
    assert _rows(user) == _expected(user) == {(Role.LEADER, world.c_a.pk, None)}


def test_only_a_confirmed_device_of_either_kind_counts(world):
    user = world.leader
    TOTPDevice.objects.create(user=user, name="unconfirmed", confirmed=False)
    StaticDevice.objects.create(user=world.staff, name="someone else's", confirmed=True)
    assert ("#device", 0, None) not in _rows(user)
    static = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    assert _rows(user) == _expected(user)
    assert ("#device", 0, None) in _rows(user)
    static.confirmed = False
    static.save(update_fields=["confirmed"])
    assert _rows(user) == _expected(user)
    assert ("#device", 0, None) not in _rows(user)


def test_access_reads_once_per_user_object(world, django_assert_num_queries):
    user = world.staff
    policy.forget(user)
    with django_assert_num_queries(1):
        policy.access(user)
        policy.access(user)
        assert policy.roles(user) == {Role.STAFF}


def test_users_with_role_reads_what_the_orm_defines(world):
    from django.contrib.auth import get_user_model

    def expected(role, congress_id, department_id=None):  # noqa: ANN001, ANN202
        grants = RoleGrant.objects.filter(role=role, congress_id=congress_id, is_active=True)
        if department_id is not None:
            grants = grants.filter(department_id=department_id)
        users = get_user_model().objects.filter(is_active=True, grants__in=grants).distinct()
        return sorted(users, key=lambda u: u.pk)

    second = get_user_model().objects.create_user(username="staff_a2", password=None)
    RoleGrant.objects.create(user=second, role=Role.STAFF, congress=world.c_a)
    RoleGrant.objects.create(
        user=second, role=Role.HANDLER, congress=world.c_a, department=world.dept_a1
    )
    gone = get_user_model().objects.create_user(
        username="staff_gone", password=None, is_active=False
    )
    RoleGrant.objects.create(user=gone, role=Role.STAFF, congress=world.c_a)
    ended = get_user_model().objects.create_user(username="staff_ended", password=None)
    RoleGrant.objects.create(user=ended, role=Role.STAFF, congress=world.c_a, is_active=False)
    cases = [
        (Role.STAFF, world.c_a.pk, None),
        (Role.STAFF, world.c_b.pk, None),
        (Role.HANDLER, world.c_a.pk, world.dept_a1.pk),
        (Role.HANDLER, world.c_a.pk, world.dept_a2.pk),
        (Role.LEADER, world.c_district.pk, None),
    ]
    for role, congress_id, department_id in cases:
        got = policy.users_with_role(role, congress_id, department_id)
        want = expected(role, congress_id, department_id)
        assert [u.pk for u in got] == [u.pk for u in want], (role, congress_id)
        for mine, theirs in zip(got, want, strict=True):
            assert {f.attname: getattr(mine, f.attname) for f in mine._meta.concrete_fields} == {
                f.attname: getattr(theirs, f.attname) for f in theirs._meta.concrete_fields
            }
    assert [u.username for u in policy.users_with_role(Role.STAFF, world.c_a.pk)] == [
        "staff_a",
        "staff_a2",
    ]
