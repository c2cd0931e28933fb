"""The access rules of the station network: who manages it, who runs a station, and
the deputy behind an account."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from renda.congress import policy
from renda.congress.models import Deputy
from renda.core.errors import DomainError
from renda.stations.models import Station


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
