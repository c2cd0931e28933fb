"""Helpers of the ballot tests: polls of 清河镇 with deputies who have accounts, and the key
shares of every poll a test opens (kept here as its tellers would keep their slips), so
that tests close polls as the office does: with the shares."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from renda.ballots import services
from renda.ballots.models import Method, Poll, Scale
from renda.congress.models import Deputy, DeputyMembership, Gender

# poll id -> what opening handed out (filled by `keep_key_shares`, autouse in conftest).
OPENINGS: dict[int, services.Opening] = {}


def keep_key_shares(monkeypatch: Any) -> None:
    """Record the Opening of every poll opened during the test, through whichever door
    (the engine, appraisals, projects, the views): the tests' tellers' slips."""
    OPENINGS.clear()
    real = services.open_poll

    def recording(poll: Poll, **kwargs: Any) -> services.Opening:
        opening = real(poll, **kwargs)
        OPENINGS[poll.pk] = opening
        return opening

    monkeypatch.setattr(services, "open_poll", recording)


def shares_of(target: Any, *, count: int | None = None) -> list[str]:
    """The key shares of an opened poll: as many as it needs, or `count` of them. The
    target is a poll, its id, or what holds it (a meeting, a vote batch, a year rating:
    its current poll is read from the database). None opened: no shares."""
    if isinstance(target, Poll):
        poll_id: Any = target.pk
    elif isinstance(target, int) or target is None:
        poll_id = target
    else:
        poll_id = type(target).objects.values_list("poll_id", flat=True).get(pk=target.pk)
    opening = OPENINGS.get(poll_id)
    if opening is None:
        return []
    return opening.shares[: opening.threshold if count is None else count]


def close(poll: Poll, user: Any) -> Poll:
    """Close a poll as the office does, with its key holders' shares."""
    return services.close_poll(poll, acting_user=user, shares=shares_of(poll))


def share_fields(poll: Any) -> dict[str, str]:
    """The close form's fields, filled with the poll's shares."""
    return {f"share_{i}": s for i, s in enumerate(shares_of(poll), start=1)}


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
    """Open the poll for these users; returns the voter codes (the shares are kept)."""
    out = services.open_poll(
        poll,
        electorate=[(u, None, True) for u in users],
        acting_user=world.staff,
        codes=codes,
        paper=paper,
    )
    poll.refresh_from_db()
    return out.codes


def subject_ids(poll: Poll) -> list[int]:
    return list(poll.subjects.order_by("order").values_list("id", flat=True))
