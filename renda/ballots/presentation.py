"""How a frozen result reads: rows with labels, counts and shares for the office's result
page, the public announcement (公告) and the minutes. Reads only `Poll.result`; nothing
is recomputed here. Shares are display only (one decimal, half up: `renda.core.rates`);
no decision reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from renda.ballots.models import Method, Poll
from renda.core.rates import format_percent


@dataclass
class Row:
    title: str
    counts: list[tuple[str, int, str]]  # (label, votes, share)
    base: int
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
    def elected(self) -> list[Row]:
        return sorted((r for r in self.rows if r.elected), key=lambda r: -r.votes)


def summarise(poll: Poll, result: dict[str, Any] | None = None) -> Summary | None:
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
            (str(labels.get(c, c)), counts.get(c, 0), format_percent(counts.get(c, 0), base))
            for c in codes
        ]
        row = Row(title=r["title"], counts=shown, base=base)
        if poll.method == Method.RATING:
            row.outcome = str(labels.get(r.get("result") or "", "—"))
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
            counts=[(str(labels["chosen"]), votes, format_percent(votes, w.get("base", 0)))],
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


def _outcome(poll: Poll, row: Row) -> str:
    if row.tie:
        return _("Tied for the last place: a further vote decides")
    if poll.method == Method.CHOOSE:
        return _("Elected") if row.elected else _("Not elected")
    if poll.seats:
        if row.elected:
            return _("Selected")
        return _("Passed, beyond the places") if row.passed else _("Not passed")
    return _("Passed") if row.passed else _("Not passed")
