"""Every state change of the livelihood-project programme (DOMAIN.md §5).

Each function runs in one transaction, locks the row it changes, checks the transition
table, writes the audit entry and the idea's history, and refuses bad input with a
translated DomainError. Votes and ratings run on the ballot engine (`renda.ballots`)
through its services; this module maps candidates to ballot items and reads the frozen
result. Findings of inspections become cases on the case engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from renda.ballots import services as ballots
from renda.ballots.models import Base, Method, PollStatus, Scale
from renda.cases import services as cases
from renda.cases.models import Case, CaseKind, CaseSource, Category
from renda.congress import policy
from renda.congress.models import (
    Congress,
    Department,
    Deputy,
    DeputyMembership,
    Session,
)
from renda.core import audit, ratelimit, workflow
from renda.core.errors import DomainError
from renda.core.models import Region, RegionLevel
from renda.core.notify import notify_on_commit, sms_on_commit
from renda.core.numbering import next_serial
from renda.core.validators import validate_cn_mobile, validate_document
from renda.projects.models import (
    BATCH_TRANSITIONS,
    IDEA_TRANSITIONS,
    PROJECT_TRANSITIONS,
    BatchKind,
    BatchStatus,
    Candidate,
    CandidateOutcome,
    ChangeKind,
    Comment,
    ExclusionReason,
    Finding,
    Idea,
    IdeaEvent,
    IdeaSource,
    IdeaStatus,
    Inspection,
    Milestone,
    ProgressPhoto,
    ProgressUpdate,
    Project,
    ProjectChange,
    ProjectRules,
    ProjectStatus,
    SupervisionGroup,
    SupervisionPlan,
    SurveyResponse,
    VoteBatch,
    YearRating,
)

__all__ = ["DomainError", "RateLimitError"]


class RateLimitError(DomainError):
    """Refused because of a rate limit (the view answers 429)."""


MAX_TITLE = 100
MAX_TEXT = 5000
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_PHOTOS = 6
RATING_GRADES = ("satisfied", "basic", "unsatisfied")
APPROVAL_CHOICES = ("yes", "no", "abstain")
# Scope fields as voted: changing any of them needs a session decision (DOMAIN.md §5).
SCOPE_FIELDS = ("title", "scope", "funds", "deadline", "department", "targets")
SCREENABLE = frozenset(
    {IdeaStatus.POOL, IdeaStatus.SCREENING, IdeaStatus.EXCLUDED, IdeaStatus.FEASIBLE}
)
SURVEY_CODE_SECONDS = 600
SURVEY_CODE_ATTEMPTS = 5


# --- helpers ---------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _require(user: Any, perm: str, obj: Any) -> None:
    if not policy.can(user, perm, obj):
        raise DomainError(_("Only the presidium office can do this."))


def _money(value: Any, *, field: str, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("%(field)s is required.") % {"field": field})
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(field)s must be a number.") % {"field": field}) from None
    if amount < 0 or amount >= Decimal("10000000000"):
        raise DomainError(_("%(field)s is out of range.") % {"field": field})
    return amount.quantize(Decimal("0.01"))


def _department(congress_id: int, department: Department | None) -> Department:
    if department is None or department.congress_id != congress_id or not department.is_active:
        raise DomainError(_("Choose an active department of this congress."))
    return department


def _session(congress_id: int, session: Session | None) -> Session:
    if session is None or session.term.congress_id != congress_id:
        raise DomainError(_("Choose a session of this congress."))
    return session


def _idea_event(idea: Idea, action: str, *, actor: Any, before: str = "", note: str = "") -> None:
    IdeaEvent.objects.create(
        idea=idea,
        at=_now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=before,
        to_status=idea.status,
        note=note,
    )


def _move_idea(
    idea: Idea,
    target: str,
    *,
    actor: Any,
    action: str,
    fields: Sequence[str] = (),
    note: str = "",
) -> None:
    before = workflow.move(
        idea,
        target,
        transitions=IDEA_TRANSITIONS,
        action=f"project_idea.{action}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("An idea that is “%(current)s” cannot become “%(target)s”."),
    )
    _idea_event(idea, action, actor=actor, before=before, note=note)


def _move_batch(
    batch: VoteBatch, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        batch,
        target,
        transitions=BATCH_TRANSITIONS,
        action=f"vote_batch.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A batch that is “%(current)s” cannot become “%(target)s”."),
    )


def _move_project(
    project: Project, target: str, *, actor: Any, fields: Sequence[str] = (), note: str = ""
) -> None:
    workflow.move(
        project,
        target,
        transitions=PROJECT_TRANSITIONS,
        action=f"project.{target}",
        actor=actor,
        fields=fields,
        note=note,
        error=_("A project that is “%(current)s” cannot become “%(target)s”."),
    )


def _lock_idea(idea: Idea) -> Idea:
    return Idea.objects.select_for_update().get(pk=idea.pk)


def _lock_batch(batch: VoteBatch) -> VoteBatch:
    return VoteBatch.objects.select_for_update().get(pk=batch.pk)


def _lock_project(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _staff(congress_id: int) -> list[Any]:
    from renda.congress.models import Role

    return policy.users_with_role(Role.STAFF, congress_id)


def deputies_of(congress: Congress, day: dt.date | None = None) -> list[DeputyMembership]:
    """The congress's deputies seated on `day`: the electorate of its project votes."""
    return list(
        DeputyMembership.objects.active_on(day)
        .filter(congress=congress)
        .select_related("deputy__user")
        .order_by("deputy__name", "id")
    )


# --- collection ------------------------------------------------------------------------------


