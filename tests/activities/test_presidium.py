"""Presidium meetings: the budget flag rule (a table with boundary values), lines with an
implausible executed amount (warning, kept), attendance as participation, minutes final
once closed (amendments recorded beside them), deliberation opinions as cases answered and
rated by the presidium, and the meeting pages' permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from renda.activities import services
from renda.activities.models import MeetingStatus, Participation, ReportKind
from renda.cases import services as cases
from renda.cases.models import CaseKind, CaseStatus
from renda.congress.models import PresidiumMembership
from renda.core.errors import DomainError


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


# budget, executed, quarter → flag. Q1 target 25 %: 80 % of it is 20 %, 120 % is 30 %.
FLAG_TABLE = [
    ("100", "20.00", 1, ""),  # exactly 80 % of the target: not flagged
    ("100", "19.99", 1, "low"),  # a cent below
    ("100", "30.00", 1, ""),  # exactly 120 %
    ("100", "30.01", 1, "high"),
    ("100", "40.00", 2, ""),  # Q2 target 50 %: 40 is 80 %
    ("100", "39.99", 2, "low"),
    ("100", "90.00", 4, ""),  # Q4 target 100 %: 90 %
    ("100", "79.99", 4, "low"),
    ("100", "120.00", 4, ""),
    ("100", "120.01", 4, "high"),
    ("100", "0", 3, "low"),
]


@pytest.mark.parametrize(("budget", "executed", "quarter", "flag"), FLAG_TABLE)
def test_budget_flag_rule(budget, executed, quarter, flag):
    assert services.budget_flag(Decimal(budget), Decimal(executed), quarter).flag == flag


def test_budget_flag_figures_and_bad_quarter():
    found = services.budget_flag(Decimal("200"), Decimal("45"), 1)
    assert (found.execution, found.target, found.of_target) == (22.5, 25.0, 90.0)
    with pytest.raises(DomainError):
        services.budget_flag(Decimal("1"), Decimal("1"), 5)


@pytest.fixture
def meeting(acts):  # noqa: ANN001, ANN201
    PresidiumMembership.objects.create(session=acts.session_a, deputy=acts.deputy_a)
    PresidiumMembership.objects.create(session=acts.session_a, deputy=acts.town_deputy2)
    return services.create_meeting(
        congress=acts.c_a, title="主席团第三次会议", held_on=acts.today, acting_user=acts.staff
    )


def test_implausible_line_is_kept_with_a_warning(acts, meeting):
    line, warning = services.add_budget_line(
        meeting,
        year=2026,
        quarter=2,
        name="一般公共服务",
        budget=Decimal("100"),
        executed=Decimal("450"),
        acting_user=acts.staff,
    )
    assert line.pk and "more than 3 times" in warning
    _line, none = services.add_budget_line(
        meeting,
        year=2026,
        quarter=2,
        name="教育",
        budget=Decimal("100"),
        executed=Decimal("48"),
        acting_user=acts.staff,
    )
    assert none == ""
    flags = [flag.flag for _l, flag in services.budget_table(meeting)]
    assert flags == ["high", ""]


def test_attendance_is_presidium_members_only_and_writes_participation(acts, meeting):
    with pytest.raises(DomainError, match="Not members"):
        services.set_attendance(meeting, present=[acts.city_deputy], acting_user=acts.staff)
    services.set_attendance(
        meeting, present=[acts.deputy_a, acts.town_deputy2], acting_user=acts.staff
    )
    rows = Participation.objects.filter(kind="presidium_meeting")
    assert {r.deputy for r in rows} == {acts.deputy_a, acts.town_deputy2}
    assert rows.first().target == meeting


def test_closed_minutes_are_refused_and_amendments_recorded(acts, meeting):
    with pytest.raises(DomainError, match="Write the minutes"):
        services.close_meeting(meeting, acting_user=acts.staff)
    services.write_minutes(meeting, minutes="会议听取了预算执行情况报告。", acting_user=acts.staff)
    services.close_meeting(meeting, acting_user=acts.staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    with pytest.raises(DomainError, match="closed"):
        services.write_minutes(meeting, minutes="改写", acting_user=acts.staff)
    services.amend_minutes(meeting, text="更正：出席人数为9人。", acting_user=acts.staff)
    meeting.refresh_from_db()
    assert meeting.minutes == "会议听取了预算执行情况报告。"
    assert meeting.amendments.count() == 1


def test_deliberation_opinion_loop(acts, meeting):
    report = services.add_report(
        meeting,
        kind=ReportKind.BUDGET_EXECUTION,
        title="上半年预算执行情况",
        acting_user=acts.staff,
    )
    with pytest.raises(DomainError, match="Name the department"):
        services.send_opinion(
            report,
            text="加快项目支出进度",
            department=None,
            category=acts.cat_a,
            acting_user=acts.staff,
        )
    opinion = services.send_opinion(
        report,
        text="加快项目支出进度",
        department=acts.dept_a1,
        category=acts.cat_a,
        due=acts.today + dt.timedelta(days=40),
        acting_user=acts.staff,
    )
    case = opinion.case
    assert case.kind == CaseKind.DELIBERATION and case.serial.startswith("SY")
    lead = case.assignments.get()
    cases.sign_assignment(lead, acting_user=acts.handler_a)
    cases.reply_case(lead, reply_class="A", text="已加快支出", acting_user=acts.handler_a)
    client = Client()
    client.force_login(acts.staff)
    url = reverse("activities:opinion_rate", args=[meeting.pk]) + f"?opinion={opinion.pk}"
    assert client.post(url, {"result": "satisfied"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


@pytest.mark.parametrize(
    ("persona", "page", "act"),
    [
        ("staff", 200, 200),
        ("leader", 200, 403),
        ("other_town_staff", 404, 404),
        ("deputy", 404, 404),
        ("handler", 404, 404),
        ("citizen", 404, 404),
    ],
)
def test_meeting_pages_permissions(acts, meeting, personas, persona, page, act):
    client = Client()
    client.force_login(personas[persona])
    assert client.get(reverse("activities:meeting", args=[meeting.pk])).status_code == page
    url = reverse("activities:meeting_action", args=[meeting.pk, "budget"])
    assert client.get(url).status_code == act


def test_meeting_pages_render_and_budget_warning_shows(acts, meeting):
    client = Client()
    client.force_login(acts.staff)
    assert client.get(reverse("activities:meetings")).status_code == 200
    assert client.get(reverse("activities:meeting_new")).status_code == 200
    for action in ("report", "attendance", "minutes", "opinion", "close"):
        url = reverse("activities:meeting_action", args=[meeting.pk, action])
        assert client.get(url).status_code == 200, action
    response = client.post(
        reverse("activities:meeting_action", args=[meeting.pk, "budget"]),
        {"year": 2026, "quarter": 1, "name": "农林水", "budget": "10", "executed": "100"},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert "农林水" in response.content.decode()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_report_documents_are_checked_and_served_to_readers_only(acts, meeting, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from renda.activities.models import MeetingReport

    client = Client()
    client.force_login(acts.staff)
    response = client.post(
        reverse("activities:meeting_action", args=[meeting.pk, "report"]),
        {
            "kind": ReportKind.BUDGET_EXECUTION,
            "title": "一季度预算执行情况的报告",
            "reporter": "财政所所长",
            "document": SimpleUploadedFile("报告.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    report = MeetingReport.objects.get(meeting=meeting)
    assert report.document_type == "application/pdf" and report.document_name == "报告.pdf"
    assert not report.document.name.endswith("报告.pdf")  # stored under a generated name
    url = reverse("activities:report_document", args=[report.pk])
    assert url in client.get(reverse("activities:meeting", args=[meeting.pk])).content.decode()
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert (
        served["X-Content-Type-Options"] == "nosniff"
        and "attachment" in served["Content-Disposition"]
    )
    assert b"".join(served.streaming_content) == PDF
    expected = {"leader": 200, "other_town_staff": 404, "deputy": 404, "citizen": 404}
    for persona, status in expected.items():
        other = Client()
        other.force_login(personas[persona])
        assert other.get(url).status_code == status, persona
    assert Client().get(url).status_code == 302  # to the sign-in page

    # An HTML page named .pdf is refused by its bytes; nothing changes.
    bad = SimpleUploadedFile("报告.pdf", b"<html><script>x</script></html>", "application/pdf")
    response = client.post(
        reverse("activities:meeting_action", args=[meeting.pk, "document"]),
        {"report": report.pk, "document": bad},
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.document_name == "报告.pdf"
    # A replacement, then no more once the meeting is closed.
    services.attach_report_document(
        report,
        document=SimpleUploadedFile("修订稿.pdf", PDF, content_type="application/pdf"),
        acting_user=acts.staff,
    )
    assert MeetingReport.objects.get(pk=report.pk).document_name == "修订稿.pdf"
    services.write_minutes(meeting, minutes="纪要", acting_user=acts.staff)
    services.close_meeting(meeting, acting_user=acts.staff)
    with pytest.raises(DomainError):
        services.attach_report_document(
            report,
            document=SimpleUploadedFile("三稿.pdf", PDF, content_type="application/pdf"),
            acting_user=acts.staff,
        )
