"""The appraisal pages: permission matrix, the office's flow through the pages, uploads,
the public page (no figures of small groups), query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from renda.appraisals import services
from renda.appraisals.models import MeetingStatus, Rectification, ReportDocument
from renda.ballots import services as ballots
from renda.ballots.models import Poll, PollStatus
from renda.core.errors import DomainError
from renda.core.models import ActionLog
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import (
    cast,
    closed_meeting,
    make_meeting,
    open_with_attendance,
    pdf,
)
from tests.fixtures.ballots import share_fields, shares_of

town = appraisals_fixtures.town  # the fixture, shared with the other appraisal tests


@pytest.fixture
def closed(world, town):
    return closed_meeting(world, town)


def _urls(meeting) -> dict[str, str]:  # noqa: ANN001
    reporter = meeting.reporters.get(order=3)
    return {
        "list": reverse("appraisals:meetings"),
        "meeting": reverse("appraisals:meeting", args=[meeting.pk]),
        "reporter": reverse("appraisals:reporter", args=[reporter.pk]),
        "sheet": reverse("appraisals:meeting_sheet", args=[meeting.pk, "xlsx"]),
        "person_sheet": reverse("appraisals:reporter_sheet", args=[reporter.pk, "docx"]),
        "follow_ups": reverse("appraisals:follow_ups"),
        "publish": reverse("appraisals:meeting_action", args=[meeting.pk, "publish"]),
        "submit": reverse("appraisals:reporter_action", args=[reporter.pk, "submit"]),
    }


READ = {"list", "meeting", "reporter", "sheet", "person_sheet", "follow_ups"}
OUT = {
    "admin",
    "auditor",
    "handler",
    "station_manager",
    "deputy",
    "other_town_staff",
    "district_admin",
    "citizen",
}
MATRIX = (
    [("staff", name, 200) for name in [*sorted(READ), "publish", "submit"]]
    + [("superuser", name, 200) for name in sorted(READ)]
    + [("leader", name, 200) for name in sorted(READ)]
    + [("leader", name, 403) for name in ("publish", "submit")]
    + [
        (persona, name, 404)
        for persona in sorted(OUT)
        for name in sorted([*READ, "publish"])
        if not (persona == "other_town_staff" and name in {"list", "follow_ups"})
    ]
    # Another town's office has its own (here empty) lists.
    + [("other_town_staff", "list", 200), ("other_town_staff", "follow_ups", 200)]
    + [("anonymous", name, 302) for name in sorted(READ)]
)


@pytest.mark.parametrize(("persona", "url", "expected"), MATRIX)
def test_permission_matrix(client, personas, closed, persona, url, expected):
    user = personas[persona]
    if user is not None:
        client.force_login(user)
    assert client.get(_urls(closed)[url]).status_code == expected


def test_another_towns_staff_gets_404_on_every_action(client, world, closed):
    client.force_login(world.other_staff)
    assert closed.title not in client.get(reverse("appraisals:meetings")).content.decode()
    follow_ups = client.get(reverse("appraisals:follow_ups") + "?view=all").content.decode()
    assert "曹建国" not in follow_ups
    for action in ("publish", "rereview", "close"):
        url = reverse("appraisals:meeting_action", args=[closed.pk, action])
        assert client.post(url).status_code == 404
    closed.refresh_from_db()
    assert closed.status == MeetingStatus.CLOSED


def test_leader_posting_an_action_gets_403_and_nothing_changes(client, world, closed):
    client.force_login(world.leader)
    url = reverse("appraisals:meeting_action", args=[closed.pk, "publish"])
    assert client.post(url).status_code == 403
    closed.refresh_from_db()
    assert closed.status == MeetingStatus.CLOSED


def test_office_runs_a_meeting_through_the_pages(client, world, town):
    client.force_login(world.staff)
    response = client.post(
        reverse("appraisals:meetings"),
        {
            "congress": world.c_a.pk,
            "title": "副镇长述职评议会",
            "kind": "officials",
            "held_on": "2026-06-18",
            "place": "镇政府会议室",
            "paper_ballots": "on",
        },
    )
    assert response.status_code == 302
    meeting = world.c_a.review_meetings.get()
    base = reverse("appraisals:meeting_action", args=[meeting.pk, "reporter"])
    for i, official in enumerate(town.officials, start=1):
        r = client.post(base, {"official": official.pk, "report_title": f"报告{i}", "order": i})
        assert r.status_code == 302
    # The same official again: refused on the form (no longer offered).
    again = client.post(base, {"official": town.officials[0].pk, "report_title": "x"})
    assert again.status_code == 400
    reporter = meeting.reporters.get(order=1)
    upload = reverse("appraisals:reporter_action", args=[reporter.pk, "document"])
    assert client.post(upload, {"title": "述职报告", "file": pdf()}).status_code == 302
    fake = SimpleUploadedFile(
        "report.pdf", b"#!/bin/sh\necho not a pdf\n", content_type="application/pdf"
    )
    assert client.post(upload, {"title": "坏文件", "file": fake}).status_code == 400
    assert ReportDocument.objects.count() == 1
    document = ReportDocument.objects.get()
    assert client.get(reverse("appraisals:document", args=[document.pk])).status_code == 200
    question = reverse("appraisals:reporter_action", args=[reporter.pk, "question"])
    assert (
        client.post(
            question,
            {"deputy": world.deputy_a.pk, "question": "道路何时修好？", "answer": "年底前"},
        ).status_code
        == 302
    )
    assert reporter.questions.get().asked_by == world.deputy_a.name
    assert (
        client.post(reverse("appraisals:meeting_action", args=[meeting.pk, "schedule"])).status_code
        == 302
    )
    attendance = reverse("appraisals:meeting_action", args=[meeting.pk, "attendance"])
    assert client.get(attendance).status_code == 200
    present = [d.pk for d in town.voters[:6]]
    assert client.post(attendance, {"present": present}).status_code == 302
    assert client.get(reverse("appraisals:open", args=[meeting.pk])).status_code == 200
    opened = client.post(reverse("appraisals:open", args=[meeting.pk]))
    # The engine's hand-out page: the ballot box's key shares, shown this once.
    assert opened.status_code == 200 and len(opened.context["shares"]) == 3
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.RATING and meeting.poll.status == PollStatus.OPEN
    from tests.fixtures.appraisals import SIX_BALLOTS

    cast(meeting, town, SIX_BALLOTS[:2])
    page = client.get(reverse("appraisals:meeting", args=[meeting.pk]))
    assert page.context["turnout"] == 2
    assert all(row["reporter"].counts is None for row in page.context["rows"])
    cast(meeting, town, [[], [], *SIX_BALLOTS[2:]])
    close = reverse("appraisals:meeting_action", args=[meeting.pk, "close"])
    assert 'type="password"' in client.get(close).content.decode()  # the key holders' shares
    assert client.post(close, {}).status_code == 400  # no shares, no count
    assert client.post(close, share_fields(meeting)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    detail = client.get(reverse("appraisals:meeting", args=[meeting.pk])).content.decode()
    assert meeting.poll.export_sha256 in detail
    sheet = client.get(reverse("appraisals:meeting_sheet", args=[meeting.pk, "docx"]))
    assert sheet.status_code == 200 and sheet["Content-Type"].endswith("document")
    (exported,) = ActionLog.objects.filter(action="appraisal.sheet_exported")
    assert (exported.object_type, exported.object_id) == (
        "appraisals.reviewmeeting",
        str(meeting.pk),
    )
    assert exported.changes == {"format": [None, "docx"]} and exported.actor == world.staff
    reporter = meeting.reporters.order_by("order").first()
    person = client.get(reverse("appraisals:reporter_sheet", args=[reporter.pk, "xlsx"]))
    assert person.status_code == 200 and person.content[:2] == b"PK"
    assert (
        ActionLog.objects.filter(
            action="appraisal.sheet_exported",
            object_type="appraisals.reporter",
            object_id=str(reporter.pk),
            changes={"format": [None, "xlsx"]},
        ).count()
        == 1
    )
    assert (
        client.post(reverse("appraisals:meeting_action", args=[meeting.pk, "publish"])).status_code
        == 302
    )
    rereview = client.post(
        reverse("appraisals:meeting_action", args=[meeting.pk, "rereview"]),
        {"held_on": "", "place": ""},
    )
    assert rereview.status_code == 302
    assert meeting.rereviews.count() == 1
    lowest = meeting.reporters.get(order=3)
    submit = reverse("appraisals:reporter_action", args=[lowest.pk, "submit"])
    assert client.post(submit, {"report": pdf("zg.pdf"), "summary": "已整改"}).status_code == 302
    rect = Rectification.objects.get()
    assert client.get(reverse("appraisals:rectification_report", args=[rect.pk])).status_code == 200
    assert (
        client.post(
            reverse("appraisals:reporter_action", args=[lowest.pk, "accept"]), {"note": ""}
        ).status_code
        == 302
    )


def test_closing_a_meeting_without_a_poll_shows_the_error(client, world, town):
    meeting = make_meeting(world, town)
    services.schedule_meeting(meeting, acting_user=world.staff)
    client.force_login(world.staff)
    response = client.post(reverse("appraisals:meeting_action", args=[meeting.pk, "close"]))
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_a_void_vote_closes_into_a_scheduled_meeting_with_the_reason(client, world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    ballots.record_paper_counts(meeting.poll, issued=6, returned=7, acting_user=world.staff)
    client.force_login(world.staff)
    url = reverse("appraisals:meeting_action", args=[meeting.pk, "close"])
    closed = client.post(url, follow=True)
    assert closed.redirect_chain == [(reverse("appraisals:meeting", args=[meeting.pk]), 302)]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and "7" in meeting.void_note
    shown = [(m.level, str(m)) for m in closed.context["messages"]]
    assert len(shown) == 1 and shown[0][0] == messages.ERROR and meeting.void_note in shown[0][1]


def test_voter_codes_are_shown_once_on_opening(client, world, town):
    meeting = services.create_meeting(
        congress=world.c_a,
        title="代表述职测评",
        kind="deputies",
        held_on=dt.date(2026, 6, 20),
        place="东塘村",
        invited_count=3,
        acting_user=world.staff,
    )
    services.add_reporter(
        meeting, deputy=world.deputy_a, report_title="履职报告", acting_user=world.staff
    )
    services.schedule_meeting(meeting, acting_user=world.staff)
    client.force_login(world.staff)
    response = client.post(reverse("appraisals:open", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = response.context["codes"]
    html = response.content.decode()
    assert len(codes) == 3 and all(f"{c[:5]} {c[5:]}" in html for c in codes)
    assert len(response.context["shares"]) == 3
    page = client.get(reverse("appraisals:meeting", args=[meeting.pk])).content.decode()
    assert not any(f"{c[:5]} {c[5:]}" in page or c in page for c in codes)


def test_public_page_shows_published_results_only(client, world, closed):
    url = reverse("appraisals:public_result", args=[closed.pk])
    assert client.get(url).status_code == 404  # closed, not published
    services.publish_result(closed, acting_user=world.staff)
    page = client.get(url).content.decode()
    assert "曹建国" in page and "50.0%" in page and closed.poll.export_sha256 in page
    assert closed.title in client.get(reverse("appraisals:public_results")).content.decode()
    # Nothing about who voted.
    for voter in ("代表0", "代表1", world.deputy_a.name):
        assert voter not in page


def test_public_page_withholds_figures_of_a_small_group(client, world, town):
    meeting = make_meeting(world, town)
    from tests.fixtures.appraisals import open_with_attendance

    open_with_attendance(world, town, meeting, present=3)
    cast(meeting, town, [["satisfied"] * 3, ["unsatisfied"] * 3, ["basic"] * 3])
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    services.publish_result(meeting, acting_user=world.staff)
    page = client.get(reverse("appraisals:public_result", args=[meeting.pk])).content.decode()
    assert "高振宇" in page
    assert "33.3%" not in page


# --- query counts -------------------------------------------------------------------------------


def _queries(client, url: str) -> int:  # noqa: ANN001
    # First a warm-up: the first request after login stamps the session once (idle clock).
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _more_meetings(world, town, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        closed_meeting(world, town, title=f"评议会{i}")


@pytest.mark.parametrize(
    "url_name", ["appraisals:meetings", "appraisals:follow_ups", "appraisals:public_results"]
)
def test_list_pages_query_count_does_not_grow(client, world, town, url_name):
    closed_meeting(world, town, title="第一次")
    for m in world.c_a.review_meetings.all():
        services.publish_result(m, acting_user=world.staff)
    client.force_login(world.staff)
    url = reverse(url_name) + ("?view=all" if url_name.endswith("follow_ups") else "")
    small = _queries(client, url)
    for i in range(4):
        m = closed_meeting(world, town, title=f"评议会{i}")
        services.publish_result(m, acting_user=world.staff)
    assert _queries(client, url) == small


def test_meeting_page_query_count_does_not_grow_with_reporters(client, world, town):
    client.force_login(world.staff)
    small = closed_meeting(world, town)
    few = _queries(client, reverse("appraisals:meeting", args=[small.pk]))
    meeting = make_meeting(world, town, title="大会")
    from renda.congress.models import Official

    for i in range(8):
        official = Official.objects.create(congress=world.c_a, name=f"主任{i}", post="主任")
        services.add_reporter(
            meeting, official=official, report_title="报告", acting_user=world.staff
        )
    from tests.fixtures.appraisals import open_with_attendance

    open_with_attendance(world, town, meeting)
    votes = [["satisfied"] * 11] * 6
    cast(meeting, town, votes)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    assert _queries(client, reverse("appraisals:meeting", args=[meeting.pk])) == few


def test_answers_are_recorded_and_a_reporter_with_documents_stays(client, world, town):
    meeting = make_meeting(world, town)
    reporter = meeting.reporters.get(order=1)
    item = services.record_question(
        reporter, question="学校扩建进度？", asked_by="选民代表张某", acting_user=world.staff
    )
    client.force_login(world.staff)
    url = reverse("appraisals:reporter_action", args=[reporter.pk, "answer"])
    assert client.post(url, {"item": item.pk, "answer": "明年秋季开学前完工"}).status_code == 302
    item.refresh_from_db()
    assert item.answer == "明年秋季开学前完工"
    remove = reverse("appraisals:meeting_action", args=[meeting.pk, "remove"])
    assert client.post(remove, {"reporter": reporter.pk}).status_code == 400  # has a question
    other = meeting.reporters.get(order=2)
    assert client.post(remove, {"reporter": other.pk}).status_code == 302
    assert meeting.reporters.count() == 2


def test_the_periodic_job_is_registered_and_runs(world, town):
    from django.conf import settings

    from renda.appraisals import tasks

    assert "renda.appraisals.tasks.send_rectification_reminders" in settings.RENDA_PERIODIC_JOBS
    closed_meeting(world, town)
    assert tasks.send_rectification_reminders() == {
        "overdue_marked": 0,
        "due_soon": 0,
        "overdue": 0,
    }


def test_details_and_order_change_until_the_rating_opens(client, world, town):
    meeting = make_meeting(world, town)
    client.force_login(world.staff)
    edit = reverse("appraisals:meeting_action", args=[meeting.pk, "edit"])
    assert client.get(edit).status_code == 200
    data = {
        "title": "改名后的评议会",
        "held_on": "2026-06-25",
        "place": "镇文化中心",
        "paper_ballots": "on",
    }
    assert client.post(edit, data).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.place, meeting.held_on) == (
        "改名后的评议会",
        "镇文化中心",
        dt.date(2026, 6, 25),
    )
    reporter = meeting.reporters.get(order=3)
    move = reverse("appraisals:meeting_action", args=[meeting.pk, "edit-reporter"])
    assert (
        client.post(
            move, {"reporter": reporter.pk, "report_title": "新标题", "order": 1}
        ).status_code
        == 302
    )
    reporter.refresh_from_db()
    assert (reporter.report_title, reporter.order) == ("新标题", 1)
    from tests.fixtures.appraisals import open_with_attendance

    open_with_attendance(world, town, meeting)
    assert client.post(edit, data | {"place": "别处"}).status_code == 400
    meeting.refresh_from_db()
    assert meeting.place == "镇文化中心"


def test_the_congress_rules_are_configured_in_the_back_office(client, world):
    client.force_login(world.staff)
    url = reverse("admin:appraisals_appraisalrules_changelist")
    assert client.get(url).status_code == 200
    client.force_login(world.other_staff)
    from renda.appraisals.models import AppraisalRules

    rules = AppraisalRules.for_congress(world.c_a.pk)
    change = reverse("admin:appraisals_appraisalrules_change", args=[rules.pk])
    assert client.get(change).status_code == 404


def _deputy_rated_incompetent(world) -> Rectification:  # noqa: ANN001
    from renda.ballots import services as ballots

    meeting = services.create_meeting(
        congress=world.c_a,
        title="代表向选民述职测评会",
        kind="deputies",
        held_on=dt.date(2026, 6, 20),
        place="东塘村",
        invited_count=5,
        paper_ballots=False,
        acting_user=world.staff,
    )
    reporter = services.add_reporter(
        meeting, deputy=world.deputy_a, report_title="履职报告", acting_user=world.staff
    )
    services.schedule_meeting(meeting, acting_user=world.staff)
    codes = services.open_rating(meeting, acting_user=world.staff).codes
    reporter.refresh_from_db()
    meeting.refresh_from_db()
    for code in codes:
        ballots.cast_with_code(
            Poll.objects.get(pk=meeting.poll_id),
            code=code,
            choices={reporter.subject_id: "incompetent"},
        )
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    return Rectification.objects.get(reporter=reporter)


def test_a_deputy_sees_their_result_and_files_their_own_rectification_report(client, world):
    item = _deputy_rated_incompetent(world)
    client.force_login(world.deputy_user)
    page = client.get(reverse("appraisals:mine")).content.decode()
    assert "代表向选民述职测评会" in page and "100.0%" in page
    url = reverse("appraisals:mine_submit", args=[item.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"report": pdf("zg.pdf"), "summary": "已整改"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "submitted"


def test_nobody_else_files_a_deputys_rectification_report(client, world, town):
    item = _deputy_rated_incompetent(world)
    client.force_login(town.users[1])
    assert client.get(reverse("appraisals:mine_submit", args=[item.pk])).status_code == 404
    assert client.get(reverse("appraisals:mine")).status_code == 200  # a deputy, nothing reported
    client.force_login(world.citizen)
    assert client.get(reverse("appraisals:mine")).status_code == 404
    with pytest.raises(DomainError):
        services.submit_rectification(item, report=pdf(), summary="", acting_user=town.users[1])


def test_links_to_the_engines_pages_appear_only_when_they_exist():
    from django.urls import resolve

    from renda.appraisals.views.staff import poll_links

    assert poll_links(None) == []
    for _label, url in poll_links(7):  # whatever the ballot app provides resolves
        assert resolve(url)
