"""Every state change of an appraisal: one transaction, the row locked, the transition
table checked, an audit entry, notifications on commit. The vote itself is the ballot
engine's (`renda.ballots.services`): one poll per meeting, one subject per reporter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.appraisals import rules
from renda.appraisals.models import (
    HEARING,
    MEETING_TRANSITIONS,
    OPEN_RECTIFICATION,
    PREPARING,
    RECTIFICATION_TRANSITIONS,
    AppraisalRules,
    Attendance,
    Electorate,
    FloorQuestion,
    MeetingKind,
    MeetingStatus,
    Rectification,
    RectificationStatus,
    ReminderKind,
    ReportDocument,
    Reporter,
    ReviewMeeting,
)
from renda.ballots import services as ballots
from renda.ballots.models import Method, PollStatus, Scale
from renda.congress import policy
from renda.congress.models import Deputy, DeputyMembership, Official, Role
from renda.core import audit, uploads, workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.core.reminders import Due, send_due_reminders

MANAGE = "appraisal.manage"


def _today() -> dt.date:
    return timezone.localdate()


def _require(user: Any, congress: Any) -> None:
    if not policy.can(user, MANAGE, congress):
        raise DomainError(_("Only the presidium office can do this."))


def _lock(meeting: ReviewMeeting) -> ReviewMeeting:
    return ReviewMeeting.objects.select_for_update().select_related("congress").get(pk=meeting.pk)


def _move(
    meeting: ReviewMeeting, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        meeting,
        target,
        transitions=MEETING_TRANSITIONS,
        action=f"appraisal.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A meeting that is “%(current)s” cannot become “%(target)s”."),
    )


def _require_preparing(meeting: ReviewMeeting) -> None:
    if meeting.status not in PREPARING:
        raise DomainError(_("The rating has opened: the meeting can no longer be changed."))


def _office(congress_id: int) -> list[Any]:
    return policy.users_with_role(Role.STAFF, congress_id) + policy.users_with_role(
        Role.LEADER, congress_id
    )


# --- meetings ------------------------------------------------------------------------------


def create_meeting(
    *,
    congress: Any,
    title: str,
    kind: str,
    held_on: dt.date,
    place: str,
    acting_user: Any,
    session: Any = None,
    scale: str | None = None,
    electorate: str | None = None,
    invited_count: int = 0,
    paper_ballots: bool = True,
    allow_abstain: bool = False,
    allow_unknown: bool = False,
    note: str = "",
    rereview_of: ReviewMeeting | None = None,
) -> ReviewMeeting:
    """A draft meeting with the congress's rule copied onto it (so that a later change of
    the rules does not change a meeting already prepared)."""
    _require(acting_user, congress)
    if kind not in MeetingKind.values:
        raise DomainError(_("Choose who reports at the meeting."))
    if session is not None and session.term.congress_id != congress.pk:
        raise DomainError(_("The session belongs to another congress."))
    scale = scale or (Scale.SATISFACTION if kind == MeetingKind.OFFICIALS else Scale.COMPETENCE)
    if scale not in (Scale.SATISFACTION, Scale.COMPETENCE):
        raise DomainError(_("Choose a rating scale."))
    electorate = electorate or (
        Electorate.DEPUTIES if kind == MeetingKind.OFFICIALS else Electorate.INVITED
    )
    if electorate not in Electorate.values:
        raise DomainError(_("Choose who votes."))
    if not title.strip() or not place.strip():
        raise DomainError(_("Give the meeting a title and a place."))
    rule = AppraisalRules.for_congress(congress.pk)
    with transaction.atomic():
        meeting = ReviewMeeting.objects.create(
            congress=congress,
            session=session,
            title=title.strip(),
            kind=kind,
            held_on=held_on,
            place=place.strip(),
            scale=scale,
            allow_abstain=allow_abstain,
            allow_unknown=allow_unknown,
            electorate=electorate,
            invited_count=max(0, invited_count),
            paper_ballots=paper_ballots,
            base=rule.base,
            threshold_num=rule.threshold_num,
            threshold_den=rule.threshold_den,
            threshold_strict=rule.threshold_strict,
            rectify_when_failed=rule.rectify_when_failed,
            rectify_share_num=rule.rectify_share_num,
            rectify_share_den=rule.rectify_share_den,
            rereview_lowest=rule.rereview_lowest,
            min_group=rule.min_group,
            note=note,
            rereview_of=rereview_of,
            created_by=acting_user,
        )
        audit.record("appraisal.created", meeting, actor=acting_user)
    return meeting


EDITABLE_FIELDS = (
    "title",
    "held_on",
    "place",
    "session",
    "allow_abstain",
    "allow_unknown",
    "invited_count",
    "paper_ballots",
    "note",
)


def update_meeting(meeting: ReviewMeeting, *, acting_user: Any, **values: Any) -> ReviewMeeting:
    """Change the details of a meeting that has not opened its rating (the kind, scale and
    electorate stay as created: the reporters were chosen for them)."""
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        _require_preparing(meeting)
        unknown = set(values) - set(EDITABLE_FIELDS)
        if unknown:
            raise DomainError(_("These details cannot be changed here."))
        session = values.get("session", meeting.session)
        if session is not None and session.term.congress_id != meeting.congress_id:
            raise DomainError(_("The session belongs to another congress."))
        if (
            not str(values.get("title", meeting.title)).strip()
            or not str(values.get("place", meeting.place)).strip()
        ):
            raise DomainError(_("Give the meeting a title and a place."))
        changes: dict[str, list[Any]] = {}
        for name, value in values.items():
            before = getattr(meeting, name)
            if isinstance(value, str):
                value = value.strip()
            if before != value:
                setattr(meeting, name, value)
                changes[name] = [str(before), str(value)]
        if changes:
            meeting.save(update_fields=[f for f in EDITABLE_FIELDS if f in changes])
            audit.record("appraisal.updated", meeting, actor=acting_user, changes=changes)
    return meeting


def update_reporter(
    reporter: Reporter, *, report_title: str, order: int, acting_user: Any
) -> Reporter:
    with transaction.atomic():
        meeting = _lock(reporter.meeting)
        _require(acting_user, meeting.congress)
        _require_preparing(meeting)
        reporter = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if not report_title.strip():
            raise DomainError(_("Give the title of the report."))
        changes: dict[str, list[Any]] = {}
        if reporter.report_title != report_title.strip():
            changes["report_title"] = [reporter.report_title, report_title.strip()]
            reporter.report_title = report_title.strip()
        if reporter.order != order:
            changes["order"] = [reporter.order, order]
            reporter.order = order
        if changes:
            reporter.save(update_fields=list(changes))
            audit.record("appraisal.reporter_updated", reporter, actor=acting_user, changes=changes)
    return reporter


def schedule_meeting(meeting: ReviewMeeting, *, acting_user: Any) -> ReviewMeeting:
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if not meeting.reporters.exists():
            raise DomainError(_("Add at least one reporter before scheduling the meeting."))
        _move(meeting, MeetingStatus.SCHEDULED, actor=acting_user)
    return meeting


def unschedule_meeting(meeting: ReviewMeeting, *, acting_user: Any) -> ReviewMeeting:
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if meeting.status != MeetingStatus.SCHEDULED:
            raise DomainError(_("Only a scheduled meeting goes back to draft."))
        _move(meeting, MeetingStatus.DRAFT, actor=acting_user)
    return meeting


def withdraw_meeting(meeting: ReviewMeeting, *, reason: str, acting_user: Any) -> ReviewMeeting:
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if not reason.strip():
            raise DomainError(_("Give the reason."))
        _move(meeting, MeetingStatus.WITHDRAWN, actor=acting_user, note=reason.strip())
    return meeting


# --- reporters, documents, questions, attendance ------------------------------------------


def add_reporter(
    meeting: ReviewMeeting,
    *,
    report_title: str,
    acting_user: Any,
    official: Official | None = None,
    deputy: Deputy | None = None,
    order: int | None = None,
    rereview_of: Reporter | None = None,
) -> Reporter:
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        _require_preparing(meeting)
        if (official is None) == (deputy is None):
            raise DomainError(_("Choose one official or one deputy."))
        if official is not None:
            if official.congress_id != meeting.congress_id:
                raise DomainError(_("The official answers to another congress."))
            name, post = official.name, official.post
        elif deputy is not None:
            seated = DeputyMembership.objects.filter(deputy=deputy).active_on(meeting.held_on)
            if meeting.kind == MeetingKind.DEPUTIES and not seated.exists():
                raise DomainError(_("This person is not a deputy on the day of the meeting."))
            name = deputy.name
            # The seat the person reports on: this congress's, else the one above it.
            memberships = {m.congress_id: m for m in seated.select_related("term__congress")}
            membership = memberships.get(meeting.congress_id) or memberships.get(
                meeting.congress.parent_id or 0
            )
            if membership is None and memberships:
                membership = next(iter(memberships.values()))
            post = (
                _("deputy of %(congress)s")
                % {"congress": membership.term.congress.short_name or membership.term.congress.name}
                if membership is not None
                else ""
            )
        if not report_title.strip():
            raise DomainError(_("Give the title of the report."))
        if order is None:
            order = (
                meeting.reporters.order_by("-order").values_list("order", flat=True).first() or 0
            ) + 1
        try:
            with transaction.atomic():
                reporter = Reporter.objects.create(
                    meeting=meeting,
                    order=order,
                    official=official,
                    deputy=deputy,
                    name=name,
                    post=post[:100],
                    report_title=report_title.strip(),
                    rereview_of=rereview_of,
                )
        except IntegrityError:
            raise DomainError(
                _("%(name)s already reports at this meeting.") % {"name": name}
            ) from None
        audit.record("appraisal.reporter_added", reporter, actor=acting_user)
    return reporter


def remove_reporter(reporter: Reporter, *, acting_user: Any) -> None:
    """Take a reporter off a meeting that has not opened its rating: a line of the agenda
    in preparation, not yet a workflow record (no poll subject, no votes). One with
    documents or questions on record stays (the meeting is withdrawn instead). The audit
    entry keeps who was removed."""
    with transaction.atomic():
        meeting = _lock(reporter.meeting)
        _require(acting_user, meeting.congress)
        _require_preparing(meeting)
        if reporter.documents.exists() or reporter.questions.exists():
            raise DomainError(_("This reporter has documents or questions on record."))
        audit.record("appraisal.reporter_removed", reporter, actor=acting_user)
        Reporter.objects.filter(pk=reporter.pk).delete()


def _accept(upload: Any) -> uploads.Accepted:
    """A report document made safe to store (renda.core.uploads)."""
    try:
        return uploads.accept(upload, kinds=uploads.DOCUMENTS)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


def add_document(reporter: Reporter, *, title: str, file: Any, acting_user: Any) -> ReportDocument:
    file = _accept(file)
    with transaction.atomic():
        meeting = _lock(reporter.meeting)
        _require(acting_user, meeting.congress)
        if meeting.status not in HEARING:
            raise DomainError(_("The rating has closed: the reports can no longer be changed."))
        document = ReportDocument.objects.create(
            reporter=reporter,
            title=(title or file.original_name).strip()[:200],
            file=file,
            original_name=file.original_name,
            content_type=file.content_type,
            uploaded_by=acting_user,
        )
        audit.record("appraisal.document_added", document, actor=acting_user)
    return document


def record_question(
    reporter: Reporter,
    *,
    question: str,
    acting_user: Any,
    asked_by: str = "",
    deputy: Deputy | None = None,
    answer: str = "",
) -> FloorQuestion:
    with transaction.atomic():
        meeting = _lock(reporter.meeting)
        _require(acting_user, meeting.congress)
        if meeting.status not in HEARING:
            raise DomainError(_("The meeting is over: questions can no longer be recorded."))
        if not question.strip():
            raise DomainError(_("Write the question or comment."))
        who = (deputy.name if deputy is not None else asked_by).strip()
        if not who:
            raise DomainError(_("Say who asked."))
        item = FloorQuestion.objects.create(
            reporter=reporter,
            deputy=deputy,
            asked_by=who[:60],
            question=question.strip(),
            answer=answer.strip(),
            recorded_by=acting_user,
        )
        audit.record("appraisal.question_recorded", item, actor=acting_user)
    return item


def record_answer(item: FloorQuestion, *, answer: str, acting_user: Any) -> FloorQuestion:
    with transaction.atomic():
        meeting = _lock(item.reporter.meeting)
        _require(acting_user, meeting.congress)
        if meeting.status not in HEARING:
            raise DomainError(_("The meeting is over: questions can no longer be recorded."))
        if not answer.strip():
            raise DomainError(_("Write the answer."))
        item = FloorQuestion.objects.select_for_update().get(pk=item.pk)
        before = item.answer
        item.answer = answer.strip()
        item.save(update_fields=["answer"])
        audit.record(
            "appraisal.answer_recorded",
            item,
            actor=acting_user,
            changes={"answer": [before, item.answer]},
        )
    return item


def eligible_deputies(meeting: ReviewMeeting) -> Any:
    """The deputies of the meeting's congress seated on its day."""
    ids = (
        DeputyMembership.objects.active_on(meeting.held_on)
        .filter(congress_id=meeting.congress_id)
        .values("deputy_id")
    )
    return Deputy.objects.filter(pk__in=ids).order_by("name", "id")


