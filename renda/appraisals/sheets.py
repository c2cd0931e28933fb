"""Result sheets (测评结果表) per meeting and per person, as .xlsx and .docx, and the figures
the meeting, reporter, deputy and public pages show. Every count and share is the ballot
engine's presentation of the poll's frozen result (`renda.ballots.presentation`): each
share is of the row's base, the base the rule judged it on (not of all ballots cast), with
the engine's rounding, so a page, a sheet and the announcement print the same figures. The
sheet states the rule applied, the invalid ballots and the SHA-256 of the engine's ballot
export, as on the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from renda.appraisals.models import Reporter, ReviewMeeting
from renda.ballots import presentation
from renda.ballots.models import Base, Scale
from renda.core import documents


@dataclass
class Figures:
    """One reporter's figures as the ballot engine presents them."""

    cells: list[tuple[str, int, str]]  # (answer, votes, share of the base), every answer
    base: int | None
    favourable: int
    favourable_share: str


def summary(meeting: ReviewMeeting, result: dict[str, Any] | None = None) -> Any:
    """The engine's summary of the meeting's poll (`result`: what may be shown, e.g. the
    public result), or None before the count."""
    if meeting.poll is None or not (result if result is not None else meeting.poll.result):
        return None
    return presentation.summarise(meeting.poll, result)


def figures_of(meeting: ReviewMeeting, reporter: Reporter, rows: dict[int, Any]) -> Figures:
    """The reporter's figures: the engine's row of their poll subject (`rows` is
    `presentation.by_subject(summary)`). A reporter without a row (no count yet) shows the
    counts copied at close, if any, with the engine's share of their base."""
    row = rows.get(reporter.subject_id) if reporter.subject_id is not None else None
    if row is not None:
        return Figures(list(row.counts), row.base, row.favourable, row.favourable_share)
    counts = reporter.counts or {}
    base = reporter.base or 0
    cells = [
        (str(label), int(counts.get(code, 0)), presentation.share(int(counts.get(code, 0)), base))
        for code, label in meeting.grades()
    ]
    favourable = sum(int(counts.get(g, 0)) for g in meeting.rated_grades()[:-1])
    return Figures(cells, reporter.base, favourable, presentation.share(favourable, base))


def rule_text(meeting: ReviewMeeting) -> str:
    """The rule in words, e.g. “满意 if its votes are more than 1/2 of the valid votes…”."""
    grades = [str(label) for _code, label in meeting.grades()[: len(meeting.rated_grades())]]
    base = Base(meeting.base).label
    fraction = f"{meeting.threshold_num}/{meeting.threshold_den}"
    comparison = _("more than") if meeting.threshold_strict else _("at least")
    steps = []
    for i, grade in enumerate(grades[:-1]):
        steps.append(
            _("%(grade)s if %(votes)s is %(comparison)s %(fraction)s of the base")
            % {
                "grade": grade,
                "votes": " + ".join(grades[: i + 1]),
                "comparison": comparison,
                "fraction": fraction,
            }
        )
    return _("%(steps)s; otherwise %(last)s. Base: %(base)s.") % {
        "steps": _("; ").join(steps),
        "last": grades[-1],
        "base": base,
    }


def consequences_text(meeting: ReviewMeeting) -> str:
    parts = []
    if meeting.rectify_when_failed:
        parts.append(
            _("rated %(grade)s") % {"grade": meeting.grade_label(meeting.rated_grades()[-1])}
        )
    if meeting.rectify_share_num and meeting.rectify_share_den:
        parts.append(
            _("%(grade)s votes more than %(fraction)s of the base")
            % {
                "grade": meeting.grade_label(meeting.rated_grades()[-1]),
                "fraction": f"{meeting.rectify_share_num}/{meeting.rectify_share_den}",
            }
        )
    if meeting.rereview_lowest:
        parts.append(_("the lowest %(n)s rated (re-reviewed)") % {"n": meeting.rereview_lowest})
    if not parts:
        return _("No rectification is required by rule.")
    return _("A rectification report is required of: %(who)s.") % {"who": _("; ").join(parts)}


def reason_labels(reporter: Reporter) -> str:
    from renda.appraisals.models import RectifyReason

    return _("; ").join(str(RectifyReason(r).label) for r in reporter.rectify_reasons or [])


def favourable_label(meeting: ReviewMeeting) -> str:
    """满意率（含基本满意）or 称职率（含基本称职）: every grade but the lowest, over the base."""
    if meeting.scale == Scale.COMPETENCE:
        return _("Competence rate (basically competent included)")
    return _("Satisfaction rate (basically satisfied included)")


def header(meeting: ReviewMeeting) -> list[str]:
    cols = [_("Order"), _("Name"), _("Post"), _("Title of the report")]
    for _code, label in meeting.grades():
        cols += [str(label), _("%(answer)s (share)") % {"answer": label}]
    cols += [
        _("Base"),
        favourable_label(meeting),
        _("Result"),
        _("Rank"),
        _("Must rectify"),
    ]
    return cols


def row(meeting: ReviewMeeting, reporter: Reporter, rows: dict[int, Any]) -> list[Any]:
    shown = figures_of(meeting, reporter, rows)
    values: list[Any] = [reporter.order, reporter.name, reporter.post, reporter.report_title]
    for _label, n, share in shown.cells:
        values += [n, share]
    rank = reporter.rank or ""
    if reporter.lowest_tie:
        rank = _("%(rank)s (tied)") % {"rank": rank}
    values += [
        shown.base if shown.base is not None else "",
        shown.favourable_share,
        meeting.grade_label(reporter.grade) if reporter.grade else _("no result"),
        rank,
        reason_labels(reporter) if reporter.must_rectify else _("No"),
    ]
    return values


