"""The suggestions' figures as a table (renda.core.exports): every grouping's rows, for a
user and the page's filters, with the case engine's columns (`cases.figures.COLUMNS`, the
page's header row and the sheet)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from renda.cases import figures as case_figures
from renda.cases.models import Case, CaseKind
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.exports import Column, Export, Table, register
from renda.suggestions import figures as suggestion_figures


def _congresses(user: Any) -> Any:
    if policy.is_superuser(user):
        return Congress.objects.filter(is_active=True).order_by("name")
    return Congress.objects.filter(
        pk__in=policy.readable_congress_ids(user, "case.supervise")
    ).order_by("name")


def figure_groups(user: Any, params: QueryDict | dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """The page's totals and rows per grouping, for the user's scope and the page's filter."""
    form = case_figures.FiguresFilter(params or None, congresses=_congresses(user))
    del form.fields["kind"]
    data = form.cleaned_data if form.is_valid() else {}
    qs = case_figures.filtered_cases(
        Case.objects.visible_to(user, "case.supervise").filter(kind=CaseKind.SUGGESTION), data
    )
    total = suggestion_figures.totals(qs)
    groups = {key: suggestion_figures.grouped(qs, key) for key in suggestion_figures.GROUPS}
    return total, groups


def figure_rows(user: Any, params: QueryDict | dict) -> list[dict[str, Any]]:
    total, groups = figure_groups(user, params)
    rows = [{**total, "group": _("Total"), "label": ""}]
    for key, group_rows in groups.items():
        label = suggestion_figures.GROUP_LABELS[key]
        rows.extend({**row, "group": label} for row in group_rows)
    return rows


FIGURES = Table(
    _("Figures of deputies' suggestions"),
    (
        Column(_("Grouping"), "group", 14),
        Column("", "label", 24),
        Column(_("Received"), "received", 10),
        Column(_("Assigned"), "assigned", 10),
        Column(_("Closed"), "closed", 10),
        Column(_("Closure rate"), "closure_rate", 10),
        Column(_("On time"), "on_time_rate", 10),
        Column(_("Met rate"), "met_rate", 10),
        Column(_("Evaluated"), "evaluated", 10),
        Column(_("Satisfaction"), "satisfaction_rate", 10),
        Column("A", "class_a", 6),
        Column("B", "class_b", 6),
        Column("C", "class_c", 6),
        Column("D", "class_d", 6),
        Column(_("Solved rate"), "solved_rate", 10),
        Column(_("Solved or solving"), "solved_or_solving_rate", 10),
    ),
)


def _congress_ids(user: Any, params: QueryDict) -> list[int]:
    ids = sorted(_congresses(user).values_list("pk", flat=True))
    wanted = str(params.get("congress") or "")
    return [int(wanted)] if wanted.isdigit() and int(wanted) in ids else ids


register(
    Export(
        "suggestions.figures",
        FIGURES,
        figure_rows,
        _("Figures of deputies' suggestions"),
        "suggestions.figures_exported",
        _congress_ids,
    )
)
