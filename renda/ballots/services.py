"""Every state change of a poll. Casting and closing take the same row lock on the poll, so
a ballot is either in the frozen result or refused; one participation per elector is a
database constraint; results are computed once, at close, in a fixed number of queries.

Secret by design (docs/ballots.md, "Secrecy"): a cast stores its participation and its
ballot sealed to the poll's public key; only the key holders' shares open the box, at
close, when the ballots are written in one transaction in random order and the sealed
boxes are discarded."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from renda.ballots import sealing
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
    PollKind,
    PollStatus,
    PollSubject,
    Scale,
    SealedBallot,
    VoterCode,
    WriteIn,
    random_id,
)
from renda.ballots.rules import Threshold, rank_approvals, rating_result
from renda.congress import policy
from renda.congress.models import AgendaItem, DeputyMembership
from renda.core import audit, keys, rawjoin, workflow
from renda.core.errors import DomainError

_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

# The key of a poll's ballot box is split among the tellers and the chair: by default any 2
# of 3 shares open it; one holder alone never can.
KEY_THRESHOLD, KEY_HOLDERS = 2, 3
MIN_KEY_THRESHOLD, MAX_KEY_HOLDERS = 2, 9


def _digest(kind: str, value: str) -> str:
    """The keyed hash of a code or receipt, with the current key (renda.core.keys)."""
    return keys.digest(f"renda.ballots.{kind}", value.strip().upper())


def _digests(kind: str, value: str) -> list[str]:
    """The hash under every key of the ring: what an older key version stored is found."""
    return keys.digests(f"renda.ballots.{kind}", value.strip().upper())


def _lock(poll: Poll) -> Poll:
    """The exclusive lock on the poll row: closing, opening, paper entry, settings."""
    return Poll.objects.select_for_update().get(pk=poll.pk)


def _lock_to_cast(poll: Poll) -> Poll:
    """The lock a ballot takes. On PostgreSQL a shared row lock (FOR SHARE): ballots do
    not wait for one another, but closing (FOR UPDATE) waits for every ballot in flight
    and a ballot arriving during the close waits for it, then reads the poll closed. (One
    voter's two ballots are kept apart by the participation constraint, not by this lock.)
    Elsewhere the exclusive lock."""
    if connection.vendor == "postgresql":
        rows = list(
            Poll.objects.raw(
                f"SELECT * FROM {Poll._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [poll.pk],
            )
        )
        if not rows:
            raise Poll.DoesNotExist
        return rows[0]
    return _lock(poll)


@dataclass(frozen=True)
class _Entitlement:
    elector_id: int
    present: bool


def _lock_to_cast_as(poll: Poll, voter_id: int) -> tuple[Poll, _Entitlement | None]:
    """`_lock_to_cast`, and the user's elector row of the poll read under that lock (None:
    not an elector). On PostgreSQL one round trip: the row is joined to the locked poll
    (the lock is taken on the poll only)."""
    if connection.vendor != "postgresql":
        poll = _lock(poll)
        row = Elector.objects.filter(poll=poll, user_id=voter_id).values_list("pk", "present")
        found = row.first()
        return poll, _Entitlement(*found) if found else None
    rows = rawjoin.fetch(_cast_lock_sql(), [voter_id, poll.pk], _CAST_LOCK_PARTS)
    if not rows:
        raise Poll.DoesNotExist
    (locked,), (elector_id, present) = rows[0]
    if locked is None:  # never: the poll's own row
        raise Poll.DoesNotExist
    if elector_id is None:
        return locked, None  # type: ignore[return-value]
    return locked, _Entitlement(elector_id, bool(present))  # type: ignore[return-value]


_CAST_LOCK_PARTS = (rawjoin.Part(Poll, "p"),)


@cache
def _cast_lock_sql() -> str:
    """The poll's columns (as the ORM reads them, renda.core.rawjoin) and the voter's elector
    row, under the poll's shared lock: written once per process."""
    return (
        f"SELECT {rawjoin.select(_CAST_LOCK_PARTS)}, e.id, e.present "  # noqa: S608
        f"FROM {Poll._meta.db_table} p LEFT JOIN {Elector._meta.db_table} e "
        "ON e.poll_id = p.id AND e.user_id = %s WHERE p.id = %s FOR SHARE OF p"
    )


def _require_staff(user: Any, poll: Poll) -> None:
    if not policy.can(user, "poll.manage", poll.congress):
        raise DomainError(_("Only the presidium office can do this."))


def _move(
    poll: Poll, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        poll,
        target,
        transitions=POLL_TRANSITIONS,
        action=f"poll.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A poll that is “%(current)s” cannot become “%(target)s”."),
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
    descriptions: Sequence[str] = (),
    **options: Any,
) -> Poll:
    """A draft poll with its subjects (in order); `descriptions`, if given, are shown to
    the voters under each subject's title (same order as `subjects`)."""
    if not policy.can(acting_user, "poll.manage", congress):
        raise DomainError(_("Only the presidium office can do this."))
    if method not in Method.values or scale not in Scale.values:
        raise DomainError(_("Choose the voting method and scale."))
    described = list(zip(subjects, [*descriptions, *[""] * len(subjects)], strict=False))
    pairs = [(t.strip(), (d or "").strip()) for t, d in described if t and t.strip()]
    titles = [t for t, _d in pairs]
    if not titles:
        raise DomainError(_("A poll needs at least one subject."))
    _check_options(congress, method, scale, titles, options)
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
            [
                PollSubject(poll=poll, order=i, title=t, description=d)
                for i, (t, d) in enumerate(pairs, start=1)
            ]
        )
        audit.record("poll.created", poll, actor=acting_user)
    return poll