def facts(meeting: ReviewMeeting, shown: Any = None) -> list[tuple[str, str]]:
    """The meeting's facts with the engine's figures: entitled, present, ballots counted
    (per channel), invalid ballots (废票), the valid ones, the rule and its base."""
    poll = meeting.poll
    if shown is None:
        shown = summary(meeting)
    closed = (
        timezone.localtime(meeting.closed_at).strftime("%Y-%m-%d %H:%M")
        if meeting.closed_at
        else ""
    )
    return [
        (_("Meeting"), meeting.title),
        (_("Congress"), meeting.congress.name),
        (_("Date and place"), f"{meeting.held_on:%Y-%m-%d} {meeting.place}"),
        (_("Entitled voters"), str(shown.electorate) if shown else ""),
        (_("Voters present"), str(shown.present) if shown else ""),
        (_("Ballots cast"), str(shown.ballots) if shown else ""),
        (
            _("Ballots by channel"),
            _("; ").join(f"{label}: {n}" for label, n in shown.by_channel)
            if shown and shown.by_channel
            else "—",
        ),
        (_("Invalid ballots"), str(shown.invalid) if shown else ""),
        (_("Valid ballots"), str(shown.valid) if shown else ""),
        (_("Result rule"), rule_text(meeting)),
        (_("Follow-up rule"), consequences_text(meeting)),
        (_("Rating closed"), closed),
        (_("SHA-256 of the ballot export"), poll.export_sha256 if poll is not None else ""),
    ]


def _rows(meeting: ReviewMeeting) -> dict[int, Any]:
    return presentation.by_subject(summary(meeting))


def _reporters(meeting: ReviewMeeting) -> list[Reporter]:
    return list(meeting.reporters.order_by("order", "id"))


# --- .xlsx -----------------------------------------------------------------------------------


def _book(meeting: ReviewMeeting, title: str, reporters: list[Reporter]) -> bytes:
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, _("Result"))
    documents.xlsx_layout(sheet, widths=(16, 14, 16, 32))
    documents.xlsx_append(sheet, [title], bold=True, size=14)
    for label, value in facts(meeting):
        documents.xlsx_append(sheet, [label, value])
    documents.xlsx_append(sheet, [])
    documents.xlsx_append(sheet, header(meeting), bold=True, wrap=True)
    rows = _rows(meeting)
    for reporter in reporters:
        documents.xlsx_append(sheet, row(meeting, reporter, rows))
    return documents.to_bytes(book)


def meeting_xlsx(meeting: ReviewMeeting) -> bytes:
    return _book(
        meeting, _("Result sheet: %(title)s") % {"title": meeting.title}, _reporters(meeting)
    )


def reporter_xlsx(reporter: Reporter) -> bytes:
    return _book(
        reporter.meeting,
        _("Result sheet of %(name)s: %(title)s")
        % {"name": reporter.name, "title": reporter.meeting.title},
        [reporter],
    )


# --- .docx -----------------------------------------------------------------------------------


def _document(
    meeting: ReviewMeeting, title: str, reporters: list[Reporter], *, person: bool
) -> bytes:
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = documents.docx_document(size=9 if not person else 10.5)
    if not person:  # the meeting's table is wide
        section = document.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    heading = document.add_heading(level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(heading, title, bold=True, size=16)
    facts_table = document.add_table(rows=0, cols=2)
    facts_table.style = "Table Grid"
    for label, value in facts(meeting):
        cells = facts_table.add_row().cells
        documents.add_text(cells[0].paragraphs[0], label, bold=True)
        documents.add_text(cells[1].paragraphs[0], value)
    document.add_paragraph()
    rows = _rows(meeting)
    if person:
        reporter = reporters[0]
        values = row(meeting, reporter, rows)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in zip(header(meeting), values, strict=True):
            cells = table.add_row().cells
            documents.add_text(cells[0].paragraphs[0], str(label), bold=True)
            documents.add_text(cells[1].paragraphs[0], str(value))
    else:
        cols = header(meeting)
        table = document.add_table(rows=1 + len(reporters), cols=len(cols))
        table.style = "Table Grid"
        documents.repeat_header_row(table)
        for row_index, values in enumerate([cols, *(row(meeting, r, rows) for r in reporters)]):
            cells = table.rows[row_index].cells
            for column, value in enumerate(values):
                documents.add_text(cells[column].paragraphs[0], str(value), bold=row_index == 0)
    if person:
        questions = list(reporters[0].questions.order_by("id"))
        if questions:
            document.add_paragraph()
            documents.add_text(
                document.add_paragraph(), _("Questions and comments from the floor"), bold=True
            )
            for item in questions:
                line = document.add_paragraph()
                documents.add_text(line, _("%(name)s: ") % {"name": item.asked_by}, bold=True)
                documents.add_text(line, item.question)
                if item.answer:
                    answer = document.add_paragraph()
                    documents.add_text(answer, _("Answer: %(text)s") % {"text": item.answer})
    signature = document.add_paragraph()
    documents.add_text(signature, _("Scrutineer: ________    Teller: ________"))
    return documents.to_bytes(document)


def meeting_docx(meeting: ReviewMeeting) -> bytes:
    return _document(
        meeting,
        _("Result sheet: %(title)s") % {"title": meeting.title},
        _reporters(meeting),
        person=False,
    )


def reporter_docx(reporter: Reporter) -> bytes:
    return _document(
        reporter.meeting,
        _("Result sheet of %(name)s: %(title)s")
        % {"name": reporter.name, "title": reporter.meeting.title},
        [reporter],
        person=True,
    )
