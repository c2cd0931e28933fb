"""Bad input for livelihood projects: each refused with a clear error, nothing half-written."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from renda.ballots.models import Ballot, Poll
from renda.core.errors import DomainError
from renda.core.notify import MemorySMSBackend
from renda.projects import services
from renda.projects.models import (
    Candidate,
    IdeaStatus,
    ProgressUpdate,
    Project,
    ProjectChange,
    ProjectRules,
    ProjectStatus,
    SurveyResponse,
    VoteBatch,
)
from tests.fixtures.ballots import shares_of
from tests.fixtures.projects import run_votes, vote
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _english():  # noqa: ANN202
    """Messages are matched in the source language."""
    with translation.override("en"):
        yield


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def underway(year):  # noqa: ANN001, ANN201
    run_votes(year)
    project = Project.objects.filter(year=year.y).order_by("id").first()
    services.set_plan(
        project,
        acting_user=year.world.staff,
        targets="完成",
        milestones=[("施工", 70, project.deadline), ("验收", 30, project.deadline)],
    )
    services.start_project(project, acting_user=year.world.staff)
    project.refresh_from_db()
    year.project = project
    year.milestones = list(project.milestones.order_by("order"))
    return year


# --- batches --------------------------------------------------------------------------------


@pytest.mark.parametrize("places", [12, 13])
def test_a_batch_with_candidates_not_outnumbering_places_is_refused(year, places):
    spare = year.feasible[:3]
    services.void_batch(year.batch, acting_user=year.world.staff, reason="重新安排")
    before = VoteBatch.objects.count()
    with pytest.raises(DomainError, match="more candidates than places"):
        services.create_batch(
            session=year.first,
            title="差额不足",
            places=places,
            ideas=year.feasible,
            acting_user=year.world.staff,
        )
    with pytest.raises(DomainError, match="more candidates than places"):
        services.create_batch(
            session=year.first, title="等额", places=3, ideas=spare, acting_user=year.world.staff
        )
    assert VoteBatch.objects.count() == before
    assert all(
        i.status == IdeaStatus.FEASIBLE
        for i in type(spare[0]).objects.filter(pk__in=[i.pk for i in year.feasible])
    )


def test_only_screened_feasible_ideas_become_candidates(year):
    excluded = [i for i in year.ideas if i.title == "新建镇政府办公楼"][0]
    services.void_batch(year.batch, acting_user=year.world.staff, reason="重排")
    with pytest.raises(DomainError, match="not a screened, feasible idea"):
        services.create_batch(
            session=year.first,
            title="含被排除项目",
            places=2,
            ideas=[*year.feasible[:2], excluded],
            acting_user=year.world.staff,
        )


def test_a_vote_on_a_candidate_not_in_the_batch_is_refused(year):
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    choices = {c.pk: "yes" for c in batch.candidates.all()}
    # A candidate of another congress's or another batch's list: refused before the engine.
    foreign = max(Candidate.objects.values_list("id", flat=True)) + 1000
    with pytest.raises(DomainError, match="not a candidate in this batch"):
        services.cast_vote(batch, voter=year.deputies[0].user, choices={**choices, foreign: "yes"})
    with pytest.raises(DomainError):
        services.cast_vote(
            batch,
            voter=year.deputies[0].user,
            choices={**choices, batch.candidates.first().pk: "maybe"},
        )
    assert Ballot.objects.filter(poll=batch.poll).count() == 0


def test_the_vote_opens_only_after_the_candidates_were_published(year):
    with pytest.raises(DomainError, match="Publish the candidate list"):
        services.open_vote(year.batch, acting_user=year.world.staff)
    assert Poll.objects.count() == 0


def test_a_non_deputy_cannot_vote_and_a_deputy_votes_once(year):
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    choices = {c.pk: "yes" for c in batch.candidates.all()}
    with pytest.raises(DomainError, match="not entitled"):
        services.cast_vote(batch, voter=year.world.citizen, choices=choices)
    services.cast_vote(batch, voter=year.deputies[0].user, choices=choices)
    with pytest.raises(DomainError, match="already voted"):
        services.cast_vote(batch, voter=year.deputies[0].user, choices=choices)


def test_the_rule_is_configurable_per_congress(year):
    """Base 'ballots cast' instead of all deputies: 5 yes of 8 ballots passes."""
    rules = ProjectRules.for_congress(year.world.c_a.pk)
    rules.vote_base = "cast"
    rules.save()
    staff = year.world.staff
    services.publish_candidates(year.batch, acting_user=staff)
    services.open_vote(year.batch, acting_user=staff)
    batch = VoteBatch.objects.get(pk=year.batch.pk)
    vote(batch, year.deputies[:8], [5] * 11 + [4])
    services.count_vote(batch, acting_user=staff, shares=shares_of(batch))
    passed = list(batch.candidates.order_by("order").values_list("passed", flat=True))
    assert passed == [True] * 11 + [False]
    # Eleven tie at 5 for ten places: none is chosen silently, all go to a further vote.
    assert batch.candidates.filter(outcome="tied").count() == 11
    further = VoteBatch.objects.get(further_of=batch)
    assert further.places == 10 and further.candidates.count() == 11


# --- implementation -----------------------------------------------------------------------


def test_progress_above_100_percent_is_refused(underway):
    with pytest.raises(DomainError, match="above 100"):
        services.report_progress(
            underway.project,
            milestone=underway.milestones[0],
            percent=101,
            text="超额",
            acting_user=underway.world.staff,
        )
    assert ProgressUpdate.objects.count() == 0


def test_progress_going_backwards_needs_a_reason(underway):
    staff, m = underway.world.staff, underway.milestones[0]
    services.report_progress(
        underway.project, milestone=m, percent=60, text="施工过半", acting_user=staff
    )
    with pytest.raises(DomainError, match="give the reason"):
        services.report_progress(
            underway.project, milestone=m, percent=40, text="返工", acting_user=staff
        )
    underway.project.refresh_from_db()
    assert underway.project.progress == 42  # 60 % of 70
    services.report_progress(
        underway.project,
        milestone=m,
        percent=40,
        text="返工",
        reason="质量检测不合格，部分返工",
        acting_user=staff,
    )
    underway.project.refresh_from_db()
    assert underway.project.progress == 28
    assert ProgressUpdate.objects.count() == 2


def test_photos_are_checked_by_their_content(underway):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00not an image", content_type="image/jpeg")
    with pytest.raises(DomainError, match="photo.jpg"):
        services.report_progress(
            underway.project,
            milestone=underway.milestones[0],
            percent=10,
            text="开工",
            photos=[fake],
            acting_user=underway.world.staff,
        )
    good = SimpleUploadedFile("site.png", _png(), content_type="image/png")
    update = services.report_progress(
        underway.project,
        milestone=underway.milestones[0],
        percent=10,
        text="开工",
        photos=[good],
        acting_user=underway.world.staff,
    )
    assert update.photos.get().content_type == "image/png"


def test_the_responsible_department_reports_progress_another_does_not(underway):
    project = underway.project
    own = (
        underway.world.handler_a
        if project.department == underway.world.dept_a1
        else underway.world.handler_b
    )
    other = (
        underway.world.handler_b if own == underway.world.handler_a else underway.world.handler_a
    )
    services.report_progress(
        project, milestone=underway.milestones[0], percent=5, text="进场", acting_user=own
    )
    with pytest.raises(DomainError, match="responsible department"):
        services.report_progress(
            project, milestone=underway.milestones[0], percent=6, text="进场", acting_user=other
        )


def test_changing_scope_without_a_session_decision_is_refused(underway):
    project = underway.project
    for session, reference, day in [
        (None, "", None),
        (underway.mid, "", underway.mid.start_date),
        (underway.mid, "决定", None),
    ]:
        with pytest.raises(DomainError, match="session decision"):
            services.change_project(
                project,
                kind="scope",
                acting_user=underway.world.staff,
                decision_session=session,
                decision_reference=reference,
                decision_date=day,
                reason="扩大范围",
                changes={"scope": "扩大到三个村"},
            )
    with pytest.raises(DomainError, match="within the deciding session"):
        services.change_project(
            project,
            kind="suspend",
            acting_user=underway.world.staff,
            decision_session=underway.mid,
            decision_reference="决定",
            decision_date=underway.mid.start_date - dt.timedelta(days=3),
            reason="暂停",
        )
    # Another town's session cannot approve it.
    with pytest.raises(DomainError, match="session of this congress"):
        services.change_project(
            project,
            kind="suspend",
            acting_user=underway.world.staff,
            decision_session=underway.world.session_b,
            decision_reference="决定",
            decision_date=underway.world.session_b.start_date,
            reason="暂停",
        )
    project.refresh_from_db()
    assert project.scope != "扩大到三个村" and project.status == ProjectStatus.IN_PROGRESS
    assert ProjectChange.objects.count() == 0
    # The plan of a project under way cannot be edited around the rule either.
    with pytest.raises(DomainError, match="session decision"):
        services.set_plan(
            project,
            acting_user=underway.world.staff,
            targets="新目标",
            milestones=[("全部", 100, project.deadline)],
        )
    # With the decision, suspension and resumption are recorded.
    services.change_project(
        project,
        kind="suspend",
        acting_user=underway.world.staff,
        decision_session=underway.mid,
        decision_reference="第3次会议决定",
        decision_date=underway.mid.start_date,
        reason="征地未完成",
    )
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUSPENDED


def test_the_plan_weights_must_add_up_to_100(year):
    run_votes(year)
    project = Project.objects.filter(year=year.y).first()
    with pytest.raises(DomainError, match="add up to 90"):
        services.set_plan(
            project,
            acting_user=year.world.staff,
            targets="目标",
            milestones=[("一", 50, project.deadline), ("二", 40, project.deadline)],
        )
    with pytest.raises(DomainError, match="Set the plan"):
        services.start_project(project, acting_user=year.world.staff)


def test_a_project_is_completed_only_at_100_percent(underway):
    with pytest.raises(DomainError, match="every milestone"):
        services.complete_project(underway.project, acting_user=underway.world.staff)


# --- the resident survey ------------------------------------------------------------------


@pytest.fixture
def survey(underway, settings):  # noqa: ANN001, ANN201
    settings.RENDA_SMS_BACKEND = "renda.core.notify.MemorySMSBackend"
    rating = services.create_year_rating(
        congress=underway.world.c_a, year=underway.y, session=None, acting_user=underway.world.staff
    )
    rating = services.set_survey_open(rating, open_=True, acting_user=underway.world.staff)
    underway.rating = rating
    MemorySMSBackend.outbox.clear()
    return underway


def _code(phone: str) -> str:
    sms = [m for m in MemorySMSBackend.outbox if m.phone == phone][-1]
    return re.search(r"\d{6}", sms.text).group()


def test_a_resident_survey_flood_is_refused(survey, client, django_capture_on_commit_callbacks):
    url = reverse("projects:survey", args=[survey.world.c_a.pk, survey.y])
    # Codes to one phone: three, then refused (429); nothing more is sent.
    for _attempt in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"step": "phone", "phone": "13622220000"})
        assert response.status_code == 302
    response = client.post(url, {"step": "phone", "phone": "13622220000"})
    assert response.status_code == 429
    assert len([m for m in MemorySMSBackend.outbox if m.phone == "13622220000"]) == 3
    # Many phones from one address: refused after the address's limit.
    statuses = []
    for i in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            statuses.append(
                client.post(url, {"step": "phone", "phone": f"136333300{i:02d}"}).status_code
            )
    assert 429 in statuses
    assert statuses.count(302) <= 15 - 3


def test_one_survey_response_per_phone(survey, django_capture_on_commit_callbacks):
    projects = services.rated_projects(survey.world.c_a.pk, survey.y)
    answers = {p.pk: "basic" for p in projects}
    with django_capture_on_commit_callbacks(execute=True):
        services.send_survey_code(survey.rating, phone="13644440000")
    with pytest.raises(DomainError, match="wrong or has expired"):
        services.answer_survey(survey.rating, phone="13644440000", code="000000x", answers=answers)
    with pytest.raises(DomainError, match="Rate every project"):
        services.answer_survey(
            survey.rating, phone="13644440000", code=_code("13644440000"), answers={}
        )
    services.answer_survey(
        survey.rating, phone="13644440000", code=_code("13644440000"), answers=answers
    )
    with pytest.raises(DomainError, match="already answered"):
        services.send_survey_code(survey.rating, phone="13644440000")
    assert SurveyResponse.objects.count() == 1
    assert "13644440000" not in str(SurveyResponse.objects.values_list("phone_hash", flat=True)[0])


def test_wrong_codes_are_limited(survey, django_capture_on_commit_callbacks):
    projects = services.rated_projects(survey.world.c_a.pk, survey.y)
    answers = {p.pk: "basic" for p in projects}
    with django_capture_on_commit_callbacks(execute=True):
        services.send_survey_code(survey.rating, phone="13655550000")
    for _attempt in range(5):
        with pytest.raises(DomainError):
            services.answer_survey(
                survey.rating, phone="13655550000", code="999999", answers=answers
            )
    # Even the right code no longer works: the code is spent after five wrong tries.
    with pytest.raises(DomainError, match="wrong or has expired"):
        services.answer_survey(
            survey.rating, phone="13655550000", code=_code("13655550000"), answers=answers
        )


def test_collection_refuses_bad_input(year):
    world = year.world
    with pytest.raises(DomainError, match="title"):
        services.propose_idea(congress=world.c_a, title=" ", description="x", source="resident")
    with pytest.raises(DomainError, match="village"):
        services.propose_idea(
            congress=world.c_a,
            title="t",
            description="d",
            source="resident",
            village=world.village_b,
        )
    with pytest.raises(DomainError, match="Only the presidium office"):
        services.propose_idea(
            congress=world.c_a,
            title="t",
            description="d",
            source="deputy",
            acting_user=world.citizen,
        )
    with pytest.raises(DomainError, match="reception"):
        services.propose_idea(
            congress=world.c_a,
            title="t",
            description="d",
            source="station",
            acting_user=world.staff,
        )
    with pytest.raises(DomainError, match="not screened again"):
        services.screen_idea(year.ideas[0], acting_user=world.staff, feasible=False)
    fresh = services.propose_idea(
        congress=world.c_a, title="新建公园", description="建议新建公园", source="resident"
    )
    with pytest.raises(DomainError, match="estimated funds"):
        services.screen_idea(
            fresh,
            acting_user=world.staff,
            feasible=True,
            feasibility_note="可行",
            legality_note="合法",
            estimated_funds=Decimal("0"),
            department=world.dept_a1,
            planned_start=dt.date(year.y, 1, 1),
            planned_end=dt.date(year.y, 2, 1),
        )