def _check_options(
    congress: Any, method: str, scale: str, titles: Sequence[str], options: dict[str, Any]
) -> None:
    """What a poll's settings must satisfy, whether created or edited."""
    unknown = set(options) - _settable()
    if unknown:
        raise DomainError(
            _("Unknown poll settings: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    if method == Method.CHOOSE:
        # Candidates must be told apart (written-in names are compared with them).
        if len({normalise_name(t) for t in titles}) != len(titles):
            raise DomainError(_("The same subject is listed twice."))
        if scale != Scale.CHOICE:
            raise DomainError(_("Choose the voting method and scale."))
        if not options.get("max_choices"):
            raise DomainError(_("Say how many candidates each voter may choose."))
        seats = options.get("seats")
        if seats is not None and seats > len(titles) and not options.get("allow_write_ins"):
            raise DomainError(_("There are fewer candidates than places."))
    elif options.get("allow_write_ins"):
        raise DomainError(_("Write-ins are possible only when voters choose among candidates."))
    if method == Method.APPROVAL and scale != Scale.APPROVAL:
        raise DomainError(_("Choose the voting method and scale."))
    if method == Method.RATING and scale in (Scale.APPROVAL, Scale.CHOICE):
        raise DomainError(_("Choose the voting method and scale."))
    num, den = options.get("threshold_num", 1), options.get("threshold_den", 2)
    if not den or num > den or num <= 0:
        raise DomainError(_("The threshold must be a fraction between 0 and 1."))
    threshold = options.get("key_threshold", KEY_THRESHOLD)
    holders = options.get("key_holders", KEY_HOLDERS)
    if not MIN_KEY_THRESHOLD <= threshold <= holders <= MAX_KEY_HOLDERS:
        raise DomainError(
            _(
                "The key of the ballot box is split among %(min)s to %(max)s holders, and "
                "at least %(min)s of them, never more than there are, are needed to count."
            )
            % {"min": MIN_KEY_THRESHOLD, "max": MAX_KEY_HOLDERS}
        )
    session, item = options.get("session"), options.get("agenda_item")
    if session is not None and session.term.congress_id != congress.pk:
        raise DomainError(_("The session belongs to another congress."))
    if item is not None and (session is None or item.session_id != session.pk):
        raise DomainError(_("The agenda item is not on this session's agenda."))


# Set only by the services, never through a poll's settings.
_PROTECTED = {
    "id",
    "congress",
    "title",
    "method",
    "scale",
    "status",
    "created_by",
    "opened_at",
    "closed_at",
    "published_at",
    "paper_issued",
    "paper_returned",
    "result",
    "export_sha256",
    "void_reason",
    "public_key",
}


def _settable() -> set[str]:
    return {f.name for f in Poll._meta.concrete_fields} - _PROTECTED


def update_poll(
    poll: Poll,
    *,
    acting_user: Any,
    title: str,
    method: str,
    scale: str,
    subjects: Sequence[str],
    **options: Any,
) -> Poll:
    """Edit a draft: its settings and its subjects (replaced as a whole; nothing has been
    voted yet, the subjects of a draft have no marks)."""
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        if poll.status != PollStatus.DRAFT:
            raise DomainError(_("Only a draft poll can be edited."))
        titles = [t.strip() for t in subjects if t and t.strip()]
        if not titles:
            raise DomainError(_("A poll needs at least one subject."))
        if method not in Method.values or scale not in Scale.values:
            raise DomainError(_("Choose the voting method and scale."))
        _check_options(poll.congress, method, scale, titles, options)
        before = {"title": poll.title, "method": poll.method, "scale": poll.scale}
        poll.title, poll.method, poll.scale = title.strip(), method, scale
        for name, value in options.items():
            setattr(poll, name, value)
        poll.save(update_fields=["title", "method", "scale", *options])
        current = list(poll.subjects.order_by("order", "id"))
        if [s.title for s in current] != titles:
            # A draft's subjects carry no marks: renumber in place, add or drop the rest.
            for order, (subject, new_title) in enumerate(
                zip(current, titles, strict=False), start=1
            ):
                subject.title, subject.order = new_title, order
            PollSubject.objects.bulk_update(current[: len(titles)], ["title", "order"])
            PollSubject.objects.filter(pk__in=[s.pk for s in current[len(titles) :]]).delete()
            PollSubject.objects.bulk_create(
                [
                    PollSubject(poll=poll, order=i, title=t)
                    for i, t in enumerate(titles, start=1)
                    if i > len(current)
                ]
            )
        audit.record(
            "poll.edited",
            poll,
            actor=acting_user,
            changes={k: [v, getattr(poll, k)] for k, v in before.items() if v != getattr(poll, k)},
        )
    return poll


def create_resolution(
    agenda_item: AgendaItem, *, acting_user: Any, title: str = "", **options: Any
) -> Poll:
    """A vote of the session on one agenda item: 赞成/反对/弃权, by default passed with
    more than half of all entitled deputies (base and threshold configurable)."""
    session = agenda_item.session
    options.setdefault("base", Base.ENTITLED)
    return create_poll(
        congress=session.term.congress,
        title=title or agenda_item.title,
        method=Method.APPROVAL,
        scale=Scale.APPROVAL,
        subjects=[agenda_item.title],
        acting_user=acting_user,
        session=session,
        agenda_item=agenda_item,
        kind=PollKind.RESOLUTION,
        allow_abstain=True,
        **options,
    )


def create_election(
    *,
    congress: Any,
    title: str,
    candidates: Sequence[str],
    seats: int,
    acting_user: Any,
    write_ins: bool = True,
    **options: Any,
) -> Poll:
    """An election: each voter chooses at most `seats` names among the candidates or
    written in (另选他人); elected with more than half of the ballots cast (configurable),
    ranked by votes, a tie at the last place reported for a further vote."""
    if not seats or seats < 1:
        raise DomainError(_("An election needs at least one place."))
    options.setdefault("base", Base.CAST)
    return create_poll(
        congress=congress,
        title=title,
        method=Method.CHOOSE,
        scale=Scale.CHOICE,
        subjects=candidates,
        acting_user=acting_user,
        kind=PollKind.ELECTION,
        max_choices=seats,
        seats=seats,
        allow_write_ins=write_ins,
        **options,
    )


def deputies_entitled(poll: Poll) -> list[Any]:
    """The deputies entitled to vote: active members of the poll's congress on the
    session's first day (or today, for a poll outside a session), by name."""
    on = poll.session.start_date if poll.session is not None else timezone.localdate()
    memberships = (
        DeputyMembership.objects.active_on(on)
        .filter(congress_id=poll.congress_id)
        .select_related("deputy__user")
        .order_by("deputy__name", "deputy_id")
    )
    seen: set[int] = set()
    out = []
    for m in memberships:
        if m.deputy_id not in seen:
            seen.add(m.deputy_id)
            out.append(m.deputy)
    return out


@dataclass(frozen=True)
class Opening:
    """What opening a poll hands out, once: the one-time voter codes to print on slips
    (stored only hashed) and the shares of the ballot box's key, one per holder (stored
    nowhere: `threshold` of them are needed to close the poll; if fewer survive, the poll
    cannot be counted and is declared void and voted again)."""

    codes: list[str]
    shares: list[str]
    threshold: int


def open_poll(
    poll: Poll,
    *,
    electorate: Iterable[tuple[Any, Any, bool]],
    acting_user: Any,
    codes: int = 0,
    paper: bool = False,
) -> Opening:
    """Fix the electorate — (user, deputy, present) for each entitled voter — make the
    ballot box's key pair and open the poll. Returns the voter codes and the key shares to
    print: both exist in clear only in this return value."""
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
        if not MIN_KEY_THRESHOLD <= poll.key_threshold <= poll.key_holders <= MAX_KEY_HOLDERS:
            raise DomainError(_("The key of the ballot box cannot be split this way."))
        plain = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(codes)]
        VoterCode.objects.bulk_create(
            [VoterCode(poll=poll, code_hash=_digest("code", c)) for c in plain]
        )
        key = sealing.new_key(poll.pk, threshold=poll.key_threshold, holders=poll.key_holders)
        poll.public_key = key.public_key.hex()
        poll.opened_at = timezone.now()
        poll.uses_paper = poll.uses_paper or paper
        _move(
            poll,
            PollStatus.OPEN,
            actor=acting_user,
            fields=["opened_at", "uses_paper", "public_key"],
            note=f"electorate={len(entries)} codes={codes} "
            f"key={poll.key_threshold}-of-{poll.key_holders}",
        )
    return Opening(codes=plain, shares=key.shares, threshold=poll.key_threshold)


# --- casting -------------------------------------------------------------------------------


_SPACES = re.compile(r"[\s\u00b7\u2022\u30fb]+")


def normalise_name(raw: str) -> str:
    """How written-in names are grouped: Unicode NFKC (full-width letters become
    half-width), spaces and middle dots removed, Latin letters in one case. "王 建国" and
    "王建国" are the same person; different characters stay different."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw or "")).casefold()[:40]


def _subjects(poll: Poll) -> dict[int, str]:
    return dict(poll.subjects.values_list("id", "title"))


def _validate_ballot(
    poll: Poll,
    choices: dict[int, str],
    write_ins: Sequence[str] = (),
    *,
    subjects: dict[int, str] | None = None,
) -> tuple[list[tuple[int, str]], list[str]]:
    """The marks and the normalised write-ins of one ballot, or a DomainError saying what
    is wrong with it (nothing is stored)."""
    if subjects is None:
        subjects = _subjects(poll)
    if set(choices) - set(subjects):
        raise DomainError(_("The ballot names something that is not on this poll."))
    names = [normalise_name(n) for n in write_ins if n and n.strip()]
    if names and not poll.allow_write_ins:
        raise DomainError(_("This ballot does not allow write-ins."))
    if any(not n for n in names) or len(set(names)) != len(names):
        raise DomainError(_("The same name is written in twice."))
    if set(names) & {normalise_name(t) for t in subjects.values()}:
        raise DomainError(
            _("A written-in name is already on the ballot: mark the candidate instead.")
        )
    if poll.method == Method.CHOOSE:
        chosen = [sid for sid, c in choices.items() if c == "chosen"]
        if any(c != "chosen" for c in choices.values()):
            raise DomainError(_("The ballot is not filled in correctly."))
        if len(chosen) + len(names) > (poll.max_choices or 0):
            raise DomainError(
                _(
                    "This ballot names %(count)s people but at most %(n)s may be chosen. "
                    "Remove some and cast again."
                )
                % {"count": len(chosen) + len(names), "n": poll.max_choices}
            )
        return [(sid, "chosen") for sid in sorted(chosen)], sorted(names)
    allowed = set(poll.grades())
    if set(choices) != set(subjects) or any(c not in allowed for c in choices.values()):
        raise DomainError(_("Give one answer for every item on the ballot."))
    return sorted(choices.items()), []


def _validate_marks(poll: Poll, choices: dict[int, str]) -> list[tuple[int, str]]:
    return _validate_ballot(poll, choices)[0]


def _sealed_size(poll: Poll, subjects: int) -> int:
    """The one padded size of every sealed ballot of the poll (the box's length says
    nothing about what the ballot reads)."""
    return sealing.plaintext_size(
        subjects=subjects, max_choices=poll.max_choices or 0, write_ins=poll.allow_write_ins
    )


def _sealed_ballot(
    poll: Poll,
    marks: list[tuple[int, str]],
    channel: str,
    names: Sequence[str] = (),
    *,
    subjects: int,
    invalid: bool = False,
) -> tuple[SealedBallot, str]:
    """The ballot sealed to the poll's public key, with its receipt code. Everything that
    will be stored of it is inside the box: its channel (checked against the participations
    at close, then dropped), the hash of its receipt (every ballot has one, paper ballots
    too, so that none stands out), its marks and written names."""
    receipt = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    content = {
        "c": channel,
        "r": _digest("receipt", receipt),
        "m": [[sid, choice] for sid, choice in marks],
        "w": list(names),
        "i": invalid,
    }
    box = sealing.seal(bytes.fromhex(poll.public_key), content, size=_sealed_size(poll, subjects))
    return SealedBallot(poll=poll, box=box), receipt


def cast_online(
    poll: Poll,
    *,
    voter: Any,
    choices: dict[int, str],
    write_ins: Sequence[str] = (),
    subjects: dict[int, str] | None = None,
) -> str:
    """A logged-in elector casts. Returns the receipt code (shown once). `subjects` (id →
    title) saves reading them again when the caller read them after seeing the poll open
    (an open poll's subjects never change: only a draft's can be edited)."""
    voter_id = getattr(voter, "pk", None)
    with transaction.atomic():
        # The lock that closing conflicts with: no ballot slips in after the count.
        if voter_id:
            poll, elector = _lock_to_cast_as(poll, voter_id)
        else:
            poll, elector = _lock_to_cast(poll), None
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        if elector is None:
            raise DomainError(_("You are not entitled to vote in this poll."))
        if not elector.present:
            raise DomainError(
                _("You are recorded as absent from this vote; ask the presidium office.")
            )
        if subjects is None:
            subjects = _subjects(poll)
        marks, names = _validate_ballot(poll, choices, write_ins, subjects=subjects)
        sealed, receipt = _sealed_ballot(poll, marks, Channel.ONLINE, names, subjects=len(subjects))
        try:
            # No savepoint: a refusal rolls back the whole transaction anyway. Both rows are
            # written by statements prepared once per process (renda.core.rawjoin.save_new):
            # the ORM's save() cost more CPU than the database spends on them.
            rawjoin.save_new(
                Participation(
                    poll=poll,
                    elector_id=elector.elector_id,
                    channel=Channel.ONLINE,
                    on_date=timezone.localdate(),
                )
            )
        except IntegrityError:
            raise DomainError(_("You have already voted in this poll.")) from None
        rawjoin.save_new(sealed)
    return receipt


def _find_code(poll: Poll | None, code: str, *, lock: bool = False) -> VoterCode | None:
    codes = VoterCode.objects.filter(
        code_hash__in=_digests("code", code or ""),
        used=False,
        void=False,
        poll__status=PollStatus.OPEN,
    )
    if poll is not None:
        codes = codes.filter(poll=poll)
    if lock:
        codes = codes.select_for_update(of=("self",))
    return codes.first()


def poll_for_code(code: str) -> Poll | None:
    """The open poll a valid, unused voter code belongs to (nothing is consumed); None for
    an unknown, used or void code alike."""
    found = _find_code(None, code)
    return Poll.objects.filter(pk=found.poll_id).first() if found else None


def cast_with_code(
    poll: Poll,
    *,
    code: str,
    choices: dict[int, str],
    write_ins: Sequence[str] = (),
    subjects: dict[int, str] | None = None,
) -> str:
    """An invited citizen votes with a one-time code. An unknown, used or foreign code
    gets the same answer. `subjects`: as for `cast_online`."""
    with transaction.atomic():
        poll = _lock_to_cast(poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        # The code's row lock makes one code one ballot, however many try it at once.
        voter_code = _find_code(poll, code, lock=True)
        if voter_code is None:
            raise DomainError(_("This voter code is not valid."))
        if subjects is None:
            subjects = _subjects(poll)
        marks, names = _validate_ballot(poll, choices, write_ins, subjects=subjects)
        sealed, receipt = _sealed_ballot(poll, marks, Channel.CODE, names, subjects=len(subjects))
        voter_code.used = True
        voter_code.save(update_fields=["used"])
        Participation.objects.create(
            poll=poll, elector=None, channel=Channel.CODE, on_date=timezone.localdate()
        )
        sealed.save(force_insert=True)
    return receipt


INVALID = "invalid"  # a paper ballot the tellers found void (废票)


def _paper_ballot(
    poll: Poll, entry: dict[Any, Any], subjects: dict[int, str]
) -> tuple[list[tuple[int, str]], list[str]]:
    if entry.get(INVALID):
        return [], []
    choices = {k: v for k, v in entry.items() if isinstance(k, int)}
    return _validate_ballot(poll, choices, entry.get("write_ins") or (), subjects=subjects)


def _canonical_paper(marks: list[tuple[int, str]], names: list[str], invalid: bool) -> str:
    if invalid:
        return INVALID
    return ";".join([*(f"{k}={v}" for k, v in marks), *(f"w={n}" for n in names)])


def _paper_digests(
    poll: Poll, number: int, canonical: Sequence[str], key: keys.Key | None = None
) -> list[str]:
    """A batch as keyed digests (the application's key, never in the database), one per
    ballot: the k-th copy of the same ballot gets its own digest, so that two entries
    compare as multisets and equal ballots do not show as equal digests. Sorted."""
    rank: Counter[str] = Counter()
    out = []
    for line in canonical:
        rank[line] += 1
        out.append(
            keys.digest(f"renda.ballots.paper.{poll.pk}.{number}", f"{rank[line]}:{line}", key=key)
        )
    return sorted(out)


def _second_entry_digests(
    poll: Poll, number: int, canonical: Sequence[str], first: list[str]
) -> list[str]:
    """The second entry's digests under the key version of the first entry (the keys may
    have been rotated between the two tellers' entries): the version whose digests share
    the most with the first entry."""
    candidates = [_paper_digests(poll, number, canonical, key) for key in keys.ring()]
    return max(candidates, key=lambda digests: len(set(digests) & set(first)))


def enter_paper_batch(
    poll: Poll, *, number: int, ballots: list[dict[Any, Any]], teller: Any
) -> PaperBatch:
    """Paper ballots of one batch, entered by two tellers in turn; the batch counts when the
    second entry matches the first (as a multiset: tellers need not keep the same order).
    The first entry is kept only as keyed digests; the agreed ballots are sealed like
    every other ballot and opened with them at close.

    Each ballot is `{subject id: choice}`, optionally with `"write_ins": [names]`, or
    `{"invalid": True}` for a ballot the tellers found void (废票)."""
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(teller, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        if number < 1:
            raise DomainError(_("Batches are numbered from 1."))
        subjects = _subjects(poll)
        checked = [(*_paper_ballot(poll, b, subjects), bool(b.get(INVALID))) for b in ballots]
        if not checked:
            raise DomainError(_("The batch is empty."))
        canonical = [_canonical_paper(*c) for c in checked]
        batch = PaperBatch.objects.select_for_update().filter(poll=poll, number=number).first()
        if batch is None:
            digests = _paper_digests(poll, number, canonical)
            batch = PaperBatch.objects.create(
                poll=poll, number=number, first_teller=teller, size=len(checked), entries=digests
            )
            audit.record(
                "poll.paper_batch_entered",
                poll,
                actor=teller,
                changes={"batch": [None, number], "ballots": [None, len(checked)]},
            )
            return batch
        if batch.agreed:
            raise DomainError(_("This batch has already been counted."))
        if batch.first_teller_id == teller.pk:
            raise DomainError(_("The second entry must be made by the other teller."))
        digests = _second_entry_digests(poll, number, canonical, batch.entries)
        if batch.entries != digests:
            first, second = set(batch.entries), set(digests)
            disagreement = DomainError(
                _("The tellers disagree on batch %(n)s: %(first)s ballots differ from %(second)s.")
                % {"n": number, "first": len(first - second), "second": len(second - first)}
            )
        else:
            disagreement = None
            _count_batch(poll, batch, checked, teller, subjects=len(subjects))
    if disagreement is not None:
        # Nothing of the second entry is kept, but the disagreement itself is on record.
        with transaction.atomic():
            audit.record(
                "poll.paper_batch_disagreement",
                poll,
                actor=teller,
                changes={"batch": [None, number]},
                note=str(disagreement),
            )
        raise disagreement
    return batch


def _count_batch(
    poll: Poll, batch: PaperBatch, checked: list[Any], teller: Any, *, subjects: int
) -> None:
    """The second entry agrees: seal the batch's ballots and store their participations
    (no receipt is handed out for a paper ballot; its sealed receipt hash is one nobody
    holds). The digests have done their work and are dropped."""
    batch.second_teller = teller
    batch.agreed = True
    batch.entries = []
    batch.save(update_fields=["second_teller", "agreed", "entries"])
    SealedBallot.objects.bulk_create(
        [
            _sealed_ballot(poll, marks, Channel.PAPER, names, subjects=subjects, invalid=invalid)[0]
            for marks, names, invalid in checked
        ]
    )
    day = timezone.localdate()
    Participation.objects.bulk_create(
        [
            Participation(poll=poll, elector=None, channel=Channel.PAPER, on_date=day)
            for _ballot in checked
        ]
    )
    audit.record(
        "poll.paper_batch_counted",
        poll,
        actor=teller,
        changes={"batch": [None, batch.number], "ballots": [None, len(checked)]},
    )


def discard_paper_entry(poll: Poll, *, number: int, acting_user: Any, reason: str) -> None:
    """Drop a first entry the tellers found wrong (nothing was counted from it), so that the
    batch can be entered again. Counted batches cannot be discarded. The log keeps the
    reason and the number of ballots, never what they read."""
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
        if not reason.strip():
            raise DomainError(_("Give a reason."))
        batch = PaperBatch.objects.select_for_update().filter(poll=poll, number=number).first()
        if batch is None or batch.agreed:
            raise DomainError(_("Only a batch awaiting its second entry can be entered again."))
        entries = batch.size
        batch.delete()
        audit.record(
            "poll.paper_batch_discarded",
            poll,
            actor=acting_user,
            changes={"batch": [number, None], "ballots": [entries, None]},
            note=reason.strip(),
        )


def record_paper_counts(poll: Poll, *, issued: int, returned: int, acting_user: Any) -> Poll:
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open for voting."))
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
    """Counts from the opened ballots of a counted poll: four aggregate queries, whatever
    their number. (Ballots carry no channel: the count per channel is the participations'.)"""
    counts: dict[int, dict[str, int]] = {}
    for row in (
        BallotMark.objects.filter(ballot__poll=poll)
        .values("subject_id", "choice")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["subject_id"], {})[row["choice"]] = row["n"]
    write_ins = dict(
        WriteIn.objects.filter(ballot__poll=poll).values_list("name").annotate(n=Count("id"))
    )
    ballots = Ballot.objects.filter(poll=poll).aggregate(
        n=Count("id"), invalid=Count("id", filter=models.Q(invalid=True))
    )
    return {
        "counts": counts,
        "ballots": ballots["n"],
        "ballots_by_channel": participations_by_channel(poll),
        "write_ins": write_ins,
        "invalid": ballots["invalid"],
    }


def participations_by_channel(poll: Poll) -> dict[str, int]:
    return dict(
        Participation.objects.filter(poll=poll).values_list("channel").annotate(n=Count("id"))
    )


def compute_result(
    poll: Poll,
    counts: dict[int, dict[str, int]],
    ballots: int,
    *,
    write_ins: dict[str, int] | None = None,
    invalid: int = 0,
) -> dict[str, Any]:
    electorate = poll.electors.count() + poll.codes.count()
    present = poll.electors.filter(present=True).count() + poll.codes.count()
    threshold = Threshold(poll.threshold_num, poll.threshold_den, poll.threshold_strict)
    subjects = list(poll.subjects.order_by("order", "id"))
    grades = (
        [code for code in poll.grades() if code not in ("abstain", "unknown")]
        if poll.scale != Scale.APPROVAL
        else []
    )
    valid_ballots = ballots - invalid
    rows = []
    for subject in subjects:
        c = counts.get(subject.pk, {})
        excluded = c.get("abstain", 0) + c.get("unknown", 0)
        base = {
            Base.ENTITLED: electorate,
            Base.PRESENT: present,
            Base.CAST: ballots,
            Base.VALID: valid_ballots - excluded,
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
    if invalid:
        result["invalid"] = invalid
    written: list[dict[str, Any]] = [
        {"name": name, "counts": {"chosen": n}}
        for name, n in sorted((write_ins or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if poll.method in (Method.APPROVAL, Method.CHOOSE):
        key = "yes" if poll.method == Method.APPROVAL else "chosen"
        base = rows[0]["base"] if rows else ballots if poll.base == Base.CAST else valid_ballots
        # Write-ins rank with the candidates (negative keys: they are not subjects).
        ranked = rank_approvals(
            [(r["subject"], r["counts"].get(key, 0)) for r in rows]
            + [(-i, w["counts"]["chosen"]) for i, w in enumerate(written, start=1)],
            base,
            threshold,
            poll.seats,
        )
        by_id = {r.subject_id: r for r in ranked}
        for r in rows:
            info = by_id[r["subject"]]
            r.update(passed=info.passed, elected=info.elected, tie=info.tie)
        for i, w in enumerate(written, start=1):
            info = by_id[-i]
            w.update(base=base, passed=info.passed, elected=info.elected, tie=info.tie)
        result["ties"] = any(r.tie for r in ranked)
    if poll.allow_write_ins:
        result["write_ins"] = written
    return result


def canonical_export(poll: Poll) -> str:
    """Every ballot as one line of `subject-order:choice` pairs (and `w:name` for names
    written in, `invalid` for a void paper ballot), lines sorted: the order of casting
    cannot be read from it, and its SHA-256 goes on the minutes."""
    orders = dict(poll.subjects.values_list("id", "order"))
    lines: dict[int, list[str]] = {}
    for ballot_id, subject_id, choice in (
        BallotMark.objects.filter(ballot__poll=poll)
        .values_list("ballot_id", "subject_id", "choice")
        .iterator(chunk_size=5000)
    ):
        lines.setdefault(ballot_id, []).append(f"{orders[subject_id]}:{choice}")
    for ballot_id, name in (
        WriteIn.objects.filter(ballot__poll=poll)
        .values_list("ballot_id", "name")
        .iterator(chunk_size=5000)
    ):
        lines.setdefault(ballot_id, []).append(f"w:{name}")
    invalid = Ballot.objects.filter(poll=poll, invalid=True).count()
    empty = Ballot.objects.filter(poll=poll).count() - len(lines) - invalid
    body = (
        [";".join(sorted(marks)) for marks in lines.values()] + [""] * empty + [INVALID] * invalid
    )
    return "\n".join(sorted(body)) + "\n"


def close_problems(poll: Poll, data: dict[str, Any]) -> list[str]:
    """The invariants a poll must satisfy to be closed, as translated discrepancies (an
    empty list when it may close). `data` is the count of the opened ballot box: ballots
    per channel (from inside the boxes), answers per item, invalid ballots, and what could
    not be opened."""
    by_channel = data["ballots_by_channel"]
    ballots = sum(by_channel.values())
    participations = participations_by_channel(poll)
    problems = list(data.get("box_problems", []))
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
    paper = by_channel.get(Channel.PAPER, 0)
    if (paper or poll.uses_paper) and paper != poll.paper_returned:
        problems.append(
            _("Paper: %(b)s ballots entered but %(r)s returned.")
            % {"b": paper, "r": poll.paper_returned}
        )
    pending = list(
        PaperBatch.objects.filter(poll=poll, agreed=False)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if pending:
        problems.append(
            _("Paper batches awaiting the second teller: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in pending)}
        )
    electorate = poll.electors.count() + poll.codes.count() + poll.paper_issued
    if ballots > electorate:
        problems.append(
            _("%(b)s ballots for an electorate of %(e)s.") % {"b": ballots, "e": electorate}
        )
    if poll.method != Method.CHOOSE:
        valid = ballots - data.get("invalid", 0)
        for counts in data["counts"].values():
            if sum(counts.values()) != valid:
                problems.append(
                    _("An item has %(n)s answers for %(b)s ballots.")
                    % {"n": sum(counts.values()), "b": valid}
                )
    return problems


def pending_problems(poll: Poll) -> list[str]:
    """What can be checked before the box is opened (the close page shows it): sealed
    ballots against participations, paper batches and counts, the electorate. Channels and
    answers are inside the boxes and are checked when closing opens them."""
    participations = participations_by_channel(poll)
    sealed = SealedBallot.objects.filter(poll=poll).count()
    problems = []
    if sealed != sum(participations.values()):
        problems.append(
            _("%(b)s sealed ballots but %(p)s participations.")
            % {"b": sealed, "p": sum(participations.values())}
        )
    data = {"ballots_by_channel": participations, "counts": {}, "invalid": 0}
    return problems + close_problems(poll, data)


def _share_error(position: int, error: sealing.ShareError) -> str:
    if error.kind == "length":
        return _(
            "Key share %(n)s is not complete: a share has %(count)s characters (8 groups of 5)."
        ) % {"n": position, "count": sealing.SHARE_CHARACTERS}
    if error.kind == "characters":
        return _("Key share %(n)s contains characters that are not on a key slip.") % {
            "n": position
        }
    if error.kind == "groups":
        return ngettext(
            "Key share %(n)s: group %(groups)s is mistyped.",
            "Key share %(n)s: groups %(groups)s are mistyped.",
            len(error.groups),
        ) % {"n": position, "groups": ", ".join(str(g) for g in error.groups)}
    return _("Key share %(n)s belongs to another poll, or is mistyped.") % {"n": position}


def _recover_key(poll: Poll, shares: Sequence[str]) -> tuple[Any, list[int]]:
    """The ballot box's private key rebuilt from the holders' shares (in memory only), with
    the numbers of the shares used; a translated DomainError for a wrong, foreign,
    repeated or missing share."""
    public = bytes.fromhex(poll.public_key)
    points: dict[int, bytes] = {}
    entered = [text for text in shares if text and text.strip()]
    for position, text in enumerate(entered, start=1):
        try:
            x, y = sealing.decode_share(text, poll_id=poll.pk, public_key=public)
        except sealing.ShareError as exc:
            raise DomainError(_share_error(position, exc)) from None
        if x in points:
            raise DomainError(
                _("Key share number %(x)s is entered twice: each holder enters their own share.")
                % {"x": x}
            )
        points[x] = y
    if len(points) < poll.key_threshold:
        raise DomainError(
            _("%(k)s different key shares are needed to open the ballot box; %(n)s entered.")
            % {"k": poll.key_threshold, "n": len(points)}
        )
    try:
        key = sealing.recover_private_key(list(points.items()), public)
    except ValueError:
        raise DomainError(_("These key shares do not open this poll's ballot box.")) from None
    return key, sorted(points)


def _open_box(poll: Poll, key: Any) -> dict[str, Any]:
    """Open every sealed ballot of the poll (one query) and count them: the data that
    `close_problems` checks, with the opened ballots themselves under "opened"."""
    subjects = _subjects(poll)
    allowed = set(poll.grades()) | {"chosen"}
    opened: list[dict[str, Any]] = []
    unreadable = malformed = 0
    for box in (
        SealedBallot.objects.filter(poll=poll)
        .values_list("box", flat=True)
        .iterator(chunk_size=2000)
    ):
        try:
            content = sealing.unseal(key, bytes(box))
        except ValueError:
            unreadable += 1
            continue
        if _well_formed(content, subjects, allowed):
            opened.append(content)
        else:
            malformed += 1
    counts: dict[int, dict[str, int]] = {}
    by_channel: Counter[str] = Counter()
    write_ins: Counter[str] = Counter()
    for content in opened:
        by_channel[content["c"]] += 1
        for sid, choice in content["m"]:
            row = counts.setdefault(sid, {})
            row[choice] = row.get(choice, 0) + 1
        write_ins.update(content["w"])
    problems = []
    if unreadable or malformed:
        problems.append(
            ngettext(
                "%(n)s sealed ballot cannot be opened with this poll's key or is not a "
                "ballot of this poll.",
                "%(n)s sealed ballots cannot be opened with this poll's key or are not "
                "ballots of this poll.",
                unreadable + malformed,
            )
            % {"n": unreadable + malformed}
        )
    return {
        "opened": opened,
        "counts": counts,
        "ballots_by_channel": dict(by_channel),
        "write_ins": dict(write_ins),
        "invalid": sum(1 for content in opened if content["i"]),
        "box_problems": problems,
    }


def _well_formed(content: dict[str, Any], subjects: dict[int, str], allowed: set[str]) -> bool:
    """A ballot as the services seal it: a known channel, a receipt hash, marks on this
    poll's subjects with answers of its scale, names as text."""
    try:
        return (
            content["c"] in Channel.values
            and isinstance(content["r"], str)
            and isinstance(content["i"], bool)
            and all(sid in subjects and choice in allowed for sid, choice in content["m"])
            and len({sid for sid, _choice in content["m"]}) == len(content["m"])
            and all(isinstance(name, str) and name for name in content["w"])
            and len(set(content["w"])) == len(content["w"])
        )
    except (KeyError, TypeError, ValueError):
        return False


def _insert_rows(model: type[models.Model], columns: Sequence[str], rows: list[list[Any]]) -> None:
    """Insert `rows` in the order given with one statement, whatever their number: the rows
    travel as one JSON parameter (SQLite limits the parameters of a statement)."""
    import json

    fields = [cast(models.Field, model._meta.get_field(c)) for c in columns]
    names = ", ".join(connection.ops.quote_name(cast(str, f.column)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        values = ", ".join(f"(e->>{i})::{f.db_type(connection)}" for i, f in enumerate(fields))
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {values} "  # noqa: S608 (names from _meta)
            "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS r(e, n) ORDER BY n"
        )
    else:
        values = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
        sql = (
            f"INSERT INTO {table} ({names}) SELECT {values} "  # noqa: S608 (names from _meta)
            "FROM json_each(%s) ORDER BY CAST(key AS INTEGER)"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, ensure_ascii=False)])


def _store_opened(poll: Poll, opened: list[dict[str, Any]]) -> None:
    """Write the opened ballots, shuffled, in one transaction with fresh random ids and
    nothing but what they read: no channel, no time. Every row of every ballot of the poll
    is written by this one transaction (one transaction id, one commit), in an order that
    follows nothing: neither the order of casting nor the channel."""
    shuffled = list(opened)
    secrets.SystemRandom().shuffle(shuffled)
    ballots: list[list[Any]] = []
    marks: list[list[Any]] = []
    names: list[list[Any]] = []
    for content in shuffled:
        ballot_id = random_id()
        ballots.append([ballot_id, poll.pk, content["r"], content["i"]])
        marks += [[random_id(), ballot_id, sid, choice] for sid, choice in content["m"]]
        names += [[random_id(), ballot_id, name] for name in content["w"]]
    _insert_rows(Ballot, ["id", "poll", "receipt_hash", "invalid"], ballots)
    _insert_rows(BallotMark, ["id", "ballot", "subject", "choice"], marks)
    _insert_rows(WriteIn, ["id", "ballot", "name"], names)


def _discard_box(poll: Poll) -> None:
    """The sealed ballots and the pending paper digests are no longer needed (opened, or
    never to be counted): discarded, so that no row written during the vote is left."""
    SealedBallot.objects.filter(poll=poll).delete()
    PaperBatch.objects.filter(poll=poll).exclude(entries=[]).update(entries=[])


def close_poll(poll: Poll, *, acting_user: Any, shares: Sequence[str] = ()) -> Poll:
    """Open the ballot box with the key holders' shares, check the invariants, write the
    opened ballots in random order, count and freeze. Wrong or too few shares, or a failed
    invariant, refuse to close and change nothing (the discrepancies are listed); more
    paper ballots returned than issued makes the poll void (no shares needed: nothing is
    counted). The rebuilt key lives only in this call."""
    with transaction.atomic():
        poll = _lock(poll)  # casting waits for this lock, then finds the poll closed
        _require_staff(acting_user, poll)
        if poll.status != PollStatus.OPEN:
            raise DomainError(_("This poll is not open."))
        if poll.paper_returned > poll.paper_issued:
            poll.void_reason = _(
                "More paper ballots were returned (%(r)s) than issued (%(i)s)."
            ) % {"r": poll.paper_returned, "i": poll.paper_issued}
            poll.closed_at = timezone.now()
            VoterCode.objects.filter(poll=poll, used=False).update(void=True)
            _discard_box(poll)
            _move(
                poll,
                PollStatus.VOID,
                actor=acting_user,
                fields=["void_reason", "closed_at"],
                note=poll.void_reason,
            )
            return poll
        key, used = _recover_key(poll, shares)
        data = _open_box(poll, key)
        del key  # nothing keeps the key past this point
        problems = close_problems(poll, data)
        if problems:
            raise DomainError(
                _("The poll cannot be closed: %(problems)s") % {"problems": " ".join(problems)}
            )
        by_channel = data["ballots_by_channel"]
        ballots = sum(by_channel.values())
        _store_opened(poll, data["opened"])
        _discard_box(poll)
        poll.result = compute_result(
            poll,
            data["counts"],
            ballots,
            write_ins=data["write_ins"],
            invalid=data["invalid"],
        )
        poll.result["ballots_by_channel"] = by_channel
        poll.export_sha256 = hashlib.sha256(canonical_export(poll).encode()).hexdigest()
        poll.closed_at = timezone.now()
        VoterCode.objects.filter(poll=poll, used=False).update(void=True)
        _move(
            poll,
            PollStatus.CLOSED,
            actor=acting_user,
            fields=["result", "export_sha256", "closed_at"],
            note=f"sha256={poll.export_sha256} key-shares={','.join(map(str, used))}",
        )
    return poll


def void_poll(poll: Poll, *, acting_user: Any, reason: str) -> Poll:
    """Declare an open or counted (unpublished) poll void, e.g. when the session decides
    to vote again or when the key shares to count it are lost; its codes are voided. A
    counted poll keeps its opened ballots; an open poll's sealed ballots are discarded
    unopened (nobody may count them, and kept they would only wait for k shares)."""
    if not reason.strip():
        raise DomainError(_("Give a reason."))
    with transaction.atomic():
        poll = _lock(poll)
        _require_staff(acting_user, poll)
        poll.void_reason = reason.strip()
        if poll.closed_at is None:
            poll.closed_at = timezone.now()
        VoterCode.objects.filter(poll=poll, used=False).update(void=True)
        if poll.status == PollStatus.OPEN:
            _discard_box(poll)
        _move(
            poll,
            PollStatus.VOID,
            actor=acting_user,
            fields=["void_reason", "closed_at"],
            note=poll.void_reason,
        )
    return poll


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


def receipt_hash(receipt: str, poll: Poll | None = None) -> str:
    """How a receipt appears in the public list (of `poll`: under the key version that
    hashed it; otherwise under the current key)."""
    if poll is not None:
        listed = (
            Ballot.objects.filter(poll=poll, receipt_hash__in=_digests("receipt", receipt))
            .values_list("receipt_hash", flat=True)
            .first()
        )
        if listed:
            return listed
    return _digest("receipt", receipt)


def all_codes_unused(poll: Poll, codes: Sequence[str]) -> bool:
    """Whether every code given is an unused, unvoided code of this open poll (one query):
    slips are printed only for codes the poll knows."""
    wanted = {c.strip().upper() for c in codes}
    if not wanted or poll.status != PollStatus.OPEN:
        return False
    # Each code matches at most one stored hash, under whichever key version made it.
    hashes = {h for c in wanted for h in _digests("code", c)}
    found = VoterCode.objects.filter(poll=poll, code_hash__in=hashes, used=False, void=False)
    return found.count() == len(wanted)


def all_shares_of(poll: Poll, shares: Sequence[str]) -> bool:
    """Whether every share given is a well-formed key share of this open poll (no query):
    key slips are printed only for shares of the poll's own key."""
    if not shares or poll.status != PollStatus.OPEN or not poll.public_key:
        return False
    public = bytes.fromhex(poll.public_key)
    try:
        for text in shares:
            sealing.decode_share(text, poll_id=poll.pk, public_key=public)
    except sealing.ShareError:
        return False
    return True


def receipt_listed(poll: Poll, receipt: str) -> bool:
    return Ballot.objects.filter(poll=poll, receipt_hash__in=_digests("receipt", receipt)).exists()


def recount(poll: Poll) -> tuple[bool, dict[str, Any]]:
    """Recompute from the opened ballots and compare with the frozen result (the count
    per channel is the participations', which closing checked against the boxes)."""
    data = tally(poll)
    fresh = compute_result(
        poll,
        data["counts"],
        data["ballots"],
        write_ins=data["write_ins"],
        invalid=data["invalid"],
    )
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


def run_recount(poll: Poll, *, acting_user: Any) -> bool:
    """The office's recount: recompute, compare, and log the outcome."""
    with transaction.atomic():
        poll = _lock(poll)  # a consistent view: no state change while recounting
        _require_staff(acting_user, poll)
        if not poll.is_counted:
            raise DomainError(_("Only a counted poll can be recounted."))
        same, fresh = recount(poll)
        audit.record(
            "poll.recounted",
            poll,
            actor=acting_user,
            note=("match" if same else "MISMATCH") + f" ballots={fresh['ballots']}",
        )
    return same


def my_open_polls(user: Any) -> list[tuple[Poll, bool]]:
    """Open polls in which the user is an elector, each with whether they have voted
    (two queries)."""
    electors = list(
        Elector.objects.filter(user_id=user.pk, poll__status=PollStatus.OPEN)
        .select_related("poll__congress", "poll__session__term")
        .order_by("-poll__opened_at", "-poll_id")
    )
    voted = set(
        Participation.objects.filter(elector__in=[e.pk for e in electors]).values_list(
            "elector_id", flat=True
        )
    )
    return [(e.poll, e.pk in voted) for e in electors]


def office_polls(user: Any, status: str = "") -> QuerySet[Poll]:
    """The polls the office's list shows this user, under a status (or all), each with its
    turnout (participations) and electorate: the list and the workspace read it alike."""
    qs = Poll.objects.visible_to(user, "poll.view")
    if status in PollStatus.values:
        qs = qs.filter(status=status)
    turnout = (
        Participation.objects.filter(poll=OuterRef("pk"))
        .order_by()
        .values("poll")
        .annotate(n=Count("pk"))
        .values("n")
    )
    electorate = (
        Elector.objects.filter(poll=OuterRef("pk"))
        .order_by()
        .values("poll")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        turnout=Coalesce(Subquery(turnout), 0), electorate=Coalesce(Subquery(electorate), 0)
    )


@dataclass(frozen=True)
class DeputyPollPart:
    """A deputy's part in one poll, for their service record: on the electorate, present or
    not, took part (online or with a code) or not. Never what they chose: nothing here reads
    a ballot, and paper ballots are not linked to anyone."""

    poll_id: int
    title: str
    session_id: int | None
    session_name: str
    day: Any
    present: bool
    took_part: bool


def participation_by_deputy(
    deputy_ids: Iterable[int], congress_id: int, year: int
) -> dict[int, list[DeputyPollPart]]:
    """Each deputy's part in the polls of a congress and year whose electorate held them
    (two queries for any number of deputies)."""
    ids = list(deputy_ids)
    electors = (
        Elector.objects.filter(deputy_id__in=ids, poll__congress_id=congress_id)
        .exclude(poll__status=PollStatus.DRAFT)
        .select_related("poll__session__term")
        .order_by("poll_id", "id")
    )
    voted = set(
        Participation.objects.filter(
            elector__deputy_id__in=ids, elector__poll__congress_id=congress_id
        ).values_list("elector_id", flat=True)
    )
    found: dict[int, list[DeputyPollPart]] = {pk: [] for pk in ids}
    for elector in electors:
        poll = elector.poll
        session = poll.session
        day = session.start_date if session is not None else None
        if day is None and poll.opened_at is not None:
            day = timezone.localtime(poll.opened_at).date()
        if day is None or day.year != year:
            continue
        # Never None here: the electors were selected by their deputy.
        found[cast(int, elector.deputy_id)].append(
            DeputyPollPart(
                poll_id=poll.pk,
                title=poll.title,
                session_id=session.pk if session is not None else None,
                session_name=str(session) if session is not None else "",
                day=day,
                present=elector.present,
                took_part=elector.pk in voted,
            )
        )
    return found


def deputy_participation(deputy: Any, congress_id: int, year: int) -> list[DeputyPollPart]:
    """The polls of a congress and year whose electorate held the deputy
    (`participation_by_deputy`)."""
    return participation_by_deputy([deputy.pk], congress_id, year)[deputy.pk]
