"""Every state change of the station network (STYLE.md §1): one transaction, the row
locked, the transition table checked, the action log written, a translated DomainError on
bad input, notifications on commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import Case, CaseSource, Category
from renda.congress import policy
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core import audit, workflow
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.notify import notify_on_commit
from renda.core.validators import validate_cn_mobile
from renda.stations import rules as r
from renda.stations.models import (
    DISPOSITION_TRANSITIONS,
    DUTY_TRANSITIONS,
    PARENT_KIND,
    SHIFT_TRANSITIONS,
    CheckinMethod,
    ContactKind,
    ContactLog,
    ContactPairing,
    DeputyWorkplace,
    Disposition,
    DutyAssignment,
    DutyRule,
    DutyShift,
    DutyStatus,
    IndustryActivity,
    IndustryPoint,
    LinkedFirm,
    PairingKind,
    Reception,
    ReceptionMatter,
    RuleKind,
    ShiftStatus,
    Station,
    StationCase,
    StationGrade,
    StationGradeLevel,
    StationKind,
    StationMember,
    StationRules,
)

CHECKIN_SALT = "renda.stations.checkin"
QR_SALT = "renda.stations.qr"
ICS_SALT = "renda.stations.ics"


# --- access ----------------------------------------------------------------------------


def may_manage(user: Any, congress_id: int) -> bool:
    """Office staff: the whole network of their congress."""
    if not getattr(user, "is_active", False):
        return False
    return policy.is_superuser(user) or congress_id in policy.congress_ids(user, "station.manage")


def may_run(user: Any, station: Station) -> bool:
    """Office staff of the congress, or a manager listed as the station's staff."""
    return Station.objects.managed_by(user).filter(pk=station.pk).exists()


def _require_manage(user: Any, congress_id: int) -> None:
    if not may_manage(user, congress_id):
        raise DomainError(_("Only the presidium office may change the station network."))


def _require_run(user: Any, station: Station) -> None:
    if not may_run(user, station):
        raise DomainError(_("You do not run this station."))


def deputy_of(user: Any) -> Deputy | None:
    pk = getattr(user, "pk", None)
    return Deputy.objects.filter(user_id=pk).first() if pk is not None else None


# --- the network -----------------------------------------------------------------------


def _in_town(region: Region | None, town: Region) -> bool:
    return region is not None and region.path.startswith(town.path)


def check_station(station: Station) -> None:
    town = station.congress.region
    if town is None or town.level != RegionLevel.TOWN:
        raise DomainError(_("Stations belong to a town's congress."))
    wanted = PARENT_KIND[StationKind(station.kind)]
    if wanted is None and station.parent_id is not None:
        raise DomainError(_("A central station has no parent station."))
    if wanted is not None and (
        station.parent is None
        or station.parent.kind != wanted
        or station.parent.congress_id != station.congress_id
    ):
        raise DomainError(
            _("A %(kind)s sits under a %(parent)s of the same town.")
            % {
                "kind": StationKind(station.kind).label,
                "parent": StationKind(wanted).label,
            }
        )
    if station.area is not None and station.area.town_id != town.pk:
        raise DomainError(_("The area must belong to the station's town."))
    if not station.open_weekdays or any(c not in "0123456" for c in station.open_weekdays):
        raise DomainError(_("Open weekdays are digits from 0 (Monday) to 6 (Sunday)."))


# --- grades (标准 / 高标准 / 星级, configurable per congress) ----------------------------


def grades(congress_id: int, *, active_only: bool = False) -> list[StationGradeLevel]:
    """The congress's station grades in their configured order (defaults on first use)."""
    levels = StationGradeLevel.for_congress(congress_id)
    return [g for g in levels if g.is_active] if active_only else levels


def grade_names(congress_id: int) -> dict[str, str]:
    """Code → the congress's name of the grade (inactive grades included, for old rows)."""
    return {g.code: g.name for g in grades(congress_id)}


def check_grade(congress_id: int, code: str, *, current: str | None = None) -> None:
    """A station's grade must be one of its congress's active grades (a station keeping
    the grade it already has is let through even when that grade was deactivated)."""
    if current is not None and code == current:
        return
    if code not in {g.code for g in grades(congress_id, active_only=True)}:
        raise DomainError(
            _("“%(code)s” is not an active station grade of this congress.") % {"code": code}
        )


def name_grades(stations: Iterable[Station], congress_id: int) -> None:
    """Give each station its `grade_name` (one query for the whole list)."""
    names = grade_names(congress_id)
    for station in stations:
        station.grade_name = names.get(station.grade, station.grade)  # type: ignore[attr-defined]


