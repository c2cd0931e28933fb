"""Vote batches: the candidate list published for comment, the vote on the ballot
engine, the count from its frozen result (a tie goes to a further batch) and the
presidium's announcement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from renda.ballots import presentation
from renda.ballots import services as ballots
from renda.ballots.models import Base, Method, PollStatus, Scale
from renda.cases import services as cases
from renda.congress.models import (
    Session,
)
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.core.numbering import next_serial
from renda.core.validators import validate_cn_mobile
from renda.projects.models import (
    BatchKind,
    BatchStatus,
    Candidate,
    CandidateOutcome,
    Comment,
    Idea,
    IdeaStatus,
    Project,
    ProjectRules,
    VoteBatch,
)
from renda.projects.services.common import (
    _idea_event,
    _lock_batch,
    _lock_idea,
    _move_batch,
    _move_idea,
    _now,
    _require,
    deputies_of,
)

APPROVAL_CHOICES = ("yes", "no", "abstain")


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


def hide_comment(comment: Comment, *, reason: str, acting_user: Any) -> Comment:
    """The office hides a resident's comment from the public batch page (abuse, someone's
    personal data): never deleted — the office still reads it, marked hidden, and may show
    it again. The reason is required and goes into the audit entry."""
    reason = cases.clean_text(reason, field=_("The reason"), maximum=200)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("batch").get(pk=comment.pk)
        _require(acting_user, "project.manage", comment.batch)
        if comment.hidden_at is not None:
            raise DomainError(_("This comment is already hidden."))
        comment.hidden_at = _now()
        comment.hidden_by = acting_user
        comment.hidden_reason = reason
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        audit.record(
            "projects.comment_hidden",
            comment,
            actor=acting_user,
            changes={"hidden": [False, True], "reason": ["", reason]},
        )
    return comment


def show_comment(comment: Comment, *, acting_user: Any) -> Comment:
    """Undo a hide: the comment is on the public batch page again (audited, the earlier
    reason kept in the log)."""
    with transaction.atomic():
        comment = Comment.objects.select_for_update().select_related("batch").get(pk=comment.pk)
        _require(acting_user, "project.manage", comment.batch)
        if comment.hidden_at is None:
            raise DomainError(_("This comment is not hidden."))
        reason = comment.hidden_reason
        comment.hidden_at = None
        comment.hidden_by = None
        comment.hidden_reason = ""
        comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        audit.record(
            "projects.comment_shown",
            comment,
            actor=acting_user,
            changes={"hidden": [True, False], "reason": [reason, ""]},
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
) -> ballots.Opening:
    """Open the vote on the ballot engine: one approval item (赞成/反对/弃权) per candidate,
    the places as seats, the congress's rule, the electorate fixed as every deputy seated
    now (`absent`: deputy ids not present). Returns what the engine hands out once: the
    ballot box's key shares and the voter codes."""
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
        opening = ballots.open_poll(
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
    return opening


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


def count_vote(batch: VoteBatch, *, acting_user: Any, shares: Sequence[str] = ()) -> VoteBatch:
    """Close the poll on the engine with the key holders' shares (it opens the ballot box
    and freezes the result) and apply it: selected
    projects are created; the not selected go back to the pool; a tie at the last place
    is never broken here — the tied candidates go to a further batch for the places left."""
    with transaction.atomic():
        batch = _lock_batch(batch)
        _require(acting_user, "project.manage", batch)
        if batch.status != BatchStatus.VOTING or batch.poll is None:
            raise DomainError(_("This batch is not being voted on."))
        poll = batch.poll
        if poll.status == PollStatus.OPEN:
            poll = ballots.close_poll(poll, acting_user=acting_user, shares=shares)
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


def with_results(batch: VoteBatch, candidates: Any) -> list[Candidate]:
    """The candidates, each with `result`: the ballot engine's row of its ballot item
    (`presentation.Row`: votes and shares of the base, passed / elected / tie and the
    outcome in words — selected, passed the threshold but beyond the places, threshold not
    reached, tied), or None before the count. The one source of a candidate's outcome for
    the batch pages and the announcement."""
    candidates = list(candidates)
    poll = batch.poll
    rows = presentation.by_subject(presentation.summarise(poll)) if poll is not None else {}
    for c in candidates:
        c.result = rows.get(c.subject_id) if c.subject_id is not None else None
    return candidates


def announcement_text(batch: VoteBatch) -> str:
    """The presidium's public notice (公告) of a counted batch, from the frozen result as
    the ballot engine presents it (`with_results`)."""
    candidates = with_results(
        batch, batch.candidates.select_related("idea").order_by("rank", "order")
    )
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
    selected = [c for c in candidates if c.result is not None and c.result.elected]
    tied = [c for c in candidates if c.result is not None and c.result.tie]
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
    # Not selected, in the engine's two kinds: passed the threshold but beyond the places,
    # and threshold not reached.
    beyond = [
        c
        for c in candidates
        if c.result is not None and c.result.passed and not (c.result.elected or c.result.tie)
    ]
    failed = [c for c in candidates if c.result is not None and not c.result.passed]
    for heading, group in (
        (_("Passed the threshold but beyond the places, not selected:"), beyond),
        (_("Threshold not reached, not selected:"), failed),
    ):
        if not group:
            continue
        lines.append("")
        lines.append(heading)
        for c in group:
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
