"""Every state change of a case. Each service checks the state table and the actor's right,
runs in one transaction with the case row locked, writes the timeline and the action log,
and sends notifications on commit (STYLE.md §1). Views, the API, Open311 and commands all
call these functions.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from renda.cases.models import (
    ANSWERING_ROLES,
    HANDLING,
    OPEN,
    SERIAL_PREFIX,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    AttachmentPurpose,
    Case,
    CaseEvent,
    CaseKind,
    CaseReminder,
    CaseRules,
    CaseSource,
    CaseStatus,
    Category,
    ContactMode,
    ContactRecord,
    ContactStage,
    Evaluation,
    EvaluationResult,
    ExtensionRequest,
    ExtensionStatus,
    FollowUp,
    FollowUpStatus,
    ReminderKind,
    Reply,
    ReplyClass,
)
from renda.congress import policy
from renda.congress.models import Congress, Department, Role
from renda.core import audit, workflow
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.notify import notify_on_commit, sms_on_commit
from renda.core.numbering import format_serial, next_serial
from renda.core.validators import validate_cn_mobile, validate_document
from renda.core.workdays import add_months, add_working_days, working_days_between

MAX_CONTENT = 5000
MAX_TITLE = 100
MAX_FILES = 5
PUBLIC_FILE_TYPES = frozenset({"image/jpeg", "image/png", "application/pdf"})
# Unambiguous characters for check codes (no 0/O, 1/I/L): 8 of 31 → about 40 bits.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class DuplicateSubmission(DomainError):  # noqa: N818  (a domain event, not a fault)
    """The same submission token was used before: the form was sent twice."""

    def __init__(self, case: Case):
        super().__init__(_("This submission has already been received."))
        self.case = case


# --- helpers -------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("congress").get(pk=case.pk)


def _event(
    case: Case,
    action: str,
    *,
    actor: Any,
    note: str = "",
    public: bool = False,
    department: Department | None = None,
    from_status: str = "",
    to_status: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "",
        note=note,
        is_public=public,
        department=department,
        from_status=from_status,
        to_status=to_status,
    )


def _move(
    case: Case,
    target: str,
    *,
    actor: Any,
    action: str,
    note: str = "",
    public: bool = True,
    department: Department | None = None,
    fields: Sequence[str] = (),
) -> None:
    """Change the status of a locked case along the state table, with timeline and log."""
    before = workflow.move(
        case,
        target,
        transitions=case.transitions,
        action=f"case.{action}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A case that is “%(current)s” cannot become “%(target)s”."),
    )
    _event(
        case,
        action,
        actor=actor,
        note=note,
        public=public,
        department=department,
        from_status=before,
        to_status=target,
    )


def _record(
    case: Case,
    action: str,
    *,
    actor: Any,
    note: str = "",
    public: bool = False,
    department: Department | None = None,
    changes: dict | None = None,
) -> None:
    """A timeline entry and an audit entry for a step that does not change the status."""
    _event(
        case,
        action,
        actor=actor,
        note=note,
        public=public,
        department=department,
        from_status=case.status,
        to_status=case.status,
    )
    audit.record(f"case.{action}", case, actor=actor, changes=changes or {}, note=note)


def record_step(
    case: Case, action: str, *, actor: Any, note: str = "", public: bool = False
) -> None:
    """A timeline and audit entry for a step a front door takes around the engine (for
    example the presidium's decision on a motion). Call it inside the caller's transaction."""
    _record(case, action, actor=actor, note=note, public=public)


def _require_staff(user: Any, case: Case) -> None:
    if not policy.can(user, "case.manage", case):
        raise DomainError(_("Only the presidium office can do this."))


def _require_department(user: Any, assignment: Assignment) -> None:
    """A handler acts for their own department; office staff may record on its behalf
    (for example a reply received on paper)."""
    if assignment.department_id in policy.department_ids(user):
        return
    if policy.can(user, "case.manage", assignment.case):
        return
    raise DomainError(_("Only the assigned department can do this."))


def clean_text(value: str, *, field: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("%(field)s is required.") % {"field": field})
    if len(value) > maximum:
        raise DomainError(
            _("%(field)s is too long (at most %(max)s characters).")
            % {"field": field, "max": maximum}
        )
    return value


def _case_url(case: Case) -> str:
    return reverse("opinions:staff_case", args=[case.pk])


def _handlers(department_ids: Iterable[int]) -> list[Any]:
    users: list[Any] = []
    for group in policy.handlers_by_department(department_ids).values():
        users.extend(group)
    return users


def _staff(congress_id: int) -> list[Any]:
    return policy.users_with_role(Role.STAFF, congress_id)


def _new_case(congress: Congress, kind: str, *, series: str | None = None, **fields: Any) -> Case:
    """Create a case with the next serial number of its congress, kind and year (or of its
    own series, e.g. a session's suggestions). Run inside the caller's transaction: a
    rollback gives the number back."""
    year = timezone.localdate().year
    prefix = SERIAL_PREFIX[CaseKind(kind)]
    if series:
        # A series carries its own identity (a session): numbered once, not per year.
        number = next_serial(f"case:{congress.pk}:{kind}:{series}", 0)
        serial = f"{prefix}{series}-{number:03d}"
    else:
        number = next_serial(f"case:{congress.pk}:{kind}", year)
        serial = format_serial(prefix, year, number)
    fields.setdefault("submitted_at", timezone.now())
    return Case.objects.create(
        congress=congress, kind=kind, serial=serial, year=year, number=number, **fields
    )


def _copy_of(case: Case) -> dict[str, Any]:
    """What a new case takes over from the one it comes from (escalation, conversion)."""
    return {
        "title": case.title,
        "content": case.content,
        "village": case.village,
        "address": case.address,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "source_deputy": case.source_deputy,
        "submitter_name": case.submitter_name,
        "submitter_phone": case.submitter_phone,
        "submitter_user": case.submitter_user,
    }


def check_code_digest(case_serial: str, code: str) -> str:
    """Keyed hash of a check code. The code is shown once to the submitter and never stored."""
    return salted_hmac(
        "renda.cases.check-code", f"{case_serial}:{code.strip().upper()}"
    ).hexdigest()


def check_code_matches(case: Case, code: str) -> bool:
    return bool(case.check_code_hash) and constant_time_compare(
        case.check_code_hash, check_code_digest(case.serial, code or "")
    )


def due_date_for(case: Case, start: dt.date, rules: CaseRules) -> dt.date:
    """The default reply deadline from `start`: working days for opinions, months for
    suggestions ("3 months from assignment", DOMAIN.md §2)."""
    if case.kind == CaseKind.SUGGESTION:
        return add_months(start, rules.suggestion_reply_months)
    return add_working_days(start, rules.opinion_reply_working_days)


def latest_due_date_for(case: Case, start: dt.date, rules: CaseRules) -> dt.date:
    """The longest deadline allowed, extensions included (6 months for suggestions)."""
    if case.kind == CaseKind.SUGGESTION:
        return add_months(start, rules.suggestion_max_months)
    return add_working_days(start, rules.opinion_max_working_days)


def validate_files(files: Sequence[Any], *, public: bool, existing: int = 0) -> None:
    """At most MAX_FILES files (counting those already attached), each checked by its bytes."""
    if existing + len(files) > MAX_FILES:
        raise DomainError(_("At most %(max)s files can be attached.") % {"max": MAX_FILES})
    for upload in files:
        try:
            validate_document(upload, allowed=PUBLIC_FILE_TYPES if public else None)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc


def _attach(
    case: Case, files: Sequence[Any], *, purpose: str, actor: Any, reply: Reply | None = None
) -> None:
    import filetype

    for upload in files:
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        attachment = Attachment(
            case=case,
            purpose=purpose,
            original_name=(upload.name or "file")[:200],
            content_type=kind.mime if kind else "application/octet-stream",
            size=upload.size,
            reply=reply,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        extension = f".{kind.extension}" if kind else ""
        attachment.file.save(f"{case.serial}-{secrets.token_hex(6)}{extension}", upload, save=False)
        attachment.save()


# --- intake --------------------------------------------------------------------------------


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
        title = content.replace("\n", " ")[:30]
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
    if submission_token:
        existing = Case.objects.filter(submission_token=submission_token).first()
        if existing is not None:
            raise DuplicateSubmission(existing)
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    try:
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
            )
            # The code is shown once; only its keyed hash, bound to the serial, is kept.
            case.check_code_hash = check_code_digest(case.serial, code)
            case.save(update_fields=["check_code_hash"])
            _attach(case, files, purpose=AttachmentPurpose.SUBMISSION, actor=entered_by)
            _event(case, "submitted", actor=entered_by, public=True, to_status=case.status)
            audit.record(
                "case.submitted", case, actor=entered_by, changes={"status": [None, case.status]}
            )
            notify_on_commit(
                _staff(congress.pk),
                _("New case %(serial)s") % {"serial": case.serial},
                title,
                _case_url(case),
            )
    except IntegrityError:
        # Two requests with the same token raced: the other one created the case.
        existing = (
            Case.objects.filter(submission_token=submission_token).first()
            if submission_token
            else None
        )
        if existing is None:
            raise
        raise DuplicateSubmission(existing) from None
    return case, code


def triage_case(case: Case, *, acting_user: Any, note: str = "") -> Case:
    """Accept the matter for handling (立案), before choosing the department."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        _move(case, CaseStatus.TRIAGED, actor=acting_user, action="triaged", note=note, public=True)
        _tell_submitters(case, _("Your case %(serial)s was accepted for handling."), sms=False)
    return case


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
        _supersede_assignments(case)
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
            reverse("opinions:department_case", args=[case.pk]),
        )
        _tell_submitters(
            case, _("Your case %(serial)s was assigned to the department responsible."), sms=False
        )
    return created


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Case]:
    case = _lock(assignment.case)
    locked = (
        Assignment.objects.select_for_update().select_related("department").get(pk=assignment.pk)
    )
    locked.case = case
    return locked, case


