"""The demo tells one story (issue 14, item 10): a case's timeline names the due date its
header shows, a project's description is its own, a project's vote is the one its
announcement printed, a search snippet does not repeat itself, and no article passed its
writer's own review."""

from __future__ import annotations

import re

from django.db.models import F, Q
from django.urls import reverse

from renda.cases.models import Case, CaseEvent, ExtensionRequest, FollowUp
from renda.portal.models import Article, SearchDocument
from renda.projects.demo import IDEA_OPINION
from renda.projects.models import BatchStatus, Candidate, Idea, IdeaSource, Project

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DUE = re.compile(r"期限 (\d{4}-\d{2}-\d{2})")  # "交办城乡建设办公室，期限 2026-12-25。"
RECHECK = re.compile(r"应于 (\d{4}-\d{2}-\d{2}) 前复查")


def _last(case: Case, action: str) -> CaseEvent | None:
    return case.events.filter(action=action).order_by("-created_at", "-id").first()


def test_case_timelines_name_the_due_date_of_the_header(demo):
    checked = 0
    extended = ExtensionRequest.objects.values("assignment__case_id")
    for case in Case.objects.filter(congress__in=[demo], due_date__isnull=False, round=1).exclude(
        pk__in=extended
    ):
        assigned = _last(case, "assigned")
        if assigned is None:
            continue
        assert DUE.findall(assigned.note) == [case.due_date.isoformat()], (
            case.serial,
            assigned.note,
            case.due_date,
        )
        checked += 1
    assert checked >= 20


def test_follow_up_notes_name_the_recheck_date(demo):
    follow_ups = FollowUp.objects.filter(case__congress=demo).select_related("case")
    assert follow_ups.exists()
    for follow_up in follow_ups:
        opened = _last(follow_up.case, "follow_up_opened")
        assert RECHECK.findall(opened.note) == [follow_up.recheck_date.isoformat()]


def test_the_public_timeline_shows_the_header_due_date(client, demo):
    """The office page of an aged case: the header's due date is the timeline's."""
    from django.contrib.auth import get_user_model

    case = (
        Case.objects.filter(congress=demo, status="assigned", round=1)
        .exclude(pk__in=ExtensionRequest.objects.values("assignment__case_id"))
        .order_by("submitted_at")
        .first()
    )
    client.force_login(get_user_model().objects.get(username="qh_staff"))
    page = client.get(reverse("cases:office_case", args=[case.pk])).content.decode()
    dates = set(ISO_DATE.findall(page))
    assert case.due_date.isoformat() in dates
    later = {d for d in dates if d > case.due_date.isoformat()}
    assert not later, later  # no other, later "due" date anywhere on the page


def test_opinion_ideas_and_their_projects_carry_their_own_opinion(demo):
    ideas = Idea.objects.filter(congress=demo, source_case__isnull=False).select_related(
        "source_case"
    )
    assert {i.title for i in ideas} == set(IDEA_OPINION)
    for idea in ideas:
        assert idea.source in (IdeaSource.OPINION, IdeaSource.STATION)
        assert idea.source_case.title == IDEA_OPINION[idea.title]
        assert idea.description == idea.source_case.content
    projects = Project.objects.filter(congress=demo).select_related("idea")
    assert projects.count() == 10
    for project in projects:
        assert project.scope == project.idea.description
        # Every own-written description names its project.
        if project.idea.source_case_id is None:
            assert project.title in project.scope
    # The school-gate idea speaks of the school gate, the river idea of the river.
    school = projects.get(title="中心小学门口交通安全设施")
    assert "小学门口" in school.scope and "路灯" not in school.scope
    river = projects.get(title="清河支流清淤护岸")
    assert "河" in river.scope and "小学" not in river.scope


def test_every_vote_a_project_page_prints_is_the_one_its_announcement_printed(client, demo):
    tied_then_selected = 0
    for project in Project.objects.filter(congress=demo):
        page = client.get(reverse("projects:public_project", args=[project.pk])).content.decode()
        votes = Candidate.objects.filter(
            idea_id=project.idea_id, batch__status=BatchStatus.ANNOUNCED
        ).select_related("batch")
        assert votes.exists()
        tied_then_selected += votes.count() > 1
        for candidate in votes:
            yes = f"赞成{candidate.yes}票，反对{candidate.no}票，弃权{candidate.abstain}票"
            assert yes in page, (project.title, yes)
            assert reverse("projects:public_batch", args=[candidate.batch_id]) in page
            announcement = candidate.batch.announcement
            assert f"{project.title}（赞成{candidate.yes}票" in announcement
        # The year page's "N deputies voted for" is the selecting vote, linked to it.
        selected = votes.get(batch=project.batch)
        assert f"{project.title}（赞成{selected.yes}票，反对" in project.batch.announcement
    assert tied_then_selected == 1  # 卫生院发热门诊改造: tied at 38, then selected with 41
    year = Project.objects.filter(congress=demo).first().year
    page = client.get(reverse("projects:public_year", args=[demo.pk, year])).content.decode()
    for project in Project.objects.filter(congress=demo).select_related("batch"):
        yes = Candidate.objects.get(batch=project.batch, idea_id=project.idea_id).yes
        link = reverse("projects:public_batch", args=[project.batch_id])
        assert re.search(rf'href="{link}" class="vote-link">{yes}名代表投赞成票', page), (
            project.title
        )


def test_no_indexed_document_repeats_a_sentence(demo):
    documents = SearchDocument.objects.all()
    assert documents.count() > 30
    for document in documents:
        sentences = [
            s.strip() for s in re.split(r"[。！？\n]", document.text) if len(s.strip()) > 6
        ]
        repeated = {s for s in sentences if sentences.count(s) > 1}
        assert not repeated, (document.title, repeated)


def test_no_demo_article_was_reviewed_or_approved_by_its_writer(demo):
    articles = Article.objects.all()
    assert articles.filter(reviewed_by__isnull=False).count() > 20
    assert not articles.filter(
        Q(reviewed_by=F("created_by")) | Q(approved_by=F("created_by"))
    ).exists()
