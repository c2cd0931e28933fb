"""The case engine's office list as a table (renda.core.exports): the inbox's rows for a
user and its query string (its filters, within the user's scope), its columns declared once
(the page's header row and the sheet), and its export. Opinions are the inbox filtered by
kind (`?kind=opinion`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from renda.cases import figures
from renda.cases.models import Assignment, Case
from renda.cases.queries import department_assignments, filter_inbox, scoped_inbox, with_list_data
from renda.congress import policy
from renda.congress.models import Congress
from renda.core.exports import Column, Export, Table, register


def _departments(case: Any) -> str:
    # `answering_assignments`: prefetched by `with_list_data`.
    return "、".join(a.department.name for a in case.answering_assignments)


INBOX = Table(
    _("Cases"),
    (
        Column(_("Number"), "serial", 16),
        Column(_("Subject"), "title", 40),
        Column(_("Category"), "category.name", 14),
        Column(_("Village or community"), "village.name", 16),
        Column(_("Department"), _departments, 20),
        Column(_("Status"), "get_status_display", 10),
        Column(_("Due"), "due_date", 12),
    ),
)


def inbox_rows(user: Any, params: QueryDict | dict) -> QuerySet[Case]:
    """The office inbox's rows: the cases the user supervises, filtered as the page is."""
    qs = Case.objects.visible_to(user, "case.supervise")
    # A district office's inbox: its own congress's matters (addressed to it, escalated from
    # the towns), which it handles, apart from the towns' cases, which it only reads.
    scope = str(params.get("scope") or "") if policy.district_town_ids(user) else ""
    qs = scoped_inbox(qs, user, scope)
    return with_list_data(filter_inbox(qs, params)).order_by("due_date", "-submitted_at", "id")


def inbox_congress_ids(user: Any, params: QueryDict | dict) -> list[int]:
    ids = set(policy.readable_congress_ids(user, "case.supervise"))
    wanted = str(params.get("congress") or "")
    if wanted.isdigit() and int(wanted) in ids:
        return [int(wanted)]
    return sorted(ids)


DEPARTMENT_INBOX = Table(
    _("Department inbox"),
    (
        Column(_("Number"), "case.serial", 16),
        Column(_("Subject"), "case.title", 40),
        Column(_("Category"), "case.category.name", 14),
        Column(_("Role"), "get_role_display", 10),
        Column(_("Status"), "get_status_display", 10),
        Column(_("Due"), "due_date", 12),
    ),
)


def department_rows(user: Any, params: QueryDict | dict) -> QuerySet[Assignment]:
    """A department's inbox: its own assignments in the page's view."""
    return department_assignments(policy.department_ids(user), params)


def department_congress_ids(user: Any, params: QueryDict | dict) -> list[int]:
    return sorted(
        set(
            Assignment.objects.filter(department_id__in=policy.department_ids(user))
            .values_list("department__congress_id", flat=True)
            .distinct()
        )
    )


register(
    Export(
        "cases.department_inbox",
        DEPARTMENT_INBOX,
        department_rows,
        _("Department inbox"),
        "cases.department_list_exported",
        department_congress_ids,
    )
)
register(
    Export(
        "cases.inbox",
        INBOX,
        inbox_rows,
        _("Cases"),
        "cases.list_exported",
        inbox_congress_ids,
    )
)


# --- the figures page ---------------------------------------------------------------------------

#: The groupings of the figures page, in its order.
FIGURE_GROUPS = ("category", "department", "village", "source", "month")


def figure_congresses(user: Any) -> QuerySet[Congress]:
    """The congresses whose cases the user supervises: the figures page's scope and its
    congress filter's choices."""
    return Congress.objects.filter(
        pk__in=policy.readable_congress_ids(user, "case.supervise")
    ).order_by("name")


def figure_filter(user: Any, params: QueryDict | dict) -> figures.FiguresFilter:
    return figures.FiguresFilter(params or None, congresses=figure_congresses(user))


def figure_groups(
    user: Any, params: QueryDict | dict
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The page's totals and its rows per grouping (`totals`, `grouped`), for the user's
    scope and the page's filter: one computation for the page and the sheet."""
    form = figure_filter(user, params)
    data = form.cleaned_data if form.is_valid() else {}
    qs = figures.filtered_cases(Case.objects.visible_to(user, "case.supervise"), data)
    return figures.totals(qs), {key: figures.grouped(qs, key) for key in FIGURE_GROUPS}


def figure_rows(user: Any, params: QueryDict | dict) -> list[dict[str, Any]]:
    """The totals, then every grouping's rows, each row naming its grouping."""
    total, groups = figure_groups(user, params)
    rows = [{**total, "group": _("Total"), "label": ""}]
    for key, group_rows in groups.items():
        rows.extend({**row, "group": figures.GROUP_LABELS[key]} for row in group_rows)
    return rows


FIGURES = Table(
    _("Case handling figures"),
    (
        Column(_("Grouping"), "group", 16),
        Column("", "label", 28),
        *(Column(label, key, 10) for key, label in figures.COLUMNS),
    ),
)


def figure_congress_ids(user: Any, params: QueryDict | dict) -> list[int]:
    ids = sorted(figure_congresses(user).values_list("pk", flat=True))
    wanted = str(params.get("congress") or "")
    return [int(wanted)] if wanted.isdigit() and int(wanted) in ids else ids


register(
    Export(
        "cases.figures",
        FIGURES,
        figure_rows,
        _("Case handling figures"),
        "cases.figures_exported",
        figure_congress_ids,
    )
)