def set_attendance(meeting: ReviewMeeting, *, present: Iterable[Deputy], acting_user: Any) -> int:
    """Who is present: the deputies present vote (the electorate is fixed when the rating
    opens, with everyone seated listed and the absent marked so)."""
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        _require_preparing(meeting)
        if meeting.electorate != Electorate.DEPUTIES:
            raise DomainError(_("At this meeting invited voter representatives vote."))
        wanted = {d.pk for d in present}
        allowed = set(eligible_deputies(meeting).values_list("pk", flat=True))
        if wanted - allowed:
            raise DomainError(_("Only deputies of this congress can be marked present."))
        before = set(meeting.attendance.values_list("deputy_id", flat=True))
        meeting.attendance.exclude(deputy_id__in=wanted).delete()
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, deputy_id=pk) for pk in sorted(wanted - before)]
        )
        audit.record(
            "appraisal.attendance",
            meeting,
            actor=acting_user,
            changes={"present": [len(before), len(wanted)]},
        )
    return len(wanted)


# --- the rating on the engine --------------------------------------------------------------


def open_rating(meeting: ReviewMeeting, *, acting_user: Any) -> ballots.Opening:
    """Create the meeting's poll (one subject per reporter, in the order of speaking) and
    open it with the electorate fixed now. Returns what the engine hands out once: the key
    shares of the ballot box (for the tellers and the chair) and the one-time voter codes
    to print (invited voter representatives)."""
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if meeting.status != MeetingStatus.SCHEDULED:
            raise DomainError(_("Only a scheduled meeting can open its rating."))
        reporters = list(meeting.reporters.order_by("order", "id"))
        if not reporters:
            raise DomainError(_("The meeting has no reporter to rate."))
        entries: list[tuple[Any, Any, bool]] = []
        codes = 0
        if meeting.electorate == Electorate.DEPUTIES:
            present = set(meeting.attendance.values_list("deputy_id", flat=True))
            if not present:
                raise DomainError(_("Mark the deputies present before opening the rating."))
            entries = [(d.user, d, d.pk in present) for d in eligible_deputies(meeting)]
            without_account = sum(1 for user, d, here in entries if here and user is None)
            if without_account and not meeting.paper_ballots:
                # Online votes need an account; without paper ballots they could not vote.
                raise DomainError(
                    _(
                        "%(n)s deputies present have no account to vote online: "
                        "allow paper ballots for this meeting."
                    )
                    % {"n": without_account}
                )
        else:
            codes = meeting.invited_count
            if codes <= 0 and not meeting.paper_ballots:
                raise DomainError(_("Say how many voter representatives are invited."))
        poll = ballots.create_poll(
            congress=meeting.congress,
            title=meeting.title,
            method=Method.RATING,
            scale=meeting.scale,
            acting_user=acting_user,
            subjects=[str(r) for r in reporters],
            session=meeting.session,
            allow_abstain=meeting.allow_abstain,
            allow_unknown=meeting.allow_unknown,
            base=meeting.base,
            threshold_num=meeting.threshold_num,
            threshold_den=meeting.threshold_den,
            threshold_strict=meeting.threshold_strict,
            min_group=meeting.min_group,
            is_secret=True,
        )
        subjects = list(poll.subjects.order_by("order", "id"))
        for reporter, subject in zip(reporters, subjects, strict=True):
            reporter.subject = subject
        Reporter.objects.bulk_update(reporters, ["subject"])
        opening = ballots.open_poll(
            poll,
            electorate=entries,
            acting_user=acting_user,
            codes=codes,
            paper=meeting.paper_ballots,
        )
        meeting.poll = poll
        meeting.void_note = ""
        _move(
            meeting,
            MeetingStatus.RATING,
            actor=acting_user,
            fields=["poll", "void_note"],
            note=f"poll={poll.pk} codes={codes}",
        )
    return opening


