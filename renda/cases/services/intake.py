"""Intake: a new case with its serial number and check code, the duplicate-submission
guard, the lookup by ticket and check code, and acceptance for handling (立案)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from renda.cases.models import (
    AttachmentPurpose,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    Category,
    derived_title,
)
from renda.cases.services.doors import _tell_submitters
from renda.cases.services.helpers import (
    MAX_CONTENT,
    MAX_TITLE,
    _attach,
    _event,
    _lock,
    _move,
    _new_case,
    _require_staff,
    _staff,
    check_code_matches,
    clean_text,
    new_check_code,
    office_case_url,
    validate_files,
)
from renda.congress.models import Congress
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.notify import notify_on_commit
from renda.core.validators import validate_cn_mobile

TICKET_CANDIDATES = 20


class DuplicateSubmission(DomainError):  # noqa: N818  (a domain event, not a fault)
    """The same submission token was used before: the form was sent twice."""

    def __init__(self, case: Case):
        super().__init__(_("This submission has already been received."))
        self.case = case


def submit_case(
    *,
    congress: Congress,
    category: Category,
    content: str,
    source: str,
    kind: str = CaseKind.OPINION,
    title: str = "",
    village: Region | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    submitter_name: str = "",
    submitter_phone: str = "",
    submitter_user: Any = None,
    source_deputy: Any = None,
    entered_by: Any = None,
    files: Sequence[Any] = (),
    submission_token: str | None = None,
    series: str | None = None,
) -> tuple[Case, str]:
    """Register a new case and give it its serial number. Returns the case and the check
    code for the submitter (shown once). A repeated submission token raises
    DuplicateSubmission carrying the case created the first time. `series` numbers the case
    in a series of its own (a session's suggestions: JY20-10-003) instead of the year's."""
    content = clean_text(content, field=_("The content"), maximum=MAX_CONTENT)
    title = clean_text(title, field=_("The title"), maximum=MAX_TITLE, required=False)
    if not title:
        title = derived_title(content)
    address = clean_text(address, field=_("The address"), maximum=200, required=False)
    submitter_name = clean_text(submitter_name, field=_("The name"), maximum=40, required=False)
    submitter_phone = (submitter_phone or "").strip()
    if submitter_phone:
        try:
            validate_cn_mobile(submitter_phone)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    if category.congress_id != congress.pk or not category.is_active:
        raise DomainError(_("Choose one of this congress's categories."))
    if village is not None:
        in_town = congress.region is not None and village.path.startswith(congress.region.path)
        if village.level != RegionLevel.VILLAGE or not in_town:
            raise DomainError(_("Choose a village or community of this town."))
    if source not in CaseSource.values:
        raise DomainError(_("Unknown source."))
    for value, bound in ((latitude, 90), (longitude, 180)):
        if value is not None and not -bound <= float(value) <= bound:
            raise DomainError(_("The coordinates are not valid."))
    validate_files(files, public=entered_by is None)
    code = new_check_code()
    try:
        # A repeated submission token is refused by the token's unique constraint (below):
        # no separate look-up first, whose answer the insert gives anyway.
        with transaction.atomic():
            case = _new_case(
                congress,
                kind,
                series=series,
                category=category,
                title=title,
                content=content,
                village=village,
                address=address,
                latitude=latitude,
                longitude=longitude,
                source=source,
                source_deputy=source_deputy,
                submitter_name=submitter_name,
                submitter_phone=submitter_phone,
                submitter_user=submitter_user,
                entered_by=entered_by,
                submission_token=submission_token or None,
                # The code is shown once; only its keyed hash, bound to the serial, is kept.
                check_code=code,
            )
            _attach(case, files, purpose=AttachmentPurpose.SUBMISSION, actor=entered_by)
            _event(case, "submitted", actor=entered_by, public=True, to_status=case.status)
            audit.record(
                "case.submitted", case, actor=entered_by, changes={"status": [None, case.status]}
            )
            notify_on_commit(
                _staff(congress.pk),
                _("New case %(serial)s") % {"serial": case.serial},
                title,
                office_case_url(case),
            )
    except IntegrityError:
        # The token was used before (a double click, a retried POST, or two requests
        # racing): the case created the first time.
        existing = (
            Case.objects.filter(submission_token=submission_token).first()
            if submission_token
            else None
        )
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from None
    return case, code


def case_by_ticket(ticket: str, code: str) -> Case | None:
    """The case for a ticket number and its check code, or None: a wrong code and an
    unknown ticket answer alike. Serials are unique per congress, so the same ticket may
    exist in two towns: the check code tells them apart."""
    ticket = (ticket or "").strip().upper()
    candidates = Case.objects.filter(serial=ticket).select_related("congress", "category")
    for case in candidates[:TICKET_CANDIDATES]:
        if check_code_matches(case, code):
            return case
    return None


def triage_case(case: Case, *, acting_user: Any, note: str = "") -> Case:
    """Accept the matter for handling (立案), before choosing the department."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        _move(case, CaseStatus.TRIAGED, actor=acting_user, action="triaged", note=note, public=True)
        _tell_submitters(
            case,
            _("Your case %(serial)s was accepted for handling."),
            suggestion_message=_("Your suggestion %(serial)s was accepted for handling."),
        )
    return case
