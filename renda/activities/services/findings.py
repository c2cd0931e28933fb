"""Findings (问题清单): each filed at once as a case of kind "finding" on the case engine,
assigned to the responsible department with a due date. The engine runs the rest: signing,
reply, the organiser's rating (the organiser is the case's "author", told to the engine in
`apps.py`), re-handling after 不满意, follow-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.activities.models import Activity, ActivityStatus, Finding
from renda.activities.services.common import MAX_TEXT, lock, require
from renda.cases import services as cases
from renda.cases.models import Case, CaseKind, CaseSource, Category, Evaluation
from renda.congress.models import Department
from renda.core import audit
from renda.core.errors import DomainError


def file_finding(
    activity: Activity,
    *,
    text: str,
    department: Department | None,
    category: Category,
    due: dt.date | None = None,
    acting_user: Any,
) -> Finding:
    """One finding, one case, one assignment: all or nothing."""
    text = cases.clean_text(text, field=_("The finding"), maximum=MAX_TEXT)
    if department is None:
        raise DomainError(_("Name the department responsible for this finding."))
    if department.congress_id != activity.congress_id or not department.is_active:
        raise DomainError(_("Choose an active department of this congress."))
    with transaction.atomic():
        activity = lock(activity)
        require(acting_user, "activity.manage", activity)
        if not activity.is_supervision:
            raise DomainError(_("Only inspections, surveys and law checks file findings."))
        if activity.status not in (ActivityStatus.ANNOUNCED, ActivityStatus.HELD):
            raise DomainError(_("Findings are filed while the activity is under way or held."))
        case, _code = cases.submit_case(
            congress=activity.congress,
            category=category,
            kind=CaseKind.FINDING,
            title=(
                _("%(kind)s: %(topic)s")
                % {"kind": activity.get_kind_display(), "topic": activity.topic}
            )[:100],
            content=text,
            source=CaseSource.INSPECTION,
            source_deputy=activity.organiser,
            entered_by=acting_user,
        )
        cases.assign_case(
            case,
            acting_user=acting_user,
            lead=department,
            due=due,
            note=_("Finding of “%(topic)s”") % {"topic": activity.topic},
        )
        case.refresh_from_db()
        assert case.due_date is not None  # noqa: S101  (set by the assignment)
        finding = Finding.objects.create(
            activity=activity,
            text=text,
            department=department,
            due=case.due_date,
            case=case,
        )
        audit.record(
            "activity.finding",
            activity,
            actor=acting_user,
            changes={"case": [None, case.serial], "department": [None, department.pk]},
        )
    return finding


def rate_reply(finding: Finding, *, result: str, comment: str = "", acting_user: Any) -> Evaluation:
    """The organiser rates the department's reply (满意 / 基本满意 close the case, 不满意
    sends it back for re-handling): the engine's rating by one of those who raised it."""
    return cases.evaluate_case(
        finding.case, result=result, comment=comment, acting_user=acting_user, by_public=True
    )


def _finding_of(case: Case) -> Finding | None:
    return Finding.objects.filter(case_id=case.pk).select_related("activity__organiser").first()


def finding_audience(case: Case) -> cases.Audience:
    """Who raised a finding's case: the activity's organiser (rates the reply)."""
    finding = _finding_of(case)
    organiser = finding.activity.organiser if finding is not None else None
    users = [organiser.user] if organiser is not None and organiser.user_id else []
    return users, [], finding_track_url(case)


def finding_track_url(case: Case) -> str:
    finding = Finding.objects.filter(case_id=case.pk).values_list("activity_id", flat=True).first()
    return reverse("activities:page", args=[finding]) if finding else ""