def propose_idea(
    *,
    congress: Congress,
    title: str,
    description: str,
    source: str,
    acting_user: Any = None,
    village: Region | None = None,
    proposer_name: str = "",
    proposer_phone: str = "",
    source_case: Case | None = None,
    source_reference: str = "",
    source_deputy: Deputy | None = None,
    source_department: Department | None = None,
) -> Idea:
    """Put an idea in the reserve pool. Residents propose on the portal (no account needed,
    source "resident"); the office enters ideas from deputies, departments, stations and
    other channels."""
    if source not in IdeaSource.values:
        raise DomainError(_("Unknown source."))
    if source != IdeaSource.RESIDENT:
        _require(acting_user, "project.manage", congress)
    title = cases.clean_text(title, field=_("The title"), maximum=MAX_TITLE)
    description = cases.clean_text(description, field=_("The description"), maximum=MAX_TEXT)
    proposer_name = cases.clean_text(proposer_name, field=_("The name"), maximum=40, required=False)
    proposer_phone = (proposer_phone or "").strip()
    source_reference = cases.clean_text(
        source_reference, field=_("The source reference"), maximum=100, required=False
    )
    if proposer_phone:
        try:
            validate_cn_mobile(proposer_phone)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    if village is not None:
        in_town = congress.region is not None and village.path.startswith(congress.region.path)
        if village.level != RegionLevel.VILLAGE or not in_town:
            raise DomainError(_("Choose a village or community of this town."))
    if source == IdeaSource.DEPUTY and source_deputy is None:
        raise DomainError(_("Name the deputy who proposed it."))
    if (
        source_deputy is not None
        and not DeputyMembership.objects.filter(congress=congress, deputy=source_deputy).exists()
    ):
        raise DomainError(_("Choose a deputy of this congress."))
    if source == IdeaSource.DEPARTMENT:
        source_department = _department(congress.pk, source_department)
    if source == IdeaSource.OPINION and (
        source_case is None or source_case.congress_id != congress.pk
    ):
        raise DomainError(_("An idea from an opinion needs the opinion case of this congress."))
    if source == IdeaSource.STATION and not source_reference:
        raise DomainError(_("Give the reception the idea comes from."))
    year = timezone.localdate().year
    with transaction.atomic():
        number = next_serial(f"project-idea:{congress.pk}", year)
        idea = Idea.objects.create(
            congress=congress,
            serial=f"XM{year}-{number:04d}",
            year=year,
            title=title,
            description=description,
            village=village,
            source=source,
            source_case=source_case,
            source_reference=source_reference,
            source_deputy=source_deputy,
            source_department=source_department,
            proposer_name=proposer_name,
            proposer_phone=proposer_phone,
            submitted_by=acting_user if getattr(acting_user, "pk", None) else None,
            created_at=_now(),
        )
        _idea_event(idea, "collected", actor=acting_user, note=str(IdeaSource(source).label))
        audit.record(
            "project_idea.collected",
            idea,
            actor=acting_user,
            changes={"status": [None, idea.status]},
        )
        if source == IdeaSource.RESIDENT:
            notify_on_commit(
                _staff(congress.pk),
                _("New project idea %(serial)s") % {"serial": idea.serial},
                title,
            )
    return idea


def idea_from_case(case: Case, *, acting_user: Any, title: str = "") -> Idea:
    """ "Propose as project idea": an opinion case tagged as a livelihood-project idea; the
    idea keeps the link to the case (which goes on being handled as usual)."""
    _require(acting_user, "project.manage", case.congress)
    if case.kind != CaseKind.OPINION:
        raise DomainError(_("Only public opinion cases can be proposed as project ideas."))
    if Idea.objects.filter(source_case=case).exists():
        raise DomainError(_("This case is already in the project pool."))
    # An opinion registered at a station reception counts as a station idea.
    source = IdeaSource.STATION if case.source == CaseSource.STATION else IdeaSource.OPINION
    return propose_idea(
        congress=case.congress,
        title=title or case.title,
        description=case.content,
        source=source,
        acting_user=acting_user,
        village=case.village,
        proposer_name=case.submitter_name,
        proposer_phone=case.submitter_phone,
        source_case=case,
        source_reference=case.serial,
        source_deputy=case.source_deputy,
    )


def start_screening(idea: Idea, *, acting_user: Any) -> Idea:
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        _move_idea(idea, IdeaStatus.SCREENING, actor=acting_user, action="screening")
    return idea


def screen_idea(
    idea: Idea,
    *,
    acting_user: Any,
    feasible: bool,
    feasibility_note: str = "",
    estimated_funds: Any = None,
    department: Department | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    legality_note: str = "",
    exclusion_reason: str = "",
    exclusion_note: str = "",
) -> Idea:
    """The government side's screening: feasible with funds, department, timeline and the
    legality review; or excluded with one of the reasons of DOMAIN.md §5."""
    feasibility_note = cases.clean_text(
        feasibility_note, field=_("The feasibility"), maximum=MAX_TEXT, required=feasible
    )
    legality_note = cases.clean_text(
        legality_note, field=_("The legality review"), maximum=MAX_TEXT, required=feasible
    )
    exclusion_note = cases.clean_text(
        exclusion_note, field=_("The exclusion note"), maximum=MAX_TEXT, required=False
    )
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        if idea.status not in SCREENABLE:
            raise DomainError(
                _("An idea that is “%(current)s” is not screened again.")
                % {"current": IdeaStatus(idea.status).label}
            )
        if idea.status != IdeaStatus.SCREENING:
            _move_idea(idea, IdeaStatus.SCREENING, actor=acting_user, action="screening")
        fields = ["feasibility_note", "legality_note", "screened_at"]
        idea.feasibility_note, idea.legality_note = feasibility_note, legality_note
        idea.screened_at = _now()
        if feasible:
            funds = _money(estimated_funds, field=_("The estimated funds"))
            if not funds:
                raise DomainError(_("Give the estimated funds."))
            idea.department = _department(idea.congress_id, department)
            if planned_start is None or planned_end is None:
                raise DomainError(_("Give the planned start and completion."))
            if planned_end < planned_start:
                raise DomainError(_("The completion cannot be before the start."))
            idea.estimated_funds = funds
            idea.planned_start, idea.planned_end = planned_start, planned_end
            idea.exclusion_reason, idea.exclusion_note = "", ""
            fields += [
                "estimated_funds",
                "department",
                "planned_start",
                "planned_end",
                "exclusion_reason",
                "exclusion_note",
            ]
            _move_idea(
                idea, IdeaStatus.FEASIBLE, actor=acting_user, action="feasible", fields=fields
            )
        else:
            if exclusion_reason not in ExclusionReason.values:
                raise DomainError(_("Choose the reason for excluding the idea."))
            idea.exclusion_reason, idea.exclusion_note = exclusion_reason, exclusion_note
            fields += ["exclusion_reason", "exclusion_note"]
            _move_idea(
                idea,
                IdeaStatus.EXCLUDED,
                actor=acting_user,
                action="excluded",
                fields=fields,
                note=f"{ExclusionReason(exclusion_reason).label} {exclusion_note}".strip(),
            )
    return idea


def withdraw_idea(idea: Idea, *, acting_user: Any, reason: str) -> Idea:
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        idea = _lock_idea(idea)
        _require(acting_user, "project.manage", idea)
        _move_idea(idea, IdeaStatus.WITHDRAWN, actor=acting_user, action="withdrawn", note=reason)
    return idea


# --- vote batches -------------------------------------------------------------------------