def close_rating(
    meeting: ReviewMeeting, *, acting_user: Any, shares: Sequence[str] = ()
) -> ReviewMeeting:
    """Close the poll with the key holders' shares (the engine opens the ballot box,
    checks its invariants and freezes the result), then take each reporter's outcome from
    the frozen result and apply the consequences. A void poll (more paper ballots returned
    than issued) sends the meeting back to scheduled."""
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if meeting.status != MeetingStatus.RATING or meeting.poll is None:
            raise DomainError(_("The rating of this meeting is not open."))
        poll = meeting.poll
        if poll.status == PollStatus.OPEN:
            poll = ballots.close_poll(poll, acting_user=acting_user, shares=shares)
        # Otherwise the poll was already closed (or voided) on the ballot engine's own
        # pages: its result is frozen there, and is taken as it is.
        if poll.status == PollStatus.VOID:
            meeting.void_note = poll.void_reason
            Reporter.objects.filter(meeting=meeting).update(subject=None)
            _move(
                meeting,
                MeetingStatus.SCHEDULED,
                actor=acting_user,
                fields=["void_note"],
                note=poll.void_reason,
            )
            return meeting
        _apply_result(meeting, poll.result or {})
        meeting.closed_at = timezone.now()
        _move(
            meeting,
            MeetingStatus.CLOSED,
            actor=acting_user,
            fields=["closed_at"],
            note=f"sha256={poll.export_sha256}",
        )
        notify_on_commit(
            _office(meeting.congress_id),
            _("The appraisal “%(title)s” is closed: results are ready.") % {"title": meeting.title},
            "",
            reverse("appraisals:meeting", args=[meeting.pk]),
        )
    return meeting


