"""Races on an appraisal (PostgreSQL): two people pressing "close" at once close it once;
votes racing the close are either in the frozen result or refused."""

from __future__ import annotations

import pytest

from renda.appraisals import services
from renda.appraisals.models import MeetingStatus, Rectification, ReviewMeeting
from renda.ballots import services as ballots
from renda.ballots.models import Ballot, Poll
from renda.core.errors import DomainError
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import SIX_BALLOTS, cast, make_meeting, open_with_attendance
from tests.fixtures.ballots import shares_of
from tests.fixtures.threads import run_in_threads

town = appraisals_fixtures.town  # the fixture, shared with the other appraisal tests


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_close_the_meeting_once(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    cast(meeting, town, SIX_BALLOTS)
    errors = run_in_threads(
        4,
        lambda i: services.close_rating(
            ReviewMeeting.objects.get(pk=meeting.pk),
            acting_user=world.staff,
            shares=shares_of(meeting),
        ),
    )
    assert len(errors) == 3 and all(isinstance(e, DomainError) for e in errors)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert Rectification.objects.filter(reporter__meeting=meeting).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_votes_racing_the_close_are_counted_or_refused_never_lost(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting, present=7)
    subjects = list(meeting.reporters.order_by("order").values_list("subject_id", flat=True))

    def work(i: int) -> None:
        if i == 0:
            services.close_rating(
                ReviewMeeting.objects.get(pk=meeting.pk),
                acting_user=world.staff,
                shares=shares_of(meeting),
            )
            return
        try:
            ballots.cast_online(
                Poll.objects.get(pk=meeting.poll_id),
                voter=town.users[i - 1],
                choices=dict.fromkeys(subjects, "satisfied"),
            )
        except DomainError:
            pass  # arrived after the close: refused

    assert run_in_threads(8, work) == []
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    stored = Ballot.objects.filter(poll_id=meeting.poll_id).count()
    assert meeting.poll.result["ballots"] == stored
    first = meeting.reporters.get(order=1)
    assert sum(first.counts.values()) == stored
