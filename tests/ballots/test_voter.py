"""The voter's pages: my open polls, one screen per ballot, the confirmation, the receipt;
voter codes (one answer for every bad code, rate-limited); choose-N with write-ins."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from renda.ballots import services
from renda.ballots.models import (
    Ballot,
    BallotMark,
    Participation,
    PollStatus,
    SealedBallot,
    WriteIn,
)
from renda.core.errors import DomainError
from tests.fixtures.ballots import approval_poll, open_for, shares_of, subject_ids


def _cast_form(client, url, data, extra=None):  # noqa: ANN001, ANN202
    review = client.post(url, {**data, "step": "review", **(extra or {})})
    assert review.status_code == 200, review.content.decode()[:2000]
    return client.post(url, {**data, "step": "cast", **(extra or {})})


def test_a_deputy_sees_the_open_poll_reviews_and_casts_with_a_receipt(client, world):
    poll = approval_poll(world, items=("关于2026年民生实事项目的决议",))
    open_for(poll, [world.deputy_user], world)
    (item,) = subject_ids(poll)
    client.force_login(world.deputy_user)
    mine = client.get(reverse("ballots:mine"))
    assert poll.title in mine.content.decode() and reverse("ballots:ballot", args=[poll.pk]) in (
        mine.content.decode()
    )
    page = client.get(reverse("ballots:ballot", args=[poll.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="radio"' in html and "<fieldset" in html and "<legend>" in html
    review = client.post(
        reverse("ballots:ballot", args=[poll.pk]), {f"s{item}": "yes", "step": "review"}
    )
    assert review.status_code == 200
    assert review.context["form"].review() == [("关于2026年民生实事项目的决议", "赞成")]
    assert not SealedBallot.objects.exists()  # the review stores nothing
    cast = client.post(
        reverse("ballots:ballot", args=[poll.pk]), {f"s{item}": "yes", "step": "cast"}
    )
    assert cast.status_code == 200 and "no-store" in cast["Cache-Control"]
    receipt = re.search(r'class="receipt-code"[^>]*>([A-Z0-9]{8})<', cast.content.decode()).group(1)
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    assert not services.receipt_listed(poll, receipt)  # sealed until the count
    # A second try is refused and the first ballot stands.
    again = client.post(
        reverse("ballots:ballot", args=[poll.pk]), {f"s{item}": "no", "step": "cast"}
    )
    assert again.status_code == 400
    assert SealedBallot.objects.filter(poll=poll).count() == Participation.objects.count() == 1
    assert client.get(reverse("ballots:mine")).context["polls"] == [(poll, True)]
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert services.receipt_listed(poll, receipt)
    assert list(BallotMark.objects.filter(ballot__poll=poll).values_list("choice", flat=True)) == [
        "yes"
    ]


def test_the_change_step_keeps_the_answers_and_a_missing_answer_is_named(client, world):
    poll = approval_poll(world, items=("甲项目", "乙项目"))
    open_for(poll, [world.deputy_user], world)
    a, b = subject_ids(poll)
    client.force_login(world.deputy_user)
    url = reverse("ballots:ballot", args=[poll.pk])
    missing = client.post(url, {f"s{a}": "yes", "step": "review"})
    assert missing.status_code == 400 and "乙项目" in missing.content.decode()
    back = client.post(url, {f"s{a}": "yes", f"s{b}": "abstain", "step": "edit"})
    assert back.status_code == 200 and 'value="abstain"' in back.content.decode()
    assert "checked" in back.content.decode() and not SealedBallot.objects.exists()


def test_no_ballot_before_opening_or_after_closing(client, world):
    poll = approval_poll(world)
    client.force_login(world.deputy_user)
    assert (
        client.get(reverse("ballots:ballot", args=[poll.pk])).status_code == 404
    )  # no elector yet
    open_for(poll, [world.deputy_user], world)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    (item,) = subject_ids(poll)
    closed = client.post(
        reverse("ballots:ballot", args=[poll.pk]), {f"s{item}": "yes", "step": "cast"}
    )
    assert closed.status_code == 400 and not Ballot.objects.exists()


def test_a_user_outside_the_electorate_gets_404(client, world):
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    client.force_login(world.citizen)
    assert client.get(reverse("ballots:ballot", args=[poll.pk])).status_code == 404
    assert client.get(reverse("ballots:mine")).context["polls"] == []


def test_an_absent_deputy_cannot_vote_online(client, world):
    poll = approval_poll(world)
    services.open_poll(
        poll, electorate=[(world.deputy_user, world.deputy_a, False)], acting_user=world.staff
    )
    client.force_login(world.deputy_user)
    page = client.get(reverse("ballots:ballot", args=[poll.pk]))
    assert page.context["absent"] and 'type="radio"' not in page.content.decode()
    (item,) = subject_ids(poll)
    with pytest.raises(DomainError):
        services.cast_online(poll, voter=world.deputy_user, choices={item: "yes"})


# --- voter codes -------------------------------------------------------------------------------


def _code_poll(world, codes=3):  # noqa: ANN001, ANN202
    poll = approval_poll(world, items=("村道硬化",), electorate_kind="invited", codes_planned=codes)
    plain = services.open_poll(poll, electorate=[], codes=codes, acting_user=world.staff).codes
    poll.refresh_from_db()
    return poll, plain


def test_an_invited_citizen_votes_with_a_code_once(client, world):
    poll, codes = _code_poll(world)
    (item,) = subject_ids(poll)
    entry = client.post(reverse("ballots:code_entry"), {"code": codes[0].lower()})
    assert entry.status_code == 200 and "村道硬化" in entry.content.decode()
    data = {"code": codes[0], "poll": poll.pk, f"s{item}": "yes"}
    cast = _cast_form(client, reverse("ballots:code_ballot"), data)
    assert cast.status_code == 200 and "receipt-code" in cast.content.decode()
    assert SealedBallot.objects.filter(poll=poll).count() == 1
    assert Participation.objects.filter(poll=poll, channel="code").count() == 1
    reused = client.post(reverse("ballots:code_entry"), {"code": codes[0]})
    assert reused.status_code == 404


def test_reused_unknown_and_foreign_codes_get_the_same_answer(client, world):
    poll, codes = _code_poll(world)
    other, other_codes = _code_poll(world)
    (item,) = subject_ids(poll)
    services.cast_with_code(poll, code=codes[0], choices={item: "yes"})
    answers = set()
    for bad in (codes[0], "ZZZZZZZZZZ"):
        r = client.post(reverse("ballots:code_entry"), {"code": bad})
        answers.add((r.status_code, r.context["error"]))
    # Foreign: a valid code of another poll, posted with this poll's ballot.
    foreign = client.post(
        reverse("ballots:code_ballot"),
        {"code": other_codes[0], "poll": poll.pk, f"s{item}": "no", "step": "cast"},
    )
    answers.add((foreign.status_code, foreign.context["error"]))
    assert len(answers) == 1 and next(iter(answers))[0] == 404
    with pytest.raises(DomainError) as exc:
        services.cast_with_code(poll, code=other_codes[0], choices={item: "no"})
    assert str(exc.value) == next(iter(answers))[1]
    assert SealedBallot.objects.filter(poll=poll).count() == 1


def test_code_attempts_are_rate_limited(client, world, settings):
    settings.RENDA_CODE_LIMIT = 3
    poll, codes = _code_poll(world)
    for _i in range(3):
        assert client.post(reverse("ballots:code_entry"), {"code": "BADBADBAD1"}).status_code == 404
    limited = client.post(reverse("ballots:code_entry"), {"code": codes[1]})
    assert limited.status_code == 429  # even a good code waits now


def test_codes_are_void_after_close(client, world):
    poll, codes = _code_poll(world)
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert client.post(reverse("ballots:code_entry"), {"code": codes[1]}).status_code == 404


# --- choose N with write-ins -----------------------------------------------------------------------


def _election(world, n_voters=1):  # noqa: ANN001, ANN202
    poll = services.create_election(
        congress=world.c_a,
        title="选举镇人大主席团成员",
        candidates=["张三", "李四", "王五"],
        seats=2,
        acting_user=world.staff,
    )
    return poll


def test_an_over_filled_choose_n_ballot_is_refused_with_a_clear_message(client, world):
    poll = _election(world)
    open_for(poll, [world.deputy_user], world)
    a, b, c = subject_ids(poll)
    client.force_login(world.deputy_user)
    url = reverse("ballots:ballot", args=[poll.pk])
    over = client.post(url, {"chosen": [a, b], "write_in_1": "赵六", "step": "review"})
    assert over.status_code == 400
    text = over.content.decode()
    assert "3" in text and "2" in text and not SealedBallot.objects.exists()
    ok = _cast_form(client, url, {"chosen": [a], "write_in_1": "赵 六"})
    assert ok.status_code == 200
    assert not WriteIn.objects.exists()  # sealed until the count
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert list(WriteIn.objects.values_list("name", flat=True)) == ["赵六"]


def test_write_ins_are_refused_for_a_listed_name_twice_or_where_not_allowed(world):
    poll = _election(world)
    users = [world.deputy_user]
    open_for(poll, users, world)
    for names in (["张三"], ["赵六", "赵 六"]):
        with pytest.raises(DomainError):
            services.cast_online(poll, voter=world.deputy_user, choices={}, write_ins=names)
    plain = approval_poll(world)
    open_for(plain, users, world)
    (item,) = subject_ids(plain)
    with pytest.raises(DomainError):
        services.cast_online(
            plain, voter=world.deputy_user, choices={item: "yes"}, write_ins=["赵六"]
        )
    assert not SealedBallot.objects.exists() and not Participation.objects.exists()


def test_the_announcement_is_public_only_once_published(client, world):
    poll = approval_poll(world, min_group=1)
    open_for(poll, [world.deputy_user], world)
    (item,) = subject_ids(poll)
    services.cast_online(poll, voter=world.deputy_user, choices={item: "yes"})
    url = reverse("ballots:announcement", args=[poll.pk])
    assert client.get(url).status_code == 404  # open
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    assert client.get(url).status_code == 404  # counted, not published
    client.force_login(world.staff)
    assert client.get(url).context["preview"] is True
    services.publish_poll(poll, acting_user=world.staff)
    client.logout()
    page = client.get(url)
    assert page.status_code == 200 and not page.context["preview"]
    assert poll.title in page.content.decode()
    poll.refresh_from_db()
    assert poll.status == PollStatus.PUBLISHED and poll.export_sha256 in page.content.decode()


def test_the_receipt_list_shows_hashes_and_checks_one(client, world):
    poll = approval_poll(world)
    open_for(poll, [world.deputy_user], world)
    (item,) = subject_ids(poll)
    receipt = services.cast_online(poll, voter=world.deputy_user, choices={item: "no"})
    url = reverse("ballots:receipts", args=[poll.pk])
    assert client.get(url).status_code == 404  # not before the count
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    page = client.post(url, {"receipt": receipt.lower()})
    assert page.context["found"] is True
    assert "no" not in page.context["receipts"] and len(page.context["receipts"]) == 1
    assert client.post(url, {"receipt": "WRONG123"}).context["found"] is False
    assert client.get(url).status_code == 200


def test_the_receipt_list_takes_as_many_queries_for_many_receipts(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.fixtures.ballots import deputies

    def counted(n: int) -> int:
        poll = approval_poll(world)
        users = deputies(world, n) if n > 1 else [world.deputy_user]
        open_for(poll, users, world)
        (item,) = subject_ids(poll)
        for user in users:
            services.cast_online(poll, voter=user, choices={item: "yes"})
        services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("ballots:receipts", args=[poll.pk]))
        assert len(page.context["receipts"]) == n
        return len(ctx)

    small = counted(1)
    assert counted(12) == small


def test_subject_descriptions_are_shown_under_their_titles_on_the_ballot(client, world):
    poll = approval_poll(
        world,
        items=("古街消防设施改造", " ", "镇区公厕改造"),
        descriptions=["更换消防栓12处\n责任单位：建设办", "", "<b>提档</b>"],
    )
    assert list(poll.subjects.order_by("order").values_list("title", "description")) == [
        ("古街消防设施改造", "更换消防栓12处\n责任单位：建设办"),
        ("镇区公厕改造", "<b>提档</b>"),
    ]
    open_for(poll, [world.deputy_user], world)
    client.force_login(world.deputy_user)
    html = client.get(reverse("ballots:ballot", args=[poll.pk])).content.decode()
    assert "更换消防栓12处<br>责任单位：建设办" in html
    assert "&lt;b&gt;提档&lt;/b&gt;" in html and "<b>提档</b>" not in html
