"""The report's templates and versions: the default template fills, an office template with
an unknown placeholder or broken Jinja is refused with the name and the paragraph, a final
version that is not a .docx is refused by its bytes, versions are kept and audited; a year
with no records is zeros and says so."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from renda.core.errors import DomainError
from renda.core.models import ActionLog
from renda.reports import documents, services
from renda.reports import figures as registry
from renda.reports.models import ReportTemplate, ReportVersion

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(*paragraphs: str) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(content: bytes, name: str = "t.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=DOCX)


def _text(content: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_default_template_passes_its_own_check_and_fills():
    for kind in ("town", "district"):
        documents.check_template(documents.default_template(kind))


def test_unknown_placeholder_is_refused_with_its_name_and_paragraph(world):
    content = _docx("标题 {{ congress }}", "正文", "数字 {{ opinions_total }}")
    with pytest.raises(DomainError) as refused:
        services.upload_template(world.c_a, "town", _upload(content), acting_user=world.staff)
    message = str(refused.value)
    assert "opinions_total" in message
    assert "3" in message  # the third paragraph
    assert not ReportTemplate.objects.exists()


def test_unknown_figure_is_refused():
    with pytest.raises(DomainError) as refused:
        documents.check_template(_docx("{{ f.opinions_received }}", "{{ f.no_such_figure }}"))
    assert "f.no_such_figure" in str(refused.value)
    assert "2" in str(refused.value)


def test_broken_jinja_is_refused_with_the_paragraph():
    with pytest.raises(DomainError) as refused:
        documents.check_template(_docx("一", "二", "{% for x in sections %}{{ x.title }"))
    message = str(refused.value)
    assert "3" in message


def test_not_a_word_document_is_refused_by_content(world):
    report = services.report_for(world.c_a, 2026)
    fake = SimpleUploadedFile("final.docx", b"%PDF-1.4 not a word file", content_type=DOCX)
    with pytest.raises(DomainError):
        services.upload_final(report, fake, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.upload_template(world.c_a, "town", fake, acting_user=world.staff)
    assert not ReportVersion.objects.exists()


def test_office_template_is_used_and_versions_are_kept(world):
    template = _docx(
        "{{ congress }}{{ year }}年报告",
        "收到意见{{ f.opinions_received }}件，上年{{ p.opinions_received }}件。",
        "{%p if no_records %}",
        "本年无记录。",
        "{%p endif %}",
        "{{ shortcomings }}",
    )
    services.upload_template(world.c_a, "town", _upload(template), acting_user=world.staff)
    report = services.report_for(world.c_a, 2026)
    services.save_texts(
        report,
        {"summary": "", "shortcomings": "<不足> & 改进", "next_tasks": ""},
        acting_user=world.staff,
    )
    first = services.draft(world.c_a, 2026, acting_user=world.staff)
    with first.file.open("rb") as handle:
        text = _text(handle.read())
    assert "清河镇人民代表大会2026年报告" in text
    assert "收到意见0件，上年0件。" in text
    assert "本年无记录。" in text
    assert "<不足> & 改进" in text  # escaped into the XML, read back as written
    final = services.upload_final(
        report, _upload(_docx("定稿"), "定稿.docx"), note="主席团审定", acting_user=world.staff
    )
    second = services.draft(world.c_a, 2026, acting_user=world.staff)
    assert [v.number for v in ReportVersion.objects.filter(report=report).order_by("number")] == [
        1,
        2,
        3,
    ]
    assert (first.kind, final.kind, second.kind) == ("draft", "final", "draft")
    assert final.original_name == "定稿.docx"
    actions = set(
        ActionLog.objects.filter(congress_id=world.c_a.pk).values_list("action", flat=True)
    )
    assert {
        "report.template_uploaded",
        "report.drafted",
        "report.version_uploaded",
        "report.texts_changed",
    } <= actions


def test_an_empty_year_is_zeros_and_says_so(world):
    figures = services.year_figures(world.c_a, 2001)
    assert figures.empty
    for figure in registry.FIGURES:
        value = figures.values[figure.key]
        if figure.section == "network":
            continue  # the station network is counted as it stands, not by year
        if figure.kind == registry.RATE:
            assert value in (None, 0.0), figure.key
        else:
            assert value == 0, figure.key
    client = Client()
    client.force_login(world.staff)
    page = client.get(reverse("reports:year", args=[world.c_a.pk, 2001]))
    assert page.status_code == 200
    assert "every figure is zero" in page.content.decode() or "均为零" in page.content.decode()
    version = services.draft(world.c_a, 2001, acting_user=world.staff)
    with version.file.open("rb") as handle:
        text = _text(handle.read())
    assert "zero" in text or "零" in text


def test_the_office_uploads_through_its_pages(world):
    client = Client()
    client.force_login(world.staff)
    url = reverse("reports:final", args=[world.c_a.pk, 2026])
    response = client.post(url, {"file": SimpleUploadedFile("x.docx", b"plain text")})
    assert response.status_code == 302
    assert not ReportVersion.objects.exists()
    response = client.post(url, {"file": _upload(_docx("定稿"))})
    assert ReportVersion.objects.get().kind == "final"
    bad = _docx("{{ nonsense }}")
    client.post(
        reverse("reports:template_upload", args=[world.c_a.pk, 2026]), {"file": _upload(bad)}
    )
    assert not ReportTemplate.objects.exists()
    client.post(
        reverse("reports:texts", args=[world.c_a.pk, 2026]),
        {"summary": "概述", "shortcomings": "不足", "next_tasks": "任务一\n任务二"},
    )
    report = services.report_for(world.c_a, 2026)
    assert (report.summary, report.shortcomings) == ("概述", "不足")
    assert services.next_year_tasks(world.c_a, 2026, report) == ["任务一", "任务二"]
    other = Client()
    other.force_login(world.other_staff)
    assert other.post(url, {"file": _upload(_docx("x"))}).status_code == 404
    assert (
        other.get(reverse("reports:version", args=[ReportVersion.objects.get().pk])).status_code
        == 404
    )


def test_external_publications_are_withdrawn_not_deleted(world):
    import datetime as dt

    publication = services.add_publication(
        world.c_a,
        {"outlet": "临溪日报", "title": "报道", "published_on": dt.date(2026, 3, 1), "link": ""},
        acting_user=world.staff,
    )
    assert registry.compute_all(world.c_a, 2026)["external_publications"] == 1
    client = Client()
    client.force_login(world.staff)
    client.post(reverse("reports:withdraw_publication", args=[publication.pk]))
    publication.refresh_from_db()
    assert publication.is_withdrawn
    assert registry.compute_all(world.c_a, 2026)["external_publications"] == 0


def test_next_years_tasks_come_from_next_years_work_plan(world):
    from renda.activities.services import plan as plans

    report = services.save_texts(
        services.report_for(world.c_a, 2026),
        {"summary": "", "shortcomings": "", "next_tasks": "办公室的任务"},
        acting_user=world.staff,
    )
    assert services.next_year_tasks(world.c_a, 2026, report) == ["办公室的任务"]
    plan = plans.plan_for(world.c_a, 2027, acting_user=world.staff)
    plans.add_item(plan, kind="survey", topic="农村饮水安全调研", month=5, acting_user=world.staff)
    tasks = services.next_year_tasks(world.c_a, 2026, report)
    assert len(tasks) == 1 and "农村饮水安全调研" in tasks[0]
    context = services.context(services.year_figures(world.c_a, 2026), report)
    assert context["next_tasks"] == tasks
