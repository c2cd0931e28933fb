"""State changes of deputies' suggestions before and around the case engine: drafts,
co-signing, submission (which creates the case), the motion decision, the assignment
meeting, publication and the lead deputy's evaluation. Review, handling, replies and
follow-up are the engine's own services (renda.cases.services). A matter raised at a
station reception becomes a draft here (`draft_from_matter`); stations record the matter's
disposition and never import this app (it registers the handler in apps.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.cases import services as cases
from renda.cases.models import (
    Attachment,
    AttachmentPurpose,
    Case,
    CaseKind,
    CaseSource,
    CaseStatus,
    Category,
)
from renda.congress import policy
from renda.congress.models import Congress, Department, Deputy, DeputyMembership, Role, Session
from renda.core import audit, uploads, workflow
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.stations import services as stations
from renda.stations.models import ReceptionMatter
from renda.suggestions.models import (
    ASSIGNMENT_MEETING_TRANSITIONS,
    COSIGNER_TRANSITIONS,
    MOTION_MIN_SIGNERS,
    SUGGESTION_STATUS_TRANSITIONS,
    AssignmentMeeting,
    CoSigner,
    CoSignerStatus,
    MeetingItem,
    MeetingStatus,
    MotionDecision,
    Suggestion,
    SuggestionFile,
    SuggestionStatus,
)

MAX_FILES = 5


def deputy_of(user: Any) -> Deputy | None:
    pk = getattr(user, "pk", None)
    return Deputy.objects.filter(user_id=pk).first() if pk is not None else None


def active_membership(
    deputy: Deputy, congress: Congress | int, on: dt.date | None = None
) -> DeputyMembership | None:
    """The deputy's active membership in the congress's current term, if any."""
    congress_id = congress if isinstance(congress, int) else congress.pk
    return (
        DeputyMembership.objects.active_on(on or timezone.localdate())
        .filter(
            deputy=deputy, congress_id=congress_id, term__is_current=True, congress__is_active=True
        )
        .select_related("term", "congress")
        .first()
    )


def _lock(suggestion: Suggestion) -> Suggestion:
    return (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("congress", "term", "session", "lead")
        .get(pk=suggestion.pk)
    )


def _require_lead(suggestion: Suggestion, user: Any) -> None:
    if suggestion.lead.user_id is None or suggestion.lead.user_id != getattr(user, "pk", None):
        raise DomainError(_("Only the lead deputy can do this."))


def _validate_draft(
    congress: Congress, category: Category, session: Session | None, term_id: int
) -> None:
    if category.congress_id != congress.pk or not category.is_active:
        raise DomainError(_("Choose one of this congress's categories."))
    if session is not None and session.term_id != term_id:
        raise DomainError(_("Choose a session of the current term."))


def create_draft(
    *,
    acting_user: Any,
    congress: Congress,
    category: Category,
    title: str,
    content: str,
    session: Session | None = None,
    is_motion: bool = False,
    files: Sequence[Any] = (),
) -> Suggestion:
    """A deputy starts a suggestion (one matter per suggestion)."""
    deputy = deputy_of(acting_user)
    membership = active_membership(deputy, congress) if deputy else None
    if deputy is None or membership is None:
        raise DomainError(_("Only an active deputy of this congress can raise a suggestion here."))
    title = cases.clean_text(title, field=_("The title"), maximum=100)
    content = cases.clean_text(content, field=_("The content"), maximum=cases.MAX_CONTENT)
    _validate_draft(congress, category, session, membership.term_id)
    cases.validate_files(files, public=False)
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            congress=congress,
            term=membership.term,
            session=session,
            lead=deputy,
            category=category,
            title=title,
            content=content,
            is_motion=is_motion,
        )
        _store_files(suggestion, files)
        audit.record("suggestion.drafted", suggestion, actor=acting_user)
    return suggestion


def update_draft(
    suggestion: Suggestion,
    *,
    acting_user: Any,
    category: Category,
    title: str,
    content: str,
    session: Session | None = None,
    is_motion: bool = False,
    files: Sequence[Any] = (),
) -> Suggestion:
    title = cases.clean_text(title, field=_("The title"), maximum=100)
    content = cases.clean_text(content, field=_("The content"), maximum=cases.MAX_CONTENT)
    with transaction.atomic():
        suggestion = _lock(suggestion)
        _require_lead(suggestion, acting_user)
        if suggestion.status != SuggestionStatus.DRAFT:
            raise DomainError(_("Only a draft can be edited."))
        _validate_draft(suggestion.congress, category, session, suggestion.term_id)
        cases.validate_files(files, public=False, existing=suggestion.files.count())
        before = audit.snapshot(
            suggestion, ["title", "content", "category", "session", "is_motion"]
        )
        suggestion.category, suggestion.title, suggestion.content = category, title, content
        suggestion.session, suggestion.is_motion = session, is_motion
        suggestion.save(update_fields=["category", "title", "content", "session", "is_motion"])
        _store_files(suggestion, files)
        audit.record(
            "suggestion.updated",
            suggestion,
            actor=acting_user,
            changes=audit.diff(before, audit.snapshot(suggestion, list(before))),
        )
    return suggestion


def _store_files(suggestion: Suggestion, files: Sequence[Any]) -> None:
    """Files checked by `cases.validate_files`, stored under generated names with their
    verified type (renda.core.uploads)."""
    for upload in files:
        try:
            accepted = uploads.accept(upload, kinds=uploads.DOCUMENTS)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc
        item = SuggestionFile(
            suggestion=suggestion,
            original_name=accepted.original_name,
            content_type=accepted.content_type,
        )
        item.file.save(accepted.name, accepted, save=False)
        item.save()


def invite_cosigners(
    suggestion: Suggestion, deputies: Iterable[Deputy], *, acting_user: Any
) -> list[CoSigner]:
    """联名: ask other deputies of the same congress and term to co-sign."""
    deputies = list(deputies)
    with transaction.atomic():
        suggestion = _lock(suggestion)
        _require_lead(suggestion, acting_user)
        if suggestion.status != SuggestionStatus.DRAFT:
            raise DomainError(_("Co-signers are invited while the suggestion is a draft."))
        invited = []
        for deputy in deputies:
            if deputy.pk == suggestion.lead_id:
                raise DomainError(_("The lead deputy does not co-sign their own suggestion."))
            if active_membership(deputy, suggestion.congress) is None:
                raise DomainError(
                    _("%(name)s is not an active deputy of this congress and cannot co-sign.")
                    % {"name": deputy.name}
                )
            if suggestion.cosigners.filter(deputy=deputy).exists():
                raise DomainError(_("%(name)s has already been invited.") % {"name": deputy.name})
            invited.append(CoSigner.objects.create(suggestion=suggestion, deputy=deputy))
        audit.record(
            "suggestion.cosigners_invited",
            suggestion,
            actor=acting_user,
            changes={"cosigners": [None, [d.pk for d in deputies]]},
        )
    return invited


def submit_suggestion(suggestion: Suggestion, *, acting_user: Any) -> Suggestion:
    """The lead deputy submits. It counts once every invited co-signer has answered."""
    with transaction.atomic():
        suggestion = _lock(suggestion)
        _require_lead(suggestion, acting_user)
        if suggestion.status != SuggestionStatus.DRAFT:
            raise DomainError(_("This suggestion has already been submitted."))
        if active_membership(suggestion.lead, suggestion.congress) is None:
            raise DomainError(
                _("Only an active deputy of this congress can raise a suggestion here.")
            )
        pending = list(
            suggestion.cosigners.filter(status=CoSignerStatus.INVITED).select_related("deputy")
        )
        if pending:
            workflow.move(
                suggestion,
                SuggestionStatus.AWAITING_COSIGNERS,
                transitions=SUGGESTION_STATUS_TRANSITIONS,
                action="suggestion.awaiting_cosigners",
                actor=acting_user,
                error=_("This suggestion has already been submitted."),
            )
            notify_on_commit(
                [c.deputy.user for c in pending if c.deputy.user_id],
                _("Please confirm co-signing: %(title)s") % {"title": suggestion.title},
                _("%(name)s asks you to co-sign a suggestion.") % {"name": suggestion.lead.name},
                reverse("suggestions:mine"),
            )
        else:
            _finalise(suggestion, acting_user)
    return suggestion


def raise_suggestion(
    *,
    acting_user: Any,
    congress: Congress,
    category: Category,
    title: str,
    content: str,
    session: Session | None = None,
    is_motion: bool = False,
    files: Sequence[Any] = (),
    cosigners: Sequence[Deputy] = (),
    submit: bool = False,
) -> Suggestion:
    """Create, invite co-signers, submit: a deputy's new suggestion in one step (the deputy's
    form and the REST API). All or nothing: a refused co-signer or submission leaves no
    draft behind. Returns the suggestion as it stands afterwards."""
    with transaction.atomic():
        suggestion = create_draft(
            acting_user=acting_user,
            congress=congress,
            category=category,
            title=title,
            content=content,
            session=session,
            is_motion=is_motion,
            files=files,
        )
        if cosigners:
            invite_cosigners(suggestion, list(cosigners), acting_user=acting_user)
        if submit:
            suggestion = submit_suggestion(suggestion, acting_user=acting_user)
    return suggestion


def draft_from_matter(matter: ReceptionMatter, *, acting_user: Any) -> Suggestion:
    """A matter raised at a station reception becomes the draft suggestion of the deputy
    who forwards it; they finish and submit it from their suggestion pages. The matter's
    disposition is recorded by the stations service, in the same transaction."""
    with transaction.atomic():
        matter = stations.lock_matter_for_suggestion(matter, acting_user=acting_user)
        draft = create_draft(
            acting_user=acting_user,
            congress=matter.reception.station.congress,
            category=matter.category,
            title=matter.content.replace("\n", " ")[:30],
            content=matter.content,
        )
        stations.dispose_as_suggestion(matter, suggestion_id=draft.pk, acting_user=acting_user)
    return draft


def respond_to_invitation(suggestion: Suggestion, *, acting_user: Any, accept: bool) -> CoSigner:
    """A co-signer confirms (or declines); the last answer submits the suggestion."""
    with transaction.atomic():
        suggestion = _lock(suggestion)
        deputy = deputy_of(acting_user)
        invitation = (
            suggestion.cosigners.select_for_update().filter(deputy=deputy).first()
            if deputy
            else None
        )
        if invitation is None:
            raise DomainError(_("You were not asked to co-sign this suggestion."))
        if invitation.status != CoSignerStatus.INVITED:
            raise DomainError(_("You have already answered."))
        if accept and active_membership(invitation.deputy, suggestion.congress) is None:
            raise DomainError(_("Your membership of this congress has ended; you cannot co-sign."))
        _answer(suggestion, invitation, accept=accept, acting_user=acting_user)
    return invitation


def record_cosigner_answer(invitation: CoSigner, *, accept: bool, acting_user: Any) -> CoSigner:
    """The office records the answer a co-signer gave in writing (书面联名): deputies
    without an online account are invited like the others and answer on paper. Only a
    suggestion the lead deputy has sent (awaiting its co-signers) is answered this way."""
    with transaction.atomic():
        suggestion = _lock(invitation.suggestion)
        if not policy.can(acting_user, "case.manage", suggestion.congress):
            raise DomainError(_("Only the presidium office records a co-signer's written answer."))
        invitation = (
            suggestion.cosigners.select_for_update().select_related("deputy").get(pk=invitation.pk)
        )
        if invitation.status != CoSignerStatus.INVITED:
            raise DomainError(_("This co-signer has already answered."))
        if suggestion.status != SuggestionStatus.AWAITING_COSIGNERS:
            raise DomainError(_("This suggestion is not awaiting its co-signers."))
        if accept and active_membership(invitation.deputy, suggestion.congress) is None:
            raise DomainError(
                _("%(name)s is not an active deputy of this congress and cannot co-sign.")
                % {"name": invitation.deputy.name}
            )
        _answer(suggestion, invitation, accept=accept, acting_user=acting_user, on_paper=True)
    return invitation


def _answer(
    suggestion: Suggestion,
    invitation: CoSigner,
    *,
    accept: bool,
    acting_user: Any,
    on_paper: bool = False,
) -> None:
    """Record a co-signer's answer (rows locked by the caller); the last answer of a sent
    suggestion submits it."""
    if suggestion.status not in (SuggestionStatus.DRAFT, SuggestionStatus.AWAITING_COSIGNERS):
        raise DomainError(_("This suggestion no longer takes co-signers."))
    answer = CoSignerStatus.CONFIRMED if accept else CoSignerStatus.DECLINED
    values: dict[str, Any] = {"responded_at": timezone.now()}
    if on_paper:
        values["recorded_by"] = acting_user
    # The entry is the suggestion's (its congress scopes the log), as it always was.
    workflow.move(
        invitation,
        answer,
        transitions=COSIGNER_TRANSITIONS,
        action=f"suggestion.cosign_{answer}",
        actor=acting_user,
        values=values,
        changes={"deputy": [None, invitation.deputy_id], "in_writing": [None, on_paper]},
        error=_("You have already answered."),
        record_on=suggestion,
    )
    waiting = suggestion.cosigners.filter(status=CoSignerStatus.INVITED).exists()
    if suggestion.status == SuggestionStatus.AWAITING_COSIGNERS and not waiting:
        _finalise(suggestion, acting_user)


def _series(suggestion: Suggestion) -> str:
    """Suggestions raised at a session are numbered in that session's series (JY20-10-003);
    those between sessions in the year's (JYBH2026-007)."""
    if suggestion.session is not None:
        return f"{suggestion.term.ordinal}-{suggestion.session.ordinal}"
    return f"BH{timezone.localdate().year}"


