"""The working-day calendar from the State Council's schedule (国务院办公厅关于部分节假日安排的通知).

The schedule comes from the `chinese-calendar` package (PyPI `chinesecalendar`), which is
updated each year when the State Council publishes the next year's holidays (usually in
November): public holidays, and the weekend days worked in exchange (调休上班).

`load_year` is idempotent: it creates the days that are missing, updates the days it loaded
before if the schedule changed, removes days it loaded before that the schedule no longer
lists, and never touches a day the office entered or corrected (`Holiday.source`). One
action-log entry records what a load changed; a load that changes nothing writes none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from renda.core import audit
from renda.core.models import Holiday, HolidaySource

# The package's English names, as the office knows them.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAKE_UP_SUFFIX = "调休上班"


class CalendarUnavailableError(Exception):
    """The installed package does not know the year's schedule (not yet published)."""


@dataclass
class LoadResult:
    year: int
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # office corrections left alone
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def package_version() -> str:
    import chinese_calendar

    return str(getattr(chinese_calendar, "__version__", "?"))


def available_years() -> list[int]:
    """The years whose schedule the installed package knows."""
    from chinese_calendar import holidays

    return sorted({day.year for day in holidays})


def schedule(year: int) -> dict[dt.date, tuple[bool, str]]:
    """{date: (is_workday, name)} for one year, from the package."""
    from chinese_calendar import holidays, workdays

    if year not in available_years():
        raise CalendarUnavailableError(year)
    days: dict[dt.date, tuple[bool, str]] = {}
    for day, name in holidays.items():
        if day.year == year:
            days[day] = (False, NAMES.get(name, name))
    for day, name in workdays.items():
        if day.year == year:
            days[day] = (True, NAMES.get(name, name) + MAKE_UP_SUFFIX)
    return days


def load_year(year: int, *, actor=None) -> LoadResult:
    """Bring the year's calendar rows in line with the State Council's schedule."""
    wanted = schedule(year)
    result = LoadResult(year=year)
    with transaction.atomic():
        existing = {
            h.date: h
            for h in Holiday.objects.select_for_update().filter(
                date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
            )
        }
        new_rows = []
        for day, (is_workday, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                new_rows.append(
                    Holiday(
                        date=day, is_workday=is_workday, name=name, source=HolidaySource.CALENDAR
                    )
                )
                result.created.append(day.isoformat())
            elif row.source == HolidaySource.OFFICE:
                result.kept.append(day.isoformat())
            elif (row.is_workday, row.name) != (is_workday, name):
                row.is_workday, row.name = is_workday, name
                row.save(update_fields=["is_workday", "name"])
                result.updated.append(day.isoformat())
            else:
                result.unchanged += 1
        Holiday.objects.bulk_create(new_rows)
        stale = [
            row
            for day, row in existing.items()
            if day not in wanted and row.source == HolidaySource.CALENDAR
        ]
        if stale:
            result.removed = sorted(row.date.isoformat() for row in stale)
            Holiday.objects.filter(pk__in=[row.pk for row in stale]).delete()
        if result.changed:
            audit.record(
                "holiday.loaded",
                actor=actor,
                changes={
                    "created": result.created,
                    "updated": result.updated,
                    "removed": result.removed,
                    "kept_office_corrections": result.kept,
                },
                note=f"{year}: chinese-calendar {package_version()}",
            )
    return result


def load_recent(*, actor=None, since: int | None = None) -> list[LoadResult]:
    """Every year the package knows from `since` (default: last year) on."""
    since = since if since is not None else timezone.localdate().year - 1
    return [load_year(year, actor=actor) for year in available_years() if year >= since]
