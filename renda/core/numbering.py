"""Serial numbers that are unique per scope and year and never reused (DESIGN.md rule 4)."""

from __future__ import annotations

from functools import cache

from django.db import IntegrityError, connection, transaction

from renda.core.models import SerialCounter


def next_serial(scope: str, year: int) -> int:
    """Take the next number of (scope, year).

    One UPDATE increments the counter and answers the new value: it locks the row for the
    rest of the caller's transaction (PostgreSQL's row lock; SQLite's IMMEDIATE transactions
    serialise writers), so a concurrent caller waits, then increments what this one left.
    If the caller's transaction rolls back, so does the increment, so no number is skipped
    either. The first number of a (scope, year) creates its row first.
    """
    number = _bump(scope, year)
    if number is None:
        try:
            # A savepoint: losing the race to create the row must not poison the caller.
            with transaction.atomic():
                SerialCounter.objects.create(scope=scope, year=year, last=0)
        except IntegrityError:
            pass
        number = _bump(scope, year)
        if number is None:  # never: the row exists now
            raise SerialCounter.DoesNotExist
    return number


def _bump(scope: str, year: int) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_bump_sql(connection.features.can_return_columns_from_insert), [scope, year])
        if not connection.features.can_return_columns_from_insert:
            # SQLite before 3.35 has no RETURNING: read it back under the write lock taken.
            cursor.execute(_read_sql(), [scope, year])
        row = cursor.fetchone()
    return int(row[0]) if row else None


@cache
def _bump_sql(returning: bool) -> str:
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    sql = f"UPDATE {table} SET last = last + 1 WHERE scope = %s AND year = %s"  # noqa: S608
    return f"{sql} RETURNING last" if returning else sql


@cache
def _read_sql() -> str:
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    return f"SELECT last FROM {table} WHERE scope = %s AND year = %s"  # noqa: S608


def format_serial(prefix: str, year: int, number: int, width: int = 6) -> str:
    """MY2026-000123."""
    return f"{prefix}{year}-{number:0{width}d}"
