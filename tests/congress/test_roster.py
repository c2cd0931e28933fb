"""Deputy roster import (.xlsx): preview, row-level errors, all or nothing; export."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from renda.congress import roster
from renda.congress.models import Deputy, DeputyMembership, RosterImport
from renda.core.errors import DomainError
from renda.core.models import ActionLog

HEADER = [
    "姓名",
    "性别",
    "民族",
    "出生年份",
    "政治面貌",
    "工作单位及职务",
    "手机号码",
    "选区",
    "代表小组",
    "开始日期",
]


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_ROWS = [
    [
        "陈晓梅",
        "女",
        "汉族",
        1980,
        "中共党员",
        "东塘村党总支书记",
        "13700000001",
        "第1选区",
        "河东代表小组",
        "2021-12-28",
    ],
    ["刘志强", "男", "汉族", 1975, "群众", "个体工商户", "13700000002", "1", "", ""],
]


def test_preview_of_a_good_file_reports_every_row_and_writes_nothing(world):
    report = roster.preview_roster(_xlsx(GOOD_ROWS), world.term_a)
    assert report.ok
    assert [r.number for r in report.rows] == [2, 3]
    assert report.rows[0].values["constituency"] == world.constituency_a
    assert report.rows[1].values["constituency"] == world.constituency_a  # by number
    assert not Deputy.objects.filter(phone__startswith="137").exists()


def test_malformed_rows_get_a_row_level_report_and_nothing_is_imported(world):
    rows = GOOD_ROWS + [
        ["张三", "男", "汉族", 1970, "群众", "", "1234567", "第1选区", "", ""],  # bad phone
        [
            "李四",
            "男",
            "汉族",
            1971,
            "群众",
            "",
            "13700000004",
            "第99选区",
            "",
            "",
        ],  # unknown constituency
        [
            "陈晓梅",
            "女",
            "汉族",
            1980,
            "中共党员",
            "",
            "13700000001",
            "",
            "",
            "",
        ],  # duplicate person
        ["", "外星", "汉族", 1800, "海盗党", "", "13700000006", "", "", "明天"],  # many errors
    ]
    with translation.override("en"):
        report = roster.preview_roster(_xlsx(rows), world.term_a)
    assert not report.ok
    by_row = {r.number: r for r in report.rows}
    assert any("mobile" in e for e in by_row[4].errors)
    assert any("constituency" in e for e in by_row[5].errors)
    assert any("row 2" in e for e in by_row[6].errors)
    assert len(by_row[7].errors) >= 5
    assert by_row[2].errors == [] and by_row[3].errors == []
    assert report.error_count == 4


def test_existing_person_of_another_congress_gets_a_new_membership_not_a_new_record(world):
    # 王建国 is a town deputy; the district roster lists him with the same mobile number.
    rows = [["王建国", "男", "汉族", 1970, "中共党员", "", "13900000001", "", "", ""]]
    report = roster.preview_roster(_xlsx(rows), world.term_district)
    assert report.ok
    assert report.rows[0].existing_deputy_id == world.deputy_a.pk


def test_same_phone_with_another_name_is_an_error(world):
    rows = [["王二", "男", "汉族", 1970, "中共党员", "", "13900000001", "", "", ""]]
    report = roster.preview_roster(_xlsx(rows), world.term_district)
    assert not report.ok


def test_a_person_already_seated_in_the_term_is_a_duplicate(world):
    rows = [["王建国", "男", "汉族", 1970, "中共党员", "", "13900000001", "", "", ""]]
    report = roster.preview_roster(_xlsx(rows), world.term_a)
    assert not report.ok


def test_missing_required_columns_are_reported(world):
    report = roster.preview_roster(_xlsx([["x"]], header=["姓名"]), world.term_a)
    assert not report.ok
    assert report.file_errors


def test_not_an_xlsx_file_is_a_clear_error(world):
    with pytest.raises(DomainError):
        roster.preview_roster(b"%PDF-1.4 not a workbook", world.term_a)


def test_english_headers_and_labels_are_accepted(world):
    header = [
        "Name",
        "Gender",
        "Ethnicity",
        "Year of birth",
        "Political affiliation",
        "Workplace and position",
        "Mobile phone",
        "Constituency",
        "Deputy group",
        "Start date",
    ]
    rows = [["Chen", "Female", "汉族", 1980, "No party affiliation", "", "13700000009", "", "", ""]]
    assert roster.preview_roster(_xlsx(rows, header), world.term_a).ok


def _upload(client, term, content: bytes, name: str = "roster.xlsx"):
    return client.post(
        reverse("admin:congress_deputymembership_import"),
        {"term": term.pk, "file": SimpleUploadedFile(name, content)},
    )


def test_import_through_the_admin_previews_then_imports_all(client, world):
    client.force_login(world.staff)
    response = _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "陈晓梅" in page and "刘志强" in page
    assert not Deputy.objects.filter(name="陈晓梅").exists()
    confirm = client.post(response["Location"])
    assert confirm.status_code == 302
    assert (
        DeputyMembership.objects.filter(
            term=world.term_a, deputy__name__in=["陈晓梅", "刘志强"]
        ).count()
        == 2
    )
    assert RosterImport.objects.get().status == "imported"
    assert ActionLog.objects.filter(action="membership.created").count() == 2
    assert ActionLog.objects.filter(action="roster.imported").count() == 1
    imported = ActionLog.objects.get(action="roster.imported")
    assert imported.changes == {"status": ["previewed", "imported"], "memberships": [None, 2]}
    # A second confirmation imports nothing more.
    client.post(response["Location"])
    assert ActionLog.objects.filter(action="roster.imported").count() == 1
    assert DeputyMembership.objects.filter(term=world.term_a).count() == 3


def test_a_file_with_errors_cannot_be_confirmed(client, world):
    client.force_login(world.staff)
    rows = GOOD_ROWS + [["张三", "男", "汉族", 1970, "群众", "", "1234567", "", "", ""]]
    response = _upload(client, world.term_a, _xlsx(rows))
    batch = RosterImport.objects.get()
    assert batch.status == "rejected" and batch.error_count == 1
    page = client.get(response["Location"]).content.decode()
    assert "张三" in page
    client.post(response["Location"])
    assert not Deputy.objects.filter(name__in=["陈晓梅", "刘志强", "张三"]).exists()


def test_import_is_all_or_nothing_if_the_database_changed_since_the_preview(client, world):
    client.force_login(world.staff)
    response = _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    # Meanwhile someone registers 刘志强's number for another person.
    Deputy.objects.create(name="别人", gender="M", phone="13700000002")
    client.post(response["Location"])
    assert not Deputy.objects.filter(name="陈晓梅").exists()
    assert RosterImport.objects.get().status == "previewed"


def test_upload_of_a_non_xlsx_name_is_refused(client, world):
    client.force_login(world.staff)
    response = _upload(client, world.term_a, b"hello", name="roster.csv")
    assert response.status_code == 200
    assert not RosterImport.objects.exists()


def test_staff_cannot_import_into_another_congress(client, world):
    client.force_login(world.other_staff)
    response = _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    assert response.status_code == 200  # the term is not among the choices
    assert not RosterImport.objects.exists()


def test_another_congress_cannot_open_or_confirm_an_import(client, world):
    client.force_login(world.staff)
    response = _upload(client, world.term_a, _xlsx(GOOD_ROWS))
    client.force_login(world.other_staff)
    assert client.get(response["Location"]).status_code == 404
    assert client.post(response["Location"]).status_code == 404
    assert not Deputy.objects.filter(name="陈晓梅").exists()


def test_export_round_trips_through_import(client, world):
    client.force_login(world.staff)
    response = client.get(
        reverse("admin:congress_deputymembership_export"), {"term": world.term_a.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:7] == tuple(HEADER[:7])
    assert rows[1][0] == "王建国" and rows[1][6] == "13900000001"
    (entry,) = ActionLog.objects.filter(action="roster.exported")
    assert (entry.actor, entry.object_id) == (world.staff, str(world.term_a.pk))
    assert entry.changes == {"format": [None, "xlsx"]}
    # The exported file is accepted by the importer for the district term (same person).
    report = roster.preview_roster(response.content, world.term_district)
    assert report.rows[0].existing_deputy_id == world.deputy_a.pk
