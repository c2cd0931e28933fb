"""The suggestions ledger (.xlsx, streamed), the assignment meeting's list (.xlsx, .docx)
and the suggestion figures: every field of a row, a fixed number of queries, bounded
memory for 10,000 rows, and agreement with a hand count."""

from __future__ import annotations

import datetime as dt
import io
import time
import tracemalloc
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import load_workbook

from renda.cases import services as case_services
from renda.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    ContactRecord,
    Evaluation,
)
from renda.suggestions import figures, services
from renda.suggestions.ledger import (
    LEDGER_KEYS,
    ledger_header,
    ledger_response,
    ledger_rows,
    meeting_list_docx,
    meeting_list_xlsx,
)
from renda.suggestions.models import CoSigner, MotionDecision, Suggestion, SuggestionStatus
from tests.api.test_rest_suggestions import make_deputy
from tests.fixtures.cases import submit

pytestmark = pytest.mark.usefixtures("cases_world")


def _raise(
    world: Any,
    deputy: Any,
    title: str,
    *,
    session: Any = "default",
    cosigners: tuple[Any, ...] = (),
    category: Any = None,
    is_motion: bool = False,
) -> Suggestion:
    """A suggestion drafted, co-signed (every co-signer confirms) and submitted."""
    suggestion = services.create_draft(
        acting_user=deputy.user,
        congress=world.c_a,
        category=category or world.cat_a,
        title=title,
        content=f"{title}：具体情况和建议。",
        session=world.session_a if session == "default" else session,
        is_motion=is_motion,
    )
    if cosigners:
        services.invite_cosigners(suggestion, cosigners, acting_user=deputy.user)
    services.submit_suggestion(suggestion, acting_user=deputy.user)
    for cosigner in cosigners:
        services.respond_to_invitation(suggestion, acting_user=cosigner.user, accept=True)
    return Suggestion.objects.select_related("case").get(pk=suggestion.pk)


def _accept_and_assign(world: Any, suggestion: Suggestion, **units: Any) -> list[Assignment]:
    case_services.triage_case(suggestion.case, acting_user=world.staff)
    return case_services.assign_case(suggestion.case, acting_user=world.staff, **units)


def _handler(world: Any, assignment: Assignment) -> Any:
    return world.handler_a if assignment.department_id == world.dept_a1.pk else world.handler_b


def _sign_and_reply(world: Any, assignment: Assignment, reply_class: str) -> None:
    handler = _handler(world, assignment)
    case_services.sign_assignment(assignment, acting_user=handler)
    case_services.reply_case(
        assignment, reply_class=reply_class, text="已办理", acting_user=handler
    )


def _xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(book.worksheets[0].iter_rows(values_only=True))


# --- every field of a ledger row -----------------------------------------------------------------