def _apply_result(meeting: ReviewMeeting, result: dict[str, Any]) -> None:
    by_subject = {row["subject"]: row for row in result.get("subjects", [])}
    reporters = list(meeting.reporters.select_related("deputy__user").order_by("order", "id"))
    rows = []
    for reporter in reporters:
        row = by_subject.get(reporter.subject_id)
        if row is None:  # every reporter is a subject of the poll (open_rating)
            raise DomainError(
                _("The frozen result does not list %(name)s.") % {"name": reporter.name}
            )
        counts = {str(k): int(v) for k, v in row["counts"].items()}
        rows.append((reporter.pk, counts, int(row["base"]), row.get("result")))
        reporter.counts, reporter.base, reporter.grade = (
            counts,
            int(row["base"]),
            row.get("result") or "",
        )
    outcomes = {
        o.key: o
        for o in rules.decide(
            rows,
            meeting.rated_grades(),
            rectify_when_failed=meeting.rectify_when_failed,
            share=(meeting.rectify_share_num, meeting.rectify_share_den),
            lowest_count=meeting.rereview_lowest,
        )
    }
    rule = AppraisalRules.for_congress(meeting.congress_id)
    due = _today() + dt.timedelta(days=rule.rectification_days)
    for reporter in reporters:
        o = outcomes[reporter.pk]
        reporter.rank, reporter.lowest, reporter.lowest_tie = o.rank, o.lowest, o.lowest_tie
        reporter.must_rectify, reporter.rectify_reasons = o.must_rectify, o.reasons
    Reporter.objects.bulk_update(
        reporters,
        [
            "counts",
            "base",
            "grade",
            "rank",
            "lowest",
            "lowest_tie",
            "must_rectify",
            "rectify_reasons",
        ],
    )
    owing = [r for r in reporters if r.must_rectify]
    Rectification.objects.bulk_create([Rectification(reporter=r, due_on=due) for r in owing])
    for reporter in owing:
        audit.record(
            "appraisal.rectification_required",
            reporter,
            changes={
                "due_on": [None, due.isoformat()],
                "reasons": [None, reporter.rectify_reasons],
            },
        )
        if reporter.deputy is not None and reporter.deputy.user is not None:
            notify_on_commit(
                [reporter.deputy.user],
                _("After the appraisal “%(title)s” a rectification report is due by %(due)s.")
                % {"title": meeting.title, "due": due.isoformat()},
                "",
                reverse("appraisals:mine"),
            )


