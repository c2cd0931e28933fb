"""A 500-row suggestions ledger in the demo's format (the ledger export's layout), imported
from the office page; the imported year's figures match a count made here by hand."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from renda.cases import figures
from renda.cases.models import Case, CaseKind, Category, LedgerImport, LedgerImportStatus
from renda.congress.models import Department, DeputyMembership, Session
from renda.core import documents, exports
from renda.core.models import User
from renda.suggestions import ledger
from renda.suggestions.figures import session_label
from renda.suggestions.models import Suggestion

RATINGS = {"满意": "satisfied", "基本满意": "basic", "不满意": "unsatisfied"}


def _workbook(rows: list[dict[str, object]]) -> bytes:
    book = documents.xlsx_workbook()
    sheet = documents.xlsx_sheet(book, "建议台账")
    with translation.override("zh-hans"):
        documents.xlsx_append(sheet, ledger.ledger_header())
    for row in rows:
        documents.xlsx_append(sheet, [row.get(key, "") for key in ledger.LEDGER_KEYS])
    return documents.to_bytes(book)


def _upload(client, content, congress, callbacks):  # noqa: ANN001, ANN202
    with callbacks(execute=True):
        return client.post(
            reverse("cases:ledger_imports"),
            {
                "congress": congress.pk,
                "kind": "suggestion",
                "file": SimpleUploadedFile("建议台账2025.xlsx", content, content_type=exports.XLSX),
            },
        )


def test_a_500_row_ledger_imports_and_its_figures_match_a_hand_count(
    demo, client, django_capture_on_commit_callbacks
):
    congress = demo
    term = congress.terms.get(is_current=True)
    categories = list(Category.objects.filter(congress=congress, is_active=True))
    departments = list(Department.objects.filter(congress=congress, is_active=True))
    names = Counter(
        DeputyMembership.objects.filter(term=term).values_list("deputy__name", flat=True)
    )
    deputies = sorted(name for name, n in names.items() if n == 1)
    sessions = [
        session_label(term.ordinal, s.ordinal)
        for s in Session.objects.filter(term=term, start_date__year=2025)
    ]
    rng = random.Random(14)
    hand: Counter[str] = Counter()
    by_unit: Counter[str] = Counter()
    rows = []
    for i in range(500):
        received = dt.date(2025, 1, 6) + dt.timedelta(days=i % 240)
        row: dict[str, object] = {
            "serial": f"JY2025-{i + 1:06d}",
            "title": f"关于改善第{i + 1}号民生事项的建议",
            "content": f"第{i + 1}号建议的内容。",
            "category": rng.choice(categories).name,
            "congress": congress.name,
            "term": f"第{term.ordinal}届",
            "session": rng.choice([*sessions, "闭会期间"]),
            "lead": rng.choice(deputies),
            "submitted_on": received,
            "status": "办理中",  # derived by the import from the dates, not read
            "published": "否",
        }
        hand["received"] += 1
        if rng.random() < 0.8:
            assigned = received + dt.timedelta(days=3)
            due = assigned + dt.timedelta(days=90)
            unit = rng.choice(departments).name
            row.update(lead_unit=unit, assigned_on=assigned, due_date=due)
            hand["assigned"] += 1
            by_unit[unit] += 1
            if rng.random() < 0.7:
                replied = assigned + dt.timedelta(days=rng.randint(10, 120))
                reply_class = rng.choice("ABCD")
                row.update(reply_class=reply_class, replied_on=replied, reply_text="答复内容")
                hand["replied"] += 1
                hand[f"class_{reply_class.lower()}"] += 1
                hand["replied_on_time"] += replied <= due
                if rng.random() < 0.6:
                    rating = rng.choice(list(RATINGS))
                    row["evaluation"] = rating
                    hand["evaluated"] += 1
                    hand[RATINGS[rating]] += 1
                    hand["closed"] += rating != "不满意"
        rows.append(row)

    staff = User.objects.get(username="qh_staff")
    client.force_login(staff)
    before = Case.objects.count()
    response = _upload(client, _workbook(rows), congress, django_capture_on_commit_callbacks)
    batch = LedgerImport.objects.get()
    assert response.status_code == 302
    assert batch.status == LedgerImportStatus.PREVIEWED, [
        r for r in batch.report["rows"] if r["errors"]
    ][:5]
    assert batch.row_count == 500
    page = client.get(reverse("cases:ledger_import", args=[batch.pk])).content.decode()
    assert "检查通过，可以导入" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cases:ledger_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == LedgerImportStatus.IMPORTED
    assert Case.objects.count() == before + 500
    assert Suggestion.objects.filter(case__imported_from=batch).count() == 500

    year = Case.objects.filter(congress=congress, kind=CaseKind.SUGGESTION, year=2025)
    assert year.count() == 500  # the demo's own suggestions are of other years
    totals = figures.totals(year)
    for key in (
        "received",
        "assigned",
        "replied",
        "replied_on_time",
        "evaluated",
        "satisfied",
        "basic",
        "unsatisfied",
        "closed",
        "class_a",
        "class_b",
        "class_c",
        "class_d",
    ):
        assert totals[key] == hand[key], key
    assert totals["on_time_rate"] == figures.percent(hand["replied_on_time"], hand["assigned"])
    assigned_by_unit = {r["label"]: r["assigned"] for r in figures.grouped(year, "department")}
    assert assigned_by_unit == dict(by_unit)


def test_the_demos_own_ledger_export_is_read_and_its_serials_refused(
    demo, client, django_capture_on_commit_callbacks
):
    """Our own export imports as it is: every column is known; each row is refused only
    because its number already exists."""
    congress = demo
    staff = User.objects.get(username="qh_staff")
    client.force_login(staff)
    export = client.get(reverse("suggestions:ledger"))
    content = b"".join(export.streaming_content) if export.streaming else export.content
    _upload(client, content, congress, django_capture_on_commit_callbacks)
    batch = LedgerImport.objects.get()
    assert batch.report["file_errors"] == []
    rows = batch.report["rows"]
    assert rows and batch.status == LedgerImportStatus.REJECTED
    for row in rows:  # the number taken is the only reason
        assert row["errors"] == [f"本级人大已有编号{row['serial']}。"], row
    assert not Case.objects.filter(imported_from=batch).exists()
