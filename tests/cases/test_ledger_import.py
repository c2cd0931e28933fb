"""Ledger import (补录): an office's existing ledger of opinions or suggestions comes in from
.xlsx with its real dates, checked row by row in the background and imported all or
nothing; imported records are marked, audited and counted in the figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from renda.cases import figures, ledger_import
from renda.cases.models import (
    Assignment,
    AssignmentStatus,
    Case,
    CaseKind,
    CaseStatus,
    Evaluation,
    LedgerImport,
    LedgerImportStatus,
    Reply,
)
from renda.core import documents, exports
from renda.core.models import ActionLog
from renda.core.numbering import next_serial
from renda.suggestions.models import Suggestion

OPINION_HEADER = [
    "编号",
    "标题",
    "内容",
    "类别",
    "提交日期",
    "提交人",
    "主办单位",
    "协办单位",
    "交办日期",
    "办理期限",
    "答复类别",
    "答复日期",
    "答复",
    "评价结果",
    "测评日期",
]


def workbook(header: list[str], rows: list[list[object]]) -> bytes:
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, "台账")
    documents.xlsx_append(sheet, header)
    for row in rows:
        documents.xlsx_append(sheet, row)
    return documents.to_bytes(book)


def upload(client, content: bytes, *, congress, kind="opinion", callbacks=None):  # noqa: ANN001, ANN201
    data = {
        "congress": congress.pk,
        "kind": kind,
        "file": SimpleUploadedFile("台账.xlsx", content, content_type=exports.XLSX),
    }
    with callbacks(execute=True):
        response = client.post(reverse("cases:ledger_imports"), data)
    return response


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def opinion_row(n: int, **over: object) -> list[object]:
    row = {
        "serial": f"TZ2026-{n:04d}",
        "title": f"路灯维修{n}",
        "content": f"东塘村第{n}组路灯坏了",
        "category": "交通",
        "received": d("2026-03-02"),
        "submitter": "赵先生",
        "lead": "城乡建设办公室",
        "co": "",
        "assigned": d("2026-03-04"),
        "due": d("2026-03-25"),
        "class": "A",
        "replied": d("2026-03-20"),
        "reply": "已修复",
        "rating": "满意",
        "rated": d("2026-03-28"),
    }
    row.update(over)
    return list(row.values())


@pytest.fixture
def staff_client(client, cases_world):  # noqa: ANN001, ANN201
    client.force_login(cases_world.staff)
    return client


def test_the_office_imports_a_ledger_with_real_dates(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    w = cases_world
    rows = [
        opinion_row(1),
        # Replied late, basically satisfied.
        opinion_row(2, replied=d("2026-04-02"), rating="基本满意", rated=d("2026-04-05")),
        # Replied, not yet rated.
        opinion_row(3, rating="", rated=None, **{"class": "B"}),
        # Assigned only, the due date from the congress's rules.
        opinion_row(4, due=None, reply="", rating="", rated=None, replied=None, **{"class": ""}),
        # Received only, no number: the platform numbers it.
        opinion_row(
            5,
            serial="",
            lead="",
            assigned=None,
            due=None,
            reply="",
            rating="",
            rated=None,
            replied=None,
            **{"class": ""},
        ),
        # Unsatisfied: back to the department for re-handling.
        opinion_row(6, rating="不满意", co="社会事务办公室"),
    ]
    response = upload(
        staff_client,
        workbook(OPINION_HEADER, rows),
        congress=w.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:ledger_import", args=[batch.pk])
    assert batch.status == LedgerImportStatus.PREVIEWED, batch.report
    assert (batch.row_count, batch.checked_rows, batch.error_count) == (6, 6, 0)
    page = staff_client.get(response["Location"])
    assert "检查通过，可以导入" in page.content.decode()
    assert Case.objects.count() == 0  # checked only

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == LedgerImportStatus.IMPORTED
    assert batch.imported_count == 6

    cases = {c.title: c for c in Case.objects.all()}
    one = cases["路灯维修1"]
    assert one.serial == "TZ2026-0001"
    assert one.imported_from == batch
    assert one.status == CaseStatus.CLOSED
    assert timezone.localdate(one.submitted_at) == d("2026-03-02")
    assert timezone.localdate(one.assigned_at) == d("2026-03-04")
    assert timezone.localdate(one.replied_at) == d("2026-03-20")
    assert timezone.localdate(one.closed_at) == d("2026-03-28")
    assert one.due_date == d("2026-03-25")
    assert (one.reply_class, one.replied_on_time, one.evaluation_result) == ("A", True, "satisfied")
    evaluation = Evaluation.objects.get(case=one)
    assert timezone.localdate(evaluation.created_at) == d("2026-03-28")
    reply = Reply.objects.get(case=one)
    assert (reply.text, timezone.localdate(reply.replied_at)) == ("已修复", d("2026-03-20"))

    assert cases["路灯维修2"].replied_on_time is False
    assert cases["路灯维修2"].evaluation_result == "basic"
    assert cases["路灯维修3"].status == CaseStatus.REPLIED
    four = cases["路灯维修4"]
    assert four.status == CaseStatus.ASSIGNED
    assert four.due_date == d("2026-03-04") + dt.timedelta(days=21)  # 15 working days
    assert Assignment.objects.get(case=four).status == AssignmentStatus.ASSIGNED
    five = cases["路灯维修5"]
    assert five.status == CaseStatus.TRIAGED
    assert five.serial == "MY2026-000001"
    six = cases["路灯维修6"]
    assert six.status == CaseStatus.REHANDLING
    assert six.round == 2
    assert six.due_date == d("2026-04-28")  # a month after the rating
    assert {a.role for a in six.assignments.all()} == {"lead", "co"}

    # Audited, marked on the case page.
    assert ActionLog.objects.filter(action="case.imported").count() == 6
    assert ActionLog.objects.filter(action="ledger_import.imported", object_id=str(batch.pk))
    page = staff_client.get(reverse("cases:office_case", args=[one.pk])).content.decode()
    assert "台账.xlsx" in page
    # Counted in the figures.
    totals = figures.totals(Case.objects.filter(congress=w.c_a))
    assert totals["received"] == 6
    assert totals["assigned"] == 5
    assert totals["replied"] == 4
    assert totals["replied_on_time"] == 3
    assert totals["evaluated"] == 3
    assert totals["closed"] == 2
    assert totals["satisfaction_rate"] == figures.percent(2, 3)


def test_imported_serials_move_the_counter_past_them(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    rows = [opinion_row(1, serial="MY2026-000007")]
    upload(
        staff_client,
        workbook(OPINION_HEADER, rows),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    assert Case.objects.get().serial == "MY2026-000007"
    assert next_serial(f"case:{cases_world.c_a.pk}:opinion", 2026) == 8


def test_imported_series_serials_move_the_series_counter_past_them(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    """A suggestion numbered in a session's series (JY20-1-003) or between sessions
    (JYBH2026-007) moves that series' counter: the next suggestion never takes its number."""
    w = cases_world
    header = ["编号", "标题", "内容", "类别", "届", "会议", "领衔代表", "提交日期", "已公开"]
    rows = [
        ["JY20-1-003", "修路", "修路内容", "交通", "第20届", "第20届第1次会议", "王建国"],
        ["JYBH2026-007", "修桥", "修桥内容", "交通", "第20届", "闭会期间", "王建国"],
    ]
    rows = [row + [d("2026-02-21"), "否"] for row in rows]
    upload(
        staff_client,
        workbook(header, rows),
        congress=w.c_a,
        kind="suggestion",
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert not [r for r in batch.report["rows"] if r["errors"]], batch.report["rows"]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    assert Case.objects.filter(serial__in=["JY20-1-003", "JYBH2026-007"]).count() == 2
    scope = f"case:{w.c_a.pk}:suggestion"
    assert next_serial(f"{scope}:20-1", 0) == 4
    assert next_serial(f"{scope}:BH2026", 0) == 8


BAD_ROWS = [
    ("category", {"category": "水利"}, "未知类别“水利”"),
    ("department", {"lead": "水务站"}, "未知部门“水务站”"),
    ("assigned before received", {"assigned": d("2026-03-01")}, "交办日期早于收到日期"),
    ("replied before assigned", {"replied": d("2026-03-03")}, "答复日期早于交办日期"),
    ("not a date", {"received": "三月"}, "不是日期"),
]


@pytest.mark.parametrize(("kind", "change", "reason"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_refused_with_its_row_and_reason(
    staff_client, cases_world, django_capture_on_commit_callbacks, kind, change, reason
):
    rows = [opinion_row(1), opinion_row(2, **change), opinion_row(3)]
    upload(
        staff_client,
        workbook(OPINION_HEADER, rows),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert batch.status == LedgerImportStatus.REJECTED
    assert batch.error_count == 1
    bad = [r for r in batch.report["rows"] if r["errors"]]
    assert [r["row"] for r in bad] == [3]  # the spreadsheet's row (header is row 1)
    assert any(reason in e for e in bad[0]["errors"]), bad
    page = staff_client.get(reverse("cases:ledger_import", args=[batch.pk])).content.decode()
    assert reason in page
    # Nothing can be imported.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    assert Case.objects.count() == 0


def test_duplicate_serials_are_refused(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    w = cases_world
    existing = Case.objects.create(
        congress=w.c_a,
        serial="TZ2026-0009",
        year=2026,
        number=9,
        category=w.cat_a,
        title="已有",
        content="已有",
        submitted_at=timezone.now(),
    )
    rows = [opinion_row(1), opinion_row(1, title="重复"), opinion_row(9)]
    upload(
        staff_client,
        workbook(OPINION_HEADER, rows),
        congress=w.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    errors = {r["row"]: r["errors"] for r in batch.report["rows"] if r["errors"]}
    assert set(errors) == {3, 4}
    assert "编号TZ2026-0001再次出现；首次在第2行。" in errors[3]
    assert "本级人大已有编号TZ2026-0009。" in errors[4]
    assert list(Case.objects.all()) == [existing]


def test_wrong_columns_are_refused_before_any_row(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    header = ["编号", "标题", "类别", "收件人", "提交日期"]
    upload(
        staff_client,
        workbook(header, [["X1", "标题", "交通", "张三", d("2026-03-02")]]),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert batch.status == LedgerImportStatus.REJECTED
    assert batch.report["file_errors"] == ["未知列“收件人”（第D列）。"]
    upload(
        staff_client,
        workbook(["编号", "标题"], [["X1", "标题"]]),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    latest = LedgerImport.objects.order_by("-pk").first()
    assert "缺少必填列" in latest.report["file_errors"][0]
    assert Case.objects.count() == 0


def test_a_ledger_that_became_wrong_since_its_check_imports_nothing(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    w = cases_world
    upload(
        staff_client,
        workbook(OPINION_HEADER, [opinion_row(1), opinion_row(2)]),
        congress=w.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert batch.status == LedgerImportStatus.PREVIEWED
    Case.objects.create(  # the serial of row 3 is taken meanwhile
        congress=w.c_a,
        serial="TZ2026-0002",
        year=2026,
        number=2,
        category=w.cat_a,
        title="已有",
        content="已有",
        submitted_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == LedgerImportStatus.REJECTED
    assert Case.objects.count() == 1
    assert [r["row"] for r in batch.report["rows"] if r["errors"]] == [3]


def test_the_progress_is_read_from_the_import_row(staff_client, cases_world):
    batch = LedgerImport.objects.create(
        congress=cases_world.c_a,
        kind=CaseKind.OPINION,
        original_name="x.xlsx",
        uploaded_by=cases_world.staff,
        status=LedgerImportStatus.CHECKING,
        row_count=400,
        checked_rows=100,
    )
    response = staff_client.get(reverse("cases:ledger_progress", args=[batch.pk]))
    body = response.content.decode()
    assert 'value="25"' in body
    assert "hx-trigger" in body
    assert "HX-Refresh" not in response


def test_the_template_lists_the_columns(staff_client, cases_world):
    response = staff_client.get(reverse("cases:ledger_template") + "?kind=suggestion")
    assert response.status_code == 200
    book = documents.open_xlsx(response.content)
    header = [c.value for c in next(book.worksheets[0].iter_rows())]
    with translation.override("zh-hans"):
        assert header == [str(label) for _k, label in ledger_import.columns_of("suggestion")]
    assert "领衔代表" in header


def test_a_suggestions_ledger_creates_the_deputys_record(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    w = cases_world
    header = ["编号", "标题", "内容", "类别", "届", "会议", "领衔代表", "提交日期", "已公开"]
    rows = [
        [
            "JY2026-000003",
            "修路",
            "修路内容",
            "交通",
            "第20届",
            "第20届第1次会议",
            "王建国",
            d("2026-02-21"),
            "否",
        ],
        [
            "JY2026-000004",
            "修桥",
            "修桥内容",
            "交通",
            "第20届",
            "闭会期间",
            "李四",
            d("2026-02-21"),
            "否",
        ],
    ]
    upload(
        staff_client,
        workbook(header, rows),
        congress=w.c_a,
        kind="suggestion",
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    errors = [r for r in batch.report["rows"] if r["errors"]]
    assert [r["row"] for r in errors] == [3]
    assert "未知代表“李四”（不是第20届的代表）。" in errors[0]["errors"]

    upload(
        staff_client,
        workbook(header, rows[:1]),
        congress=w.c_a,
        kind="suggestion",
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.order_by("-pk").first()
    assert batch.status == LedgerImportStatus.PREVIEWED, batch.report
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    suggestion = Suggestion.objects.get()
    assert suggestion.lead == w.deputy_a
    assert suggestion.session == w.session_a
    assert suggestion.case.kind == CaseKind.SUGGESTION
    assert suggestion.case.imported_from_id == batch.pk


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("leader", 404),
        ("handler", 404),
        ("deputy", 404),
        ("other_town_staff", 404),
        ("citizen", 404),
    ],
)
def test_who_may_see_an_import(client, cases_world, personas, persona, status):
    batch = LedgerImport.objects.create(
        congress=cases_world.c_a,
        kind=CaseKind.OPINION,
        original_name="x.xlsx",
        uploaded_by=cases_world.staff,
        status=LedgerImportStatus.PREVIEWED,
    )
    client.force_login(personas[persona])
    assert client.get(reverse("cases:ledger_import", args=[batch.pk])).status_code == status
    assert client.get(reverse("cases:ledger_progress", args=[batch.pk])).status_code == status
    response = client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    assert response.status_code == (302 if status == 200 else 404)
    if status == 404:
        batch.refresh_from_db()
        assert batch.status == LedgerImportStatus.PREVIEWED


@pytest.mark.parametrize("persona", ["leader", "handler", "deputy", "citizen"])
def test_only_the_office_may_upload(
    client, cases_world, personas, persona, django_capture_on_commit_callbacks
):
    client.force_login(personas[persona])
    assert client.get(reverse("cases:ledger_imports")).status_code == 404
    response = upload(
        client,
        workbook(OPINION_HEADER, [opinion_row(1)]),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 404
    assert not LedgerImport.objects.exists()


def test_another_towns_staff_cannot_import_into_this_town(
    client, cases_world, django_capture_on_commit_callbacks
):
    client.force_login(cases_world.other_staff)
    response = upload(
        client,
        workbook(OPINION_HEADER, [opinion_row(1)]),
        congress=cases_world.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 400  # not one of the congresses offered
    assert not LedgerImport.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused(staff_client, cases_world):
    response = staff_client.post(
        reverse("cases:ledger_imports"),
        {
            "congress": cases_world.c_a.pk,
            "kind": "opinion",
            "file": SimpleUploadedFile("x.xlsx", io.BytesIO(b"not a zip").read()),
        },
    )
    assert response.status_code == 400
    assert not LedgerImport.objects.exists()


def test_an_imported_suggestion_gets_its_paper_reply_on_the_suggestion_page(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    w = cases_world
    header = ["标题", "类别", "领衔代表", "提交日期", "主办单位", "交办日期", "办理期限"]
    rows = [["修路", "交通", "王建国", d("2026-06-01"), "城乡建设办公室", d("2026-06-03"), None]]
    upload(
        staff_client,
        workbook(header, rows),
        congress=w.c_a,
        kind="suggestion",
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    suggestion = Suggestion.objects.get()
    case = suggestion.case
    assert case.status == CaseStatus.ASSIGNED
    assert case.due_date == d("2026-09-03")  # three months from the assignment
    page = staff_client.get(reverse("suggestions:office_detail", args=[suggestion.pk]))
    url = reverse("suggestions:office_action", args=[suggestion.pk, "paper_reply"])
    assert url in page.content.decode()
    response = staff_client.post(
        url,
        {
            "assignment": case.assignments.get().pk,
            "reply_class": "A",
            "text": "已修好",
            "replied_on": "2026-08-20",
            "reason": "纸质答复",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REPLIED
    assert case.replied_on_time is True
    assert timezone.localdate(case.replied_at) == d("2026-08-20")


def test_the_import_progress_is_shared_through_the_cache(staff_client, cases_world):
    from django.core.cache import cache

    batch = LedgerImport.objects.create(
        congress=cases_world.c_a,
        kind=CaseKind.OPINION,
        original_name="x.xlsx",
        uploaded_by=cases_world.staff,
        status=LedgerImportStatus.IMPORTING,
        row_count=500,
        checked_rows=500,
    )
    cache.set(ledger_import._progress_key(batch.pk), 250)
    response = staff_client.get(reverse("cases:ledger_progress", args=[batch.pk]))
    assert 'value="50"' in response.content.decode()
    assert "HX-Refresh" not in response
    LedgerImport.objects.filter(pk=batch.pk).update(status=LedgerImportStatus.IMPORTED)
    response = staff_client.get(reverse("cases:ledger_progress", args=[batch.pk]))
    assert response["HX-Refresh"] == "true"  # done: the page reloads with the result


def test_the_sweep_checks_a_ledger_whose_job_was_lost(cases_world):
    content = workbook(OPINION_HEADER, [opinion_row(1)])
    batch = LedgerImport(
        congress=cases_world.c_a,
        kind=CaseKind.OPINION,
        original_name="台账.xlsx",
        uploaded_by=cases_world.staff,
    )
    batch.file.save("ledger.xlsx", io.BytesIO(content), save=False)
    batch.save()  # queued; its job never ran
    assert ledger_import.resume_stalled() == 0  # just uploaded: its job may still come
    LedgerImport.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert ledger_import.resume_stalled() == 1
    batch.refresh_from_db()
    assert batch.status == LedgerImportStatus.PREVIEWED
    assert ledger_import.resume_stalled() == 0


def test_the_opinions_ledger_export_imports_as_it_is(
    staff_client, cases_world, django_capture_on_commit_callbacks
):
    """Export → import: the office's own opinions ledger is in the import's layout; with
    its numbers cleared (they exist) the copies count exactly like the originals."""
    from renda.cases import services
    from tests.fixtures.cases import submit

    w = cases_world
    first, second, third = (submit(w).case for _ in range(3))
    services.assign_case(first, lead=w.dept_a1, acting_user=w.staff)
    services.assign_case(second, splits=[w.dept_a1, w.dept_a2], acting_user=w.staff)
    services.sign_assignment(first.assignments.get(), acting_user=w.handler_a)
    services.reply_case(
        first.assignments.get(), reply_class="B", text="正在修", acting_user=w.handler_a
    )
    services.evaluate_case(first, result="basic", attitude="satisfied", acting_user=w.staff)
    response = staff_client.get(reverse("cases:opinion_ledger"))
    assert response.status_code == 200
    assert ActionLog.objects.filter(action="cases.exported", congress_id=w.c_a.pk).exists()
    content = response.getvalue()  # streamed: read once
    sheet = documents.open_xlsx(content).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    with translation.override("zh-hans"):
        assert rows[0] == [str(label) for _k, label in ledger_import.COLUMNS]
    assert len(rows) == 4
    assert "13812345678" not in str(rows)  # contact details are not exported

    upload(staff_client, content, congress=w.c_a, callbacks=django_capture_on_commit_callbacks)
    batch = LedgerImport.objects.get()
    assert [r["errors"] for r in batch.report["rows"]] == [
        [f"本级人大已有编号{c.serial}。"] for c in (first, second, third)
    ]
    for row in rows[1:]:
        row[0] = None
    upload(
        staff_client,
        workbook(rows[0], rows[1:]),
        congress=w.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.order_by("-pk").first()
    assert batch.status == LedgerImportStatus.PREVIEWED, batch.report
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    originals = Case.objects.filter(imported_from__isnull=True)
    copies = Case.objects.filter(imported_from=batch)
    assert copies.count() == 3
    assert figures.totals(copies) == figures.totals(originals)


def _ledger_rows(response) -> list[list[object]]:  # noqa: ANN001
    sheet = documents.open_xlsx(response.getvalue()).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_a_large_opinions_ledger_runs_as_a_job_and_still_imports(
    staff_client, cases_world, settings, django_capture_on_commit_callbacks
):
    """Above RENDA_EXPORT_JOB_ROWS the opinions ledger is a background job: the office goes
    to its page; its download, of the year asked, holds the immediate download's rows in
    the import's layout (it imports as it is), audited once per congress; another user
    gets a 404."""
    from renda.core import jobs
    from renda.core.models import Job, JobStatus
    from tests.fixtures.cases import submit

    w = cases_world
    cases = [submit(w).case for _ in range(3)]
    year = cases[0].year
    now = staff_client.get(reverse("cases:opinion_ledger"), {"year": year})
    assert now["Content-Disposition"] == f'attachment; filename="opinions-ledger-{year}.xlsx"'
    immediate = _ledger_rows(now)
    assert sorted(r[0] for r in immediate[1:]) == sorted(c.serial for c in cases)
    empty = staff_client.get(reverse("cases:opinion_ledger"), {"year": year - 1})
    assert _ledger_rows(empty)[1:] == []

    settings.RENDA_EXPORT_JOB_ROWS = 2
    settings.RENDA_JOBS_IN_THREAD = False
    before = ActionLog.objects.filter(action="cases.exported").count()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.get(reverse("cases:opinion_ledger"), {"year": year})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.params["export"]) == (jobs.EXPORT, "cases.opinion_ledger")
    assert job.status == JobStatus.DONE and job.done == job.total == 3
    download = staff_client.get(f"/jobs/{job.pk}/download/")
    assert download["Content-Disposition"] == now["Content-Disposition"]
    rows = _ledger_rows(download)
    assert rows == immediate
    exported = ActionLog.objects.filter(action="cases.exported").order_by("-id")
    assert exported.count() == before + 1
    assert (exported[0].congress_id, exported[0].note) == (w.c_a.pk, f"ledger (job {job.pk})")

    for row in rows[1:]:
        row[0] = None  # the numbers exist: imported copies get new ones
    upload(
        staff_client,
        workbook(rows[0], rows[1:]),
        congress=w.c_a,
        callbacks=django_capture_on_commit_callbacks,
    )
    batch = LedgerImport.objects.get()
    assert batch.status == LedgerImportStatus.PREVIEWED, batch.report

    staff_client.force_login(w.other_staff)
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
        assert staff_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [("staff", 200), ("leader", 200), ("handler", 404), ("deputy", 404), ("citizen", 404)],
)
def test_who_may_export_the_opinions_ledger(client, cases_world, personas, persona, status):
    from tests.fixtures.cases import submit

    submit(cases_world)
    client.force_login(personas[persona])
    response = client.get(reverse("cases:opinion_ledger"))
    assert response.status_code == status


def test_another_towns_staff_exports_only_their_own_opinions(client, cases_world):
    from tests.fixtures.cases import submit

    case = submit(cases_world).case
    client.force_login(cases_world.other_staff)
    response = client.get(reverse("cases:opinion_ledger"))
    assert response.status_code == 200
    assert case.serial not in str(
        list(documents.open_xlsx(response.getvalue()).worksheets[0].values)
    )
