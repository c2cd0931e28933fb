"""Ballot secrecy against whoever reads the database, its WAL or a backup (docs/ballots.md,
"Secrecy"). After a mixed online / voter-code / paper poll — with a lone online voter —
the joins an attacker tries, while the poll is open and after it is closed, link no voter
to a choice: a column, the transaction id (PostgreSQL `xmin`), the storage order (rowid,
physical order), the commit order (each commit replayed as the WAL holds it), the
channel. The key of the ballot box is in no table. Wrong, foreign, repeated or too few
key shares are refused with a translated error and change nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation
from nacl.public import PrivateKey

from renda.ballots import sealing, services
from renda.ballots.models import (
    Ballot,
    BallotMark,
    Channel,
    PaperBatch,
    Participation,
    Poll,
    PollStatus,
    SealedBallot,
    WriteIn,
)
from renda.congress.models import Role, RoleGrant
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from tests.fixtures.ballots import (
    approval_poll,
    deputies,
    open_for,
    share_fields,
    shares_of,
    subject_ids,
)

BALLOT_TABLES = ("ballots_ballot", "ballots_ballotmark", "ballots_writein")
WATCHED = ("ballots_participation", "ballots_sealedballot", *BALLOT_TABLES)
CJK = re.compile(r"[\u4e00-\u9fff]")


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _rows(table: str) -> set[tuple[Any, ...]]:
    """Every row of a table as the attacker reads it, with PostgreSQL's `xmin`."""
    extra = ", xmin::text" if _postgres() else ", rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT *{extra} FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return {tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in cursor}


def _snapshot() -> dict[str, set[tuple[Any, ...]]]:
    return {table: _rows(table) for table in WATCHED}


