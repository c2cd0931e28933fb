"""Livelihood projects voted by deputies (/api/v1/projects): the ideas of the reserve pool,
the vote batches with their result, the projects with their milestones and progress. Read
only; the office screens, votes and records progress on its pages.

Who sees what, as on the pages: ideas are the office's and leaders' (`project.view`; the
proposer masked). Vote batches: the office every batch of its congresses, anyone else the
batches of the congresses they belong to once the candidate list is published; the counts
once counted for the office, once announced for everyone else (the ballot engine withholds
the detail of a poll with fewer ballots than its smallest group). Projects: the office and
the handlers of the responsible department, and everyone belonging to the congress (the
projects are public on the portal). Rows, shares and outcomes of a vote are the ballot
engine's presentation of the frozen result.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from renda.api.common import (
    in_congresses,
    member_congress_ids,
    not_found,
    paginate,
    ref,
    require,
    user_of,
)
from renda.api.rest_polls import ResultOut, result_out
from renda.api.schemas import ErrorOut, PageFilters, Ref
from renda.api.validation import Id, Year
from renda.ballots import services as ballots
from renda.ballots.presentation import summarise
from renda.congress import policy
from renda.projects.models import (
    REPORT,
    BatchStatus,
    Candidate,
    Idea,
    IdeaSource,
    IdeaStatus,
    ProgressUpdate,
    Project,
    ProjectStatus,
    VoteBatch,
)

router = Router(tags=["projects"])

NOT_FOUND = {404: ErrorOut}
# A batch is public from the publication of its candidate list (as its public page).
PUBLIC_BATCH = (
    BatchStatus.CONSULTATION,
    BatchStatus.VOTING,
    BatchStatus.COUNTED,
    BatchStatus.ANNOUNCED,
)
COUNTED = (BatchStatus.COUNTED, BatchStatus.ANNOUNCED)


# --- schemas -------------------------------------------------------------------------------------


class YearFilters(PageFilters):
    congress: Id | None = Field(None, description="Only this congress id.")
    year: Year | None = Field(None, description="Only this year.")


class IdeaFilters(YearFilters):
    status: IdeaStatus | None = Field(None, description="Only ideas in this state.")
    source: IdeaSource | None = Field(None, description="Only ideas from this source.")


class IdeaOut(Schema):
    id: int = Field(description="Idea id.")
    congress: Ref = Field(description="The congress.")
    serial: str = Field(description="Number in the reserve pool.")
    year: int = Field(description="Year collected.")
    title: str = Field(description="Title.")
    description: str = Field(description="Description.")
    village: Ref | None = Field(description="The village or community, if any.")
    source: str = Field(description="resident, opinion, station, deputy, department or other.")
    proposer: str = Field(description="The proposer's name, masked (e.g. 张*明), may be empty.")
    status: str = Field(description="pool, screening, feasible, excluded, candidate, ...")
    status_label: str = Field(description="The state in words, translated.")
    department: Ref | None = Field(description="The department proposed by screening.")
    estimated_funds: str | None = Field(
        description="Estimated funds in yuan, a decimal as text (e.g. 120000.00)."
    )
    exclusion_reason: str = Field(description="Why screening excluded it, empty if not.")
    created_at: dt.datetime = Field(description="When it was collected.")


class IdeaList(Schema):
    count: int = Field(description="Number of ideas matching the filters.")
    items: list[IdeaOut] = Field(description="The requested page, newest first.")


class BatchFilters(YearFilters):
    status: BatchStatus | None = Field(None, description="Only batches in this state.")


class BatchItem(Schema):
    id: int = Field(description="Vote batch id.")
    congress: Ref = Field(description="The congress.")
    session: Ref = Field(description="The session that votes.")
    year: int = Field(description="Project year.")
    number: int = Field(description="Batch number in the year.")
    title: str = Field(description="Title.")
    kind: str = Field(description="regular, micro or further (a further vote on a tie).")
    places: int = Field(description="Places to fill.")
    status: str = Field(description="draft, consultation, voting, counted, announced or void.")
    status_label: str = Field(description="The state in words, translated.")
    poll: int | None = Field(description="The vote's poll id (see /polls), once opened.")
    announced_at: dt.datetime | None = Field(description="When the result was announced.")


class BatchList(Schema):
    count: int = Field(description="Number of batches matching the filters.")
    items: list[BatchItem] = Field(description="The requested page, newest first.")


class CandidateOut(Schema):
    idea: Ref = Field(description="The idea (id and title).")
    order: int = Field(description="Position on the ballot.")
    outcome: str = Field(description="pending, selected, not_selected or tied.")
    outcome_label: str = Field(description="The outcome in words, translated.")


class BatchDetail(BatchItem):
    materials: str = Field(description="Materials for deputies.")
    consultation_until: dt.date | None = Field(description="Comments accepted until.")
    candidates: list[CandidateOut] = Field(description="The candidates, in ballot order.")


class CandidateResult(Schema):
    idea: Ref = Field(description="The idea (id and title).")
    yes: int = Field(description="Votes for.")
    no: int = Field(description="Votes against.")
    abstain: int = Field(description="Abstentions.")
    passed: bool = Field(description="Passed the threshold.")
    rank: int | None = Field(description="Rank among the candidates.")
    outcome: str = Field(description="selected, not_selected or tied.")


class BatchResult(Schema):
    batch: Ref = Field(description="The batch (id and title).")
    status: str = Field(description="counted (the office's view) or announced.")
    export_sha256: str = Field(description="SHA-256 of the poll's canonical ballot export.")
    result: ResultOut = Field(description="The ballot engine's presentation of the result.")
    candidates: list[CandidateResult] = Field(
        description="Each candidate's counts and outcome, by rank (empty when withheld)."
    )


class ProjectFilters(YearFilters):
    status: ProjectStatus | None = Field(None, description="Only projects in this state.")
    department: Id | None = Field(None, description="Only projects of this department id.")


class ProjectItem(Schema):
    id: int = Field(description="Project id.")
    congress: Ref = Field(description="The congress.")
    batch: Ref = Field(description="The vote batch that selected it.")
    year: int = Field(description="Year.")
    title: str = Field(description="Title.")
    department: Ref | None = Field(description="The responsible department.")
    status: str = Field(description="planning, in_progress, suspended, completed or terminated.")
    status_label: str = Field(description="The state in words, translated.")
    progress: int = Field(description="Progress in percent (weighted milestones).")
    deadline: dt.date = Field(description="Deadline.")
    completed_on: dt.date | None = Field(description="Day of completion.")
    funds: str | None = Field(description="Funds in yuan, a decimal as text.")
    spent: str | None = Field(description="Spent so far in yuan, a decimal as text.")
    rating: str = Field(description="Year-end rating code, empty before.")
    rating_label: str = Field(description="Year-end rating in words, translated.")


class ProjectList(Schema):
    count: int = Field(description="Number of projects matching the filters.")
    items: list[ProjectItem] = Field(description="The requested page.")


class MilestoneOut(Schema):
    id: int = Field(description="Milestone id.")
    order: int = Field(description="Position.")
    title: str = Field(description="Title.")
    weight: int = Field(description="Weight in the project's progress.")
    due_date: dt.date = Field(description="Due date.")
    percent: int = Field(description="Done, in percent.")
    done_on: dt.date | None = Field(description="Day it was done.")


class ChangeOut(Schema):
    kind: str = Field(description="What changed.")
    decision_session: Ref | None = Field(description="The session that decided it.")
    decision_reference: str = Field(description="The decision document.")
    decision_date: dt.date = Field(description="Date of the decision.")
    reason: str = Field(description="Reason.")


class ProjectDetail(ProjectItem):
    scope: str = Field(description="Scope of the project.")
    targets: str = Field(description="Targets.")
    milestones: list[MilestoneOut] = Field(description="The plan's milestones, in order.")
    changes: list[ChangeOut] = Field(description="Changes decided by a session.")


class ProgressOut(Schema):
    id: int = Field(description="Progress report id.")
    milestone: Ref = Field(description="The milestone (id and title).")
    percent: int = Field(description="Milestone done after the report, in percent.")
    previous_percent: int = Field(description="Milestone done before, in percent.")
    project_percent: int = Field(description="Project progress after the report, in percent.")
    text: str = Field(description="What was done.")
    reason: str = Field(description="Why the progress went back, if it did.")
    spent: str | None = Field(description="Spent so far as reported, in yuan, a decimal as text.")
    photos: int = Field(description="Number of photos attached.")
    created_at: dt.datetime = Field(description="When it was reported.")


class ProgressList(Schema):
    count: int = Field(description="Number of progress reports.")
    items: list[ProgressOut] = Field(description="The requested page, latest first.")


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


# --- ideas ---------------------------------------------------------------------------------------


def _ideas(request: HttpRequest) -> QuerySet[Idea]:
    user = user_of(request)
    require(user, "project.view", _("Only the presidium office and its leaders can see the ideas."))
    return Idea.objects.visible_to(user, "project.view").select_related(
        "congress", "village", "department"
    )


def _idea_out(i: Idea) -> dict[str, Any]:
    return {
        "id": i.pk,
        "congress": ref(i.congress),
        "serial": i.serial,
        "year": i.year,
        "title": i.title,
        "description": i.description,
        "village": ref(i.village),
        "source": i.source,
        "proposer": i.masked_proposer_name,
        "status": i.status,
        "status_label": str(i.get_status_display()),
        "department": ref(i.department),
        "estimated_funds": _money(i.estimated_funds),
        "exclusion_reason": i.exclusion_reason,
        "created_at": i.created_at,
    }


def _by_year(qs: QuerySet[Any], filters: YearFilters) -> QuerySet[Any]:
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    return qs


@router.get("/ideas", response={200: IdeaList, 403: ErrorOut}, summary="Ideas of the reserve pool")
def list_ideas(request: HttpRequest, filters: Query[IdeaFilters]) -> dict[str, Any]:
    qs = _by_year(_ideas(request), filters)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.source is not None:
        qs = qs.filter(source=filters.source)
    return paginate(qs.order_by("-created_at", "-id"), filters, _idea_out)


@router.get(
    "/ideas/{int:idea_id}",
    response={200: IdeaOut, 403: ErrorOut, 404: ErrorOut},
    summary="One idea",
)
def idea_detail(request: HttpRequest, idea_id: Id) -> dict[str, Any]:
    idea = _ideas(request).filter(pk=idea_id).first()
    if idea is None:
        raise not_found()
    return _idea_out(idea)


# --- vote batches --------------------------------------------------------------------------------


def _batches(user: Any) -> QuerySet[VoteBatch]:
    office = VoteBatch.objects.visible_to(user, "project.view")
    public = in_congresses(
        VoteBatch.objects.filter(status__in=PUBLIC_BATCH), member_congress_ids(user)
    )
    return VoteBatch.objects.filter(
        Q(pk__in=office.values("pk")) | Q(pk__in=public.values("pk"))
    ).select_related("congress", "session__term", "poll")


def _batch_item(b: VoteBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "congress": ref(b.congress),
        "session": {"id": b.session.pk, "name": str(b.session)},
        "year": b.year,
        "number": b.number,
        "title": b.title,
        "kind": b.kind,
        "places": b.places,
        "status": b.status,
        "status_label": str(b.get_status_display()),
        "poll": b.poll_id,
        "announced_at": b.announced_at,
    }


def _batch(request: HttpRequest, batch_id: int) -> VoteBatch:
    batch = _batches(user_of(request)).filter(pk=batch_id).first()
    if batch is None:
        raise not_found()
    return batch


@router.get("/batches", response=BatchList, summary="Vote batches")
def list_batches(request: HttpRequest, filters: Query[BatchFilters]) -> dict[str, Any]:
    qs = _by_year(_batches(user_of(request)), filters)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-year", "-number", "-id"), filters, _batch_item)


@router.get(
    "/batches/{int:batch_id}", response={200: BatchDetail, **NOT_FOUND}, summary="One vote batch"
)
def batch_detail(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    batch = _batch(request, batch_id)
    candidates = batch.candidates.select_related("idea").order_by("order", "id")
    return {
        **_batch_item(batch),
        "materials": batch.materials,
        "consultation_until": batch.consultation_until,
        "candidates": [
            {
                "idea": {"id": c.idea.pk, "name": c.idea.title},
                "order": c.order,
                "outcome": c.outcome,
                "outcome_label": str(c.get_outcome_display()),
            }
            for c in candidates
        ],
    }


@router.get(
    "/batches/{int:batch_id}/result",
    response={200: BatchResult, **NOT_FOUND},
    summary="The result of a batch's vote",
)
def batch_result(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    """The office sees it once counted, everyone else once announced; a 404 until then."""
    user = user_of(request)
    batch = _batch(request, batch_id)
    poll = batch.poll
    summary = None
    if poll is not None and batch.status in COUNTED:
        if policy.can(user, "project.view", batch):
            summary = summarise(poll)
        elif batch.status == BatchStatus.ANNOUNCED:
            shown = ballots.public_result(poll)
            summary = summarise(poll, shown) if shown else None
    if poll is None or summary is None:
        raise HttpError(404, _("This batch has no result to show yet."))
    candidates: list[Candidate] = (
        []
        if summary.suppressed
        else list(batch.candidates.select_related("idea").order_by("rank", "order", "id"))
    )
    return {
        "batch": {"id": batch.pk, "name": batch.title},
        "status": batch.status,
        "export_sha256": poll.export_sha256,
        "result": result_out(summary),
        "candidates": [
            {
                "idea": {"id": c.idea.pk, "name": c.idea.title},
                "yes": c.yes,
                "no": c.no,
                "abstain": c.abstain,
                "passed": c.passed,
                "rank": c.rank,
                "outcome": c.outcome,
            }
            for c in candidates
        ],
    }


# --- projects ------------------------------------------------------------------------------------


def _projects(user: Any) -> QuerySet[Project]:
    office = Project.objects.visible_to(user, REPORT)
    public = in_congresses(Project.objects.all(), member_congress_ids(user))
    return Project.objects.filter(
        Q(pk__in=office.values("pk")) | Q(pk__in=public.values("pk"))
    ).select_related("congress", "batch", "department")


def _project_item(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "congress": ref(p.congress),
        "batch": {"id": p.batch.pk, "name": p.batch.title},
        "year": p.year,
        "title": p.title,
        "department": ref(p.department),
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "progress": p.progress,
        "deadline": p.deadline,
        "completed_on": p.completed_on,
        "funds": _money(p.funds),
        "spent": _money(p.spent),
        "rating": p.rating,
        "rating_label": p.rating_label,
    }


def _project(request: HttpRequest, project_id: int) -> Project:
    project = _projects(user_of(request)).filter(pk=project_id).first()
    if project is None:
        raise not_found()
    return project


@router.get("", response=ProjectList, summary="Livelihood projects")
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> dict[str, Any]:
    qs = _by_year(_projects(user_of(request)), filters)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.department is not None:
        qs = qs.filter(department_id=filters.department)
    return paginate(qs.order_by("-year", "title", "id"), filters, _project_item)


@router.get("/{int:project_id}", response={200: ProjectDetail, **NOT_FOUND}, summary="One project")
def project_detail(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    project = _project(request, project_id)
    changes = project.changes.select_related("decision_session__term").order_by(
        "decision_date", "id"
    )
    return {
        **_project_item(project),
        "scope": project.scope,
        "targets": project.targets,
        "milestones": [
            {
                "id": m.pk,
                "order": m.order,
                "title": m.title,
                "weight": m.weight,
                "due_date": m.due_date,
                "percent": m.percent,
                "done_on": m.done_on,
            }
            for m in project.milestones.order_by("order", "id")
        ],
        "changes": [
            {
                "kind": c.kind,
                "decision_session": (
                    {"id": c.decision_session.pk, "name": str(c.decision_session)}
                    if c.decision_session
                    else None
                ),
                "decision_reference": c.decision_reference,
                "decision_date": c.decision_date,
                "reason": c.reason,
            }
            for c in changes
        ],
    }


@router.get(
    "/{int:project_id}/progress",
    response={200: ProgressList, **NOT_FOUND},
    summary="A project's progress reports",
)
def project_progress(
    request: HttpRequest, project_id: Id, filters: Query[PageFilters]
) -> dict[str, Any]:
    project = _project(request, project_id)
    qs = (
        ProgressUpdate.objects.filter(project=project)
        .select_related("milestone")
        .annotate(photo_count=Count("photos"))
        .order_by("-created_at", "-id")
    )
    return paginate(
        qs,
        filters,
        lambda u: {
            "id": u.pk,
            "milestone": {"id": u.milestone.pk, "name": u.milestone.title},
            "percent": u.percent,
            "previous_percent": u.previous_percent,
            "project_percent": u.project_percent,
            "text": u.text,
            "reason": u.reason,
            "spent": _money(u.spent),
            "photos": u.photo_count,
            "created_at": u.created_at,
        },
    )