def _answering_statuses(case: Case) -> list[str]:
    return list(
        case.assignments.filter(role__in=ANSWERING_ROLES)
        .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
        .values_list("status", flat=True)
    )


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
        assignment.status = AssignmentStatus.SIGNED
        assignment.signed_at = timezone.now()
        assignment.save(update_fields=["status", "signed_at"])
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
        assignment.status = AssignmentStatus.RETURNED
        assignment.returned_at = timezone.now()
        assignment.return_reason = reason
        assignment.save(update_fields=["status", "returned_at", "return_reason"])
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
            _case_url(case),
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


def _acting_department(case: Case, user: Any) -> Department | None:
    """The department a handler acts for on this case; None for office staff."""
    mine = policy.department_ids(user)
    assignment = (
        case.assignments.filter(department_id__in=mine)
        .exclude(status=AssignmentStatus.SUPERSEDED)
        .select_related("department")
        .first()
    )
    if assignment is not None:
        return assignment.department
    if policy.can(user, "case.manage", case):
        return None
    raise DomainError(_("Only the assigned department can do this."))


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
            _case_url(case),
        )
    return request


def decide_extension(
    request: ExtensionRequest, *, approve: bool, acting_user: Any, note: str = ""
) -> ExtensionRequest:
    with transaction.atomic():
        assignment, case = _lock_assignment(request.assignment)
        _require_staff(acting_user, case)
        request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ExtensionStatus.PENDING:
            raise DomainError(_("This request has already been decided."))
        request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        request.decided_by = acting_user
        request.decided_at = timezone.now()
        request.decision_note = (note or "").strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
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
            reverse("opinions:department_case", args=[case.pk]),
        )
    return request


