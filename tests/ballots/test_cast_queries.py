"""The queries of one cast through the ballot page: a bound that guards what was trimmed
for 500 voters at once (docs/ballots.md, "Benchmark"). Each round trip counts: under load
a request waits for the database once per query."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override

from renda.ballots import services
from renda.ballots.models import Elector, Method, Participation, Scale, SealedBallot
from renda.core.errors import DomainError
from tests.fixtures.ballots import open_for, subject_ids


def _statements(ctx: CaptureQueriesContext) -> list[str]:
    """The queries, without the test transaction's savepoints."""
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not re.match(r"(RELEASE )?SAVEPOINT|ROLLBACK TO SAVEPOINT", q["sql"])
    ]


def _rating_poll(world, voters):  # noqa: ANN001, ANN202
    poll = services.create_poll(
        congress=world.c_a,
        title="测评",
        method=Method.RATING,
        scale=Scale.SATISFACTION,
        subjects=["副镇长甲", "副镇长乙", "城建办主任"],
        acting_user=world.staff,
    )
    open_for(poll, voters, world)
    return poll


def _cast(client: Client, poll, choice: str = "satisfied"):  # noqa: ANN001, ANN202
    data = {f"s{sid}": choice for sid in subject_ids(poll)}
    return client.post(reverse("ballots:ballot", args=[poll.pk]), {**data, "step": "cast"})


@pytest.mark.django_db
def test_a_cast_takes_at_most_eight_queries_and_still_checks_csrf(world):
    """Session, user, roles with deputy seats and second-factor devices (one UNION), the
    elector with the poll, the subjects; then the poll's lock with the elector re-read
    under it (one query on PostgreSQL, two elsewhere), participation, sealed ballot. The
    receipt's frame (the voting screens') has no office menu: no unread count."""
    poll = _rating_poll(world, [world.deputy_user])
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.deputy_user)
    refused = _cast(client, poll)
    assert refused.status_code == 403  # no CSRF token: nothing stored
    assert not SealedBallot.objects.exists()
    client.get(reverse("ballots:ballot", args=[poll.pk]))  # the form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    data = {f"s{sid}": "satisfied" for sid in subject_ids(poll)}
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            reverse("ballots:ballot", args=[poll.pk]),
            {**data, "step": "cast", "csrfmiddlewaretoken": token},
        )
    assert response.status_code == 200 and b"receipt-code" in response.content
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    assert Participation.objects.filter(poll=poll).count() == 1
    statements = _statements(ctx)
    bound = 8 if connection.vendor == "postgresql" else 9
    assert len(statements) <= bound, "\n".join(statements)


@pytest.mark.django_db
def test_the_trimmed_cast_still_refuses_a_second_ballot_an_absent_elector_and_a_stranger(
    client, world
):
    poll = _rating_poll(world, [world.deputy_user])
    client.force_login(world.deputy_user)
    assert _cast(client, poll).status_code == 200
    again = _cast(client, poll, "basic")
    assert again.status_code == 400
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    # The service itself, past the page's checks: the elector row is read under the lock.
    marks = {sid: "basic" for sid in subject_ids(poll)}
    with override("en"), pytest.raises(DomainError, match="already voted"):
        services.cast_online(poll, voter=world.deputy_user, choices=marks)
    second = _rating_poll(world, [world.deputy_user])
    marks = {sid: "basic" for sid in subject_ids(second)}
    Elector.objects.filter(poll=second).update(present=False)
    with override("en"), pytest.raises(DomainError, match="absent"):
        services.cast_online(second, voter=world.deputy_user, choices=marks)
    with override("en"), pytest.raises(DomainError, match="not entitled"):
        services.cast_online(second, voter=world.staff, choices=marks)
    assert not SealedBallot.objects.filter(poll=second).exists()
    assert Participation.objects.filter(poll=second).count() == 0
