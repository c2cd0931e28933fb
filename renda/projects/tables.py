"""The projects office's list and figures as tables (renda.core.exports): each page's rows
for a user and its query string, its columns declared once (the page's header row and the
sheet), and its export."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from renda.ballots.models import SCALE_GRADES, Scale
from renda.congress import policy
from renda.congress.models import Congress, Department
from renda.core.exports import Column, Export, Table, register
from renda.projects.figures import year_figures
from renda.projects.models import (
    Idea,
    IdeaSource,
    IdeaStatus,
    Milestone,
    Project,
    VoteBatch,
    YearRating,
)


def congresses_for(user: Any, perm: str = "project.view") -> list[Congress]:
    if policy.is_superuser(user):
        return list(Congress.objects.filter(is_active=True).order_by("name"))
    return list(
        Congress.objects.filter(pk__in=policy.readable_congress_ids(user, perm)).order_by("name")
    )


def congress_for(user: Any, params: QueryDict | dict) -> Congress:
    """`?congress=` among the congresses the user reads, else the first; none is a 404."""
    congresses = congresses_for(user)
    if not congresses:
        raise Http404
    wanted = str(params.get("congress") or "")
    for congress in congresses:
        if str(congress.pk) == wanted:
            return congress
    return congresses[0]


def year_of(params: QueryDict | dict) -> int:
    value = str(params.get("year") or "")
    return (
        int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year
    )


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    return [congress_for(user, params).pk]


PROJECTS = Table(
    _("Livelihood projects"),
    (
        Column(_("Project"), "title", 36),
        Column(_("Department"), "department.name", 18),
        Column(_("Progress"), "progress", 10),
        Column(_("Funds"), "funds", 12),
        Column(_("Spent"), "spent", 12),
        Column(_("Deadline"), "deadline", 12),
        Column(_("Status"), "get_status_display", 12),
        Column(_("Findings"), "finding_count", 10),
        Column(_("Rating"), lambda p: p.rating_label or "", 12),
    ),
)


def project_rows(user: Any, params: QueryDict | dict) -> QuerySet[Project]:
    return (
        Project.objects.filter(congress=congress_for(user, params), year=year_of(params))
        .select_related("department", "batch")
        .annotate(finding_count=Count("inspections__activity__findings", distinct=True))
        .order_by("batch__number", "id")
    )


IDEAS = Table(
    _("Reserve pool"),
    (
        Column(_("Number"), "serial", 16),
        Column(_("Title"), "title", 36),
        Column(_("Source"), "get_source_display", 14),
        Column(_("Village"), lambda i: i.village.name if i.village_id else "—", 16),
        Column(
            _("Estimated funds"),
            lambda i: i.estimated_funds if i.estimated_funds is not None else "—",
            14,
        ),
        Column(_("Department"), lambda i: i.department.name if i.department_id else "—", 18),
        Column(_("Status"), "get_status_display", 12),
    ),
)


def idea_rows(user: Any, params: QueryDict | dict) -> QuerySet[Idea]:
    """The reserve pool of the page's congress under its status, source and year filters."""
    qs = Idea.objects.filter(congress=congress_for(user, params)).select_related(
        "department", "village"
    )
    status = str(params.get("status") or "")
    if status in IdeaStatus.values:
        qs = qs.filter(status=status)
    source = str(params.get("source") or "")
    if source in IdeaSource.values:
        qs = qs.filter(source=source)
    year = str(params.get("year") or "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    return qs.order_by("-created_at", "-id")


BATCHES = Table(
    _("Vote batches"),
    (
        Column(_("Year"), "year", 8),
        Column(_("Batch"), lambda b: f"{b.title}（{b.get_kind_display()}）", 36),
        Column(_("Session"), "session", 24),
        Column(_("Places"), "places", 8),
        Column(_("Candidates"), "candidate_count", 10),
        Column(_("Status"), "get_status_display", 12),
        Column(_("Poll"), lambda b: b.poll.get_status_display() if b.poll_id else "—", 12),
    ),
)


def batch_rows(user: Any, params: QueryDict | dict) -> QuerySet[VoteBatch]:
    return (
        VoteBatch.objects.filter(congress=congress_for(user, params))
        .select_related("session__term", "poll")
        .annotate(candidate_count=Count("candidates"))
        .order_by("-year", "-number")
    )


FIGURES = Table(
    _("Livelihood project figures"),
    (Column(_("Figure"), lambda row: row[0], 36), Column(_("Value"), lambda row: row[1], 16)),
)


def figure_rows(user: Any, params: QueryDict | dict) -> list[tuple[Any, Any]]:
    """The figures page's numbers (`year_figures`, the same function) as label–value rows."""
    figures = year_figures(congress_for(user, params).pk, year_of(params))
    ratings = figures["ratings"]
    return [
        (_("Ideas collected"), figures["ideas"]),
        (_("Excluded at screening"), figures["excluded"]),
        (_("Candidates"), figures["candidates"]),
        (_("Votes held"), figures["batches_voted"]),
        (_("Selected"), figures["selected"]),
        (_("Completed"), figures["completed"]),
        (_("Completed on time"), figures["completed_on_time"]),
        (_("Funds"), figures["funds"]),
        (_("Spent"), figures["spent"]),
        (_("Satisfaction (incl. basically satisfied)"), figures["satisfaction_rate"]),
        (_("Resident survey responses"), figures["survey_responses"]),
        *((label, figures["ideas_by_source"].get(code, 0)) for code, label in IdeaSource.choices),
        (_("Satisfied"), ratings.get("satisfied") or 0),
        (_("Basically satisfied"), ratings.get("basic") or 0),
        (_("Unsatisfied"), ratings.get("unsatisfied") or 0),
    ]


def _counts(rows: list[tuple[str, int]]) -> str:
    return "，".join(f"{label} {n}" for label, n in rows)


RATING = Table(
    _("Year-end rating"),
    (
        Column(_("Project"), "title", 36),
        Column(_("Department"), "department.name", 18),
        Column(_("Deputies' rating"), lambda p: p.rating_label or "—", 14),
        Column(_("Votes cast"), lambda p: _counts(p.rating_rows) if p.rating else "", 30),
        Column(_("Residents"), lambda p: _counts(p.survey_rows), 30),
    ),
)


def rating_rows(user: Any, params: QueryDict | dict) -> list[Project]:
    """The year-end rating page's projects of the page's congress and year, each with the
    residents' survey answers per grade (`survey_rows`: (grade label, answers))."""
    from renda.projects.services import survey_counts

    congress = congress_for(user, params)
    year = year_of(params)
    current = YearRating.objects.filter(congress=congress, year=year).first()
    survey = survey_counts(current) if current else {}
    grades = SCALE_GRADES[Scale.SATISFACTION]
    projects = list(
        Project.objects.filter(congress=congress, year=year)
        .select_related("department")
        .order_by("batch__number", "id")
    )
    for project in projects:
        answers = survey.get(project.pk, {})
        project.survey_rows = [  # type: ignore[attr-defined]
            (str(label), answers.get(code, 0)) for code, label in grades
        ]
    return projects


DEPARTMENT_PROJECTS = Table(
    _("Our livelihood projects"),
    (
        Column(_("Year"), "year", 8),
        Column(_("Project"), "title", 36),
        Column(_("Progress"), "progress", 10),
        Column(
            _("Milestones"),
            lambda p: "；".join(f"{m.title} {m.percent}%" for m in p.milestones.all()),
            40,
        ),
        Column(_("Deadline"), "deadline", 12),
        Column(_("Status"), "get_status_display", 12),
    ),
)


def department_project_rows(user: Any, params: QueryDict | dict) -> QuerySet[Project]:
    """The projects of the user's departments (the responsible department's page)."""
    return (
        Project.objects.filter(department_id__in=policy.department_ids(user))
        .select_related("department", "congress")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("order")))
        .order_by("-year", "id")
    )


