"""Office documents (renda.core.documents): Chinese fonts in .docx, text kept as text in
.xlsx."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from renda.core import documents


def _east_asian(element) -> str | None:  # noqa: ANN001
    return element.rPr.rFonts.get(qn("w:eastAsia"))


def test_docx_writes_chinese_in_the_cjk_font():
    document = documents.docx_document(size=10.5)
    run = documents.add_text(document.add_paragraph(), "代表建议交办清单", bold=True, size=16)
    table = document.add_table(rows=2, cols=1)
    documents.repeat_header_row(table)

    saved = Document(io.BytesIO(documents.to_bytes(document)))
    normal = saved.styles["Normal"]
    assert normal.font.name == documents.CJK_FONT and normal.font.size.pt == 10.5
    assert _east_asian(normal.element) == documents.CJK_FONT
    (written,) = saved.paragraphs[0].runs
    assert written.text == "代表建议交办清单" and written.bold and written.font.size.pt == 16
    assert _east_asian(written._element) == documents.CJK_FONT
    assert run.font.name == documents.CJK_FONT
    assert saved.tables[0].rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_text_starting_with_equals_stays_text_in_both_kinds_of_sheet():
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, "sheet")
    documents.xlsx_append(sheet, ["=1+1", "东塘村"])
    streamed = documents.xlsx_workbook(write_only=True)
    rows = documents.xlsx_sheet(streamed, "rows")
    documents.xlsx_append(rows, ['=HYPERLINK("x")', "a\x01b", 3])

    first = load_workbook(io.BytesIO(documents.to_bytes(book))).worksheets[0]
    assert first["A1"].value == "=1+1" and first["A1"].data_type == "s"
    # A write-only workbook is saved once.
    second = load_workbook(io.BytesIO(documents.to_bytes(streamed))).worksheets[0]
    assert second["A1"].value == '=HYPERLINK("x")' and second["A1"].data_type == "s"
    assert second["B1"].value == "ab" and second["C1"].value == 3
