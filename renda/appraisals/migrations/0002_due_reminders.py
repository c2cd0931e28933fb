# Rectification reminders move to the one due-item reminder of the platform
# (core.DueReminder, renda.core.reminders). Every reminder already sent is carried over with
# its kind, due date and time, keyed by its rectification, so that none is sent twice after
# the upgrade.

from contextlib import contextmanager

from django.db import migrations

BATCH = 1000
OBJECT_TYPE = "appraisals.rectification"


@contextmanager
def _keep_sent_at(model):
    # `sent_at` is auto_now_add, and the copies must keep the time each reminder was really
    # sent: switched off on the historical model, for this copy only.
    field = model._meta.get_field("sent_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def forward(apps, schema_editor):
    RectificationReminder = apps.get_model("appraisals", "RectificationReminder")
    DueReminder = apps.get_model("core", "DueReminder")
    rows = [
        DueReminder(
            object_type=OBJECT_TYPE,
            object_id=str(old.rectification_id),
            kind=old.kind,
            due_date=old.due_on,
            sent_at=old.sent_at,
        )
        for old in RectificationReminder.objects.order_by("pk").iterator()
    ]
    with _keep_sent_at(DueReminder):
        DueReminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def backward(apps, schema_editor):
    RectificationReminder = apps.get_model("appraisals", "RectificationReminder")
    DueReminder = apps.get_model("core", "DueReminder")
    rows = [
        RectificationReminder(
            rectification_id=int(new.object_id),
            kind=new.kind,
            due_on=new.due_date,
            sent_at=new.sent_at,
        )
        for new in DueReminder.objects.filter(object_type=OBJECT_TYPE)
    ]
    with _keep_sent_at(RectificationReminder):
        RectificationReminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("appraisals", "0001_initial"),
        ("core", "0004_due_reminder"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(
            name="RectificationReminder",
        ),
    ]