def test_a_ledger_row_holds_every_field(world):
    today = timezone.localdate()
    chen = make_deputy(world, "陈晓梅", "13900000011")
    zhou = make_deputy(world, "周海", "13900000012")
    full = _raise(world, world.deputy_a, "修缮东塘村道路", cosigners=(chen, zhou), is_motion=True)
    due = today + dt.timedelta(days=40)
    lead, co = _accept_and_assign(
        world, full, lead=world.dept_a1, co_handlers=[world.dept_a2], due=due
    )
    case_services.set_priority(full.case, leader=world.leader, acting_user=world.staff)
    case_services.sign_assignment(lead, acting_user=world.handler_a)
    for _n in range(2):
        case_services.record_contact(
            full.case,
            stage="during",
            mode="site",
            met_on=today,
            note="现场查看",
            acting_user=world.handler_a,
        )
    case_services.reply_case(lead, reply_class="B", text="已列入计划", acting_user=world.handler_a)
    services.evaluate_suggestion(
        full, acting_user=world.deputy_user, result="satisfied", attitude="basic"
    )
    services.set_published(full, published=True, acting_user=world.staff)

    split = _raise(world, chen, "闭会期间的建议", session=None)
    assignments = _accept_and_assign(world, split, splits=[world.dept_a1, world.dept_a2])
    for assignment in assignments:
        case_services.sign_assignment(assignment, acting_user=_handler(world, assignment))
    for assignment in assignments:
        case_services.reply_case(
            assignment, reply_class="A", text="已办结", acting_user=_handler(world, assignment)
        )
    pending = _raise(world, zhou, "尚未审查的建议")
    rejected = _raise(world, zhou, "不予立案的建议")
    case_services.reject_case(rejected.case, reason="不属于建议范围", acting_user=world.staff)
    services.create_draft(
        acting_user=world.deputy_user,
        congress=world.c_a,
        category=world.cat_a,
        title="草稿不入台账",
        content="草稿",
    )

    rows = {
        r[0]: dict(zip(LEDGER_KEYS, r, strict=True)) for r in ledger_rows(Suggestion.objects.all())
    }
    assert len(rows) == 4  # the draft is not in the ledger
    full.case.refresh_from_db()
    row = rows[full.case.serial]
    follow_up = full.case.follow_up
    assert row == {
        "serial": "JY20-1-001",
        "title": "修缮东塘村道路",
        "content": "修缮东塘村道路：具体情况和建议。",
        "category": "交通",
        "congress": world.c_a.name,
        "term": _("Term %(ordinal)s") % {"ordinal": 20},
        "session": _("Term %(term)s, session %(ordinal)s") % {"term": 20, "ordinal": 1},
        "lead": "王建国",
        "cosigners": "陈晓梅、周海",
        "is_motion": _("Yes"),
        "motion_decision": str(
            MotionDecision.AS_SUGGESTION.label
        ),  # three signers: fewer than five
        "submitted_on": today,
        "status": str(CaseStatus.CLOSED.label),
        "accepted": _("Yes"),
        "lead_unit": world.dept_a1.name,
        "co_handlers": world.dept_a2.name,
        "split_units": "",
        "assigned_on": today,
        "due_date": due,
        "reply_class": "B",
        "replied_on": today,
        "replied_on_time": _("Yes"),
        "reply_text": "已列入计划",
        "rejection_reason": "",
        "met": _("Yes"),
        "contacts": 2,
        "evaluation": _("Satisfied"),
        "attitude": _("Basically satisfied"),
        "follow_up": _("Under follow-up"),
        "recheck_date": follow_up.recheck_date,
        "priority": _("Yes"),
        "priority_leader": world.leader.name,
        "published": _("Yes"),
    }
    row = rows[split.case.serial]
    assert row["serial"].startswith("JYBH") and row["session"] == _("Between sessions")
    assert (row["lead"], row["cosigners"], row["is_motion"], row["motion_decision"]) == (
        "陈晓梅",
        "",
        _("No"),
        "",
    )
    assert (row["lead_unit"], row["co_handlers"]) == ("", "")
    assert row["split_units"] == f"{world.dept_a1.name}、{world.dept_a2.name}"
    assert (row["status"], row["reply_class"], row["evaluation"], row["follow_up"]) == (
        str(CaseStatus.REPLIED.label),
        "A",
        "",
        "",
    )
    assert (row["met"], row["contacts"], row["priority"], row["published"]) == (
        _("No"),
        0,
        _("No"),
        _("No"),
    )
    row = rows[pending.case.serial]
    assert (row["accepted"], row["lead_unit"], row["assigned_on"], row["due_date"]) == (
        "",
        "",
        None,
        None,
    )
    assert (row["reply_class"], row["replied_on"], row["replied_on_time"]) == ("", None, "")
    row = rows[rejected.case.serial]
    assert (row["status"], row["accepted"]) == (str(CaseStatus.REJECTED.label), _("No"))

    # The .xlsx holds the same cells under the translated header, dates as dates.
    response = ledger_response(Suggestion.objects.all(), actor=world.staff, year=2026)
    assert response["Content-Disposition"] == 'attachment; filename="suggestions-ledger-2026.xlsx"'
    sheet = _xlsx_rows(response)
    assert list(sheet[0]) == ledger_header()
    by_serial = {r[0]: dict(zip(LEDGER_KEYS, r, strict=True)) for r in sheet[1:]}
    assert by_serial["JY20-1-001"]["cosigners"] == "陈晓梅、周海"
    assert by_serial["JY20-1-001"]["due_date"].date() == due
    assert by_serial["JY20-1-001"]["contacts"] == 2


