"""Office documents the platform writes: .docx (python-docx) with Chinese fonts set the way
Word needs them, and .xlsx (openpyxl) cells whose text stays text. Both libraries are
imported when a document is written, not when this module is imported."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from types import SimpleNamespace
from typing import IO, Any

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


def to_file(document: Any, handle: IO[bytes]) -> IO[bytes]:
    """Save a document or workbook into an open binary file (a spooled temporary file for
    a large ledger), rewound for reading."""
    document.save(handle)
    handle.seek(0)
    return handle


# --- .xlsx: the one writer ------------------------------------------------------------------
#
# Every .xlsx the platform produces is written through these functions and nothing else
# (tests/core/test_exports_formulas.py checks the source): a workbook from `xlsx_workbook`, its
# sheet from `xlsx_sheet`, each row through `xlsx_append`. A text that a spreadsheet would
# read as a formula or a command — one that starts with = + - @, a tab or a carriage return
# (a name "=HYPERLINK(...)" that sends the row's phone numbers away) — is written as a
# text cell marked with the quote prefix (what Excel stores when one types a leading
# apostrophe): it shows as typed, stays text when edited, and reads back unchanged.

#: Leading characters that make a spreadsheet read a cell as a formula or a command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def xlsx_workbook(*, write_only: bool = False) -> Any:
    """A new workbook; `write_only` streams rows (large ledgers) and is saved once."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def xlsx_sheet(book: Any, title: str) -> Any:
    """The workbook's sheet named `title` (cut to Excel's 31 characters): a new sheet of a
    write-only workbook, the first sheet of another."""
    if book.write_only:
        return book.create_sheet(title=title[:31])
    sheet = book.active
    sheet.title = title[:31]
    return sheet


@functools.cache
def _cells() -> SimpleNamespace:
    """openpyxl's cell machinery, imported once (rows of a large ledger are written here)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    return SimpleNamespace(
        cell=WriteOnlyCell, illegal=ILLEGAL_CHARACTERS_RE, font=Font, alignment=Alignment
    )


def xlsx_row(
    sheet: Any,
    values: Iterable[Any],
    *,
    bold: bool = False,
    size: float | None = None,
    wrap: bool = False,
) -> list[Any]:
    """`values` ready to be a row of `sheet`: text cleaned of characters a workbook cannot
    hold and neutralised if it would be read as a formula; a cell object where a value needs
    a style or the quote prefix, else the value itself (openpyxl formats numbers and dates).
    `bold`, `size` and `wrap` style every cell of the row."""
    lib = _cells()
    font = lib.font(bold=bold, size=size) if bold or size else None
    alignment = lib.alignment(wrap_text=True) if wrap else None
    out = []
    for value in values:
        formula_like = False
        if isinstance(value, str):
            if lib.illegal.search(value):
                value = lib.illegal.sub("", value)
            formula_like = value.startswith(FORMULA_TRIGGERS)
        if formula_like or font or alignment:
            cell = lib.cell(sheet, value=value)
            if formula_like:
                cell.data_type = "s"
                cell.quotePrefix = True
            if font:
                cell.font = font
            if alignment:
                cell.alignment = alignment
            value = cell
        out.append(value)
    return out


def xlsx_append(sheet: Any, values: Iterable[Any], **style: Any) -> None:
    """Append a row to `sheet` (`bold`, `size`, `wrap` style every cell of it)."""
    sheet.append(xlsx_row(sheet, values, **style))


def xlsx_layout(
    sheet: Any, *, widths: Iterable[float | None] = (), freeze: str | None = None
) -> None:
    """Column widths (from column A; None leaves a column as is) and frozen panes. On a
    write-only sheet, call it before the first row."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths, start=1):
        if width is not None:
            sheet.column_dimensions[get_column_letter(index)].width = width
    if freeze:
        sheet.freeze_panes = freeze


def open_xlsx(content: bytes) -> Any:
    """A workbook uploaded by a user, read-only and values only, after its zip container
    was checked for its unpacked size (renda.core.uploads.check_zip raises a
    ValidationError). Anything else openpyxl cannot read raises its own exception."""
    from openpyxl import load_workbook

    from renda.core import uploads

    handle = io.BytesIO(content)
    uploads.check_zip(handle)
    return load_workbook(handle, read_only=True, data_only=True)
