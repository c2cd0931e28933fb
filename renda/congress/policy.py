"""The policy module: may user U do action A on object O?

Every answer comes from two facts: the user's role grants (role + congress [+ department])
and their active deputy memberships. Permissions are named actions mapped to the roles
that hold them; a grant on a congress covers that congress, and for the administrator and
auditor roles also the congresses below it (a district's administrator runs its towns).

Views and QuerySets ask here (`Model.objects.visible_to(user)`, `can(...)`); nothing
else looks at grants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from renda.congress.models import Congress, DeputyMembership, Role, RoleGrant

BACK_OFFICE = frozenset({Role.STAFF, Role.LEADER, Role.ADMIN, Role.AUDITOR})

# action → roles that may perform it within their scope.
PERMISSIONS: dict[str, frozenset[str]] = {
    # Read the congress's reference data (terms, sessions, deputies, departments...).
    "congress.view": BACK_OFFICE,
    # Create and edit reference data of the congress.
    "reference.change": frozenset({Role.STAFF, Role.ADMIN}),
    # Congresses and regions themselves: configuration.
    "configuration.change": frozenset({Role.ADMIN}),
    # Accounts and role grants.
    "accounts.manage": frozenset({Role.ADMIN}),
    # The audit log: auditors only (separation of duties from the administrator).
    "audit.read": frozenset({Role.AUDITOR}),
    # See a deputy's full phone number (each reveal is logged).
    "deputy.reveal_phone": frozenset({Role.STAFF, Role.LEADER}),
    # Import and export the deputy roster.
    "roster.import": frozenset({Role.STAFF, Role.ADMIN}),
    "roster.export": frozenset({Role.STAFF, Role.LEADER, Role.ADMIN}),
    # Cases (public opinions, suggestions): read, triage and assign, supervise.
    "case.view": frozenset({Role.STAFF, Role.LEADER}),
    # Enter an opinion for a visitor, a caller or a letter (deputies may too, by membership).
    "case.enter": frozenset({Role.STAFF, Role.STATION_MANAGER}),
    "case.manage": frozenset({Role.STAFF}),
    "case.supervise": frozenset({Role.STAFF, Role.LEADER}),
    "case.reveal_contact": frozenset({Role.STAFF, Role.LEADER}),
    # Polls (appraisals, project votes, resolutions): prepare, open, count, close.
    "poll.manage": frozenset({Role.STAFF}),
    # Liaison stations: read the network, rosters, receptions and figures; run every
    # station of the congress (office staff); run the stations one is staff of (managers).
    "station.view": frozenset({Role.STAFF, Role.LEADER, Role.STATION_MANAGER}),
    "station.manage": frozenset({Role.STAFF}),
    "station.run": frozenset({Role.STATION_MANAGER}),
    # Livelihood projects: read the pool, batches and projects; run them.
    "project.view": frozenset({Role.STAFF, Role.LEADER}),
    "project.manage": frozenset({Role.STAFF}),
    # Deputies' activities (inspections, surveys, law checks, trainings): read; run them.
    "activity.view": frozenset({Role.STAFF, Role.LEADER}),
    "activity.manage": frozenset({Role.STAFF}),
    # Read polls, their electorate and frozen results in the office (leaders follow them).
    "poll.view": frozenset({Role.STAFF, Role.LEADER}),
    # Performance reviews and appraisals: read (leaders), prepare, rate, follow up (office).
    "appraisal.view": frozenset({Role.STAFF, Role.LEADER}),
    "appraisal.manage": frozenset({Role.STAFF}),
    # The portal's back office (who writes, reviews, approves is configured per site) and
    # its configuration (sites, channels, link bar).
    "portal.view": frozenset({Role.STAFF, Role.LEADER, Role.ADMIN}),
    "portal.configure": frozenset({Role.STAFF, Role.ADMIN}),
    # Deputies' service records and points: read (leaders follow them); the points table
    # (the office or the administrator).
    "record.view": frozenset({Role.STAFF, Role.LEADER}),
    "record.manage": frozenset({Role.STAFF, Role.ADMIN}),
    # The presidium's annual work report: read its figures and evidence (leaders); enter
    # external publications, write its texts, draft and upload its versions (office).
    "report.view": frozenset({Role.STAFF, Role.LEADER}),
    "report.manage": frozenset({Role.STAFF}),
}

# Grants of these roles reach the congresses below the granted one.
SUBTREE_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})

# 三级联动: a district's office (staff, leader) follows every town below it, read-only.
# These read permissions reach the congresses below a county-level grant of those roles in
# `readable_congress_ids` (and so in every `visible_to`); every other permission, and
# `can()` itself, stays within the granted congress: a district user never acts in a town.
DISTRICT_READ_PERMS = frozenset(
    {
        "congress.view",
        "case.view",
        "case.supervise",
        "station.view",
        "project.view",
        "poll.view",
        "appraisal.view",
        "report.view",
    }
)
DISTRICT_ROLES = frozenset({Role.STAFF, Role.LEADER})


@dataclass
class Access:
    """What one user holds, computed once per request."""

    grants: list[tuple[str, int, int | None]] = field(default_factory=list)
    # role → congress ids covered (after subtree expansion)
    by_role: dict[str, set[int]] = field(default_factory=dict)
    deputy_congress_ids: set[int] = field(default_factory=set)
    # The towns below the district congresses where the user is office staff or leader
    # (computed on first use): followed read-only (DISTRICT_READ_PERMS).
    district_towns: set[int] | None = None
    # Whether the user has a confirmed second-factor device (django-otp, any kind): read
    # with the grants, for the two-factor check of every signed-in request.
    has_device: bool = False


def _descendant_congress_ids(root_ids: Iterable[int]) -> set[int]:
    """Congresses below the given ones, one query per level of the tree (at most four)."""
    found: set[int] = set()
    frontier = set(root_ids)
    while frontier:
        children = set(Congress.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = children - found
        found |= children
    return found


_SEAT = ""  # no role is the empty string
_DEVICE = "#device"  # nor this


@cache
def _access_sql() -> str:
    """The statement of `_access_rows`, written out once per process: building it with the
    ORM (a three-part UNION with an EXISTS per device kind) cost a signed-in request more
    CPU than any other single step of the ballot cast (docs/ballots.md). Table and column
    names come from the models; the parameters are bound per request."""
    from django_otp import device_classes

    grant, congress = RoleGrant._meta, Congress._meta
    seat = DeputyMembership._meta
    deputy = seat.get_field("deputy").related_model._meta
    parts = [
        # Table names from the models' meta; every value is a bound parameter.
        f"SELECT g.role, g.congress_id, g.department_id FROM {grant.db_table} g "  # noqa: S608
        f"JOIN {congress.db_table} c ON c.id = g.congress_id "
        "WHERE g.user_id = %(user)s AND g.is_active = %(yes)s AND c.is_active = %(yes)s",
        f"SELECT %(seat)s, m.congress_id, NULL FROM {seat.db_table} m "  # noqa: S608
        f"JOIN {deputy.db_table} d ON d.id = m.deputy_id "
        "WHERE d.user_id = %(user)s AND %(active)s = m.status AND m.start_date <= %(day)s "
        "AND (m.end_date IS NULL OR m.end_date >= %(day)s)",
    ]
    devices = [
        f"EXISTS (SELECT 1 FROM {model._meta.db_table} "  # noqa: S608
        "WHERE user_id = %(user)s AND confirmed = %(yes)s)"
        for model in device_classes()
    ]
    if devices:
        parts.append(f"SELECT %(device)s, 0, NULL WHERE {' OR '.join(devices)}")
    # No ORDER BY inside the UNION (SQLite refuses it; the order does not matter here).
    return " UNION ALL ".join(parts)


def _access_rows(user: Any) -> list[tuple[str, int, int | None]]:
    """(role, congress, department) of the user's active grants (in an active congress),
    (_SEAT, congress, None) of their deputy seats active today, and (_DEVICE, 0, None) if
    they have a confirmed second-factor device: one UNION ALL query, asked on every
    signed-in request (`tests/congress/test_access_rows.py` holds it to the ORM's
    definitions: RoleGrant, DeputyMembership.objects.active_on, django-otp's devices)."""
    from renda.congress.models import MembershipStatus

    connection = connections[router.db_for_read(RoleGrant)]
    params = {
        "user": user.pk,
        "yes": True,
        "seat": _SEAT,
        "device": _DEVICE,
        "active": MembershipStatus.ACTIVE.value,
        "day": connection.ops.adapt_datefield_value(timezone.localdate()),
    }
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(), params)
        return [(str(r), int(c), d) for r, c, d in cursor.fetchall()]