def publish_result(meeting: ReviewMeeting, *, acting_user: Any) -> ReviewMeeting:
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if meeting.status != MeetingStatus.CLOSED or meeting.poll is None:
            raise DomainError(_("Only a closed meeting's result can be published."))
        if meeting.poll.status != PollStatus.PUBLISHED:  # or published on the poll's page
            ballots.publish_poll(meeting.poll, acting_user=acting_user)
        meeting.published_at = timezone.now()
        _move(meeting, MeetingStatus.PUBLISHED, actor=acting_user, fields=["published_at"])
    return meeting


# --- follow-up: rectification and re-review -----------------------------------------------


def _lock_rectification(item: Rectification) -> Rectification:
    # Only the rectification row is locked (PostgreSQL refuses FOR UPDATE on the nullable
    # side of the outer join to the deputy).
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("reporter__meeting__congress", "reporter__deputy")
        .get(pk=item.pk)
    )


def _move_rectification(
    item: Rectification, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        item,
        target,
        transitions=RECTIFICATION_TRANSITIONS,
        action=f"appraisal.rectification_{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A rectification that is “%(current)s” cannot become “%(target)s”."),
    )


def submit_rectification(
    item: Rectification, *, report: Any, summary: str, acting_user: Any
) -> Rectification:
    """The office files the report it received (officials have no account); a deputy who
    reported files their own."""
    with transaction.atomic():
        item = _lock_rectification(item)
        deputy = item.reporter.deputy
        own = (
            deputy is not None
            and deputy.user_id is not None
            and deputy.user_id == getattr(acting_user, "pk", None)
        )
        if not own:
            _require(acting_user, item.reporter.meeting.congress)
        if not report:
            raise DomainError(_("Attach the rectification report."))
        report = _accept(report)
        item.report, item.report_name, item.report_type = (
            report,
            report.original_name,
            report.content_type,
        )
        item.summary = summary.strip()
        item.submitted_at = timezone.now()
        _move_rectification(
            item,
            RectificationStatus.SUBMITTED,
            actor=acting_user,
            fields=["report", "report_name", "report_type", "summary", "submitted_at"],
        )
    return item