# --- reply and evaluation -------------------------------------------------------------------


def reply_case(
    assignment: Assignment,
    *,
    reply_class: str,
    text: str,
    acting_user: Any,
    public_text: str = "",
    files: Sequence[Any] = (),
) -> Reply:
    """答复 by an answering unit. When every answering unit has replied, the case awaits
    the submitter's evaluation, and the submitter (and those of merged cases) hears of it."""
    if reply_class not in ReplyClass.values:
        raise DomainError(_("Choose the reply class (A, B, C or D)."))
    text = clean_text(text, field=_("The reply"), maximum=10000)
    public_text = (
        clean_text(public_text, field=_("The public reply"), maximum=10000, required=False) or text
    )
    validate_files(files, public=False)
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        _require_department(acting_user, assignment)
        if assignment.role not in ANSWERING_ROLES:
            raise DomainError(
                _("Co-handlers send their views to the lead unit; the lead unit replies.")
            )
        if assignment.status != AssignmentStatus.SIGNED:
            raise DomainError(_("Sign for the case before replying."))
        # ASSIGNED: a split unit that signed may answer before the others have signed.
        if case.status not in (
            CaseStatus.ASSIGNED,
            CaseStatus.SIGNED,
            CaseStatus.IN_PROGRESS,
            CaseStatus.REHANDLING,
        ):
            raise DomainError(_("This case is not awaiting a reply."))
        now = timezone.now()
        on_time = timezone.localdate(now) <= assignment.due_date
        reply = Reply.objects.create(
            case=case,
            assignment=assignment,
            round=case.round,
            reply_class=reply_class,
            text=text,
            public_text=public_text,
            replied_by=acting_user,
            replied_at=now,
            on_time=on_time,
        )
        _attach(case, files, purpose=AttachmentPurpose.REPLY, actor=acting_user, reply=reply)
        assignment.status = AssignmentStatus.REPLIED
        assignment.replied_at = now
        assignment.save(update_fields=["status", "replied_at"])
        statuses = _answering_statuses(case)
        if statuses and all(s == AssignmentStatus.REPLIED for s in statuses):
            _finish_reply_round(case, acting_user, assignment.department)
        else:
            _record(
                case,
                "replied_partly",
                actor=acting_user,
                public=True,
                department=assignment.department,
                note=public_text,
            )
    return reply


