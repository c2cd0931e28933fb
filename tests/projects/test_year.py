"""A full year of livelihood projects voted by deputies, replayed through the services, and
the figures against a hand count (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from renda.activities.models import ActivityKind, ActivityStatus, Participation
from renda.ballots.models import PollStatus
from renda.cases import services as cases
from renda.cases.models import Assignment, CaseKind, CaseStatus
from renda.core.models import ActionLog
from renda.core.notify import MemorySMSBackend
from renda.projects import services
from renda.projects.figures import year_figures
from renda.projects.models import (
    BatchKind,
    BatchStatus,
    CandidateOutcome,
    IdeaStatus,
    Project,
    ProjectStatus,
    VoteBatch,
)
from tests.fixtures.ballots import shares_of
from tests.fixtures.projects import RATINGS, run_votes, vote
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)


def test_the_tie_at_the_last_place_goes_to_a_further_batch(year):
    batch1, batch2 = run_votes(year)
    outcomes = list(batch1.candidates.order_by("order").values_list("outcome", flat=True))
    assert outcomes == [CandidateOutcome.SELECTED] * 9 + [
        CandidateOutcome.TIED,
        CandidateOutcome.TIED,
        CandidateOutcome.NOT_SELECTED,
    ]
    assert batch1.poll.status == PollStatus.PUBLISHED
    assert batch1.poll.result["electorate"] == 15
    # The further batch: the two tied, one place, a further vote of the same session.
    assert (batch2.kind, batch2.places, batch2.session) == (BatchKind.FURTHER, 1, year.first)
    assert [c.idea for c in batch2.candidates.order_by("order")] == year.feasible[9:11]
    assert list(batch2.candidates.order_by("order").values_list("outcome", "yes")) == [
        (CandidateOutcome.SELECTED, 12),
        (CandidateOutcome.NOT_SELECTED, 6),
    ]
    assert batch1.status == batch2.status == BatchStatus.ANNOUNCED
    # The announcement names the selected, the tie and the further vote; nothing silent.
    assert year.feasible[0].title in batch1.announcement
    assert year.feasible[9].title in batch1.announcement
    assert "further vote" in batch1.announcement or "另行票决" in batch1.announcement
    titles = set(Project.objects.filter(year=year.y).values_list("title", flat=True))
    assert titles == {i.title for i in year.feasible[:10]}
    # The loser of the further vote and the failed candidate are back in the pool.
    for idea in (year.feasible[10], year.feasible[11]):
        idea.refresh_from_db()
        assert idea.status == IdeaStatus.FEASIBLE
        assert idea.events.filter(action="not_selected").exists()


def test_a_full_year_replays_and_the_figures_agree_with_a_hand_count(
    year, settings, django_capture_on_commit_callbacks
):
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    world, staff, today = year.world, year.world.staff, year.today
    run_votes(year)
    projects = list(Project.objects.filter(year=year.y).order_by("batch__number", "id"))
    assert len(projects) == 10

    # Implementation: a plan with weighted milestones, progress rolled up from them.
    for index, project in enumerate(projects):
        services.set_plan(
            project,
            acting_user=staff,
            targets="按期完成建设并投入使用",
            milestones=[
                ("前期准备与招投标", 20, project.deadline),
                ("主体施工", 60, project.deadline),
                ("竣工验收", 20, project.deadline),
            ],
        )
        services.start_project(project, acting_user=staff)
        milestones = list(project.milestones.order_by("order"))
        last = 2 if index == 9 else 3  # project 10 stops at the works
        for milestone in milestones[:last]:
            services.report_progress(
                project,
                milestone=milestone,
                percent=100 if index != 9 or milestone.order == 1 else 50,
                text=f"{milestone.title}已完成",
                acting_user=staff,
                spent=project.funds * Decimal("0.9") if milestone.order == 3 else None,
            )
        project.refresh_from_db()
        if index != 9:
            assert project.progress == 100
            services.complete_project(project, acting_user=staff, completed_on=today)
    projects = list(Project.objects.filter(year=year.y).order_by("batch__number", "id"))
    assert projects[9].progress == 20 + 30  # 100 % of 20 + 50 % of 60
    assert projects[9].status == ProjectStatus.IN_PROGRESS

    # A major change, recorded with the mid-year session's decision.
    change = services.change_project(
        projects[9],
        kind="scope",
        acting_user=staff,
        decision_session=year.mid,
        decision_reference="清河镇人大第3次会议关于调整民生实事项目的决定",
        decision_date=year.mid.start_date,
        reason="增加建设内容",
        changes={"funds": Decimal("240")},
    )
    assert change.before == {"funds": "190.00"} and change.after == {"funds": "240.00"}

    # Supervision: the plan, a group, an inspection whose finding becomes a case.
    plan = services.adopt_supervision_plan(
        congress=world.c_a,
        year=year.y,
        text="主席团对十个项目开展全过程监督",
        projects=projects,
        adopted_on=year.first.end_date,
        acting_user=staff,
    )
    assert plan.projects.count() == 10
    services.set_supervision_group(
        projects[0], leader=year.deputies[1], members=year.deputies[2:5], acting_user=staff
    )
    assert projects[0].group.members.count() == 4
    inspection = services.record_inspection(
        projects[0],
        held_on=today,
        place="东塘村施工现场",
        participants=year.deputies[1:4],
        summary="工程进度正常，发现一处安全隐患",
        findings=["施工现场围挡不全，存在安全隐患"],
        category=world.cat_a,
        acting_user=staff,
    )
    # The inspection is an activity of kind "project inspection": the deputies who took part
    # each have their participation event, the finding is a case of kind "finding" filed at
    # once to the project's department, the summary is the filed report.
    activity = inspection.activity
    assert activity.kind == ActivityKind.PROJECT_INSPECTION
    assert activity.status == ActivityStatus.CLOSED and activity.report_text.startswith("工程进度")
    assert activity.organiser == year.deputies[1]
    assert set(Participation.objects.filter(activity=activity).values_list("deputy", "kind")) == {
        (d.pk, "project") for d in year.deputies[1:4]
    }
    finding = activity.findings.get()
    case = finding.case
    assert case.kind == CaseKind.FINDING and not inspection.findings.exists()
    assert case.status == CaseStatus.ASSIGNED and case.source_deputy == year.deputies[1]
    assignment = Assignment.objects.get(case=case)
    assert assignment.department == projects[0].department == world.dept_a1
    cases.sign_assignment(assignment, acting_user=world.handler_a)
    cases.reply_case(
        assignment, reply_class="A", text="已补齐围挡并设置警示标志", acting_user=world.handler_a
    )
    cases.evaluate_case(case, result="satisfied", acting_user=staff)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.evaluation_result == "satisfied"

    # Year-end rating on the engine, and the resident survey (one response per phone).
    rating = services.create_year_rating(
        congress=world.c_a, year=year.y, session=None, acting_user=staff
    )
    services.open_rating(rating, acting_user=staff)
    rating = services.set_survey_open(rating, open_=True, acting_user=staff)
    for voter_index, deputy in enumerate(year.deputies):
        choices = {}
        for project, (sat, basic, _uns) in zip(projects, RATINGS, strict=True):
            if voter_index < sat:
                choices[project.pk] = "satisfied"
            elif voter_index < sat + basic:
                choices[project.pk] = "basic"
            else:
                choices[project.pk] = "unsatisfied"
        services.cast_rating(rating, voter=deputy.user, choices=choices)
    MemorySMSBackend.outbox.clear()
    for phone in ("13611110001", "13611110002"):
        with django_capture_on_commit_callbacks(execute=True):
            services.send_survey_code(rating, phone=phone)
        sms = MemorySMSBackend.outbox[-1]
        assert sms.phone == phone
        code = re.search(r"\d{6}", sms.text).group()
        services.answer_survey(
            rating, phone=phone, code=code, answers={p.pk: "satisfied" for p in projects}
        )
    services.close_rating(rating, acting_user=staff, shares=shares_of(rating))
    results = list(
        Project.objects.filter(year=year.y)
        .order_by("batch__number", "id")
        .values_list("rating", flat=True)
    )
    assert results == ["satisfied"] * 8 + ["basic", "unsatisfied"]
    assert services.survey_counts(rating)[projects[0].pk] == {"satisfied": 2}

    # The hand count.
    figures = year_figures(world.c_a.pk, year.y)
    selected_funds = sum(p.funds for p in Project.objects.filter(year=year.y))
    spent = sum(p.funds * Decimal("0.9") for p in projects[:9])
    assert figures == {
        "year": year.y,
        "ideas": 14,
        "ideas_by_source": {
            "resident": 4,
            "opinion": 2,
            "station": 1,
            "deputy": 4,
            "department": 3,
        },
        "screened": 14,
        "excluded": 2,
        "batches": 2,
        "batches_voted": 2,
        "candidates": 12,
        "candidacies_voted": 14,
        "ties": 2,
        "selected": 10,
        "completed": 9,
        "completed_on_time": 8,  # 农贸市场雨棚改造 was due yesterday, completed today
        "terminated": 0,
        "funds": selected_funds,
        "spent": spent.quantize(Decimal("0.01")),
        # Percentages with one decimal, half up (renda.core.rates); were whole numbers, cut.
        "budget_rate": float(
            (spent.quantize(Decimal("0.01")) * 100 / selected_funds).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        ),
        "on_time_rate": 80.0,
        "ratings": {"satisfied": 8, "basic": 1, "unsatisfied": 1},
        "satisfaction_rate": 90.0,
        "survey_responses": 2,
    }
    # Selected funds: the ten selected ideas' estimates, plus 50 from the session decision.
    assert selected_funds == sum(Decimal(100 + 10 * i) for i in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) + 50
    assert ActionLog.objects.filter(action="vote_batch.announced").count() == 2


@pytest.fixture(autouse=True)
def _clear_cache():  # noqa: ANN202
    cache.clear()
    yield
    cache.clear()


def test_idea_history_spans_years_in_the_pool(year):
    idea = year.feasible[11]
    run_votes(year)
    idea.refresh_from_db()
    actions = list(idea.events.values_list("action", flat=True))
    assert actions == ["collected", "screening", "feasible", "candidate", "not_selected"]
    # Next year it can be a candidate again.
    assert idea.status == IdeaStatus.FEASIBLE
    _ = dt  # dates are relative to today in the fixture


def test_the_demo_holds_the_same_story_for_qinghe(demo, client):
    from django.core.management import call_command

    congress = demo
    y = timezone.localdate().year
    figures = year_figures(congress.pk, y)
    # The year's story (14 ideas, 12 candidates) and the open micro-projects batch (5 more).
    assert (figures["ideas"], figures["excluded"], figures["candidates"]) == (19, 2, 17)
    assert (figures["batches_voted"], figures["ties"], figures["selected"]) == (2, 2, 10)
    assert (figures["completed"], figures["completed_on_time"]) == (9, 8)
    assert figures["ratings"] == {"satisfied": 8, "basic": 1, "unsatisfied": 1}
    first, further, micro = VoteBatch.objects.filter(congress=congress, year=y).order_by("number")
    # The micro-projects batch is open on the engine: qh_deputy votes on it on /vote/.
    assert micro.kind == BatchKind.MICRO and micro.status == BatchStatus.VOTING
    assert micro.candidates.count() == 5 and micro.places == 3
    assert micro.poll.status == "open" and micro.poll.subjects.count() == 5
    assert (
        micro.session
        == congress.terms.get(is_current=True).sessions.order_by("-start_date").first()
    )
    assert micro.poll.electors.filter(user__username="qh_deputy", present=True).exists()
    # The only open project vote of the demo is the batch's (no stand-alone poll).
    from django.urls import reverse

    from renda.ballots.models import Poll

    open_polls = Poll.objects.filter(congress=congress, status="open")
    assert list(open_polls) == [micro.poll]
    deputy = micro.poll.electors.get(user__username="qh_deputy").user
    client.force_login(deputy)
    assert micro.title in client.get(reverse("ballots:mine")).content.decode()
    ballot = client.get(reverse("ballots:ballot", args=[micro.poll_id])).content.decode()
    candidate = micro.candidates.select_related("idea__department").order_by("order").first()
    assert candidate.idea.title in ballot and candidate.idea.department.name in ballot
    assert first.projects.count() == 9 and further.projects.count() == 1
    assert further.further_of == first and further.kind == BatchKind.FURTHER
    assert first.poll.result["electorate"] == 60 and first.poll.result["ballots"] == 55
    finding_case = Project.objects.filter(
        congress=congress, year=y, inspections__isnull=False
    ).first()
    case = finding_case.inspections.get().activity.findings.get().case
    assert case.status == CaseStatus.CLOSED
    # Idempotent: a second run adds nothing.
    count = Project.objects.count()
    call_command("seed_demo", quiet_accounts=True)
    assert Project.objects.count() == count


def test_an_idea_not_selected_comes_back_in_a_later_batch_with_its_history(
    year, django_capture_on_commit_callbacks
):
    from renda.core.models import Notification

    run_votes(year)
    staff, loser = year.world.staff, year.feasible[11]
    spare = services.propose_idea(
        congress=year.world.c_a, title="小巷路灯", description="补装路灯", source="resident"
    )
    services.screen_idea(
        spare,
        acting_user=staff,
        feasible=True,
        feasibility_note="可行",
        legality_note="合法",
        estimated_funds=5,
        department=year.world.dept_a1,
        planned_start=year.today,
        planned_end=year.today,
    )
    micro = services.create_batch(
        session=year.mid,
        title="小快灵微实事",
        places=1,
        ideas=[loser, spare],
        kind=BatchKind.MICRO,
        acting_user=staff,
    )
    assert (micro.number, micro.year) == (3, year.y)  # after batch 1 and its further vote
    micro = services.publish_candidates(micro, acting_user=staff)
    services.open_vote(micro, acting_user=staff)
    micro.refresh_from_db()
    vote(micro, year.deputies, [13, 4])
    services.count_vote(micro, acting_user=staff, shares=shares_of(micro))
    loser.refresh_from_db()
    assert loser.status == IdeaStatus.SELECTED
    assert list(loser.events.values_list("action", flat=True)) == [
        "collected",
        "screening",
        "feasible",
        "candidate",
        "not_selected",
        "candidate",
        "selected",
    ]
    project = loser.project
    services.set_plan(
        project, acting_user=staff, targets="t", milestones=[("全部", 100, project.deadline)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.start_project(project, acting_user=staff)
    handler = (
        year.world.handler_a if project.department == year.world.dept_a1 else year.world.handler_b
    )
    assert Notification.objects.filter(recipient=handler, title__contains=project.title).exists()
