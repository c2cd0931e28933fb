"""Receptions and the matters raised at them, and each matter's disposition: answered on
the spot, redirected, an opinion case, escalated to the higher congress, or handed to
another front door (a deputy's suggestion draft) through a registered handler."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import CaseSource, Category
from renda.congress.models import Congress, Deputy, DeputyMembership
from renda.core import audit, workflow
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.validators import validate_cn_mobile
from renda.stations.models import (
    DISPOSITION_TRANSITIONS,
    Disposition,
    DutyShift,
    Reception,
    ReceptionMatter,
    Station,
)
from renda.stations.services.access import _require_run, deputy_of
from renda.stations.services.network import _in_town

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


def _refused(matter: ReceptionMatter) -> str:
    return _("This matter was already disposed of: %(status)s.") % {
        "status": matter.get_status_display()
    }


def _check_disposable(matter: ReceptionMatter, to: str) -> None:
    """Refuse early (before a case or a draft is created) a matter that cannot go `to`."""
    if not workflow.allowed(matter, to, DISPOSITION_TRANSITIONS):
        raise DomainError(_refused(matter))


def _dispose(matter: ReceptionMatter, to: str, actor: Any, fields: Sequence[str] = ()) -> None:
    workflow.move(
        matter,
        to,
        transitions=DISPOSITION_TRANSITIONS,
        action=f"station.matter_{to}",
        actor=actor,
        fields=fields,
        values={"disposed_at": timezone.now()},
        error=lambda: _refused(matter),
    )


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
        _check_disposable(matter, Disposition.CASE)
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
        _check_disposable(matter, Disposition.ESCALATED)
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


# --- matters handed to another front door -----------------------------------------------
#
# Stations sit beside the other front doors onto the case engine and never import them.
# A door that can take a matter over (suggestions: the forwarding deputy's own draft)
# registers a handler at app-ready time; the stations pages offer the action only when a
# handler is registered, and the door records the disposition through the services below.


@dataclass(frozen=True)
class MatterHandler:
    # (matter, *, acting_user) -> the object the matter became; runs in one transaction and
    # records the disposition through this module's services.
    run: Callable[..., Any]
    # The address of that object, for the page that ran the handler.
    url: Callable[[Any], str]


_MATTER_HANDLERS: dict[str, MatterHandler] = {}


def register_matter_handler(
    disposition: str, run: Callable[..., Any], *, url: Callable[[Any], str]
) -> None:
    """A front door takes matters over as `disposition` (e.g. "suggestion"). Called from
    the door's AppConfig.ready(), so every process registers the same handlers."""
    if disposition not in Disposition.values or disposition == Disposition.PENDING:
        raise ValueError(f"not a disposition a handler can take: {disposition!r}")
    _MATTER_HANDLERS[disposition] = MatterHandler(run=run, url=url)


def matter_handler(disposition: str) -> MatterHandler | None:
    """The registered handler for `disposition`, if its front door is installed."""
    return _MATTER_HANDLERS.get(disposition)


def lock_matter_for_suggestion(matter: ReceptionMatter, *, acting_user: Any) -> ReceptionMatter:
    """In the caller's transaction: the matter, locked, if the acting user is the deputy
    who forwards it and it is still pending (the suggestions door calls this before it
    creates the draft)."""
    matter = _lock_matter(matter)
    deputy = deputy_of(acting_user)
    if deputy is None or deputy.pk != matter.deputy_id:
        raise DomainError(
            _("Only the deputy who forwards the matter can make it their suggestion.")
        )
    _check_disposable(matter, Disposition.SUGGESTION)
    return matter


def dispose_as_suggestion(
    matter: ReceptionMatter, *, suggestion_id: int, acting_user: Any
) -> ReceptionMatter:
    """In the caller's transaction, on a matter from `lock_matter_for_suggestion`: the
    matter became the deputy's suggestion draft `suggestion_id`."""
    matter.suggestion_id = suggestion_id
    _dispose(matter, Disposition.SUGGESTION, acting_user, ["suggestion_id"])
    return matter
