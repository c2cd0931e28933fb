"""State changes of the congress domain. Each runs in one transaction, locks what it
changes, checks the rules and writes the action log (STYLE.md §1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from renda.congress.models import (
    MEMBERSHIP_TRANSITIONS,
    DeputyMembership,
    MembershipStatus,
    Term,
)
from renda.core import audit, workflow
from renda.core.errors import DomainError


def set_current_term(term: Term, *, acting_user) -> Term:
    """Make `term` the congress's current term; the previous current term stops being so."""
    with transaction.atomic():
        # Lock every term of the congress: two staff switching terms at once serialise here.
        terms = list(Term.objects.select_for_update().filter(congress_id=term.congress_id))
        previous = [t for t in terms if t.is_current and t.pk != term.pk]
        for old in previous:
            old.is_current = False
            old.save(update_fields=["is_current"])
            audit.record(
                "term.current_unset", old, actor=acting_user, changes={"is_current": [True, False]}
            )
        locked = next(t for t in terms if t.pk == term.pk)
        if not locked.is_current:
            locked.is_current = True
            locked.save(update_fields=["is_current"])
            audit.record(
                "term.current_set", locked, actor=acting_user, changes={"is_current": [False, True]}
            )
        term.is_current = True
        return locked


def _refused_end(membership: DeputyMembership, status: str) -> str:
    return _("A membership that is %(current)s cannot become %(new)s.") % {
        "current": MembershipStatus(membership.status).label,
        "new": MembershipStatus(status).label if status in MembershipStatus.values else status,
    }


def end_membership(
    membership: DeputyMembership,
    *,
    status: str,
    on: dt.date,
    reason: str,
    acting_user,
) -> DeputyMembership:
    """A deputy resigns (辞职) or their membership is terminated (终止代表资格)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for ending the membership."))
    with transaction.atomic():
        locked = (
            DeputyMembership.objects.select_for_update()
            .select_related("term")
            .get(pk=membership.pk)
        )
        if not workflow.allowed(locked, status, MEMBERSHIP_TRANSITIONS):
            raise DomainError(_refused_end(locked, status))
        if not locked.term.contains(on) or on < locked.start_date:
            raise DomainError(
                _(
                    "The date must fall between the membership's start (%(start)s) and the end of its term (%(end)s)."
                )
                % {"start": locked.start_date, "end": locked.term.end_date}
            )
        before = audit.snapshot(locked, ["status_date", "status_reason", "end_date"])
        after = {"status_date": on, "status_reason": reason, "end_date": on}
        workflow.move(
            locked,
            status,
            transitions=MEMBERSHIP_TRANSITIONS,
            action=f"membership.{status}",
            actor=acting_user,
            values=after,
            changes=audit.diff(before, after),
            note=reason,
            error=lambda: _refused_end(locked, status),
        )
    return locked


def reveal_deputy_phone(deputy, *, acting_user) -> str:
    """Show a deputy's full phone number to a role that needs it; every reveal is logged."""
    audit.record("deputy.phone_revealed", deputy, actor=acting_user)
    return deputy.phone


def validate_instance(instance) -> None:
    """Run the model's own validation and turn it into a DomainError with its messages."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc


def save_reference(instance: models.Model, *, changes: dict[str, Any], acting_user) -> Any:
    """Create or edit one row of a congress's reference data (a department, a case
    category...) as the back office's forms do: the fields set, the model's own validation
    (its constraints included) as a DomainError, one save and one audit entry
    (`<model>.created` / `<model>.updated` with the changed fields), in one transaction.
    Nothing is deleted: a row leaves use by `is_active = False`."""
    model = type(instance)
    with transaction.atomic():
        creating = instance.pk is None
        if not creating:
            # Two editors of the same row serialise here; each audits what it changed.
            instance = model._default_manager.select_for_update().get(pk=instance.pk)
        before = {} if creating else audit.snapshot(instance)
        for name, value in changes.items():
            setattr(instance, name, value)
        validate_instance(instance)
        instance.save()
        diff = audit.diff(before, audit.snapshot(instance))
        if creating or diff:
            action = "created" if creating else "updated"
            audit.record(
                f"{model._meta.model_name}.{action}", instance, actor=acting_user, changes=diff
            )
    return instance
