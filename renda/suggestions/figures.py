"""Counts and rates of deputies' suggestions, by year, session, category, department and
deputy. The counting is the case engine's (`renda.cases.figures`: one aggregate per table,
rates derived from the raw counts); this module only adds the suggestion's own groupings.

`case_qs` is a Case queryset of kind "suggestion" (each case reaches its suggestion through
the reverse one-to-one `case.suggestion`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.cases import figures as case_figures
from renda.cases.models import Case
from renda.core.grouping import aggregate_by

GROUP_LABELS = {
    "year": gettext_lazy("By year"),
    "session": gettext_lazy("By session"),
    "category": gettext_lazy("By category"),
    "department": gettext_lazy("By department"),
    "deputy": gettext_lazy("By lead deputy"),
}
GROUPS = tuple(GROUP_LABELS)


def session_label(term_ordinal: int | None, session_ordinal: int | None) -> str:
    """第20届第1次会议, or "between sessions" for a suggestion raised outside a session."""
    if session_ordinal is None:
        return _("Between sessions")
    return _("Term %(term)s, session %(ordinal)s") % {
        "term": term_ordinal,
        "ordinal": session_ordinal,
    }


def totals(case_qs: QuerySet[Case]) -> dict[str, Any]:
    return case_figures.totals(case_qs)


def _rows(rows: Any, label: Any, drop: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows keyed as the case engine's (`id`: what the row is grouped by, the first of
    `drop`; `label`: its name)."""
    out = []
    for row in rows:
        counts = {k: v for k, v in row.items() if k not in drop}
        key = row[drop[0]]
        out.append(case_figures.with_rates({**counts, "id": key, "label": str(label(row))}))
    return out


def grouped(case_qs: QuerySet[Case], key: str) -> list[dict[str, Any]]:
    """Counts and rates per year, session, category, department or lead deputy: one query."""
    if key in ("category", "department"):
        return case_figures.grouped(case_qs, key)
    aggregates = case_figures._aggregates()
    if key == "year":
        rows = case_qs.values("year").annotate(**aggregates).order_by("year")
        return _rows(rows, lambda r: r["year"], ("year",))
    if key == "session":
        # The session's own term (a suggestion's session belongs to its term).
        fields = (
            "suggestion__session_id",
            "suggestion__session__term__ordinal",
            "suggestion__session__ordinal",
        )
        rows = (
            case_qs.values(*fields)
            .annotate(**aggregates)
            .order_by(
                F("suggestion__session__term__ordinal").asc(nulls_last=True),
                F("suggestion__session__ordinal").asc(nulls_last=True),
            )
        )
        return _rows(
            rows,
            lambda r: session_label(
                r["suggestion__session__term__ordinal"], r["suggestion__session__ordinal"]
            ),
            fields,
        )
    if key == "deputy":
        # Grouped by the deputy (two deputies of the same name stay apart), labelled by name.
        deputy_fields = ("suggestion__lead_id", "suggestion__lead__name")
        rows = (
            case_qs.values(*deputy_fields)
            .annotate(**aggregates)
            .order_by("suggestion__lead__name", "suggestion__lead_id")
        )
        return _rows(rows, lambda r: r["suggestion__lead__name"] or "—", deputy_fields)
    raise ValueError(f"unknown grouping {key!r}")


# --- the year's figures of the annual work report ------------------------------------------


def motions(congress_id: int, year: int) -> QuerySet[Any]:
    """The motions (议案) submitted in the year (their case numbered in the year)."""
    return _motions([congress_id], year)


def _motions(ids: list[int], year: int) -> QuerySet[Any]:
    from renda.suggestions.models import Suggestion

    return Suggestion.objects.filter(congress_id__in=ids, is_motion=True, case__year=year)


def meetings_held(congress_id: int, year: int) -> QuerySet[Any]:
    """The assignment meetings (交办会) of the year that were held."""
    return _meetings_held([congress_id], year)


def _meetings_held(ids: list[int], year: int) -> QuerySet[Any]:
    from renda.suggestions.models import AssignmentMeeting, MeetingStatus

    return AssignmentMeeting.objects.filter(
        congress_id__in=ids, held_on__year=year, status=MeetingStatus.HELD
    )


def assigned_at_meetings(congress_id: int, year: int) -> QuerySet[Any]:
    """The suggestions assigned at the year's held assignment meetings (their items)."""
    return _assigned_at_meetings([congress_id], year)


def _assigned_at_meetings(ids: list[int], year: int) -> QuerySet[Any]:
    from renda.suggestions.models import MeetingItem

    return MeetingItem.objects.filter(meeting__in=_meetings_held(ids, year))


def assignment_meetings(congress_id: int, year: int) -> dict[str, int]:
    """Assignment meetings held in the year and the suggestions assigned at them."""
    return assignment_meetings_by_congress([congress_id], year)[congress_id]


def assignment_meetings_by_congress(ids: list[int], year: int) -> dict[int, dict[str, int]]:
    """Each congress's assignment meetings held in the year, the suggestions assigned at
    them and its motions of the year: three queries."""
    held = aggregate_by(_meetings_held(ids, year), "congress_id", ids, held=Count("id"))
    items = aggregate_by(
        _assigned_at_meetings(ids, year), "meeting__congress_id", ids, items=Count("id")
    )
    motions = aggregate_by(_motions(ids, year), "congress_id", ids, motions=Count("id"))
    return {pk: {**held[pk], **items[pk], **motions[pk]} for pk in ids}
