"""Deadlines: working days (Monday–Friday, corrected by the Holiday calendar) and months."""

from __future__ import annotations

import calendar
import datetime as dt

from renda.core.models import Holiday


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", "is_workday")
    )


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    exceptions = exceptions if exceptions is not None else _exceptions(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    if days <= 0:
        return start
    # One query for the whole window: at most two weeks of holidays per five working days.
    window_end = start + dt.timedelta(days=days * 2 + 30)
    exceptions = _exceptions(start, window_end)
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    return sum(
        1
        for n in range(1, (end - start).days + 1)
        if is_working_day(start + dt.timedelta(days=n), exceptions)
    )


def add_months(start: dt.date, months: int) -> dt.date:
    """Same day of the month, `months` later; the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