def create_batch(
    *,
    session: Session,
    title: str,
    places: int,
    ideas: Sequence[Idea],
    acting_user: Any,
    kind: str = BatchKind.REGULAR,
    year: int | None = None,
    materials: str = "",
    further_of: VoteBatch | None = None,
) -> VoteBatch:
    """A vote batch of a session with its candidate list: more candidates than places (差额)."""
    congress = session.term.congress
    _require(acting_user, "project.manage", congress)
    title = cases.clean_text(title, field=_("The title"), maximum=200)
    materials = cases.clean_text(materials, field=_("The materials"), maximum=20000, required=False)
    if kind not in BatchKind.values:
        raise DomainError(_("Choose the kind of batch."))
    if not places or places < 1:
        raise DomainError(_("A batch needs at least one place."))
    ideas = list(dict.fromkeys(ideas))
    if len(ideas) <= places:
        raise DomainError(
            _(
                "The vote needs more candidates than places (差额): %(candidates)s candidates "
                "for %(places)s places."
            )
            % {"candidates": len(ideas), "places": places}
        )
    year = year or session.start_date.year
    with transaction.atomic():
        locked = list(
            Idea.objects.select_for_update().filter(pk__in=[i.pk for i in ideas]).order_by("id")
        )
        by_id = {i.pk: i for i in locked}
        for idea in ideas:
            current = by_id.get(idea.pk)
            if current is None or current.congress_id != congress.pk:
                raise DomainError(_("Choose ideas of this congress's pool."))
            wanted = IdeaStatus.CANDIDATE if further_of else IdeaStatus.FEASIBLE
            if current.status != wanted:
                raise DomainError(
                    _("“%(title)s” is not a screened, feasible idea.") % {"title": current.title}
                )
        # Numbered per congress and year; the counter row lock serialises concurrent batches.
        number = next_serial(f"vote-batch:{congress.pk}", year)
        batch = VoteBatch.objects.create(
            congress=congress,
            session=session,
            year=year,
            number=number,
            title=title,
            kind=kind,
            places=places,
            materials=materials,
            further_of=further_of,
            created_by=acting_user,
        )
        Candidate.objects.bulk_create(
            [
                Candidate(batch=batch, idea=by_id[idea.pk], order=index)
                for index, idea in enumerate(ideas, start=1)
            ]
        )
        for idea in ideas:
            current = by_id[idea.pk]
            if further_of:
                _idea_event(current, "further_vote", actor=acting_user, note=batch.title)
            else:
                _move_idea(
                    current,
                    IdeaStatus.CANDIDATE,
                    actor=acting_user,
                    action="candidate",
                    note=batch.title,
                )
        audit.record(
            "vote_batch.created",
            batch,
            actor=acting_user,
            changes={"places": [None, places], "candidates": [None, len(ideas)]},
        )
    return batch


def publish_candidates(
    batch: VoteBatch, *, acting_user: Any, until: dt.date | None = None
) -> VoteBatch:
    """The candidate list goes on the portal for comment before the session."""
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if until is not None and until < timezone.localdate():
            raise DomainError(_("The comment period cannot end in the past."))
        batch.published_at = _now()
        batch.consultation_until = until
        _move_batch(
            batch,
            BatchStatus.CONSULTATION,
            actor=acting_user,
            fields=["published_at", "consultation_until"],
        )
    return batch


def add_comment(
    batch: VoteBatch,
    *,
    text: str,
    candidate_id: int | None = None,
    name: str = "",
    phone: str = "",
) -> Comment:
    """A resident comments on the published candidate list (rate-limited by the view)."""
    text = cases.clean_text(text, field=_("The comment"), maximum=2000)
    name = cases.clean_text(name, field=_("The name"), maximum=40, required=False)
    phone = (phone or "").strip()
    if phone:
        try:
            validate_cn_mobile(phone)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        batch = _lock_batch(batch)
        if batch.status != BatchStatus.CONSULTATION or (
            batch.consultation_until and batch.consultation_until < timezone.localdate()
        ):
            raise DomainError(_("The candidate list is not open for comments."))
        candidate = None
        if candidate_id:
            candidate = batch.candidates.filter(pk=candidate_id).first()
            if candidate is None:
                raise DomainError(_("That project is not a candidate in this batch."))
        comment = Comment.objects.create(
            batch=batch, candidate=candidate, text=text, name=name, phone=phone, created_at=_now()
        )
    return comment


def _threshold_options(rules: ProjectRules) -> dict[str, Any]:
    return {
        "base": rules.vote_base,
        "threshold_num": rules.threshold_num,
        "threshold_den": rules.threshold_den,
        "threshold_strict": rules.threshold_strict,
        "min_group": rules.min_group,
    }


def open_vote(
    batch: VoteBatch,
    *,
    acting_user: Any,
    absent: Sequence[int] = (),
    codes: int = 0,
    paper: bool = False,
) -> VoteBatch:
    """Open the vote on the ballot engine: one approval item (赞成/反对/弃权) per candidate,
    the places as seats, the congress's rule, the electorate fixed as every deputy seated
    now (`absent`: deputy ids not present)."""
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if batch.kind != BatchKind.FURTHER and batch.status != BatchStatus.CONSULTATION:
            raise DomainError(_("Publish the candidate list for comment before the vote."))
        candidates = list(
            batch.candidates.select_related("idea__department").order_by("order", "id")
        )
        if len(candidates) <= batch.places:
            raise DomainError(
                _(
                    "The vote needs more candidates than places (差额): %(candidates)s "
                    "candidates for %(places)s places."
                )
                % {"candidates": len(candidates), "places": batch.places}
            )
        rules = ProjectRules.for_congress(batch.congress_id)
        poll = ballots.create_poll(
            congress=batch.congress,
            title=batch.title,
            method=Method.APPROVAL,
            scale=Scale.APPROVAL,
            acting_user=acting_user,
            subjects=[c.idea.title for c in candidates],
            descriptions=[candidate_summary(c.idea) for c in candidates],
            description=_(
                "%(count)s candidate projects for %(places)s places (差额票决). Mark each "
                "project for, against or abstain; the projects with the most votes for, "
                "passing the threshold, are selected."
            )
            % {"count": len(candidates), "places": batch.places},
            session=batch.session,
            seats=batch.places,
            **_threshold_options(rules),
        )
        subjects = list(poll.subjects.order_by("order", "id"))
        for candidate, subject in zip(candidates, subjects, strict=True):
            candidate.subject = subject
            candidate.save(update_fields=["subject"])
        absent_ids = set(absent)
        electorate = [
            (m.deputy.user, m.deputy, m.deputy_id not in absent_ids)
            for m in deputies_of(batch.congress)
        ]
        ballots.open_poll(
            poll, electorate=electorate, acting_user=acting_user, codes=codes, paper=paper
        )
        batch.poll = poll
        _move_batch(batch, BatchStatus.VOTING, actor=acting_user, fields=["poll"])
        notify_on_commit(
            [user for user, _deputy, _present in electorate if user is not None],
            _("Vote open: %(title)s") % {"title": batch.title},
            _("%(places)s places, %(count)s candidates.")
            % {"places": batch.places, "count": len(candidates)},
            reverse("ballots:ballot", args=[poll.pk]),
        )
    return batch


SUMMARY_LENGTH = 300  # the full description is on the deputies' materials page


