"""Figures for the presidium's annual work report (DOMAIN.md §8: "述职 N deputies, M officials;
民主测评 of X deputies, Y deputy mayors, Z department heads"), from the meetings whose rating
closed in the year. Raw counts; one aggregate query."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from renda.appraisals.models import MeetingStatus, Reporter
from renda.core.grouping import aggregate_by, count_by


def rated(meetings: Any, year: int) -> QuerySet[Reporter]:
    """The reporters rated at the meetings whose rating closed in the year: the records
    `year_figures` and `results` count."""
    return Reporter.objects.filter(
        meeting__in=meetings.filter(
            status__in=[MeetingStatus.CLOSED, MeetingStatus.PUBLISHED], closed_at__year=year
        )
    )


_PEOPLE = {
    "meetings": Count("meeting", distinct=True),
    "deputies": Count("deputy", distinct=True),
    "officials": Count("official", distinct=True),
    "leaders": Count("official", filter=Q(official__department__isnull=True), distinct=True),
    "heads": Count("official", filter=Q(official__department__isnull=False), distinct=True),
}


def year_figures(meetings: Any, year: int) -> dict[str, int]:
    """`meetings` is an already scoped ReviewMeeting queryset. Officials without a department
    are the government's leaders (deputy mayors); with one, heads of offices and stations.
    A person rated twice in the year (a re-review) counts once."""
    return rated(meetings, year).aggregate(**_PEOPLE)


def year_figures_by_congress(meetings: Any, year: int, ids: list[int]) -> dict[int, dict[str, int]]:
    """`year_figures` of each congress's meetings among `meetings`: one query."""
    return aggregate_by(rated(meetings, year), "meeting__congress_id", ids, **_PEOPLE)


def results(meetings: Any, year: int) -> dict[str, int]:
    """The ratings of the year by their frozen result (grade → reporters): one query."""
    return dict(
        rated(meetings, year)
        .exclude(grade="")
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("grade", "n")
    )


def results_by_congress(meetings: Any, year: int, ids: list[int]) -> dict[int, dict[str, int]]:
    """`results` of each congress's meetings among `meetings`: one query."""
    return count_by(rated(meetings, year).exclude(grade=""), "meeting__congress_id", ids, "grade")
