"""`rawjoin.save_new`, the hand-written INSERT of the hot paths (audit entries, cases and
their events, in-app messages, ballots), writes the row `save()` would: the same columns and
values read back, an automatic key set on the instance, `auto_now_add` filled, JSON encoded,
and a constraint's refusal raised as Django's IntegrityError."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from renda.core import audit, rawjoin
from renda.core.models import ActionLog, Notification, SerialCounter, User


def _row(model, pk):  # noqa: ANN001, ANN202
    return model.objects.filter(pk=pk).values().get()


def test_an_audit_entry_is_the_row_save_would_write(db):
    user = User.objects.create_user(username="saver", password=None, name="保存者")
    before = timezone.now()
    kwargs = {
        "actor": user,
        "actor_label": str(user),
        "action": "test.saved",
        "congress_id": None,
        "object_type": "core.user",
        "object_id": str(user.pk),
        "object_repr": "保存者",
        "changes": {"name": [None, "保存者"], "when": dt.date(2026, 12, 6)},
        "note": "备注",
        "ip_address": "10.0.0.1",
    }
    fast = rawjoin.save_new(ActionLog(**kwargs))
    slow = ActionLog(**kwargs)
    slow.save()
    assert fast.pk and fast.pk != slow.pk and not fast._state.adding
    a, b = _row(ActionLog, fast.pk), _row(ActionLog, slow.pk)
    assert before <= a["created_at"] <= timezone.now()
    for row in (a, b):
        row.pop("id"), row.pop("created_at")
    assert a == b
    assert a["changes"] == {"name": [None, "保存者"], "when": "2026-12-06"}


def test_audit_record_returns_the_saved_entry(db):
    entry = audit.record("test.recorded", note="x")
    assert ActionLog.objects.get(pk=entry.pk).action == "test.recorded"


def test_a_notification_keeps_every_field(db):
    user = User.objects.create_user(username="reader", password=None)
    note = rawjoin.save_new(Notification(recipient=user, title="标题", body="正文", url="/x/"))
    stored = Notification.objects.get(pk=note.pk)
    assert model_to_dict(stored) == model_to_dict(note)
    assert stored.created_at == note.created_at and stored.read_at is None


def test_a_refused_row_raises_integrity_error_and_leaves_nothing(db):
    SerialCounter.objects.create(scope="s", year=2026, last=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        rawjoin.save_new(SerialCounter(scope="s", year=2026, last=5))
    assert list(SerialCounter.objects.values_list("last", flat=True)) == [1]
