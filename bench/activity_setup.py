"""Run inside the benchmark's Django (`manage.py shell -c`): prepare a training with N invited
deputies (each with an account and a signed-in session) and its check-in code, and check
afterwards what was stored — N attendances by code, N participation events with the
training's hours, one per deputy. Prints JSON."""

from __future__ import annotations

import json
import secrets
from decimal import Decimal

HOURS = Decimal("3.5")


def prepare(n: int) -> None:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from renda.activities import services
    from renda.activities.models import ActivityKind
    from renda.congress.models import (
        Congress,
        CongressLevel,
        Deputy,
        DeputyMembership,
        Gender,
        Role,
        RoleGrant,
        Term,
    )
    from renda.core.models import Region, RegionLevel

    users = get_user_model()
    tag = secrets.token_hex(3)
    today = timezone.localdate()
    region = Region.objects.add_root(
        create_kwargs={"code": f"96{tag}", "name": f"基准镇{tag}", "level": RegionLevel.TOWN}
    )
    congress = Congress.objects.create(
        name=f"基准镇{tag}人民代表大会", level=CongressLevel.TOWN, region=region
    )
    term = Term.objects.create(
        congress=congress,
        ordinal=1,
        start_date=today.replace(year=today.year - 1),
        end_date=today.replace(year=today.year + 4),
        is_current=True,
    )
    staff = users.objects.create_user(username=f"bench-staff-{tag}", password=None)
    RoleGrant.objects.create(user=staff, role=Role.STAFF, congress=congress)
    accounts = users.objects.bulk_create(
        [
            users(username=f"bench-{tag}-{i}", name=f"代表{i}", password="!")  # noqa: S106 - unusable
            for i in range(n)
        ]
    )
    deputies = Deputy.objects.bulk_create(
        [
            Deputy(name=f"代表{i}", gender=Gender.MALE, residence=region, user=user)
            for i, user in enumerate(accounts)
        ]
    )
    DeputyMembership.objects.bulk_create(
        [
            DeputyMembership(deputy=d, term=term, congress=congress, start_date=term.start_date)
            for d in deputies
        ]
    )
    training = services.create_activity(
        congress=congress,
        kind=ActivityKind.TRAINING,
        topic="代表履职培训（基准）",
        starts_on=today,
        lecturer="培训讲师",
        hours=HOURS,
        acting_user=staff,
    )
    services.invite(training, deputies, acting_user=staff)
    training = services.announce(training, acting_user=staff)
    code = services.checkin_code(training, acting_user=staff)
    backend = "renda.core.auth.UserBackend"
    sessions = []
    for user in accounts:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    print(json.dumps({"activity": training.pk, "code": code, "sessions": sessions}))


def stored(activity_id: int) -> None:
    from django.db.models import Count, Sum

    from renda.activities.models import CheckinMethod, Invitation, InvitationStatus, Participation
    from renda.core.models import ActionLog

    invitations = Invitation.objects.filter(activity_id=activity_id)
    events = Participation.objects.filter(activity_id=activity_id)
    per_deputy = events.values("deputy_id").annotate(n=Count("id"))
    print(
        json.dumps(
            {
                "attended": invitations.filter(
                    status=InvitationStatus.ATTENDED, checkin_method=CheckinMethod.QR
                ).count(),
                "participations": events.count(),
                "deputies": per_deputy.count(),
                "duplicates": per_deputy.filter(n__gt=1).count(),
                "hours": str(events.aggregate(s=Sum("hours"))["s"] or 0),
                "wrong_hours": events.exclude(hours=HOURS).count(),
                "audited": ActionLog.objects.filter(
                    action="activity.participation",
                    object_id__in=[str(pk) for pk in events.values_list("pk", flat=True)],
                ).count(),
            }
        )
    )
