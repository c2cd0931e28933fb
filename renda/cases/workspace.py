"""The case engine's to-dos on the workspace: the office's inbox views and the
departments' (counted with the same definitions their lists filter with)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from renda.cases import queries
from renda.cases.models import CaseSource
from renda.congress import policy
from renda.congress.workspace import DUE_SOON, INFO, OVERDUE, WAITING, Todo

OFFICE_VIEWS = ("overdue", "due_soon", "unassigned", "returned", "replied")
DEPARTMENT_VIEWS = ("overdue", "due_soon", "unsigned", "to_reply")
URGENCY = {"overdue": OVERDUE, "due_soon": DUE_SOON}


def office_url(view: str, **more: str) -> str:
    return f"{reverse('cases:office_inbox')}?{urlencode({'view': view, **more})}"


def department_url(view: str) -> str:
    return f"{reverse('cases:department_inbox')}?{urlencode({'view': view})}"


def office_todos(user: Any, access: Any) -> list[Todo]:
    if not policy.congress_ids(user, "case.supervise"):
        return []
    labels = {
        "overdue": _("Overdue cases"),
        "due_soon": _("Cases due within 3 working days"),
        "unassigned": _("New cases to assign"),
        "returned": _("Cases returned by a department"),
        "replied": _("Replied, awaiting evaluation"),
    }
    if not policy.district_town_ids(user):
        counts = queries.office_counts(user, OFFICE_VIEWS)
        return [
            Todo(
                key=f"cases.{view}",
                area=_("Cases"),
                label=labels[view],
                count=counts[view],
                url=office_url(view),
                urgency=URGENCY.get(view, WAITING),
            )
            for view in OFFICE_VIEWS
        ]
    return _district_todos(user, labels)


def _district_todos(user: Any, labels: dict[str, str]) -> list[Todo]:
    """A district office's to-dos: its own inbox (the district's matters, escalations from
    the towns among them) to act on, and the towns' overdue cases to follow, read-only."""
    own = queries.office_counts(user, OFFICE_VIEWS, scope="own")
    escalated = queries.office_counts(user, ("open",), scope="own", source=CaseSource.ESCALATION)[
        "open"
    ]
    towns = queries.office_counts(user, ("overdue",), scope="towns")["overdue"]
    area = _("District inbox")
    return [
        Todo(
            key="cases.district",
            area=_("Towns of the district"),
            label=_("Towns of the district: figures side by side"),
            count=None,
            url=reverse("cases:district"),
            urgency=INFO,
        ),
        Todo(
            key="cases.towns_overdue",
            area=_("Towns of the district"),
            label=_("The towns' overdue cases (read only)"),
            count=towns,
            url=office_url("overdue", scope="towns"),
            urgency=WAITING,
        ),
        Todo(
            key="cases.escalated",
            area=area,
            label=_("Open matters escalated from the towns"),
            count=escalated,
            url=office_url("open", scope="own", source=CaseSource.ESCALATION),
            urgency=WAITING,
        ),
    ] + [
        Todo(
            key=f"cases.{view}",
            area=area,
            label=labels[view],
            count=own[view],
            url=office_url(view, scope="own"),
            urgency=URGENCY.get(view, WAITING),
        )
        for view in OFFICE_VIEWS
    ]


def department_todos(user: Any, access: Any) -> list[Todo]:
    departments = policy.department_ids(user)
    if not departments:
        return []
    labels = {
        "overdue": _("Overdue assignments"),
        "due_soon": _("Assignments due within 3 working days"),
        "unsigned": _("Cases to sign for"),
        "to_reply": _("Signed for, to reply"),
    }
    counts = queries.department_counts(departments, DEPARTMENT_VIEWS)
    return [
        Todo(
            key=f"department.{view}",
            area=_("Department inbox"),
            label=labels[view],
            count=counts[view],
            url=department_url(view),
            urgency=URGENCY.get(view, WAITING),
        )
        for view in DEPARTMENT_VIEWS
    ]
