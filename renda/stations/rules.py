"""Pure rules of the duty roster: which days a reception-day rule yields, how deputies
rotate fairly through the shifts, and the iCalendar text of a deputy's shifts. No database
writes here; the services call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from renda.core.models import Holiday


def weeks_of(rule) -> set[int]:  # noqa: ANN001
    return {int(w) for w in rule.weeks.replace("，", ",").split(",") if w.strip().isdigit()}


def describe(rule) -> str:  # noqa: ANN001
    """The rule as people say it: 每周三, 每月15日, 每月第1、3个周二."""
    from renda.stations.models import WEEKDAY_CHOICES, RuleKind

    names = dict(WEEKDAY_CHOICES)
    if rule.kind == RuleKind.WEEKLY:
        return _("Every %(weekday)s") % {"weekday": names.get(rule.weekday, "?")}
    if rule.kind == RuleKind.MONTH_DAY:
        return _("Day %(day)s of each month") % {"day": rule.month_day}
    return _("Weeks %(weeks)s of each month, %(weekday)s") % {
        "weeks": "、".join(str(w) for w in sorted(weeks_of(rule))),
        "weekday": names.get(rule.weekday, "?"),
    }


def matches(rule, day: dt.date) -> bool:  # noqa: ANN001
    from renda.stations.models import RuleKind

    if rule.kind == RuleKind.WEEKLY:
        return day.weekday() == rule.weekday
    if rule.kind == RuleKind.MONTH_DAY:
        return day.day == rule.month_day
    if rule.kind == RuleKind.NTH_WEEKDAY:
        return day.weekday() == rule.weekday and (day.day - 1) // 7 + 1 in weeks_of(rule)
    return False


def holidays_between(start: dt.date, end: dt.date) -> set[dt.date]:
    """Public holidays (not the 调休 working weekend days) in the period."""
    return set(
        Holiday.objects.filter(date__range=(start, end), is_workday=False).values_list(
            "date", flat=True
        )
    )


def rule_days(rule, start: dt.date, end: dt.date, holidays: set[dt.date]) -> list[dt.date]:  # noqa: ANN001
    """Days of the period the rule yields at its station: open days only, holidays skipped
    when the rule says so."""
    days = []
    day = start
    while day <= end:
        if (
            matches(rule, day)
            and rule.station.is_open_on(day)
            and not (rule.skip_holidays and day in holidays)
        ):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@dataclass
class Slot:
    """A shift to fill: its key, day and time, and how many deputies it takes."""

    key: int
    day: dt.date
    start: dt.time
    end: dt.time
    size: int


def rotate(
    slots: Sequence[Slot],
    members: Sequence[int],
    load: dict[int, int],
    last_duty: dict[int, dt.date],
    busy: dict[int, list[tuple[dt.date, dt.time, dt.time]]],
) -> dict[int, list[int]]:
    """Fill the slots in date order: each takes the members with the fewest duties so far
    (this year's load counts), then the ones who served longest ago, then by id for a
    stable result. A member busy at the same time elsewhere is passed over. Greedy
    least-loaded filling keeps the spread within a station at most one shift."""
    load = dict(load)
    last_duty = dict(last_duty)
    out: dict[int, list[int]] = {}
    for slot in sorted(slots, key=lambda s: (s.day, s.start, s.key)):
        candidates = [
            m
            for m in members
            if not any(
                day == slot.day and start < slot.end and slot.start < end
                for day, start, end in busy.get(m, [])
            )
        ]
        candidates.sort(key=lambda m: (load.get(m, 0), last_duty.get(m, dt.date.min), m))
        chosen = candidates[: slot.size]
        for m in chosen:
            load[m] = load.get(m, 0) + 1
            last_duty[m] = slot.day
            busy.setdefault(m, []).append((slot.day, slot.start, slot.end))
        out[slot.key] = chosen
    return out


# --- iCalendar (RFC 5545) -------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> Iterable[str]:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    while len(data) > 75:
        cut = 75
        while (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        yield data[:cut].decode()
        data = b" " + data[cut:]
    yield data.decode()


def _utc(day: dt.date, time: dt.time) -> str:
    local = dt.datetime.combine(day, time, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(calendar_name: str, events: Iterable[dict], stamp: dt.datetime) -> str:
    """events: uid, day, start, end, summary, location, description, cancelled."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Renda//Liaison stations//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    dtstamp = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e['uid']}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART:{_utc(e['day'], e['start'])}",
            f"DTEND:{_utc(e['day'], e['end'])}",
            f"SUMMARY:{_escape(e['summary'])}",
            f"LOCATION:{_escape(e['location'])}",
            f"DESCRIPTION:{_escape(e['description'])}",
            f"STATUS:{'CANCELLED' if e.get('cancelled') else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
