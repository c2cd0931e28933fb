"""The demo's year of activities in 清河镇."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from renda.activities.figures import year_figures
from renda.activities.models import Activity, ActivityKind, Finding
from renda.cases.models import CaseStatus
from renda.congress.models import Congress


def test_demo_has_each_kind_of_activity_with_a_finding_handled(demo):
    congress = Congress.objects.get(name="清河镇人民代表大会")
    kinds = set(Activity.objects.filter(congress=congress).values_list("kind", flat=True))
    assert {
        ActivityKind.FOCUSED_INSPECTION,
        ActivityKind.SURVEY,
        ActivityKind.LAW_CHECK,
        ActivityKind.TRAINING,
        ActivityKind.LEGAL_EDUCATION,
    } <= kinds
    finding = Finding.objects.get(
        activity__congress=congress, activity__kind=ActivityKind.FOCUSED_INSPECTION
    )
    assert finding.case.status == CaseStatus.CLOSED
    inspection = finding.activity
    levels = set(
        inspection.participations.values_list("deputy__memberships__congress__level", flat=True)
    )
    assert {"city", "county", "town"} <= levels
    year = inspection.starts_on.year
    figures = year_figures(congress.pk, year)
    assert figures["findings"]["filed"] >= 1
    client = Client()
    client.force_login(get_user_model().objects.get(username="qh_deputy"))
    assert client.get(reverse("activities:page", args=[inspection.pk])).status_code == 200
    assert client.get(reverse("activities:mine")).status_code == 200


def test_demo_presidium_meetings_flag_a_line_and_handle_an_opinion(demo):
    from renda.activities import services
    from renda.activities.models import DeliberationOpinion, PresidiumMeeting, WorkPlan

    congress = Congress.objects.get(name="清河镇人民代表大会")
    meetings = list(
        PresidiumMeeting.objects.filter(congress=congress, reports__kind="budget_exec")
        .distinct()
        .order_by("held_on")
    )
    assert len(meetings) == 2
    flags = [flag.flag for m in meetings for _line, flag in services.budget_table(m)]
    assert flags.count("low") == 1 and flags.count("high") == 0
    opinion = DeliberationOpinion.objects.get(meeting__congress=congress)
    assert opinion.case.status == CaseStatus.CLOSED
    plan = WorkPlan.objects.get(congress=congress)
    states = [item.state for item in services.plan_items(plan)]
    assert states.count("done") == 3 and plan.status == "published"


def test_demo_pre_appointment_review_counted(demo):
    from renda.activities.models import Nomination

    nomination = Nomination.objects.get(name="周明远")
    assert nomination.status == "decided" and nomination.poll.status in ("closed", "published")
    assert nomination.votes_for >= 1 and nomination.remarks.count() == 1


def test_demo_paper_review_is_entered_by_two_tellers_and_counted(demo):
    from renda.activities.models import Nomination

    nomination = Nomination.objects.select_related("poll").get(name="陈秀兰")
    poll = nomination.poll
    assert poll.uses_paper and poll.paper_issued == poll.paper_returned >= 3
    assert poll.paper_batches.count() == 1
    assert nomination.status == "decided" and nomination.result == "approved"
    assert nomination.votes_abstain == 1 and nomination.votes_for == poll.paper_returned - 1
    assert nomination.official is not None


def test_demo_project_inspection_is_an_activity_and_drafts_reach_the_portal(demo):
    from renda.activities.models import MeetingReport, Participation
    from renda.portal.models import ArticleOrigin, ArticleStatus

    congress = Congress.objects.get(name="清河镇人民代表大会")
    inspection = Activity.objects.get(congress=congress, kind=ActivityKind.PROJECT_INSPECTION)
    assert inspection.project_inspection.project.congress == congress
    assert Participation.objects.filter(activity=inspection, kind="project").count() == 3
    assert inspection.findings.get().case.status == CaseStatus.CLOSED
    # Report documents on the budget reports; drafts of the plan, decisions, research report.
    assert (
        MeetingReport.objects.filter(meeting__congress=congress).exclude(document="").count() == 2
    )
    origins = ArticleOrigin.objects.select_related("article", "source_type")
    assert {o.source_type.model for o in origins} == {"workplan", "presidiummeeting", "activity"}
    assert {o.article.status for o in origins} == {ArticleStatus.DRAFT}
    # An invitee confirmed and one declined from the SMS link; the upcoming inspection's
    # invitations went out by SMS with each deputy's link.
    answered = Activity.objects.get(congress=congress, kind=ActivityKind.FOCUSED_INSPECTION)
    assert answered.invitations.filter(status="declined").count() == 1
    from renda.core.models import OutboxMessage

    upcoming = Activity.objects.get(congress=congress, kind=ActivityKind.SPECIAL_INSPECTION)
    assert upcoming.status == "announced"
    texts = OutboxMessage.objects.filter(channel="sms").values_list("payload__text", flat=True)
    assert any(upcoming.topic in t and "/i/" in t for t in texts)
