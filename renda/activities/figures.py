"""The activities' figures of a year and a town (issue 15, item 7), one function each, each
a fixed number of queries whatever the number of activities. The annual report and the
figures page read them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from renda.activities.models import (
    LEARNING_KINDS,
    Activity,
    ActivityKind,
    ActivityRules,
    ActivityStatus,
    BudgetLine,
    MeetingReport,
    MeetingStatus,
    Nomination,
    NominationStatus,
    Participation,
    PresidiumMeeting,
    ReportKind,
    ReviewResult,
)
from renda.activities.services.presidium import Flag, budget_flag
from renda.cases import figures as case_figures
from renda.cases.models import Case
from renda.congress.models import CongressLevel, DeputyMembership
from renda.core.charts import Chart, chart
from renda.core.grouping import aggregate_by, count_by

TOOK_PLACE = (ActivityStatus.HELD, ActivityStatus.CLOSED)


def held(congress_id: int, year: int, kinds: Any = None) -> QuerySet[Activity]:
    """The activities of the year that took place (held or closed), of some kinds: the
    records `activities_held` counts."""
    return _held([congress_id], year, kinds)


def _held(ids: list[int], year: int, kinds: Any = None) -> QuerySet[Activity]:
    qs = Activity.objects.filter(congress_id__in=ids, starts_on__year=year, status__in=TOOK_PLACE)
    return qs if kinds is None else qs.filter(kind__in=list(kinds))


def activities_held(congress_id: int, year: int) -> dict[str, int]:
    """Activities held (or closed) by kind; every kind present, 0 when none."""
    return activities_held_by_congress([congress_id], year)[congress_id]


def activities_held_by_congress(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's `activities_held`: one query."""
    counts = count_by(_held(ids, year), "congress_id", ids, "kind")
    return {pk: {kind: counts[pk].get(kind, 0) for kind in ActivityKind.values} for pk in ids}


def deputies_taking_part(congress_id: int, year: int) -> dict[str, Any]:
    """Distinct deputies with a participation of the year, and by the level of the
    congresses they sit in (a deputy of two levels counts once in each)."""
    ids = set(
        Participation.objects.filter(congress_id=congress_id, on__year=year).values_list(
            "deputy_id", flat=True
        )
    )
    by_level: dict[str, set[int]] = {}
    for deputy_id, level in (
        DeputyMembership.objects.filter(deputy_id__in=ids, term__is_current=True)
        .values_list("deputy_id", "congress__level")
        .distinct()
    ):
        by_level.setdefault(level, set()).add(deputy_id)
    return {
        "total": len(ids),
        "by_level": {level: len(by_level.get(level, ())) for level in CongressLevel.values},
    }


def _handling(cases: Any) -> dict[str, Any]:
    """How the cases stand, by the case engine's own figures (cases.figures.totals: one
    aggregate; its definitions of replied, closed, on time and satisfied, its rates)."""
    row = case_figures.totals(cases)
    return {
        "replied": row["replied"],
        "closed": row["closed"],
        "satisfied": row["satisfied"] + row["basic"],
        "on_time_rate": row["on_time_rate"],
        "closure_rate": row["closure_rate"],
        "satisfaction_rate": row["satisfaction_rate"],
        "received": row["received"],
    }


def finding_cases(congress_id: int, year: int) -> QuerySet[Case]:
    """The cases of the findings of the year's activities (what `findings_handling`
    counts, through the case engine's `counted`)."""
    return _finding_cases([congress_id], year)


#: The congress of a finding's case (`finding_totals_by_congress` groups by it).
FINDING_CONGRESS = "activity_finding__activity__congress_id"


def _finding_cases(ids: list[int], year: int) -> QuerySet[Case]:
    return Case.objects.filter(
        activity_finding__activity__congress_id__in=ids,
        activity_finding__activity__starts_on__year=year,
    )


