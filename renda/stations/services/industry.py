"""Industry contact points: the points, their linked firms and their activities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import CaseSource, Category
from renda.congress.models import Congress, Deputy
from renda.core import audit
from renda.core.errors import DomainError
from renda.stations.models import IndustryActivity, IndustryPoint, LinkedFirm, Station, StationRules
from renda.stations.services.access import _require_manage
from renda.stations.services.seating import deputies_of_town


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