def _finalise(suggestion: Suggestion, actor: Any) -> None:
    """Create the engine's case for a suggestion whose signers have all answered."""
    signers = 1 + suggestion.cosigners.filter(status=CoSignerStatus.CONFIRMED).count()
    if suggestion.is_motion:
        # 议案 needs at least five deputies; with fewer it is handled as a suggestion.
        suggestion.motion_decision = (
            MotionDecision.PENDING
            if signers >= MOTION_MIN_SIGNERS
            else MotionDecision.AS_SUGGESTION
        )
    lead_user = suggestion.lead.user
    case, _code = cases.submit_case(
        congress=suggestion.congress,
        kind=CaseKind.SUGGESTION,
        category=suggestion.category,
        title=suggestion.title,
        content=suggestion.content,
        source=CaseSource.DEPUTY_VISIT,
        submitter_name=suggestion.lead.name,
        submitter_user=lead_user,
        source_deputy=suggestion.lead,
        entered_by=lead_user,
        series=_series(suggestion),
    )
    for item in suggestion.files.all():
        Attachment.objects.create(
            case=case,
            purpose=AttachmentPurpose.SUBMISSION,
            file=item.file.name,
            original_name=item.original_name,
            content_type=item.content_type,  # empty for older files: detected when served
            size=item.file.size,
            uploaded_by=lead_user,
        )
    suggestion.case = case
    workflow.move(
        suggestion,
        SuggestionStatus.SUBMITTED,
        transitions=SUGGESTION_STATUS_TRANSITIONS,
        action="suggestion.submitted",
        actor=actor,
        fields=["case", "motion_decision"],
        values={"submitted_at": timezone.now()},
        changes={"case": [None, case.serial]},
        error=_("This suggestion has already been submitted."),
    )
    notify_on_commit(
        suggestion_audience(case)[0],
        _("Suggestion %(serial)s submitted") % {"serial": case.serial},
        suggestion.title,
        reverse("suggestions:detail", args=[suggestion.pk]),
    )


