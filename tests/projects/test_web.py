"""The livelihood-project pages: permission matrix, query counts, the office's actions, the
deputies' materials and their ballots on the engine's pages, the public pages and their rate limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from renda.activities import services as activities
from renda.activities.models import ActivityKind
from renda.ballots.models import Ballot, PollStatus, SealedBallot
from renda.cases.models import CaseStatus
from renda.projects import services
from renda.projects.models import (
    BatchStatus,
    Comment,
    Finding,
    Idea,
    IdeaSource,
    IdeaStatus,
    Inspection,
    Project,
    VoteBatch,
)
from tests.fixtures.ballots import share_fields
from tests.fixtures.cases import submit
from tests.fixtures.projects import run_votes
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)


def legacy_finding(project: Project, deputies: list, staff: object) -> Finding:
    """A finding recorded before the activities mechanism and not yet sent, as migration
    projects.0004 leaves it: its inspection linked to a held activity."""
    activity = activities.record_held_activity(
        congress=project.congress,
        kind=ActivityKind.PROJECT_INSPECTION,
        topic=project.title,
        held_on=timezone.localdate(),
        place="东塘村",
        organiser=deputies[0],
        participants=deputies,
        acting_user=staff,
    )
    inspection = Inspection.objects.create(
        project=project,
        activity=activity,
        held_on=activity.starts_on,
        place="东塘村",
        summary="进度正常",
        recorded_by=staff,
    )
    return Finding.objects.create(inspection=inspection, text="路灯未通电")


@pytest.fixture
def done(year):  # noqa: ANN001, ANN201
    """Votes held; the first project under way with a plan, a progress update and an
    inspection finding."""
    run_votes(year)
    staff = year.world.staff
    project = Project.objects.filter(year=year.y).order_by("id").first()
    services.set_plan(
        project,
        acting_user=staff,
        targets="完成道路硬化2公里",
        milestones=[("施工", 80, project.deadline), ("验收", 20, project.deadline)],
    )
    services.start_project(project, acting_user=staff)
    services.report_progress(
        project,
        milestone=project.milestones.order_by("order").first(),
        percent=50,
        text="路基完成",
        acting_user=staff,
    )
    services.record_inspection(
        project,
        held_on=year.today,
        place="东塘村",
        participants=year.deputies[:2],
        summary="进度正常",
        findings=["路面排水沟未同步建设"],
        category=year.world.cat_a,
        acting_user=staff,
    )
    year.project = project
    year.finding = legacy_finding(project, year.deputies[:2], staff)
    year.batch1 = VoteBatch.objects.get(pk=year.batch.pk)
    year.idea = year.ideas[0]
    return year


# --- the permission matrix ------------------------------------------------------------------

READERS = {"staff": 200, "leader": 200, "superuser": 200}
OFFICE_OBJECT = {
    "staff": 200,
    "leader": 200,
    "admin": 404,
    "auditor": 404,
    "handler": 404,
    "station_manager": 404,
    "deputy": 404,
    "other_town_staff": 404,
    "district_admin": 404,
    "citizen": 404,
    "superuser": 200,
    "anonymous": 302,
}
OFFICE_WRITE = {**OFFICE_OBJECT, "leader": 403}
OFFICE_LIST = {**OFFICE_OBJECT, "other_town_staff": 200}
PUBLIC = dict.fromkeys(OFFICE_OBJECT, 200)
DEPARTMENT_PAGE = {**dict.fromkeys(OFFICE_OBJECT, 404), "handler": 200, "anonymous": 302}
REPORT = {**OFFICE_WRITE, "handler": 200}
DEPUTY_PAGE = {
    **dict.fromkeys(OFFICE_OBJECT, 404),
    "deputy": 200,
    "leader": 404,
    "anonymous": 302,
}

MATRIX = [
    ("projects:office", None, OFFICE_LIST),
    ("projects:batches", None, OFFICE_LIST),
    ("projects:projects", None, OFFICE_LIST),
    ("projects:figures", None, OFFICE_LIST),
    ("projects:idea", "idea", OFFICE_OBJECT),
    ("projects:idea_action", ("idea", "withdraw"), OFFICE_WRITE),
    ("projects:batch", "batch1", OFFICE_OBJECT),
    ("projects:batch_action", ("batch1", "void"), OFFICE_WRITE),
    ("projects:batch_action", ("batch1", "count"), OFFICE_WRITE),
    ("projects:rating", None, OFFICE_LIST),
    ("projects:supervision_plan", None, {**OFFICE_WRITE, "other_town_staff": 200}),
    ("projects:project", "project", OFFICE_OBJECT),
    ("projects:project_action", ("project", "change"), OFFICE_WRITE),
    ("projects:project_action", ("project", "progress"), REPORT),
    ("projects:finding_case", "finding", OFFICE_WRITE),
    ("projects:department", None, DEPARTMENT_PAGE),
    ("projects:my_votes", None, DEPUTY_PAGE),
    ("projects:materials", "batch1", DEPUTY_PAGE),
    ("projects:public_index", None, PUBLIC),
    ("projects:public_project", "project", PUBLIC),
    ("projects:public_batch", "batch1", PUBLIC),
    ("projects:public_year_current", "congress", PUBLIC),
    ("projects:propose", "congress", PUBLIC),
]


def _args(done, spec):  # noqa: ANN001, ANN202
    if spec is None:
        return []
    if isinstance(spec, tuple):
        return [getattr(done, spec[0]).pk, spec[1]]
    if spec == "congress":
        return [done.world.c_a.pk]
    return [getattr(done, spec).pk]


@pytest.mark.parametrize(("name", "spec", "expected"), MATRIX)
def test_permission_matrix(client, done, personas, name, spec, expected):
    # The first project is the construction office's (handler_a = "handler").
    assert done.project.department == done.world.dept_a1
    url = reverse(name, args=_args(done, spec))
    for persona, status in expected.items():
        client.logout()
        user = personas[persona]
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, (persona, url, response.status_code)


def test_leaders_read_but_cannot_post_an_action(client, done):
    client.force_login(done.world.leader)
    url = reverse("projects:batch_action", args=[done.batch1.pk, "void"])
    assert client.post(url, {"reason": "x"}).status_code == 403
    done.batch1.refresh_from_db()
    assert done.batch1.status == BatchStatus.ANNOUNCED


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url) -> int:  # noqa: ANN001
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "projects:office",
        "projects:batches",
        "projects:projects",
        "projects:figures",
        "projects:rating",
    ],
)
def test_office_list_pages_query_count_does_not_grow(client, year, name):
    client.force_login(year.world.staff)
    url = reverse(name)
    small = _queries(client, url)
    run_votes(year)  # ten more projects, two batches, candidate results
    for i in range(20):
        services.propose_idea(
            congress=year.world.c_a, title=f"想法{i}", description="内容", source="resident"
        )
    large = _queries(client, url)
    assert large <= small + 2, (small, large)


@pytest.mark.parametrize("name", ["projects:public_year_current", "projects:public_index"])
def test_public_list_pages_query_count_does_not_grow(client, year, name):
    args = [year.world.c_a.pk] if name.endswith("current") else []
    url = reverse(name, args=args)
    small = _queries(client, url)
    run_votes(year)
    for project in Project.objects.filter(year=year.y):
        services.set_plan(
            project,
            acting_user=year.world.staff,
            targets="t",
            milestones=[("a", 50, project.deadline), ("b", 50, project.deadline)],
        )
    large = _queries(client, url)
    assert large <= small + 3, (small, large)


def test_public_batch_page_query_count_does_not_grow(client, year):
    url = reverse("projects:public_batch", args=[year.batch.pk])
    services.publish_candidates(year.batch, acting_user=year.world.staff)
    first = _queries(client, url)
    for i in range(5):
        services.add_comment(year.batch, text=f"意见{i}")
    assert _queries(client, url) == first


# --- the office's pages ---------------------------------------------------------------------


def test_staff_proposes_an_opinion_case_as_a_project_idea(client, cases_world):
    opinion = submit(cases_world, content="建议在东塘村建设一座便民桥，方便村民出行")
    client.force_login(cases_world.staff)
    url = reverse("projects:idea_from_case", args=[opinion.case.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "东塘村便民桥"})
    assert response.status_code == 302
    idea = Idea.objects.get(source_case=opinion.case)
    assert (idea.title, idea.source, idea.source_reference) == (
        "东塘村便民桥",
        IdeaSource.OPINION,
        opinion.case.serial,
    )
    # Again: the existing idea, not a second one.
    response = client.post(url, {"title": "再来"})
    assert response.url == reverse("projects:idea", args=[idea.pk])
    assert Idea.objects.filter(source_case=opinion.case).count() == 1
    # Another town's staff: 404.
    client.force_login(cases_world.other_staff)
    assert client.get(url).status_code == 404


def test_staff_screens_creates_a_batch_and_publishes_it(client, cases_world):
    world = cases_world
    client.force_login(world.staff)
    ids = []
    for i in range(3):
        response = client.post(
            reverse("projects:idea_new", args=[world.c_a.pk]),
            {
                "source": "department",
                "title": f"项目{i}",
                "description": "说明",
                "source_department": world.dept_a1.pk,
            },
        )
        assert response.status_code == 302
        ids.append(Idea.objects.latest("id").pk)
    for pk in ids:
        response = client.post(
            reverse("projects:idea_action", args=[pk, "screen"]),
            {
                "feasibility_note": "可行",
                "estimated_funds": "80",
                "department": world.dept_a1.pk,
                "planned_start": "2026-03-01",
                "planned_end": "2026-10-31",
                "legality_note": "合法",
            },
        )
        assert response.status_code == 302
    assert set(Idea.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        IdeaStatus.FEASIBLE
    }
    # Three candidates for three places: refused with the translated error, nothing created.
    data = {
        "session": world.session_a.pk,
        "title": "微实事",
        "kind": "micro",
        "places": 3,
        "ideas": ids,
    }
    response = client.post(reverse("projects:batches") + f"?congress={world.c_a.pk}", data)
    assert response.status_code == 400
    assert VoteBatch.objects.count() == 0
    response = client.post(
        reverse("projects:batches") + f"?congress={world.c_a.pk}", {**data, "places": 2}
    )
    assert response.status_code == 302
    batch = VoteBatch.objects.get()
    response = client.post(reverse("projects:batch_action", args=[batch.pk, "publish"]), {})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CONSULTATION
    response = client.post(reverse("projects:batch_action", args=[batch.pk, "open"]), {})
    # The engine's hand-out page: the ballot box's key shares, shown this once.
    assert response.status_code == 200 and len(response.context["shares"]) == 3
    assert "no-store" in response["Cache-Control"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VOTING and batch.poll.status == PollStatus.OPEN
    page = client.get(reverse("projects:batch", args=[batch.pk])).content.decode()
    assert batch.poll.get_status_display() in page


def test_a_finding_becomes_a_case_from_the_project_page(client, done):
    client.force_login(done.world.staff)
    url = reverse("projects:finding_case", args=[done.finding.pk])
    response = client.post(url, {"category": done.world.cat_a.pk})
    assert response.status_code == 302
    finding = Finding.objects.select_related("case", "filed_as").get(pk=done.finding.pk)
    assert finding.case.status == CaseStatus.ASSIGNED
    # Filed on the inspection's activity, as a case of kind "finding".
    assert finding.filed_as.case == finding.case and finding.case.kind == "finding"
    assert finding.filed_as.activity == finding.inspection.activity
    page = client.get(reverse("projects:project", args=[done.project.pk])).content.decode()
    assert finding.case.serial in page
    # Sent once: a second send is refused and nothing is written.
    response = client.post(url, {"category": done.world.cat_a.pk})
    assert response.status_code == 400
    assert Finding.objects.get(pk=done.finding.pk).filed_as == finding.filed_as


def test_a_project_page_lists_its_inspections_from_activities(client, done):
    client.force_login(done.world.staff)
    page = client.get(reverse("projects:project", args=[done.project.pk])).content.decode()
    filed = done.project.inspections.exclude(findings__isnull=False).get().activity
    assert "路面排水沟未同步建设" in page and filed.findings.get().case.serial in page
    assert reverse("activities:detail", args=[filed.pk]) in page
    for deputy in done.deputies[:2]:
        assert deputy.name in page


def test_the_department_reports_progress_with_a_photo(client, done):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.projects.test_rules import _png

    client.force_login(done.world.handler_a)
    milestone = done.project.milestones.order_by("order").first()
    url = reverse("projects:project_action", args=[done.project.pk, "progress"])
    response = client.post(
        url,
        {
            "milestone": milestone.pk,
            "percent": 120,
            "text": "超额",
        },
    )
    assert response.status_code == 400
    response = client.post(
        url,
        {
            "milestone": milestone.pk,
            "percent": 100,
            "text": "施工完成",
            "spent": "90",
            "photos": [SimpleUploadedFile("a.png", _png(), content_type="image/png")],
        },
    )
    assert response.status_code == 302
    done.project.refresh_from_db()
    assert done.project.progress == 80 and done.project.spent == Decimal("90.00")
    photo = done.project.updates.first().photos.get()
    public = client.get(reverse("projects:photo", args=[photo.pk]))
    assert public.status_code == 200 and public["Content-Type"] == "image/png"


# --- the deputy's ballot --------------------------------------------------------------------


def _cast_on_the_engine(client, poll, answers):  # noqa: ANN001, ANN202
    """A ballot through the engine's voter page: the form, the review, the cast."""
    url = reverse("ballots:ballot", args=[poll.pk])
    data = {f"s{subject}": answer for subject, answer in answers.items()}
    review = client.post(url, {**data, "step": "review"})
    assert review.status_code == 200, review.content.decode()[:2000]
    return client.post(url, {**data, "step": "cast"})


