"""Attendance at duty shifts: substitutions and swaps, confirmation by the station, missed
shifts, and the deputy's check-in with the station's code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress.models import Deputy
from renda.core import audit, checkin, workflow
from renda.core.errors import DomainError
from renda.stations.models import (
    DUTY_TRANSITIONS,
    CheckinMethod,
    DutyAssignment,
    DutyShift,
    DutyStatus,
    ShiftStatus,
    Station,
    StationMember,
    StationRules,
)
from renda.stations.services.access import _require_run, deputy_of
from renda.stations.services.rosters import _conflict, _conflict_error, _move_shift

CHECKIN_SALT = "renda.stations.checkin"


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


# --- QR check-in -----------------------------------------------------------------------


def checkin_code(station: Station) -> str:
    """A signed, time-stamped code shown as a QR code at the station; it expires after the
    congress's configured minutes, so a photo of it is no use the next day."""
    return checkin.issue(CHECKIN_SALT, station.congress_id, station.pk)


def check_in_by_code(user: Any, code: str) -> DutyAssignment:
    deputy = deputy_of(user)
    if deputy is None:
        raise DomainError(_("Only a deputy can check in with the station code."))
    congress_id, station_id = checkin.read(
        CHECKIN_SALT,
        code,
        minutes=lambda ids: StationRules.for_congress(ids[0]).checkin_code_minutes,
        expired=_("This check-in code has expired; scan the code shown at the station now."),
    )
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
