"""Every state change of a poll. Casting and closing take the same row lock on the poll, so
a ballot is either in the frozen result or refused; one participation per elector is a
database constraint; results are computed once, at close, in a fixed number of queries."""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from renda.ballots.models import (
    POLL_TRANSITIONS,
    Ballot,
    BallotMark,
    Base,
    Channel,
    Elector,
    Method,
    PaperBatch,
    Participation,
    Poll,
    PollStatus,
    PollSubject,
    Scale,
    VoterCode,
)
from renda.ballots.rules import Threshold, rank_approvals, rating_result
from renda.congress import policy
from renda.congress.services import DomainError
from renda.core import audit

_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"renda.ballots.{kind}", value.strip().upper()).hexdigest()


def _lock(poll: Poll) -> Poll:
    return Poll.objects.select_for_update().get(pk=poll.pk)


def _require_staff(user: Any, poll: Poll) -> None:
    if not policy.can(user, "poll.manage", poll.congress):
        raise DomainError(_("Only the presidium office can do this."))


def _move(
    poll: Poll, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    if target not in POLL_TRANSITIONS[PollStatus(poll.status)]:
        raise DomainError(
            _("A poll that is “%(current)s” cannot become “%(target)s”.")
            % {"current": PollStatus(poll.status).label, "target": PollStatus(target).label}
        )
    before = poll.status
    poll.status = target
    poll.save(update_fields=["status", *fields])
    audit.record(
        f"poll.{target}", poll, actor=actor, changes={"status": [before, target]}, note=note
    )


# --- preparing and opening ---------------------------------------------------------------


def create_poll(
    *,
    congress: Any,
    title: str,
    method: str,
    scale: str,
    acting_user: Any,
    subjects: Sequence[str],
    **options: Any,
) -> Poll:
    if not policy.can(acting_user, "poll.manage", congress):
        raise DomainError(_("Only the presidium office can do this."))
    if method not in Method.values or scale not in Scale.values:
        raise DomainError(_("Choose the voting method and scale."))
    titles = [t.strip() for t in subjects if t and t.strip()]
    if not titles:
        raise DomainError(_("A poll needs at least one subject."))
    if method == Method.CHOOSE and not options.get("max_choices"):
        raise DomainError(_("Say how many candidates each voter may choose."))
    with transaction.atomic():
        poll = Poll.objects.create(
            congress=congress,
            title=title.strip(),
            method=method,
            scale=scale,
            created_by=acting_user,
            **options,
        )
        PollSubject.objects.bulk_create(
            [PollSubject(poll=poll, order=i, title=t) for i, t in enumerate(titles, start=1)]
        )
        audit.record("poll.created", poll, actor=acting_user)
    return poll


def open_poll(
    poll: Poll,
    *,
    electorate: Iterable[tuple[Any, Any, bool]],
    acting_user: Any,
    codes: int = 0,
    paper: bool = False,
) -> list[str]:
    """Fix the electorate — (user, deputy, present) for each entitled voter — and open the
    poll. Returns the one-time voter codes to print (shown only now; stored hashed)."""
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        entries = list(electorate)
        if not entries and not codes and not paper:
            raise DomainError(_("The electorate is empty."))
        Elector.objects.bulk_create(
            [
                Elector(
                    poll=poll,
                    user=user,
                    deputy=deputy,
                    present=present,
                    name=(deputy.name if deputy is not None else str(user))[:60],
                )
                for user, deputy, present in entries
            ]
        )
        plain = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(codes)]
        VoterCode.objects.bulk_create(
            [VoterCode(poll=poll, code_hash=_digest("code", c)) for c in plain]
        )
        poll.opened_at = timezone.now()
        _move(
            poll,
            PollStatus.OPEN,
            actor=acting_user,
            fields=["opened_at"],
            note=f"electorate={len(entries)} codes={codes}",
        )
    return plain


# --- casting -------------------------------------------------------------------------------


def _validate_marks(poll: Poll, choices: dict[int, str]) -> list[tuple[int, str]]:
    subject_ids = list(poll.subjects.values_list("id", flat=True))
    if set(choices) - set(subject_ids):
        raise DomainError(_("The ballot names something that is not on this poll."))
    if poll.method == Method.CHOOSE:
        chosen = [sid for sid, c in choices.items() if c == "chosen"]
        if len(chosen) > (poll.max_choices or 0):
            raise DomainError(_("Choose at most %(n)s.") % {"n": poll.max_choices})
        if any(c != "chosen" for c in choices.values()):
            raise DomainError(_("The ballot is not filled in correctly."))
        return [(sid, "chosen") for sid in chosen]
    allowed = set(poll.grades())
    if set(choices) != set(subject_ids) or any(c not in allowed for c in choices.values()):
        raise DomainError(_("Give one answer for every item on the ballot."))
    return sorted(choices.items())