def candidate_summary(idea: Idea) -> str:
    """What a deputy reads under a candidate's title on the ballot: the description, then
    the responsible department, the estimated funds and the timeline."""
    facts = []
    if idea.department is not None:
        facts.append(_("Responsible department: %(name)s") % {"name": idea.department.name})
    if idea.estimated_funds is not None:
        facts.append(
            _("Estimated funds: %(funds)s (10,000 yuan)") % {"funds": idea.estimated_funds}
        )
    if idea.planned_start and idea.planned_end:
        facts.append(
            _("Timeline: %(start)s – %(end)s")
            % {
                "start": idea.planned_start.strftime("%Y-%m"),
                "end": idea.planned_end.strftime("%Y-%m"),
            }
        )
    text = idea.description.strip()
    if len(text) > SUMMARY_LENGTH:
        text = text[: SUMMARY_LENGTH - 1].rstrip() + "…"
    return "\n".join([text, " · ".join(facts)] if facts else [text]).strip()


def _subject_choices(batch: VoteBatch, choices: dict[int, str]) -> dict[int, str]:
    """Candidate id → choice, to ballot item id → choice; a candidate of another batch is
    refused here, before the engine sees the ballot."""
    subject_of = dict(batch.candidates.values_list("id", "subject_id"))
    unknown = [cid for cid in choices if cid not in subject_of]
    if unknown:
        raise DomainError(_("The ballot names a project that is not a candidate in this batch."))
    if any(choice not in APPROVAL_CHOICES for choice in choices.values()):
        raise DomainError(_("Mark each project for, against or abstain."))
    return {subject_of[cid]: choice for cid, choice in choices.items()}


def cast_vote(batch: VoteBatch, *, voter: Any, choices: dict[int, str]) -> str:
    """A deputy votes online on every candidate; returns the engine's receipt code."""
    if batch.status != BatchStatus.VOTING or batch.poll is None:
        raise DomainError(_("This batch is not open for voting."))
    return ballots.cast_online(batch.poll, voter=voter, choices=_subject_choices(batch, choices))


def enter_paper_ballots(
    batch: VoteBatch, *, number: int, ballots_marked: list[dict[int, str]], teller: Any
) -> Any:
    """Paper ballots of one pile, entered twice by two tellers (the engine compares them)."""
    if batch.status != BatchStatus.VOTING or batch.poll is None:
        raise DomainError(_("This batch is not open for voting."))
    return ballots.enter_paper_batch(
        batch.poll,
        number=number,
        ballots=[_subject_choices(batch, b) for b in ballots_marked],
        teller=teller,
    )


def count_vote(batch: VoteBatch, *, acting_user: Any) -> VoteBatch:
    """Close the poll on the engine (which freezes the result) and apply it: selected
    projects are created; the not selected go back to the pool; a tie at the last place
    is never broken here — the tied candidates go to a further batch for the places left."""
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if batch.status != BatchStatus.VOTING or batch.poll is None:
            raise DomainError(_("This batch is not being voted on."))
        poll = batch.poll
        if poll.status == PollStatus.OPEN:
            poll = ballots.close_poll(poll, acting_user=acting_user)
        if poll.status == PollStatus.VOID:
            batch.void_reason = poll.void_reason
            _move_batch(
                batch,
                BatchStatus.VOID,
                actor=acting_user,
                fields=["void_reason"],
                note=poll.void_reason,
            )
            _release_candidates(batch, acting_user)
            return batch
        if poll.status not in (PollStatus.CLOSED, PollStatus.PUBLISHED) or not poll.result:
            raise DomainError(_("The poll has no frozen result yet."))
        rows = {row["subject"]: row for row in poll.result["subjects"]}
        candidates = list(batch.candidates.select_related("idea").order_by("order", "id"))
        ranked = sorted(
            candidates,
            key=lambda c: (-rows[c.subject_id]["counts"].get("yes", 0), c.order),
        )
        rank, previous = 0, None
        for position, candidate in enumerate(ranked, start=1):
            row = rows[candidate.subject_id]
            yes = row["counts"].get("yes", 0)
            if yes != previous:
                rank, previous = position, yes
            candidate.yes = yes
            candidate.no = row["counts"].get("no", 0)
            candidate.abstain = row["counts"].get("abstain", 0)
            candidate.passed = bool(row.get("passed"))
            candidate.rank = rank
            if row.get("elected"):
                candidate.outcome = CandidateOutcome.SELECTED
            elif row.get("tie"):
                candidate.outcome = CandidateOutcome.TIED
            else:
                candidate.outcome = CandidateOutcome.NOT_SELECTED
        Candidate.objects.bulk_update(
            candidates, ["yes", "no", "abstain", "passed", "rank", "outcome"]
        )
        rules_date = batch.session.end_date
        for candidate in candidates:
            idea = _lock_idea(candidate.idea)
            if candidate.outcome == CandidateOutcome.SELECTED:
                _move_idea(
                    idea,
                    IdeaStatus.SELECTED,
                    actor=acting_user,
                    action="selected",
                    note=batch.title,
                )
                _create_project(batch, idea, rules_date)
            elif candidate.outcome == CandidateOutcome.NOT_SELECTED:
                _move_idea(
                    idea,
                    IdeaStatus.FEASIBLE,
                    actor=acting_user,
                    action="not_selected",
                    note=batch.title,
                )
            else:
                _idea_event(idea, "tied", actor=acting_user, note=batch.title)
        _move_batch(
            batch, BatchStatus.COUNTED, actor=acting_user, note=f"sha256={poll.export_sha256}"
        )
        tied = [c.idea for c in candidates if c.outcome == CandidateOutcome.TIED]
        if tied:
            selected = sum(1 for c in candidates if c.outcome == CandidateOutcome.SELECTED)
            create_batch(
                session=batch.session,
                title=_("%(title)s: further vote on the tie") % {"title": batch.title},
                places=batch.places - selected,
                ideas=tied,
                acting_user=acting_user,
                kind=BatchKind.FURTHER,
                year=batch.year,
                materials=batch.materials,
                further_of=batch,
            )
    return batch


def _release_candidates(batch: VoteBatch, actor: Any) -> None:
    for candidate in batch.candidates.select_related("idea"):
        idea = _lock_idea(candidate.idea)
        if idea.status == IdeaStatus.CANDIDATE and batch.kind != BatchKind.FURTHER:
            _move_idea(
                idea, IdeaStatus.FEASIBLE, actor=actor, action="batch_void", note=batch.title
            )


def void_batch(batch: VoteBatch, *, acting_user: Any, reason: str) -> VoteBatch:
    """Call off a batch before its vote (the candidates return to the pool)."""
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000)
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if batch.status not in (BatchStatus.DRAFT, BatchStatus.CONSULTATION):
            raise DomainError(_("Only a batch not yet voted on can be called off."))
        batch.void_reason = reason
        _move_batch(batch, BatchStatus.VOID, actor=acting_user, fields=["void_reason"], note=reason)
        _release_candidates(batch, acting_user)
    return batch


