"""Supervision by the deputies: the annual plan, a project's supervision group, the
inspections and their findings, which become cases on the case engine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import Case, CaseSource, Category
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
    acting_user: Any,
) -> Inspection:
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
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        inspection = Inspection.objects.create(
            project=project, held_on=held_on, place=place, summary=summary, recorded_by=acting_user
        )
        inspection.participants.set(participants)
        Finding.objects.bulk_create([Finding(inspection=inspection, text=t) for t in texts])
        audit.record(
            "project.inspection",
            project,
            actor=acting_user,
            changes={"findings": [None, len(texts)]},
            note=str(held_on),
        )
    return inspection


def finding_to_case(
    finding: Finding, *, category: Category, acting_user: Any, due: dt.date | None = None
) -> Case:
    """The finding becomes a case on the case engine, assigned to the project's department;
    reply and evaluation then follow the engine's usual loop."""
    project = finding.inspection.project
    _require(acting_user, "project.manage", project)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.case_id:
            raise DomainError(_("This finding is already a case."))
        group = SupervisionGroup.objects.filter(project=project).select_related("leader").first()
        case, _code = cases.submit_case(
            congress=project.congress,
            category=category,
            title=(_("Project supervision: %(title)s") % {"title": project.title})[:100],
            content=finding.text,
            source=CaseSource.DEPUTY_VISIT,
            source_deputy=group.leader if group else None,
            entered_by=acting_user,
        )
        cases.assign_case(
            case,
            acting_user=acting_user,
            lead=project.department,
            due=due,
            note=_("Finding of the inspection of %(date)s") % {"date": finding.inspection.held_on},
        )
        case.refresh_from_db()
        finding.case = case
        finding.save(update_fields=["case"])
        audit.record(
            "project.finding_case",
            project,
            actor=acting_user,
            changes={"case": [None, case.serial]},
        )
    return case
