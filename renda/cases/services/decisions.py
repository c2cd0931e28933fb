"""Supervision and the office's other decisions: merging duplicates (并案), escalation to
the higher congress, priority supervision (重点督办) and its notes, withdrawal,
redirection, review refusals (审查), and the logged reveal of contact details."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from renda.cases.models import (
    OPEN,
    AssignmentStatus,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    Category,
)
from renda.cases.services.doors import _tell_submitters
from renda.cases.services.helpers import (
    _copy_of,
    _event,
    _lock,
    _move,
    _new_case,
    _record,
    _require_staff,
    _staff,
    _supersede_assignments,
    clean_text,
    office_case_url,
)
from renda.congress import policy
from renda.congress.models import Role
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit


def merge_cases(duplicate: Case, *, into: Case, acting_user: Any, note: str = "") -> Case:
    """并案: the duplicate follows the main case; its submitter keeps the link and receives
    the main case's reply."""
    if duplicate.pk == into.pk:
        raise DomainError(_("A case cannot be merged into itself."))
    with transaction.atomic():
        # Lock both rows in id order so that two opposite merges cannot deadlock.
        first, second = sorted([duplicate, into], key=lambda c: c.pk)
        locked = {c.pk: _lock(c) for c in (first, second)}
        duplicate, into = locked[duplicate.pk], locked[into.pk]
        _require_staff(acting_user, duplicate)
        if into.congress_id != duplicate.congress_id:
            raise DomainError(_("Only cases of the same congress can be merged."))
        if into.status not in OPEN:
            raise DomainError(_("Merge into a case that is still open."))
        duplicate.merged_into = into
        _supersede_assignments(duplicate, acting_user)
        _move(
            duplicate,
            CaseStatus.MERGED,
            actor=acting_user,
            action="merged",
            fields=["merged_into"],
            note=_("Merged into %(serial)s. %(note)s") % {"serial": into.serial, "note": note},
        )
        _record(
            into,
            "merge_received",
            actor=acting_user,
            note=_("Case %(serial)s was merged into this one.") % {"serial": duplicate.serial},
        )
    return into


def escalate_case(
    case: Case, *, acting_user: Any, note: str = "", category: Category | None = None
) -> Case:
    """Send a matter beyond the town's authority to the higher congress: a new case there,
    linked to this one, which the submitter follows with the same ticket."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        higher = case.congress.parent
        if higher is None:
            raise DomainError(_("This congress has no higher congress to escalate to."))
        if category is None:
            category = Category.objects.filter(
                congress=higher, code=case.category.code, is_active=True
            ).first()
        if category is None or category.congress_id != higher.pk:
            raise DomainError(_("Choose the category of the case in the higher congress."))
        if not case.allowed(CaseStatus.ESCALATED):
            raise DomainError(_("This case can no longer be escalated."))
        new = _new_case(
            higher,
            case.kind,
            category=category,
            source=CaseSource.ESCALATION,
            entered_by=acting_user,
            **_copy_of(case),
        )
        _event(
            new,
            "received_by_escalation",
            actor=acting_user,
            public=True,
            to_status=new.status,
            note=_("Escalated from %(congress)s, case %(serial)s. %(note)s")
            % {"congress": case.congress, "serial": case.serial, "note": note},
        )
        audit.record("case.submitted", new, actor=acting_user, note=f"escalated from {case.serial}")
        case.escalated_to = new
        _supersede_assignments(case, acting_user)
        _move(
            case,
            CaseStatus.ESCALATED,
            actor=acting_user,
            action="escalated",
            fields=["escalated_to"],
            note=_("Escalated to %(congress)s as %(serial)s. %(note)s")
            % {"congress": higher, "serial": new.serial, "note": note},
        )
        notify_on_commit(
            _staff(higher.pk),
            _("Case escalated from %(congress)s") % {"congress": case.congress},
            case.title,
            office_case_url(new),
        )
    return new


def set_priority(case: Case, *, leader: Any, acting_user: Any, note: str = "") -> Case:
    """重点督办 with a named leader of the presidium."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        if (
            Role.LEADER not in policy.access(leader).by_role
            or case.congress_id not in policy.access(leader).by_role[Role.LEADER]
        ):
            raise DomainError(
                _("The supervising leader must be a leader of this congress's presidium.")
            )
        if case.status not in OPEN:
            raise DomainError(_("Only an open case can be put under priority supervision."))
        before = (case.is_priority, case.priority_leader_id)
        case.is_priority = True
        case.priority_leader = leader
        case.save(update_fields=["is_priority", "priority_leader"])
        _record(
            case,
            "priority_set",
            actor=acting_user,
            note=note,
            changes={"is_priority": [before[0], True], "priority_leader": [before[1], leader.pk]},
        )
        notify_on_commit(
            [leader],
            _("Priority supervision: case %(serial)s") % {"serial": case.serial},
            note,
            office_case_url(case),
        )
    return case


