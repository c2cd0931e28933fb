"""The livelihood projects' inspections move onto the activities mechanism (issue 15).

Each inspection recorded before becomes an activity of kind "project inspection" and is
linked to it (`Inspection.activity`); the rows themselves stay. Its participants become
attended invitations with their participation events (the organiser: the supervision
group's leader when they took part, otherwise the first participant); its place is the
schedule's site; its summary is the report. A finding already sent as a case becomes the
activity's finding on that case (the case's kind becomes "finding", its source
"inspection"; the department and due date are the case's lead assignment's), and the
project's finding keeps the link (`Finding.filed_as`). With a finding not yet sent the
activity stays "held" (findings can still be filed from the project's page), otherwise it
is "closed" (report filed). Each move is written to the audit log. Nothing is deleted.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

FINDING_DAYS = 90  # when a case has no due date (never assigned): the engine's default 3 months


def _aware(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def forward(apps, schema_editor):
    Inspection = apps.get_model("projects", "Inspection")
    ProjectFinding = apps.get_model("projects", "Finding")
    SupervisionGroup = apps.get_model("projects", "SupervisionGroup")
    Activity = apps.get_model("activities", "Activity")
    ScheduleItem = apps.get_model("activities", "ScheduleItem")
    Invitation = apps.get_model("activities", "Invitation")
    Participation = apps.get_model("activities", "Participation")
    ActivityFinding = apps.get_model("activities", "Finding")
    Case = apps.get_model("cases", "Case")
    Assignment = apps.get_model("cases", "Assignment")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ActionLog = apps.get_model("core", "ActionLog")

    pending = Inspection.objects.filter(activity__isnull=True).select_related("project")
    if not pending.exists():
        return
    activity_type, _created = ContentType.objects.get_or_create(
        app_label="activities", model="activity"
    )
    for inspection in pending.order_by("id"):
        project = inspection.project
        participants = list(inspection.participants.order_by("id"))
        group = SupervisionGroup.objects.filter(project_id=project.pk).first()
        organiser = next((d for d in participants if group and d.pk == group.leader_id), None)
        organiser = organiser or (participants[0] if participants else None)
        findings = list(ProjectFinding.objects.filter(inspection=inspection).order_by("id"))
        unfiled = any(f.case_id is None for f in findings)
        activity = Activity.objects.create(
            congress_id=project.congress_id,
            kind="project",
            topic=project.title[:200],
            organiser=organiser,
            starts_on=inspection.held_on,
            ends_on=inspection.held_on,
            status="held" if unfiled else "closed",
            report_text=inspection.summary,
            created_by_id=inspection.recorded_by_id,
        )
        ScheduleItem.objects.create(
            activity=activity, starts_at=_aware(inspection.held_on), place=inspection.place[:200]
        )
        people = list({d.pk: d for d in ([organiser] if organiser else []) + participants}.values())
        for deputy in people:
            role = "organiser" if organiser and deputy.pk == organiser.pk else "participant"
            Invitation.objects.create(
                activity=activity,
                deputy=deputy,
                role=role,
                status="attended",
                checkin_method="staff",
                checked_in_at=_aware(inspection.held_on),
            )
            Participation.objects.get_or_create(
                deputy=deputy,
                target_type=activity_type,
                target_id=activity.pk,
                defaults={
                    "congress_id": project.congress_id,
                    "kind": "project",
                    "role": role,
                    "on": inspection.held_on,
                    "hours": 0,
                    "title": activity.topic,
                    "activity": activity,
                },
            )
        cases = []
        for finding in findings:
            if finding.case_id is None:
                continue
            case = Case.objects.get(pk=finding.case_id)
            lead = (
                Assignment.objects.filter(case_id=case.pk, role="lead").order_by("-id").first()
            )
            filed = ActivityFinding.objects.create(
                activity=activity,
                text=finding.text,
                department_id=lead.department_id if lead else project.department_id,
                due=case.due_date
                or (lead.due_date if lead else None)
                or inspection.held_on + dt.timedelta(days=FINDING_DAYS),
                case_id=case.pk,
            )
            Case.objects.filter(pk=case.pk).update(kind="finding", source="inspection")
            finding.filed_as_id = filed.pk
            finding.save(update_fields=["filed_as"])
            cases.append(case.serial)
        inspection.activity = activity
        inspection.save(update_fields=["activity"])
        ActionLog.objects.create(
            action="project.inspection_moved",
            congress_id=project.congress_id,
            object_type="projects.project",
            object_id=str(project.pk),
            object_repr=project.title[:200],
            changes={
                "activity": [None, activity.pk],
                "participants": [None, [d.pk for d in people]],
                "cases": [None, cases],
            },
            note="migration projects.0004",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_inspections_on_activities"),
        ("activities", "0003_report_documents_project_inspections"),
        ("cases", "0006_finding_and_deliberation_kinds"),
        ("core", "0006_holiday_source"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
