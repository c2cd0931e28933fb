"""The programme's figures for a year: single aggregates, rates derived, never stored
(percentages with one decimal, half up: `renda.core.rates`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from renda.activities.models import Finding as ActivityFinding
from renda.core.charts import Chart, chart
from renda.core.grouping import aggregate_by, count_by
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
    return year_figures_by_congress([congress_id], year)[congress_id]


def year_figures_by_congress(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Each congress's `year_figures`: seven queries for any number of congresses."""
    ideas = Idea.objects.filter(congress_id__in=ids, year=year)
    by_source = count_by(ideas, "congress_id", ids, "source")
    idea_counts = aggregate_by(
        ideas,
        "congress_id",
        ids,
        total=Count("id"),
        excluded=Count("id", filter=Q(status=IdeaStatus.EXCLUDED)),
        screened=Count("id", filter=Q(screened_at__isnull=False)),
    )
    batch_counts = aggregate_by(
        _batches(ids, year),
        "congress_id",
        ids,
        total=Count("id"),
        voted=Count("id", filter=Q(status__in=[BatchStatus.COUNTED, BatchStatus.ANNOUNCED])),
    )
    candidate_counts = aggregate_by(
        Candidate.objects.filter(batch__congress_id__in=ids, batch__year=year),
        "batch__congress_id",
        ids,
        ideas=Count("idea", distinct=True),
        voted=Count("id", filter=~Q(outcome=CandidateOutcome.PENDING)),
        tied=Count("id", filter=Q(outcome=CandidateOutcome.TIED)),
    )
    projects = _projects(ids, year)
    project_counts = aggregate_by(
        projects,
        "congress_id",
        ids,
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
    all_ratings = count_by(projects.exclude(rating=""), "congress_id", ids, "rating")
    responses = aggregate_by(
        SurveyResponse.objects.filter(rating__congress_id__in=ids, rating__year=year),
        "rating__congress_id",
        ids,
        n=Count("id"),
    )
    out = {}
    for pk in ids:
        counts = project_counts[pk]
        ratings = all_ratings[pk]
        # SQLite sums decimals as floats: back to cents.
        funds = Decimal(counts["funds"] or 0).quantize(CENT)
        spent = Decimal(counts["spent"] or 0).quantize(CENT)
        out[pk] = {
            "year": year,
            "ideas": idea_counts[pk]["total"],
            "ideas_by_source": by_source[pk],
            "screened": idea_counts[pk]["screened"],
            "excluded": idea_counts[pk]["excluded"],
            "batches": batch_counts[pk]["total"],
            "batches_voted": batch_counts[pk]["voted"],
            "candidates": candidate_counts[pk]["ideas"],
            "candidacies_voted": candidate_counts[pk]["voted"],
            "ties": candidate_counts[pk]["tied"],
            "selected": counts["selected"],
            "completed": counts["completed"],
            "completed_on_time": counts["on_time"],
            "terminated": counts["terminated"],
            "funds": funds,
            "spent": spent,
            "budget_rate": percent(spent, funds),
            "on_time_rate": percent(counts["on_time"], counts["selected"]),
            "ratings": ratings,
            "satisfaction_rate": percent(
                ratings.get("satisfied", 0) + ratings.get("basic", 0), sum(ratings.values())
            ),
            "survey_responses": responses[pk]["n"],
        }
    return out


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
    return _batches([congress_id], year)


def _batches(ids: list[int], year: int) -> Any:
    return VoteBatch.objects.filter(congress_id__in=ids, year=year)


def projects_of(congress_id: int, year: int, *, completed: bool = False) -> Any:
    """The projects selected for the year (and of them, those completed)."""
    qs = _projects([congress_id], year)
    return qs.filter(status=ProjectStatus.COMPLETED) if completed else qs


def _projects(ids: list[int], year: int) -> Any:
    return Project.objects.filter(congress_id__in=ids, year=year)


def inspections_of(congress_id: int, year: int) -> Any:
    """The supervision groups' inspections of the year's projects held in the year."""
    return _inspections([congress_id], year)


def _inspections(ids: list[int], year: int) -> Any:
    return Inspection.objects.filter(project__congress_id__in=ids, held_on__year=year)


def supervision(congress_id: int, year: int) -> dict[str, int]:
    """Supervision of the year: the projects with a supervision group, the inspections held
    and the findings they sent to the departments (each a case) — one query each."""
    return supervision_by_congress([congress_id], year)[congress_id]


def supervision_by_congress(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's `supervision`: three queries."""
    groups = aggregate_by(_groups(ids, year), "project__congress_id", ids, groups=Count("id"))
    inspections = aggregate_by(
        _inspections(ids, year), "project__congress_id", ids, inspections=Count("id")
    )
    findings = aggregate_by(
        _findings(ids, year),
        "activity__project_inspection__project__congress_id",
        ids,
        findings=Count("id"),
    )
    return {pk: {**groups[pk], **inspections[pk], **findings[pk]} for pk in ids}


def supervision_groups(congress_id: int, year: int) -> Any:
    return _groups([congress_id], year)


def _groups(ids: list[int], year: int) -> Any:
    return SupervisionGroup.objects.filter(project__congress_id__in=ids, project__year=year)


def supervision_findings(congress_id: int, year: int) -> Any:
    """The findings of the year's inspections: each filed on the inspection's activity as a
    case of kind "finding" (the activities mechanism; migration 0004 moved the older ones)."""
    return _findings([congress_id], year)


def _findings(ids: list[int], year: int) -> Any:
    return ActivityFinding.objects.filter(
        activity__project_inspection__project__congress_id__in=ids,
        activity__project_inspection__held_on__year=year,
    )
