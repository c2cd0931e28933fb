"""The public-opinion front door's own state changes. The handling is the engine's
(`renda.cases.services`); what this door adds is how an opinion arrives: through the public
form, a station's or a deputy's QR code, or entered by the office for a visitor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from renda.cases import services as cases
from renda.cases.models import Case, CaseKind, CaseSource, Category
from renda.congress.models import Congress, Deputy
from renda.core.models import Region
from renda.core.notify import sms_on_commit
from renda.stations import services as stations
from renda.stations.models import Station


def submit_opinion(
    *,
    congress: Congress,
    category: Category,
    content: str,
    title: str = "",
    village: Region | None = None,
    address: str = "",
    submitter_name: str = "",
    submitter_phone: str = "",
    submitter_user: Any = None,
    files: Sequence[Any] = (),
    submission_token: str | None = None,
    source: str = CaseSource.WEB,
    source_deputy: Deputy | None = None,
    entered_by: Any = None,
    via_station: Station | None = None,
    via_deputy: Deputy | None = None,
) -> tuple[Case, str]:
    """Register a public opinion; returns the case and its check code (shown once).

    An opinion sent through a station's or a deputy's QR code (站点码, 代表码: `via_…`,
    resolved from the signed `?via=` token) comes from that station, forwarded by that
    deputy, and keeps the link to the code: the case and the link are written in one
    transaction, so there is never a case without the link it came with. A repeated
    submission token raises `DuplicateSubmission` and creates nothing."""
    with transaction.atomic():
        case, code = cases.submit_case(
            congress=congress,
            kind=CaseKind.OPINION,
            category=category,
            title=title,
            content=content,
            village=village,
            address=address,
            source=CaseSource.STATION if via_station is not None else source,
            source_deputy=via_deputy or source_deputy,
            submitter_name=submitter_name,
            submitter_phone=submitter_phone,
            submitter_user=submitter_user,
            entered_by=entered_by,
            files=files,
            submission_token=submission_token,
        )
        stations.link_qr_case(case, station=via_station, deputy=via_deputy)
        if case.submitter_phone:
            # The ticket number by text message at once (never the check code: the
            # receipt shows it once, to whoever submitted).
            sms_on_commit(
                case.submitter_phone,
                kind="opinion_received",
                params={"congress": congress.name, "serial": case.serial},
            )
    return case, code