def _create_project(batch: VoteBatch, idea: Idea, fallback_deadline: dt.date) -> Project:
    if idea.department is None:  # screening requires it; a guard for data entered elsewhere
        raise DomainError(_("“%(title)s” has no responsible department.") % {"title": idea.title})
    return Project.objects.create(
        congress_id=batch.congress_id,
        idea=idea,
        batch=batch,
        year=batch.year,
        title=idea.title,
        scope=idea.description,
        department=idea.department,
        funds=idea.estimated_funds or Decimal("0"),
        deadline=idea.planned_end or dt.date(batch.year, 12, 31),
    )


def announcement_text(batch: VoteBatch) -> str:
    """The presidium's public notice (公告) of a counted batch, from the frozen result."""
    candidates = list(batch.candidates.select_related("idea").order_by("rank", "order"))
    poll = batch.poll
    result = poll.result if poll is not None and poll.result else {}
    lines = [
        _("Announcement of the presidium of %(congress)s") % {"congress": batch.congress.name},
        "",
        _(
            "At %(session)s, the deputies voted by secret ballot on %(count)s candidate "
            "livelihood projects for %(places)s places (“%(title)s”). Deputies entitled to "
            "vote: %(electorate)s; ballots cast: %(ballots)s. A project passes with more "
            "than %(rule)s of the votes of %(base)s."
        )
        % {
            "session": batch.session,
            "count": len(candidates),
            "places": batch.places,
            "title": batch.title,
            "electorate": result.get("electorate", 0),
            "ballots": result.get("ballots", 0),
            "rule": f"{poll.threshold_num}/{poll.threshold_den}" if poll else "1/2",
            "base": Base(poll.base).label if poll else "",
        },
        "",
    ]
    selected = [c for c in candidates if c.outcome == CandidateOutcome.SELECTED]
    tied = [c for c in candidates if c.outcome == CandidateOutcome.TIED]
    lines.append(_("Selected projects:"))
    for index, c in enumerate(selected, start=1):
        lines.append(
            _("%(n)s. %(title)s (for %(yes)s, against %(no)s, abstain %(abstain)s)")
            % {"n": index, "title": c.idea.title, "yes": c.yes, "no": c.no, "abstain": c.abstain}
        )
    if tied:
        lines.append("")
        lines.append(
            _(
                "The following projects tied for the last place and go to a further vote "
                "for the %(left)s place(s) left:"
            )
            % {"left": batch.places - len(selected)}
        )
        for c in tied:
            lines.append(_("%(title)s (for %(yes)s)") % {"title": c.idea.title, "yes": c.yes})
    others = [c for c in candidates if c.outcome == CandidateOutcome.NOT_SELECTED]
    if others:
        lines.append("")
        lines.append(_("Not selected:"))
        for c in others:
            lines.append(
                _("%(title)s (for %(yes)s, against %(no)s, abstain %(abstain)s)")
                % {"title": c.idea.title, "yes": c.yes, "no": c.no, "abstain": c.abstain}
            )
    lines += ["", _("Presidium of %(congress)s") % {"congress": batch.congress.name}]
    lines.append(timezone.localdate().isoformat())
    return "\n".join(lines)


def announce_result(batch: VoteBatch, *, acting_user: Any) -> VoteBatch:
    """Generate the presidium's announcement (公告) and publish it with the poll's result."""
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if batch.status != BatchStatus.COUNTED:
            raise DomainError(_("Only a counted batch can be announced."))
        batch.announcement = announcement_text(batch)
        batch.announced_at = _now()
        if batch.poll is not None and batch.poll.status == PollStatus.CLOSED:
            ballots.publish_poll(batch.poll, acting_user=acting_user)
        _move_batch(
            batch, BatchStatus.ANNOUNCED, actor=acting_user, fields=["announcement", "announced_at"]
        )
    return batch


# --- implementation ---------------------------------------------------------------------------


def _may_report(user: Any, project: Project) -> bool:
    return policy.can(user, "project.manage", project) or (
        project.department_id in policy.department_ids(user)
    )


def set_plan(
    project: Project,
    *,
    acting_user: Any,
    targets: str,
    milestones: Sequence[tuple[str, int, dt.date]],
) -> Project:
    """The implementation plan while it is prepared: targets and milestones (title, weight,
    due date) whose weights add up to 100. Department, funds and deadline are those voted."""
    targets = cases.clean_text(targets, field=_("The targets"), maximum=MAX_TEXT)
    rows = [
        (cases.clean_text(t, field=_("The milestone"), maximum=200), w, d) for t, w, d in milestones
    ]
    if not rows:
        raise DomainError(_("A plan needs at least one milestone."))
    if any(not w or w < 1 or w > 100 for _t, w, _d in rows):
        raise DomainError(_("Each milestone's weight is between 1 and 100."))
    if sum(w for _t, w, _d in rows) != 100:
        raise DomainError(
            _("The milestones' weights add up to %(sum)s, not 100.")
            % {"sum": sum(w for _t, w, _d in rows)}
        )
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if project.status != ProjectStatus.PLANNING:
            raise DomainError(
                _("The plan of a project under way changes only by a session decision.")
            )
        if any(d > project.deadline for _t, _w, d in rows):
            raise DomainError(_("A milestone cannot be due after the project's deadline."))
        # While the plan is prepared nothing has been reported against its milestones.
        Milestone.objects.filter(project=project).delete()
        Milestone.objects.bulk_create(
            [
                Milestone(project=project, order=i, title=t, weight=w, due_date=d)
                for i, (t, w, d) in enumerate(rows, start=1)
            ]
        )
        before = project.targets
        project.targets = targets
        project.save(update_fields=["targets"])
        audit.record(
            "project.plan",
            project,
            actor=acting_user,
            changes={"targets": [before, targets], "milestones": [None, len(rows)]},
        )
    return project


def start_project(project: Project, *, acting_user: Any) -> Project:
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if sum(project.milestones.values_list("weight", flat=True)) != 100:
            raise DomainError(_("Set the plan's milestones before starting the project."))
        project.started_at = _now()
        _move_project(project, ProjectStatus.IN_PROGRESS, actor=acting_user, fields=["started_at"])
        handlers = policy.handlers_by_department([project.department_id]).get(
            project.department_id, []
        )
        notify_on_commit(
            handlers,
            _("Livelihood project under way: %(title)s") % {"title": project.title},
            _("Report progress by milestone until %(deadline)s.") % {"deadline": project.deadline},
            reverse("projects:department"),
        )
    return project


def rolled_up(milestones: Sequence[Milestone]) -> int:
    """The project's progress: its milestones' progress weighted, rounded down."""
    total = sum(m.weight for m in milestones)
    if not total:
        return 0
    return sum(m.weight * m.percent for m in milestones) // total


