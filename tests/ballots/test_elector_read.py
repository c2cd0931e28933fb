"""The ballot page's hand-written read (renda.ballots.views.voter._elector, through
renda.core.rawjoin) against the ORM's `select_related` read it replaces: every field of the
elector, the poll (dates, JSON, booleans), its congress, its session and term, and whether
the elector has voted. Runs on SQLite and PostgreSQL (SQLite returns dates and JSON as
text: the models' converters must apply)."""

from __future__ import annotations

import pytest
from django.db.models import Exists, OuterRef
from django.urls import reverse

from renda.ballots import services
from renda.ballots.models import Elector, Participation, Poll
from renda.ballots.views.voter import _elector
from tests.fixtures.ballots import approval_poll, deputies, open_for, subject_ids

pytestmark = pytest.mark.django_db


def _values(obj) -> dict:  # noqa: ANN001
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _orm(poll_id: int, user_id: int):  # noqa: ANN202
    return (
        Elector.objects.filter(poll_id=poll_id, user_id=user_id)
        .select_related("poll__congress", "poll__session__term")
        .annotate(voted=Exists(Participation.objects.filter(elector=OuterRef("pk"))))
        .first()
    )


def _same(poll: Poll, user, *, voted: bool) -> None:  # noqa: ANN001
    expected = _orm(poll.pk, user.pk)
    elector, has_voted = _elector(poll.pk, user.pk)
    assert has_voted is voted is bool(expected.voted)
    assert _values(elector) == _values(expected)
    assert _values(elector.poll) == _values(expected.poll)
    assert _values(elector.poll.congress) == _values(expected.poll.congress)
    if expected.poll.session is None:
        assert elector.poll.session is None
    else:
        assert _values(elector.poll.session) == _values(expected.poll.session)
        assert _values(elector.poll.session.term) == _values(expected.poll.session.term)
    for name, value in _values(elector.poll).items():
        expected_value = getattr(expected.poll, name)
        assert type(value) is type(expected_value), name  # dates as dates, JSON as lists


def test_the_read_is_the_orms_with_and_without_a_session(world, django_assert_num_queries):
    voters = deputies(world, 3)
    plain = approval_poll(world, ("议程一", "议程二"))
    open_for(plain, voters, world)
    in_session = services.create_election(
        congress=world.c_a,
        title="补选",
        candidates=["张三", "李四"],
        seats=1,
        acting_user=world.staff,
        session=world.session_a,
        min_group=1,
    )
    open_for(in_session, voters, world)
    for poll in (plain, in_session):
        _same(poll, voters[0], voted=False)
    services.cast_online(plain, voter=voters[0], choices=dict.fromkeys(subject_ids(plain), "yes"))
    _same(plain, voters[0], voted=True)
    _same(plain, voters[1], voted=False)
    with django_assert_num_queries(1):
        elector, _voted = _elector(in_session.pk, voters[1].pk)
        assert str(elector.poll.congress) and str(elector.poll.session)  # read with it


def test_a_stranger_or_another_poll_is_not_found(world, client):
    voters = deputies(world, 2)
    poll = approval_poll(world)
    open_for(poll, voters[:1], world)
    assert _elector(poll.pk, voters[1].pk) is None
    assert _elector(poll.pk + 1000, voters[0].pk) is None
    client.force_login(voters[1])
    assert client.get(reverse("ballots:ballot", args=[poll.pk])).status_code == 404
    client.force_login(voters[0])
    page = client.get(reverse("ballots:ballot", args=[poll.pk]))
    assert page.status_code == 200 and "清河镇人民代表大会" in page.content.decode()


def test_the_subjects_and_the_cast_lock_read_as_the_orm_reads(world):
    from django.db import connection, transaction

    from renda.ballots.views.voter import _subjects

    voters = deputies(world, 2)
    poll = approval_poll(world, ("议程三", "议程一", "议程二"))
    open_for(poll, voters[:1], world)
    expected = list(poll.subjects.order_by("order", "id"))
    got = _subjects(poll)
    assert [_values(s) for s in got] == [_values(s) for s in expected]
    assert all(s.poll is poll for s in got)
    if connection.vendor != "postgresql":
        return  # the shared lock's read is PostgreSQL's (elsewhere the ORM's exclusive lock)
    with transaction.atomic():
        locked, entitled = services._lock_to_cast_as(poll, voters[0].pk)
        assert _values(locked) == _values(Poll.objects.get(pk=poll.pk))
        assert entitled == services._Entitlement(
            Elector.objects.get(poll=poll, user=voters[0]).pk, True
        )
        assert services._lock_to_cast_as(poll, voters[1].pk)[1] is None
