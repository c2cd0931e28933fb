"""Races on PostgreSQL beyond the engine's first tests: one voter code tried by many at
once, and ballots of every channel racing the close."""

from __future__ import annotations

import pytest

from renda.ballots import services
from renda.ballots.models import Ballot, Participation, PollStatus, SealedBallot, VoterCode
from renda.core.errors import DomainError
from tests.fixtures.ballots import approval_poll, deputies, open_for, shares_of, subject_ids
from tests.fixtures.threads import run_in_threads


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_one_voter_code_tried_at_once_by_eight_stores_one_ballot(world):
    poll = approval_poll(world)
    codes = open_for(poll, [], world, codes=2)
    (item,) = subject_ids(poll)
    errors = run_in_threads(
        8, lambda i: services.cast_with_code(poll, code=codes[0], choices={item: "yes"})
    )
    assert len(errors) == 7 and all(isinstance(e, DomainError) for e in errors)
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    assert VoterCode.objects.filter(poll=poll, used=True).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_online_and_code_ballots_racing_the_close_are_counted_or_refused(world):
    voters = deputies(world, 20)
    poll = approval_poll(world)
    codes = open_for(poll, voters, world, codes=20)
    (item,) = subject_ids(poll)

    def work(i: int) -> None:
        if i == 10:
            services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
            return
        for k in range(2):
            n = (i * 2 + k) % 20
            try:
                if i % 2:
                    services.cast_online(poll, voter=voters[n], choices={item: "yes"})
                else:
                    services.cast_with_code(poll, code=codes[n], choices={item: "no"})
            except DomainError:
                pass  # after the close, or the other half already used this slot

    assert run_in_threads(21, work) == []
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    stored = Ballot.objects.filter(poll=poll).count()
    assert poll.result["ballots"] == stored == Participation.objects.filter(poll=poll).count()
    assert not SealedBallot.objects.filter(poll=poll).exists()  # none slipped in after
    assert services.recount(poll)[0]