def report_progress(
    project: Project,
    *,
    milestone: Milestone,
    percent: int,
    text: str,
    acting_user: Any,
    reason: str = "",
    spent: Any = None,
    photos: Sequence[Any] = (),
) -> ProgressUpdate:
    """A progress update on one milestone: text, its new percent, photos, the funds spent so
    far. Above 100 % is refused; going backwards needs a reason."""
    text = cases.clean_text(text, field=_("The progress text"), maximum=MAX_TEXT)
    reason = cases.clean_text(reason, field=_("The reason"), maximum=2000, required=False)
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise DomainError(_("Give the milestone's progress in percent.")) from None
    if percent > 100:
        raise DomainError(_("Progress cannot be above 100 %."))
    if percent < 0:
        raise DomainError(_("Progress cannot be negative."))
    amount = _money(spent, field=_("The funds spent"), required=False)
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("At most %(max)s photos.") % {"max": MAX_PHOTOS})
    for upload in photos:
        try:
            validate_document(upload, allowed=PHOTO_TYPES)
        except ValidationError as exc:
            raise DomainError(f"{upload.name}: {' '.join(exc.messages)}") from exc
    with transaction.atomic():
        project = _lock_project(project)
        if not _may_report(acting_user, project):
            raise DomainError(_("Only the office or the responsible department can report."))
        if project.status != ProjectStatus.IN_PROGRESS:
            raise DomainError(_("Progress is reported on a project under way."))
        milestones = list(project.milestones.select_for_update().order_by("order", "id"))
        current = next((m for m in milestones if m.pk == milestone.pk), None)
        if current is None:
            raise DomainError(_("Choose a milestone of this project."))
        if percent < current.percent and not reason:
            raise DomainError(
                _("The progress goes back from %(before)s %% to %(after)s %%: give the reason.")
                % {"before": current.percent, "after": percent}
            )
        if amount is not None and amount < project.spent and not reason:
            raise DomainError(_("The funds spent go down: give the reason."))
        previous = current.percent
        current.percent = percent
        current.done_on = timezone.localdate() if percent == 100 else None
        current.save(update_fields=["percent", "done_on"])
        before = project.progress
        project.progress = rolled_up(milestones)
        fields = ["progress"]
        if amount is not None:
            project.spent = amount
            fields.append("spent")
        project.save(update_fields=fields)
        update = ProgressUpdate.objects.create(
            project=project,
            milestone=current,
            percent=percent,
            previous_percent=previous,
            project_percent=project.progress,
            text=text,
            reason=reason,
            spent=amount,
            author=acting_user,
            created_at=_now(),
        )
        _save_photos(update, photos)
        audit.record(
            "project.progress",
            project,
            actor=acting_user,
            changes={"progress": [before, project.progress], "milestone": [previous, percent]},
            note=reason,
        )
    return update


def _save_photos(update: ProgressUpdate, photos: Sequence[Any]) -> None:
    import filetype

    for upload in photos:
        head = upload.read(8192)
        upload.seek(0)
        kind = filetype.guess(head)
        photo = ProgressPhoto(update=update, content_type=kind.mime if kind else "")
        extension = f".{kind.extension}" if kind else ""
        photo.file.save(
            f"p{update.project_id}-{secrets.token_hex(8)}{extension}", upload, save=False
        )
        photo.save()


def complete_project(
    project: Project, *, acting_user: Any, completed_on: dt.date | None = None
) -> Project:
    completed_on = completed_on or timezone.localdate()
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        if project.progress < 100:
            raise DomainError(_("A project is completed when every milestone is done."))
        if completed_on > timezone.localdate():
            raise DomainError(_("The completion date cannot be in the future."))
        project.completed_on = completed_on
        _move_project(project, ProjectStatus.COMPLETED, actor=acting_user, fields=["completed_on"])
    return project


def change_project(
    project: Project,
    *,
    kind: str,
    acting_user: Any,
    decision_session: Session | None,
    decision_reference: str,
    decision_date: dt.date | None,
    reason: str,
    changes: dict[str, Any] | None = None,
) -> ProjectChange:
    """A major change, suspension, resumption or termination of a selected project, recorded
    with the session decision that approved it (DOMAIN.md §5: only the congress decides)."""
    if kind not in ChangeKind.values:
        raise DomainError(_("Choose the kind of change."))
    if decision_session is None or not (decision_reference or "").strip() or not decision_date:
        raise DomainError(
            _("A change of a selected project needs the session decision that approved it.")
        )
    decision_reference = cases.clean_text(
        decision_reference, field=_("The decision document"), maximum=200
    )
    reason = cases.clean_text(reason, field=_("The reason"), maximum=MAX_TEXT)
    changes = dict(changes or {})
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        session = _session(project.congress_id, decision_session)
        if decision_date < session.start_date or decision_date > session.end_date:
            raise DomainError(_("The decision date must fall within the deciding session."))
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        fields: list[str] = []
        if kind == ChangeKind.SCOPE:
            if project.status in (ProjectStatus.COMPLETED, ProjectStatus.TERMINATED):
                raise DomainError(_("A finished project cannot be changed."))
            unknown = set(changes) - set(SCOPE_FIELDS)
            if unknown or not changes:
                raise DomainError(_("Say what the decision changes."))
            for name, value in changes.items():
                if name == "department":
                    value = _department(project.congress_id, value)
                elif name == "funds":
                    value = _money(value, field=_("The funds"))
                elif name in ("title", "scope", "targets"):
                    value = cases.clean_text(
                        value, field=name, maximum=MAX_TITLE if name == "title" else MAX_TEXT
                    )
                elif name == "deadline" and not isinstance(value, dt.date):
                    raise DomainError(_("Give the new deadline."))
                old = getattr(project, name)
                before[name] = str(old)
                after[name] = str(value)
                setattr(project, name, value)
                fields.append(name)
            project.save(update_fields=fields)
            audit.record(
                "project.changed",
                project,
                actor=acting_user,
                changes={k: [before[k], after[k]] for k in before},
                note=decision_reference,
            )
        else:
            target = {
                ChangeKind.SUSPEND: ProjectStatus.SUSPENDED,
                ChangeKind.RESUME: ProjectStatus.IN_PROGRESS,
                ChangeKind.TERMINATE: ProjectStatus.TERMINATED,
            }[ChangeKind(kind)]
            if kind == ChangeKind.RESUME and project.status != ProjectStatus.SUSPENDED:
                raise DomainError(_("Only a suspended project can be resumed."))
            before, after = {"status": project.status}, {"status": target}
            _move_project(project, target, actor=acting_user, note=decision_reference)
        return ProjectChange.objects.create(
            project=project,
            kind=kind,
            decision_session=session,
            decision_reference=decision_reference,
            decision_date=decision_date,
            reason=reason,
            before=before,
            after=after,
            recorded_by=acting_user,
            recorded_at=_now(),
        )


# --- supervision ----------------------------------------------------------------------------


def _congress_deputies(congress_id: int, deputies: Sequence[Deputy]) -> list[Deputy]:
    ids = {d.pk for d in deputies}
    seated = set(
        DeputyMembership.objects.filter(congress_id=congress_id, deputy_id__in=ids).values_list(
            "deputy_id", flat=True
        )
    )
    if ids - seated:
        raise DomainError(_("Choose deputies of this congress."))
    return list(deputies)


