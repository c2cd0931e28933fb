"""The deputies' year-end rating of the year's projects, on the ballot engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from renda.ballots import services as ballots
from renda.ballots.models import Method, PollStatus, Scale
from renda.congress.models import (
    Congress,
    Session,
)
from renda.core import audit
from renda.core.errors import DomainError
from renda.core.notify import notify_on_commit
from renda.projects.models import (
    Project,
    ProjectRules,
    ProjectStatus,
    YearRating,
)
from renda.projects.services.common import (
    _now,
    _require,
    _session,
    deputies_of,
)

RATING_GRADES = ("satisfied", "basic", "unsatisfied")


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
) -> ballots.Opening:
    """Open the deputies' rating poll; the electorate is every deputy seated now. Returns
    the engine's key shares (and codes), handed out once."""
    _require(acting_user, "project.manage", rating)
    if rating.poll is None:
        raise DomainError(_("The rating has no poll."))
    absent_ids = set(absent)
    with transaction.atomic():
        electorate = [
            (m.deputy.user, m.deputy, m.deputy_id not in absent_ids)
            for m in deputies_of(rating.congress)
        ]
        opening = ballots.open_poll(
            rating.poll, electorate=electorate, acting_user=acting_user, paper=paper
        )
        notify_on_commit(
            [user for user, _deputy, _present in electorate if user is not None],
            _("Year-end rating of the %(year)s livelihood projects") % {"year": rating.year},
            "",
            reverse("ballots:ballot", args=[rating.poll_id]),
        )
    return opening


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


def close_rating(rating: YearRating, *, acting_user: Any, shares: Sequence[str] = ()) -> YearRating:
    """Close the rating poll with the key holders' shares and write each project's frozen
    result."""
    with transaction.atomic():
        rating = YearRating.objects.select_for_update().get(pk=rating.pk)
        _require(acting_user, "project.manage", rating)
        if rating.poll is None or rating.applied_at:
            raise DomainError(_("This rating is already closed."))
        poll = rating.poll
        if poll.status == PollStatus.OPEN:
            poll = ballots.close_poll(poll, acting_user=acting_user, shares=shares)
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