def record_supervision(
    case: Case, *, note: str, acting_user: Any, site_check: bool = False
) -> None:
    """重点督办: the leader's (or the office's) supervision notes and site checks."""
    note = clean_text(note, field=_("The note"), maximum=5000)
    with transaction.atomic():
        case = _lock(case)
        if not policy.can(acting_user, "case.supervise", case):
            raise DomainError(_("Only the presidium can supervise this case."))
        if not case.is_priority:
            raise DomainError(_("This case is not under priority supervision."))
        label = _("Site check") if site_check else _("Supervision note")
        _record(case, "supervision", actor=acting_user, note=f"{label}：{note}")


def withdraw_case(case: Case, *, reason: str, acting_user: Any) -> Case:
    """撤回 with a reason (nothing is deleted)."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        _supersede_assignments(case, acting_user)
        _move(case, CaseStatus.WITHDRAWN, actor=acting_user, action="withdrawn", note=reason)
    return case


def redirect_case(case: Case, *, reason: str, acting_user: Any) -> Case:
    """Litigation and petitions (涉诉/信访) go their own way: recorded and redirected."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        _move(case, CaseStatus.REDIRECTED, actor=acting_user, action="redirected", note=reason)
    return case


def reject_case(
    case: Case, *, reason: str, acting_user: Any, convert_to_opinion: bool = False
) -> Case | None:
    """审查 refuses a submission, with the reason given back to its author. Optionally the
    matter is handled as a public opinion instead (a new, linked case). Returns that case."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        if not case.allowed(CaseStatus.REJECTED):
            raise DomainError(
                _("Only a submitted case that has not been reviewed can be rejected.")
            )
        converted = None
        if convert_to_opinion:
            converted = _new_case(
                case.congress,
                CaseKind.OPINION,
                category=case.category,
                source=case.source,
                entered_by=acting_user,
                **_copy_of(case),
            )
            _event(
                converted,
                "submitted",
                actor=acting_user,
                public=True,
                to_status=converted.status,
                note=_("Converted from %(serial)s.") % {"serial": case.serial},
            )
            audit.record(
                "case.submitted", converted, actor=acting_user, note=f"converted from {case.serial}"
            )
            case.converted_to = converted
        _move(
            case,
            CaseStatus.REJECTED,
            actor=acting_user,
            action="rejected",
            note=reason,
            fields=["converted_to"],
        )
        if converted is not None:
            _record(
                case,
                "converted",
                actor=acting_user,
                public=True,
                note=_("Handled as public opinion %(serial)s.") % {"serial": converted.serial},
            )
        _tell_submitters(
            case,
            _("Your case %(serial)s was not accepted; see the reason given."),
            sms_kind="case_not_accepted",
            suggestion_message=_(
                "Your suggestion %(serial)s was not accepted as a suggestion; see the reason given."
            ),
        )
    return converted


def may_reveal_contact(user: Any, case: Case) -> bool:
    """The office and leaders of the case's congress (`case.reveal_contact`: not a read
    permission, so never a district following its towns) and the departments on the case."""
    return (
        policy.can(user, "case.reveal_contact", case)
        or case.assignments.filter(department_id__in=policy.department_ids(user))
        .exclude(status=AssignmentStatus.SUPERSEDED)
        .exists()
    )


def reveal_contact(case: Case, *, acting_user: Any) -> tuple[str, str]:
    """Show the submitter's name and phone to a role that needs them; logged each time."""
    if not may_reveal_contact(acting_user, case):
        raise DomainError(_("You may not see this person's contact details."))
    audit.record("case.contact_revealed", case, actor=acting_user)
    return case.submitter_name, case.submitter_phone