def adopt_supervision_plan(
    *,
    congress: Congress,
    year: int,
    text: str,
    projects: Sequence[Project],
    adopted_on: dt.date,
    acting_user: Any,
) -> SupervisionPlan:
    """The presidium's annual supervision plan listing the year's projects."""
    _require(acting_user, "project.manage", congress)
    text = cases.clean_text(text, field=_("The plan"), maximum=20000)
    if not projects or any(p.congress_id != congress.pk or p.year != year for p in projects):
        raise DomainError(_("The plan lists this year's projects of this congress."))
    with transaction.atomic():
        plan, created = SupervisionPlan.objects.select_for_update().get_or_create(
            congress=congress, year=year, defaults={"text": text, "adopted_on": adopted_on}
        )
        if not created:
            plan.text, plan.adopted_on = text, adopted_on
            plan.save(update_fields=["text", "adopted_on"])
        plan.projects.set(projects)
        audit.record(
            "project.supervision_plan",
            plan,
            actor=acting_user,
            changes={"projects": [None, [p.pk for p in projects]]},
        )
    return plan


def set_supervision_group(
    project: Project, *, leader: Deputy, members: Sequence[Deputy], acting_user: Any
) -> SupervisionGroup:
    members = _congress_deputies(project.congress_id, list(dict.fromkeys([leader, *members])))
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        group, _created = SupervisionGroup.objects.update_or_create(
            project=project, defaults={"leader": leader}
        )
        group.members.set(members)
        audit.record(
            "project.supervision_group",
            project,
            actor=acting_user,
            changes={"leader": [None, leader.pk], "members": [None, [m.pk for m in members]]},
        )
    return group


def record_inspection(
    project: Project,
    *,
    held_on: dt.date,
    place: str,
    participants: Sequence[Deputy],
    summary: str,
    findings: Sequence[str] = (),
    acting_user: Any,
) -> Inspection:
    place = cases.clean_text(place, field=_("The place"), maximum=200)
    summary = cases.clean_text(summary, field=_("The report"), maximum=MAX_TEXT)
    texts = [
        cases.clean_text(f, field=_("The finding"), maximum=MAX_TEXT) for f in findings if f.strip()
    ]
    if not participants:
        raise DomainError(_("Name the deputies who inspected."))
    participants = _congress_deputies(project.congress_id, participants)
    if held_on > timezone.localdate():
        raise DomainError(_("An inspection is recorded after it took place."))
    with transaction.atomic():
        project = _lock_project(project)
        _require(acting_user, "project.manage", project)
        inspection = Inspection.objects.create(
            project=project, held_on=held_on, place=place, summary=summary, recorded_by=acting_user
        )
        inspection.participants.set(participants)
        Finding.objects.bulk_create([Finding(inspection=inspection, text=t) for t in texts])
        audit.record(
            "project.inspection",
            project,
            actor=acting_user,
            changes={"findings": [None, len(texts)]},
            note=str(held_on),
        )
    return inspection


def finding_to_case(
    finding: Finding, *, category: Category, acting_user: Any, due: dt.date | None = None
) -> Case:
    """The finding becomes a case on the case engine, assigned to the project's department;
    reply and evaluation then follow the engine's usual loop."""
    project = finding.inspection.project
    _require(acting_user, "project.manage", project)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.case_id:
            raise DomainError(_("This finding is already a case."))
        group = SupervisionGroup.objects.filter(project=project).select_related("leader").first()
        case, _code = cases.submit_case(
            congress=project.congress,
            category=category,
            title=(_("Project supervision: %(title)s") % {"title": project.title})[:100],
            content=finding.text,
            source=CaseSource.DEPUTY_VISIT,
            source_deputy=group.leader if group else None,
            entered_by=acting_user,
        )
        cases.assign_case(
            case,
            acting_user=acting_user,
            lead=project.department,
            due=due,
            note=_("Finding of the inspection of %(date)s") % {"date": finding.inspection.held_on},
        )
        case.refresh_from_db()
        finding.case = case
        finding.save(update_fields=["case"])
        audit.record(
            "project.finding_case",
            project,
            actor=acting_user,
            changes={"case": [None, case.serial]},
        )
    return case


# --- year-end rating -------------------------------------------------------------------------


def rated_projects(congress_id: int, year: int) -> list[Project]:
    return list(
        Project.objects.filter(congress_id=congress_id, year=year)
        .exclude(status=ProjectStatus.TERMINATED)
        .order_by("batch__number", "id")
    )


def create_year_rating(
    *, congress: Congress, year: int, session: Session | None, acting_user: Any
) -> YearRating:
    """The year-end rating poll on the engine: 满意/基本满意/不满意 on each project of the year."""
    _require(acting_user, "project.manage", congress)
    if session is not None:
        _session(congress.pk, session)
    projects = rated_projects(congress.pk, year)
    if not projects:
        raise DomainError(_("No project of that year to rate."))
    rules = ProjectRules.for_congress(congress.pk)
    with transaction.atomic():
        if YearRating.objects.filter(congress=congress, year=year).exists():
            raise DomainError(_("The year's rating already exists."))
        poll = ballots.create_poll(
            congress=congress,
            title=_("Year-end rating of the %(year)s livelihood projects") % {"year": year},
            method=Method.RATING,
            scale=Scale.SATISFACTION,
            acting_user=acting_user,
            subjects=[p.title for p in projects],
            session=session,
            base=rules.rating_base,
            min_group=rules.min_group,
        )
        for project, subject in zip(projects, poll.subjects.order_by("order", "id"), strict=True):
            project.rating_subject = subject
            project.save(update_fields=["rating_subject"])
        rating = YearRating.objects.create(congress=congress, year=year, session=session, poll=poll)
        audit.record("project.rating_created", rating, actor=acting_user)
    return rating


def open_rating(
    rating: YearRating, *, acting_user: Any, absent: Sequence[int] = (), paper: bool = False
) -> YearRating:
    """Open the deputies' rating poll; the electorate is every deputy seated now."""
    _require(acting_user, "project.manage", rating)
    if rating.poll is None:
        raise DomainError(_("The rating has no poll."))
    absent_ids = set(absent)
    with transaction.atomic():
        electorate = [
            (m.deputy.user, m.deputy, m.deputy_id not in absent_ids)
            for m in deputies_of(rating.congress)
        ]
        ballots.open_poll(rating.poll, electorate=electorate, acting_user=acting_user, paper=paper)
        notify_on_commit(
            [user for user, _deputy, _present in electorate if user is not None],
            _("Year-end rating of the %(year)s livelihood projects") % {"year": rating.year},
            "",
            reverse("ballots:ballot", args=[rating.poll_id]),
        )
    return rating


