"""What the sections of the programme's services share: limits, the refusal for a rate
limit, the permission check, input checks, the state moves (through `core.workflow.move`)
with the idea's history, and the row locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.models import (
    Congress,
    Department,
    DeputyMembership,
    Session,
)
from renda.core import workflow
from renda.core.errors import DomainError
from renda.projects.models import (
    BATCH_TRANSITIONS,
    IDEA_TRANSITIONS,
    PROJECT_TRANSITIONS,
    Idea,
    IdeaEvent,
    Project,
    VoteBatch,
)

MAX_TITLE = 100
MAX_TEXT = 5000


def _now() -> dt.datetime:
    return timezone.now()


def _require(user: Any, perm: str, obj: Any) -> None:
    if not policy.can(user, perm, obj):
        raise DomainError(_("Only the presidium office can do this."))


def _money(value: Any, *, field: str, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("%(field)s is required.") % {"field": field})
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(field)s must be a number.") % {"field": field}) from None
    if amount < 0 or amount >= Decimal("10000000000"):
        raise DomainError(_("%(field)s is out of range.") % {"field": field})
    return amount.quantize(Decimal("0.01"))


def _department(congress_id: int, department: Department | None) -> Department:
    if department is None or department.congress_id != congress_id or not department.is_active:
        raise DomainError(_("Choose an active department of this congress."))
    return department


def _session(congress_id: int, session: Session | None) -> Session:
    if session is None or session.term.congress_id != congress_id:
        raise DomainError(_("Choose a session of this congress."))
    return session


def _idea_event(idea: Idea, action: str, *, actor: Any, before: str = "", note: str = "") -> None:
    IdeaEvent.objects.create(
        idea=idea,
        at=_now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=idea.status,
        note=note,
    )


def _move_idea(
    idea: Idea,
    target: str,
    *,
    actor: Any,
    action: str,
    fields: Sequence[str] = (),
    note: str = "",
) -> None:
    before = workflow.move(
        idea,
        target,
        transitions=IDEA_TRANSITIONS,
        action=f"project_idea.{action}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("An idea that is “%(current)s” cannot become “%(target)s”."),
    )
    _idea_event(idea, action, actor=actor, before=before, note=note)


def _move_batch(
    batch: VoteBatch, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        batch,
        target,
        transitions=BATCH_TRANSITIONS,
        action=f"vote_batch.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A batch that is “%(current)s” cannot become “%(target)s”."),
    )


def _move_project(
    project: Project, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        project,
        target,
        transitions=PROJECT_TRANSITIONS,
        action=f"project.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A project that is “%(current)s” cannot become “%(target)s”."),
    )


def _lock_idea(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().get(pk=idea.pk)


def _lock_batch(batch: VoteBatch) -> VoteBatch:
    return VoteBatch.objects.select_for_update().get(pk=batch.pk)


def _lock_project(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _staff(congress_id: int) -> list[Any]:
    from renda.congress.models import Role

    return policy.users_with_role(Role.STAFF, congress_id)


def deputies_of(congress: Congress, day: dt.date | None = None) -> list[DeputyMembership]:
    """The congress's deputies seated on `day`: the electorate of its project votes."""
    return list(
        DeputyMembership.objects.active_on(day)
        .filter(congress=congress)
        .select_related("deputy__user")
        .order_by("deputy__name", "id")
    )
