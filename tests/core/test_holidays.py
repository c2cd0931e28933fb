"""The working-day calendar from the State Council's schedule (chinese-calendar), the
office's corrections, and legal deadlines across 春节, 国庆 and make-up Saturdays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from renda.core import holidays
from renda.core.apps import _load_holidays
from renda.core.models import ActionLog, Holiday, HolidaySource
from renda.core.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.fixture
def calendar_2026(db):
    holidays.load_year(2026)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 1, 1), False),  # 元旦 (Thursday)
        (D(2026, 1, 4), True),  # Sunday worked in exchange for 元旦
        (D(2026, 2, 14), True),  # Saturday before 春节, worked
        (D(2026, 2, 16), False),  # 春节 (Monday)
        (D(2026, 2, 23), False),  # 春节's last day (Monday)
        (D(2026, 2, 28), True),  # Saturday after 春节, worked
        (D(2026, 5, 9), True),  # Saturday after 劳动节, worked
        (D(2026, 9, 20), True),  # Sunday before 国庆, worked
        (D(2026, 9, 25), False),  # 中秋节 (Friday)
        (D(2026, 10, 1), False),  # 国庆节 (Thursday)
        (D(2026, 10, 7), False),  # 国庆节's last day (Wednesday)
        (D(2026, 10, 10), True),  # Saturday after 国庆, worked
        (D(2026, 10, 11), False),  # an ordinary Sunday
        (D(2026, 10, 12), True),  # an ordinary Monday
    ],
)
def test_the_2026_calendar(calendar_2026, day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # 春节: Sunday 15 – Monday 23 February off; Saturdays 14 and 28 February worked.
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday + 1 = the make-up Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # the make-up Saturday + 1 = after the holiday
        (D(2026, 2, 12), 15, D(2026, 3, 11)),  # 15 working days across 春节 (plain: 5 March)
        (D(2026, 2, 20), 5, D(2026, 2, 28)),  # ends on the make-up Saturday
        # 国庆 and 中秋: 25–27 September and 1–7 October off; 20 September and 10 October worked.
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 28), 15, D(2026, 10, 23)),  # plain: 16 October
        (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Thursday + 1 skips 中秋 Friday and the weekend
        (D(2026, 10, 9), 1, D(2026, 10, 10)),  # Friday + 1 = the make-up Saturday
        (D(2026, 9, 18), 60, D(2026, 12, 17)),  # the longest opinion deadline across all of it
        # 劳动节: 1–5 May off, Saturday 9 May worked.
        (D(2026, 4, 30), 3, D(2026, 5, 8)),
        (D(2026, 4, 30), 4, D(2026, 5, 9)),
    ],
)
def test_deadlines_in_working_days(calendar_2026, start, days, due):
    assert add_working_days(start, days) == due
    assert working_days_between(start, due) == days


def test_deadlines_without_the_calendar_count_monday_to_friday(db):
    assert add_working_days(D(2026, 2, 12), 15) == D(2026, 3, 5)


def test_loading_is_idempotent_and_audited_once(db):
    first = holidays.load_year(2026)
    assert len(first.created) == Holiday.objects.count() == 39
    assert Holiday.objects.filter(is_workday=True).count() == 6
    assert set(Holiday.objects.values_list("source", flat=True)) == {HolidaySource.CALENDAR}
    assert Holiday.objects.get(date=D(2026, 2, 17)).name == "春节"
    assert Holiday.objects.get(date=D(2026, 10, 10)).name == "国庆节调休上班"
    entry = ActionLog.objects.get(action="holiday.loaded")
    assert entry.note.startswith("2026: chinese-calendar")
    assert len(entry.changes["created"]) == 39

    again = holidays.load_year(2026)
    assert not again.changed and again.unchanged == 39
    assert ActionLog.objects.filter(action="holiday.loaded").count() == 1


def test_a_day_the_office_corrected_is_never_overwritten(db):
    # Entered by the office before the load (e.g. a local 调休 decided by the town).
    Holiday.objects.create(date=D(2026, 10, 8), name="本地调休", is_workday=False)
    holidays.load_year(2026)
    corrected = Holiday.objects.get(date=D(2026, 10, 10))
    corrected.is_workday, corrected.name, corrected.source = False, "镇里不调休", "office"
    corrected.save()
    # A day loaded before whose values drifted is brought back; a stale loaded day goes.
    Holiday.objects.filter(date=D(2026, 10, 2)).update(is_workday=True)
    Holiday.objects.create(date=D(2026, 11, 2), name="错", source=HolidaySource.CALENDAR)

    result = holidays.load_year(2026)
    assert result.kept == ["2026-10-10"]  # 8 October is not in the schedule: left alone
    assert result.updated == ["2026-10-02"] and result.removed == ["2026-11-02"]
    assert Holiday.objects.get(date=D(2026, 10, 10)).name == "镇里不调休"
    assert not is_working_day(D(2026, 10, 10))
    assert not is_working_day(D(2026, 10, 8))
    assert not is_working_day(D(2026, 10, 2))
    assert is_working_day(D(2026, 11, 2))
    entry = ActionLog.objects.filter(action="holiday.loaded").latest("id")
    assert entry.changes["kept_office_corrections"] == ["2026-10-10"]


def test_the_office_corrects_a_day_in_the_admin(world, client):
    holidays.load_year(2026)
    day = Holiday.objects.get(date=D(2026, 2, 28))
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:core_holiday_change", args=[day.pk]),
        {"date": "2026-02-28", "name": "春节（本镇不调休）"},  # is_workday unticked
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.is_workday, day.source) == (False, HolidaySource.OFFICE)
    assert ActionLog.objects.filter(action="holiday.updated", object_id=str(day.pk)).exists()
    holidays.load_year(2026)
    day.refresh_from_db()
    assert (day.is_workday, day.name) == (False, "春节（本镇不调休）")


def test_staff_cannot_change_the_calendar(world, client):
    holidays.load_year(2026)
    day = Holiday.objects.get(date=D(2026, 2, 28))
    client.force_login(world.staff)
    response = client.post(
        reverse("admin:core_holiday_change", args=[day.pk]), {"date": "2026-02-28", "name": "x"}
    )
    assert response.status_code == 403
    day.refresh_from_db()
    assert day.is_workday and day.source == HolidaySource.CALENDAR


def test_load_holidays_command(db):
    call_command("load_holidays", "2025", "2026")
    assert Holiday.objects.filter(date__year=2025).exists()
    assert Holiday.objects.filter(date__year=2026).exists()
    with pytest.raises(CommandError, match="does not know 2099"):
        call_command("load_holidays", "2099")


def test_migrate_loads_the_calendar_of_a_fresh_installation(db, settings):
    settings.RENDA_HOLIDAYS_ON_MIGRATE = True
    _load_holidays(sender=None)
    years = {d.year for d in Holiday.objects.values_list("date", flat=True)}
    assert years and min(years) >= holidays.available_years()[-1] - 1
    settings.RENDA_HOLIDAYS_ON_MIGRATE = False
    Holiday.objects.all().delete()
    _load_holidays(sender=None)
    assert not Holiday.objects.exists()
