"""The deputy's annual service report (述职报告) drafted from the record as a .docx, and
attaching it as the report document of the deputy's reporter entry in a performance
review (through the appraisals' own `add_document`)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from renda.appraisals import services as appraisals
from renda.core import documents, exports
from renda.core.errors import DomainError
from renda.records.services.record import Record


def filename(rec: Record) -> str:
    return f"service-report-{rec.year}-{rec.deputy.pk}.docx"


def title(rec: Record) -> str:
    return _("%(name)s: service report %(year)s (draft)") % {
        "name": rec.deputy.name,
        "year": rec.year,
    }


def docx(rec: Record) -> bytes:
    """The draft: a heading, the year in figures, each kind's entries with their outcome,
    the points, and the targets not met — for the deputy to complete in Word."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = documents.docx_document(size=12)
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(
        heading,
        _("Service report of deputy %(name)s for %(year)s")
        % {"name": rec.deputy.name, "year": rec.year},
        bold=True,
        size=18,
    )
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    documents.add_text(
        sub, _("%(congress)s · draft from the service record") % {"congress": rec.congress.name}
    )

    documents.add_text(doc.add_paragraph(), _("I. The year in figures"), bold=True, size=14)
    if not rec.entries:
        documents.add_text(doc.add_paragraph(), _("No service was recorded this year."))
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, (_("Kind"), _("Count"), _("Points")), strict=True):
        documents.add_text(cell.paragraphs[0], text, bold=True)
    documents.repeat_header_row(table)
    for row in rec.counts:
        cells = table.add_row().cells
        documents.add_text(cells[0].paragraphs[0], row.label)
        documents.add_text(cells[1].paragraphs[0], str(row.count))
        documents.add_text(cells[2].paragraphs[0], str(row.points))
    documents.add_text(
        doc.add_paragraph(), _("Points of the year: %(total)s") % {"total": rec.total}, bold=True
    )

    documents.add_text(doc.add_paragraph(), _("II. What I did"), bold=True, size=14)
    for row in rec.counts:
        entries = [e for e in rec.entries if e.kind == row.kind]
        if not entries:
            continue
        documents.add_text(doc.add_paragraph(), f"{row.label}（{row.count}）", bold=True)
        for entry in entries:
            line = f"{entry.date:%Y-%m-%d} {entry.title}"
            if entry.role:
                line += f"（{entry.role}）"
            if entry.outcome:
                line += f"：{entry.outcome}"
            documents.add_text(doc.add_paragraph(style="List Bullet"), line)

    documents.add_text(doc.add_paragraph(), _("III. Shortcomings"), bold=True, size=14)
    if rec.shortfalls:
        for row in rec.shortfalls:
            documents.add_text(
                doc.add_paragraph(style="List Bullet"),
                _("%(kind)s: %(short)s (target %(target)s)")
                % {"kind": row.label, "short": row.shortfall, "target": row.target},
            )
    else:
        documents.add_text(doc.add_paragraph(), _("Every target of the year was met."))
    documents.add_text(doc.add_paragraph(), _("IV. Next year"), bold=True, size=14)
    documents.add_text(doc.add_paragraph(), _("(To be written by the deputy.)"))
    return documents.to_bytes(doc)


def open_reporter_entries(rec: Record) -> Any:
    return appraisals.reporter_entries_open_for_documents(rec.deputy, rec.congress.pk)


def attach_to_reporter(rec: Record, reporter: Any, *, acting_user: Any) -> Any:
    """Attach the draft as a report document of the deputy's own reporter entry (a
    meeting of this congress still taking documents); the appraisals service checks the
    office's right and the meeting's state and writes its audit entry."""
    if reporter.deputy_id != rec.deputy.pk or reporter.meeting.congress_id != rec.congress.pk:
        raise DomainError(_("This reporter entry is not this deputy's."))
    upload = SimpleUploadedFile(filename(rec), docx(rec), content_type=exports.DOCX)
    return appraisals.add_document(reporter, title=title(rec), file=upload, acting_user=acting_user)
