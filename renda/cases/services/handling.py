"""Assignment and handling: 交办 to one lead unit (with co-handlers) or several split
units, signing, returns, progress, extensions, contacts with the person who raised the
case, and co-handlers' views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases.models import (
    ANSWERING_ROLES,
    EXTENSION_TRANSITIONS,
    HANDLING,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AttachmentPurpose,
    Case,
    CaseRules,
    CaseStatus,
    ContactMode,
    ContactRecord,
    ContactStage,
    ExtensionRequest,
    ExtensionStatus,
)
from renda.cases.services.doors import _tell_submitters
from renda.cases.services.helpers import (
    _acting_department,
    _answering_statuses,
    _attach,
    _handlers,
    _lock,
    _lock_assignment,
    _move,
    _move_assignment,
    _record,
    _require_department,
    _require_staff,
    _staff,
    _supersede_assignments,
    _today,
    clean_text,
    department_case_url,
    due_date_for,
    latest_due_date_for,
    office_case_url,
    validate_files,
)
from renda.cases.services.replies import _finish_reply_round
from renda.congress import policy
from renda.congress.models import Department
from renda.core import workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.core.workdays import add_months


def assign_case(
    case: Case,
    *,
    acting_user: Any,
    lead: Department | None = None,
    co_handlers: Sequence[Department] = (),
    splits: Sequence[Department] = (),
    due: dt.date | None = None,
    note: str = "",
) -> list[Assignment]:
    """交办: one lead unit with optional co-handlers, or several split units, and a due date.
    Reassigning a returned case supersedes the earlier assignments."""
    if bool(lead) == bool(splits):
        raise DomainError(
            _("Choose either one lead unit (with optional co-handlers) or several split units.")
        )
    if splits and co_handlers:
        raise DomainError(_("Split units cannot have co-handlers."))
    units = [(lead, AssignmentRole.LEAD)] if lead else []
    units += [(d, AssignmentRole.CO) for d in co_handlers] + [
        (d, AssignmentRole.SPLIT) for d in splits
    ]
    ids = [d.pk for d, _role in units]
    if len(ids) != len(set(ids)):
        raise DomainError(_("A department appears twice in the assignment."))
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        if any(d.congress_id != case.congress_id or not d.is_active for d, _role in units):
            raise DomainError(_("Assign only to active departments of this congress."))
        rules = CaseRules.for_congress(case.congress_id)
        today = _today()
        due = due or due_date_for(case, today, rules)
        latest = latest_due_date_for(case, today, rules)
        if due < today:
            raise DomainError(_("The due date cannot be in the past."))
        if due > latest:
            raise DomainError(
                _("The due date is beyond the longest deadline allowed (%(latest)s).")
                % {"latest": latest}
            )
        _supersede_assignments(case, acting_user)
        now = timezone.now()
        # Co-handlers send their views to the lead within a month (DOMAIN.md §2).
        co_due = min(due, add_months(today, rules.co_handler_months))
        created = [
            Assignment.objects.create(
                case=case,
                department=d,
                role=role,
                due_date=co_due if role == AssignmentRole.CO else due,
                assigned_at=now,
                assigned_by=acting_user,
            )
            for d, role in units
        ]
        case.due_date = due
        fields = ["due_date"]
        if case.assigned_at is None:
            case.assigned_at = now
            fields.append("assigned_at")
        names = "、".join(d.name for d, _role in units)
        _move(
            case,
            CaseStatus.ASSIGNED,
            actor=acting_user,
            action="assigned",
            fields=fields,
            note=_("Assigned to %(units)s, due %(due)s. %(note)s")
            % {"units": names, "due": due, "note": note},
        )
        notify_on_commit(
            _handlers(ids),
            _("Case %(serial)s assigned to your department") % {"serial": case.serial},
            _("Reply by %(due)s: %(title)s") % {"due": due, "title": case.title},
            department_case_url(case),
        )
        _tell_submitters(
            case,
            _("Your case %(serial)s was assigned to the department responsible."),
            suggestion_message=_(
                "Your suggestion %(serial)s was assigned to the department responsible."
            ),
        )
    return created


def _all_signed(case: Case, actor: Any, department: Department) -> bool:
    """Move an assigned case to signed once no answering unit awaits signature (split units
    work independently: one may already have replied). True if the case moved."""
    statuses = _answering_statuses(case)
    if case.status != CaseStatus.ASSIGNED or not statuses:
        return False
    if not all(st in (AssignmentStatus.SIGNED, AssignmentStatus.REPLIED) for st in statuses):
        return False
    _move(case, CaseStatus.SIGNED, actor=actor, action="signed", department=department)
    return True


def sign_assignment(assignment: Assignment, *, acting_user: Any) -> Assignment:
    """签收: the department accepts the case."""
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        _require_department(acting_user, assignment)
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise DomainError(_("This assignment is not awaiting signature."))
        _move_assignment(
            assignment,
            AssignmentStatus.SIGNED,
            actor=acting_user,
            action="signed",
            values={"signed_at": timezone.now()},
        )
        if not _all_signed(case, acting_user, assignment.department):
            _record(
                case, "signed", actor=acting_user, public=True, department=assignment.department
            )
    return assignment


def return_assignment(assignment: Assignment, *, reason: str, acting_user: Any) -> Assignment:
    """退回: a department returns a case outside its remit, with the reason, within the
    return window (7 days by default) of the assignment."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        _require_department(acting_user, assignment)
        if assignment.status != AssignmentStatus.ASSIGNED:
            raise DomainError(_("Only a case that has not been signed for can be returned."))
        rules = CaseRules.for_congress(case.congress_id)
        deadline = timezone.localdate(assignment.assigned_at) + dt.timedelta(
            days=rules.return_window_days
        )
        if _today() > deadline:
            raise DomainError(
                _(
                    "The return window ended on %(date)s; ask the office to reassign the case instead."
                )
                % {"date": deadline}
            )
        _move_assignment(
            assignment,
            AssignmentStatus.RETURNED,
            actor=acting_user,
            action="returned",
            values={"returned_at": timezone.now(), "return_reason": reason},
            note=reason,
        )
        if assignment.role in ANSWERING_ROLES and not _answering_statuses(case):
            _move(
                case,
                CaseStatus.RETURNED,
                actor=acting_user,
                action="returned",
                note=reason,
                public=False,
                department=assignment.department,
            )
        else:
            _record(
                case, "returned", actor=acting_user, note=reason, department=assignment.department
            )
        notify_on_commit(
            _staff(case.congress_id),
            _("%(department)s returned case %(serial)s")
            % {"department": assignment.department, "serial": case.serial},
            reason,
            office_case_url(case),
        )
        # The other split units may all have signed (or replied) already: the case
        # then waits for their replies, not for signatures.
        if _all_signed(case, acting_user, assignment.department) and all(
            st == AssignmentStatus.REPLIED for st in _answering_statuses(case)
        ):
            _finish_reply_round(case, acting_user, assignment.department)
    return assignment