def access(user: Any) -> Access:
    if user is None or not getattr(user, "is_authenticated", False):
        return Access()
    cached = getattr(user, "_renda_access", None)
    if cached is not None:
        return cached
    grants: list[tuple[str, int, int | None]] = []
    deputy_ids: set[int] = set()
    has_device = False
    for role, congress_id, department_id in _access_rows(user):
        if role == _SEAT:
            deputy_ids.add(congress_id)
        elif role == _DEVICE:
            has_device = True
        else:
            grants.append((role, congress_id, department_id))
    by_role: dict[str, set[int]] = {}
    for role, congress_id, _dept in grants:
        by_role.setdefault(role, set()).add(congress_id)
    for role in SUBTREE_ROLES:
        if role in by_role:
            by_role[role] |= _descendant_congress_ids(by_role[role])
    result = Access(
        grants=grants, by_role=by_role, deputy_congress_ids=deputy_ids, has_device=has_device
    )
    user._renda_access = result
    return result


def forget(user: Any) -> None:
    """Drop the cached access of a user object (after grants changed)."""
    if hasattr(user, "_renda_access"):
        del user._renda_access


def roles(user: Any) -> set[str]:
    """Every role the user holds somewhere ('deputy' included)."""
    acc = access(user)
    out = set(acc.by_role)
    if acc.deputy_congress_ids:
        out.add("deputy")
    return out


