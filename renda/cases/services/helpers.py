"""What every service of the engine shares: locking, the state moves of a case and of an
assignment with their timeline and audit entries, rights checks, the engine's own page
links, numbering, check codes, deadlines and files. Nothing here is called from outside
the engine except `clean_text`, `validate_files`, `record_step`, the check-code and
deadline helpers (re-exported by the package)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases.models import (
    ANSWERING_ROLES,
    ASSIGNMENT_TRANSITIONS,
    SERIAL_PREFIX,
    Assignment,
    AssignmentStatus,
    Attachment,
    Case,
    CaseEvent,
    CaseKind,
    CaseRules,
    Reply,
)
from renda.congress import policy
from renda.congress.models import Congress, Department, Role
from renda.core import audit, keys, rawjoin, uploads, workflow
from renda.core.errors import DomainError
from renda.core.numbering import format_serial, next_serial
from renda.core.validators import validate_document
from renda.core.workdays import add_months, add_working_days

MAX_CONTENT = 5000
MAX_TITLE = 100
MAX_FILES = 5
PUBLIC_FILE_TYPES = frozenset({uploads.JPEG, uploads.PNG, uploads.PDF})
# Unambiguous characters for check codes (no 0/O, 1/I/L): 8 of 31 → about 40 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _today() -> dt.date:
    return timezone.localdate()


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("congress").get(pk=case.pk)


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Case]:
    case = _lock(assignment.case)
    locked = (
        Assignment.objects.select_for_update().select_related("department").get(pk=assignment.pk)
    )
    locked.case = case
    return locked, case


# --- the timeline and the state moves ----------------------------------------------------------


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
    event = CaseEvent(
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
    return rawjoin.save_new(event)  # type: ignore[return-value]  # every step writes one


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


def _move_assignment(
    assignment: Assignment,
    target: str,
    *,
    actor: Any,
    action: str,
    values: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    """Change the status of an assignment (its case locked) along its state table; the
    audit entry is `assignment.<action>`. The case's timeline is the caller's."""
    workflow.move(
        assignment,
        target,
        transitions=ASSIGNMENT_TRANSITIONS,
        action=f"assignment.{action}",
        actor=actor,
        values=values,
        note=note,
    )


def _supersede_assignments(case: Case, actor: Any) -> None:
    """Reassignment, merge, escalation, withdrawal: the open assignments end (kept, never
    deleted) and leave the departments' inboxes."""
    open_assignments = case.assignments.select_for_update().filter(
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED]
    )
    for assignment in open_assignments:  # the related manager hands over the locked case
        _move_assignment(assignment, AssignmentStatus.SUPERSEDED, actor=actor, action="superseded")


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


# --- who may act -------------------------------------------------------------------------------


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


def _answering_statuses(case: Case) -> list[str]:
    return list(
        case.assignments.filter(role__in=ANSWERING_ROLES)
        .exclude(status__in=[AssignmentStatus.SUPERSEDED, AssignmentStatus.RETURNED])
        .values_list("status", flat=True)
    )


def _handlers(department_ids: Iterable[int]) -> list[Any]:
    users: list[Any] = []
    for group in policy.handlers_by_department(department_ids).values():
        users.extend(group)
    return users


def _staff(congress_id: int) -> list[Any]:
    return policy.users_with_role(Role.STAFF, congress_id)


# --- the engine's own pages (a front door's pages come from its registration) -----------------


def office_case_url(case: Case) -> str:
    return reverse("cases:office_case", args=[case.pk])


def department_case_url(case: Case) -> str:
    return reverse("cases:department_case", args=[case.pk])


# --- text, numbers, codes, deadlines, files ---------------------------------------------------


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


def _new_case(
    congress: Congress,
    kind: str,
    *,
    series: str | None = None,
    check_code: str | None = None,
    **fields: Any,
) -> Case:
    """Create a case with the next serial number of its congress, kind and year (or of its
    own series, e.g. a session's suggestions). Run inside the caller's transaction: a
    rollback gives the number back. With `check_code`, the case is stored with the code's
    keyed hash (bound to the serial), in the same insert."""
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
    if check_code is not None:
        fields["check_code_hash"] = check_code_digest(serial, check_code)
    case = Case(congress=congress, kind=kind, serial=serial, year=year, number=number, **fields)
    return rawjoin.save_new(case)  # type: ignore[return-value]  # written once per process


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


def new_check_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def check_code_digest(case_serial: str, code: str) -> str:
    """Keyed hash of a check code. The code is shown once to the submitter and never stored."""
    return keys.digest("renda.cases.check-code", f"{case_serial}:{code.strip().upper()}")


def check_code_matches(case: Case, code: str) -> bool:
    """Under any key of the ring (renda.core.keys): codes handed out before a rotation
    still work until their key version is retired."""
    return keys.matches(
        case.check_code_hash,
        "renda.cases.check-code",
        f"{case.serial}:{(code or '').strip().upper()}",
    )


def due_date_for(case: Case, start: dt.date, rules: CaseRules) -> dt.date:
    """The default reply deadline from `start`: working days for opinions, months for
    suggestions and inspection findings ("3 months from assignment", DOMAIN.md §2)."""
    if case.kind in (CaseKind.SUGGESTION, CaseKind.FINDING, CaseKind.DELIBERATION):
        return add_months(start, rules.suggestion_reply_months)
    return add_working_days(start, rules.opinion_reply_working_days)


def latest_due_date_for(case: Case, start: dt.date, rules: CaseRules) -> dt.date:
    """The longest deadline allowed, extensions included (6 months for suggestions and
    findings)."""
    if case.kind in (CaseKind.SUGGESTION, CaseKind.FINDING, CaseKind.DELIBERATION):
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
    """Store files checked by `validate_files`: under a generated name, images re-encoded,
    the verified type kept for serving (renda.core.uploads)."""
    for upload in files:
        try:
            accepted = uploads.accept(upload, kinds=uploads.DOCUMENTS)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc
        attachment = Attachment(
            case=case,
            purpose=purpose,
            original_name=accepted.original_name,
            content_type=accepted.content_type,
            size=accepted.size,
            reply=reply,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(accepted.name, accepted, save=False)
        attachment.save()