def _finish_reply_round(case: Case, actor: Any, department: Department) -> None:
    replies = list(case.replies.filter(round=case.round))
    # The case's class is the least favourable of its units' replies (A best, D last).
    case.reply_class = max(r.reply_class for r in replies)
    case.replied_at = timezone.now()
    fields = ["reply_class", "replied_at"]
    if case.round == 1:
        case.replied_on_time = all(r.on_time for r in replies)
        fields.append("replied_on_time")
    public_text = "\n\n".join(r.public_text for r in replies)
    _move(
        case,
        CaseStatus.REPLIED,
        actor=actor,
        action="replied",
        note=public_text,
        department=department,
        fields=fields,
    )
    _tell_submitters(case, _("Your case %(serial)s has been answered. Please rate the reply."))


# kind → function(case) returning (users, phones, url) of the people who raised it. A front
# door registers one when its cases have more authors than the submitter (suggestions:
# the lead deputy and every co-signer).
AUDIENCES: dict[str, Callable[[Case], tuple[list[Any], list[str], str]]] = {}


def _submitter_audience(case: Case) -> tuple[list[Any], list[str], str]:
    users = [case.submitter_user] if case.submitter_user_id else []
    return users, [case.submitter_phone] if case.submitter_phone else [], reverse("opinions:track")


def audience_of(case: Case) -> tuple[list[Any], list[str], str]:
    return AUDIENCES.get(case.kind, _submitter_audience)(case)


