"""The ballot engine: rules as integers, secrecy by construction, exactness under races."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, models

from renda.ballots import services
from renda.ballots.models import (
    Ballot,
    BallotMark,
    Base,
    Channel,
    Method,
    Participation,
    Poll,
    PollStatus,
    Scale,
    SealedBallot,
    VoterCode,
)
from renda.ballots.rules import Threshold, rank_approvals, rating_result
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from tests.fixtures.ballots import shares_of
from tests.fixtures.threads import run_in_threads

MORE_THAN_HALF = Threshold(1, 2, strict=True)
GRADES = ["satisfied", "basic", "unsatisfied"]


# --- rules: table tests ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "base", "expected"),
    [
        (5, 10, False),
        (6, 10, True),
        (5, 9, True),
        (4, 9, False),
        (0, 0, False),
        (1, 1, True),
        (1, 2, False),
    ],
)
def test_more_than_half_on_odd_and_even_bases(votes, base, expected):
    assert MORE_THAN_HALF.met(votes, base) is expected


@pytest.mark.parametrize(
    ("votes", "base", "expected"),
    [(6, 9, True), (5, 9, False), (2, 3, True), (7, 10, True), (6, 10, False)],
)
def test_at_least_two_thirds(votes, base, expected):
    assert Threshold(2, 3, strict=False).met(votes, base) is expected


@pytest.mark.parametrize(
    ("counts", "base", "expected"),
    [
        ({"satisfied": 6, "basic": 2, "unsatisfied": 2}, 10, "satisfied"),  # 满意 > half
        ({"satisfied": 5, "basic": 1, "unsatisfied": 4}, 10, "basic"),  # 满意 = half: not more
        (
            {"satisfied": 3, "basic": 2, "unsatisfied": 5},
            10,
            "unsatisfied",
        ),  # 5 of 10 is not more than half
        ({"satisfied": 4, "basic": 1, "unsatisfied": 4}, 9, "basic"),  # odd base: 5 of 9 passes
        ({}, 0, None),
    ],
)
def test_the_appraisal_rule_of_domain_section_4(counts, base, expected):
    assert rating_result(counts, base, MORE_THAN_HALF, GRADES) == expected


def test_ranking_elects_the_first_places_and_reports_a_tie_at_the_last():
    rows = [(1, 9), (2, 8), (3, 8), (4, 7), (5, 2)]
    ranked = {r.subject_id: r for r in rank_approvals(rows, 10, MORE_THAN_HALF, seats=2)}
    assert ranked[1].elected and not ranked[1].tie
    assert ranked[2].tie and ranked[3].tie and not ranked[2].elected  # never silently broken
    assert not ranked[5].passed
    no_tie = {r.subject_id: r for r in rank_approvals(rows, 10, MORE_THAN_HALF, seats=3)}
    assert [s for s, r in no_tie.items() if r.elected] == [1, 2, 3]
    fewer_pass = {r.subject_id: r for r in rank_approvals(rows, 16, MORE_THAN_HALF, seats=3)}
    assert [s for s, r in fewer_pass.items() if r.elected] == [1]  # only 9 > 16/2


# --- the services -----------------------------------------------------------------------


def _voters(n: int, prefix: str = "v") -> list:
    model = get_user_model()
    return [
        model.objects.create_user(username=f"{prefix}{i}", password="pw-for-tests-1")
        for i in range(n)
    ]


def _appraisal(world, voters, *, subjects=("副镇长甲", "副镇长乙"), **options) -> Poll:  # noqa: ANN001
    poll = services.create_poll(
        congress=world.c_a,
        title="民主测评",
        method=Method.RATING,
        scale=Scale.SATISFACTION,
        subjects=list(subjects),
        acting_user=world.staff,
        **options,
    )
    services.open_poll(poll, electorate=[(u, None, True) for u in voters], acting_user=world.staff)
    poll.refresh_from_db()
    return poll


def _ids(poll: Poll) -> list[int]:
    return list(poll.subjects.order_by("order").values_list("id", flat=True))


def test_a_rating_poll_from_opening_to_the_frozen_result(world):
    voters = _voters(5)
    poll = _appraisal(world, voters)
    a, b = _ids(poll)
    choices = [
        ("satisfied", "unsatisfied"),
        ("satisfied", "basic"),
        ("satisfied", "basic"),
        ("basic", "basic"),
        ("unsatisfied", "unsatisfied"),
    ]
    receipts = [
        services.cast_online(poll, voter=v, choices={a: x, b: y})
        for v, (x, y) in zip(voters, choices, strict=True)
    ]
    assert services.public_result(poll) is None  # nothing while open
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED and len(poll.export_sha256) == 64
    rows = {r["title"]: r for r in poll.result["subjects"]}
    assert rows["副镇长甲"]["counts"] == {"satisfied": 3, "basic": 1, "unsatisfied": 1}
    assert rows["副镇长甲"]["result"] == "satisfied"  # 3 of 5 > half
    assert rows["副镇长乙"]["result"] == "basic"  # 0 满意; 3 of 5 满意+基本满意 > half
    assert all(services.receipt_listed(poll, r) for r in receipts)
    assert not services.receipt_listed(poll, "NOTAREAL")
    out = io.StringIO()
    call_command("recount", poll.pk, stdout=out)
    assert "matches" in out.getvalue()
    services.publish_poll(poll, acting_user=world.staff)
    assert (
        ActionLog.objects.filter(action__in=["poll.open", "poll.closed", "poll.published"]).count()
        == 3
    )


def test_voting_twice_is_refused_and_the_first_stands(world):
    voters = _voters(1)
    poll = _appraisal(world, voters)
    a, b = _ids(poll)
    services.cast_online(poll, voter=voters[0], choices={a: "satisfied", b: "satisfied"})
    with pytest.raises(DomainError):
        services.cast_online(poll, voter=voters[0], choices={a: "unsatisfied", b: "unsatisfied"})
    # While open, only the sealed ballot sits next to the participation.
    assert SealedBallot.objects.count() == Participation.objects.count() == 1
    assert not Ballot.objects.exists()
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert BallotMark.objects.filter(choice="unsatisfied").count() == 0
    assert Ballot.objects.count() == Participation.objects.count() == 1
    assert not SealedBallot.objects.exists()


def test_bad_ballots_are_refused_and_nothing_is_stored(world):
    voters = _voters(2)
    poll = _appraisal(world, voters)
    a, b = _ids(poll)
    outsider = _voters(1, prefix="x")[0]
    for voter, choices in (
        (outsider, {a: "satisfied", b: "satisfied"}),  # not in the electorate
        (voters[0], {a: "satisfied"}),  # an item left out
        (voters[0], {a: "satisfied", b: "excellent"}),  # not on this scale
        (voters[0], {a: "satisfied", b: "abstain"}),  # abstention not allowed here
        (voters[0], {a: "satisfied", b: "satisfied", 999999: "satisfied"}),
    ):
        with pytest.raises(DomainError):
            services.cast_online(poll, voter=voter, choices=choices)
    assert not SealedBallot.objects.exists() and not Participation.objects.exists()
    assert not Ballot.objects.exists()


def test_no_vote_before_opening_or_after_closing(world):
    voters = _voters(2)
    poll = services.create_poll(
        congress=world.c_a,
        title="表决",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["议程一"],
        acting_user=world.staff,
    )
    (item,) = _ids(poll)
    with pytest.raises(DomainError):
        services.cast_online(poll, voter=voters[0], choices={item: "yes"})
    services.open_poll(poll, electorate=[(u, None, True) for u in voters], acting_user=world.staff)
    services.cast_online(poll, voter=voters[0], choices={item: "yes"})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    with pytest.raises(DomainError):
        services.cast_online(poll, voter=voters[1], choices={item: "no"})
    with pytest.raises(DomainError):
        services.close_poll(
            poll, acting_user=world.staff, shares=shares_of(poll)
        )  # each state only from its predecessor


def test_choose_n_refuses_an_over_filled_ballot(world):
    voters = _voters(3)
    poll = services.create_poll(
        congress=world.c_a,
        title="选举",
        method=Method.CHOOSE,
        scale=Scale.CHOICE,
        subjects=["甲", "乙", "丙"],
        max_choices=2,
        seats=2,
        base=Base.CAST,
        acting_user=world.staff,
    )
    services.open_poll(poll, electorate=[(u, None, True) for u in voters], acting_user=world.staff)
    a, b, c = _ids(poll)
    with pytest.raises(DomainError):
        services.cast_online(poll, voter=voters[0], choices={a: "chosen", b: "chosen", c: "chosen"})
    services.cast_online(poll, voter=voters[0], choices={a: "chosen", b: "chosen"})
    services.cast_online(poll, voter=voters[1], choices={a: "chosen", c: "chosen"})
    services.cast_online(poll, voter=voters[2], choices={a: "chosen"})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    rows = {r["title"]: r for r in poll.result["subjects"]}
    assert rows["甲"]["elected"] and rows["甲"]["counts"] == {"chosen": 3}
    assert not rows["乙"]["passed"] and not rows["丙"]["passed"]  # 1 of 3 is not more than half


def test_voter_codes_are_single_use_and_void_at_close(world):
    poll = services.create_poll(
        congress=world.c_a,
        title="选民代表测评",
        method=Method.RATING,
        scale=Scale.COMPETENCE,
        subjects=["代表甲"],
        acting_user=world.staff,
    )
    codes = services.open_poll(poll, electorate=[], codes=3, acting_user=world.staff).codes
    assert (
        len(set(codes)) == 3 and not VoterCode.objects.filter(code_hash__in=codes).exists()
    )  # hashed
    (item,) = _ids(poll)
    services.cast_with_code(poll, code=codes[0], choices={item: "excellent"})
    for bad in (codes[0], "UNKNOWN123", ""):
        with pytest.raises(DomainError) as exc:
            services.cast_with_code(poll, code=bad, choices={item: "competent"})
        assert "not valid" in str(exc.value) or "无效" in str(exc.value)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert VoterCode.objects.filter(void=True).count() == 2
    with pytest.raises(DomainError):
        services.cast_with_code(poll, code=codes[1], choices={item: "competent"})


def test_paper_ballots_count_when_two_tellers_agree(world, personas):
    from renda.congress.models import Role, RoleGrant

    second = get_user_model().objects.create_user(username="teller2", password="pw-for-tests-1")
    RoleGrant.objects.create(user=second, role=Role.STAFF, congress=world.c_a)
    poll = services.create_poll(
        congress=world.c_a,
        title="纸质表决",
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=["决议"],
        acting_user=world.staff,
    )
    services.open_poll(poll, electorate=[], paper=True, acting_user=world.staff)
    (item,) = _ids(poll)
    first_entry = [{item: "yes"}, {item: "yes"}, {item: "no"}]
    services.enter_paper_batch(poll, number=1, ballots=first_entry, teller=world.staff)
    with pytest.raises(DomainError):
        services.enter_paper_batch(
            poll, number=1, ballots=first_entry, teller=world.staff
        )  # same teller
    with pytest.raises(DomainError) as exc:
        services.enter_paper_batch(
            poll, number=1, ballots=[{item: "yes"}, {item: "no"}, {item: "no"}], teller=second
        )
    assert "1" in str(exc.value)
    assert not SealedBallot.objects.exists() and not Participation.objects.exists()
    services.enter_paper_batch(poll, number=1, ballots=list(reversed(first_entry)), teller=second)
    assert SealedBallot.objects.filter(poll=poll).count() == 3
    assert Participation.objects.filter(poll=poll, channel=Channel.PAPER).count() == 3
    services.record_paper_counts(poll, issued=3, returned=4, acting_user=world.staff)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    assert poll.status == PollStatus.VOID and poll.void_reason  # more returned than issued


def test_closing_refuses_when_the_invariants_fail(world):
    voters = _voters(1)
    poll = _appraisal(world, voters)
    a, b = _ids(poll)
    services.cast_online(poll, voter=voters[0], choices={a: "satisfied", b: "satisfied"})
    # Tampering outside the services: a ballot sealed to the poll's (public) key without a
    # participation.
    forged, _receipt = services._sealed_ballot(
        poll, [(a, "satisfied"), (b, "satisfied")], Channel.ONLINE, subjects=2
    )
    forged.save()
    with pytest.raises(DomainError) as exc:
        services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert "2" in str(exc.value) and "1" in str(exc.value)
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN and poll.result is None
    assert SealedBallot.objects.filter(poll=poll).count() == 2 and not Ballot.objects.exists()


def test_small_groups_are_not_shown_in_detail(world):
    voters = _voters(2)
    poll = _appraisal(world, voters, min_group=5)
    a, b = _ids(poll)
    for v in voters:
        services.cast_online(poll, voter=v, choices={a: "satisfied", b: "basic"})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    poll.refresh_from_db()
    assert services.public_result(poll) == {"ballots": 2, "suppressed": True}


def test_only_the_office_of_the_congress_runs_polls(world):
    with pytest.raises(DomainError):
        services.create_poll(
            congress=world.c_a,
            title="x",
            method=Method.RATING,
            scale=Scale.SATISFACTION,
            subjects=["a"],
            acting_user=world.other_staff,
        )
    poll = services.create_poll(
        congress=world.c_a,
        title="x",
        method=Method.RATING,
        scale=Scale.SATISFACTION,
        subjects=["a"],
        acting_user=world.staff,
    )
    with pytest.raises(DomainError):
        services.open_poll(
            poll, electorate=[(world.citizen, None, True)], acting_user=world.handler_a
        )


def test_a_secret_ballot_cannot_be_joined_to_its_voter(world):
    """No column links a ballot to a person, a channel or a moment; ids are random; the
    table's own order is the random id, not the order of casting. (The joins an attacker
    would try are in tests/test_ballots_secrecy.py.)"""
    for model in (Ballot, BallotMark, SealedBallot):
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey):
                assert field.related_model.__name__ in {"Poll", "Ballot", "PollSubject"}, field
            assert field.name != "channel", field
            assert not isinstance(
                field, (models.DateTimeField, models.DateField, models.TimeField)
            ), field
    voters = _voters(12)
    poll = _appraisal(world, voters, subjects=("甲",))
    (a,) = _ids(poll)
    grades = ["satisfied", "basic", "unsatisfied"]
    for i, v in enumerate(voters):
        services.cast_online(poll, voter=v, choices={a: grades[i % 3]})
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    cast_order = [grades[i % 3] for i in range(12)]
    ballot_ids = list(Ballot.objects.filter(poll=poll).values_list("id", flat=True))
    assert ballot_ids != sorted(ballot_ids) or len(set(ballot_ids)) == 12
    differences = [b - a for a, b in zip(sorted(ballot_ids), sorted(ballot_ids)[1:], strict=False)]
    assert len(set(differences)) > 1  # not a sequence
    if connection.vendor == "sqlite":
        # Storage order (rowid) is the random primary key, not the order of casting.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT m.choice FROM ballots_ballot b JOIN ballots_ballotmark m ON m.ballot_id = b.id "
                "WHERE b.poll_id = %s ORDER BY b.rowid",
                [poll.pk],
            )
            stored_order = [row[0] for row in cursor.fetchall()]
        assert stored_order == [
            c
            for _id, c in sorted(
                BallotMark.objects.filter(ballot__poll=poll).values_list("ballot_id", "choice")
            )
        ]
    assert sorted(cast_order) == sorted(BallotMark.objects.values_list("choice", flat=True))
    # Participation keeps only the day.
    assert {f.name for f in Participation._meta.get_fields()} >= {"on_date"}
    assert not any(isinstance(f, models.DateTimeField) for f in Participation._meta.get_fields())


# --- races (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_votes_store_one_ballot(world):
    voters = _voters(1)
    poll = _appraisal(world, voters)
    a, b = _ids(poll)
    errors = run_in_threads(
        8,
        lambda i: services.cast_online(poll, voter=voters[0], choices={a: "satisfied", b: "basic"}),
    )
    assert len(errors) == 7 and all(isinstance(e, DomainError) for e in errors)
    assert SealedBallot.objects.count() == Participation.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_voters_store_exactly_two_hundred_ballots(world):
    voters = _voters(200)
    poll = _appraisal(world, voters, subjects=("甲",))
    (a,) = _ids(poll)
    errors = run_in_threads(
        20,
        lambda i: [
            services.cast_online(poll, voter=v, choices={a: "satisfied"})
            for v in voters[i * 10 : (i + 1) * 10]
        ],
    )
    assert errors == []
    assert (
        SealedBallot.objects.filter(poll=poll).count()
        == Participation.objects.filter(poll=poll).count()
        == 200
    )
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert Ballot.objects.filter(poll=poll).count() == 200


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_casting_while_closing_never_changes_the_frozen_result(world):
    voters = _voters(40)
    poll = _appraisal(world, voters, subjects=("甲",))
    (a,) = _ids(poll)

    def work(i: int) -> None:
        if i == 0:
            services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
            return
        for v in voters[(i - 1) * 5 : i * 5]:
            try:
                services.cast_online(poll, voter=v, choices={a: "satisfied"})
            except DomainError:
                pass  # arrived after the close: refused

    assert run_in_threads(9, work) == []
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    stored = Ballot.objects.filter(poll=poll).count()
    assert poll.result["ballots"] == stored == Participation.objects.filter(poll=poll).count()
    same, _fresh = services.recount(poll)
    assert same