def finding_totals_by_congress(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """The case engine's totals of each congress's findings of the year: one query."""
    return case_figures.totals_by(_finding_cases(ids, year), FINDING_CONGRESS, ids)


def findings_handling(congress_id: int, year: int) -> dict[str, Any]:
    """Findings filed in the year (each is a case) and how their cases stand."""
    row = _handling(finding_cases(congress_id, year))
    return {"filed": row.pop("received"), **row}


#: The kinds whose sessions `training_hours` counts (普法 campaigns are counted apart).
TRAINING_KINDS = LEARNING_KINDS - {ActivityKind.LEGAL_EDUCATION}


def learning_participations(congress_id: int, year: int) -> QuerySet[Participation]:
    """The attendances of the year's learning activities (with their hours)."""
    return _learning_participations([congress_id], year)


def _learning_participations(ids: list[int], year: int) -> QuerySet[Participation]:
    return Participation.objects.filter(
        congress_id__in=ids, on__year=year, kind__in=[k.value for k in LEARNING_KINDS]
    )


def training_hours(congress_id: int, year: int) -> dict[str, Any]:
    """Trainings, study sessions and exchanges held, attendances and hours credited."""
    return training_hours_by_congress([congress_id], year)[congress_id]


def training_hours_by_congress(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Each congress's `training_hours`: two queries."""
    sessions = aggregate_by(
        _held(ids, year, TRAINING_KINDS), "congress_id", ids, sessions=Count("id")
    )
    rows = aggregate_by(
        _learning_participations(ids, year),
        "congress_id",
        ids,
        attendances=Count("id"),
        hours=Sum("hours"),
        deputies=Count("deputy", distinct=True),
    )
    return {
        pk: {
            "sessions": sessions[pk]["sessions"],
            "attendances": rows[pk]["attendances"],
            "deputies": rows[pk]["deputies"],
            "hours": rows[pk]["hours"] or Decimal(0),
        }
        for pk in ids
    }


def legal_education(congress_id: int, year: int) -> dict[str, int]:
    """普法 campaigns, the sessions they held and the people they reached."""
    row = (
        Activity.objects.filter(
            congress_id=congress_id,
            starts_on__year=year,
            kind=ActivityKind.LEGAL_EDUCATION,
        )
        .exclude(status=ActivityStatus.CANCELLED)
        .aggregate(
            campaigns=Count("id"), sessions=Sum("sessions_held"), people=Sum("people_reached")
        )
    )
    return {
        "campaigns": row["campaigns"],
        "sessions": row["sessions"] or 0,
        "people": row["people"] or 0,
    }


def meetings_held(congress_id: int, year: int) -> QuerySet[PresidiumMeeting]:
    """The presidium meetings of the year that were held (closed)."""
    return _meetings_held([congress_id], year)


def _meetings_held(ids: list[int], year: int) -> QuerySet[PresidiumMeeting]:
    return PresidiumMeeting.objects.filter(
        congress_id__in=ids, held_on__year=year, status=MeetingStatus.CLOSED
    )


def reports_heard(congress_id: int, year: int) -> QuerySet[MeetingReport]:
    """The reports put before the presidium's meetings of the year."""
    return _reports_heard([congress_id], year)


def _reports_heard(ids: list[int], year: int) -> QuerySet[MeetingReport]:
    return MeetingReport.objects.filter(meeting__congress_id__in=ids, meeting__held_on__year=year)


def presidium_meetings(congress_id: int, year: int) -> dict[str, Any]:
    """Presidium meetings held (closed) and the reports heard, by kind."""
    return presidium_meetings_by_congress([congress_id], year)[congress_id]


def presidium_meetings_by_congress(ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Each congress's `presidium_meetings`: two queries."""
    meetings = aggregate_by(_meetings_held(ids, year), "congress_id", ids, held=Count("id"))
    counts = count_by(_reports_heard(ids, year), "meeting__congress_id", ids, "kind")
    return {
        pk: {
            "held": meetings[pk]["held"],
            "reports": {k: counts[pk].get(k, 0) for k in ReportKind.values},
        }
        for pk in ids
    }


def deliberation_opinions(congress_id: int, year: int) -> dict[str, Any]:
    """Deliberation opinions sent (each is a case) and how their cases stand."""
    row = _handling(
        Case.objects.filter(
            deliberation__meeting__congress_id=congress_id,
            deliberation__meeting__held_on__year=year,
        )
    )
    return {"sent": row.pop("received"), **row}


def nominations_decided(congress_id: int, year: int) -> QuerySet[Nomination]:
    """The nominees whose pre-appointment vote was counted at a meeting of the year."""
    return _nominations_decided([congress_id], year)


def _nominations_decided(ids: list[int], year: int) -> QuerySet[Nomination]:
    return Nomination.objects.filter(
        congress_id__in=ids, meeting__held_on__year=year, status=NominationStatus.DECIDED
    )


def nominees_reviewed(congress_id: int, year: int) -> dict[str, int]:
    """Nominees whose vote was counted at a meeting of the year, by result."""
    return nominees_reviewed_by_congress([congress_id], year)[congress_id]


def nominees_reviewed_by_congress(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's `nominees_reviewed`: one query."""
    counts = count_by(_nominations_decided(ids, year), "congress_id", ids, "result")
    return {
        pk: {
            "reviewed": sum(counts[pk].values()),
            "approved": counts[pk].get(ReviewResult.APPROVED, 0),
            "rejected": counts[pk].get(ReviewResult.REJECTED, 0),
        }
        for pk in ids
    }


def year_figures(congress_id: int, year: int) -> dict[str, Any]:
    return {
        "held": activities_held(congress_id, year),
        "deputies": deputies_taking_part(congress_id, year),
        "findings": findings_handling(congress_id, year),
        "training": training_hours(congress_id, year),
        "legal_education": legal_education(congress_id, year),
        "meetings": presidium_meetings(congress_id, year),
        "opinions": deliberation_opinions(congress_id, year),
        "reviews": nominees_reviewed(congress_id, year),
    }


def budget_rows(table: list[tuple[BudgetLine, Flag]]) -> list[dict[str, Any]]:
    """Budget lines with their flags (`services.budget_table`'s pairs) as figure rows."""
    return [
        {
            "label": f"{line.name} {line.year}Q{line.quarter}",
            "name": line.name,
            "year": line.year,
            "quarter": line.quarter,
            "budget": line.budget,
            "executed": line.executed,
            "execution": flag.execution,
            "target": flag.target,
            "of_target": flag.of_target,
            "flag": flag.flag,
        }
        for line, flag in table
    ]


def budget_execution(congress_id: int, year: int) -> dict[str, Any]:
    """The year's budget execution as the presidium heard it: every line of its meetings
    (one query) with its execution against the time-proportional target and its flag
    outside the configured band (`services.budget_flag`, the one flag rule)."""
    rules = ActivityRules.for_congress(congress_id)
    lines = (
        BudgetLine.objects.filter(meeting__congress_id=congress_id, year=year)
        .select_related("meeting")
        .order_by("quarter", "name", "id")
    )
    table = [
        (
            line,
            budget_flag(
                line.budget,
                line.executed,
                line.quarter,
                low=rules.budget_low_percent,
                high=rules.budget_high_percent,
            ),
        )
        for line in lines
    ]
    return {
        "rows": budget_rows(table),
        "low": rules.budget_low_percent,
        "high": rules.budget_high_percent,
    }


def budget_chart(rows: list[dict[str, Any]], low: int, high: int, *, key: str = "") -> Chart:
    """Execution of each line as a share of its time target, the band drawn, the lines
    outside it flagged."""
    return chart(
        "bar",
        _("Budget execution against the time target"),
        rows,
        label="label",
        series=[(_("Of the time target"), "of_target")],
        unit="%",
        band=(low, high),
        flag=lambda row: bool(row["flag"]),
        key=key or "chart-budget",
    )


def charts(figures: dict[str, Any], budget: dict[str, Any]) -> dict[str, Chart]:
    """The figures page's charts from `year_figures` and `budget_execution`."""
    kinds = dict(ActivityKind.choices)
    return {
        "budget": budget_chart(budget["rows"], budget["low"], budget["high"]),
        "held": chart(
            "hbar",
            _("Activities held"),
            list(figures["held"].items()),
            label=lambda row: kinds[row[0]],
            series=[(_("Held"), lambda row: row[1])],
            key="chart-held",
        ),
    }
