"""Replies and evaluation: 答复 by the answering units, the rating (满意度测评) by the
office or by those who raised the case, re-handling after an unsatisfied rating, closing
without a rating, and the follow-up (跟踪办理) of B and C replies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases.models import (
    ANSWERING_ROLES,
    FOLLOW_UP_TRANSITIONS,
    Assignment,
    AssignmentStatus,
    AttachmentPurpose,
    Case,
    CaseRules,
    CaseStatus,
    Evaluation,
    EvaluationResult,
    FollowUp,
    FollowUpStatus,
    Reply,
    ReplyClass,
)
from renda.cases.queries import effective_case
from renda.cases.services.doors import _tell_submitters, is_author
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
    _today,
    check_code_matches,
    clean_text,
    department_case_url,
    validate_files,
)
from renda.congress.models import Department
from renda.core import workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.core.workdays import add_months, working_days_between

# A reply template's blanks: "{年度}", "{时间}" (half- or full-width braces, a short name).
PLACEHOLDER = re.compile(r"[{｛][^{}｛｝\s]{1,20}[}｝]")


def _refuse_placeholders(text: str) -> None:
    """A template submitted with its blanks still in it is not a reply."""
    left = list(dict.fromkeys(PLACEHOLDER.findall(text)))
    if left:
        raise DomainError(
            _(
                "The reply still contains the template's blanks %(placeholders)s: "
                "replace each with the actual content before sending."
            )
            % {"placeholders": "、".join(left)}
        )


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
    _refuse_placeholders(text)
    _refuse_placeholders(public_text)
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
        _move_assignment(
            assignment,
            AssignmentStatus.REPLIED,
            actor=acting_user,
            action="replied",
            values={"replied_at": now},
        )
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
    # The round is answered when its last reply came (a paper reply keeps its own date).
    case.replied_at = max(r.replied_at for r in replies)
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
    _tell_submitters(
        case,
        _("Your case %(serial)s has been answered. Please rate the reply."),
        sms_kind="case_answered",
        suggestion_message=_(
            "Your suggestion %(serial)s has been answered. Please give your opinion of the reply."
        ),
    )


def record_paper_reply(
    assignment: Assignment,
    *,
    reply_class: str,
    text: str,
    replied_on: dt.date,
    reason: str,
    acting_user: Any,
) -> Reply:
    """A reply the department sent on paper, recorded by the office with the date it was
    given (not today's): on time or late by that date. The reason is required and goes to
    the timeline and the audit log. A unit that never signed on the platform signed by
    replying."""
    if reply_class not in ReplyClass.values:
        raise DomainError(_("Choose the reply class (A, B, C or D)."))
    text = clean_text(text, field=_("The reply"), maximum=10000)
    reason = clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        assignment, case = _lock_assignment(assignment)
        _require_staff(acting_user, case)
        if assignment.role not in ANSWERING_ROLES:
            raise DomainError(
                _("Co-handlers send their views to the lead unit; the lead unit replies.")
            )
        if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED):
            raise DomainError(_("This department is not awaiting a reply."))
        if case.status not in (
            CaseStatus.ASSIGNED,
            CaseStatus.SIGNED,
            CaseStatus.IN_PROGRESS,
            CaseStatus.REHANDLING,
        ):
            raise DomainError(_("This case is not awaiting a reply."))
        if replied_on > _today():
            raise DomainError(_("The date of the reply cannot be in the future."))
        start = case.evaluations.order_by("-round").values_list("created_at", flat=True).first()
        start = start if case.round > 1 and start else assignment.assigned_at
        if replied_on < timezone.localdate(start):
            raise DomainError(
                _("The reply cannot be dated before %(date)s (the assignment or the rating).")
                % {"date": timezone.localdate(start).isoformat()}
            )
        replied_at = timezone.make_aware(dt.datetime.combine(replied_on, dt.time(12, 0)))
        if assignment.status == AssignmentStatus.ASSIGNED:
            _move_assignment(
                assignment,
                AssignmentStatus.SIGNED,
                actor=acting_user,
                action="signed",
                values={"signed_at": replied_at},
                note=reason,
            )
        reply = Reply.objects.create(
            case=case,
            assignment=assignment,
            round=case.round,
            reply_class=reply_class,
            text=text,
            public_text=text,
            replied_by=acting_user,
            replied_at=replied_at,
            on_time=replied_on <= assignment.due_date,
            on_paper=True,
        )
        _move_assignment(
            assignment,
            AssignmentStatus.REPLIED,
            actor=acting_user,
            action="replied",
            values={"replied_at": replied_at},
            note=reason,
        )
        _record(
            case,
            "paper_reply",
            actor=acting_user,
            department=assignment.department,
            note=reason,
            changes={
                "reply_class": [None, reply_class],
                "replied_on": [None, replied_on.isoformat()],
                "department": [None, assignment.department.name],
            },
        )
        statuses = _answering_statuses(case)
        if statuses and all(s == AssignmentStatus.REPLIED for s in statuses):
            if case.status == CaseStatus.ASSIGNED:
                _move(
                    case,
                    CaseStatus.SIGNED,
                    actor=acting_user,
                    action="signed",
                    department=assignment.department,
                )
            _finish_reply_round(case, acting_user, assignment.department)
        else:
            _record(
                case,
                "replied_partly",
                actor=acting_user,
                public=True,
                department=assignment.department,
                note=text,
            )
    return reply


# --- the rating -------------------------------------------------------------------------------


def evaluate_case(
    case: Case,
    *,
    result: str,
    acting_user: Any = None,
    attitude: str = "",
    comment: str = "",
    by_public: bool = False,
) -> Evaluation:
    """满意度测评. The office records a rating taken by phone or in person; with `by_public`
    the rating is given by one of those who raised the case, signed in with their own
    account (a suggestion's lead deputy, a resident who submitted while signed in): the
    engine checks that `acting_user` is one of them. A resident without an account rates
    with the ticket and its check code (`rate_by_check_code`), never through this function.
    满意/基本满意 closes the case; 不满意 sends it back to the answering units for
    re-handling, due in one month (DOMAIN.md §2)."""

    def may_rate(locked: Case) -> None:
        if not by_public:
            _require_staff(acting_user, locked)
        elif not is_author(acting_user, locked):
            raise DomainError(_("Only those who raised the case can rate its reply."))

    return _evaluate(
        case,
        result=result,
        acting_user=acting_user,
        attitude=attitude,
        comment=comment,
        by_public=by_public,
        may_rate=may_rate,
    )


def rate_by_check_code(
    case: Case, *, code: str, result: str, comment: str = "", acting_user: Any = None
) -> Evaluation:
    """The submitter's own rating from the public tracking page. The check code of the
    ticket's case is verified here, whoever calls; the rating goes to the case that
    answers for the ticket (itself, or the case it was escalated as). A merged case's
    submitter does not rate: the main case's submitter does."""
    case = Case.objects.get(pk=case.pk)  # where the ticket stands now (merged, escalated)
    if not check_code_matches(case, code):
        raise DomainError(_("No case matches this ticket number and check code."))
    if case.status == CaseStatus.MERGED:
        raise DomainError(
            _("This case was merged; the submitter of the main case rates the reply.")
        )
    rater = acting_user if getattr(acting_user, "is_authenticated", False) else None
    return _evaluate(
        effective_case(case),
        result=result,
        acting_user=rater,
        attitude="",
        comment=comment,
        by_public=True,
        may_rate=lambda _locked: None,  # the check code above proved who rates
    )


def _evaluate(
    case: Case,
    *,
    result: str,
    acting_user: Any,
    attitude: str,
    comment: str,
    by_public: bool,
    may_rate: Callable[[Case], None],
) -> Evaluation:
    if result not in EvaluationResult.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."))
    if attitude and attitude not in EvaluationResult.values:
        raise DomainError(_("Choose satisfied, basically satisfied or unsatisfied."))
    comment = clean_text(comment, field=_("The comment"), maximum=2000, required=False)
    with transaction.atomic():
        case = _lock(case)
        may_rate(case)
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
        case.assignments.select_for_update().filter(
            role__in=ANSWERING_ROLES, status=AssignmentStatus.REPLIED
        )
    )
    for assignment in answering:
        _move_assignment(
            assignment,
            AssignmentStatus.SIGNED,
            actor=actor,
            action="reopened",
            values={"due_date": due},
            note=note,
        )
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
        department_case_url(case),
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
        follow_up.case = case
        if solved:
            workflow.move(
                follow_up,
                FollowUpStatus.SOLVED,
                transitions=FOLLOW_UP_TRANSITIONS,
                action="follow_up.solved",
                actor=acting_user,
                values={"solved_at": timezone.now()},
                note=note,
            )
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
