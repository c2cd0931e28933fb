"""The engine's periodic job: remind departments before a reply is due, alert the office
and the leaders when it is overdue, and remind of a follow-up's re-check date. Each
reminder goes out once per object, kind and due date (`renda.core.reminders`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

from django.utils.translation import gettext as _

from renda.cases.models import (
    ANSWERING_ROLES,
    HANDLING,
    Assignment,
    AssignmentStatus,
    CaseRules,
    FollowUp,
    FollowUpStatus,
    ReminderKind,
)
from renda.cases.services.doors import audience_of
from renda.cases.services.helpers import _event, _handlers, _staff, _today, department_case_url
from renda.congress import policy
from renda.congress.models import Role
from renda.core.notify import notify_on_commit
from renda.core.reminders import Due, send_due_reminders


def _due_assignments(today: dt.date) -> list[Due]:
    """Answering assignments still being handled that are overdue or due within the
    congress's reminder window."""
    pending = (
        Assignment.objects.filter(
            role__in=ANSWERING_ROLES,
            status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED],
            case__status__in=HANDLING,
        )
        .select_related("case__priority_leader", "department")
        .order_by("id")
    )
    rules_by_congress: dict[int, CaseRules] = {}
    due_soon: list[Due] = []
    overdue: list[Due] = []
    for assignment in pending.iterator(chunk_size=500):
        congress_id = assignment.case.congress_id
        if congress_id not in rules_by_congress:
            rules_by_congress[congress_id] = CaseRules.for_congress(congress_id)
        rules = rules_by_congress[congress_id]
        if assignment.due_date < today:
            overdue.append(Due(assignment, ReminderKind.OVERDUE, assignment.due_date))
        elif (assignment.due_date - today).days <= rules.remind_days_before:
            due_soon.append(Due(assignment, ReminderKind.DUE_SOON, assignment.due_date))
    return due_soon + overdue


def _remind_department(item: Due, handlers: dict[int, list[Any]]) -> None:
    assignment: Any = item.obj
    case = assignment.case
    recipients = list(handlers.get(assignment.department_id, []))
    if item.kind == ReminderKind.OVERDUE:
        recipients += _staff(case.congress_id) + policy.users_with_role(
            Role.LEADER, case.congress_id
        )
        if case.priority_leader_id:
            recipients.append(case.priority_leader)
        # Those who raised it hear that it is overdue (in-app; no text message).
        authors, _phones, author_url = audience_of(case)
        notify_on_commit(
            authors,
            _("Your case %(serial)s is overdue; the office has been alerted.")
            % {"serial": case.serial},
            case.title,
            author_url,
        )
        title = _("Overdue: case %(serial)s (%(department)s) was due %(due)s")
    else:
        title = _("Reminder: case %(serial)s (%(department)s) is due %(due)s")
    notify_on_commit(
        recipients,
        title
        % {"serial": case.serial, "department": assignment.department, "due": assignment.due_date},
        case.title,
        department_case_url(case),
    )
    _event(
        case,
        f"reminder_{item.kind}",
        actor=None,
        department=assignment.department,
        from_status=case.status,
        to_status=case.status,
    )


def _due_rechecks(today: dt.date) -> Iterator[tuple[Due, Assignment]]:
    """Follow-ups whose re-check date has come, with the unit that answered."""
    due = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, recheck_date__lte=today
    ).select_related("case")
    for follow_up in due.iterator(chunk_size=200):
        lead = follow_up.case.assignments.filter(
            role__in=ANSWERING_ROLES, status=AssignmentStatus.REPLIED
        ).first()
        if lead is not None:
            yield Due(follow_up, ReminderKind.RECHECK, follow_up.recheck_date), lead


def _remind_recheck(item: Due, lead: Assignment) -> None:
    """Tell the department and the office when a follow-up's re-check date has come."""
    follow_up: Any = item.obj
    case = follow_up.case
    notify_on_commit(
        _handlers([lead.department_id]) + _staff(case.congress_id),
        _("Follow-up of case %(serial)s: re-check due %(date)s")
        % {"serial": case.serial, "date": follow_up.recheck_date},
        case.title,
        department_case_url(case),
    )
    _event(case, "reminder_recheck", actor=None, from_status=case.status, to_status=case.status)


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind departments N days before the due date; escalate overdue cases to the office
    and the leaders; remind of follow-ups' re-check dates. Idempotent: each reminder is sent
    once per assignment (or follow-up), kind and due date."""
    today = today or _today()
    assignments = _due_assignments(today)
    handlers = policy.handlers_by_department(
        {cast(Assignment, item.obj).department_id for item in assignments}
    )
    sent = send_due_reminders(assignments, lambda item: _remind_department(item, handlers))
    rechecks = dict(_due_rechecks(today))
    sent += send_due_reminders(rechecks, lambda item: _remind_recheck(item, rechecks[item]))
    return {kind.value: sent[kind] for kind in ReminderKind}
