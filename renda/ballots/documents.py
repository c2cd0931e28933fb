"""Printed documents of a poll: the minutes (.docx, with the SHA-256 of the ballot export),
the voter-code slips and the key-share slips (.docx). They are built from the frozen
result or the codes and shares in hand; nothing here writes to the database."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.ballots import sealing
from renda.ballots.models import Poll
from renda.ballots.presentation import summarise
from renda.core import documents


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def minutes_docx(poll: Poll, *, tellers: list[str]) -> bytes:
    """The minutes of the count (计票记录): the poll, the electorate, ballots issued and
    returned, the result per subject and written-in name, ties, and the SHA-256 of the
    canonical ballot export, with lines for the tellers' signatures."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    summary = summarise(poll)
    document = documents.docx_document()
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(
        heading, _("Minutes of the count: %(title)s") % {"title": poll.title}, bold=True, size=16
    )
    facts = [
        (_("Congress"), str(poll.congress)),
        (_("Session"), str(poll.session) if poll.session_id else "—"),
        (_("Secret ballot"), _("yes") if poll.is_secret else _("no")),
        (_("Voting opened"), _when(poll.opened_at)),
        (_("Voting closed"), _when(poll.closed_at)),
        (_("Entitled voters"), str(summary.electorate if summary else 0)),
        (_("Present"), str(summary.present if summary else 0)),
        (_("Paper ballots issued / returned"), f"{poll.paper_issued} / {poll.paper_returned}"),
        (_("Ballots counted"), str(summary.ballots if summary else 0)),
    ]
    if summary:
        facts += [(label, str(n)) for label, n in summary.by_channel]
        if summary.invalid:
            facts.append((_("Invalid ballots"), str(summary.invalid)))
    table = document.add_table(rows=len(facts), cols=2)
    table.style = "Table Grid"
    for i, (label, value) in enumerate(facts):
        documents.add_text(table.rows[i].cells[0].paragraphs[0], label, bold=True)
        documents.add_text(table.rows[i].cells[1].paragraphs[0], value)
    document.add_paragraph()
    if summary and summary.rows:
        header = [
            _("Item voted on"),
            *(label for label, _n, _s in summary.rows[0].counts),
            _("Outcome"),
        ]
        grid = document.add_table(rows=1 + len(summary.rows), cols=len(header))
        grid.style = "Table Grid"
        for c, text in enumerate(header):
            documents.add_text(grid.rows[0].cells[c].paragraphs[0], str(text), bold=True)
        for r, row in enumerate(summary.rows, start=1):
            title = row.title + (" " + _("(written in)") if row.written_in else "")
            values = [title, *(f"{n} ({s})" for _l, n, s in row.counts), row.outcome]
            if len(values) < len(header):  # a written-in row has one count column
                values = [values[0], values[1], *[""] * (len(header) - 3), values[-1]]
            for c, text in enumerate(values[: len(header)]):
                documents.add_text(grid.rows[r].cells[c].paragraphs[0], str(text))
    if summary and summary.ties:
        p = document.add_paragraph()
        documents.add_text(
            p,
            _("Tie at the last place, not broken: %(names)s. A further vote decides.")
            % {"names": "、".join(summary.ties)},
            bold=True,
        )
    p = document.add_paragraph()
    documents.add_text(p, _("SHA-256 of the ballot export: "), bold=True)
    documents.add_text(p, poll.export_sha256 or "—")
    p = document.add_paragraph()
    documents.add_text(
        p,
        _("Anyone can check it: download the export and compute its SHA-256 (sha256sum)."),
        size=9,
    )
    document.add_paragraph()
    sign = document.add_paragraph()
    names = "、".join(tellers) if tellers else ""
    documents.add_text(
        sign,
        _(
            "Scrutineer (监票人): ________    Counter (计票人): ________    Tellers who entered paper ballots: %(names)s"
        )
        % {"names": names or "—"},
    )
    return documents.to_bytes(document)


def slips_docx(poll: Poll, codes: list[str], *, entry_url: str) -> bytes:
    """Voter-code slips, in the (shuffled) order given, two columns to a page row."""
    from docx.shared import Pt

    document = documents.docx_document()
    table = document.add_table(rows=(len(codes) + 1) // 2, cols=2)
    table.style = "Table Grid"
    for i, code in enumerate(codes):
        cell = table.rows[i // 2].cells[i % 2]
        p = cell.paragraphs[0]
        documents.add_text(p, poll.title, bold=True)
        documents.add_text(cell.add_paragraph(), _("Your one-time voter code:"))
        code_run = documents.add_text(
            cell.add_paragraph(), f"{code[:5]} {code[5:]}", bold=True, size=20
        )
        code_run.font.name = "Courier New"
        documents.add_text(cell.add_paragraph(), _("Vote at %(url)s") % {"url": entry_url}, size=9)
        documents.add_text(
            cell.add_paragraph(),
            _("The code works once. Do not show it to anyone."),
            size=Pt(9).pt,
        )
    return documents.to_bytes(document)


def key_slips_docx(poll: Poll, shares: list[str]) -> bytes:
    """One slip per key share, in the order of the shares (holder 1, 2, …), each with what
    its holder must know: how many shares open the box, to type it unseen, that a poll
    whose shares are lost is void and voted again, to destroy it after publication."""
    document = documents.docx_document()
    note = " ".join(
        render_to_string(
            "ballots/staff/_key_slip_text.html", {"threshold": poll.key_threshold}
        ).split()
    )
    table = document.add_table(rows=len(shares), cols=1)
    table.style = "Table Grid"
    for row, share in zip(table.rows, shares, strict=True):
        cell = row.cells[0]
        documents.add_text(cell.paragraphs[0], poll.title, bold=True)
        documents.add_text(
            cell.add_paragraph(),
            _("Key share %(i)s of %(total)s of the ballot box")
            % {"i": sealing.share_number(share), "total": poll.key_holders},
        )
        share_run = documents.add_text(cell.add_paragraph(), share, bold=True, size=16)
        share_run.font.name = "Courier New"
        documents.add_text(cell.add_paragraph(), note, size=9)
        documents.add_text(cell.add_paragraph(), _("Holder:") + " ____________________", size=9)
    return documents.to_bytes(document)