def cast_rating(rating: YearRating, *, voter: Any, choices: dict[int, str]) -> str:
    """A deputy rates each project (project id → satisfied / basic / unsatisfied)."""
    if rating.poll is None:
        raise DomainError(_("The rating has no poll."))
    subject_of = dict(
        Project.objects.filter(rating_subject__poll=rating.poll).values_list(
            "id", "rating_subject_id"
        )
    )
    if set(choices) - set(subject_of):
        raise DomainError(_("The ballot names a project that is not rated this year."))
    if any(c not in RATING_GRADES for c in choices.values()):
        raise DomainError(_("Rate each project satisfied, basically satisfied or unsatisfied."))
    return ballots.cast_online(
        rating.poll, voter=voter, choices={subject_of[p]: c for p, c in choices.items()}
    )


def enter_rating_paper(
    rating: YearRating, *, number: int, ballots_marked: list[dict[int, str]], teller: Any
) -> Any:
    """Paper rating ballots (project id → grade) of one pile, entered by two tellers."""
    if rating.poll is None:
        raise DomainError(_("The rating has no poll."))
    subject_of = dict(
        Project.objects.filter(rating_subject__poll=rating.poll).values_list(
            "id", "rating_subject_id"
        )
    )
    converted = []
    for marks in ballots_marked:
        if set(marks) - set(subject_of):
            raise DomainError(_("The ballot names a project that is not rated this year."))
        converted.append({subject_of[p]: c for p, c in marks.items()})
    return ballots.enter_paper_batch(rating.poll, number=number, ballots=converted, teller=teller)


def close_rating(rating: YearRating, *, acting_user: Any) -> YearRating:
    """Close the rating poll and write each project's frozen result."""
    with transaction.atomic():
        rating = YearRating.objects.select_for_update().get(pk=rating.pk)
        _require(acting_user, "project.manage", rating)
        if rating.poll is None or rating.applied_at:
            raise DomainError(_("This rating is already closed."))
        poll = rating.poll
        if poll.status == PollStatus.OPEN:
            poll = ballots.close_poll(poll, acting_user=acting_user)
        if poll.status not in (PollStatus.CLOSED, PollStatus.PUBLISHED) or not poll.result:
            raise DomainError(_("The poll has no frozen result."))
        rows = {row["subject"]: row for row in poll.result["subjects"]}
        projects = list(Project.objects.filter(rating_subject__poll=poll))
        for project in projects:
            row = rows[project.rating_subject_id]
            project.rating = row.get("result") or ""
            project.rating_counts = row["counts"]
        Project.objects.bulk_update(projects, ["rating", "rating_counts"])
        if poll.status == PollStatus.CLOSED:
            ballots.publish_poll(poll, acting_user=acting_user)
        rating.applied_at = _now()
        rating.survey_open = False
        rating.save(update_fields=["applied_at", "survey_open"])
        audit.record("project.rating_applied", rating, actor=acting_user)
    return rating


# --- the resident survey: one answer per verified phone number -------------------------------


def phone_digest(phone: str) -> str:
    return salted_hmac("renda.projects.survey-phone", phone.strip()).hexdigest()


def set_survey_open(rating: YearRating, *, open_: bool, acting_user: Any) -> YearRating:
    with transaction.atomic():
        rating = YearRating.objects.select_for_update().get(pk=rating.pk)
        _require(acting_user, "project.manage", rating)
        if open_ and not ProjectRules.for_congress(rating.congress_id).survey_enabled:
            raise DomainError(_("The resident survey is turned off for this congress."))
        if open_ and rating.applied_at:
            raise DomainError(_("The year's rating is closed."))
        rating.survey_open = open_
        rating.save(update_fields=["survey_open"])
        audit.record(
            "project.survey_open" if open_ else "project.survey_closed", rating, actor=acting_user
        )
    return rating


def _code_key(rating: YearRating, phone: str) -> str:
    return f"projects:survey-code:{rating.pk}:{phone_digest(phone)[:32]}"


def send_survey_code(rating: YearRating, *, phone: str) -> None:
    """Text a six-digit code to the phone (the SMS backend of renda.core.notify). At most
    `RENDA_SURVEY_CODE_LIMIT` codes per phone per window; the view also limits per address."""
    phone = (phone or "").strip()
    try:
        validate_cn_mobile(phone)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    if not phone:
        raise DomainError(_("Enter your mobile phone number."))
    if not rating.survey_open:
        raise DomainError(_("The survey is not open."))
    if SurveyResponse.objects.filter(rating=rating, phone_hash=phone_digest(phone)).exists():
        raise DomainError(_("This phone number has already answered the survey."))
    limit = settings.RENDA_SURVEY_CODE_LIMIT
    if ratelimit.exceeded("survey-code", [phone], limit):
        raise RateLimitError(_("Too many codes were sent to this number. Try again later."))
    ratelimit.hit("survey-code", phone, settings.RENDA_SUBMIT_WINDOW_SECONDS)
    code = f"{secrets.randbelow(1_000_000):06d}"
    cache.set(
        _code_key(rating, phone),
        {"hash": hashlib.sha256(code.encode()).hexdigest(), "tries": 0},
        SURVEY_CODE_SECONDS,
    )
    sms_on_commit(
        phone,
        _(
            "Your verification code for the livelihood project survey is %(code)s (valid 10 minutes)."
        )
        % {"code": code},
    )


def answer_survey(
    rating: YearRating, *, phone: str, code: str, answers: dict[int, str]
) -> SurveyResponse:
    """One response per phone number, after the SMS code is verified."""
    phone = (phone or "").strip()
    if not rating.survey_open:
        raise DomainError(_("The survey is not open."))
    key = _code_key(rating, phone)
    stored = cache.get(key)
    if not stored or stored["tries"] >= SURVEY_CODE_ATTEMPTS:
        raise DomainError(_("The verification code is wrong or has expired."))
    given = hashlib.sha256((code or "").strip().encode()).hexdigest()
    if not constant_time_compare(stored["hash"], given):
        stored["tries"] += 1
        cache.set(key, stored, SURVEY_CODE_SECONDS)
        raise DomainError(_("The verification code is wrong or has expired."))
    project_ids = {p.pk for p in rated_projects(rating.congress_id, rating.year)}
    if set(answers) != project_ids or any(a not in RATING_GRADES for a in answers.values()):
        raise DomainError(_("Rate every project of the year."))
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                rating=rating,
                phone_hash=phone_digest(phone),
                answers={str(k): v for k, v in answers.items()},
                created_at=_now(),
            )
    except IntegrityError:
        raise DomainError(_("This phone number has already answered the survey.")) from None
    cache.delete(key)
    return response


def survey_counts(rating: YearRating) -> dict[int, dict[str, int]]:
    """Project id → grade → residents' answers."""
    out: dict[int, dict[str, int]] = {}
    for answers in SurveyResponse.objects.filter(rating=rating).values_list("answers", flat=True):
        for project_id, grade in answers.items():
            bucket = out.setdefault(int(project_id), {})
            bucket[grade] = bucket.get(grade, 0) + 1
    return out