def withdraw_draft(suggestion: Suggestion, *, acting_user: Any) -> Suggestion:
    """The lead deputy withdraws a suggestion that has not been submitted yet; a submitted
    one is withdrawn by the office through the case."""
    with transaction.atomic():
        suggestion = _lock(suggestion)
        _require_lead(suggestion, acting_user)
        if suggestion.status not in (SuggestionStatus.DRAFT, SuggestionStatus.AWAITING_COSIGNERS):
            raise DomainError(
                _("A submitted suggestion can only be withdrawn by the presidium office.")
            )
        workflow.move(
            suggestion,
            SuggestionStatus.WITHDRAWN,
            transitions=SUGGESTION_STATUS_TRANSITIONS,
            action="suggestion.withdrawn",
            actor=acting_user,
            error=_("A submitted suggestion can only be withdrawn by the presidium office."),
        )
    return suggestion


def decide_motion(
    suggestion: Suggestion, *, decision: str, note: str, acting_user: Any
) -> Suggestion:
    """The presidium decides whether a motion goes on the agenda or is handled as a suggestion."""
    if decision not in (MotionDecision.AGENDA, MotionDecision.AS_SUGGESTION):
        raise DomainError(_("Choose: on the agenda, or handled as a suggestion."))
    with transaction.atomic():
        suggestion = _lock(suggestion)
        if not policy.can(acting_user, "case.manage", suggestion.congress):
            raise DomainError(_("Only the presidium office can do this."))
        if suggestion.motion_decision != MotionDecision.PENDING:
            raise DomainError(_("No motion decision is pending for this suggestion."))
        suggestion.motion_decision = decision
        suggestion.save(update_fields=["motion_decision"])
        audit.record(
            "suggestion.motion_decided",
            suggestion,
            actor=acting_user,
            changes={"motion_decision": [MotionDecision.PENDING, decision]},
            note=note,
        )
        if suggestion.case is not None and decision == MotionDecision.AGENDA:
            # Deliberated by the session: the case leaves the handling loop, with the reason.
            cases.redirect_case(
                suggestion.case,
                reason=_("Put on the session's agenda as a motion."),
                acting_user=acting_user,
            )
        if suggestion.case is not None:
            cases.record_step(
                suggestion.case,
                "motion_decided",
                actor=acting_user,
                public=True,
                note=f"{MotionDecision(decision).label}。{note}".strip("。"),
            )
    return suggestion


