"""Run inside the benchmark's Django (`manage.py shell -c`): prepare N voters with signed-in
sessions and an open poll, and check afterwards what was stored — N sealed ballots and N
participations — then close the poll with its key shares and check that N ballots were
opened. Prints JSON. (The key shares travel in this JSON: a throwaway benchmark poll.)"""

from __future__ import annotations

import json
import secrets


def prepare(n: int) -> None:
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from renda.ballots import services
    from renda.ballots.models import Method, Scale
    from renda.congress.models import Congress, CongressLevel, Role, RoleGrant
    from renda.core.models import Region, RegionLevel

    users = get_user_model()
    tag = secrets.token_hex(3)
    region = Region.objects.add_root(
        create_kwargs={"code": f"97{tag}", "name": f"基准镇{tag}", "level": RegionLevel.TOWN}
    )
    congress = Congress.objects.create(
        name=f"基准镇{tag}人民代表大会", level=CongressLevel.TOWN, region=region
    )
    staff = users.objects.create_user(username=f"bench-staff-{tag}", password=None)
    RoleGrant.objects.create(user=staff, role=Role.STAFF, congress=congress)
    voters = users.objects.bulk_create(
        [
            users(username=f"bench-{tag}-{i}", name=f"代表{i}", password="!")  # noqa: S106 - unusable
            for i in range(n)
        ]
    )
    poll = services.create_poll(
        congress=congress,
        title="基准测评",
        method=Method.RATING,
        scale=Scale.SATISFACTION,
        subjects=["副镇长甲", "副镇长乙", "城建办主任"],
        acting_user=staff,
    )
    opening = services.open_poll(
        poll, electorate=[(u, None, True) for u in voters], acting_user=staff
    )
    backend = "renda.core.auth.UserBackend"
    sessions = []
    for user in voters:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    subjects = list(poll.subjects.order_by("order").values_list("id", flat=True))
    print(
        json.dumps(
            {
                "poll": poll.pk,
                "subjects": subjects,
                "sessions": sessions,
                "shares": opening.shares[: opening.threshold],
            }
        )
    )


def stored(poll_id: int, shares: list[str]) -> None:
    import time

    from renda.ballots import services
    from renda.ballots.models import Ballot, Participation, Poll, SealedBallot

    sealed = SealedBallot.objects.filter(poll_id=poll_id).count()
    poll = Poll.objects.select_related("created_by").get(pk=poll_id)
    started = time.monotonic()
    services.close_poll(poll, acting_user=poll.created_by, shares=shares)
    close_ms = (time.monotonic() - started) * 1000
    print(
        json.dumps(
            {
                "sealed": sealed,
                "ballots": Ballot.objects.filter(poll_id=poll_id).count(),
                "participations": Participation.objects.filter(poll_id=poll_id).count(),
                "close_ms": round(close_ms),
            }
        )
    )
