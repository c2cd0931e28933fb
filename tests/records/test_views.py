"""The records pages: the office's list and its .xlsx, a deputy's record with the draft
service report (.docx) and its one-click attachment to a performance review, the points
table's page, the deputy's phone page, scoping (another town's deputy is a 404, a deputy
sees only their own), and the public 代表风采 page (opt-in fields only, masked contacts)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone

from renda.appraisals import services as appraisals
from renda.appraisals.models import MeetingKind, ReportDocument
from renda.congress.models import Deputy
from renda.core import documents
from renda.core.models import ActionLog
from renda.records.kinds import Kind
from renda.records.models import PointsRule, PointsTable, PublicProfile

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _docx_text(body: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(body))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_office_list_filters_and_exports_xlsx(qh):
    client = _client(qh.staff)
    page = client.get("/office/records/", {"congress": qh.congress.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert qh.me.name in body and "履职档案" in body
    response = client.get("/office/records/export.xlsx", {"congress": qh.congress.pk})
    assert response.status_code == 200
    sheet = documents.open_xlsx(response.content).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "名次" and rows[0][-2] == "积分"
    names = [r[1] for r in rows[1:]]
    assert qh.me.name in names and len(names) == len(set(names))
    assert ActionLog.objects.filter(action="records.exported", congress_id=qh.congress.pk).exists()


def test_the_deputy_record_page_explains_every_entry(qh):
    page = _client(qh.leader).get(f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "年度积分" in body and "积分表" in body


def test_the_draft_service_report_holds_the_record(qh):
    year = timezone.localdate().year
    response = _client(qh.staff).get(
        f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/report.docx", {"year": year}
    )
    assert response.status_code == 200
    text = _docx_text(response.content)
    assert f"{qh.me.name}代表{year}年度履职情况报告" in text
    assert "一、年度履职数据" in text and "进站坐班" in text and "年度积分" in text
    # The deputy downloads their own from the phone page.
    mine = _client(qh.me.user).get("/records/mine/report.docx", {"year": year})
    assert mine.status_code == 200 and qh.me.name in _docx_text(mine.content)


def test_one_click_attaches_the_draft_to_the_deputy_s_reporter_entry(qh):
    meeting = appraisals.create_meeting(
        congress=qh.congress,
        title="代表向选民述职会",
        kind=MeetingKind.DEPUTIES,
        held_on=timezone.localdate(),
        place="镇会议室",
        acting_user=qh.staff,
    )
    reporter = appraisals.add_reporter(
        meeting, report_title="履职报告", deputy=qh.me, acting_user=qh.staff
    )
    url = f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/attach/"
    client = _client(qh.staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reporter": reporter.pk})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/office/appraisals/reporters/{reporter.pk}/"
    )
    document = ReportDocument.objects.get(reporter=reporter)
    assert document.content_type.endswith("wordprocessingml.document")
    assert qh.me.name in _docx_text(document.file.read())
    assert ActionLog.objects.filter(action="appraisal.document_added").exists()
    # Another deputy's reporter entry is not offered, nor accepted.
    other = Deputy.objects.filter(memberships__congress=qh.congress).exclude(pk=qh.me.pk).first()
    theirs = appraisals.add_reporter(
        meeting, report_title="报告", deputy=other, acting_user=qh.staff
    )
    assert client.post(url, {"reporter": theirs.pk}).status_code == 400
    assert not ReportDocument.objects.filter(reporter=theirs).exists()
    # Leaders read records but do not act on appraisals.
    assert _client(qh.leader).get(url).status_code == 403


def test_another_town_s_deputy_is_a_404_and_other_roles_are_kept_out(qh):
    fl_deputy = Deputy.objects.filter(memberships__congress=qh.fenglin).first()
    staff = _client(qh.staff)
    assert (
        staff.get(f"/office/records/{qh.congress.pk}/deputies/{fl_deputy.pk}/").status_code == 404
    )
    assert staff.get(f"/office/records/{qh.fenglin.pk}/deputies/{fl_deputy.pk}/").status_code == 404
    fl = _client(qh.fl_staff)
    for path in (
        f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/",
        f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/report.docx",
        f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/attach/",
    ):
        assert fl.get(path).status_code == 404, path
    assert fl.get(f"/office/records/{qh.fenglin.pk}/deputies/{fl_deputy.pk}/").status_code == 200
    # fl_staff's list is 枫林镇's, whatever congress is asked for.
    assert (
        qh.me.name not in fl.get("/office/records/", {"congress": qh.congress.pk}).content.decode()
    )
    table = PointsTable.objects.filter(congress=qh.congress).first()
    assert fl.get(f"/office/records/points/{table.pk}/").status_code == 404
    # A deputy, a station manager: none of the office's pages.
    for user in (qh.me.user, qh.station):
        client = _client(user)
        assert client.get("/office/records/").status_code == 404
        assert (
            client.get(f"/office/records/{qh.congress.pk}/deputies/{qh.me.pk}/").status_code == 404
        )


def test_a_deputy_sees_only_their_own_record_on_the_phone(qh):
    client = _client(qh.me.user)
    page = client.get("/records/mine/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "我的履职档案" in body and "年度积分" in body
    other = Deputy.objects.filter(memberships__congress=qh.congress).exclude(pk=qh.me.pk).first()
    # No page takes another deputy's id; a foreign congress id falls back to their own.
    assert (
        client.get("/records/mine/", {"deputy": other.pk}).content.decode().count(other.name) == 0
    )
    assert _client(qh.staff).get("/records/mine/").status_code == 404


def test_the_points_table_page_changes_rules_for_the_office_only(qh):
    table = PointsTable.objects.filter(congress=qh.congress).first()
    url = f"/office/records/points/{table.pk}/"
    page = _client(qh.staff).get(url)
    assert page.status_code == 200
    data = {}
    for rule in PointsRule.objects.filter(table=table):
        for name in ("points", "cap", "bonus_when", "bonus", "target", "target_period"):
            value = getattr(rule, name)
            data[f"{rule.kind}__{name}"] = "" if value is None else value
    data[f"{Kind.RECEPTION}__points"] = 4
    assert _client(qh.leader).post(url, data).status_code == 403
    assert _client(qh.staff).post(url, data).status_code == 302
    assert PointsRule.objects.get(table=table, kind=Kind.RECEPTION).points == 4
    assert ActionLog.objects.filter(action="records.points_rules_changed").count() == 1
    # A new version on a date already taken: the form says so.
    new = _client(qh.admin).post(
        f"/office/records/points/new/?congress={qh.congress.pk}",
        {"name": "再一张", "effective_from": table.effective_from.isoformat()},
    )
    assert new.status_code == 400 and "已有一张积分表于" in new.content.decode()


def test_the_public_page_shows_opted_in_fields_only_with_a_masked_phone(qh):
    qh.me.phone = "13812345678"
    qh.me.occupation = "清河镇农业合作社理事长"
    qh.me.save(update_fields=["phone", "occupation"])
    profile = PublicProfile.objects.get(deputy=qh.me, congress=qh.congress)
    public = Client()
    url = f"/public/deputies/{qh.congress.pk}/{qh.me.pk}/"
    body = public.get(url).content.decode()
    assert "138****5678" in body and "13812345678" not in body
    assert "农业合作社理事长" in body and "进站坐班" in body
    profile.show_phone = profile.show_occupation = profile.show_counts = False
    profile.save()
    body = public.get(url).content.decode()
    assert "138****5678" not in body and "理事长" not in body and "进站坐班" not in body
    profile.is_public = False
    profile.save()
    assert public.get(url).status_code == 404
    assert qh.me.name not in public.get(f"/public/deputies/{qh.congress.pk}/").content.decode()
    # Nobody else's page without their opt-in, and no photo without one.
    other = Deputy.objects.filter(memberships__congress=qh.congress).exclude(pk=qh.me.pk)
    silent = other.exclude(pk__in=PublicProfile.objects.values("deputy_id")).first()
    assert public.get(f"/public/deputies/{qh.congress.pk}/{silent.pk}/").status_code == 404
    assert public.get(f"/public/deputies/{qh.congress.pk}/{silent.pk}/photo/").status_code == 404


def test_the_deputy_opts_in_and_the_choice_is_audited(qh):
    client = _client(qh.me.user)
    assert client.get("/records/mine/public/").status_code == 200
    response = client.post(
        f"/records/mine/public/?congress={qh.congress.pk}",
        {"is_public": "on", "show_counts": "on"},
    )
    assert response.status_code == 302
    profile = PublicProfile.objects.get(deputy=qh.me, congress=qh.congress)
    assert profile.is_public and profile.show_counts and not profile.show_phone
    assert ActionLog.objects.filter(action="records.public_profile_changed").exists()