def accept_suggestion(suggestion: Suggestion, *, acting_user: Any, note: str = "") -> Case:
    """立案. A motion waits for the presidium's decision first; one put on the agenda is
    deliberated by the session, not handled as a suggestion."""
    if suggestion.case is None:
        raise DomainError(_("This suggestion has not been submitted."))
    if suggestion.motion_decision == MotionDecision.PENDING:
        raise DomainError(_("Decide first whether this motion goes on the agenda."))
    if suggestion.motion_decision == MotionDecision.AGENDA:
        raise DomainError(
            _("This motion is on the session's agenda; it is not handled as a suggestion.")
        )
    return cases.triage_case(suggestion.case, acting_user=acting_user, note=note)


def evaluate_suggestion(
    suggestion: Suggestion, *, acting_user: Any, result: str, attitude: str = "", comment: str = ""
) -> Any:
    """The lead deputy rates the reply (result, and optionally the handling attitude)."""
    _require_lead(suggestion, acting_user)
    if suggestion.case is None:
        raise DomainError(_("This suggestion has not been submitted."))
    return cases.evaluate_case(
        suggestion.case,
        result=result,
        attitude=attitude,
        comment=comment,
        acting_user=acting_user,
        by_public=True,
    )


def set_published(suggestion: Suggestion, *, published: bool, acting_user: Any) -> Suggestion:
    """Staff approve a suggestion and its reply for the public page (no personal data)."""
    with transaction.atomic():
        suggestion = _lock(suggestion)
        if not policy.can(acting_user, "case.manage", suggestion.congress):
            raise DomainError(_("Only the presidium office can do this."))
        case = suggestion.case
        if published and (
            case is None or case.status not in (CaseStatus.REPLIED, CaseStatus.CLOSED)
        ):
            raise DomainError(_("Only an answered suggestion can be published."))
        before = suggestion.is_published
        suggestion.is_published = published
        suggestion.save(update_fields=["is_published"])
        audit.record(
            "suggestion.published" if published else "suggestion.unpublished",
            suggestion,
            actor=acting_user,
            changes={"is_published": [before, published]},
        )
    return suggestion