def _tell_submitters(case: Case, message: str, *, sms: bool = True) -> None:
    """Those who raised the case, and those of every case merged into it. Text messages
    only for the steps that matter to a resident (reply, refusal); the in-app inbox for all."""
    for target in [case, *case.merged_cases.all()]:
        text = message % {"serial": target.serial}
        users, phones, url = audience_of(target)
        for phone in phones if sms else []:
            sms_on_commit(phone, text)
        if users:
            # Those with an e-mail address also get it by e-mail (deputies often do).
            notify_on_commit(users, text, case.title, url, email=sms)


def evaluate_case(
    case: Case,
    *,
    result: str,
    acting_user: Any = None,
    attitude: str = "",
    comment: str = "",
    by_public: bool = False,
) -> Evaluation:
    """满意度测评. 满意/基本满意 closes the case; 不满意 sends it back to the answering units
    for re-handling, due in one month (DOMAIN.md §2)."""
    if result not in EvaluationResult.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."))
    if attitude and attitude not in EvaluationResult.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."))
    comment = clean_text(comment, field=_("The comment"), maximum=2000, required=False)
    with transaction.atomic():
        case = _lock(case)
        if not by_public:
            _require_staff(acting_user, case)
        if case.status != CaseStatus.REPLIED:
            raise DomainError(_("Only an answered case can be rated."))
        if case.evaluations.filter(round=case.round).exists():
            raise DomainError(_("This reply has already been rated."))
        evaluation = Evaluation.objects.create(
            case=case,
            round=case.round,
            result=result,
            attitude=attitude,
            comment=comment,
            evaluator=acting_user if getattr(acting_user, "pk", None) else None,
            by_public=by_public,
        )
        case.evaluation_result = result
        note = f"{EvaluationResult(result).label}。{comment}".strip("。")
        if result == EvaluationResult.UNSATISFIED:
            _send_back(case, acting_user, note)
        else:
            case.closed_at = timezone.now()
            _move(
                case,
                CaseStatus.CLOSED,
                actor=acting_user,
                action="evaluated",
                note=note,
                fields=["evaluation_result", "closed_at"],
            )
            _open_follow_up(case, acting_user)
    return evaluation


def _open_follow_up(case: Case, actor: Any) -> None:
    """B and C replies stay under follow-up (跟踪办理) after closing, until solved."""
    if case.reply_class not in (ReplyClass.B, ReplyClass.C):
        return
    rules = CaseRules.for_congress(case.congress_id)
    recheck = add_months(_today(), rules.follow_up_months)
    FollowUp.objects.get_or_create(case=case, defaults={"recheck_date": recheck})
    _record(
        case,
        "follow_up_opened",
        actor=actor,
        public=True,
        note=_("Re-check by %(date)s.") % {"date": recheck},
    )


def _send_back(case: Case, actor: Any, note: str) -> None:
    rules = CaseRules.for_congress(case.congress_id)
    due = add_months(_today(), rules.rehandle_months)
    answering = list(
        case.assignments.filter(role__in=ANSWERING_ROLES, status=AssignmentStatus.REPLIED)
    )
    for assignment in answering:
        assignment.status = AssignmentStatus.SIGNED
        assignment.due_date = due
        assignment.save(update_fields=["status", "due_date"])
    case.round += 1
    case.due_date = due
    _move(
        case,
        CaseStatus.REHANDLING,
        actor=actor,
        action="rehandling",
        note=note,
        fields=["round", "due_date", "evaluation_result"],
    )
    notify_on_commit(
        _handlers([a.department_id for a in answering]),
        _("Case %(serial)s was rated unsatisfied: handle it again") % {"serial": case.serial},
        _("New due date: %(due)s") % {"due": due},
        reverse("opinions:department_case", args=[case.pk]),
    )


