"""Reminders about things that are due: the one mechanism behind every periodic reminder
(a department's reply deadline, a follow-up's re-check date, a rectification report).

An app's periodic job selects what is due now and says how to remind (`send`); this loop
records each reminder as a `DueReminder` (object, kind, due date) and sends it in the same
transaction. A reminder is therefore sent once per object, kind and due date however often
the job runs, on one process or several (the unique row decides); a new due date (an
approved extension, a report sent back) makes it due again. Notifications go out on
commit, so a reminder that fails to record sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from renda.core.models import DueReminder


@dataclass(frozen=True)
class Due:
    """Something due, as a periodic job found it: the object, the kind of reminder and the
    due date it is about."""

    obj: models.Model
    kind: str
    due_date: dt.date


def key_of(obj: models.Model) -> dict[str, Any]:
    """How a reminder names its object (the action log's convention: type label and id)."""
    return {"object_type": obj._meta.label_lower, "object_id": str(obj.pk)}


def was_sent(obj: models.Model, kind: str, due_date: dt.date) -> bool:
    return DueReminder.objects.filter(**key_of(obj), kind=kind, due_date=due_date).exists()


def send_due_reminders(items: Iterable[Due], send: Callable[[Due], Any]) -> Counter[str]:
    """Send each due item's reminder once; returns how many were sent, per kind."""
    sent: Counter[str] = Counter()
    for item in items:
        with transaction.atomic():
            _row, created = DueReminder.objects.get_or_create(
                **key_of(item.obj), kind=item.kind, due_date=item.due_date
            )
            if not created:
                continue
            send(item)
        sent[item.kind] += 1
    return sent