def test_deputies_vote_on_a_batch_through_the_engine_ballot_page_and_it_is_counted(client, year):
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    candidates = list(batch.candidates.select_related("idea__department").order_by("order"))
    deputy = year.deputies[3]
    client.force_login(deputy.user)
    # The deputy's list and the materials page lead to the engine's ballot.
    ballot_url = reverse("ballots:ballot", args=[batch.poll_id])
    assert ballot_url in client.get(reverse("projects:my_votes")).content.decode()
    materials = client.get(reverse("projects:materials", args=[batch.pk])).content.decode()
    assert 'id="to-ballot"' in materials and ballot_url in materials
    # The ballot names each candidate with its description and department.
    page = client.get(ballot_url).content.decode()
    first = candidates[0].idea
    assert first.title in page and first.description[:20] in page
    assert first.department.name in page
    # Every deputy votes over HTTP: the yes votes of BATCH1_YES.
    from tests.fixtures.projects import BATCH1_YES, _ballots

    for voter, marks in zip(year.deputies, _ballots(BATCH1_YES, 15), strict=True):
        client.force_login(voter.user)
        answers = {c.subject_id: m for c, m in zip(candidates, marks, strict=True)}
        cast = _cast_on_the_engine(client, batch.poll, answers)
        assert cast.status_code == 200 and "receipt-code" in cast.content.decode()
    assert SealedBallot.objects.filter(poll=batch.poll).count() == 15
    # Once only: the engine refuses a second ballot; the materials page says "voted".
    client.force_login(deputy.user)
    again = client.post(
        ballot_url, {**{f"s{c.subject_id}": "yes" for c in candidates}, "step": "cast"}
    )
    assert again.status_code == 400 and "receipt-code" not in again.content.decode()
    assert SealedBallot.objects.filter(poll=batch.poll).count() == 15
    materials = client.get(reverse("projects:materials", args=[batch.pk])).content.decode()
    assert 'id="voted"' in materials and 'id="to-ballot"' not in materials
    # A citizen is no elector.
    client.force_login(year.world.citizen)
    assert client.get(ballot_url).status_code == 404
    # The office closes and counts from the batch page.
    client.force_login(staff)
    assert 'id="count"' in client.get(reverse("projects:batch", args=[batch.pk])).content.decode()
    count = reverse("projects:batch_action", args=[batch.pk, "count"])
    assert client.get(count).content.decode().count('type="password"') == 2
    assert client.post(count, {}).status_code == 400  # the key holders' shares are needed
    assert client.post(count, share_fields(batch)).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COUNTED and batch.poll.status == PollStatus.CLOSED
    assert Ballot.objects.filter(poll=batch.poll).count() == 15
    outcomes = list(batch.candidates.order_by("order").values_list("outcome", flat=True))
    assert outcomes == ["selected"] * 9 + ["tied", "tied", "not_selected"]
    assert VoteBatch.objects.filter(further_of=batch, places=1).exists()