def congress_ids(user: Any, perm: str) -> set[int]:
    """Congresses in which the user may perform `perm`."""
    allowed_roles = PERMISSIONS[perm]
    acc = access(user)
    ids: set[int] = set()
    for role in allowed_roles:
        ids |= acc.by_role.get(role, set())
    return ids


def district_town_ids(user: Any) -> set[int]:
    """The congresses below the district (county-level) congresses in which the user is
    office staff or leader: what they follow read-only. Cached with the user's access."""
    acc = access(user)
    if acc.district_towns is None:
        roots: set[int] = set()
        for role in DISTRICT_ROLES:
            roots |= acc.by_role.get(role, set())
        county = (
            set(Congress.objects.filter(pk__in=roots, level="county").values_list("id", flat=True))
            if roots
            else set()
        )
        acc.district_towns = _descendant_congress_ids(county) if county else set()
    return acc.district_towns


def readable_congress_ids(user: Any, perm: str) -> set[int]:
    """Congresses whose records the user may read under `perm`: where they may perform it,
    and for a read permission also the towns their district office follows (read-only)."""
    ids = congress_ids(user, perm)
    if perm in DISTRICT_READ_PERMS:
        ids = ids | district_town_ids(user)
    return ids


def read_only_in(user: Any, congress_id: int | None, perm: str) -> bool:
    """True if the user reads this congress only as its district (no action offered)."""
    return congress_id not in congress_ids(user, perm) and congress_id in district_town_ids(user)


def can_read(user: Any, perm: str, obj: Any = None) -> bool:
    """May `user` read under `perm` (anywhere, or `obj`'s congress)? Never grants an action."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_superuser(user):
        return True
    ids = readable_congress_ids(user, perm)
    return bool(ids) if obj is None else scope_of(obj) in ids


def department_ids(user: Any) -> set[int]:
    """Departments the user handles cases for."""
    return {dept for role, _c, dept in access(user).grants if role == Role.HANDLER and dept}


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) and getattr(user, "is_active", False))


def can(user: Any, perm: str, obj: Any = None) -> bool:
    """May `user` perform `perm` on `obj` (or anywhere, when obj is None)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_superuser(user):
        # The platform operator (createsuperuser) is root of the installation.
        return True
    ids = congress_ids(user, perm)
    if obj is None:
        return bool(ids)
    congress_id = scope_of(obj)
    return congress_id in ids


def scope_of(obj: Any) -> int | None:
    if isinstance(obj, Congress):
        return obj.pk
    resolver = getattr(obj, "audit_congress_id", None)
    if callable(resolver):
        return resolver()
    return getattr(obj, "congress_id", None)


def is_back_office(user: Any) -> bool:
    if is_superuser(user):
        return True
    return bool(roles(user) & BACK_OFFICE)


def two_factor_required(user: Any) -> bool:
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if not required:
        return False
    if is_superuser(user) and "admin" in required:
        return True
    return bool(roles(user) & required)


def users_with_role(role: str, congress_id: int, department_id: int | None = None) -> list[Any]:
    """Active users holding an active grant of `role` in a congress (and department), each
    once, by id: the recipients of most notifications, read by a statement written once
    per process (renda.core.rawjoin; every public submission asks it).
    `tests/congress/test_access_rows.py` holds it to the ORM's definition."""
    from renda.core import rawjoin

    params: dict[str, Any] = {
        "yes": True,
        "role": role,
        "congress": congress_id,
        "department": department_id,
    }
    using = router.db_for_read(RoleGrant)
    sql = _users_with_role_sql(department_id is not None)
    return [row[0] for row, _rest in rawjoin.fetch(sql, params, _user_parts(), using)]


@cache
def _user_parts() -> tuple[Any, ...]:
    from django.contrib.auth import get_user_model

    from renda.core import rawjoin

    return (rawjoin.Part(get_user_model(), "u"),)


@cache
def _users_with_role_sql(by_department: bool) -> str:
    from renda.core import rawjoin

    department = " AND g.department_id = %(department)s" if by_department else ""
    users = _user_parts()
    return (
        f"SELECT {rawjoin.select(users)} FROM {users[0].model._meta.db_table} u "  # noqa: S608
        f"WHERE u.is_active = %(yes)s AND EXISTS (SELECT 1 FROM {RoleGrant._meta.db_table} g "
        "WHERE g.user_id = u.id AND g.role = %(role)s AND g.congress_id = %(congress)s "
        f"AND g.is_active = %(yes)s{department}) ORDER BY u.id"
    )


def handlers_by_department(department_ids: Iterable[int]) -> dict[int, list[Any]]:
    """department id → its active handlers, in one query."""
    out: dict[int, list[Any]] = {}
    grants = RoleGrant.objects.filter(
        role=Role.HANDLER,
        department_id__in=list(department_ids),
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    for grant in grants:
        if grant.department_id is not None:
            out.setdefault(grant.department_id, []).append(grant.user)
    return out
