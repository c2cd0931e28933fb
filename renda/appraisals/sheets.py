"""Result sheets (测评结果表) per meeting and per person, as .xlsx and .docx. Every figure is
read from the poll's frozen result (copied onto the reporters at close); the sheet states
the rule applied and the SHA-256 of the engine's ballot export, as on the minutes."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from renda.appraisals.models import Reporter, ReviewMeeting
from renda.ballots.models import Base, Channel, Scale
from renda.core import documents
from renda.core.rates import format_percent as percent  # the views show the same figures


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


def row(meeting: ReviewMeeting, reporter: Reporter, ballots: int) -> list[Any]:
    counts = reporter.counts or {}
    values: list[Any] = [reporter.order, reporter.name, reporter.post, reporter.report_title]
    for code, _label in meeting.grades():
        n = int(counts.get(code, 0))
        values += [n, percent(n, ballots)]
    favourable = sum(int(counts.get(g, 0)) for g in meeting.rated_grades()[:-1])
    rank = reporter.rank or ""
    if reporter.lowest_tie:
        rank = _("%(rank)s (tied)") % {"rank": rank}
    values += [
        reporter.base if reporter.base is not None else "",
        percent(favourable, reporter.base or 0),
        meeting.grade_label(reporter.grade) if reporter.grade else _("no result"),
        rank,
        reason_labels(reporter) if reporter.must_rectify else _("No"),
    ]
    return values


def facts(meeting: ReviewMeeting) -> list[tuple[str, str]]:
    poll = meeting.poll
    result = (poll.result if poll is not None else None) or {}
    by_channel = result.get("ballots_by_channel", {})
    closed = (
        timezone.localtime(meeting.closed_at).strftime("%Y-%m-%d %H:%M")
        if meeting.closed_at
        else ""
    )
    return [
        (_("Meeting"), meeting.title),
        (_("Congress"), meeting.congress.name),
        (_("Date and place"), f"{meeting.held_on:%Y-%m-%d} {meeting.place}"),
        (_("Entitled voters"), str(result.get("electorate", ""))),
        (_("Voters present"), str(result.get("present", ""))),
        (_("Ballots cast"), str(result.get("ballots", ""))),
        (
            _("Ballots by channel"),
            _("; ").join(
                f"{Channel(k).label if k in Channel.values else k}: {v}"
                for k, v in sorted(by_channel.items())
            )
            or "—",
        ),
        (_("Result rule"), rule_text(meeting)),
        (_("Follow-up rule"), consequences_text(meeting)),
        (_("Rating closed"), closed),
        (_("SHA-256 of the ballot export"), poll.export_sha256 if poll is not None else ""),
    ]


def _ballots(meeting: ReviewMeeting) -> int:
    result = (meeting.poll.result if meeting.poll is not None else None) or {}
    return int(result.get("ballots", 0))


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
    ballots = _ballots(meeting)
    for reporter in reporters:
        documents.xlsx_append(sheet, row(meeting, reporter, ballots))
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
    ballots = _ballots(meeting)
    if person:
        reporter = reporters[0]
        values = row(meeting, reporter, ballots)
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
        for row_index, values in enumerate([cols, *(row(meeting, r, ballots) for r in reporters)]):
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
