"""How a frozen result reads: rows with labels, counts and shares for the office's result
page, the public announcement (公告) and the minutes, and for every programme that shows a
poll's result (appraisal pages and sheets, project batches). Reads only `Poll.result`;
nothing is recomputed here.

`share` is the one share of the platform's votes: a count over the row's base — the base
the rule judged the row on (e.g. valid ballots without abstentions, `Poll.base`), never
simply the ballots cast — with one decimal, half up (`renda.core.rates`). Shares are
display only; no decision reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from renda.ballots.models import EXTRA_CHOICES, Method, Poll
from renda.core.rates import format_percent


def share(votes: int, base: int) -> str:
    """A count as a share of its row's base, as every page, sheet and announcement prints
    it ("45.9%"; "—" for a base of 0)."""
    return format_percent(votes, base)


@dataclass
class Row:
    title: str
    counts: list[tuple[str, int, str]]  # (label, votes, share)
    base: int
    subject: int | None = None  # the poll subject's id; None for a written-in name
    #: Rating polls: the votes for every grade but the lowest and their share of the base
    #: (满意率（含基本满意）, 称职率（含基本称职）).
    favourable: int = 0
    favourable_share: str = ""
    outcome: str = ""
    passed: bool = False
    elected: bool = False
    tie: bool = False
    written_in: bool = False
    votes: int = 0


@dataclass
class Summary:
    poll: Poll
    ballots: int
    electorate: int
    present: int
    invalid: int
    by_channel: list[tuple[str, int]]
    rows: list[Row] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    suppressed: bool = False

    @property
    def valid(self) -> int:
        """Ballots counted less the invalid ones (废票)."""
        return self.ballots - self.invalid

    @property
    def elected(self) -> list[Row]:
        return sorted((r for r in self.rows if r.elected), key=lambda r: -r.votes)


def summarise(poll: Poll, result: dict[str, Any] | None = None) -> Summary | None:
    """The frozen result (or `result`, e.g. what `services.public_result` lets through) as
    rows; None before the count."""
    from renda.ballots.models import Channel

    result = poll.result if result is None else result
    if not result:
        return None
    summary = Summary(
        poll=poll,
        ballots=result.get("ballots", 0),
        electorate=result.get("electorate", 0),
        present=result.get("present", 0),
        invalid=result.get("invalid", 0),
        by_channel=[
            (str(Channel(c).label), n)
            for c, n in sorted((result.get("ballots_by_channel") or {}).items())
            if c in Channel.values
        ],
        suppressed=bool(result.get("suppressed")),
    )
    if summary.suppressed:
        return summary
    labels = poll.grade_labels()
    codes = poll.grades()
    for r in result.get("subjects", []):
        counts = r.get("counts", {})
        base = r.get("base", 0)
        shown = [
            (str(labels.get(c, c)), counts.get(c, 0), share(counts.get(c, 0), base)) for c in codes
        ]
        row = Row(title=r["title"], counts=shown, base=base, subject=r.get("subject"))
        if poll.method == Method.RATING:
            row.outcome = str(labels.get(r.get("result") or "", "—"))
            graded = [c for c in codes if c not in EXTRA_CHOICES]
            row.favourable = sum(counts.get(c, 0) for c in graded[:-1])
            row.favourable_share = share(row.favourable, base)
        else:
            key = "yes" if poll.method == Method.APPROVAL else "chosen"
            row.votes = counts.get(key, 0)
            row.passed, row.elected, row.tie = r["passed"], r["elected"], r["tie"]
            row.outcome = _outcome(poll, row)
        summary.rows.append(row)
    for w in result.get("write_ins", []):
        votes = w["counts"]["chosen"]
        row = Row(
            title=w["name"],
            counts=[(str(labels["chosen"]), votes, share(votes, w.get("base", 0)))],
            base=w.get("base", 0),
            passed=w.get("passed", False),
            elected=w.get("elected", False),
            tie=w.get("tie", False),
            written_in=True,
            votes=votes,
        )
        row.outcome = _outcome(poll, row)
        summary.rows.append(row)
    summary.ties = [r.title for r in summary.rows if r.tie]
    return summary


def by_subject(summary: Summary | None) -> dict[int, Row]:
    """The summary's rows by poll subject id (written-in names left out): how a programme
    finds the engine's row of its reporter or candidate."""
    if summary is None:
        return {}
    return {r.subject: r for r in summary.rows if r.subject is not None}


def _outcome(poll: Poll, row: Row) -> str:
    if row.tie:
        return _("Tied for the last place: a further vote decides")
    if poll.method == Method.CHOOSE:
        return _("Elected") if row.elected else _("Not elected")
    if poll.seats:
        if row.elected:
            return _("Selected")
        # A place can be missed two ways; the announcement and every page tell them apart.
        if row.passed:
            return _("Passed the threshold, beyond the places")
        return _("Threshold not reached")
    return _("Passed") if row.passed else _("Not passed")