def _everything() -> list[bytes]:
    """Every value of every table of the database, as bytes: what a backup holds."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        out.append(bytes(value))
                    elif value is not None:
                        out.append(str(value).encode())
    return out


def _key_material(poll: Poll) -> list[bytes]:
    """What must never be stored: the private key (raw and hex), its seed, the shares."""
    public = bytes.fromhex(poll.public_key)
    every = shares_of(poll, count=poll.key_holders)
    points = [sealing.decode_share(s, poll_id=poll.pk, public_key=public) for s in every]
    seed = sealing.combine_shares(points)
    private = bytes(sealing.recover_private_key(points, public))
    out = [private, private.hex().encode(), seed.hex().encode()]
    for share in every:
        out += [share.encode(), sealing.normalise_share(share).encode()]
    return out


def _second_teller(world: Any) -> Any:
    user = get_user_model().objects.create_user(username="teller2", password="pw-for-tests-1")
    RoleGrant.objects.create(user=user, role=Role.STAFF, congress=world.c_a)
    return user


def _mixed_poll(world: Any, commits: list[dict[str, set[tuple[Any, ...]]]]) -> dict[str, Any]:
    """12 deputies entitled, of whom one votes online (the lone online voter); 3 voter
    codes, 2 used; 4 paper ballots entered by two tellers (one invalid), one of them
    reading like the online ballot. A snapshot of the watched tables after every commit."""
    voters = deputies(world, 12)
    poll = approval_poll(world, items=("甲项目", "乙项目"), uses_paper=True)
    commits.append(_snapshot())
    codes = open_for(poll, voters, world, codes=3, paper=True)
    commits.append(_snapshot())
    a, b = subject_ids(poll)
    receipts = {
        "online": services.cast_online(poll, voter=voters[0], choices={a: "no", b: "abstain"})
    }
    commits.append(_snapshot())
    receipts["code1"] = services.cast_with_code(poll, code=codes[0], choices={a: "yes", b: "yes"})
    commits.append(_snapshot())
    receipts["code2"] = services.cast_with_code(poll, code=codes[1], choices={a: "yes", b: "no"})
    commits.append(_snapshot())
    paper = [{a: "no", b: "abstain"}, {a: "yes", b: "no"}, {a: "yes", b: "yes"}, {"invalid": True}]
    services.enter_paper_batch(poll, number=1, ballots=paper, teller=world.staff)
    commits.append(_snapshot())
    services.enter_paper_batch(
        poll, number=1, ballots=list(reversed(paper)), teller=_second_teller(world)
    )
    commits.append(_snapshot())
    services.record_paper_counts(poll, issued=5, returned=4, acting_user=world.staff)
    commits.append(_snapshot())
    poll.refresh_from_db()
    return {"poll": poll, "voters": voters, "receipts": receipts, "subjects": (a, b)}


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def test_no_column_of_a_ballot_names_a_voter_a_channel_or_a_moment(db):
    assert _columns("ballots_ballot") == {"id", "poll_id", "receipt_hash", "invalid"}
    assert _columns("ballots_ballotmark") == {"id", "ballot_id", "subject_id", "choice"}
    assert _columns("ballots_writein") == {"id", "ballot_id", "name"}
    assert _columns("ballots_sealedballot") == {"id", "poll_id", "box"}
    # Who took part: the elector, the channel and the day; nothing that points to a ballot.
    assert _columns("ballots_participation") == {
        "id",
        "poll_id",
        "elector_id",
        "channel",
        "on_date",
    }


@pytest.mark.django_db(transaction=True)
def test_a_mixed_poll_cannot_be_joined_to_its_voters_while_open_or_after_close(world):
    commits: list[dict[str, set[tuple[Any, ...]]]] = []
    mixed = _mixed_poll(world, commits)
    poll, receipts = mixed["poll"], mixed["receipts"]
    lone = Participation.objects.get(poll=poll, channel=Channel.ONLINE)
    assert lone.elector.user == mixed["voters"][0]  # who voted online is known, by design
    hashes = {k: services.receipt_hash(r).encode() for k, r in receipts.items()}

    # --- while open: nothing but ciphertext next to the participations -------------------
    assert not any(_rows(t) for t in BALLOT_TABLES)
    boxes = list(SealedBallot.objects.filter(poll=poll).values_list("box", flat=True))
    assert len(boxes) == Participation.objects.filter(poll=poll).count() == 7
    assert len({len(bytes(box)) for box in boxes}) == 1  # one size: the length says nothing
    stranger = PrivateKey.generate()
    for box in boxes:
        assert b'"c":' not in bytes(box)
        with pytest.raises(ValueError):
            sealing.unseal(stranger, bytes(box))
    everything = _everything()
    for digest in hashes.values():  # no receipt is readable anywhere before the count
        assert not any(digest in value for value in everything)
    key = _key_material(poll)
    assert not any(k in value for k in key for value in everything)
    if _postgres():
        with connection.cursor() as cursor:
            for table in BALLOT_TABLES:
                cursor.execute(
                    f"SELECT count(*) FROM ballots_participation p JOIN {table} b "  # noqa: S608
                    "ON p.xmin = b.xmin"
                )
                assert cursor.fetchone()[0] == 0
            # The sealed box shares its participation's transaction: it is all there is.
            cursor.execute(
                "SELECT s.box FROM ballots_participation p JOIN ballots_sealedballot s "
                "ON p.xmin = s.xmin WHERE p.id = %s",
                [lone.pk],
            )
            (linked,) = cursor.fetchone()
            with pytest.raises(ValueError):
                sealing.unseal(stranger, bytes(linked))

    # --- the close ------------------------------------------------------------------------------
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    commits.append(_snapshot())
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED and poll.result["ballots"] == 7
    assert poll.result["ballots_by_channel"] == {"online": 1, "code": 2, "paper": 4}
    assert not SealedBallot.objects.filter(poll=poll).exists()

    # The transaction id: every ballot row was written by the one close transaction.
    if _postgres():
        with connection.cursor() as cursor:
            xmins: set[str] = set()
            for table in BALLOT_TABLES:
                cursor.execute(f"SELECT DISTINCT xmin::text FROM {table}")  # noqa: S608
                xmins |= {row[0] for row in cursor.fetchall()}
                cursor.execute(
                    f"SELECT count(*) FROM ballots_participation p JOIN {table} b "  # noqa: S608
                    "ON p.xmin = b.xmin"
                )
                assert cursor.fetchone()[0] == 0
            assert len(xmins) == 1
            cursor.execute("SELECT DISTINCT xmin::text FROM ballots_participation")
            assert not xmins & {row[0] for row in cursor.fetchall()}
            # Physical order: the rows as stored, in the order the close shuffled them.
            cursor.execute("SELECT receipt_hash FROM ballots_ballot ORDER BY ctid")
            stored = [row[0] for row in cursor.fetchall()]
    else:
        # SQLite: the rowid is the random id; the storage order is the random id's.
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid, id, receipt_hash FROM ballots_ballot ORDER BY rowid")
            rows = cursor.fetchall()
        assert all(rowid == pk for rowid, pk, _h in rows)
        stored = [h for _r, _i, h in rows]
    assert len(stored) == 7

    # The commit order, replayed commit by commit as the WAL holds it.
    for before, after in zip(commits, commits[1:], strict=False):
        added = {t: after[t] - before[t] for t in WATCHED}
        removed = {t: before[t] - after[t] for t in WATCHED}
        if added["ballots_participation"]:
            # A vote's commit: a participation and an opaque box, never a readable ballot.
            assert not any(added[t] for t in BALLOT_TABLES)
            assert len(added["ballots_sealedballot"]) == len(added["ballots_participation"])
        if any(added[t] for t in BALLOT_TABLES):
            # The only commit that writes ballots: all of them, and no participation.
            assert after is commits[-1]
            assert not added["ballots_participation"]
            assert len(added["ballots_ballot"]) == 7
            assert len(removed["ballots_sealedballot"]) == 7

    # The channel: no column says it, and every ballot has a receipt hash (paper too), so
    # the lone online ballot is one of the two that read "no, abstain".
    assert Ballot.objects.filter(poll=poll, receipt_hash="").count() == 0
    a, b = mixed["subjects"]
    same_as_online = [
        ballot_id
        for ballot_id, marks in _ballots(poll).items()
        if marks == {(a, "no"), (b, "abstain")}
    ]
    assert len(same_as_online) == 2
    # Each voter still finds their receipt in the public list.
    assert all(services.receipt_listed(poll, r) for r in receipts.values())
    everything = _everything()
    assert not any(k in value for k in key for value in everything)
    assert PaperBatch.objects.get(poll=poll).entries == []
    assert services.recount(poll)[0]


def _ballots(poll: Poll) -> dict[int, set[tuple[int, str]]]:
    out: dict[int, set[tuple[int, str]]] = {}
    for ballot_id, subject_id, choice in BallotMark.objects.filter(ballot__poll=poll).values_list(
        "ballot_id", "subject_id", "choice"
    ):
        out.setdefault(ballot_id, set()).add((subject_id, choice))
    return out


def test_the_stored_order_of_ballots_is_not_the_order_of_casting(world):
    voters = deputies(world, 12)
    poll = approval_poll(world, items=("甲",))
    open_for(poll, voters, world)
    (item,) = subject_ids(poll)
    cast = [
        services.receipt_hash(services.cast_online(poll, voter=v, choices={item: "yes"}))
        for v in voters
    ]
    services.close_poll(poll, acting_user=world.staff, shares=shares_of(poll))
    order = "ctid" if _postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT receipt_hash FROM ballots_ballot ORDER BY {order}")  # noqa: S608
        stored = [row[0] for row in cursor.fetchall()]
    assert sorted(stored) == sorted(cast)
    assert stored != cast  # a shuffle of 12: equal by chance once in 479 million


# --- the key shares ----------------------------------------------------------------------------


def _one_vote_poll(world: Any, **options: Any) -> Poll:
    poll = approval_poll(world, **options)
    open_for(poll, [world.deputy_user], world)
    (item,) = subject_ids(poll)
    services.cast_online(poll, voter=world.deputy_user, choices={item: "yes"})
    return poll


def _mistype(share: str, group: int) -> str:
    compact = sealing.normalise_share(share)
    position = (group - 1) * 5 + 1
    swapped = "Z" if compact[position] != "Z" else "Y"
    return compact[:position] + swapped + compact[position + 1 :]


def test_wrong_foreign_repeated_or_too_few_shares_are_refused_and_change_nothing(world):
    poll = _one_vote_poll(world)
    other = _one_vote_poll(world)
    first, second, third = shares_of(poll, count=3)
    foreign = shares_of(other)[0]
    attempts = [
        ([], "0"),
        ([first], "1"),
        ([first, first], "1"),
        ([_mistype(first, 3), second], "3"),
        ([foreign, second], ""),
        ([first[:20], second], "40"),
        ([first, "0O1IL-" * 6], ""),
    ]
    for shares, number in attempts:
        with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
            services.close_poll(poll, acting_user=world.staff, shares=shares)
        message = str(refused.value)
        assert CJK.search(message), message  # translated
        assert number in message, message
        poll.refresh_from_db()
        assert poll.status == PollStatus.OPEN and poll.result is None
        assert SealedBallot.objects.filter(poll=poll).count() == 1
        assert not Ballot.objects.filter(poll=poll).exists()
    assert not ActionLog.objects.filter(action="poll.closed").exists()
    # Any two holders, typing loosely (lower case, hyphens, O for 0), open the box.
    loose = [s.lower().replace(" ", "-").replace("0", "o") for s in (third, second)]
    services.close_poll(poll, acting_user=world.staff, shares=loose)
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED and poll.result["ballots"] == 1
    assert "key-shares=2,3" in ActionLog.objects.get(action="poll.closed").note


def test_a_poll_can_need_three_shares_of_five(world):
    poll = _one_vote_poll(world, key_holders=5, key_threshold=3)
    shares = shares_of(poll, count=5)
    assert len(shares) == 5
    with pytest.raises(DomainError) as refused:
        services.close_poll(poll, acting_user=world.staff, shares=shares[:2])
    assert "3" in str(refused.value)
    services.close_poll(poll, acting_user=world.staff, shares=[shares[4], shares[0], shares[2]])
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    with pytest.raises(DomainError):  # one holder alone never opens a box
        approval_poll(world, key_holders=3, key_threshold=1)
    with pytest.raises(DomainError):
        approval_poll(world, key_holders=2, key_threshold=3)


def test_the_close_page_asks_for_the_shares_and_names_a_mistyped_group(client, world):
    poll = _one_vote_poll(world)
    client.force_login(world.staff)
    url = reverse("ballots:office_close", args=[poll.pk])
    page = client.get(url)
    html = page.content.decode()
    assert html.count('type="password"') == 2 and 'autocomplete="off"' in html
    first, second = shares_of(poll)
    typo = client.post(url, {"share_1": _mistype(first, 5), "share_2": second})
    assert typo.status_code == 400 and "5" in " ".join(typo.context["form"].non_field_errors())
    assert first not in typo.content.decode()  # a share is never echoed back
    poll.refresh_from_db()
    assert poll.status == PollStatus.OPEN
    assert client.post(url, share_fields(poll)).status_code == 302
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED


def test_opening_hands_out_the_shares_once_and_as_docx_for_this_poll_only(client, world):
    poll = approval_poll(world)
    other = _one_vote_poll(world)
    client.force_login(world.staff)
    page = client.post(reverse("ballots:office_open", args=[poll.pk]))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    shares = [s for _n, s in page.context["shares"]]
    html = page.content.decode()
    assert all(s in html for s in shares)
    assert "无效" in html or "void" in html  # lost shares: the poll is void and re-run
    url = reverse("ballots:office_key_docx", args=[poll.pk])
    docx = client.post(url, {"share": shares})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    import io

    from docx import Document

    text = "\n".join(c.text for t in Document(io.BytesIO(docx.content)).tables for c in t._cells)
    assert all(s in text for s in shares)
    assert "无效" in text or "void" in text
    forged = client.post(url, {"share": [*shares[:1], shares_of(other)[0]]})
    assert forged.status_code == 404  # only this poll's own shares print
    poll.refresh_from_db()
    assert not any(s.encode() in value for s in shares for value in _everything())


def test_voiding_an_open_poll_discards_its_sealed_ballots_unopened(world):
    poll = _one_vote_poll(world, uses_paper=True)
    (item,) = subject_ids(poll)
    services.enter_paper_batch(poll, number=1, ballots=[{item: "no"}], teller=world.staff)
    assert PaperBatch.objects.get(poll=poll).entries  # awaiting the second teller
    services.void_poll(poll, acting_user=world.staff, reason="密钥份额遗失，重新表决")
    poll.refresh_from_db()
    assert poll.status == PollStatus.VOID
    assert not SealedBallot.objects.filter(poll=poll).exists()
    assert not Ballot.objects.filter(poll=poll).exists()
    assert PaperBatch.objects.get(poll=poll).entries == []
    assert Participation.objects.filter(poll=poll).count() == 1  # who took part stays


def test_paper_entries_are_kept_as_digests_that_show_no_pattern(world):
    poll = approval_poll(world, uses_paper=True)
    open_for(poll, [], world, paper=True)
    (item,) = subject_ids(poll)
    services.enter_paper_batch(
        poll, number=1, ballots=[{item: "yes"}] * 3 + [{item: "no"}], teller=world.staff
    )
    batch = PaperBatch.objects.get(poll=poll)
    assert batch.size == 4 and len(set(batch.entries)) == 4  # equal ballots, distinct digests
    assert not any("yes" in d or "no" in d for d in batch.entries)


# --- the cryptography --------------------------------------------------------------------------


def test_any_k_shares_rebuild_the_secret_and_fewer_do_not():
    import itertools

    secret = bytes(range(16))
    points = sealing.split_secret(secret, 3, 5)
    for chosen in itertools.combinations(points, 3):
        assert sealing.combine_shares(list(chosen)) == secret
    assert all(sealing.combine_shares(list(c)) != secret for c in itertools.combinations(points, 2))


def test_every_single_mistyped_character_of_a_share_is_caught():
    key = sealing.new_key(7, threshold=2, holders=3)
    compact = sealing.normalise_share(key.shares[0])
    assert len(compact) == sealing.SHARE_CHARACTERS == 40
    for position, original in enumerate(compact):
        for replacement in sealing.ALPHABET:
            if replacement == original:
                continue
            typed = compact[:position] + replacement + compact[position + 1 :]
            with pytest.raises(sealing.ShareError) as caught:
                sealing.decode_share(typed, poll_id=7, public_key=key.public_key)
            assert caught.value.kind == "groups" and caught.value.groups == [position // 5 + 1]
    with pytest.raises(sealing.ShareError) as foreign:
        sealing.decode_share(key.shares[0], poll_id=8, public_key=key.public_key)
    assert foreign.value.kind == "poll"


def test_sealed_ballots_of_a_poll_have_one_size_whatever_they_say():
    key = sealing.new_key(1, threshold=2, holders=3)
    size = sealing.plaintext_size(subjects=3, max_choices=2, write_ins=True)
    short = sealing.seal(key.public_key, {"m": []}, size=size)
    long = sealing.seal(
        key.public_key,
        {"m": [[99999999999, "unsatisfied"]] * 3, "w": ["\u0001" * 40] * 2},
        size=size,
    )
    assert len(short) == len(long) == sealing.sealed_size(size)


# --- the demo ------------------------------------------------------------------------------------


def test_demo_shares_are_written_only_in_demo_mode(world, settings, tmp_path):
    from renda.ballots.demo import hand_out_demo_shares

    settings.VAR_DIR = tmp_path
    poll = _one_vote_poll(world)
    settings.DEMO_MODE = False
    with pytest.raises(RuntimeError):
        hand_out_demo_shares(poll, shares_of(poll))
    assert not (tmp_path / "demo-key-shares").exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_prints_the_open_votes_shares_and_a_demo_user_closes_it(
    client, settings, tmp_path
):
    import io

    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", quiet_accounts=True, stdout=out)
    open_polls = Poll.objects.filter(status=PollStatus.OPEN)
    assert open_polls.count() == 1
    poll = open_polls.get()
    written = (tmp_path / "demo-key-shares" / f"poll-{poll.pk}.txt").read_text(encoding="utf-8")
    shares = re.findall(r"share \d: ((?:[0-9A-Z]{5} ){7}[0-9A-Z]{5})", written)
    assert len(shares) == 3 and all(s in out.getvalue() for s in shares)
    # The demo's closed polls were counted with their shares.
    assert Poll.objects.filter(status__in=[PollStatus.CLOSED, PollStatus.PUBLISHED]).exists()
    assert not SealedBallot.objects.exclude(poll=poll).exists()
    assert not WriteIn.objects.filter(ballot__poll=poll).exists()
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    closed = client.post(
        reverse("ballots:office_close", args=[poll.pk]),
        {"share_1": shares[2], "share_2": shares[0]},
    )
    assert closed.status_code == 302, closed.content.decode()[:3000]
    poll.refresh_from_db()
    assert poll.status == PollStatus.CLOSED
    assert settings.DEMO_MODE
