"""The action log: every admin or service change is recorded; nothing can alter the log."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from renda.congress.models import Department
from renda.core import audit
from renda.core.migrations import _actionlog_triggers as triggers
from renda.core.models import ActionLog


def test_admin_change_is_logged_with_old_and_new_values(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_department_change", args=[world.dept_a1.pk])
    response = client.post(
        url,
        {
            "congress": world.c_a.pk,
            "name": "城乡建设和环境办公室",
            "short_name": "建设办",
            "kind": "town_office",
            "is_active": "on",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    entry = ActionLog.objects.get(action="department.updated")
    assert entry.actor == world.staff
    assert entry.congress_id == world.c_a.pk
    assert entry.object_id == str(world.dept_a1.pk)
    assert entry.changes["name"] == ["城乡建设办公室", "城乡建设和环境办公室"]
    assert entry.ip_address == "10.1.2.3"


def test_admin_addition_is_logged(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("admin:congress_department_add"),
        {"congress": world.c_a.pk, "name": "财政所", "kind": "service_station", "is_active": "on"},
    )
    assert response.status_code == 302
    dept = Department.objects.get(name="财政所")
    entry = ActionLog.objects.get(action="department.created")
    assert entry.object_id == str(dept.pk)
    assert entry.changes["name"] == [None, "财政所"]


def test_unchanged_save_writes_no_entry(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_department_change", args=[world.dept_a1.pk])
    client.post(
        url,
        {
            "congress": world.c_a.pk,
            "name": world.dept_a1.name,
            "kind": "town_office",
            "is_active": "on",
        },
    )
    assert not ActionLog.objects.filter(action="department.updated").exists()


def test_inline_session_added_through_term_page_is_logged(client, world):
    client.force_login(world.staff)
    url = reverse("admin:congress_term_change", args=[world.term_a.pk])
    data = {
        "congress": world.c_a.pk,
        "ordinal": 20,
        "start_date": "2021-12-28",
        "end_date": "2026-12-27",
        "is_current": "on",
        "sessions-TOTAL_FORMS": "2",
        "sessions-INITIAL_FORMS": "1",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        "sessions-0-id": world.session_a.pk,
        "sessions-0-term": world.term_a.pk,
        "sessions-0-ordinal": 1,
        "sessions-0-kind": "regular",
        "sessions-0-start_date": "2022-02-20",
        "sessions-0-end_date": "2022-02-21",
        "sessions-1-term": world.term_a.pk,
        "sessions-1-ordinal": 2,
        "sessions-1-kind": "extra",
        "sessions-1-start_date": "2022-06-01",
        "sessions-1-end_date": "2022-06-01",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ActionLog.objects.filter(action="session.created", congress_id=world.c_a.pk).count() == 1


@pytest.mark.parametrize("persona", ["auditor", "admin", "staff", "superuser"])
def test_the_log_cannot_be_altered_through_the_admin(client, world, personas, persona):
    entry = audit.record("test.entry", world.dept_a1, actor=world.staff, note="original")
    client.force_login(personas[persona])
    change_url = reverse("admin:core_actionlog_change", args=[entry.pk])
    delete_url = reverse("admin:core_actionlog_delete", args=[entry.pk])
    add_url = reverse("admin:core_actionlog_add")
    client.post(change_url, {"note": "tampered", "action": "x"})
    assert client.post(delete_url, {"post": "yes"}).status_code in (403, 404)
    assert client.get(add_url).status_code == 403
    entry.refresh_from_db()
    assert entry.note == "original"
    assert ActionLog.objects.filter(pk=entry.pk).exists()


def test_auditor_reads_the_log_of_their_congress_only(client, world):
    mine = audit.record("test.mine", world.dept_a1, actor=world.staff)
    theirs = audit.record("test.theirs", world.dept_b1, actor=world.other_staff)
    client.force_login(world.auditor)
    page = client.get(reverse("admin:core_actionlog_changelist"), {"q": "test."}).content.decode()
    assert "test.mine" in page
    assert "test.theirs" not in page
    assert client.get(reverse("admin:core_actionlog_change", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:core_actionlog_change", args=[mine.pk])).status_code == 200


def test_orm_refuses_to_update_or_delete(world):
    entry = audit.record("test.entry", world.dept_a1, actor=world.staff)
    entry.note = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ActionLog.objects.filter(pk=entry.pk).update(note="changed")
    with pytest.raises(PermissionError):
        ActionLog.objects.all().delete()


def test_database_triggers_refuse_raw_update_and_delete(world):
    entry = audit.record("test.entry", world.dept_a1, actor=world.staff, note="original")
    # The test database drops the triggers (conftest); put the migration's back for this
    # test's transaction, which rolls them away again.
    with connection.cursor() as cursor:
        for sql in triggers.FORWARD[connection.vendor]:
            cursor.execute(sql)
    for statement in (
        "UPDATE core_actionlog SET note = 'tampered' WHERE id = %s",
        "DELETE FROM core_actionlog WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.note == "original"


# --- exports: one audited download helper --------------------------------------------------


def test_an_export_writes_one_entry_on_its_object_with_the_format(world):
    from renda.core import exports

    response = exports.attachment(
        b"PK", "roster.xlsx", action="roster.exported", obj=world.term_a, actor=world.staff
    )
    assert response["Content-Disposition"] == 'attachment; filename="roster.xlsx"'
    (entry,) = ActionLog.objects.filter(action="roster.exported")
    assert (entry.object_id, entry.congress_id, entry.actor) == (
        str(world.term_a.pk),
        world.c_a.pk,
        world.staff,
    )
    assert entry.changes == {"format": [None, "xlsx"]}


def test_an_export_spanning_congresses_is_logged_once_in_each(world):
    import io

    from renda.core import exports

    response = exports.attachment(
        io.BytesIO(b"PK"),
        "ledger.xlsx",
        action="suggestions.exported",
        congress_ids=[world.c_b.pk, world.c_a.pk, world.c_a.pk],
        actor=world.staff,
        note="ledger",
    )
    assert b"".join(response.streaming_content) == b"PK"
    entries = ActionLog.objects.filter(action="suggestions.exported").order_by("congress_id")
    assert sorted(e.congress_id for e in entries) == sorted([world.c_a.pk, world.c_b.pk])
    assert {e.note for e in entries} == {"ledger"}
    exports.attachment(b"", "empty.xlsx", action="suggestions.exported", congress_ids=[])
    assert ActionLog.objects.filter(action="suggestions.exported", congress_id=None).count() == 1
