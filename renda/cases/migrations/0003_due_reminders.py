# The engine's reminders move to the one due-item reminder of the platform
# (core.DueReminder, renda.core.reminders). Every reminder already sent is carried over with
# its kind, due date and time, so that none is sent twice after the upgrade: a due-soon or
# overdue reminder stays keyed by its assignment; a re-check reminder, recorded on the lead
# assignment until now, is keyed by the case's follow-up, which the job now reminds about.

from contextlib import contextmanager

from django.db import migrations

BATCH = 1000


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
    CaseReminder = apps.get_model("cases", "CaseReminder")
    FollowUp = apps.get_model("cases", "FollowUp")
    DueReminder = apps.get_model("core", "DueReminder")
    follow_up_of_case = dict(FollowUp.objects.values_list("case_id", "pk"))
    rows = []
    for old in CaseReminder.objects.select_related("assignment").order_by("pk").iterator():
        follow_up = follow_up_of_case.get(old.assignment.case_id)
        if old.kind == "recheck" and follow_up is not None:
            key = ("cases.followup", follow_up)
        else:
            key = ("cases.assignment", old.assignment_id)
        rows.append(
            DueReminder(
                object_type=key[0],
                object_id=str(key[1]),
                kind=old.kind,
                due_date=old.due_date,
                sent_at=old.sent_at,
            )
        )
    with _keep_sent_at(DueReminder):
        DueReminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def backward(apps, schema_editor):
    CaseReminder = apps.get_model("cases", "CaseReminder")
    Assignment = apps.get_model("cases", "Assignment")
    FollowUp = apps.get_model("cases", "FollowUp")
    DueReminder = apps.get_model("core", "DueReminder")
    case_of_follow_up = dict(FollowUp.objects.values_list("pk", "case_id"))
    rows = []
    for new in DueReminder.objects.filter(object_type__in=["cases.assignment", "cases.followup"]):
        if new.object_type == "cases.assignment":
            assignment_id = int(new.object_id)
        else:
            lead = (
                Assignment.objects.filter(
                    case_id=case_of_follow_up.get(int(new.object_id)),
                    role__in=["lead", "split"],
                    status="replied",
                )
                .order_by("pk")
                .first()
            )
            if lead is None:
                continue
            assignment_id = lead.pk
        rows.append(
            CaseReminder(
                assignment_id=assignment_id,
                kind=new.kind,
                due_date=new.due_date,
                sent_at=new.sent_at,
            )
        )
    with _keep_sent_at(CaseReminder):
        CaseReminder.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_suggestions_support"),
        ("core", "0004_due_reminder"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(
            name="CaseReminder",
        ),
    ]