def create_station(
    *,
    congress: Congress,
    kind: str,
    name: str,
    code: str,
    address: str,
    acting_user: Any,
    parent: Station | None = None,
    grade: str = "standard",
    area: Any = None,
    villages: Iterable[Region] = (),
    opening_hours: str = "",
    open_weekdays: str = "01234",
    phone: str = "",
    duties: str = "",
) -> Station:
    _require_manage(acting_user, congress.pk)
    villages = list(villages)
    town = congress.region
    if town is None or any(
        v.level != RegionLevel.VILLAGE or not _in_town(v, town) for v in villages
    ):
        raise DomainError(_("Choose villages and communities of this town."))
    station = Station(
        congress=congress,
        kind=kind,
        parent=parent,
        name=name.strip(),
        code=code.strip(),
        grade=grade,
        area=area,
        address=address.strip(),
        opening_hours=opening_hours,
        open_weekdays=open_weekdays,
        phone=phone,
        duties=duties,
    )
    check_station(station)
    check_grade(congress.pk, grade)
    if Station.objects.filter(congress=congress, code=station.code).exists():
        raise DomainError(_("Another station of this congress has that code."))
    with transaction.atomic():
        station.save()
        station.villages.set(villages)
        audit.record(
            "station.created",
            station,
            actor=acting_user,
            changes={"kind": [None, kind], "villages": [None, len(villages)]},
        )
    return station


