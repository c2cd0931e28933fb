"""Pre-appointment review (任前审议): a nominee for a department head post, the nominating
body, the résumé and the statement (任前表态发言), the presidium meeting that reviews them,
members' questions and opinions, and a vote on the ballot engine (for / against / abstain;
the rule per congress, by default more than half of the members present). The result
letter (.docx) goes to the nominating body; an approved nominee who is then appointed
becomes an `Official` that appraisals can rate. The app never reads ballots: it opens and
closes the engine's poll and reads the frozen result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from renda.activities.models import (
    NOMINATION_TRANSITIONS,
    ActivityRules,
    Nomination,
    NominationStatus,
    PresidiumMeeting,
    ReviewRemark,
    ReviewResult,
)
from renda.activities.services.common import require
from renda.activities.services.plan import is_presidium_member
from renda.ballots import services as ballots
from renda.ballots.models import Method, Scale
from renda.cases.services import clean_text
from renda.congress.models import Congress, Deputy, Official
from renda.core import audit, documents, uploads, workflow
from renda.core.errors import DomainError


def nominate(
    *, congress: Congress, name: str, post: str, nominating_body: str, acting_user: Any
) -> Nomination:
    require(acting_user, "activity.manage", congress)
    with transaction.atomic():
        nomination = Nomination.objects.create(
            congress=congress,
            name=clean_text(name, field=_("The nominee"), maximum=40),
            post=clean_text(post, field=_("The post"), maximum=100),
            nominating_body=clean_text(
                nominating_body, field=_("The nominating body"), maximum=100
            ),
            created_by=acting_user,
        )
        audit.record("review.nominated", nomination, actor=acting_user)
    return nomination


def _lock(nomination: Nomination) -> Nomination:
    return Nomination.objects.select_for_update().get(pk=nomination.pk)


def _move(nomination: Nomination, target: str, actor: Any, fields: Sequence[str] = ()) -> None:
    workflow.move(
        nomination,
        target,
        transitions=NOMINATION_TRANSITIONS,
        action="review.status",
        actor=actor,
        fields=fields,
        error=_("A nomination that is %(current)s cannot become %(target)s."),
    )


def attach_documents(
    nomination: Nomination, *, resume: Any = None, statement: Any = None, acting_user: Any
) -> Nomination:
    """The résumé and the statement, each checked by its bytes; only before the vote."""
    accepted = {}
    for field, upload in (("resume", resume), ("statement", statement)):
        if upload is not None:
            try:
                accepted[field] = uploads.accept(upload)
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        nomination = _lock(nomination)
        require(acting_user, "activity.manage", nomination)
        if nomination.status != NominationStatus.NOMINATED:
            raise DomainError(_("The documents are attached before the vote."))
        for field, file in accepted.items():
            setattr(nomination, field, file)
            setattr(nomination, f"{field}_type", file.content_type)
        fields = [*accepted, *(f"{f}_type" for f in accepted)]
        nomination.save(update_fields=fields)
        audit.record(
            "review.documents", nomination, actor=acting_user, changes={"files": [None, fields]}
        )
    return nomination


def schedule_review(
    nomination: Nomination, meeting: PresidiumMeeting, *, acting_user: Any
) -> Nomination:
    with transaction.atomic():
        nomination = _lock(nomination)
        require(acting_user, "activity.manage", nomination)
        if meeting.congress_id != nomination.congress_id:
            raise DomainError(_("Choose a meeting of this presidium."))
        if nomination.status != NominationStatus.NOMINATED:
            raise DomainError(_("The review meeting is set before the vote."))
        nomination.meeting = meeting
        nomination.save(update_fields=["meeting"])
        audit.record("review.scheduled", nomination, actor=acting_user)
    return nomination


def add_remark(
    nomination: Nomination, *, member: Deputy, text: str, acting_user: Any
) -> ReviewRemark:
    text = clean_text(text, field=_("The question or opinion"), maximum=2000)
    require(acting_user, "activity.manage", nomination)
    if not is_presidium_member(member, nomination.congress_id):
        raise DomainError(_("Questions and opinions come from presidium members."))
    with transaction.atomic():
        remark = ReviewRemark.objects.create(nomination=nomination, member=member, text=text)
        audit.record("review.remark", nomination, actor=acting_user)
    return remark


def open_vote(nomination: Nomination, *, acting_user: Any, paper: bool = False) -> ballots.Opening:
    """Open the secret vote of the members present at the review meeting; refused until
    both documents are attached, the meeting is set and its attendance recorded. Returns
    the engine's opening (the key shares to hand to the tellers and the chair). With
    `paper` (or when a member present has no account) the engine's paper channel is open:
    the members vote on paper ballots that two tellers enter on the poll's paper page."""
    with transaction.atomic():
        nomination = _lock(nomination)
        require(acting_user, "activity.manage", nomination)
        if not nomination.resume or not nomination.statement:
            raise DomainError(_("Attach the nominee's résumé and statement before the vote."))
        meeting = nomination.meeting
        if meeting is None:
            raise DomainError(_("Set the review meeting before the vote."))
        present = list(meeting.present.select_related("user").order_by("name"))
        if not present:
            raise DomainError(_("Record the members present before the vote."))
        rules = ActivityRules.for_congress(nomination.congress_id)
        poll = ballots.create_poll(
            congress=nomination.congress,
            title=_("Pre-appointment review: %(name)s, %(post)s")
            % {"name": nomination.name, "post": nomination.post},
            method=Method.APPROVAL,
            scale=Scale.APPROVAL,
            subjects=[f"{nomination.name}（{nomination.post}）"],
            acting_user=acting_user,
            base=rules.review_base,
            threshold_num=rules.review_threshold_num,
            threshold_den=rules.review_threshold_den,
            threshold_strict=True,
            min_group=1,
        )
        opening = ballots.open_poll(
            poll,
            electorate=[(d.user, d, True) for d in present],
            acting_user=acting_user,
            paper=paper or any(d.user_id is None for d in present),
        )
        nomination.poll = poll
        _move(nomination, NominationStatus.VOTING, acting_user, ["poll"])
    return opening