def add_progress(
    case: Case, *, note: str, acting_user: Any, public: bool = False, files: Sequence[Any] = ()
) -> None:
    """A progress note (办理进展) by the department or the office."""
    note = clean_text(note, field=_("The note"), maximum=5000)
    validate_files(files, public=False)
    with transaction.atomic():
        case = _lock(case)
        department = _acting_department(case, acting_user)
        if case.status not in HANDLING:
            raise DomainError(_("Progress can only be recorded while the case is being handled."))
        answering = (
            department is not None
            and case.assignments.filter(
                department=department, role__in=ANSWERING_ROLES, status=AssignmentStatus.SIGNED
            ).exists()
        )
        if answering and case.status in (CaseStatus.SIGNED, CaseStatus.REHANDLING):
            _move(
                case,
                CaseStatus.IN_PROGRESS,
                actor=acting_user,
                action="progress",
                note=note,
                public=public,
                department=department,
            )
        else:
            _record(
                case, "progress", actor=acting_user, note=note, public=public, department=department
            )
        _attach(case, files, purpose=AttachmentPurpose.PROGRESS, actor=acting_user)


def request_extension(
    assignment: Assignment, *, until: dt.date, reason: str, acting_user: Any
) -> ExtensionRequest:
    """延期申请: the department asks for a later due date; the office decides."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        if assignment.department_id not in policy.department_ids(acting_user):
            raise DomainError(_("Only the assigned department can do this."))
        if (
            assignment.role not in ANSWERING_ROLES
            or assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED)
            or case.status not in HANDLING
        ):
            raise DomainError(
                _("An extension can only be asked for while the department is handling the case.")
            )
        if until <= assignment.due_date:
            raise DomainError(
                _("The new due date must be later than the current one (%(due)s).")
                % {"due": assignment.due_date}
            )
        rules = CaseRules.for_congress(case.congress_id)
        latest = latest_due_date_for(case, timezone.localdate(assignment.assigned_at), rules)
        if until > latest:
            raise DomainError(
                _("The due date is beyond the longest deadline allowed (%(latest)s).")
                % {"latest": latest}
            )
        if assignment.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise DomainError(
                _("An extension request for this case is already waiting for a decision.")
            )
        request = ExtensionRequest.objects.create(
            assignment=assignment,
            requested_by=acting_user,
            current_due=assignment.due_date,
            requested_due=until,
            reason=reason,
        )
        _record(
            case,
            "extension_requested",
            actor=acting_user,
            department=assignment.department,
            note=_("Until %(date)s: %(reason)s") % {"date": until, "reason": reason},
        )
        notify_on_commit(
            _staff(case.congress_id),
            _("Extension requested for case %(serial)s") % {"serial": case.serial},
            reason,
            office_case_url(case),
        )
    return request


def decide_extension(
    request: ExtensionRequest, *, approve: bool, acting_user: Any, note: str = ""
) -> ExtensionRequest:
    with transaction.atomic():
        assignment, case = _lock_assignment(request.assignment)
        _require_staff(acting_user, case)
        request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        request.assignment = assignment
        if request.status != ExtensionStatus.PENDING:
            raise DomainError(_("This request has already been decided."))
        workflow.move(
            request,
            ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
            transitions=EXTENSION_TRANSITIONS,
            action="extension.approved" if approve else "extension.refused",
            actor=acting_user,
            values={
                "decided_by": acting_user,
                "decided_at": timezone.now(),
                "decision_note": (note or "").strip(),
            },
        )
        if approve:
            assignment.due_date = request.requested_due
            assignment.save(update_fields=["due_date"])
            latest_due = (
                case.assignments.filter(role__in=ANSWERING_ROLES)
                .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
                .aggregate(m=Max("due_date"))["m"]
            )
            case.due_date = latest_due
            case.save(update_fields=["due_date"])
        action = "extension_approved" if approve else "extension_refused"
        _record(
            case,
            action,
            actor=acting_user,
            public=approve,
            department=assignment.department,
            note=_("Due %(date)s. %(note)s")
            % {"date": case.due_date, "note": request.decision_note},
            changes={"due_date": [str(request.current_due), str(assignment.due_date)]},
        )
        notify_on_commit(
            _handlers([assignment.department_id]),
            (
                _("Extension approved for case %(serial)s")
                if approve
                else _("Extension refused for case %(serial)s")
            )
            % {"serial": case.serial},
            request.decision_note,
            department_case_url(case),
        )
    return request


def record_contact(
    case: Case,
    *,
    stage: str,
    mode: str,
    met_on: dt.date,
    note: str,
    acting_user: Any,
    participants: str = "",
) -> ContactRecord:
    """见面: the department's meeting (or call) with the person who raised the case."""
    if stage not in ContactStage.values or mode not in ContactMode.values:
        raise DomainError(_("Choose when and how the contact took place."))
    note = clean_text(note, field=_("The note"), maximum=5000)
    if met_on > _today():
        raise DomainError(_("The date cannot be in the future."))
    with transaction.atomic():
        case = _lock(case)
        department = _acting_department(case, acting_user)
        if department is None:
            lead = (
                case.assignments.filter(role__in=ANSWERING_ROLES)
                .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
                .select_related("department")
                .first()
            )
            if lead is None:
                raise DomainError(_("The case has no department yet."))
            department = lead.department
        record = ContactRecord.objects.create(
            case=case,
            department=department,
            stage=stage,
            mode=mode,
            met_on=met_on,
            participants=(participants or "")[:300],
            note=note,
            recorded_by=acting_user,
        )
        if not case.has_contact:
            case.has_contact = True
            case.save(update_fields=["has_contact"])
        _record(
            case,
            "contact",
            actor=acting_user,
            department=department,
            note=f"{ContactStage(stage).label} · {ContactMode(mode).label} · {met_on}：{note}",
        )
    return record


def send_co_view(assignment: Assignment, *, text: str, acting_user: Any) -> Assignment:
    """A co-handler (协办) sends its views to the lead unit, which then replies."""
    text = clean_text(text, field=_("The views"), maximum=5000)
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        if assignment.department_id not in policy.department_ids(acting_user):
            raise DomainError(_("Only the assigned department can do this."))
        if assignment.role != AssignmentRole.CO:
            raise DomainError(_("Only a co-handler sends views to the lead unit."))
        if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED):
            raise DomainError(_("The views have already been sent."))
        _move_assignment(
            assignment,
            AssignmentStatus.REPLIED,
            actor=acting_user,
            action="views_sent",
            values={"replied_at": timezone.now()},
        )
        _record(case, "co_view", actor=acting_user, department=assignment.department, note=text)
        lead_ids = list(
            case.assignments.filter(role=AssignmentRole.LEAD)
            .exclude(status=AssignmentStatus.SUPERSEDED)
            .values_list("department_id", flat=True)
        )
        notify_on_commit(
            _handlers(lead_ids),
            _("Co-handler's views on case %(serial)s") % {"serial": case.serial},
            text,
            department_case_url(case),
        )
    return assignment
