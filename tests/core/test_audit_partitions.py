"""The action log partitioned by year on PostgreSQL (migration core 0010): entries land in their
year's partition, the append-only triggers hold on every partition, next year's partition is
made ahead of time (idempotent), a year past the retention is detached, never deleted."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from renda.core import audit, auditpartitions
from renda.core.migrations import _actionlog_partitions as partitions
from renda.core.migrations import _actionlog_triggers as triggers
from renda.core.models import ActionLog

postgresql_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="partitions are exercised on PostgreSQL (CI runs the suite there too)",
)


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_default_timezone())


def _insert(moment: dt.datetime, action: str = "test.dated") -> int:
    """An entry at a chosen time (created_at is auto_now_add: the ORM would set now)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_actionlog (created_at, actor_label, action, object_type, "
            "object_id, object_repr, changes, note) "
            "VALUES (%s, '', %s, '', '', '', '{}', '') RETURNING id",
            [moment, action],
        )
        return cursor.fetchone()[0]


def _partition_of(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM core_actionlog WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _make_year(year: int) -> tuple[bool, int]:
    with connection.cursor() as cursor:
        return partitions.ensure_year(cursor, year, settings.TIME_ZONE)


def _put_triggers_back() -> None:
    """The test database drops them (tests/conftest.py); this test's transaction restores
    them as migrated, and rolls them away again."""
    with connection.cursor() as cursor:
        for sql in triggers.FORWARD["postgresql"]:
            cursor.execute(sql)


@postgresql_only
def test_after_migrate_the_log_is_partitioned_with_this_and_next_year_and_a_default(db):
    year = timezone.localdate().year
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table "
            "WHERE partrelid = 'core_actionlog'::regclass"
        )
        assert cursor.fetchone() == ("r",)
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = 'core_actionlog'::regclass AND i.indisprimary"
        )
        assert cursor.fetchone()[0] == ["created_at", "id"]
        names = partitions.attached_partitions(cursor)
    assert {
        "core_actionlog_default",
        f"core_actionlog_y{year}",
        f"core_actionlog_y{year + 1}",
    } <= set(names)
    # The ORM still writes and finds an entry by its id alone.
    entry = audit.record("test.entry", note="now")
    assert ActionLog.objects.get(pk=entry.pk).note == "now"
    assert _partition_of(entry.pk) == f"core_actionlog_y{year}"


@postgresql_only
def test_entries_of_several_years_land_in_their_year_partition(db):
    assert _make_year(2019) == (True, 0)
    mid_2019 = _insert(_local(2019, 6, 1, 12))
    new_years_eve = _insert(_local(2019, 12, 31, 23, 30))  # 15:30 UTC: still 2019 here
    new_year = _insert(_local(2020, 1, 1, 0, 30))  # no 2020 partition yet: the default
    this_year = audit.record("test.entry").pk
    assert _partition_of(mid_2019) == "core_actionlog_y2019"
    assert _partition_of(new_years_eve) == "core_actionlog_y2019"
    assert _partition_of(new_year) == "core_actionlog_default"
    assert _partition_of(this_year) == f"core_actionlog_y{timezone.localdate().year}"

    # The 2020 partition, made late, takes its entry out of the default partition.
    assert _make_year(2020) == (True, 1)
    assert _partition_of(new_year) == "core_actionlog_y2020"
    assert ActionLog.objects.filter(pk__in=[mid_2019, new_years_eve, new_year]).count() == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_actionlog_default")
        assert cursor.fetchone()[0] == 0


@postgresql_only
def test_the_triggers_refuse_update_delete_and_truncate_on_every_partition(db):
    _make_year(2019)
    old = _insert(_local(2019, 3, 1, 9))
    _put_triggers_back()
    _make_year(2018)  # made while the triggers are in place: it gets its TRUNCATE trigger
    for statement, args in (
        ("UPDATE core_actionlog SET note = 'tampered' WHERE id = %s", [old]),
        ("DELETE FROM core_actionlog WHERE id = %s", [old]),
        ("UPDATE core_actionlog_y2019 SET note = 'tampered' WHERE id = %s", [old]),
        ("DELETE FROM core_actionlog_y2019 WHERE id = %s", [old]),
        ("TRUNCATE core_actionlog", []),
        ("TRUNCATE core_actionlog_y2019", []),
        ("TRUNCATE core_actionlog_y2018", []),
        ("TRUNCATE core_actionlog_default", []),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, args)
    assert ActionLog.objects.filter(pk=old, note="").exists()


