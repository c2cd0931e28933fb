"""Supervision by the deputies: the annual plan, a project's supervision group, the
inspections and their findings, which become cases on the case engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.activities import services as activities
from renda.activities.models import ActivityKind
from renda.cases import services as cases
from renda.cases.models import Case, Category
from renda.congress.models import (
    Congress,
    Deputy,
    DeputyMembership,
)
from renda.core import audit
from renda.core.errors import DomainError
from renda.projects.models import (
    Finding,
    Inspection,
    Project,
    SupervisionGroup,
    SupervisionPlan,
)
from renda.projects.services.common import (
    MAX_TEXT,
    _lock_project,
    _require,
)


def _congress_deputies(congress_id: int, deputies: Sequence[Deputy]) -> list[Deputy]:
    ids = {d.pk for d in deputies}
    seated = set(
        DeputyMembership.objects.filter(congress_id=congress_id, deputy_id__in=ids).values_list(
            "deputy_id", flat=True
        )
    )
    if ids - seated:
        raise DomainError(_("Choose deputies of this congress."))
    return list(deputies)


def adopt_supervision_plan(
    *,
    congress: Congress,
    year: int,
    text: str,
    projects: Sequence[Project],
    adopted_on: dt.date,
    acting_user: Any,
) -> SupervisionPlan:
    """The presidium's annual supervision plan listing the year's projects."""
    _require(acting_user, "project.manage", congress)
    text = cases.clean_text(text, field=_("The plan"), maximum=20000)
    if not projects or any(p.congress_id != congress.pk or p.year != year for p in projects):
        raise DomainError(_("The plan lists this year's projects of this congress."))
    with transaction.atomic():
        plan, created = SupervisionPlan.objects.select_for_update().get_or_create(
            congress=congress, year=year, defaults={"text": text, "adopted_on": adopted_on}
        )
        if not created:
            plan.text, plan.adopted_on = text, adopted_on
            plan.save(update_fields=["text", "adopted_on"])
        plan.projects.set(projects)
        audit.record(
            "project.supervision_plan",
            plan,
            actor=acting_user,
            changes={"projects": [None, [p.pk for p in projects]]},
        )
    return plan


def set_supervision_group(
    project: Project, *, leader: Deputy, members: Sequence[Deputy], acting_user: Any
) -> SupervisionGroup:
    members = _congress_deputies(project.congress_id, list(dict.fromkeys([leader, *members])))
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        group, _created = SupervisionGroup.objects.update_or_create(
            project=project, defaults={"leader": leader}
        )
        group.members.set(members)
        audit.record(
            "project.supervision_group",
            project,
            actor=acting_user,
            changes={"leader": [None, leader.pk], "members": [None, [m.pk for m in members]]},
        )
    return group


def record_inspection(
    project: Project,
    *,
    held_on: dt.date,
    place: str,
    participants: Sequence[Deputy],
    summary: str,
    findings: Sequence[str] = (),
    category: Category | None = None,
    due: dt.date | None = None,
    acting_user: Any,
) -> Inspection:
    """An inspection of the project, on the activities mechanism: an activity of kind
    "project inspection" (the deputies who inspected each get their participation event),
    each finding filed at once as a case of kind "finding" to the project's department, the
    summary filed as the report. The project keeps the link (`Inspection.activity`)."""
    place = cases.clean_text(place, field=_("The place"), maximum=200)
    summary = cases.clean_text(summary, field=_("The report"), maximum=MAX_TEXT)
    texts = [
        cases.clean_text(f, field=_("The finding"), maximum=MAX_TEXT) for f in findings if f.strip()
    ]
    if not participants:
        raise DomainError(_("Name the deputies who inspected."))
    participants = _congress_deputies(project.congress_id, participants)
    if held_on > timezone.localdate():
        raise DomainError(_("An inspection is recorded after it took place."))
    if texts and category is None:
        raise DomainError(_("Choose the category of the findings."))
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        group = SupervisionGroup.objects.filter(project=project).first()
        ids = [d.pk for d in participants]
        organiser = (
            next(d for d in participants if d.pk == group.leader_id)
            if group is not None and group.leader_id in ids
            else participants[0]
        )
        activity = activities.record_held_activity(
            congress=project.congress,
            kind=ActivityKind.PROJECT_INSPECTION,
            topic=project.title,
            held_on=held_on,
            place=place,
            organiser=organiser,
            participants=participants,
            acting_user=acting_user,
        )
        for text in texts:
            assert category is not None  # noqa: S101  (checked above)
            activities.file_finding(
                activity,
                text=text,
                department=project.department,
                category=category,
                due=due,
                acting_user=acting_user,
            )
        activity = activities.file_report(activity, text=summary, acting_user=acting_user)
        inspection = Inspection.objects.create(
            project=project,
            activity=activity,
            held_on=held_on,
            place=place,
            summary=summary,
            recorded_by=acting_user,
        )
        audit.record(
            "project.inspection",
            project,
            actor=acting_user,
            changes={"activity": [None, activity.pk], "findings": [None, len(texts)]},
            note=str(held_on),
        )
    return inspection


def finding_to_case(
    finding: Finding, *, category: Category, acting_user: Any, due: dt.date | None = None
) -> Case:
    """A finding recorded before the activities mechanism and not yet sent (its inspection
    was linked to an activity by migration 0004): filed now on that activity as a case of
    kind "finding" to the project's department; the engine's loop follows."""
    project = finding.inspection.project
    _require(acting_user, "project.manage", project)
    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("inspection__activity")
            .get(pk=finding.pk)
        )
        if finding.case_id or finding.filed_as_id:
            raise DomainError(_("This finding is already a case."))
        activity = finding.inspection.activity
        if activity is None:
            raise DomainError(_("This inspection is not linked to an activity."))
        filed = activities.file_finding(
            activity,
            text=finding.text,
            department=project.department,
            category=category,
            due=due,
            acting_user=acting_user,
        )
        finding.filed_as, finding.case = filed, filed.case
        finding.save(update_fields=["filed_as", "case"])
        audit.record(
            "project.finding_case",
            project,
            actor=acting_user,
            changes={"case": [None, filed.case.serial]},
        )
    return filed.case
