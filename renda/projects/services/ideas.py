"""The reserve pool (项目储备库): ideas collected from residents, deputies, departments,
stations and opinion cases, and the government side's screening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import Case, CaseKind, CaseSource
from renda.congress.models import (
    Congress,
    Department,
    Deputy,
    DeputyMembership,
)
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.notify import notify_on_commit
from renda.core.numbering import next_serial
from renda.core.validators import validate_cn_mobile
from renda.projects.models import (
    ExclusionReason,
    Idea,
    IdeaSource,
    IdeaStatus,
)
from renda.projects.services.common import (
    MAX_TEXT,
    MAX_TITLE,
    _department,
    _idea_event,
    _lock_idea,
    _money,
    _move_idea,
    _now,
    _require,
    _staff,
)

SCREENABLE = frozenset(
    {IdeaStatus.POOL, IdeaStatus.SCREENING, IdeaStatus.EXCLUDED, IdeaStatus.FEASIBLE}
)


def propose_idea(
    *,
    congress: Congress,
    title: str,
    description: str,
    source: str,
    acting_user: Any = None,
    village: Region | None = None,
    proposer_name: str = "",
    proposer_phone: str = "",
    source_case: Case | None = None,
    source_reference: str = "",
    source_deputy: Deputy | None = None,
    source_department: Department | None = None,
) -> Idea:
    """Put an idea in the reserve pool. Residents propose on the portal (no account needed,
    source "resident"); the office enters ideas from deputies, departments, stations and
    other channels."""
    if source not in IdeaSource.values:
        raise DomainError(_("Unknown source."))
    if source != IdeaSource.RESIDENT:
        _require(acting_user, "project.manage", congress)
    title = cases.clean_text(title, field=_("The title"), maximum=MAX_TITLE)
    description = cases.clean_text(description, field=_("The description"), maximum=MAX_TEXT)
    proposer_name = cases.clean_text(proposer_name, field=_("The name"), maximum=40, required=False)
    proposer_phone = (proposer_phone or "").strip()
    source_reference = cases.clean_text(
        source_reference, field=_("The source reference"), maximum=100, required=False
    )
    if proposer_phone:
        try:
            validate_cn_mobile(proposer_phone)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    if village is not None:
        in_town = congress.region is not None and village.path.startswith(congress.region.path)
        if village.level != RegionLevel.VILLAGE or not in_town:
            raise DomainError(_("Choose a village or community of this town."))
    if source == IdeaSource.DEPUTY and source_deputy is None:
        raise DomainError(_("Name the deputy who proposed it."))
    if (
        source_deputy is not None
        and not DeputyMembership.objects.filter(congress=congress, deputy=source_deputy).exists()
    ):
        raise DomainError(_("Choose a deputy of this congress."))
    if source == IdeaSource.DEPARTMENT:
        source_department = _department(congress.pk, source_department)
    if source == IdeaSource.OPINION and (
        source_case is None or source_case.congress_id != congress.pk
    ):
        raise DomainError(_("An idea from an opinion needs the opinion case of this congress."))
    if source == IdeaSource.STATION and not source_reference:
        raise DomainError(_("Give the reception the idea comes from."))
    year = timezone.localdate().year
    with transaction.atomic():
        number = next_serial(f"project-idea:{congress.pk}", year)
        idea = Idea.objects.create(
            congress=congress,
            serial=f"XM{year}-{number:04d}",
            year=year,
            title=title,
            description=description,
            village=village,
            source=source,
            source_case=source_case,
            source_reference=source_reference,
            source_deputy=source_deputy,
            source_department=source_department,
            proposer_name=proposer_name,
            proposer_phone=proposer_phone,
            submitted_by=acting_user if getattr(acting_user, "pk", None) else None,
            created_at=_now(),
        )
        _idea_event(idea, "collected", actor=acting_user, note=str(IdeaSource(source).label))
        audit.record(
            "project_idea.collected",
            idea,
            actor=acting_user,
            changes={"status": [None, idea.status]},
        )
        if source == IdeaSource.RESIDENT:
            notify_on_commit(
                _staff(congress.pk),
                _("New project idea %(serial)s") % {"serial": idea.serial},
                title,
            )
    return idea


def idea_from_case(case: Case, *, acting_user: Any, title: str = "") -> Idea:
    """ "Propose as project idea": an opinion case tagged as a livelihood-project idea; the
    idea keeps the link to the case (which goes on being handled as usual)."""
    _require(acting_user, "project.manage", case.congress)
    if case.kind != CaseKind.OPINION:
        raise DomainError(_("Only public opinion cases can be proposed as project ideas."))
    if Idea.objects.filter(source_case=case).exists():
        raise DomainError(_("This case is already in the project pool."))
    # An opinion registered at a station reception counts as a station idea.
    source = IdeaSource.STATION if case.source == CaseSource.STATION else IdeaSource.OPINION
    return propose_idea(
        congress=case.congress,
        title=title or case.title,
        description=case.content,
        source=source,
        acting_user=acting_user,
        village=case.village,
        proposer_name=case.submitter_name,
        proposer_phone=case.submitter_phone,
        source_case=case,
        source_reference=case.serial,
        source_deputy=case.source_deputy,
    )


def start_screening(idea: Idea, *, acting_user: Any) -> Idea:
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        _move_idea(idea, IdeaStatus.SCREENING, actor=acting_user, action="screening")
    return idea


def screen_idea(
    idea: Idea,
    *,
    acting_user: Any,
    feasible: bool,
    feasibility_note: str = "",
    estimated_funds: Any = None,
    department: Department | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    legality_note: str = "",
    exclusion_reason: str = "",
    exclusion_note: str = "",
) -> Idea:
    """The government side's screening: feasible with funds, department, timeline and the
    legality review; or excluded with one of the reasons of DOMAIN.md §5."""
    feasibility_note = cases.clean_text(
        feasibility_note, field=_("The feasibility"), maximum=MAX_TEXT, required=feasible
    )
    legality_note = cases.clean_text(
        legality_note, field=_("The legality review"), maximum=MAX_TEXT, required=feasible
    )
    exclusion_note = cases.clean_text(
        exclusion_note, field=_("The exclusion note"), maximum=MAX_TEXT, required=False
    )
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        if idea.status not in SCREENABLE:
            raise DomainError(
                _("An idea that is “%(current)s” is not screened again.")
                % {"current": IdeaStatus(idea.status).label}
            )
        if idea.status != IdeaStatus.SCREENING:
            _move_idea(idea, IdeaStatus.SCREENING, actor=acting_user, action="screening")
        fields = ["feasibility_note", "legality_note", "screened_at"]
        idea.feasibility_note, idea.legality_note = feasibility_note, legality_note
        idea.screened_at = _now()
        if feasible:
            funds = _money(estimated_funds, field=_("The estimated funds"))
            if not funds:
                raise DomainError(_("Give the estimated funds."))
            idea.department = _department(idea.congress_id, department)
            if planned_start is None or planned_end is None:
                raise DomainError(_("Give the planned start and completion."))
            if planned_end < planned_start:
                raise DomainError(_("The completion cannot be before the start."))
            idea.estimated_funds = funds
            idea.planned_start, idea.planned_end = planned_start, planned_end
            idea.exclusion_reason, idea.exclusion_note = "", ""
            fields += [
                "estimated_funds",
                "department",
                "planned_start",
                "planned_end",
                "exclusion_reason",
                "exclusion_note",
            ]
            _move_idea(
                idea, IdeaStatus.FEASIBLE, actor=acting_user, action="feasible", fields=fields
            )
        else:
            if exclusion_reason not in ExclusionReason.values:
                raise DomainError(_("Choose the reason for excluding the idea."))
            idea.exclusion_reason, idea.exclusion_note = exclusion_reason, exclusion_note
            fields += ["exclusion_reason", "exclusion_note"]
            _move_idea(
                idea,
                IdeaStatus.EXCLUDED,
                actor=acting_user,
                action="excluded",
                fields=fields,
                note=f"{ExclusionReason(exclusion_reason).label} {exclusion_note}".strip(),
            )
    return idea


def withdraw_idea(idea: Idea, *, acting_user: Any, reason: str) -> Idea:
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        _move_idea(idea, IdeaStatus.WITHDRAWN, actor=acting_user, action="withdrawn", note=reason)
    return idea