def suggestion_audience(case: Case) -> tuple[list[Any], list[str], str]:
    """Who hears about a suggestion's reply: the lead deputy and every confirmed co-signer."""
    suggestion = Suggestion.objects.filter(case=case).select_related("lead__user").first()
    if suggestion is None:
        return ([case.submitter_user] if case.submitter_user_id else []), [], ""
    deputies = [suggestion.lead] + [
        c.deputy
        for c in suggestion.cosigners.filter(status=CoSignerStatus.CONFIRMED).select_related(
            "deputy__user"
        )
    ]
    users = [d.user for d in deputies if d.user_id]
    phones = [d.phone for d in deputies if d.phone]
    return users, phones, reverse("suggestions:detail", args=[suggestion.pk])


# --- the assignment meeting ----------------------------------------------------------------


def create_meeting(
    *, congress: Congress, title: str, held_on: dt.date, acting_user: Any, note: str = ""
) -> AssignmentMeeting:
    if not policy.can(acting_user, "case.manage", congress):
        raise DomainError(_("Only the presidium office can do this."))
    title = cases.clean_text(title, field=_("The title"), maximum=100)
    with transaction.atomic():
        meeting = AssignmentMeeting.objects.create(
            congress=congress, title=title, held_on=held_on, note=note, created_by=acting_user
        )
        audit.record("meeting.created", meeting, actor=acting_user)
    return meeting