def close_vote(nomination: Nomination, *, shares: Sequence[str], acting_user: Any) -> Nomination:
    """Close the engine's poll with the key shares and copy the frozen result."""
    with transaction.atomic():
        nomination = _lock(nomination)
        require(acting_user, "activity.manage", nomination)
        if nomination.status != NominationStatus.VOTING or nomination.poll is None:
            raise DomainError(_("No vote is open for this nominee."))
        poll = ballots.close_poll(nomination.poll, acting_user=acting_user, shares=shares)
        row = (poll.result or {}).get("subjects", [{}])[0]
        counts = row.get("counts", {})
        nomination.votes_for = counts.get("yes", 0)
        nomination.votes_against = counts.get("no", 0)
        nomination.votes_abstain = counts.get("abstain", 0)
        nomination.result = ReviewResult.APPROVED if row.get("passed") else ReviewResult.REJECTED
        _move(
            nomination,
            NominationStatus.DECIDED,
            acting_user,
            ["votes_for", "votes_against", "votes_abstain", "result"],
        )
    return nomination


def appoint(nomination: Nomination, *, acting_user: Any) -> Official:
    """The approved nominee, once appointed, becomes an official of the congress."""
    with transaction.atomic():
        nomination = _lock(nomination)
        require(acting_user, "activity.manage", nomination)
        if nomination.result != ReviewResult.APPROVED:
            raise DomainError(_("Only an approved nominee is appointed."))
        if nomination.official_id:
            raise DomainError(_("This nominee is already recorded as appointed."))
        official = Official.objects.create(
            congress=nomination.congress, name=nomination.name, post=nomination.post
        )
        nomination.official = official
        nomination.save(update_fields=["official"])
        audit.record("review.appointed", nomination, actor=acting_user)
    return official


def history(congress: Congress, name: str) -> list[Nomination]:
    """A person's reviews in this congress, newest first."""
    return list(Nomination.objects.filter(congress=congress, name=name).order_by("-id"))


def result_letter(nomination: Nomination) -> bytes:
    """The result letter to the nominating body (.docx)."""
    if nomination.status != NominationStatus.DECIDED:
        raise DomainError(_("The letter is written once the vote is counted."))
    document = documents.docx_document(size=14)
    documents.add_text(
        document.add_paragraph(), _("Result of the pre-appointment review"), bold=True, size=18
    )
    documents.add_text(document.add_paragraph(), f"{nomination.nominating_body}：")
    meeting = nomination.meeting
    text = _(
        "The presidium reviewed the nomination of %(name)s as %(post)s at its meeting of "
        "%(date)s. For %(yes)s, against %(no)s, abstain %(abstain)s: %(result)s."
    ) % {
        "name": nomination.name,
        "post": nomination.post,
        "date": meeting.held_on if meeting else "",
        "yes": nomination.votes_for,
        "no": nomination.votes_against,
        "abstain": nomination.votes_abstain,
        "result": nomination.get_result_display(),
    }
    documents.add_text(document.add_paragraph(), text)
    documents.add_text(document.add_paragraph(), str(nomination.congress))
    return documents.to_bytes(document)
