"""Service-level checks added with the pages: settings, drafts, paper counts, void,
recount; nothing half-written on refusal."""

from __future__ import annotations

import pytest

from renda.ballots import services
from renda.ballots.models import Method, PollStatus, Scale
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from tests.fixtures.ballots import approval_poll, open_for, shares_of, subject_ids


def test_unknown_or_protected_settings_are_refused(world):
    for options in ({"colour": "red"}, {"status": "closed"}, {"result": {}}):
        with pytest.raises(DomainError):
            approval_poll(world, **options)


@pytest.mark.parametrize(
    ("method", "scale", "options"),
    [
        (Method.CHOOSE, Scale.APPROVAL, {"max_choices": 1}),
        (Method.APPROVAL, Scale.SATISFACTION, {}),
        (Method.RATING, Scale.CHOICE, {}),
        (Method.RATING, Scale.SATISFACTION, {"allow_write_ins": True}),
        (Method.APPROVAL, Scale.APPROVAL, {"threshold_num": 3, "threshold_den": 2}),
        (Method.CHOOSE, Scale.CHOICE, {"max_choices": 3, "seats": 3}),  # 2 candidates
    ],
)
def test_inconsistent_settings_are_refused(world, method, scale, options):
    with pytest.raises(DomainError):
        services.create_poll(
            congress=world.c_a,
            title="x",
            method=method,
            scale=scale,
            subjects=["甲", "乙"],
            acting_user=world.staff,
            **options,
        )


def test_a_session_of_another_congress_is_refused(world):
    with pytest.raises(DomainError):
        approval_poll(world, session=world.session_b)


def test_a_draft_is_edited_in_place_and_an_open_poll_is_not(world):
    poll = approval_poll(world, items=("甲", "乙", "丙"))
    first = subject_ids(poll)[0]
    services.update_poll(
        poll,
        acting_user=world.staff,
        title="新标题",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["甲改", "乙"],
        allow_abstain=False,
    )
    poll.refresh_from_db()
    assert poll.title == "新标题" and not poll.allow_abstain
    assert list(poll.subjects.order_by("order").values_list("id", "title")) == [
        (first, "甲改"),
        (subject_ids(poll)[1], "乙"),
    ]
    assert ActionLog.objects.filter(action="poll.edited").exists()
    open_for(poll, [world.deputy_user], world)
    with pytest.raises(DomainError):
        services.update_poll(
            poll,
            acting_user=world.staff,
            title="x",
            method=Method.APPROVAL,
            scale=Scale.APPROVAL,
            subjects=["甲"],
        )
    with pytest.raises(DomainError):
        services.update_poll(
            poll,
            acting_user=world.other_staff,
            title="x",
            method=Method.APPROVAL,
            scale=Scale.APPROVAL,
            subjects=["甲"],
        )


def test_paper_counts_are_fixed_at_close_and_a_void_needs_a_reason(world):
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    with pytest.raises(DomainError):
        services.void_poll(poll, acting_user=world.staff, reason=" ")
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    with pytest.raises(DomainError):
        services.record_paper_counts(poll, issued=5, returned=5, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.run_recount(poll, acting_user=world.leader)  # leaders read, do not act
    assert services.run_recount(poll, acting_user=world.staff) is True
    services.void_poll(poll, acting_user=world.staff, reason="重新表决")
    poll.refresh_from_db()
    assert poll.status == PollStatus.VOID and poll.void_reason == "重新表决"
    with pytest.raises(DomainError):
        services.publish_poll(poll, acting_user=world.staff)


def test_a_refused_ballot_writes_nothing(world):
    poll = services.create_election(
        congress=world.c_a, title="选举", candidates=["甲", "乙"], seats=1, acting_user=world.staff
    )
    open_for(poll, [world.deputy_user], world)
    a, b = subject_ids(poll)
    from renda.ballots.models import Ballot, BallotMark, Participation, SealedBallot, WriteIn

    for choices, names in (({a: "chosen", b: "chosen"}, []), ({a: "chosen"}, ["赵六"])):
        with pytest.raises(DomainError):
            services.cast_online(poll, voter=world.deputy_user, choices=choices, write_ins=names)
    models = (Ballot, BallotMark, Participation, SealedBallot, WriteIn)
    assert not any(m.objects.exists() for m in models)


def test_a_written_in_name_cannot_be_joined_to_its_voter_either():
    from django.db import models

    from renda.ballots.models import WriteIn

    for field in WriteIn._meta.get_fields():
        if isinstance(field, models.ForeignKey):
            assert field.related_model.__name__ == "Ballot", field
        assert not isinstance(field, (models.DateTimeField, models.DateField)), field
    assert WriteIn._meta.pk.default is not models.NOT_PROVIDED  # a random id, not a sequence
