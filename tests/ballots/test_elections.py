"""Session resolutions on agenda items and elections with write-ins (另选他人) on the same
engine; ties reported, never broken; the announcement from the frozen result; closing a
poll of 5,000 ballots in a number of queries that does not depend on the ballots."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.ballots import services
from renda.ballots.models import (
    Ballot,
    BallotMark,
    Base,
    Channel,
    Elector,
    Participation,
    Poll,
    PollKind,
    SealedBallot,
    WriteIn,
)
from renda.congress.models import AgendaItem
from renda.core.errors import DomainError
from tests.fixtures.ballots import approval_poll, deputies, open_for, shares_of, subject_ids


def test_normalised_names_group_write_ins():
    assert services.normalise_name(" 赵 六 ") == services.normalise_name("赵六") == "赵六"
    assert services.normalise_name("ＡＢ·c") == services.normalise_name("ab c") == "abc"
    assert services.normalise_name("赵六") != services.normalise_name("赵陆")


def test_an_election_counts_write_ins_by_name_and_elects_with_more_than_half(world):
    voters = deputies(world, 7)
    poll = services.create_election(
        congress=world.c_a,
        title="补选镇人大主席团成员",
        candidates=["张三", "李四"],
        seats=2,
        acting_user=world.staff,
        session=world.session_a,
        min_group=1,
    )
    assert (poll.kind, poll.max_choices, poll.base, poll.allow_write_ins) == (
        PollKind.ELECTION,
        2,
        Base.CAST,
        True,
    )
    open_for(poll, voters, world)
    zhang, li = subject_ids(poll)
    ballots = [
        ({zhang: "chosen"}, ["赵六"]),
        ({zhang: "chosen"}, ["赵 六"]),
        ({zhang: "chosen"}, ["ＺＨＡＯ　Ｌｉｕ"]),
        ({zhang: "chosen", li: "chosen"}, []),
        ({li: "chosen"}, ["赵六"]),
        ({}, ["赵六", "zhao liu"]),
        ({}, []),  # a blank ballot counts as cast
    ]
    for voter, (choices, names) in zip(voters, ballots, strict=True):
        services.cast_online(poll, voter=voter, choices=choices, write_ins=names)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    rows = {r["title"]: r for r in poll.result["subjects"]}
    written = {w["name"]: w for w in poll.result["write_ins"]}
    assert rows["张三"]["counts"] == {"chosen": 4} and rows["张三"]["elected"]  # 4 of 7
    assert rows["李四"]["counts"] == {"chosen": 2} and not rows["李四"]["passed"]
    assert written["赵六"]["counts"] == {"chosen": 4} and written["赵六"]["elected"]
    assert written["zhaoliu"]["counts"] == {"chosen": 2} and not written["zhaoliu"]["passed"]
    assert poll.result["ties"] is False
    assert WriteIn.objects.count() == 6
    same, _fresh = services.recount(poll)
    assert same
    export = services.canonical_export(poll)
    assert "w:赵六" in export and hashlib.sha256(export.encode()).hexdigest() == poll.export_sha256


def test_a_tie_at_the_last_place_is_reported_and_nobody_is_elected_by_chance(client, world):
    voters = deputies(world, 4)
    poll = services.create_election(
        congress=world.c_a,
        title="选举",
        candidates=["甲", "乙", "丙"],
        seats=1,
        acting_user=world.staff,
        base=Base.CAST,
        threshold_strict=False,  # at least half: both tied candidates pass
        min_group=1,
    )
    open_for(poll, voters, world)
    a, b, c = subject_ids(poll)
    for voter, choice in zip(voters, [a, a, b, b], strict=True):
        services.cast_online(poll, voter=voter, choices={choice: "chosen"})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    services.publish_poll(poll, acting_user=world.staff)
    poll.refresh_from_db()
    rows = {r["title"]: r for r in poll.result["subjects"]}
    assert poll.result["ties"] is True
    assert rows["甲"]["tie"] and rows["乙"]["tie"] and not rows["甲"]["elected"]
    assert not rows["乙"]["elected"] and not rows["丙"]["passed"]
    page = client.get(reverse("ballots:announcement", args=[poll.pk]))
    summary = page.context["summary"]
    assert summary.ties == ["甲", "乙"] and summary.elected == []
    assert "甲、乙" in page.content.decode()


def test_a_resolution_on_an_agenda_item_needs_more_than_half_of_all_deputies(world):
    item = AgendaItem.objects.create(session=world.session_a, order=2, title="关于财政预算的决议")
    voters = deputies(world, 5)
    poll = services.create_resolution(item, acting_user=world.staff, min_group=1)
    assert (poll.kind, poll.session, poll.agenda_item, poll.base) == (
        PollKind.RESOLUTION,
        world.session_a,
        item,
        Base.ENTITLED,
    )
    entitled = services.deputies_entitled(poll)
    assert len(entitled) == 5
    electorate = [(d.user, d, i < 3) for i, d in enumerate(entitled)]  # two absent
    services.open_poll(poll, electorate=electorate, acting_user=world.staff)
    (only,) = subject_ids(poll)
    present = [d.user for d, _u, p in [(d, d.user, i < 3) for i, d in enumerate(entitled)] if p]
    for user, choice in zip(present, ["yes", "yes", "abstain"], strict=True):
        services.cast_online(poll, voter=user, choices={only: choice})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    (row,) = poll.result["subjects"]
    assert row["base"] == 5 and row["counts"] == {"yes": 2, "abstain": 1}
    assert row["passed"] is False  # 2 of 5 entitled is not more than half
    assert (poll.result["electorate"], poll.result["present"]) == (5, 3)
    assert len(voters) == 5


def test_paper_ballots_of_an_election_carry_write_ins(world):
    from django.contrib.auth import get_user_model

    from renda.congress.models import Role, RoleGrant

    second = get_user_model().objects.create_user(username="t2", password="pw-for-tests-1")
    RoleGrant.objects.create(user=second, role=Role.STAFF, congress=world.c_a)
    poll = services.create_election(
        congress=world.c_a, title="选举", candidates=["甲", "乙"], seats=1, acting_user=world.staff
    )
    open_for(poll, [], world, paper=True)
    a, _b = subject_ids(poll)
    batch = [{a: "chosen"}, {"write_ins": ["赵六"]}, {"invalid": True}]
    services.enter_paper_batch(poll, number=1, ballots=batch, teller=world.staff)
    with pytest.raises(DomainError):
        services.enter_paper_batch(
            poll,
            number=1,
            ballots=[{a: "chosen"}, {"write_ins": ["赵七"]}, {"invalid": True}],
            teller=second,
        )
    services.enter_paper_batch(
        poll,
        number=1,
        ballots=[{"invalid": True}, {"write_ins": ["赵 六"]}, {a: "chosen"}],
        teller=second,
    )
    services.record_paper_counts(poll, issued=3, returned=3, acting_user=world.staff)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    assert poll.result["invalid"] == 1 and poll.result["ballots"] == 3
    assert poll.result["write_ins"][0]["name"] == "赵六"
    assert services.recount(poll)[0]


# --- closing 5,000 ballots -----------------------------------------------------------------------


def _bulk_poll(world, n: int) -> Poll:  # noqa: ANN001
    poll = approval_poll(world, items=("甲", "乙", "丙"))
    electors = Elector.objects.bulk_create(
        [Elector(poll=poll, name=f"代表{i}", present=True) for i in range(n)]
    )
    services.open_poll(poll, electorate=[], paper=True, acting_user=world.staff)
    poll.refresh_from_db()
    day = poll.opened_at.date()
    Participation.objects.bulk_create(
        [
            Participation(poll=poll, elector=e, channel=Channel.ONLINE, on_date=day)
            for e in electors
        ],
        batch_size=1000,
    )
    ids = subject_ids(poll)
    choices = ["yes", "no", "abstain"]
    # Sealed as casting seals them, without the per-ballot request around it.
    SealedBallot.objects.bulk_create(
        [
            services._sealed_ballot(
                poll,
                [(sid, choices[(i + j) % 3]) for j, sid in enumerate(ids)],
                Channel.ONLINE,
                subjects=len(ids),
            )[0]
            for i in range(n)
        ],
        batch_size=1000,
    )
    return poll


def _close_queries(world, n: int) -> int:  # noqa: ANN001
    poll = _bulk_poll(world, n)
    with CaptureQueriesContext(connection) as ctx:
        services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    assert poll.result["ballots"] == n
    assert Ballot.objects.filter(poll=poll).count() == n
    assert BallotMark.objects.filter(ballot__poll=poll).count() == 3 * n
    assert not SealedBallot.objects.filter(poll=poll).exists()
    return len(ctx)


def test_closing_5000_ballots_takes_as_many_queries_as_closing_ten(world):
    small = _close_queries(world, 10)
    large = _close_queries(world, 5000)
    assert large == small
