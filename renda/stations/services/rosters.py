"""Duty rules and rosters: reception-day rules, the generated roster, extra and
cancelled shifts, the announcement of shifts to the deputies on duty, the calendar feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress.models import Congress, Deputy
from renda.core import audit, keys, workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit, sms_on_commit
from renda.stations import rules as r
from renda.stations.models import (
    SHIFT_TRANSITIONS,
    DutyAssignment,
    DutyRule,
    DutyShift,
    DutyStatus,
    RuleKind,
    ShiftStatus,
    Station,
    StationMember,
    StationRules,
)
from renda.stations.services.access import _require_manage

ICS_SALT = "renda.stations.ics"


# --- duty rules and rosters ------------------------------------------------------------


def add_rule(
    station: Station,
    *,
    kind: str,
    acting_user: Any,
    weekday: int | None = None,
    month_day: int | None = None,
    weeks: str = "",
    start_time: dt.time = dt.time(9, 0),
    end_time: dt.time = dt.time(11, 30),
    deputies_per_shift: int | None = None,
    skip_holidays: bool = True,
) -> DutyRule:
    _require_manage(acting_user, station.congress_id)
    rule = DutyRule(
        station=station,
        kind=kind,
        weekday=weekday,
        month_day=month_day,
        weeks=weeks,
        start_time=start_time,
        end_time=end_time,
        deputies_per_shift=deputies_per_shift,
        skip_holidays=skip_holidays,
    )
    if start_time >= end_time:
        raise DomainError(_("A shift ends after it starts."))
    if kind in (RuleKind.WEEKLY, RuleKind.NTH_WEEKDAY):
        if weekday is None or not 0 <= weekday <= 6:
            raise DomainError(_("Choose the weekday."))
        if not station.is_open_on(dt.date(2024, 1, 1) + dt.timedelta(days=weekday)):
            raise DomainError(_("The station is closed on that weekday."))
    if kind == RuleKind.MONTH_DAY and not (month_day and 1 <= month_day <= 31):
        raise DomainError(_("Choose a day of the month from 1 to 31."))
    if kind == RuleKind.NTH_WEEKDAY and not (
        r.weeks_of(rule) and r.weeks_of(rule) <= {1, 2, 3, 4, 5}
    ):
        raise DomainError(_("Give the weeks of the month, e.g. 1,3."))
    with transaction.atomic():
        rule.save()
        audit.record("station.rule_added", rule, actor=acting_user)
    return rule


def deactivate_rule(rule: DutyRule, *, acting_user: Any) -> DutyRule:
    """A reception day that stops: no new shifts come from it; past and generated shifts
    stay (cancel those individually)."""
    with transaction.atomic():
        rule = (
            DutyRule.objects.select_for_update(of=("self",))
            .select_related("station")
            .get(pk=rule.pk)
        )
        _require_manage(acting_user, rule.station.congress_id)
        if not rule.is_active:
            raise DomainError(_("This rule is already inactive."))
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        audit.record(
            "station.rule_deactivated",
            rule,
            actor=acting_user,
            changes={"is_active": [True, False]},
        )
    return rule


def _busy(deputy_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, list]:
    busy: dict[int, list] = {}
    rows = DutyAssignment.objects.filter(
        deputy_id__in=list(deputy_ids),
        shift__date__range=(start, end),
        shift__status=ShiftStatus.SCHEDULED,
    ).exclude(status=DutyStatus.REPLACED)
    for dep, day, s, e in rows.values_list(
        "deputy_id", "shift__date", "shift__start_time", "shift__end_time"
    ):
        busy.setdefault(dep, []).append((day, s, e))
    return busy


def _conflict(deputy: Deputy, shift: DutyShift, exclude: Iterable[int] = ()) -> bool:
    return (
        DutyAssignment.objects.filter(
            deputy=deputy,
            shift__date=shift.date,
            shift__start_time__lt=shift.end_time,
            shift__end_time__gt=shift.start_time,
            shift__status=ShiftStatus.SCHEDULED,
        )
        .exclude(status=DutyStatus.REPLACED)
        .exclude(pk__in=list(exclude))
        .exists()
    )


def _conflict_error(deputy: Deputy, shift: DutyShift) -> DomainError:
    return DomainError(
        _("%(deputy)s is already on duty at that time (%(day)s).")
        % {"deputy": deputy.name, "day": shift.date.isoformat()}
    )


def generate_roster(
    congress: Congress,
    *,
    start: dt.date,
    end: dt.date,
    acting_user: Any,
    stations: Sequence[Station] | None = None,
) -> dict[str, int]:
    """Create the shifts of every active rule in the period and fill them by rotation.
    Idempotent: existing shifts are kept as they are. The year's duties so far count in the
    rotation, so that a new quarter evens out the last one."""
    _require_manage(acting_user, congress.pk)
    if end < start:
        raise DomainError(_("The period ends before it starts."))
    if (end - start).days > 366:
        raise DomainError(_("Generate at most a year at a time."))
    settings_row = StationRules.for_congress(congress.pk)
    qs = Station.objects.filter(congress=congress, is_active=True)
    if stations is not None:
        qs = qs.filter(pk__in=[s.pk for s in stations])
    rules_qs = DutyRule.objects.filter(station__in=qs, is_active=True).select_related("station")
    holidays = r.holidays_between(start, end)
    members: dict[int, list[int]] = {}
    for station_id, deputy_id in StationMember.objects.filter(
        congress=congress, until__isnull=True, station__in=qs
    ).values_list("station_id", "deputy_id"):
        members.setdefault(station_id, []).append(deputy_id)
    all_deputies = [d for ds in members.values() for d in ds]
    year_start = dt.date(start.year, 1, 1)
    counted = DutyAssignment.objects.filter(
        deputy_id__in=all_deputies, shift__date__range=(year_start, start - dt.timedelta(days=1))
    ).exclude(status=DutyStatus.REPLACED)
    load = dict(
        counted.values_list("deputy_id").annotate(n=Count("id")).values_list("deputy_id", "n")
    )
    last = dict(
        counted.values_list("deputy_id")
        .annotate(d=Max("shift__date"))
        .values_list("deputy_id", "d")
    )
    busy = _busy(all_deputies, start, end)
    created_shifts = created_duties = 0
    with transaction.atomic():
        existing = set(
            DutyShift.objects.filter(station__in=qs, date__range=(start, end)).values_list(
                "station_id", "date", "start_time"
            )
        )
        new_shifts: list[DutyShift] = []
        sizes: dict[tuple, int] = {}
        for rule in rules_qs:
            for day in r.rule_days(rule, start, end, holidays):
                key = (rule.station_id, day, rule.start_time)
                if key in existing:
                    continue
                existing.add(key)
                new_shifts.append(
                    DutyShift(
                        station_id=rule.station_id,
                        congress=congress,
                        rule=rule,
                        date=day,
                        start_time=rule.start_time,
                        end_time=rule.end_time,
                    )
                )
                sizes[key] = rule.deputies_per_shift or settings_row.deputies_per_shift
        DutyShift.objects.bulk_create(new_shifts)
        saved = list(
            DutyShift.objects.filter(
                station__in=qs,
                date__range=(start, end),
                status=ShiftStatus.SCHEDULED,
                duties__isnull=True,
            )
        )
        by_station: dict[int, list[DutyShift]] = {}
        for shift in saved:
            by_station.setdefault(shift.station_id, []).append(shift)
        duties: list[DutyAssignment] = []
        for station_id, shifts in by_station.items():
            slots = [
                r.Slot(
                    key=s.pk,
                    day=s.date,
                    start=s.start_time,
                    end=s.end_time,
                    size=sizes.get(
                        (s.station_id, s.date, s.start_time), settings_row.deputies_per_shift
                    ),
                )
                for s in shifts
            ]
            filled = r.rotate(slots, members.get(station_id, []), load, last, busy)
            for shift_id, deputy_ids in filled.items():
                for deputy_id in deputy_ids:
                    load[deputy_id] = load.get(deputy_id, 0) + 1
                    duties.append(
                        DutyAssignment(shift_id=shift_id, deputy_id=deputy_id, congress=congress)
                    )
        DutyAssignment.objects.bulk_create(duties)
        created_shifts, created_duties = len(new_shifts), len(duties)
        audit.record(
            "station.roster_generated",
            congress,
            actor=acting_user,
            note=f"{start.isoformat()}..{end.isoformat()}",
            changes={"shifts": [0, created_shifts], "duties": [0, created_duties]},
        )
    return {"shifts": created_shifts, "duties": created_duties}


def add_shift(
    station: Station,
    *,
    date: dt.date,
    start_time: dt.time,
    end_time: dt.time,
    deputies: Sequence[Deputy],
    acting_user: Any,
    note: str = "",
) -> DutyShift:
    """A shift outside the rules (an extra reception day)."""
    _require_manage(acting_user, station.congress_id)
    if start_time >= end_time:
        raise DomainError(_("A shift ends after it starts."))
    if not station.is_open_on(date) or date in r.holidays_between(date, date):
        raise DomainError(
            _("%(station)s is closed on %(day)s.") % {"station": station, "day": date.isoformat()}
        )
    if DutyShift.objects.filter(station=station, date=date, start_time=start_time).exists():
        raise DomainError(_("This station already has a shift at that time."))
    with transaction.atomic():
        shift = DutyShift.objects.create(
            station=station,
            congress_id=station.congress_id,
            date=date,
            start_time=start_time,
            end_time=end_time,
            note=note[:200],
        )
        for deputy in deputies:
            Deputy.objects.select_for_update(of=("self",)).filter(pk=deputy.pk).first()
            if _conflict(deputy, shift):
                raise _conflict_error(deputy, shift)  # rolls the whole shift back
            DutyAssignment.objects.create(
                shift=shift, deputy=deputy, congress_id=station.congress_id
            )
        audit.record(
            "station.shift_added",
            shift,
            actor=acting_user,
            changes={"deputies": [None, [d.pk for d in deputies]]},
        )
    return shift


def _move_shift(shift: DutyShift, to: str, actor: Any, note: str = "") -> None:
    workflow.move(
        shift,
        to,
        transitions=SHIFT_TRANSITIONS,
        action=f"station.shift_{to}",
        actor=actor,
        values={"note": note[:200]} if note else None,
        note=note,
        error=lambda: (
            _("This shift is already %(status)s.") % {"status": shift.get_status_display()}
        ),
    )


def cancel_shift(shift: DutyShift, *, reason: str, acting_user: Any) -> DutyShift:
    if not reason.strip():
        raise DomainError(_("Give the reason for cancelling."))
    with transaction.atomic():
        shift = (
            DutyShift.objects.select_for_update(of=("self",))
            .select_related("station")
            .get(pk=shift.pk)
        )
        _require_manage(acting_user, shift.congress_id)
        _move_shift(shift, ShiftStatus.CANCELLED, acting_user, reason.strip())
        users = [
            d.deputy.user
            for d in shift.duties.select_related("deputy__user")
            if d.deputy.user_id and d.status == DutyStatus.SCHEDULED
        ]
        notify_on_commit(
            users,
            _("Reception on %(day)s cancelled") % {"day": shift.date.isoformat()},
            f"{shift.station}: {reason.strip()}",
        )
    return shift


def announce_shifts(today: dt.date | None = None) -> dict[str, int]:
    """The periodic announcement: each congress's shifts that enter the notice window
    (`announce_days_ahead`, 3 by default) are announced once — the deputies on duty get a
    message (and a text message) naming date, place and time. The public pages show the
    same window. Idempotent through `announced_at`."""
    today = today or timezone.localdate()
    windows = dict(StationRules.objects.values_list("congress_id", "announce_days_ahead"))
    default = StationRules._meta.get_field("announce_days_ahead").get_default()
    horizon = today + dt.timedelta(days=max([default, *windows.values()]))
    shifts = 0
    messages = 0
    candidates = DutyShift.objects.filter(
        date__range=(today, horizon), status=ShiftStatus.SCHEDULED, announced_at__isnull=True
    ).values_list("pk", "congress_id", "date")
    for pk, congress_id, day in candidates:
        if day > today + dt.timedelta(days=windows.get(congress_id, default)):
            continue
        with transaction.atomic():
            shift = (
                DutyShift.objects.select_for_update(of=("self",))
                .select_related("station")
                .filter(pk=pk, announced_at__isnull=True)
                .first()
            )
            if shift is None:
                continue
            shift.announced_at = timezone.now()
            shift.save(update_fields=["announced_at"])
            duties = list(
                shift.duties.exclude(status=DutyStatus.REPLACED).select_related("deputy__user")
            )
            params = {
                "day": shift.date.isoformat(),
                "start": shift.start_time.strftime("%H:%M"),
                "end": shift.end_time.strftime("%H:%M"),
                "station": shift.station.name,
                "address": shift.station.address,
            }
            text = (
                _("Reception duty on %(day)s %(start)s–%(end)s at %(station)s (%(address)s).")
                % params
            )
            notify_on_commit(
                [d.deputy.user for d in duties if d.deputy.user_id],
                _("Your reception duty on %(day)s") % {"day": shift.date.isoformat()},
                text,
            )
            for duty in duties:
                sms_on_commit(duty.deputy.phone, kind="station_duty", params=params)
            audit.record(
                "station.shift_announced",
                shift,
                actor=None,
                changes={"deputies": [None, [d.deputy_id for d in duties]]},
            )
            shifts += 1
            messages += len(duties)
    return {"shifts": shifts, "deputies": messages}


# --- iCalendar feed --------------------------------------------------------------------


def calendar_token(deputy: Deputy) -> str:
    """The secret part of a deputy's .ics link: "<key id>.<hex>" (renda.core.keys); a link
    made under an older key version works until that version is retired."""
    return keys.hex_token(ICS_SALT, f"deputy:{deputy.pk}")


def calendar_token_matches(deputy: Deputy, token: str) -> bool:
    return keys.hex_token_matches(token, ICS_SALT, f"deputy:{deputy.pk}")