def test_text_is_never_read_as_a_formula(world):
    suggestion = _raise(world, world.deputy_a, '=HYPERLINK("http://example.invalid","点击")')
    response = ledger_response(Suggestion.objects.filter(pk=suggestion.pk), actor=world.staff)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book.worksheets[0]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


# --- queries and memory --------------------------------------------------------------------------


def bulk_suggestions(world: Any, count: int, *, start: int = 0) -> None:
    """`count` submitted suggestions in a few bulk inserts; every third assigned, with a
    co-signer, a contact and an evaluation, so that every prefetch has rows to read."""
    now = timezone.now()
    year = timezone.localdate().year
    for offset in range(0, count, 2000):
        numbers = range(start + offset, start + min(offset + 2000, count))
        cases = Case.objects.bulk_create(
            [
                Case(
                    congress=world.c_a,
                    kind=CaseKind.SUGGESTION,
                    serial=f"JY20-1-{n + 1:05d}",
                    year=year,
                    number=n + 1,
                    category=world.cat_a,
                    title=f"第{n + 1}号建议：关于改善东塘村道路和路灯的建议",
                    content="东塘村道路破损，路灯不亮，建议修缮。",
                    source=CaseSource.DEPUTY_VISIT,
                    submitted_at=now,
                    status=CaseStatus.ASSIGNED if n % 3 == 0 else CaseStatus.SUBMITTED,
                    assigned_at=now if n % 3 == 0 else None,
                    due_date=now.date() + dt.timedelta(days=90) if n % 3 == 0 else None,
                    reply_class="A" if n % 6 == 0 else "",
                    has_contact=n % 3 == 0,
                )
                for n in numbers
            ]
        )
        suggestions = Suggestion.objects.bulk_create(
            [
                Suggestion(
                    status=SuggestionStatus.SUBMITTED,
                    case=case,
                    congress=world.c_a,
                    term=world.term_a,
                    session=world.session_a,
                    lead=world.deputy_a,
                    category=world.cat_a,
                    title=case.title,
                    content=case.content,
                    submitted_at=now,
                )
                for case in cases
            ]
        )
        assigned = [s for n, s in zip(numbers, suggestions, strict=True) if n % 3 == 0]
        CoSigner.objects.bulk_create(
            [
                CoSigner(suggestion=s, deputy=world.extra_deputy, status="confirmed")
                for s in assigned
            ]
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    case_id=s.case_id,
                    department=world.dept_a1,
                    role=AssignmentRole.LEAD,
                    due_date=now.date(),
                    assigned_at=now,
                    assigned_by=world.staff,
                )
                for s in assigned
            ]
        )
        ContactRecord.objects.bulk_create(
            [
                ContactRecord(
                    case_id=s.case_id,
                    department=world.dept_a1,
                    stage="during",
                    mode="phone",
                    met_on=now.date(),
                    note="电话沟通",
                    recorded_by=world.handler_a,
                )
                for s in assigned
            ]
        )
        Evaluation.objects.bulk_create(
            [Evaluation(case_id=s.case_id, round=1, result="satisfied") for s in assigned]
        )


@pytest.fixture
def bulk_world(world):  # noqa: ANN001, ANN201
    world.extra_deputy = make_deputy(world, "陈晓梅", "13900000011")
    return world