def accept_rectification(item: Rectification, *, note: str, acting_user: Any) -> Rectification:
    with transaction.atomic():
        item = _lock_rectification(item)
        _require(acting_user, item.reporter.meeting.congress)
        item.accepted_at = timezone.now()
        item.office_note = note.strip()
        _move_rectification(
            item,
            RectificationStatus.ACCEPTED,
            actor=acting_user,
            fields=["accepted_at", "office_note"],
        )
    return item


def return_rectification(
    item: Rectification, *, note: str, due_on: dt.date, acting_user: Any
) -> Rectification:
    """Send the report back for more work, with a new due date."""
    with transaction.atomic():
        item = _lock_rectification(item)
        _require(acting_user, item.reporter.meeting.congress)
        if not note.strip():
            raise DomainError(_("Say what is missing."))
        if due_on < _today():
            raise DomainError(_("The new due date cannot be in the past."))
        item.office_note = note.strip()
        item.due_on = due_on
        _move_rectification(
            item,
            RectificationStatus.PENDING,
            actor=acting_user,
            fields=["office_note", "due_on"],
            note=note.strip(),
        )
    return item


def mark_overdue(today: dt.date | None = None) -> int:
    """Pending rectifications past their due date become overdue (periodic job)."""
    today = today or _today()
    count = 0
    for pk in Rectification.objects.filter(
        status=RectificationStatus.PENDING, due_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            item = Rectification.objects.select_for_update().get(pk=pk)
            if item.status != RectificationStatus.PENDING or item.due_on >= today:
                continue
            _move_rectification(item, RectificationStatus.OVERDUE, actor=None)
            count += 1
    return count


def _due_rectifications(today: dt.date) -> list[Due]:
    """Open rectification reports that are overdue or due within the congress's window."""
    items = (
        Rectification.objects.filter(status__in=OPEN_RECTIFICATION)
        .select_related("reporter__meeting", "reporter__deputy__user")
        .order_by("id")
    )
    rules_by_congress: dict[int, AppraisalRules] = {}
    due: list[Due] = []
    for item in items.iterator(chunk_size=200):
        congress_id = item.reporter.meeting.congress_id
        rule = rules_by_congress.setdefault(congress_id, AppraisalRules.for_congress(congress_id))
        if item.status == RectificationStatus.OVERDUE:
            due.append(Due(item, ReminderKind.OVERDUE, item.due_on))
        elif (item.due_on - today).days <= rule.remind_days_before:
            due.append(Due(item, ReminderKind.DUE_SOON, item.due_on))
    return due


def _remind_rectification(due: Due) -> None:
    item = cast(Rectification, due.obj)
    meeting = item.reporter.meeting
    if due.kind == ReminderKind.OVERDUE:
        title = _("Overdue: the rectification report of %(name)s was due %(due)s")
    else:
        title = _("Reminder: the rectification report of %(name)s is due %(due)s")
    text = title % {"name": item.reporter.name, "due": item.due_on.isoformat()}
    notify_on_commit(
        _office(meeting.congress_id),
        text,
        meeting.title,
        reverse("appraisals:reporter", args=[item.reporter_id]),
    )
    deputy = item.reporter.deputy
    if deputy is not None and deputy.user is not None:
        notify_on_commit([deputy.user], text, meeting.title, reverse("appraisals:mine"))
    audit.record(f"appraisal.reminder_{due.kind}", item, actor=None)


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """Remind the office (and a deputy reporter) before a rectification report is due, and
    when it is overdue. Idempotent: each reminder once per rectification, kind and due date
    (`renda.core.reminders`)."""
    today = today or _today()
    overdue_marked = mark_overdue(today)
    sent = send_due_reminders(_due_rectifications(today), _remind_rectification)
    return {
        "overdue_marked": overdue_marked,
        **{kind.value: sent[kind] for kind in ReminderKind},
    }


def schedule_rereview(
    meeting: ReviewMeeting,
    *,
    held_on: dt.date | None,
    place: str,
    acting_user: Any,
) -> ReviewMeeting:
    """A re-review (再评议) of the lowest-rated: a new draft meeting linked to the original,
    with the same rule and one reporter per lowest-rated person (linked to theirs)."""
    with transaction.atomic():
        meeting = _lock(meeting)
        _require(acting_user, meeting.congress)
        if meeting.status not in (MeetingStatus.CLOSED, MeetingStatus.PUBLISHED):
            raise DomainError(_("A re-review follows a closed appraisal."))
        lowest = list(meeting.reporters.filter(lowest=True).select_related("official", "deputy"))
        if not lowest:
            raise DomainError(_("No reporter of this meeting is to be re-reviewed."))
        if meeting.rereviews.exclude(status=MeetingStatus.WITHDRAWN).exists():
            raise DomainError(_("A re-review of this meeting already exists."))
        rule = AppraisalRules.for_congress(meeting.congress_id)
        # Within N days of the appraisal (DOMAIN.md §4: "within 3 months").
        latest = meeting.held_on + dt.timedelta(days=rule.rereview_days)
        held_on = held_on or latest
        if held_on > latest:
            raise DomainError(
                _("The re-review is held within %(days)s days, by %(date)s.")
                % {"days": rule.rereview_days, "date": latest.isoformat()}
            )
        rereview = create_meeting(
            congress=meeting.congress,
            session=meeting.session,
            title=_("Re-review: %(title)s") % {"title": meeting.title},
            kind=meeting.kind,
            held_on=held_on,
            place=place or meeting.place,
            acting_user=acting_user,
            scale=meeting.scale,
            electorate=meeting.electorate,
            invited_count=meeting.invited_count,
            paper_ballots=meeting.paper_ballots,
            allow_abstain=meeting.allow_abstain,
            allow_unknown=meeting.allow_unknown,
            rereview_of=meeting,
        )
        for order, reporter in enumerate(lowest, start=1):
            add_reporter(
                rereview,
                report_title=_("Rectification report: %(title)s")
                % {"title": reporter.report_title},
                acting_user=acting_user,
                official=reporter.official,
                deputy=reporter.deputy,
                order=order,
                rereview_of=reporter,
            )
    return rereview


def reports_by_deputy(deputy_ids: Iterable[int], congress_id: int, year: int) -> dict[int, list]:
    """Each deputy's performance reports of a year (述职: reporter entries of review meetings
    held, not withdrawn), with the meeting, the grade once rated and the documents. Two
    queries for any number of deputies."""
    ids = list(deputy_ids)
    rows = (
        Reporter.objects.filter(
            deputy_id__in=ids, meeting__congress_id=congress_id, meeting__held_on__year=year
        )
        .exclude(meeting__status=MeetingStatus.WITHDRAWN)
        .select_related("meeting")
        .prefetch_related("documents")
        .order_by("meeting__held_on", "id")
    )
    found: dict[int, list] = {pk: [] for pk in ids}
    for reporter in rows:
        found[cast(int, reporter.deputy_id)].append(reporter)  # selected by their deputy
    return found


def deputy_reports(deputy: Deputy, congress_id: int, year: int) -> list:
    """One deputy's performance reports of a year (`reports_by_deputy`)."""
    return reports_by_deputy([deputy.pk], congress_id, year)[deputy.pk]


def reporter_entries_open_for_documents(deputy: Deputy, congress_id: int) -> Any:
    """The deputy's reporter entries whose meeting still takes report documents
    (`add_document`: before the rating closes)."""
    return (
        Reporter.objects.filter(
            deputy=deputy, meeting__congress_id=congress_id, meeting__status__in=HEARING
        )
        .select_related("meeting")
        .order_by("meeting__held_on", "id")
    )
