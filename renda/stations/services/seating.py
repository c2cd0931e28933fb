"""Deputies in stations (编组进站): who belongs to the town, seating and moving them, their
workplaces in the town."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.stations.models import DeputyWorkplace, Station, StationKind, StationMember
from renda.stations.services.access import _require_manage
from renda.stations.services.network import _in_town


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
    deputy: Deputy, *, town: Region | None, employer: str, acting_user: Any, congress: Congress
) -> DeputyWorkplace:
    _require_manage(acting_user, congress.pk)
    if town is None or town.level != RegionLevel.TOWN or congress.region_id != town.pk:
        raise DomainError(_("Record workplaces in your own town."))
    if not employer.strip():
        raise DomainError(_("Name the employer."))
    with transaction.atomic():
        place, _created = DeputyWorkplace.objects.update_or_create(
            deputy=deputy, town=town, defaults={"employer": employer.strip()}
        )
        audit.record("station.workplace", place, actor=acting_user, congress_id=congress.pk)
    return place