def close_unevaluated(case: Case, *, acting_user: Any) -> Case:
    """Close an answered case whose evaluation window passed, where the congress's rules
    say so; otherwise it stays 'awaiting evaluation'."""
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        rules = CaseRules.for_congress(case.congress_id)
        if not rules.close_when_not_evaluated:
            raise DomainError(
                _("This congress keeps unevaluated cases open as 'awaiting evaluation'.")
            )
        if case.status != CaseStatus.REPLIED or case.replied_at is None:
            raise DomainError(_("Only an answered case can be closed this way."))
        if (
            working_days_between(timezone.localdate(case.replied_at), _today())
            < rules.evaluation_working_days
        ):
            raise DomainError(_("The evaluation window has not ended yet."))
        case.closed_at = timezone.now()
        _move(
            case,
            CaseStatus.CLOSED,
            actor=acting_user,
            action="closed_unevaluated",
            fields=["closed_at"],
        )
        _open_follow_up(case, acting_user)
    return case


# --- supervision and other decisions -----------------------------------------------------


def _supersede_assignments(case: Case) -> None:
    case.assignments.filter(status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED]).update(
        status=AssignmentStatus.SUPERSEDED
    )


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
        _supersede_assignments(duplicate)
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
        _supersede_assignments(case)
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
            _case_url(new),
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
            _case_url(case),
        )
    return case


def withdraw_case(case: Case, *, reason: str, acting_user: Any) -> Case:
    """撤回 with a reason (nothing is deleted)."""
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        case = _lock(case)
        _require_staff(acting_user, case)
        _supersede_assignments(case)
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


def reveal_contact(case: Case, *, acting_user: Any) -> tuple[str, str]:
    """Show the submitter's name and phone to a role that needs them; logged each time."""
    allowed = (
        policy.can(acting_user, "case.reveal_contact", case)
        or case.assignments.filter(department_id__in=policy.department_ids(acting_user))
        .exclude(status=AssignmentStatus.SUPERSEDED)
        .exists()
    )
    if not allowed:
        raise DomainError(_("You may not see this person's contact details."))
    audit.record("case.contact_revealed", case, actor=acting_user)
    return case.submitter_name, case.submitter_phone


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
        _tell_submitters(case, _("Your case %(serial)s was not accepted; see the reason given."))
    return converted


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
        assignment.status = AssignmentStatus.REPLIED
        assignment.replied_at = timezone.now()
        assignment.save(update_fields=["status", "replied_at"])
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
            reverse("opinions:department_case", args=[case.pk]),
        )
    return assignment


def record_follow_up(
    case: Case, *, note: str, solved: bool, acting_user: Any, next_recheck: dt.date | None = None
) -> FollowUp:
    """A later update of a B/C case under follow-up; `solved` ends the follow-up."""
    note = clean_text(note, field=_("The note"), maximum=5000)
    with transaction.atomic():
        case = _lock(case)
        _acting_department(case, acting_user)  # the department or the office
        follow_up = FollowUp.objects.select_for_update().filter(case=case).first()
        if follow_up is None or follow_up.status != FollowUpStatus.OPEN:
            raise DomainError(_("This case is not under follow-up."))
        if solved:
            follow_up.status = FollowUpStatus.SOLVED
            follow_up.solved_at = timezone.now()
            follow_up.save(update_fields=["status", "solved_at"])
            _record(case, "follow_up_solved", actor=acting_user, public=True, note=note)
        else:
            recheck = next_recheck or add_months(
                _today(), CaseRules.for_congress(case.congress_id).follow_up_months
            )
            if recheck <= _today():
                raise DomainError(_("The next re-check date must be in the future."))
            follow_up.recheck_date = recheck
            follow_up.save(update_fields=["recheck_date"])
            _record(
                case,
                "follow_up",
                actor=acting_user,
                public=True,
                note=_("%(note)s Next re-check: %(date)s.") % {"note": note, "date": recheck},
            )
    return follow_up


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


