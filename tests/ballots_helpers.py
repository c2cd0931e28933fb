"""Helpers of the ballot page tests: polls of 清河镇 with deputies who have accounts."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from renda.ballots import services
from renda.ballots.models import Method, Poll, Scale
from renda.congress.models import Deputy, DeputyMembership, Gender


def deputies(world, n: int) -> list:  # noqa: ANN001
    """n more deputies of 清河镇, each with an account (the world's 王建国 is the first)."""
    users = [world.deputy_user]
    for i in range(n - 1):
        user = get_user_model().objects.create_user(
            username=f"dep{i}", password="pw-for-tests-1", name=f"代表{i}"
        )
        deputy = Deputy.objects.create(
            name=f"代表{i:02d}", gender=Gender.MALE, phone=f"1390001{i:04d}", user=user
        )
        DeputyMembership.objects.create(
            deputy=deputy, term=world.term_a, start_date=world.term_a.start_date
        )
        users.append(user)
    return users


def approval_poll(world, items=("议程一",), **options) -> Poll:  # noqa: ANN001
    return services.create_poll(
        congress=world.c_a,
        title="表决",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=list(items),
        allow_abstain=True,
        acting_user=world.staff,
        **options,
    )


def open_for(poll: Poll, users, world, *, codes: int = 0, paper: bool = False) -> list[str]:  # noqa: ANN001
    out = services.open_poll(
        poll,
        electorate=[(u, None, True) for u in users],
        acting_user=world.staff,
        codes=codes,
        paper=paper,
    )
    poll.refresh_from_db()
    return out


def subject_ids(poll: Poll) -> list[int]:
    return list(poll.subjects.order_by("order").values_list("id", flat=True))