def coverage(congress: Congress) -> dict[str, Any]:
    """Which villages of the town a station serves, which none does, and the totals."""
    town = congress.region
    villages = list(
        Region.objects.subtree_of(town).filter(level=RegionLevel.VILLAGE, is_active=True)
        if town
        else Region.objects.none()
    )
    stations = Station.objects.filter(congress=congress, is_active=True)
    served = set(
        Station.villages.through.objects.filter(
            station__congress=congress, station__is_active=True
        ).values_list("region_id", flat=True)
    )
    by_kind = dict(stations.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    counts = dict(stations.values_list("grade").annotate(n=Count("id")).values_list("grade", "n"))
    # Every active grade in the congress's order, plus a deactivated (or unknown) grade
    # some station still holds: (code, name, stations).
    by_grade = [
        (g.code, g.name, counts.get(g.code, 0))
        for g in grades(congress.pk)
        if g.is_active or counts.get(g.code)
    ]
    known = {code for code, _name, _n in by_grade}
    by_grade += [(code, code, n) for code, n in sorted(counts.items()) if code not in known]
    total = len(villages)
    covered = [v for v in villages if v.pk in served]
    return {
        "villages": total,
        "covered": len(covered),
        "uncovered": [v for v in villages if v.pk not in served],
        "rate": round(100 * len(covered) / total, 1) if total else 0.0,
        "central": by_kind.get(StationKind.CENTRAL, 0),
        "area": by_kind.get(StationKind.AREA, 0),
        "point": by_kind.get(StationKind.POINT, 0),
        "by_grade": by_grade,
        # Above the standard grade: 高标准 and 星级 (the default codes).
        "high": counts.get(StationGrade.HIGH, 0) + counts.get(StationGrade.STAR, 0),
    }


# --- deputies in stations (编组进站) -----------------------------------------------------


def deputies_of_town(congress: Congress, on: dt.date | None = None):
    """Every deputy, whatever the level, who lives or works in the town or sits in its
    congress: one row per person."""
    on = on or timezone.localdate()
    town = congress.region
    active = DeputyMembership.objects.active_on(on).filter(term__is_current=True)
    if town is None:
        return Deputy.objects.none()
    return Deputy.objects.filter(
        Q(id__in=active.filter(congress=congress).values("deputy_id"))
        | (
            Q(id__in=active.values("deputy_id"))
            & (
                Q(residence__path__startswith=town.path)
                | Q(id__in=DeputyWorkplace.objects.filter(town=town).values("deputy_id"))
            )
        )
    ).distinct()


def unassigned_deputies(congress: Congress):
    seated = StationMember.objects.filter(congress=congress, until__isnull=True)
    return (
        deputies_of_town(congress)
        .exclude(id__in=seated.values("deputy_id"))
        .select_related("residence")
        .order_by("name", "id")
    )


def _linked_to_town(deputy: Deputy, congress: Congress) -> bool:
    town = congress.region
    if town is None:
        return False
    if _in_town(deputy.residence, town):
        return True
    if DeputyWorkplace.objects.filter(deputy=deputy, town=town).exists():
        return True
    return DeputyMembership.objects.active_on().filter(deputy=deputy, congress=congress).exists()


def assign_deputy(
    station: Station, deputy: Deputy, *, acting_user: Any, since: dt.date | None = None
) -> StationMember:
    """Seat a deputy in a station; a deputy already seated in another station of the town
    moves (the old seat ends, nothing is deleted)."""
    _require_manage(acting_user, station.congress_id)
    since = since or timezone.localdate()
    if not _linked_to_town(deputy, station.congress):
        raise DomainError(
            _("%(deputy)s neither lives nor works in %(town)s: record the workplace first.")
            % {"deputy": deputy.name, "town": station.congress.region}
        )
    with transaction.atomic():
        Deputy.objects.select_for_update(of=("self",)).filter(pk=deputy.pk).first()
        current = (
            StationMember.objects.select_for_update(of=("self",))
            .filter(congress_id=station.congress_id, deputy=deputy, until__isnull=True)
            .first()
        )
        if current is not None:
            if current.station_id == station.pk:
                raise DomainError(_("This deputy is already in this station."))
            current.until = since
            current.save(update_fields=["until"])
            audit.record("station.member_left", current, actor=acting_user)
        member = StationMember.objects.create(
            station=station, congress_id=station.congress_id, deputy=deputy, since=since
        )
        audit.record(
            "station.member_joined",
            member,
            actor=acting_user,
            changes={"station": [current.station_id if current else None, station.pk]},
        )
    return member


def assign_unassigned(congress: Congress, *, acting_user: Any) -> int:
    """编组进站 in one action: every unassigned deputy goes to the area station of the 片区
    they live in, or to the central station (deputies who only work in the town, or live
    in a village outside any area). Returns how many were seated."""
    _require_manage(acting_user, congress.pk)
    stations = Station.objects.filter(congress=congress, is_active=True)
    central = stations.filter(kind=StationKind.CENTRAL).order_by("id").first()
    by_area = {s.area_id: s for s in stations.filter(kind=StationKind.AREA, area__isnull=False)}
    town = congress.region
    seated = 0
    with transaction.atomic():
        for deputy in unassigned_deputies(congress):
            home = deputy.residence
            station = (
                by_area.get(home.area_id) if home and town and _in_town(home, town) else None
            ) or central
            if station is None:
                raise DomainError(_("Set up the central station first."))
            assign_deputy(station, deputy, acting_user=acting_user)
            seated += 1
    return seated


def record_workplace(
    deputy: Deputy, *, town: Region, employer: str, acting_user: Any, congress: Congress
) -> DeputyWorkplace:
    _require_manage(acting_user, congress.pk)
    if town.level != RegionLevel.TOWN or congress.region_id != town.pk:
        raise DomainError(_("Record workplaces in your own town."))
    if not employer.strip():
        raise DomainError(_("Name the employer."))
    with transaction.atomic():
        place, _created = DeputyWorkplace.objects.update_or_create(
            deputy=deputy, town=town, defaults={"employer": employer.strip()}
        )
        audit.record("station.workplace", place, actor=acting_user, congress_id=congress.pk)
    return place


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


def _lock_duty(duty: DutyAssignment) -> DutyAssignment:
    return (
        DutyAssignment.objects.select_for_update(of=("self",))
        .select_related("shift__station")
        .get(pk=duty.pk)
    )


def _move_duty(duty: DutyAssignment, to: str, actor: Any, fields: Sequence[str] = ()) -> None:
    workflow.move(
        duty,
        to,
        transitions=DUTY_TRANSITIONS,
        action=f"station.duty_{to}",
        actor=actor,
        fields=fields,
        error=lambda: _("This duty is already %(status)s.") % {"status": duty.get_status_display()},
    )


def substitute(duty: DutyAssignment, *, deputy: Deputy, acting_user: Any) -> DutyAssignment:
    """Another deputy takes the duty (替班); the first one's row stays as 'replaced'."""
    with transaction.atomic():
        duty = _lock_duty(duty)
        shift = duty.shift
        _require_run(acting_user, shift.station)
        if shift.status != ShiftStatus.SCHEDULED:
            raise DomainError(_("This shift is no longer scheduled."))
        if not StationMember.objects.filter(
            congress_id=shift.congress_id, deputy=deputy, until__isnull=True
        ).exists():
            raise DomainError(_("The substitute must be a deputy seated in a station of the town."))
        if DutyAssignment.objects.filter(shift=shift, deputy=deputy).exists():
            raise DomainError(_("This deputy is already on this shift."))
        if _conflict(deputy, shift):
            raise _conflict_error(deputy, shift)
        _move_duty(duty, DutyStatus.REPLACED, acting_user)
        new = DutyAssignment.objects.create(
            shift=shift, deputy=deputy, congress_id=shift.congress_id, replaces=duty
        )
        audit.record(
            "station.duty_substituted",
            new,
            actor=acting_user,
            changes={"deputy": [duty.deputy_id, deputy.pk]},
        )
    return new


def swap(first: DutyAssignment, second: DutyAssignment, *, acting_user: Any) -> None:
    """Two deputies exchange their shifts (换班)."""
    if first.pk == second.pk:
        raise DomainError(_("Choose two different duties."))
    with transaction.atomic():
        a, b = sorted([first, second], key=lambda d: d.pk)
        a, b = _lock_duty(a), _lock_duty(b)
        for duty in (a, b):
            _require_run(acting_user, duty.shift.station)
            if duty.status != DutyStatus.SCHEDULED or duty.shift.status != ShiftStatus.SCHEDULED:
                raise DomainError(_("Only scheduled duties can be swapped."))
        if a.congress_id != b.congress_id:
            raise DomainError(_("Swap duties within one town."))
        if a.deputy_id == b.deputy_id:
            raise DomainError(_("Both duties belong to the same deputy."))
        for duty, other in ((a, b), (b, a)):
            if DutyAssignment.objects.filter(shift=other.shift, deputy=duty.deputy).exists():
                raise DomainError(
                    _("%(deputy)s is already on the other shift.") % {"deputy": duty.deputy.name}
                )
            if _conflict(duty.deputy, other.shift, exclude=[duty.pk]):
                raise _conflict_error(duty.deputy, other.shift)
        a_deputy, b_deputy = a.deputy, b.deputy
        a.deputy, b.deputy = b_deputy, a_deputy
        # The unique (shift, deputy) pair never collides: each deputy leaves a shift the
        # other one was not on (checked above).
        a.save(update_fields=["deputy"])
        b.save(update_fields=["deputy"])
        for duty, old in ((a, a_deputy), (b, b_deputy)):
            audit.record(
                "station.duty_swapped",
                duty,
                actor=acting_user,
                changes={"deputy": [old.pk, duty.deputy_id]},
            )


def confirm_attendance(duty: DutyAssignment, *, acting_user: Any) -> DutyAssignment:
    with transaction.atomic():
        duty = _lock_duty(duty)
        _require_run(acting_user, duty.shift.station)
        if duty.shift.date > timezone.localdate():
            raise DomainError(_("Attendance is confirmed on the day of the shift or later."))
        duty.checkin_method = CheckinMethod.STAFF
        duty.checked_in_at = timezone.now()
        _move_duty(duty, DutyStatus.ATTENDED, acting_user, ["checkin_method", "checked_in_at"])
        _hold(duty.shift, acting_user)
    return duty


def mark_missed(duty: DutyAssignment, *, acting_user: Any) -> DutyAssignment:
    with transaction.atomic():
        duty = _lock_duty(duty)
        _require_run(acting_user, duty.shift.station)
        if duty.shift.date > timezone.localdate():
            raise DomainError(_("A shift can only be missed once its day has come."))
        _move_duty(duty, DutyStatus.MISSED, acting_user)
    return duty


def _hold(shift: DutyShift, actor: Any) -> None:
    shift = DutyShift.objects.select_for_update(of=("self",)).get(pk=shift.pk)
    if shift.status == ShiftStatus.SCHEDULED:
        _move_shift(shift, ShiftStatus.HELD, actor)


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
    from renda.core.notify import sms_on_commit

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
            text = _(
                "Reception duty on %(day)s %(start)s–%(end)s at %(station)s (%(address)s)."
            ) % {
                "day": shift.date.isoformat(),
                "start": shift.start_time.strftime("%H:%M"),
                "end": shift.end_time.strftime("%H:%M"),
                "station": shift.station.name,
                "address": shift.station.address,
            }
            notify_on_commit(
                [d.deputy.user for d in duties if d.deputy.user_id],
                _("Your reception duty on %(day)s") % {"day": shift.date.isoformat()},
                text,
            )
            for duty in duties:
                sms_on_commit(duty.deputy.phone, text)
            audit.record(
                "station.shift_announced",
                shift,
                actor=None,
                changes={"deputies": [None, [d.deputy_id for d in duties]]},
            )
            shifts += 1
            messages += len(duties)
    return {"shifts": shifts, "deputies": messages}


# --- QR check-in -----------------------------------------------------------------------


def checkin_code(station: Station) -> str:
    """A signed, time-stamped code shown as a QR code at the station; it expires after the
    congress's configured minutes, so a photo of it is no use the next day."""
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(f"{station.congress_id}.{station.pk}")


def check_in_by_code(user: Any, code: str) -> DutyAssignment:
    deputy = deputy_of(user)
    if deputy is None:
        raise DomainError(_("Only a deputy can check in with the station code."))
    signer = signing.TimestampSigner(salt=CHECKIN_SALT)
    try:
        value = signer.unsign(code.strip())
        congress_id, station_id = (int(x) for x in value.split("."))
    except (signing.BadSignature, ValueError):
        raise DomainError(_("This check-in code is not valid.")) from None
    minutes = StationRules.for_congress(congress_id).checkin_code_minutes
    try:
        signer.unsign(code.strip(), max_age=dt.timedelta(minutes=minutes))
    except signing.SignatureExpired:
        raise DomainError(
            _("This check-in code has expired; scan the code shown at the station now.")
        ) from None
    today = timezone.localdate()
    with transaction.atomic():
        duty = (
            DutyAssignment.objects.select_for_update(of=("self",))
            .filter(
                deputy=deputy,
                shift__station_id=station_id,
                shift__congress_id=congress_id,
                shift__date=today,
                status=DutyStatus.SCHEDULED,
                shift__status=ShiftStatus.SCHEDULED,
            )
            .select_related("shift__station")
            .first()
        )
        if duty is None:
            raise DomainError(_("You are not on duty at this station today."))
        duty.checkin_method = CheckinMethod.QR
        duty.checked_in_at = timezone.now()
        _move_duty(duty, DutyStatus.ATTENDED, user, ["checkin_method", "checked_in_at"])
        _hold(duty.shift, user)
    return duty


# --- iCalendar feed --------------------------------------------------------------------


def calendar_token(deputy: Deputy) -> str:
    return salted_hmac(ICS_SALT, f"deputy:{deputy.pk}").hexdigest()[:32]


def calendar_token_matches(deputy: Deputy, token: str) -> bool:
    return bool(token) and constant_time_compare(calendar_token(deputy), token)


# --- QR codes to the opinion form (站点码, 代表码) -------------------------------------------


def qr_token(
    *, station: Station | None = None, deputy: Deputy | None = None, congress_id: int
) -> str:
    """Signed (not secret) token that the opinion form accepts as `?via=`: a visitor cannot
    make up a station or a deputy as the source."""
    payload = {"c": congress_id}
    if station is not None:
        payload["s"] = station.pk
    if deputy is not None:
        payload["d"] = deputy.pk
    return signing.dumps(payload, salt=QR_SALT, compress=True)


def resolve_qr_token(token: str, congress_id: int) -> tuple[Station | None, Deputy | None]:
    """The station or deputy a QR link names, for this congress; (None, None) when the
    token is invalid or names another congress."""
    try:
        payload = signing.loads(token or "", salt=QR_SALT)
    except signing.BadSignature:
        return None, None
    if not isinstance(payload, dict) or payload.get("c") != congress_id:
        return None, None
    station = (
        Station.objects.filter(pk=payload["s"], congress_id=congress_id, is_active=True).first()
        if "s" in payload
        else None
    )
    deputy = None
    congress = Congress.objects.filter(pk=congress_id).select_related("region").first()
    if "d" in payload and congress is not None:
        deputy = deputies_of_town(congress).filter(pk=payload["d"]).first()
    return station, deputy


def link_qr_case(
    case: Case, *, station: Station | None, deputy: Deputy | None
) -> StationCase | None:
    """Remember which station's or deputy's code a public opinion came through."""
    if station is None and deputy is None:
        return None
    link = StationCase.objects.create(
        case=case, station=station, deputy=deputy, congress_id=case.congress_id
    )
    audit.record("station.qr_case", link, actor=None, congress_id=case.congress_id)
    return link


# --- receptions ------------------------------------------------------------------------


def _clean_visitor(name: str, phone: str) -> tuple[str, str]:
    name = cases.clean_text(name, field=_("The name"), maximum=40, required=False)
    phone = (phone or "").strip()
    if phone:
        try:
            validate_cn_mobile(phone)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    return name, phone


def record_reception(
    station: Station,
    *,
    date: dt.date,
    deputies: Sequence[Deputy],
    acting_user: Any,
    shift: DutyShift | None = None,
    visitor_name: str = "",
    visitor_phone: str = "",
    visitor_village: Region | None = None,
    visitor_count: int = 1,
    matters: Sequence[tuple[Category, str]] = (),
) -> Reception:
    """A reception at a shift or a walk-in: visitors (identity optional) and matters."""
    _require_run(acting_user, station)
    if date > timezone.localdate():
        raise DomainError(_("A reception is recorded once it has happened."))
    if shift is not None and (shift.station_id != station.pk or shift.date != date):
        raise DomainError(_("The shift is not this station's on that day."))
    if not deputies:
        raise DomainError(_("Name the deputies who received the visitors."))
    town = station.congress.region
    if visitor_village is not None and not (
        visitor_village.level == RegionLevel.VILLAGE and town and _in_town(visitor_village, town)
    ):
        raise DomainError(_("Choose a village or community of this town."))
    if visitor_count < 1:
        raise DomainError(_("At least one visitor."))
    name, phone = _clean_visitor(visitor_name, visitor_phone)
    for category, _content in matters:
        if category.congress_id != station.congress_id:
            raise DomainError(_("Choose one of this congress's categories."))
    with transaction.atomic():
        reception = Reception.objects.create(
            station=station,
            congress_id=station.congress_id,
            shift=shift,
            date=date,
            visitor_name=name,
            visitor_phone=phone,
            visitor_village=visitor_village,
            visitor_count=visitor_count,
            recorded_by=acting_user,
        )
        reception.deputies.set(deputies)
        audit.record(
            "station.reception_recorded",
            reception,
            actor=acting_user,
            changes={"matters": [None, len(matters)]},
        )
        for category, content in matters:
            _add_matter(reception, category, content, deputies[0], acting_user)
    return reception


def _add_matter(
    reception: Reception, category: Category, content: str, deputy: Deputy | None, actor: Any
) -> ReceptionMatter:
    content = cases.clean_text(content, field=_("The matter"), maximum=cases.MAX_CONTENT)
    matter = ReceptionMatter.objects.create(
        reception=reception,
        congress_id=reception.congress_id,
        category=category,
        content=content,
        deputy=deputy,
    )
    audit.record("station.matter_recorded", matter, actor=actor)
    return matter


def add_matter(
    reception: Reception, *, category: Category, content: str, deputy: Deputy, acting_user: Any
) -> ReceptionMatter:
    _require_run(acting_user, reception.station)
    if category.congress_id != reception.congress_id:
        raise DomainError(_("Choose one of this congress's categories."))
    if not reception.deputies.filter(pk=deputy.pk).exists():
        raise DomainError(_("The deputy must be one of those who received the visitor."))
    with transaction.atomic():
        return _add_matter(reception, category, content, deputy, acting_user)


def _lock_matter(matter: ReceptionMatter) -> ReceptionMatter:
    return (
        ReceptionMatter.objects.select_for_update(of=("self",))
        .select_related("reception__station__congress__region", "category", "deputy")
        .get(pk=matter.pk)
    )


def _dispose(matter: ReceptionMatter, to: str, actor: Any, fields: Sequence[str] = ()) -> None:
    if to not in DISPOSITION_TRANSITIONS[Disposition(matter.status)]:
        raise DomainError(
            _("This matter was already disposed of: %(status)s.")
            % {"status": matter.get_status_display()}
        )
    old = matter.status
    matter.status = to
    matter.disposed_at = timezone.now()
    matter.save(update_fields=["status", "disposed_at", *fields])
    audit.record(f"station.matter_{to}", matter, actor=actor, changes={"status": [old, to]})


def answer_matter(matter: ReceptionMatter, *, answer: str, acting_user: Any) -> ReceptionMatter:
    answer = cases.clean_text(answer, field=_("The answer"), maximum=2000)
    with transaction.atomic():
        matter = _lock_matter(matter)
        _require_run(acting_user, matter.reception.station)
        matter.note = answer
        _dispose(matter, Disposition.ANSWERED, acting_user, ["note"])
    return matter


def redirect_matter(matter: ReceptionMatter, *, reason: str, acting_user: Any) -> ReceptionMatter:
    """Litigation, petitions (涉诉/信访): pointed to the proper channel, not handled as a case."""
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        matter = _lock_matter(matter)
        _require_run(acting_user, matter.reception.station)
        matter.note = reason
        _dispose(matter, Disposition.REDIRECTED, acting_user, ["note"])
    return matter


def matter_to_case(matter: ReceptionMatter, *, acting_user: Any) -> tuple[ReceptionMatter, str]:
    """One action: the matter becomes an opinion case on the engine, with the station as
    source and the deputy who forwards it. Returns the check code for the visitor."""
    with transaction.atomic():
        matter = _lock_matter(matter)
        reception = matter.reception
        _require_run(acting_user, reception.station)
        if matter.status != Disposition.PENDING:
            _dispose(matter, Disposition.CASE, acting_user)  # raises the translated error
        case, code = cases.submit_case(
            congress=reception.station.congress,
            category=matter.category,
            content=matter.content,
            source=CaseSource.STATION,
            village=reception.visitor_village,
            address=reception.station.name,
            submitter_name=reception.visitor_name,
            submitter_phone=reception.visitor_phone,
            source_deputy=matter.deputy,
            entered_by=acting_user,
        )
        matter.case = case
        _dispose(matter, Disposition.CASE, acting_user, ["case"])
    return matter, code


def higher_congress_of(deputy: Deputy, congress: Congress) -> Congress | None:
    """The nearest congress above this one in which the deputy holds an active seat: the
    matter goes up through them."""
    active = set(
        DeputyMembership.objects.active_on()
        .filter(deputy=deputy, term__is_current=True)
        .values_list("congress_id", flat=True)
    )
    higher = congress.parent
    while higher is not None:
        if higher.pk in active:
            return higher
        higher = higher.parent
    return None


def escalate_matter(
    matter: ReceptionMatter, *, deputy: Deputy, acting_user: Any
) -> tuple[ReceptionMatter, str]:
    """A matter beyond the town's authority goes to the higher congress through a deputy of
    that congress (DOMAIN.md §2 routing): a case there, with the station as source."""
    with transaction.atomic():
        matter = _lock_matter(matter)
        reception = matter.reception
        _require_run(acting_user, reception.station)
        if matter.status != Disposition.PENDING:
            _dispose(matter, Disposition.ESCALATED, acting_user)
        higher = higher_congress_of(deputy, reception.station.congress)
        if higher is None:
            raise DomainError(
                _("%(deputy)s holds no seat in a higher congress; choose a deputy who does.")
                % {"deputy": deputy.name}
            )
        category = Category.objects.filter(
            congress=higher, code=matter.category.code, is_active=True
        ).first()
        if category is None:
            raise DomainError(
                _("%(congress)s has no category %(category)s.")
                % {"congress": higher, "category": matter.category.name}
            )
        case, code = cases.submit_case(
            congress=higher,
            category=category,
            content=matter.content,
            source=CaseSource.STATION,
            village=reception.visitor_village,
            address=reception.station.name,
            submitter_name=reception.visitor_name,
            submitter_phone=reception.visitor_phone,
            source_deputy=deputy,
            entered_by=acting_user,
        )
        matter.case = case
        matter.deputy = deputy
        _dispose(matter, Disposition.ESCALATED, acting_user, ["case", "deputy"])
    return matter, code


def matter_to_suggestion(matter: ReceptionMatter, *, acting_user: Any) -> ReceptionMatter:
    """The deputy who forwards the matter turns it into a draft suggestion of their own;
    they finish and submit it from their suggestion pages."""
    from renda.suggestions import services as suggestions

    with transaction.atomic():
        matter = _lock_matter(matter)
        deputy = deputy_of(acting_user)
        if deputy is None or deputy.pk != matter.deputy_id:
            raise DomainError(
                _("Only the deputy who forwards the matter can make it their suggestion.")
            )
        if matter.status != Disposition.PENDING:
            _dispose(matter, Disposition.SUGGESTION, acting_user)
        draft = suggestions.create_draft(
            acting_user=acting_user,
            congress=matter.reception.station.congress,
            category=matter.category,
            title=matter.content.replace("\n", " ")[:30],
            content=matter.content,
        )
        matter.suggestion_id = draft.pk
        _dispose(matter, Disposition.SUGGESTION, acting_user, ["suggestion_id"])
    return matter


# --- dual contact and constituency visits ----------------------------------------------


def create_pairing(
    congress: Congress,
    *,
    kind: str,
    deputy: Deputy,
    acting_user: Any,
    contact_deputy: Deputy | None = None,
    household: str = "",
    village: Region | None = None,
    target_per_year: int | None = None,
) -> ContactPairing:
    _require_manage(acting_user, congress.pk)
    rules_row = StationRules.for_congress(congress.pk)
    town_deputies = deputies_of_town(congress)
    if not town_deputies.filter(pk=deputy.pk).exists():
        raise DomainError(_("Choose a deputy of this town."))
    if kind == PairingKind.PRESIDIUM:
        if contact_deputy is None or not town_deputies.filter(pk=contact_deputy.pk).exists():
            raise DomainError(_("Choose the paired deputy."))
        if contact_deputy.pk == deputy.pk:
            raise DomainError(_("A deputy is not paired with themselves."))
        target = target_per_year or rules_row.presidium_contacts_per_year
    elif kind == PairingKind.VOTERS:
        if not household.strip():
            raise DomainError(_("Name the voter household."))
        town = congress.region
        if village is not None and not (town and _in_town(village, town)):
            raise DomainError(_("Choose a village or community of this town."))
        target = target_per_year or rules_row.voter_contacts_per_year
    else:
        raise DomainError(_("Unknown pairing."))
    with transaction.atomic():
        pairing = ContactPairing.objects.create(
            congress=congress,
            kind=kind,
            deputy=deputy,
            contact_deputy=contact_deputy if kind == PairingKind.PRESIDIUM else None,
            household=household.strip()[:100],
            village=village,
            target_per_year=target,
        )
        audit.record("station.pairing_created", pairing, actor=acting_user)
    return pairing


def log_contact(
    congress: Congress,
    *,
    deputy: Deputy,
    kind: str,
    date: dt.date,
    summary: str,
    acting_user: Any,
    pairing: ContactPairing | None = None,
    constituency: Any = None,
    voters_met: int = 1,
    issues: str = "",
) -> ContactLog:
    """A contact of a pairing or a visit to the constituency; the deputy logs their own,
    the office logs anyone's."""
    own = deputy_of(acting_user)
    if not (may_manage(acting_user, congress.pk) or (own is not None and own.pk == deputy.pk)):
        raise DomainError(_("You may only log your own contacts."))
    if date > timezone.localdate():
        raise DomainError(_("Log a contact once it has happened."))
    summary = cases.clean_text(summary, field=_("The summary"), maximum=2000)
    issues = cases.clean_text(issues, field=_("The issues"), maximum=5000, required=False)
    if kind == ContactKind.PAIRING:
        if pairing is None or pairing.congress_id != congress.pk or pairing.deputy_id != deputy.pk:
            raise DomainError(_("Choose one of the deputy's pairings."))
    elif kind == ContactKind.CONSTITUENCY:
        pairing = None
        if constituency is None:
            # The deputy's own constituency in this congress, when they have one here.
            seat = (
                DeputyMembership.objects.active_on()
                .filter(deputy=deputy, congress=congress, constituency__isnull=False)
                .select_related("constituency")
                .first()
            )
            constituency = seat.constituency if seat else None
        if (
            constituency is not None
            and not DeputyMembership.objects.filter(
                deputy=deputy, constituency=constituency
            ).exists()
        ):
            raise DomainError(_("This is not the deputy's constituency."))
    else:
        raise DomainError(_("Unknown contact."))
    if voters_met < 1:
        raise DomainError(_("At least one voter."))
    with transaction.atomic():
        log = ContactLog.objects.create(
            congress=congress,
            kind=kind,
            deputy=deputy,
            pairing=pairing,
            constituency=constituency,
            date=date,
            voters_met=voters_met,
            summary=summary,
            issues=issues,
            recorded_by=acting_user,
        )
        audit.record("station.contact_logged", log, actor=acting_user)
    return log


def contact_issue_to_case(
    log: ContactLog, *, category: Category, acting_user: Any
) -> tuple[ContactLog, str]:
    """The issues raised in a contact become an opinion case forwarded by the deputy."""
    with transaction.atomic():
        log = (
            ContactLog.objects.select_for_update(of=("self",))
            .select_related("congress")
            .get(pk=log.pk)
        )
        own = deputy_of(acting_user)
        if not (
            may_manage(acting_user, log.congress_id)
            or (own is not None and own.pk == log.deputy_id)
        ):
            raise DomainError(_("You may only forward your own contacts' issues."))
        if log.case_id is not None:
            raise DomainError(_("These issues already became a case."))
        if not log.issues:
            raise DomainError(_("No issues were recorded for this contact."))
        case, code = cases.submit_case(
            congress=log.congress,
            category=category,
            content=log.issues,
            source=CaseSource.DEPUTY_VISIT,
            source_deputy=log.deputy,
            entered_by=acting_user,
        )
        log.case = case
        log.save(update_fields=["case"])
        audit.record(
            "station.contact_case", log, actor=acting_user, changes={"case": [None, case.pk]}
        )
    return log, code


# --- industry contact points -----------------------------------------------------------


def create_industry_point(
    congress: Congress,
    *,
    name: str,
    host: str,
    sector: str,
    deputies: Sequence[Deputy],
    acting_user: Any,
    station: Station | None = None,
) -> IndustryPoint:
    _require_manage(acting_user, congress.pk)
    if not (name.strip() and host.strip() and sector.strip()):
        raise DomainError(_("Give the name, the host firm or chain, and the sector."))
    if station is not None and station.congress_id != congress.pk:
        raise DomainError(_("Choose one of this congress's stations."))
    town_ids = set(deputies_of_town(congress).values_list("id", flat=True))
    if any(d.pk not in town_ids for d in deputies):
        raise DomainError(_("Choose deputies of this town."))
    with transaction.atomic():
        point = IndustryPoint.objects.create(
            congress=congress,
            station=station,
            name=name.strip()[:100],
            host=host.strip()[:200],
            sector=sector.strip()[:60],
        )
        point.deputies.set(deputies)
        audit.record("station.industry_point", point, actor=acting_user)
    return point


def link_firm(point: IndustryPoint, *, name: str, deputy: Deputy, acting_user: Any) -> LinkedFirm:
    """Each deputy of the point links a few firms (3–5 by default)."""
    _require_manage(acting_user, point.congress_id)
    if not point.deputies.filter(pk=deputy.pk).exists():
        raise DomainError(_("The deputy is not one of this contact point's deputies."))
    if not name.strip():
        raise DomainError(_("Name the firm."))
    limit = StationRules.for_congress(point.congress_id).firms_per_deputy_max
    with transaction.atomic():
        Deputy.objects.select_for_update(of=("self",)).filter(pk=deputy.pk).first()
        if (
            LinkedFirm.objects.filter(point__congress_id=point.congress_id, deputy=deputy).count()
            >= limit
        ):
            raise DomainError(
                _("%(deputy)s already links %(n)s firms, the most allowed.")
                % {"deputy": deputy.name, "n": limit}
            )
        if LinkedFirm.objects.filter(point=point, name=name.strip()).exists():
            raise DomainError(_("This firm is already linked to the contact point."))
        firm = LinkedFirm.objects.create(point=point, name=name.strip()[:200], deputy=deputy)
        audit.record("station.firm_linked", firm, actor=acting_user)
    return firm


def record_industry_activity(
    point: IndustryPoint,
    *,
    date: dt.date,
    title: str,
    deputies: Sequence[Deputy],
    acting_user: Any,
    issues: str = "",
    category: Category | None = None,
) -> tuple[IndustryActivity, str | None]:
    """An activity at the contact point; issues raised may go straight to the engine."""
    _require_manage(acting_user, point.congress_id)
    title = cases.clean_text(title, field=_("The activity"), maximum=200)
    issues = cases.clean_text(issues, field=_("The issues"), maximum=5000, required=False)
    if date > timezone.localdate():
        raise DomainError(_("Record an activity once it has happened."))
    if not deputies:
        raise DomainError(_("Name the deputies who took part."))
    if category is not None and not issues:
        raise DomainError(_("Record the issues before forwarding them as a case."))
    code = None
    with transaction.atomic():
        activity = IndustryActivity.objects.create(
            point=point, date=date, title=title, issues=issues
        )
        activity.deputies.set(deputies)
        if category is not None:
            case, code = cases.submit_case(
                congress=point.congress,
                category=category,
                content=issues,
                title=title[:100],
                source=CaseSource.DEPUTY_VISIT,
                source_deputy=deputies[0],
                address=point.host,
                entered_by=acting_user,
            )
            activity.case = case
            activity.save(update_fields=["case"])
        audit.record("station.industry_activity", activity, actor=acting_user)
    return activity, code