@postgresql_only
def test_creating_the_partitions_ahead_is_idempotent(db):
    assert auditpartitions.ensure_ahead(dt.date(2040, 12, 30)) == [2040, 2041]
    assert auditpartitions.ensure_ahead(dt.date(2040, 12, 30)) == []
    created = ActionLog.objects.filter(action="audit.partition_created")
    assert sorted(e.changes["partition"] for e in created) == [
        "core_actionlog_y2040",
        "core_actionlog_y2041",
    ]
    out = io.StringIO()
    call_command("audit_partitions", "--ahead", stdout=out)
    call_command("audit_partitions", "--ahead", stdout=out)
    assert out.getvalue().count("partitions created: none (all present)") == 2
    assert "core_actionlog_y2041\t0 entries" in out.getvalue()


@postgresql_only
def test_a_year_past_the_retention_is_detached_never_deleted(db):
    _make_year(2019)
    old = _insert(_local(2019, 3, 1, 9))
    this_year = timezone.localdate().year
    with pytest.raises(CommandError, match="younger than 6 months"):
        call_command("audit_partitions", detach=this_year, reason="x", execute=True)
    with pytest.raises(CommandError, match="reason"):
        call_command("audit_partitions", detach=2019, reason=" ", execute=True)
    out = io.StringIO()
    call_command("audit_partitions", detach=2019, reason="归档后清理", stdout=out)
    assert "would detach 2019: 1 entries" in out.getvalue()
    assert ActionLog.objects.filter(pk=old).exists()

    call_command("audit_partitions", detach=2019, reason="归档后清理", execute=True, stdout=out)
    assert not ActionLog.objects.filter(pk=old).exists()
    with connection.cursor() as cursor:  # the rows are kept, outside the log
        cursor.execute("SELECT count(*) FROM core_actionlog_y2019 WHERE id = %s", [old])
        assert cursor.fetchone()[0] == 1
    entry = ActionLog.objects.get(action="audit.partition_detached")
    assert entry.changes == {
        "partition": "core_actionlog_y2019",
        "rows": 1,
        "year": 2019,
        "retention_months": 6,
    }
    assert "归档后清理" in entry.note and "operator:" in entry.note
    with pytest.raises(CommandError, match="No partition"):
        call_command("audit_partitions", detach=2019, reason="again", execute=True)


@postgresql_only
def test_the_rebuild_goes_back_to_one_table_and_forth_keeping_rows_and_ids(db):
    _make_year(2019)
    old = _insert(_local(2019, 3, 1, 9))
    recent = audit.record("test.entry").pk
    with connection.cursor() as cursor:
        partitions.rebuild(
            cursor, partitioned=False, tz_name=settings.TIME_ZONE, today=timezone.localdate()
        )
        assert not partitions.is_partitioned(cursor)
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'core_actionlog'")
        plain_indexes = cursor.fetchone()[0]
    assert set(ActionLog.objects.values_list("pk", flat=True)) >= {old, recent}
    assert audit.record("test.after").pk > recent  # the sequence went on
    with connection.cursor() as cursor:
        partitions.rebuild(
            cursor, partitioned=True, tz_name=settings.TIME_ZONE, today=timezone.localdate()
        )
        assert partitions.is_partitioned(cursor)
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'core_actionlog'")
        assert cursor.fetchone()[0] == plain_indexes
    assert _partition_of(old) == "core_actionlog_y2019"
    assert audit.record("test.again").pk > recent


def test_the_partitions_are_made_ahead_by_a_periodic_job(db):
    assert "renda.core.tasks.create_audit_partitions" in settings.RENDA_PERIODIC_JOBS
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "renda.core.create_audit_partitions" in tasks
    if connection.vendor == "sqlite":  # one table: nothing to do, said so
        out = io.StringIO()
        call_command("audit_partitions", "--ahead", stdout=out)
        assert "not partitioned" in out.getvalue()
        assert auditpartitions.ensure_ahead() == []