def set_meeting_item(
    meeting: AssignmentMeeting,
    case: Case,
    *,
    acting_user: Any,
    lead: Department | None = None,
    co_handlers: Sequence[Department] = (),
    splits: Sequence[Department] = (),
    due: dt.date | None = None,
) -> MeetingItem:
    """Put an accepted suggestion on the meeting's list (or change its units and due date)."""
    with transaction.atomic():
        meeting = AssignmentMeeting.objects.select_for_update().get(pk=meeting.pk)
        if not policy.can(acting_user, "case.manage", meeting.congress):
            raise DomainError(_("Only the presidium office can do this."))
        if meeting.status != MeetingStatus.PLANNED:
            raise DomainError(_("This meeting has been held; its list is final."))
        case = Case.objects.select_for_update().get(
            pk=case.pk
        )  # the current state, not the caller's copy
        if case.congress_id != meeting.congress_id or case.kind != CaseKind.SUGGESTION:
            raise DomainError(_("Only suggestions of this congress can be put on the list."))
        if case.status != CaseStatus.TRIAGED:
            raise DomainError(
                _("Suggestion %(serial)s has not been accepted and cannot be assigned.")
                % {"serial": case.serial}
            )
        units = [d for d in [lead, *co_handlers, *splits] if d is not None]
        if any(d.congress_id != meeting.congress_id for d in units):
            raise DomainError(_("Assign only to active departments of this congress."))
        item, created = MeetingItem.objects.get_or_create(
            meeting=meeting, case=case, defaults={"order": meeting.items.count() + 1}
        )
        item.lead, item.due_date = lead, due
        item.save(update_fields=["lead", "due_date"])
        item.co_handlers.set(co_handlers)
        item.splits.set(splits)
        audit.record(
            "meeting.item_set",
            meeting,
            actor=acting_user,
            changes={
                "case": [None, case.serial],
                "lead": [None, getattr(lead, "pk", None)],
                "splits": [None, [d.pk for d in splits]],
                "due": [None, str(due) if due else None],
            },
        )
    return item


def remove_meeting_item(item: MeetingItem, *, acting_user: Any) -> None:
    """Take a suggestion off a planned meeting's list (the plan, not a record, changes)."""
    with transaction.atomic():
        meeting = AssignmentMeeting.objects.select_for_update().get(pk=item.meeting_id)
        if not policy.can(acting_user, "case.manage", meeting.congress):
            raise DomainError(_("Only the presidium office can do this."))
        if meeting.status != MeetingStatus.PLANNED:
            raise DomainError(_("This meeting has been held; its list is final."))
        serial = item.case.serial
        item.delete()
        audit.record(
            "meeting.item_removed", meeting, actor=acting_user, changes={"case": [serial, None]}
        )


def hold_meeting(meeting: AssignmentMeeting, *, acting_user: Any) -> int:
    """交办: assign every suggestion on the list in one action, all or nothing."""
    with transaction.atomic():
        meeting = AssignmentMeeting.objects.select_for_update().get(pk=meeting.pk)
        if not policy.can(acting_user, "case.manage", meeting.congress):
            raise DomainError(_("Only the presidium office can do this."))
        if meeting.status != MeetingStatus.PLANNED:
            raise DomainError(_("This meeting has already been held."))
        items = list(
            meeting.items.select_related("case", "lead").prefetch_related("co_handlers", "splits")
        )
        if not items:
            raise DomainError(_("The meeting's list is empty."))
        for item in items:
            if item.case.status != CaseStatus.TRIAGED:
                # Assigned, withdrawn or merged since it was put on the list.
                raise DomainError(
                    _(
                        "Suggestion %(serial)s is no longer awaiting assignment; take it off the list."
                    )
                    % {"serial": item.case.serial}
                )
            try:
                cases.assign_case(
                    item.case,
                    acting_user=acting_user,
                    lead=item.lead,
                    co_handlers=list(item.co_handlers.all()),
                    splits=list(item.splits.all()),
                    due=item.due_date,
                    note=_("Assignment meeting: %(title)s") % {"title": meeting.title},
                )
            except DomainError as exc:
                # One bad item stops the whole meeting: nothing is assigned.
                raise DomainError(f"{item.case.serial}: {exc}") from exc
        workflow.move(
            meeting,
            MeetingStatus.HELD,
            transitions=ASSIGNMENT_MEETING_TRANSITIONS,
            action="meeting.held",
            actor=acting_user,
            values={"held_at": timezone.now()},
            changes={"assigned": [None, len(items)]},
            error=_("This meeting has already been held."),
        )
    return len(items)


def leaders_of(congress: Congress) -> list[Any]:
    return policy.users_with_role(Role.LEADER, congress.pk)
