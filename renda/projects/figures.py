"""The programme's figures for a year: single aggregates, rates derived, never stored
(percentages with one decimal, half up: `renda.core.rates`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from renda.activities.models import Finding as ActivityFinding
from renda.core.charts import Chart, chart
from renda.core.rates import percent
from renda.projects.models import (
    BatchStatus,
    Candidate,
    CandidateOutcome,
    Idea,
    IdeaStatus,
    Inspection,
    Project,
    ProjectStatus,
    SupervisionGroup,
    SurveyResponse,
    VoteBatch,
)

CENT = Decimal("0.01")


def year_figures(congress_id: int, year: int) -> dict[str, Any]:
    """Ideas collected by source, screened, candidates, votes, selected, completed (on
    time), budget executed and the year-end ratings — a fixed number of queries."""
    ideas = Idea.objects.filter(congress_id=congress_id, year=year)
    by_source = dict(ideas.values_list("source").annotate(n=Count("id")).order_by())
    idea_counts = ideas.aggregate(
        total=Count("id"),
        excluded=Count("id", filter=Q(status=IdeaStatus.EXCLUDED)),
        screened=Count("id", filter=Q(screened_at__isnull=False)),
    )
    batches = batches_of(congress_id, year)
    batch_counts = batches.aggregate(
        total=Count("id"),
        voted=Count("id", filter=Q(status__in=[BatchStatus.COUNTED, BatchStatus.ANNOUNCED])),
    )
    candidacies = Candidate.objects.filter(batch__congress_id=congress_id, batch__year=year)
    candidate_counts = candidacies.aggregate(
        ideas=Count("idea", distinct=True),
        voted=Count("id", filter=~Q(outcome=CandidateOutcome.PENDING)),
        tied=Count("id", filter=Q(outcome=CandidateOutcome.TIED)),
    )
    projects = projects_of(congress_id, year)
    project_counts = projects.aggregate(
        selected=Count("id"),
        completed=Count("id", filter=Q(status=ProjectStatus.COMPLETED)),
        on_time=Count(
            "id",
            filter=Q(status=ProjectStatus.COMPLETED, completed_on__lte=F("deadline")),
        ),
        terminated=Count("id", filter=Q(status=ProjectStatus.TERMINATED)),
        funds=Sum("funds"),
        spent=Sum("spent"),
    )
    ratings = dict(
        projects.exclude(rating="").values_list("rating").annotate(n=Count("id")).order_by()
    )
    # SQLite sums decimals as floats: back to cents.
    funds = Decimal(project_counts["funds"] or 0).quantize(CENT)
    spent = Decimal(project_counts["spent"] or 0).quantize(CENT)
    return {
        "year": year,
        "ideas": idea_counts["total"],
        "ideas_by_source": by_source,
        "screened": idea_counts["screened"],
        "excluded": idea_counts["excluded"],
        "batches": batch_counts["total"],
        "batches_voted": batch_counts["voted"],
        "candidates": candidate_counts["ideas"],
        "candidacies_voted": candidate_counts["voted"],
        "ties": candidate_counts["tied"],
        "selected": project_counts["selected"],
        "completed": project_counts["completed"],
        "completed_on_time": project_counts["on_time"],
        "terminated": project_counts["terminated"],
        "funds": funds,
        "spent": spent,
        "budget_rate": percent(spent, funds),
        "on_time_rate": percent(project_counts["on_time"], project_counts["selected"]),
        "ratings": ratings,
        "satisfaction_rate": percent(
            ratings.get("satisfied", 0) + ratings.get("basic", 0), sum(ratings.values())
        ),
        "survey_responses": SurveyResponse.objects.filter(
            rating__congress_id=congress_id, rating__year=year
        ).count(),
    }


def charts(figures: dict[str, Any], sources: list[tuple[Any, int]]) -> dict[str, Chart]:
    """The figures page's charts from `year_figures` (ideas by source, year-end ratings)."""
    ratings = figures["ratings"]
    return {
        "sources": chart(
            "hbar",
            _("Ideas by source"),
            sources,
            label=lambda row: row[0],
            series=[(_("Ideas"), lambda row: row[1])],
            key="chart-sources",
        ),
        "ratings": chart(
            "pie",
            _("Year-end ratings"),
            [
                (_("Satisfied"), ratings.get("satisfied") or 0),
                (_("Basically satisfied"), ratings.get("basic") or 0),
                (_("Unsatisfied"), ratings.get("unsatisfied") or 0),
            ],
            label=lambda row: row[0],
            series=[(_("Ratings"), lambda row: row[1])],
            key="chart-ratings",
        ),
    }


def batches_of(congress_id: int, year: int) -> Any:
    """The vote batches of the year (`year_figures`' "batches")."""
    return VoteBatch.objects.filter(congress_id=congress_id, year=year)


def projects_of(congress_id: int, year: int, *, completed: bool = False) -> Any:
    """The projects selected for the year (and of them, those completed)."""
    qs = Project.objects.filter(congress_id=congress_id, year=year)
    return qs.filter(status=ProjectStatus.COMPLETED) if completed else qs


def inspections_of(congress_id: int, year: int) -> Any:
    """The supervision groups' inspections of the year's projects held in the year."""
    return Inspection.objects.filter(project__congress_id=congress_id, held_on__year=year)


def supervision(congress_id: int, year: int) -> dict[str, int]:
    """Supervision of the year: the projects with a supervision group, the inspections held
    and the findings they sent to the departments (each a case) — one query each."""
    return {
        "groups": supervision_groups(congress_id, year).count(),
        "inspections": inspections_of(congress_id, year).count(),
        "findings": supervision_findings(congress_id, year).count(),
    }


def supervision_groups(congress_id: int, year: int) -> Any:
    return SupervisionGroup.objects.filter(project__congress_id=congress_id, project__year=year)


def supervision_findings(congress_id: int, year: int) -> Any:
    """The findings of the year's inspections: each filed on the inspection's activity as a
    case of kind "finding" (the activities mechanism; migration 0004 moved the older ones)."""
    return ActivityFinding.objects.filter(
        activity__project_inspection__project__congress_id=congress_id,
        activity__project_inspection__held_on__year=year,
    )
