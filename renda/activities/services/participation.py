"""The participation event (item 6 of issue 15): one row per deputy and thing taken part
in, whatever the kind of activity. Every activity writes it through `record_participation`;
the deputies' service record reads it through `participations(deputy, year)`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from renda.activities.models import Activity, Invitation, InvitationStatus, Participation
from renda.congress.models import Deputy
from renda.core import audit


def record_participation(
    deputy: Deputy,
    target: models.Model,
    *,
    congress_id: int,
    kind: str,
    role: str,
    on: dt.date,
    title: str,
    hours: Decimal | int = 0,
    acting_user: Any = None,
) -> Participation:
    """Record (once) that `deputy` took part in `target` in `role`. Recording the same
    deputy and target again keeps the first row: a second scan or mark credits nothing."""
    target_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        row, created = Participation.objects.get_or_create(
            deputy=deputy,
            target_type=target_type,
            target_id=target.pk,
            defaults={
                "congress_id": congress_id,
                "kind": kind,
                "role": role,
                "on": on,
                "title": title[:200],
                "hours": Decimal(hours),
                "activity": target if isinstance(target, Activity) else None,
            },
        )
        if created:
            audit.record(
                "activity.participation",
                row,
                actor=acting_user,
                changes={"deputy": [None, deputy.pk], "role": [None, role]},
            )
    return row


def participations(deputy: Deputy, year: int) -> models.QuerySet[Participation]:
    """A deputy's participations of a year, oldest first (one query when evaluated)."""
    return (
        Participation.objects.filter(deputy=deputy, on__year=year)
        .select_related("congress", "activity")
        .order_by("on", "id")
    )


def absences(deputy: Deputy, year: int) -> models.QuerySet[Invitation]:
    """The deputy's absences of a year: invitations accepted or left unanswered and then
    not attended (an invitation declined in advance is a leave, not an absence)."""
    return (
        Invitation.objects.filter(
            deputy=deputy, status=InvitationStatus.ABSENT, activity__starts_on__year=year
        )
        .select_related("activity")
        .order_by("activity__starts_on", "id")
    )
