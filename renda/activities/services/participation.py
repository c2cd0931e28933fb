"""The participation event (item 6 of issue 15): one row per deputy and thing taken part
in, whatever the kind of activity. Every activity writes it through `record_participation`;
the deputies' service record reads it through `participations_by_deputy(deputy_ids, year)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


def participations_by_deputy(
    deputy_ids: Iterable[int], year: int, *, congress_id: int | None = None
) -> dict[int, list[Participation]]:
    """Each deputy's participations of a year (in one congress, if given), oldest first.
    One query for any number of deputies."""
    ids = list(deputy_ids)
    rows = Participation.objects.filter(deputy_id__in=ids, on__year=year)
    if congress_id is not None:
        rows = rows.filter(congress_id=congress_id)
    found: dict[int, list[Participation]] = {pk: [] for pk in ids}
    for row in rows.select_related("congress", "activity").order_by("on", "id"):
        found[row.deputy_id].append(row)
    return found


def participations(deputy: Deputy, year: int) -> list[Participation]:
    """A deputy's participations of a year, oldest first (`participations_by_deputy`)."""
    return participations_by_deputy([deputy.pk], year)[deputy.pk]


def absences_by_deputy(
    deputy_ids: Iterable[int], year: int, *, congress_id: int | None = None
) -> dict[int, list[Invitation]]:
    """Each deputy's absences of a year (from the activities of one congress, if given):
    invitations accepted or left unanswered and then not attended (an invitation declined
    in advance is a leave, not an absence). One query for any number of deputies."""
    ids = list(deputy_ids)
    rows = Invitation.objects.filter(
        deputy_id__in=ids, status=InvitationStatus.ABSENT, activity__starts_on__year=year
    )
    if congress_id is not None:
        rows = rows.filter(activity__congress_id=congress_id)
    found: dict[int, list[Invitation]] = {pk: [] for pk in ids}
    for row in rows.select_related("activity").order_by("activity__starts_on", "id"):
        found[row.deputy_id].append(row)
    return found


def absences(deputy: Deputy, year: int) -> list[Invitation]:
    """The deputy's absences of a year (`absences_by_deputy`)."""
    return absences_by_deputy([deputy.pk], year)[deputy.pk]