def test_the_ledger_takes_the_same_number_of_queries_for_10_and_500_suggestions(bulk_world):
    world = bulk_world

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = ledger_response(Suggestion.objects.all(), actor=world.staff)
            rows = _xlsx_rows(response)
        return len(captured), len(rows)

    bulk_suggestions(world, 10)
    small, rows = queries()
    assert rows == 11
    bulk_suggestions(world, 490, start=10)
    large, rows = queries()
    assert rows == 501
    assert small == large
    # The suggestions, co-signers, assignments and evaluations; then the export's audit: the
    # congresses it holds and one entry (renda.core.exports).
    assert small <= 5 + 2


def test_a_ledger_of_10000_suggestions_streams_in_bounded_memory(bulk_world, capsys):
    world = bulk_world
    started = time.perf_counter()
    bulk_suggestions(world, 10_000)
    created = time.perf_counter()
    tracemalloc.start()
    try:
        response = ledger_response(Suggestion.objects.all(), actor=world.staff)
        size = 0
        spool = io.BytesIO()
        for chunk in response.streaming_content:
            size += len(chunk)
            spool.write(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    written = time.perf_counter()
    book = load_workbook(spool, read_only=True)
    sheet = book.worksheets[0]
    rows = 0
    for row in sheet.iter_rows(values_only=True):
        rows += 1
        if rows == 2:
            assert row[0] == "JY20-1-00001" and row[LEDGER_KEYS.index("cosigners")] == "陈晓梅"
    assert rows == 10_001
    with capsys.disabled():
        print(  # noqa: T201  (the measurement is part of the report)
            f"\nledger of 10,000: bulk insert {created - started:.1f} s, "
            f"workbook {written - created:.1f} s (traced), {size / 1e6:.1f} MB file, "
            f"peak traced memory {peak / 1e6:.1f} MB"
        )
    assert peak < 150 * 1024 * 1024


# --- the meeting's list --------------------------------------------------------------------------


def test_the_meeting_list_as_xlsx_and_docx(world):
    first = _raise(world, world.deputy_a, "修缮东塘村道路")
    second = _raise(world, world.deputy_a, "增设学校门口红绿灯")
    for suggestion in (first, second):
        case_services.triage_case(suggestion.case, acting_user=world.staff)
    meeting = services.create_meeting(
        congress=world.c_a,
        title="2026年代表建议交办会",
        held_on=dt.date(2026, 3, 10),
        acting_user=world.staff,
    )
    due = timezone.localdate() + dt.timedelta(days=30)
    services.set_meeting_item(
        meeting,
        first.case,
        acting_user=world.staff,
        lead=world.dept_a1,
        co_handlers=[world.dept_a2],
        due=due,
    )
    services.set_meeting_item(
        meeting, second.case, acting_user=world.staff, splits=[world.dept_a1, world.dept_a2]
    )
    three_months = ngettext(
        "%(months)s month from assignment", "%(months)s months from assignment", 3
    ) % {"months": 3}

    book = load_workbook(io.BytesIO(meeting_list_xlsx(meeting)))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert values[0][0] == "2026年代表建议交办会"
    assert "2026" in values[1][0]
    assert values[2] == [
        _("No."),
        _("Number"),
        _("Title"),
        _("Lead deputy"),
        _("Lead unit"),
        _("Co-handlers"),
        _("Split units"),
        _("Due date"),
    ]
    assert values[3][:7] == [
        1,
        "JY20-1-001",
        "修缮东塘村道路",
        "王建国",
        world.dept_a1.name,
        world.dept_a2.name,
        None,
    ]
    assert values[4][:7] == [
        2,
        "JY20-1-002",
        "增设学校门口红绿灯",
        "王建国",
        None,
        None,
        f"{world.dept_a1.name}、{world.dept_a2.name}",
    ]
    assert values[4][7] == three_months and values[3][7] != three_months

    from docx import Document
    from docx.oxml.ns import qn

    document = Document(io.BytesIO(meeting_list_docx(meeting)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "2026年代表建议交办会" and "2026" in texts[1]
    assert document.paragraphs[0].style.name.startswith("Heading")
    [table] = document.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0][:3] == [_("No."), _("Number"), _("Title")]
    assert cells[1][:5] == ["1", "JY20-1-001", "修缮东塘村道路", "王建国", world.dept_a1.name]
    assert (
        cells[2][6] == f"{world.dept_a1.name}、{world.dept_a2.name}" and cells[2][7] == three_months
    )
    run = table.rows[1].cells[2].paragraphs[0].runs[0]
    assert run.font.name == "SimSun"
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"


# --- figures ------------------------------------------------------------------------------------


def test_the_figures_and_the_xlsx_ledger_agree_with_a_hand_count(world):
    """Four suggestions: three assigned, two replied (A and B), one closed satisfied, one
    with a contact record."""
    chen = make_deputy(world, "陈晓梅", "13900000011")
    closed = _raise(world, world.deputy_a, "已办结")
    replied = _raise(world, world.deputy_a, "已答复", session=None, category=world.cat_a2)
    assigned = _raise(world, chen, "已交办")
    _raise(world, chen, "待审查")
    [lead] = _accept_and_assign(world, closed, lead=world.dept_a1)
    _sign_and_reply(world, lead, "A")
    services.evaluate_suggestion(closed, acting_user=world.deputy_user, result="satisfied")
    [lead] = _accept_and_assign(world, replied, lead=world.dept_a2)
    _sign_and_reply(world, lead, "B")
    _accept_and_assign(world, assigned, lead=world.dept_a1)
    case_services.record_contact(
        assigned.case,
        stage="before",
        mode="meeting",
        met_on=timezone.localdate(),
        note="上门听取意见",
        acting_user=world.handler_a,
    )
    # A public opinion of the same town is not a suggestion.
    submit(world)

    qs = Case.objects.filter(congress=world.c_a, kind=CaseKind.SUGGESTION)
    total = figures.totals(qs)
    assert (total["received"], total["assigned"], total["replied"], total["closed"]) == (4, 3, 2, 1)
    assert (total["met"], total["class_a"], total["class_b"], total["satisfied"]) == (1, 1, 1, 1)
    assert total["closure_rate"] == 33.3
    assert total["met_rate"] == 33.3
    assert total["solved_rate"] == 50.0
    assert total["solved_or_solving_rate"] == 100.0
    assert total["satisfaction_rate"] == 100.0

    def by(key: str) -> dict[str, tuple[int, int, int, int]]:
        return {
            r["label"]: (r["received"], r["assigned"], r["replied"], r["closed"])
            for r in figures.grouped(qs, key)
        }

    year = str(timezone.localdate().year)
    session = _("Term %(term)s, session %(ordinal)s") % {"term": 20, "ordinal": 1}
    assert by("year") == {year: (4, 3, 2, 1)}
    assert by("session") == {session: (3, 2, 1, 1), _("Between sessions"): (1, 1, 1, 0)}
    assert [r["label"] for r in figures.grouped(qs, "session")] == [session, _("Between sessions")]
    assert by("category") == {"交通": (3, 2, 1, 1), "教育": (1, 1, 1, 0)}
    assert by("department") == {world.dept_a1.name: (2, 2, 1, 1), world.dept_a2.name: (1, 1, 1, 0)}
    assert by("deputy") == {"王建国": (2, 2, 2, 1), "陈晓梅": (2, 1, 0, 0)}
    deputy_rows = {r["label"]: r for r in figures.grouped(qs, "deputy")}
    assert (
        deputy_rows["王建国"]["closure_rate"] == 50.0 and deputy_rows["陈晓梅"]["met_rate"] == 100.0
    )
    for key in figures.GROUPS:
        with CaptureQueriesContext(connection) as captured:
            figures.grouped(qs, key)
        assert len(captured) == 1, key
    with pytest.raises(ValueError, match="unknown grouping"):
        figures.grouped(qs, "village")

    # The ledger of the same suggestions gives the same counts.
    rows = [
        dict(zip(LEDGER_KEYS, r, strict=True))
        for r in _xlsx_rows(
            ledger_response(Suggestion.objects.filter(congress=world.c_a), actor=world.staff)
        )[1:]
    ]
    assert len(rows) == total["received"]
    assert sum(1 for r in rows if r["assigned_on"]) == total["assigned"]
    assert sum(1 for r in rows if r["reply_class"]) == total["replied"]
    assert sum(1 for r in rows if r["status"] == str(CaseStatus.CLOSED.label)) == total["closed"]
    assert sum(1 for r in rows if r["met"] == _("Yes")) == total["met"]
    assert sum(1 for r in rows if r["reply_class"] == "A") == total["class_a"]
    assert sum(1 for r in rows if r["evaluation"] == _("Satisfied")) == total["satisfied"]


def test_a_ledger_export_shows_in_the_congress_audit_log(client, world):
    from renda.core.models import ActionLog
    from renda.suggestions import services as suggestion_services

    suggestion_services.submit_suggestion(
        suggestion_services.create_draft(
            acting_user=world.deputy_user,
            congress=world.c_a,
            category=world.cat_a,
            title="导出审计",
            content="内容",
        ),
        acting_user=world.deputy_user,
    )
    client.force_login(world.staff)
    response = client.get("/office/suggestions-ledger.xlsx")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert (
        ActionLog.objects.filter(action="suggestions.exported", congress_id=world.c_a.pk).count()
        == 1
    )
    (entry,) = ActionLog.objects.filter(action="suggestions.exported")  # one congress: one entry
    assert (entry.actor, entry.note) == (world.staff, "ledger")
    assert entry.changes == {"format": [None, "xlsx"]}


def test_a_large_ledger_runs_as_a_job_with_the_same_rows(
    client, world, settings, django_capture_on_commit_callbacks
):
    """Above RENDA_EXPORT_JOB_ROWS the office's ledger is a background job (the one export
    mechanism): the user goes to the job's page, and its download holds the rows the
    immediate download holds, audited once per congress; nobody else sees the job."""
    from renda.core import jobs
    from renda.core.models import ActionLog, Job, JobStatus

    raised = [_raise(world, world.deputy_a, f"建议{n}") for n in range(3)]
    client.force_login(world.staff)
    now = client.get("/office/suggestions-ledger.xlsx")
    assert now.status_code == 200
    year = timezone.localdate().year
    assert now["Content-Disposition"] == f'attachment; filename="suggestions-ledger-{year}.xlsx"'
    immediate = _xlsx_rows(now)
    assert sorted(r[0] for r in immediate[1:]) == sorted(s.case.serial for s in raised)

    settings.RENDA_EXPORT_JOB_ROWS = 2
    settings.RENDA_JOBS_IN_THREAD = False
    before = ActionLog.objects.filter(action="suggestions.exported").count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/office/suggestions-ledger.xlsx")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.owner, job.params["export"]) == (
        jobs.EXPORT,
        world.staff,
        "suggestions.ledger",
    )
    assert job.status == JobStatus.DONE and job.done == job.total == 3
    assert ActionLog.objects.filter(action="suggestions.exported").count() == before
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == now["Content-Disposition"]
    assert _xlsx_rows(download) == immediate
    (entry,) = ActionLog.objects.filter(action="suggestions.exported").order_by("-id")[:1]
    assert ActionLog.objects.filter(action="suggestions.exported").count() == before + 1
    assert (entry.actor, entry.congress_id, entry.note) == (
        world.staff,
        world.c_a.pk,
        f"ledger (job {job.pk})",
    )
    client.force_login(world.other_staff)
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
        assert client.get(url).status_code == 404