def _department_congress_ids(user: Any, params: QueryDict) -> list[int]:
    return sorted(
        set(
            Department.objects.filter(pk__in=policy.department_ids(user)).values_list(
                "congress_id", flat=True
            )
        )
    )


register(
    Export(
        "projects.rating",
        RATING,
        rating_rows,
        _("Year-end rating"),
        "projects.rating_exported",
        _congress_ids,
    )
)
register(
    Export(
        "projects.department",
        DEPARTMENT_PROJECTS,
        department_project_rows,
        _("Our livelihood projects"),
        "projects.department_list_exported",
        _department_congress_ids,
    )
)
register(
    Export(
        "projects.list",
        PROJECTS,
        project_rows,
        _("Livelihood projects"),
        "projects.list_exported",
        _congress_ids,
    )
)
register(
    Export(
        "projects.figures",
        FIGURES,
        figure_rows,
        _("Livelihood project figures"),
        "projects.figures_exported",
        _congress_ids,
    )
)
register(
    Export(
        "projects.ideas",
        IDEAS,
        idea_rows,
        _("Reserve pool"),
        "projects.ideas_exported",
        _congress_ids,
    )
)
register(
    Export(
        "projects.batches",
        BATCHES,
        batch_rows,
        _("Vote batches"),
        "projects.batches_exported",
        _congress_ids,
    )
)
