"""QR codes to the public opinion form (站点码, 代表码): a signed token names the station or
the deputy a public opinion came through."""

from __future__ import annotations

from django.core import signing

from renda.cases.models import Case
from renda.congress.models import Congress, Deputy
from renda.core import audit, keys
from renda.stations.models import Station, StationCase
from renda.stations.services.seating import deputies_of_town

QR_SALT = "renda.stations.qr"


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
    return keys.dumps(payload, salt=QR_SALT, compress=True)


def resolve_qr_token(token: str, congress_id: int) -> tuple[Station | None, Deputy | None]:
    """The station or deputy a QR link names, for this congress; (None, None) when the
    token is invalid or names another congress."""
    try:
        payload = keys.loads(token or "", salt=QR_SALT)
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