def _store_ballot(poll: Poll, marks: list[tuple[int, str]], channel: str) -> str:
    receipt = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    ballot = Ballot.objects.create(
        poll=poll, channel=channel, receipt_hash=_digest("receipt", receipt)
    )
    BallotMark.objects.bulk_create(
        [BallotMark(ballot=ballot, subject_id=sid, choice=c) for sid, c in marks]
    )
    return receipt


def cast_online(poll: Poll, *, voter: Any, choices: dict[int, str]) -> str:
    """A logged-in elector casts. Returns the receipt code (shown once)."""
    with transaction.atomic():
        # The lock that closing also takes: no ballot slips in after the count.
        poll = _lock(poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        voter_id = getattr(voter, "pk", None)
        elector = Elector.objects.filter(poll=poll, user_id=voter_id).first() if voter_id else None
        if elector is None:
            raise DomainError(_("You are not entitled to vote in this poll."))
        marks = _validate_marks(poll, choices)
        try:
            with transaction.atomic():
                Participation.objects.create(
                    poll=poll, elector=elector, channel=Channel.ONLINE, on_date=timezone.localdate()
                )
        except IntegrityError:
            raise DomainError(_("You have already voted in this poll.")) from None
        receipt = _store_ballot(poll, marks, Channel.ONLINE)
    return receipt


def cast_with_code(poll: Poll, *, code: str, choices: dict[int, str]) -> str:
    """An invited citizen votes with a one-time code. An unknown, used or foreign code
    gets the same answer."""
    with transaction.atomic():
        poll = _lock(poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        voter_code = (
            VoterCode.objects.select_for_update()
            .filter(poll=poll, code_hash=_digest("code", code or ""), used=False, void=False)
            .first()
        )
        if voter_code is None:
            raise DomainError(_("This voter code is not valid."))
        marks = _validate_marks(poll, choices)
        voter_code.used = True
        voter_code.save(update_fields=["used"])
        Participation.objects.create(
            poll=poll, elector=None, channel=Channel.CODE, on_date=timezone.localdate()
        )
        receipt = _store_ballot(poll, marks, Channel.CODE)
    return receipt


def enter_paper_batch(
    poll: Poll, *, number: int, ballots: list[dict[int, str]], teller: Any
) -> PaperBatch:
    """Paper ballots of one batch, entered by two tellers in turn; the batch counts when the
    second entry matches the first (as a multiset: tellers need not keep the same order)."""
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(teller, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        checked = [dict(_validate_marks(poll, b)) for b in ballots]
        # One string per ballot, sorted: the same ballots in any order compare equal.
        canonical = sorted(";".join(f"{k}={v}" for k, v in sorted(b.items())) for b in checked)
        batch = PaperBatch.objects.select_for_update().filter(poll=poll, number=number).first()
        if batch is None:
            return PaperBatch.objects.create(
                poll=poll, number=number, first_teller=teller, entries=canonical
            )
        if batch.agreed:
            raise DomainError(_("This batch has already been counted."))
        if batch.first_teller_id == teller.pk:
            raise DomainError(_("The second entry must be made by the other teller."))
        if batch.entries != canonical:
            first, second = Counter(batch.entries), Counter(canonical)
            raise DomainError(
                _("The tellers disagree on batch %(n)s: %(first)s ballots differ from %(second)s.")
                % {
                    "n": number,
                    "first": sum((first - second).values()),
                    "second": sum((second - first).values()),
                }
            )
        batch.second_teller = teller
        batch.agreed = True
        batch.save(update_fields=["second_teller", "agreed"])
        for marks in checked:
            _store_ballot(poll, sorted(marks.items()), Channel.PAPER)
            Participation.objects.create(
                poll=poll, elector=None, channel=Channel.PAPER, on_date=timezone.localdate()
            )
        audit.record(
            "poll.paper_batch_counted",
            poll,
            actor=teller,
            changes={"batch": [None, number], "ballots": [None, len(checked)]},
        )
    return batch


def record_paper_counts(poll: Poll, *, issued: int, returned: int, acting_user: Any) -> Poll:
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        if issued < 0 or returned < 0:
            raise DomainError(_("Counts cannot be negative."))
        before = (poll.paper_issued, poll.paper_returned)
        poll.paper_issued, poll.paper_returned = issued, returned
        poll.save(update_fields=["paper_issued", "paper_returned"])
        audit.record(
            "poll.paper_counts",
            poll,
            actor=acting_user,
            changes={"issued": [before[0], issued], "returned": [before[1], returned]},
        )
    return poll


# --- closing and the result ----------------------------------------------------------------


def tally(poll: Poll) -> dict[str, Any]:
    """Counts from the ballots: one aggregate query, whatever their number."""
    counts: dict[int, dict[str, int]] = {}
    for row in (
        BallotMark.objects.filter(ballot__poll=poll)
        .values("subject_id", "choice")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["subject_id"], {})[row["choice"]] = row["n"]
    by_channel = dict(
        Ballot.objects.filter(poll=poll).values_list("channel").annotate(n=Count("id"))
    )
    return {"counts": counts, "ballots_by_channel": by_channel}


def compute_result(poll: Poll, counts: dict[int, dict[str, int]], ballots: int) -> dict[str, Any]:
    electorate = poll.electors.count() + poll.codes.count()
    present = poll.electors.filter(present=True).count() + poll.codes.count()
    threshold = Threshold(poll.threshold_num, poll.threshold_den, poll.threshold_strict)
    subjects = list(poll.subjects.order_by("order", "id"))
    grades = (
        [code for code in poll.grades() if code not in ("abstain", "unknown")]
        if poll.scale != Scale.APPROVAL
        else []
    )
    rows = []
    for subject in subjects:
        c = counts.get(subject.pk, {})
        excluded = c.get("abstain", 0) + c.get("unknown", 0)
        base = {
            Base.ENTITLED: electorate,
            Base.PRESENT: present,
            Base.CAST: ballots,
            Base.VALID: ballots - excluded,
        }[Base(poll.base)]
        row: dict[str, Any] = {
            "subject": subject.pk,
            "title": subject.title,
            "counts": c,
            "base": base,
        }
        if poll.method == Method.RATING:
            row["result"] = rating_result(c, base, threshold, grades)
        rows.append(row)
    result: dict[str, Any] = {
        "ballots": ballots,
        "electorate": electorate,
        "present": present,
        "subjects": rows,
    }
    if poll.method in (Method.APPROVAL, Method.CHOOSE):
        key = "yes" if poll.method == Method.APPROVAL else "chosen"
        ranked = rank_approvals(
            [(r["subject"], r["counts"].get(key, 0)) for r in rows],
            rows[0]["base"] if rows else 0,
            threshold,
            poll.seats,
        )
        by_id = {r.subject_id: r for r in ranked}
        for r in rows:
            info = by_id[r["subject"]]
            r.update(passed=info.passed, elected=info.elected, tie=info.tie)
        result["ties"] = any(r.tie for r in ranked)
    return result


def canonical_export(poll: Poll) -> str:
    """Every ballot as one line of `subject-order:choice` pairs, lines sorted: the order of
    casting cannot be read from it, and its SHA-256 goes on the minutes."""
    orders = dict(poll.subjects.values_list("id", "order"))
    lines: dict[int, list[str]] = {}
    for ballot_id, subject_id, choice in (
        BallotMark.objects.filter(ballot__poll=poll)
        .values_list("ballot_id", "subject_id", "choice")
        .iterator(chunk_size=5000)
    ):
        lines.setdefault(ballot_id, []).append(f"{orders[subject_id]}:{choice}")
    empty = Ballot.objects.filter(poll=poll).exclude(marks__isnull=False).count()
    body = sorted(";".join(sorted(marks)) for marks in lines.values()) + [""] * empty
    return "\n".join(sorted(body)) + "\n"


def close_poll(poll: Poll, *, acting_user: Any) -> Poll:
    """Count, check the invariants, freeze. A failed invariant refuses to close (showing
    the discrepancy); more paper ballots returned than issued makes the poll void."""
    with transaction.atomic():
        poll = _lock(poll)  # casting waits for this lock, then finds the poll closed
        _require_staff(acting_user, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open."))
        data = tally(poll)
        by_channel = data["ballots_by_channel"]
        ballots = sum(by_channel.values())
        participations = dict(
            Participation.objects.filter(poll=poll).values_list("channel").annotate(n=Count("id"))
        )
        if poll.paper_returned > poll.paper_issued:
            poll.void_reason = _(
                "More paper ballots were returned (%(r)s) than issued (%(i)s)."
            ) % {"r": poll.paper_returned, "i": poll.paper_issued}
            poll.closed_at = timezone.now()
            VoterCode.objects.filter(poll=poll, used=False).update(void=True)
            _move(
                poll,
                PollStatus.VOID,
                actor=acting_user,
                fields=["void_reason", "closed_at"],
                note=poll.void_reason,
            )
            return poll
        problems = []
        for channel in Channel.values:
            if by_channel.get(channel, 0) != participations.get(channel, 0):
                problems.append(
                    _("%(channel)s: %(b)s ballots but %(p)s participations.")
                    % {
                        "channel": Channel(channel).label,
                        "b": by_channel.get(channel, 0),
                        "p": participations.get(channel, 0),
                    }
                )
        if (
            by_channel.get(Channel.PAPER, 0)
            and by_channel.get(Channel.PAPER, 0) != poll.paper_returned
        ):
            problems.append(
                _("Paper: %(b)s ballots entered but %(r)s returned.")
                % {"b": by_channel.get(Channel.PAPER, 0), "r": poll.paper_returned}
            )
        electorate = poll.electors.count() + poll.codes.count() + poll.paper_issued
        if ballots > electorate:
            problems.append(
                _("%(b)s ballots for an electorate of %(e)s.") % {"b": ballots, "e": electorate}
            )
        if poll.method != Method.CHOOSE:
            for counts in data["counts"].values():
                if sum(counts.values()) != ballots:
                    problems.append(
                        _("An item has %(n)s answers for %(b)s ballots.")
                        % {"n": sum(counts.values()), "b": ballots}
                    )
        if problems:
            raise DomainError(
                _("The poll cannot be closed: %(problems)s") % {"problems": " ".join(problems)}
            )
        poll.result = compute_result(poll, data["counts"], ballots)
        poll.result["ballots_by_channel"] = by_channel
        poll.export_sha256 = hashlib.sha256(canonical_export(poll).encode()).hexdigest()
        poll.closed_at = timezone.now()
        VoterCode.objects.filter(poll=poll, used=False).update(void=True)
        transaction.on_commit(_shuffle_storage)
        _move(
            poll,
            PollStatus.CLOSED,
            actor=acting_user,
            fields=["result", "export_sha256", "closed_at"],
            note=f"sha256={poll.export_sha256}",
        )
    return poll


def _shuffle_storage() -> None:
    """PostgreSQL stores rows in the order they were written; rewrite the ballot tables in
    their random-id order once a poll closes, so that storage order reveals nothing. (On
    SQLite the random id is the storage order from the start.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CLUSTER ballots_ballot USING ballots_ballot_pkey")
            cursor.execute("CLUSTER ballots_ballotmark USING ballots_ballotmark_pkey")


def publish_poll(poll: Poll, *, acting_user: Any) -> Poll:
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        poll.published_at = timezone.now()
        _move(poll, PollStatus.PUBLISHED, actor=acting_user, fields=["published_at"])
    return poll


def public_result(poll: Poll) -> dict[str, Any] | None:
    """The result as shown: nothing while a secret poll is open; details of polls with
    fewer ballots than the smallest group are withheld."""
    if poll.status not in (PollStatus.CLOSED, PollStatus.PUBLISHED) or poll.result is None:
        return None
    if poll.result["ballots"] < poll.min_group:
        return {"ballots": poll.result["ballots"], "suppressed": True}
    return poll.result


def receipts(poll: Poll) -> list[str]:
    """The public list of receipt hashes (no choices): a voter checks theirs is counted."""
    return sorted(
        Ballot.objects.filter(poll=poll)
        .exclude(receipt_hash="")
        .values_list("receipt_hash", flat=True)
    )


def receipt_listed(poll: Poll, receipt: str) -> bool:
    return Ballot.objects.filter(poll=poll, receipt_hash=_digest("receipt", receipt)).exists()


def recount(poll: Poll) -> tuple[bool, dict[str, Any]]:
    """Recompute from the stored ballots and compare with the frozen result."""
    data = tally(poll)
    ballots = sum(data["ballots_by_channel"].values())
    fresh = compute_result(poll, data["counts"], ballots)
    fresh["ballots_by_channel"] = data["ballots_by_channel"]
    frozen = poll.result or {}
    same = _normalise(fresh) == _normalise(frozen) and (
        hashlib.sha256(canonical_export(poll).encode()).hexdigest() == poll.export_sha256
    )
    return same, fresh


def _normalise(value: Any) -> Any:
    """JSON round-trip turns int keys into strings; compare in that form."""
    import json

    return json.loads(json.dumps(value, sort_keys=True, default=str))
