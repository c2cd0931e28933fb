"""Migration projects.0004: the inspections recorded before the activities mechanism become
activities of kind "project inspection", linked, with their participants' participation
events and their findings on the same cases (now of kind "finding"); the old rows stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from renda.activities.models import ActivityKind, ActivityStatus, InvitationStatus, Participation
from renda.cases import services as cases
from renda.cases.models import CaseKind
from renda.core.models import ActionLog
from renda.projects.models import Finding, Inspection, Project
from tests.fixtures.audit import drop_actionlog_triggers
from tests.fixtures.cases import submit
from tests.fixtures.projects import run_votes
from tests.fixtures.projects import year as year  # noqa: F401  (fixture)

BEFORE = [("projects", "0002_generated_file_names"), ("activities", "0002_pre_appointment_review")]


@pytest.mark.django_db(transaction=True)
def test_old_inspections_move_onto_activities(year):  # noqa: F811
    run_votes(year)
    world, staff = year.world, year.world.staff
    project = Project.objects.filter(congress=world.c_a).order_by("id").first()
    leader, *others = year.deputies[:3]
    sent = submit(world).case  # sent before as an opinion-kind case
    cases.assign_case(sent, lead=project.department, acting_user=staff)
    held_on = year.today - dt.timedelta(days=30)

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        group = old.get_model("projects", "SupervisionGroup").objects.create(
            project_id=project.pk, leader_id=leader.pk
        )
        group.members.set([d.pk for d in others])
        inspection = old.get_model("projects", "Inspection").objects.create(
            project_id=project.pk,
            held_on=held_on,
            place="东塘村施工现场",
            summary="工程进度正常",
            recorded_by_id=staff.pk,
        )
        inspection.participants.set([d.pk for d in (*others, leader)])
        finding = old.get_model("projects", "Finding")
        finding.objects.create(inspection_id=inspection.pk, text="围挡不全", case_id=sent.pk)
        finding.objects.create(inspection_id=inspection.pk, text="路灯未通电")
        # A plain inspection without findings.
        plain = old.get_model("projects", "Inspection").objects.create(
            project_id=project.pk,
            held_on=held_on,
            place="西塘村",
            summary="一切正常",
            recorded_by_id=staff.pk,
        )
        plain.participants.set([others[0].pk])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        drop_actionlog_triggers()  # re-created by core 0010 on PostgreSQL: the flush needs them gone

    moved = Inspection.objects.select_related("activity").get(pk=inspection.pk)
    activity = moved.activity
    assert activity.kind == ActivityKind.PROJECT_INSPECTION and activity.topic == project.title
    assert activity.starts_on == held_on and activity.report_text == "工程进度正常"
    assert activity.organiser_id == leader.pk
    # A finding not yet sent keeps the activity open for it ("held").
    assert activity.status == ActivityStatus.HELD
    assert [s.place for s in activity.schedule.all()] == ["东塘村施工现场"]
    invitations = {i.deputy_id: i for i in activity.invitations.all()}
    assert set(invitations) == {d.pk for d in year.deputies[:3]}
    assert {i.status for i in invitations.values()} == {InvitationStatus.ATTENDED}
    assert invitations[leader.pk].role == "organiser"
    events = Participation.objects.filter(activity=activity)
    assert sorted(events.values_list("deputy_id", flat=True)) == sorted(invitations)
    assert set(events.values_list("kind", "on")) == {("project", held_on)}
    # The sent finding is the activity's finding on the same case, now of kind "finding".
    filed = Finding.objects.select_related("filed_as__case").get(text="围挡不全")
    assert filed.filed_as.case_id == sent.pk and filed.filed_as.activity == activity
    assert filed.filed_as.department == project.department
    assert filed.filed_as.case.kind == CaseKind.FINDING
    unsent = Finding.objects.get(text="路灯未通电")
    assert unsent.filed_as is None and unsent.case is None
    # Without findings the inspection's activity is closed; both are audited.
    assert Inspection.objects.get(pk=plain.pk).activity.status == ActivityStatus.CLOSED
    assert ActionLog.objects.filter(action="project.inspection_moved").count() == 2
    assert Inspection.objects.filter(project=project).count() == 2  # nothing deleted

    # The project's page lists them from activities and sends the remaining finding.
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("projects:project", args=[project.pk])).content.decode()
    assert "围挡不全" in page and "路灯未通电" in page and "西塘村" in page
    response = client.post(
        reverse("projects:finding_case", args=[unsent.pk]), {"category": world.cat_a.pk}
    )
    assert response.status_code == 302
    unsent.refresh_from_db()
    assert unsent.filed_as.activity == activity and unsent.case.kind == CaseKind.FINDING
