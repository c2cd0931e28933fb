"""Appraisals (述职评议, 民主测评) on the ballot engine: the whole flow, the result rule,
result sheets, follow-up and bad input."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from renda.appraisals import rules, services, sheets
from renda.appraisals.models import (
    AppraisalRules,
    Electorate,
    MeetingKind,
    MeetingStatus,
    Rectification,
    RectificationStatus,
    Reporter,
)
from renda.ballots import presentation
from renda.ballots import services as ballots
from renda.ballots.models import Base, Elector, Poll, PollStatus, Scale
from renda.core.errors import DomainError
from renda.core.models import ActionLog, DueReminder, Notification
from tests.fixtures import appraisals as appraisals_fixtures
from tests.fixtures.appraisals import (
    SIX_BALLOTS,
    cast,
    closed_meeting,
    make_meeting,
    open_with_attendance,
    pdf,
)
from tests.fixtures.ballots import shares_of

town = appraisals_fixtures.town  # the fixture, shared with the other appraisal tests

# --- the rule: table tests -----------------------------------------------------------------

SAT = ["satisfied", "basic", "unsatisfied"]
COMP = ["excellent", "competent", "basic", "incompetent"]


@pytest.mark.parametrize(
    ("counts", "base", "expected"),
    [
        ({"satisfied": 6, "basic": 2, "unsatisfied": 2}, 10, "satisfied"),
        ({"satisfied": 5, "basic": 3, "unsatisfied": 2}, 10, "basic"),  # 5 of 10: not more
        ({"satisfied": 5, "basic": 0, "unsatisfied": 4}, 9, "satisfied"),  # odd base: 5 of 9
        ({"satisfied": 2, "basic": 2, "unsatisfied": 5}, 9, "unsatisfied"),  # 4 of 9
        ({"satisfied": 3, "basic": 2, "unsatisfied": 5}, 10, "unsatisfied"),  # 5 of 10
        ({"satisfied": 1, "basic": 0, "unsatisfied": 0}, 1, "satisfied"),
        ({}, 0, None),
    ],
)
def test_satisfaction_rule_on_odd_and_even_bases(counts, base, expected):
    assert rules.rating_result(counts, base, rules.Threshold(1, 2, True), SAT) == expected


@pytest.mark.parametrize(
    ("counts", "base", "expected"),
    [
        ({"excellent": 6, "competent": 4}, 10, "excellent"),
        ({"excellent": 5, "competent": 1, "basic": 4}, 10, "competent"),
        ({"excellent": 2, "competent": 2, "basic": 2, "incompetent": 4}, 10, "basic"),
        ({"excellent": 1, "competent": 1, "basic": 2, "incompetent": 5}, 9, "incompetent"),
    ],
)
def test_competence_scale_reads_grades_from_the_best_down(counts, base, expected):
    assert rules.rating_result(counts, base, rules.Threshold(1, 2, True), COMP) == expected


def test_at_least_half_when_configured_not_strict():
    counts = {"satisfied": 5, "basic": 0, "unsatisfied": 5}
    assert rules.rating_result(counts, 10, rules.Threshold(1, 2, False), SAT) == "satisfied"


def _row(key, s, b, u):  # noqa: ANN001, ANN202
    counts = {"satisfied": s, "basic": b, "unsatisfied": u}
    base = s + b + u
    return key, counts, base, rules.rating_result(counts, base, rules.Threshold(), SAT)


def test_lowest_grade_share_must_be_strictly_above_the_configured_share():
    # 3 of 9 不满意 is exactly 1/3: not above. 4 of 10 is.
    out = rules.decide([_row(1, 6, 0, 3), _row(2, 6, 0, 4)], SAT, lowest_count=0)
    assert out[0].reasons == []
    assert out[1].reasons == ["share"]


def test_ranking_shares_a_rank_and_a_tie_at_the_lowest_is_reported_never_broken():
    out = {
        o.key: o
        for o in rules.decide(
            [_row(1, 8, 2, 0), _row(2, 5, 1, 4), _row(3, 5, 1, 4)], SAT, share=(0, 0)
        )
    }
    assert [out[k].rank for k in (1, 2, 3)] == [1, 2, 2]
    assert out[2].lowest and out[3].lowest and not out[1].lowest
    assert out[2].lowest_tie and out[3].lowest_tie
    assert out[2].reasons == ["lowest"]


def test_ranking_compares_shares_exactly_across_different_bases():
    # 2/3 and 4/6 are equal; 5/7 is higher. Floating point would not be trusted here.
    out = {
        o.key: o
        for o in rules.decide(
            [_row(1, 2, 0, 1), _row(2, 4, 0, 2), _row(3, 5, 0, 2)], SAT, share=(0, 0)
        )
    }
    assert (out[3].rank, out[1].rank, out[2].rank) == (1, 2, 2)
    assert out[1].lowest_tie and out[2].lowest_tie


def test_one_rated_reporter_is_not_the_lowest_of_anyone():
    (only,) = rules.decide([_row(1, 1, 0, 9)], SAT)
    assert only.reasons == ["failed", "share"]
    assert not only.lowest


@pytest.mark.parametrize(
    ("part", "whole", "text"), [(1, 6, "16.7%"), (1, 8, "12.5%"), (2, 3, "66.7%"), (0, 0, "—")]
)
def test_percentages_round_half_up(part, whole, text):
    # The ballot engine's one share (renda.core.rates.format_percent underneath).
    assert presentation.share(part, whole) == text


# --- the whole flow ---------------------------------------------------------------------------


def test_full_flow_from_draft_to_published_with_results_from_the_frozen_poll(world, town):
    meeting = make_meeting(world, town)
    assert (meeting.scale, meeting.electorate, meeting.base) == (
        Scale.SATISFACTION,
        Electorate.DEPUTIES,
        Base.VALID,
    )
    open_with_attendance(world, town, meeting)
    assert meeting.status == MeetingStatus.RATING
    poll = meeting.poll
    assert poll.status == PollStatus.OPEN and poll.subjects.count() == 3
    assert Elector.objects.filter(poll=poll).count() == 7
    assert Elector.objects.filter(poll=poll, present=True).count() == 6
    cast(meeting, town, SIX_BALLOTS)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    r1, r2, r3 = meeting.reporters.order_by("order")
    assert (r1.grade, r2.grade, r3.grade) == ("satisfied", "basic", "unsatisfied")
    assert r3.counts == {"satisfied": 1, "basic": 2, "unsatisfied": 3}
    assert (r1.rank, r2.rank, r3.rank) == (1, 2, 3)
    assert r3.must_rectify and set(r3.rectify_reasons) == {"failed", "share", "lowest"}
    assert not r1.must_rectify and not r2.must_rectify  # 2 of 6 不满意 is exactly 1/3
    rect = Rectification.objects.get()
    assert rect.reporter == r3
    assert rect.due_on == timezone.localdate() + dt.timedelta(days=30)
    # The outcome is the engine's frozen result, not a second count.
    frozen = {row["subject"]: row for row in Poll.objects.get(pk=poll.pk).result["subjects"]}
    assert frozen[r3.subject_id]["result"] == r3.grade
    assert ballots.recount(Poll.objects.get(pk=poll.pk))[0]
    services.publish_result(meeting, acting_user=world.staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    assert meeting.poll.status == PollStatus.PUBLISHED
    actions = set(
        ActionLog.objects.filter(object_type="appraisals.reviewmeeting").values_list(
            "action", flat=True
        )
    )
    assert {
        "appraisal.created",
        "appraisal.scheduled",
        "appraisal.rating",
        "appraisal.closed",
        "appraisal.published",
    } <= actions


def test_abstentions_are_excluded_from_the_base_by_default(world, town):
    meeting = make_meeting(world, town, allow_abstain=True)
    open_with_attendance(world, town, meeting)
    # R1: 3 满意, 1 不满意, 2 弃权 → base 4, 3 of 4 → 满意 (3 of 6 would not be).
    votes = [
        ["satisfied", "satisfied", "satisfied"],
        ["satisfied", "satisfied", "satisfied"],
        ["satisfied", "satisfied", "satisfied"],
        ["unsatisfied", "satisfied", "satisfied"],
        ["abstain", "satisfied", "satisfied"],
        ["abstain", "satisfied", "satisfied"],
    ]
    cast(meeting, town, votes)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    r1 = meeting.reporters.get(order=1)
    assert (r1.base, r1.grade) == (4, "satisfied")


def test_the_congress_may_count_abstentions_in_the_base(world, town):
    AppraisalRules.objects.create(congress=world.c_a, base=Base.CAST)
    meeting = make_meeting(world, town, allow_abstain=True)
    open_with_attendance(world, town, meeting)
    votes = [["satisfied"] * 3] * 3 + [["unsatisfied"] * 3] + [["abstain"] * 3] * 2
    cast(meeting, town, votes)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    r1 = meeting.reporters.get(order=1)
    assert (r1.base, r1.grade) == (6, "unsatisfied")


def test_invited_voter_representatives_vote_with_one_time_codes(world, town):
    meeting = services.create_meeting(
        congress=world.c_a,
        title="代表向选民述职测评会",
        kind=MeetingKind.DEPUTIES,
        held_on=dt.date(2026, 6, 20),
        place="东塘村委会",
        invited_count=5,
        paper_ballots=False,
        acting_user=world.staff,
    )
    assert (meeting.scale, meeting.electorate) == (Scale.COMPETENCE, Electorate.INVITED)
    services.add_reporter(
        meeting, deputy=world.deputy_a, report_title="履职情况报告", acting_user=world.staff
    )
    services.schedule_meeting(meeting, acting_user=world.staff)
    codes = services.open_rating(meeting, acting_user=world.staff).codes
    assert len(codes) == 5 and len(set(codes)) == 5
    meeting.refresh_from_db()
    subject = meeting.reporters.get().subject_id
    for code, grade in zip(
        codes, ["excellent", "excellent", "excellent", "competent", "basic"], strict=True
    ):
        ballots.cast_with_code(meeting.poll, code=code, choices={subject: grade})
    with pytest.raises(DomainError):  # a used code
        ballots.cast_with_code(meeting.poll, code=codes[0], choices={subject: "incompetent"})
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    reporter = meeting.reporters.get()
    assert reporter.grade == "excellent"
    assert reporter.post.startswith(str(world.c_a.short_name or world.c_a.name)) or reporter.post


def test_paper_ballots_returned_above_issued_void_the_vote_and_a_new_vote_can_follow(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    first_poll = meeting.poll
    ballots.record_paper_counts(first_poll, issued=6, returned=7, acting_user=world.staff)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED
    assert "7" in meeting.void_note
    assert Poll.objects.get(pk=first_poll.pk).status == PollStatus.VOID
    services.open_rating(meeting, acting_user=world.staff)
    meeting.refresh_from_db()
    assert meeting.poll_id != first_poll.pk and meeting.status == MeetingStatus.RATING


def test_paper_ballots_entered_by_two_tellers_count(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    subjects = list(meeting.reporters.order_by("order").values_list("subject_id", flat=True))
    batch = [dict(zip(subjects, answers, strict=True)) for answers in SIX_BALLOTS]
    ballots.enter_paper_batch(meeting.poll, number=1, ballots=batch, teller=world.staff)
    ballots.enter_paper_batch(
        meeting.poll, number=1, ballots=list(reversed(batch)), teller=town.teller
    )
    ballots.record_paper_counts(meeting.poll, issued=6, returned=6, acting_user=world.staff)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    grades = list(meeting.reporters.order_by("order").values_list("grade", flat=True))
    assert grades == ["satisfied", "basic", "unsatisfied"]


# --- result sheets ----------------------------------------------------------------------------


def test_meeting_sheet_xlsx_carries_the_counts_percentages_rule_and_hash(world, town):
    from openpyxl import load_workbook

    meeting = closed_meeting(world, town)
    sheet = load_workbook(io.BytesIO(sheets.meeting_xlsx(meeting))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = {str(v) for row in rows for v in row if v is not None}
    assert meeting.poll.export_sha256 in flat
    assert sheets.rule_text(meeting) in flat
    by_name = {row[1]: row for row in rows if row and row[1] in {"高振宇", "林雅婷", "曹建国"}}
    # order, name, post, title, then (votes, share) for 满意, 基本满意, 不满意, base, rate, result…
    assert by_name["曹建国"][4:10] == [1, "16.7%", 2, "33.3%", 3, "50.0%"]
    assert by_name["曹建国"][10:12] == [6, "50.0%"]
    assert by_name["高振宇"][4:6] == [5, "83.3%"]
    assert by_name["林雅婷"][4:10] == [3, "50.0%", 1, "16.7%", 2, "33.3%"]


def test_reporter_sheet_docx_shows_the_persons_figures_and_the_hash(world, town):
    from docx import Document

    meeting = closed_meeting(world, town)
    reporter = meeting.reporters.get(order=3)
    document = Document(io.BytesIO(sheets.reporter_docx(reporter)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert meeting.poll.export_sha256 in cells
    assert "曹建国" in cells and "50.0%" in cells and "16.7%" in cells
    pairs = {row.cells[0].text: row.cells[1].text for row in document.tables[1].rows}
    assert pairs[str(sheets.header(meeting)[4])] == "1"
    assert pairs[str(sheets.header(meeting)[8])] == "3"
    assert "6" == pairs[str(sheets.header(meeting)[10])]


def test_reporter_sheet_docx_lists_the_questions_from_the_floor(world, town):
    from docx import Document

    meeting = make_meeting(world, town)
    reporter = meeting.reporters.get(order=3)
    services.record_question(
        reporter,
        deputy=world.deputy_a,
        question="旧村改造何时启动？",
        answer="明年三月",
        acting_user=world.staff,
    )
    open_with_attendance(world, town, meeting)
    cast(meeting, town, SIX_BALLOTS)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    reporter.refresh_from_db()
    text = "\n".join(
        p.text for p in Document(io.BytesIO(sheets.reporter_docx(reporter))).paragraphs
    )
    assert "旧村改造何时启动？" in text and "明年三月" in text and world.deputy_a.name in text


def test_meeting_sheet_docx_has_one_row_per_reporter(world, town):
    from docx import Document

    meeting = closed_meeting(world, town)
    document = Document(io.BytesIO(sheets.meeting_docx(meeting)))
    table = document.tables[1]
    assert len(table.rows) == 1 + 3
    assert [row.cells[1].text for row in table.rows[1:]] == ["高振宇", "林雅婷", "曹建国"]


# --- follow-up ----------------------------------------------------------------------------------


def test_rectification_becomes_overdue_and_reminders_are_sent_once(
    world, town, django_capture_on_commit_callbacks
):
    meeting = closed_meeting(world, town)
    rect = Rectification.objects.get()
    soon = rect.due_on - dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.send_reminders(today=soon)
    assert counts["due_soon"] == 1
    assert Notification.objects.filter(recipient=world.staff, title__contains="曹建国").count() == 1
    assert services.send_reminders(today=soon)["due_soon"] == 0
    late = rect.due_on + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.send_reminders(today=late)
    assert counts["overdue_marked"] == 1 and counts["overdue"] == 1
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.OVERDUE
    assert (
        Notification.objects.filter(recipient=world.leader, title__contains="曹建国").count() == 2
    )
    assert services.send_reminders(today=late) == {"overdue_marked": 0, "due_soon": 0, "overdue": 0}
    assert DueReminder.objects.filter(object_type="appraisals.rectification").count() == 2
    # A late report is still filed, then accepted.
    services.submit_rectification(rect, report=pdf(), summary="已整改", acting_user=world.staff)
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.SUBMITTED and rect.report
    services.accept_rectification(rect, note="", acting_user=world.staff)
    rect.refresh_from_db()
    assert rect.status == RectificationStatus.ACCEPTED
    assert meeting.pk


def test_a_report_sent_back_waits_again_with_a_new_due_date(world, town):
    closed_meeting(world, town)
    rect = Rectification.objects.get()
    services.submit_rectification(rect, report=pdf(), summary="", acting_user=world.staff)
    new_due = timezone.localdate() + dt.timedelta(days=10)
    services.return_rectification(rect, note="缺少时间表", due_on=new_due, acting_user=world.staff)
    rect.refresh_from_db()
    assert (rect.status, rect.due_on) == (RectificationStatus.PENDING, new_due)
    with pytest.raises(DomainError):
        services.accept_rectification(rect, note="", acting_user=world.staff)


def test_re_review_of_the_lowest_rated_is_a_new_meeting_linked_to_the_original(world, town):
    meeting = closed_meeting(world, town)
    rereview = services.schedule_rereview(meeting, held_on=None, place="", acting_user=world.staff)
    assert rereview.rereview_of == meeting and rereview.status == MeetingStatus.DRAFT
    (again,) = rereview.reporters.all()
    original = meeting.reporters.get(order=3)
    assert again.rereview_of == original and again.official == original.official
    assert rereview.held_on == meeting.held_on + dt.timedelta(days=90)
    with pytest.raises(DomainError):  # only one re-review
        services.schedule_rereview(meeting, held_on=None, place="", acting_user=world.staff)


def test_re_review_after_the_configured_window_is_refused(world, town):
    meeting = closed_meeting(world, town)
    late = meeting.held_on + dt.timedelta(days=91)
    with pytest.raises(DomainError):
        services.schedule_rereview(meeting, held_on=late, place="", acting_user=world.staff)


# --- bad input ----------------------------------------------------------------------------------


def test_closing_a_meeting_with_no_poll_is_refused(world, town):
    meeting = make_meeting(world, town)
    services.schedule_meeting(meeting, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.poll is None


def test_the_same_person_cannot_report_twice_at_one_meeting(world, town):
    meeting = make_meeting(world, town)
    with pytest.raises(DomainError, match="高振宇"):
        services.add_reporter(
            meeting, official=town.officials[0], report_title="again", acting_user=world.staff
        )
    assert meeting.reporters.count() == 3


def test_a_voter_cannot_rate_twice_and_the_first_ballot_stands(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    cast(meeting, town, [["satisfied"] * 3])
    with pytest.raises(DomainError):
        cast(meeting, town, [["unsatisfied"] * 3])
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    assert meeting.reporters.get(order=1).counts == {"satisfied": 1}


def test_another_congress_official_cannot_report(world, town):
    meeting = make_meeting(world, town)
    with pytest.raises(DomainError):
        services.add_reporter(
            meeting, official=town.foreign, report_title="x", acting_user=world.staff
        )


def test_scheduling_without_reporters_and_opening_without_attendance_are_refused(world, town):
    empty = services.create_meeting(
        congress=world.c_a,
        title="空会",
        kind=MeetingKind.OFFICIALS,
        held_on=dt.date(2026, 6, 1),
        place="会议室",
        acting_user=world.staff,
    )
    with pytest.raises(DomainError):
        services.schedule_meeting(empty, acting_user=world.staff)
    meeting = make_meeting(world, town)
    services.schedule_meeting(meeting, acting_user=world.staff)
    with pytest.raises(DomainError):
        services.open_rating(meeting, acting_user=world.staff)
    assert not Poll.objects.exists()  # nothing half-written


def test_reporters_cannot_change_once_the_rating_opened(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    extra = town.officials[0].__class__.objects.create(
        congress=world.c_a, name="苏明华", post="副镇长"
    )
    with pytest.raises(DomainError):
        services.add_reporter(meeting, official=extra, report_title="x", acting_user=world.staff)
    with pytest.raises(DomainError):
        services.set_attendance(meeting, present=town.voters, acting_user=world.staff)


def test_publishing_before_closing_is_refused_and_no_figures_while_open(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    cast(meeting, town, SIX_BALLOTS)
    with pytest.raises(DomainError):
        services.publish_result(meeting, acting_user=world.staff)
    assert ballots.public_result(meeting.poll) is None
    assert all(r.counts is None for r in Reporter.objects.filter(meeting=meeting))


def test_leaders_and_other_towns_cannot_act(world, town):
    meeting = make_meeting(world, town)
    for user in (world.leader, world.other_staff, world.deputy_user):
        with pytest.raises(DomainError):
            services.schedule_meeting(meeting, acting_user=user)
    with pytest.raises(DomainError):
        services.create_meeting(
            congress=world.c_a,
            title="x",
            kind=MeetingKind.OFFICIALS,
            held_on=dt.date(2026, 1, 1),
            place="x",
            acting_user=world.other_staff,
        )


def test_a_withdrawn_meeting_is_kept_not_deleted(world, town):
    meeting = make_meeting(world, town)
    services.withdraw_meeting(meeting, reason="改期", acting_user=world.staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.WITHDRAWN
    with pytest.raises(DomainError):
        services.schedule_meeting(meeting, acting_user=world.staff)


def test_year_figures_for_the_work_report_count_each_person_once(world, town):
    from renda.appraisals.figures import year_figures

    town.officials[2].department = world.dept_a1
    town.officials[2].save(update_fields=["department"])
    meeting = closed_meeting(world, town)
    services.schedule_rereview(meeting, held_on=None, place="", acting_user=world.staff)
    figures = year_figures(
        world.c_a.review_meetings.all(), timezone.localdate(meeting.closed_at).year
    )
    assert figures == {"meetings": 1, "deputies": 0, "officials": 3, "leaders": 2, "heads": 1}
    assert year_figures(world.c_b.review_meetings.all(), 2026)["officials"] == 0


def test_online_only_rating_needs_an_account_for_every_deputy_present(world, town):
    from renda.congress.models import Deputy, DeputyMembership, Gender

    offline = Deputy.objects.create(name="无账号代表", gender=Gender.FEMALE, phone="13900009999")
    DeputyMembership.objects.create(
        deputy=offline, term=world.term_a, start_date=world.term_a.start_date
    )
    meeting = make_meeting(world, town, paper_ballots=False)
    services.schedule_meeting(meeting, acting_user=world.staff)
    services.set_attendance(meeting, present=[*town.voters[:3], offline], acting_user=world.staff)
    with pytest.raises(DomainError, match="1"):
        services.open_rating(meeting, acting_user=world.staff)
    services.set_attendance(meeting, present=town.voters[:3], acting_user=world.staff)
    services.open_rating(meeting, acting_user=world.staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.RATING


def test_a_poll_closed_and_published_on_the_engines_pages_is_taken_as_frozen(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    cast(meeting, town, SIX_BALLOTS)
    poll = ballots.close_poll(meeting.poll, acting_user=world.staff, shares=shares_of(meeting.poll))
    ballots.publish_poll(poll, acting_user=world.staff)
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    services.publish_result(meeting, acting_user=world.staff)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PUBLISHED
    grades = list(meeting.reporters.order_by("order").values_list("grade", flat=True))
    assert grades == ["satisfied", "basic", "unsatisfied"]


def test_a_poll_voided_on_the_engines_pages_sends_the_meeting_back(world, town):
    meeting = make_meeting(world, town)
    open_with_attendance(world, town, meeting)
    ballots.record_paper_counts(meeting.poll, issued=1, returned=2, acting_user=world.staff)
    ballots.close_poll(
        meeting.poll, acting_user=world.staff, shares=shares_of(meeting.poll)
    )  # void: 2 returned, 1 issued
    services.close_rating(meeting, acting_user=world.staff, shares=shares_of(meeting))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.void_note
