"""Office documents the platform writes: .docx (python-docx) with Chinese fonts set the way
Word needs them, and .xlsx (openpyxl) cells whose text stays text. Both libraries are
imported when a document is written, not when this module is imported."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

#: The font of Chinese text (宋体). Word picks a run's East Asian font from its own
#: attribute (w:eastAsia); setting only the font name leaves Chinese in a fallback font.
CJK_FONT = "SimSun"


def _east_asian(element: Any, font: str) -> None:
    from docx.oxml.ns import qn

    element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def docx_document(*, size: float | None = None) -> Any:
    """A new .docx whose Normal style writes latin and Chinese text in `CJK_FONT`."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = CJK_FONT
    if size is not None:
        normal.font.size = Pt(size)
    _east_asian(normal.element, CJK_FONT)
    return document


def add_text(paragraph: Any, text: str, *, bold: bool = False, size: float | None = None) -> Any:
    """Append a run of `text` in `CJK_FONT` (bold, `size` points if given) and return it."""
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = CJK_FONT
    _east_asian(run._element, CJK_FONT)
    if bold:
        run.bold = True
    if size is not None:
        run.font.size = Pt(size)
    return run


def repeat_header_row(table: Any) -> None:
    """The table's first row repeats at the top of every page of a long table."""
    from docx.oxml import OxmlElement

    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def to_bytes(document: Any) -> bytes:
    """The saved bytes of a python-docx document or an openpyxl workbook."""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def formulas_as_text(sheet: Any) -> None:
    """Cells of an openpyxl sheet that would be read as formulas (text starting with "=": a
    name, a title) become text cells."""
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":
                cell.data_type = "s"


def text_cells(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """Values for a row of a write-only sheet. Text stays text: a cell starting with "=" is
    written as a string cell, not a formula; characters a spreadsheet cannot hold are
    dropped. Everything else is passed as is (openpyxl formats dates itself)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = []
    for value in values:
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
        out.append(value)
    return out
