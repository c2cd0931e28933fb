"""Dual contact (双联系) and constituency visits: pairings, contact logs, and the issues
raised in a contact forwarded as a case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import CaseSource, Category
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.models import Region
from renda.stations.models import ContactKind, ContactLog, ContactPairing, PairingKind, StationRules
from renda.stations.services.access import _require_manage, deputy_of, may_manage
from renda.stations.services.network import _in_town
from renda.stations.services.seating import deputies_of_town


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