# --- the periodic job -----------------------------------------------------------------------


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind departments N days before the due date; escalate overdue cases to the office
    and the leaders. Idempotent: each reminder is sent once per assignment and due date."""
    today = today or _today()
    counts = {"due_soon": 0, "overdue": 0}
    pending = (
        Assignment.objects.filter(
            role__in=ANSWERING_ROLES,
            status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED],
            case__status__in=HANDLING,
        )
        .select_related("case", "department")
        .order_by("id")
    )
    rules_by_congress: dict[int, CaseRules] = {}
    due_soon: list[Assignment] = []
    overdue: list[Assignment] = []
    for assignment in pending.iterator(chunk_size=500):
        congress_id = assignment.case.congress_id
        if congress_id not in rules_by_congress:
            rules_by_congress[congress_id] = CaseRules.for_congress(congress_id)
        rules = rules_by_congress[congress_id]
        if assignment.due_date < today:
            overdue.append(assignment)
        elif (assignment.due_date - today).days <= rules.remind_days_before:
            due_soon.append(assignment)
    handlers = policy.handlers_by_department({a.department_id for a in due_soon + overdue})
    for kind, group in ((ReminderKind.DUE_SOON, due_soon), (ReminderKind.OVERDUE, overdue)):
        for assignment in group:
            with transaction.atomic():
                _reminder, created = CaseReminder.objects.get_or_create(
                    assignment=assignment, kind=kind, due_date=assignment.due_date
                )
                if not created:
                    continue
                case = assignment.case
                recipients = list(handlers.get(assignment.department_id, []))
                if kind == ReminderKind.OVERDUE:
                    recipients += _staff(case.congress_id) + policy.users_with_role(
                        Role.LEADER, case.congress_id
                    )
                    if case.priority_leader_id:
                        recipients.append(case.priority_leader)
                    # Those who raised it hear that it is overdue (in-app; no text message).
                    authors, _phones, author_url = audience_of(case)
                    notify_on_commit(
                        authors,
                        _("Your case %(serial)s is overdue; the office has been alerted.")
                        % {"serial": case.serial},
                        case.title,
                        author_url,
                    )
                    title = _("Overdue: case %(serial)s (%(department)s) was due %(due)s")
                else:
                    title = _("Reminder: case %(serial)s (%(department)s) is due %(due)s")
                notify_on_commit(
                    recipients,
                    title
                    % {
                        "serial": case.serial,
                        "department": assignment.department,
                        "due": assignment.due_date,
                    },
                    case.title,
                    reverse("opinions:department_case", args=[case.pk]),
                )
                _event(
                    case,
                    f"reminder_{kind}",
                    actor=None,
                    department=assignment.department,
                    from_status=case.status,
                    to_status=case.status,
                )
                counts[kind] += 1
    counts["recheck"] = _recheck_reminders(today)
    return counts


def _recheck_reminders(today: dt.date) -> int:
    """Tell the department and the office when a follow-up's re-check date has come."""
    sent = 0
    due = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, recheck_date__lte=today
    ).select_related("case")
    for follow_up in due.iterator(chunk_size=200):
        case = follow_up.case
        lead = case.assignments.filter(
            role__in=ANSWERING_ROLES, status=AssignmentStatus.REPLIED
        ).first()
        if lead is None:
            continue
        with transaction.atomic():
            _reminder, created = CaseReminder.objects.get_or_create(
                assignment=lead, kind=ReminderKind.RECHECK, due_date=follow_up.recheck_date
            )
            if not created:
                continue
            notify_on_commit(
                _handlers([lead.department_id]) + _staff(case.congress_id),
                _("Follow-up of case %(serial)s: re-check due %(date)s")
                % {"serial": case.serial, "date": follow_up.recheck_date},
                case.title,
                reverse("opinions:department_case", args=[case.pk]),
            )
            _event(
                case, "reminder_recheck", actor=None, from_status=case.status, to_status=case.status
            )
            sent += 1
    return sent
