"""The action log partitioned by year on PostgreSQL: the SQL of migration 0009 (both ways) and
of `manage.py audit_partitions` (next year's partition ahead of time, detaching a year).

Layout: `core_actionlog` is PARTITIONED BY RANGE (created_at); one partition a year,
`core_actionlog_y2026`, from 1 January 00:00 to the next in settings.TIME_ZONE (the year an
operator means); `core_actionlog_default` catches anything outside them, so an insert never
fails. The primary key is (id, created_at) — PostgreSQL wants the partition key in every
unique index; ids still come from the one identity sequence, so `pk` alone still finds a row.
All functions take a cursor and run inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from renda.core.migrations import _actionlog_triggers as triggers

TABLE = "core_actionlog"
DEFAULT_PARTITION = "core_actionlog_default"
OLD_TABLE = "core_actionlog_rebuilt"


def partition_name(year: int) -> str:
    return f"core_actionlog_y{year:04d}"


def year_bounds(year: int, tz_name: str) -> tuple[dt.datetime, dt.datetime]:
    tz = zoneinfo.ZoneInfo(tz_name)
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def _literal(moment: dt.datetime) -> str:
    # Built from integers and a zone offset: safe to inline, as DDL takes no parameters.
    return "'" + moment.isoformat() + "'"


def is_partitioned(cursor) -> bool:  # noqa: ANN001
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
        [TABLE],
    )
    return bool(cursor.fetchone()[0])


def attached_partitions(cursor) -> list[str]:  # noqa: ANN001
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def _triggers_in_place(cursor) -> bool:  # noqa: ANN001
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
        "AND tgname = 'core_actionlog_no_truncate')",
        [TABLE],
    )
    return bool(cursor.fetchone()[0])


def ensure_year(cursor, year: int, tz_name: str) -> tuple[bool, int]:  # noqa: ANN001
    """Create the partition of `year` unless it exists: (created, rows moved into it from the
    default partition). Rows of that year already in the default partition (the year came
    before its partition) are moved: the default partition is detached for the move, which
    the table lock keeps invisible to writers, and attached again."""
    name = partition_name(year)
    if name in attached_partitions(cursor):
        return False, 0
    start, end = year_bounds(year, tz_name)
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    attached = attached_partitions(cursor)
    if name in attached:  # made by a concurrent run while this one waited for the lock
        return False, 0
    has_default = DEFAULT_PARTITION in attached
    waiting = 0
    if has_default:
        cursor.execute(
            f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE created_at >= %s AND created_at < %s",
            [start, end],
        )
        waiting = cursor.fetchone()[0]
    if waiting:
        # Detached, the default partition loses the cloned append-only row trigger: the
        # rows can leave it for their year's partition, and nothing else can reach it.
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}")
    cursor.execute(
        f"CREATE TABLE {name} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ({_literal(start)}) TO ({_literal(end)})"
    )
    if waiting:
        cursor.execute(
            f"INSERT INTO {name} SELECT * FROM {DEFAULT_PARTITION} "
            "WHERE created_at >= %s AND created_at < %s",
            [start, end],
        )
        cursor.execute(
            f"DELETE FROM {DEFAULT_PARTITION} WHERE created_at >= %s AND created_at < %s",
            [start, end],
        )
        cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT")
    if _triggers_in_place(cursor):
        cursor.execute(triggers.PARTITION_TRUNCATE_TRIGGER.format(table=name))
    return True, waiting


def detach_year(cursor, year: int) -> int:  # noqa: ANN001
    """Detach the partition of `year` from the log: its rows stay, in a table of their own
    for the operator to archive (pg_dump -t) and drop. Returns its row count."""
    name = partition_name(year)
    cursor.execute(f"SELECT count(*) FROM {name}")
    count = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
    # Outside the log its TRUNCATE trigger would only pin the log's trigger function.
    cursor.execute(f"DROP TRIGGER IF EXISTS core_actionlog_no_truncate ON {name}")
    return count


def _index_definitions(cursor) -> list[str]:  # noqa: ANN001
    """The secondary indexes of the log, as CREATE INDEX statements naming `core_actionlog`."""
    cursor.execute(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = %s AND indexname <> 'core_actionlog_pkey' ORDER BY indexname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def _sequence(cursor) -> str | None:  # noqa: ANN001
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
    return cursor.fetchone()[0]


def rebuild(cursor, *, partitioned: bool, tz_name: str, today: dt.date) -> None:  # noqa: ANN001
    """Rebuild the log as a partitioned table (or back as a plain one): same columns, same
    index names, every row, the id sequence continued, the append-only triggers back."""
    cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    for sql in triggers.REVERSE["postgresql"]:
        cursor.execute(sql)
    indexes = _index_definitions(cursor)
    old_sequence = _sequence(cursor)
    cursor.execute(f"SELECT last_value, is_called FROM {old_sequence}")
    last_value, is_called = cursor.fetchone()
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {OLD_TABLE}")
    cursor.execute(f"ALTER TABLE {OLD_TABLE} RENAME CONSTRAINT core_actionlog_pkey TO {OLD_TABLE}_pkey")
    cursor.execute(
        "SELECT attidentity FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = 'id'",
        [OLD_TABLE],
    )
    identity = bool(cursor.fetchone()[0])
    if identity:
        # Free the name: the new table's identity sequence takes core_actionlog_id_seq.
        cursor.execute(f"ALTER SEQUENCE {old_sequence} RENAME TO {OLD_TABLE}_id_seq")
    if partitioned:
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD_TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING STORAGE INCLUDING COMMENTS, "
            "CONSTRAINT core_actionlog_pkey PRIMARY KEY (id, created_at)) "
            "PARTITION BY RANGE (created_at)"
        )
        cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
        cursor.execute(
            f"SELECT DISTINCT EXTRACT(YEAR FROM created_at AT TIME ZONE %s)::int FROM {OLD_TABLE}",
            [tz_name],
        )
        years = {row[0] for row in cursor.fetchall()} | {today.year, today.year + 1}
        for year in sorted(years):
            ensure_year(cursor, year, tz_name)
    else:
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {OLD_TABLE} INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING STORAGE INCLUDING COMMENTS, CONSTRAINT core_actionlog_pkey PRIMARY KEY (id))"
        )
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {OLD_TABLE}")
    if not identity:
        # A serial column (a database created before Django 4.1): its sequence moves along.
        cursor.execute(f"ALTER SEQUENCE {old_sequence} OWNED BY {TABLE}.id")
    new_sequence = _sequence(cursor)
    cursor.execute(f"SELECT max(id) FROM {TABLE}")
    top = cursor.fetchone()[0]
    # Continue where the old sequence was (ids of purged entries are never issued again).
    if top is not None and (not is_called or top > last_value):
        last_value, is_called = top, True
    cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
    cursor.execute(f"DROP TABLE {OLD_TABLE}")
    for definition in indexes:
        cursor.execute(definition)
    for sql in triggers.FORWARD["postgresql"]:
        cursor.execute(sql)
