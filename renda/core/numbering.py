"""Serial numbers that are unique per scope and year and never reused (DESIGN.md rule 4)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from renda.core.models import SerialCounter


def next_serial(scope: str, year: int) -> int:
    """Take the next number of (scope, year).

    The counter row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
    transactions serialise writers) for the rest of the caller's transaction: a concurrent
    caller waits, then sees the incremented value. If the caller's transaction rolls back,
    so does the increment, so no number is skipped either.
    """
    with transaction.atomic():
        counter = SerialCounter.objects.select_for_update().filter(scope=scope, year=year).first()
        if counter is None:
            try:
                # A savepoint: losing the race to create the row must not poison the caller.
                with transaction.atomic():
                    counter = SerialCounter.objects.create(scope=scope, year=year, last=0)
            except IntegrityError:
                pass
            counter = SerialCounter.objects.select_for_update().get(scope=scope, year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
        return counter.last


def format_serial(prefix: str, year: int, number: int, width: int = 6) -> str:
    """MY2026-000123."""
    return f"{prefix}{year}-{number:0{width}d}"