def test_a_batch_closed_on_the_engine_poll_page_is_counted_from_the_batch_page(client, year):
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    from tests.fixtures.projects import BATCH1_YES, vote

    vote(batch, year.deputies, BATCH1_YES)
    client.force_login(staff)
    batch_page = reverse("projects:batch", args=[batch.pk])
    assert (
        reverse("ballots:office_poll", args=[batch.poll_id])
        in client.get(batch_page).content.decode()
    )
    close = reverse("ballots:office_close", args=[batch.poll_id])
    assert client.post(close, share_fields(batch)).status_code == 302
    batch.refresh_from_db()
    assert batch.poll.status == PollStatus.CLOSED and batch.status == BatchStatus.VOTING
    page = client.get(batch_page).content.decode()
    assert "Count the result" in page or "统计结果" in page
    assert reverse("ballots:office_paper", args=[batch.poll_id]) not in page
    count = reverse("projects:batch_action", args=[batch.pk, "count"])
    assert client.post(count, {}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COUNTED
    assert batch.candidates.filter(outcome="selected").count() == 9


def test_deputies_rate_the_year_on_the_engine_ballot_page(client, year):
    staff = year.world.staff
    run_votes(year)
    rating = services.create_year_rating(
        congress=year.world.c_a, year=year.y, session=None, acting_user=staff
    )
    services.open_rating(rating, acting_user=staff)
    rating.refresh_from_db()
    deputy = year.deputies[0]
    client.force_login(deputy.user)
    ballot_url = reverse("ballots:ballot", args=[rating.poll_id])
    assert ballot_url in client.get(reverse("projects:my_votes")).content.decode()
    projects = services.rated_projects(year.world.c_a.pk, year.y)
    page = client.get(ballot_url).content.decode()
    assert all(p.title in page for p in projects)
    cast = _cast_on_the_engine(
        client, rating.poll, {p.rating_subject_id: "satisfied" for p in projects}
    )
    assert "receipt-code" in cast.content.decode()
    # Closed on the engine's page, applied from the projects' rating page.
    client.force_login(staff)
    close = reverse("ballots:office_close", args=[rating.poll_id])
    assert client.post(close, share_fields(rating)).status_code == 302
    rating_page = reverse("projects:rating") + f"?congress={year.world.c_a.pk}&year={year.y}"
    assert 'value="close"' in client.get(rating_page).content.decode()
    assert client.post(rating_page, {"step": "close"}).status_code == 302
    rating.refresh_from_db()
    assert rating.applied_at is not None
    assert Project.objects.get(pk=projects[0].pk).rating_counts.get("satisfied") == 1


def test_the_year_rating_hands_out_its_key_shares_and_closes_with_them_on_its_page(client, year):
    staff = year.world.staff
    run_votes(year)
    rating = services.create_year_rating(
        congress=year.world.c_a, year=year.y, session=None, acting_user=staff
    )
    client.force_login(staff)
    rating_page = reverse("projects:rating") + f"?congress={year.world.c_a.pk}&year={year.y}"
    opened = client.post(rating_page, {"step": "open"})
    assert opened.status_code == 200 and len(opened.context["shares"]) == 3
    rating.refresh_from_db()
    projects = services.rated_projects(year.world.c_a.pk, year.y)
    services.cast_rating(
        rating, voter=year.deputies[0].user, choices={p.pk: "basic" for p in projects}
    )
    assert client.get(rating_page).content.decode().count('type="password"') == 2
    assert client.post(rating_page, {"step": "close"}).status_code == 302  # refused: no shares
    rating.refresh_from_db()
    assert rating.applied_at is None and rating.poll.status == PollStatus.OPEN
    closed = client.post(rating_page, {"step": "close", **share_fields(rating)})
    assert closed.status_code == 302
    rating.refresh_from_db()
    assert rating.applied_at is not None
    assert Project.objects.get(pk=projects[0].pk).rating_counts.get("basic") == 1


# --- public pages -----------------------------------------------------------------------------


def test_public_pages_show_progress_vote_and_department(client, done):
    page = client.get(reverse("projects:public_year", args=[done.world.c_a.pk, done.y]))
    text = page.content.decode()
    assert done.project.title in text and done.project.department.name in text
    assert 'value="40"' in text  # 50 % of a milestone weighted 80
    detail = client.get(reverse("projects:public_project", args=[done.project.pk])).content.decode()
    assert "路基完成" in detail and "14" in detail  # 14 deputies voted for it


def test_residents_propose_an_idea_and_the_form_is_rate_limited(client, cases_world, settings):
    settings.RENDA_SUBMIT_LIMIT = 2
    url = reverse("projects:propose", args=[cases_world.c_a.pk])
    data = {
        "title": "增设公交站",
        "description": "东塘村口需要公交站",
        "village": cases_world.village_a.pk,
    }
    for _i in range(2):
        response = client.post(url, data)
        assert response.status_code == 200 and "idea-serial" in response.content.decode()
    assert client.post(url, data).status_code == 429
    assert Idea.objects.filter(source=IdeaSource.RESIDENT).count() == 2


def test_comments_on_the_candidate_list_are_rate_limited(client, year, settings):
    settings.RENDA_SUBMIT_LIMIT = 3
    services.publish_candidates(
        year.batch, acting_user=year.world.staff, until=year.today + dt.timedelta(days=7)
    )
    url = reverse("projects:public_batch", args=[year.batch.pk])
    candidate = year.batch.candidates.first()
    for _i in range(3):
        response = client.post(url, {"text": "建议优先实施", "candidate": candidate.pk})
        assert response.status_code == 302
    # Past the limit the form asks for a captcha, as the other public forms do.
    refused = client.post(url, {"text": "再来一条"})
    assert refused.status_code == 400 and refused.context["captcha"] is not None
    assert 'name="captcha_1"' in refused.content.decode()
    assert Comment.objects.count() == 3
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    assert (
        client.post(url, {"text": "再来一条", "captcha_0": key, "captcha_1": "x"}).status_code
        == 400
    )
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    ok = client.post(url, {"text": "再来一条", "captcha_0": key, "captcha_1": answer})
    assert ok.status_code == 302
    assert Comment.objects.count() == 4
    # A candidate of no batch of this list is refused.
    settings.RENDA_SUBMIT_LIMIT = 100
    assert client.post(url, {"text": "x", "candidate": 999999}).status_code == 400


def test_the_public_batch_page_hides_counts_until_announced(client, year):
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    url = reverse("projects:public_batch", args=[year.batch.pk])
    assert "announcement" not in client.get(url).content.decode()
    draft = services.create_batch(
        session=year.first,
        title="草稿批次",
        places=1,
        ideas=[
            services.screen_idea(
                services.propose_idea(
                    congress=year.world.c_a, title=t, description="d", source="resident"
                ),
                acting_user=staff,
                feasible=True,
                feasibility_note="可行",
                legality_note="合法",
                estimated_funds=10,
                department=year.world.dept_a1,
                planned_start=year.today,
                planned_end=year.today,
            )
            for t in ("甲", "乙")
        ],
        acting_user=staff,
    )
    assert client.get(reverse("projects:public_batch", args=[draft.pk])).status_code == 404


def test_the_opinion_case_page_offers_propose_as_project_idea(client, cases_world):
    opinion = submit(cases_world)
    client.force_login(cases_world.staff)
    page = client.get(reverse("cases:office_case", args=[opinion.case.pk])).content.decode()
    assert reverse("projects:idea_from_case", args=[opinion.case.pk]) in page


def test_each_congress_configures_its_project_rules_in_the_back_office(client, world):
    from renda.projects.models import ProjectRules

    own = ProjectRules.for_congress(world.c_a.pk)
    other = ProjectRules.for_congress(world.c_b.pk)
    client.force_login(world.admin)
    url = reverse("admin:projects_projectrules_change", args=[own.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "vote_base": "present",
            "threshold_num": 1,
            "threshold_den": 2,
            "threshold_strict": "on",
            "rating_base": "cast",
            "survey_enabled": "on",
            "min_group": 5,
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.vote_base == "present"
    other_url = reverse("admin:projects_projectrules_change", args=[other.pk])
    assert client.get(other_url).status_code == 404


def test_deputies_read_the_materials_before_and_hear_when_the_vote_opens(
    client, year, django_capture_on_commit_callbacks
):
    from renda.core.models import Notification

    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    deputy = year.deputies[2]
    client.force_login(deputy.user)
    materials = reverse("projects:materials", args=[year.batch.pk])
    page = client.get(materials).content.decode()
    assert "候选项目基本情况" in page and year.feasible[5].title in page
    assert 'id="to-ballot"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    note = Notification.objects.get(recipient=deputy.user)
    assert note.url == reverse("ballots:ballot", args=[batch.poll_id])
    assert year.feasible[5].title in client.get(note.url).content.decode()
    assert 'id="to-ballot"' in client.get(materials).content.decode()


def test_vote_counts_of_a_poll_below_the_smallest_group_stay_withheld(client, year):
    """The engine withholds details of polls with fewer ballots than its smallest group;
    the public pages follow it (the outcome is still public)."""
    from renda.projects.models import ProjectRules

    rules = ProjectRules.for_congress(year.world.c_a.pk)
    rules.min_group = 20  # more than the fifteen deputies
    rules.save()
    run_votes(year)
    project = Project.objects.filter(year=year.y).order_by("id").first()
    batch_page = client.get(reverse("projects:public_batch", args=[year.batch.pk])).content.decode()
    assert 'id="announcement"' not in batch_page and "入选" in batch_page
    detail = client.get(reverse("projects:public_project", args=[project.pk])).content.decode()
    assert 'id="vote"' not in detail


def test_two_tellers_enter_the_paper_ballots_on_the_engine_page_and_the_vote_is_counted(
    client, year
):
    from django.contrib.auth import get_user_model

    from renda.congress.models import Role, RoleGrant

    staff = year.world.staff
    teller = get_user_model().objects.create_user(username="teller", password="pw-for-tests-1")
    RoleGrant.objects.create(user=teller, role=Role.STAFF, congress=year.world.c_a)
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff, paper=True)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    client.force_login(staff)
    url = reverse("ballots:office_paper", args=[batch.poll_id])
    assert url in client.get(reverse("projects:batch", args=[batch.pk])).content.decode()
    # 15 ballots: the first ten candidates get 15 for, the 11th 0, the 12th 0.
    lines = "\n".join(["1 1 1 1 1 1 1 1 1 1 2 3"] * 15)
    bad = client.post(url, {"number": 1, "lines": "1 1 2\n"})
    assert bad.status_code == 400 and "12" in bad.content.decode()
    assert client.post(url, {"number": 1, "lines": lines}).status_code == 302
    client.force_login(teller)
    mismatch = client.post(url, {"number": 1, "lines": lines.replace("2 3", "3 2", 1)})
    assert mismatch.status_code == 400
    assert client.post(url, {"number": 1, "lines": lines}).status_code == 302
    counts = {"counts": "1", "issued": 15, "returned": 15}
    assert client.post(url, counts).status_code == 302
    response = client.post(
        reverse("projects:batch_action", args=[batch.pk, "count"]), share_fields(batch)
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COUNTED
    assert batch.poll.result["ballots_by_channel"] == {"paper": 15}
    assert (
        list(batch.candidates.order_by("order").values_list("outcome", flat=True))
        == ["selected"] * 10 + ["not_selected"] * 2
    )


def test_a_proposal_sent_twice_is_one_idea(client, cases_world):
    url = reverse("projects:propose", args=[cases_world.c_a.pk])
    data = {"title": "增设公交站", "description": "东塘村口需要公交站", "token": "tok-123"}
    first = client.post(url, data).content.decode()
    second = client.post(url, data).content.decode()
    serial = Idea.objects.get().serial
    assert serial in first and serial in second
