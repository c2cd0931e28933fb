"""The action log's yearly partitions on PostgreSQL (migration 0009; docs/operations.md,
"Audit log retention"): next year's partition made ahead of time, a year past the retention
detached from the log. On SQLite, or before the migration, there is nothing to do.

Each step runs in one transaction under a lock of the log; each partition made or detached is
recorded in the log itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from renda.core import audit
from renda.core.migrations import _actionlog_partitions as sql
from renda.core.workdays import add_months

MIN_RETENTION_MONTHS = 6


class PartitionError(Exception):
    pass


def retention_months() -> int:
    return max(MIN_RETENTION_MONTHS, int(settings.RENDA_AUDIT_RETENTION_MONTHS))


def latest_allowed_cutoff(today: dt.date) -> dt.date:
    """Entries younger than the retention stay: nothing at or after this date may leave."""
    return add_months(today, -retention_months())


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        return sql.is_partitioned(cursor)


@dataclass(frozen=True)
class Partition:
    name: str
    year: int | None  # None: the default partition (or one not named by year)
    rows: int


def partitions() -> list[Partition]:
    """The attached partitions with their row counts (exact: a count per partition)."""
    if not is_partitioned():
        return []
    found = []
    with connection.cursor() as cursor:
        for name in sql.attached_partitions(cursor):
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 (names from the catalog)
            rows = cursor.fetchone()[0]
            suffix = name.removeprefix("core_actionlog_y")
            year = int(suffix) if suffix.isdigit() else None
            found.append(Partition(name=name, year=year, rows=rows))
    return found


def ensure_ahead(today: dt.date | None = None) -> list[int]:
    """The partitions of this year and the next, created if missing (idempotent): the years
    created. Entries of such a year already in the default partition move into it."""
    if not is_partitioned():
        return []
    today = today or timezone.localdate()
    created = []
    for year in (today.year, today.year + 1):
        with transaction.atomic(), connection.cursor() as cursor:
            made, moved = sql.ensure_year(cursor, year, settings.TIME_ZONE)
            if made:
                audit.record(
                    "audit.partition_created",
                    changes={"partition": sql.partition_name(year), "moved_from_default": moved},
                )
                created.append(year)
    return created


def check_detach(year: int, *, reason: str, today: dt.date | None = None) -> None:
    """Refuse a year not wholly older than the retention, and a detach without a reason."""
    if not is_partitioned():
        raise PartitionError("The action log is not partitioned (PostgreSQL, migration core 0010).")
    limit = latest_allowed_cutoff(today or timezone.localdate())
    if dt.date(year + 1, 1, 1) > limit:
        raise PartitionError(
            f"Refused: entries younger than {retention_months()} months must be kept "
            f"(RENDA_AUDIT_RETENTION_MONTHS; MLPS asks for at least 6); the year {year} ends "
            f"after {limit.isoformat()}."
        )
    if not reason.strip():
        raise PartitionError("Give the reason (--reason): it is kept in the log.")


def detach(year: int, *, reason: str, operator: str, today: dt.date | None = None) -> int:
    """Detach the partition of `year` from the log, its whole year being older than the
    retention: the rows stay in the database, in the table of that name, for the operator
    to archive and drop. Returns its row count. Recorded in the log."""
    check_detach(year, reason=reason, today=today)
    name = sql.partition_name(year)
    with transaction.atomic(), connection.cursor() as cursor:
        if name not in sql.attached_partitions(cursor):
            raise PartitionError(f"No partition {name} is attached to the action log.")
        rows = sql.detach_year(cursor, year)
        audit.record(
            "audit.partition_detached",
            changes={
                "partition": name,
                "rows": rows,
                "year": year,
                "retention_months": retention_months(),
            },
            note=f"{reason.strip()} (operator: {operator})",
        )
    return rows
