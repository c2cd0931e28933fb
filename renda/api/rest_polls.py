"""Polls of the ballot engine (/api/v1/polls): the list, one poll, its frozen result and
the check of a voter's receipt. Read only: voting stays on the engine's own pages (the
review step and the receipt shown once), and the office acts on its pages.

Who sees what: the office and leaders (`poll.view`) every poll of their congresses and the
frozen result as soon as it is counted; anyone else the published polls of the congresses
they belong to, and the polls they are an elector of, with the result as published
(`ballots.services.public_result`: a poll with fewer ballots than its smallest group shows
no detail). Rows, shares and outcomes are the engine's presentation of the frozen result
(`ballots.presentation.summarise`), never recomputed here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from renda.api.common import in_congresses, member_congress_ids, not_found, paginate, ref, user_of
from renda.api.schemas import ErrorOut, PageFilters, Ref
from renda.api.validation import Id, Text
from renda.ballots import services
from renda.ballots.models import Poll, PollKind, PollStatus
from renda.ballots.presentation import Summary, summarise
from renda.congress import policy
from renda.core import ratelimit
from renda.core.requestcontext import client_ip

router = Router(tags=["polls"])

NOT_FOUND = {404: ErrorOut}


# --- schemas -------------------------------------------------------------------------------------


class PollFilters(PageFilters):
    congress: Id | None = Field(None, description="Only polls of this congress id.")
    session: Id | None = Field(None, description="Only polls of this session id.")
    status: PollStatus | None = Field(None, description="Only polls in this state.")
    kind: PollKind | None = Field(None, description="Only polls of this kind.")


class SubjectOut(Schema):
    id: int = Field(description="Subject id.")
    title: str = Field(description="What is voted on or rated.")


class PollItem(Schema):
    id: int = Field(description="Poll id.")
    congress: Ref = Field(description="The congress.")
    session: Ref | None = Field(description="The session, if the poll is held at one.")
    kind: str = Field(description="general, resolution or election.")
    title: str = Field(description="Title.")
    method: str = Field(description="rating, approval or choose.")
    status: str = Field(description="draft, open, closed, published or void.")
    status_label: str = Field(description="The state in words, translated.")
    is_secret: bool = Field(description="Secret ballot (receipts listed without choices).")
    seats: int | None = Field(description="Places to fill, if any.")
    opened_at: dt.datetime | None = Field(description="When voting opened.")
    closed_at: dt.datetime | None = Field(description="When voting closed.")
    published_at: dt.datetime | None = Field(description="When the result was published.")


class PollList(Schema):
    count: int = Field(description="Number of polls matching the filters.")
    items: list[PollItem] = Field(description="The requested page, newest first.")


class PollDetail(PollItem):
    description: str = Field(description="Explanation for voters.")
    subjects: list[SubjectOut] = Field(description="The subjects, in ballot order.")
    export_sha256: str = Field(
        description="SHA-256 of the canonical ballot export, once counted (else empty)."
    )


class CountOut(Schema):
    label: str = Field(description="The answer, translated (e.g. 满意, 赞成).")
    votes: int = Field(description="Ballots giving this answer.")
    share: str = Field(description="Share of the row's base, as displayed (e.g. 45.9%).")


class ResultRow(Schema):
    title: str = Field(description="The subject (or a name written in).")
    counts: list[CountOut] = Field(description="Each answer with its count and share.")
    base: int = Field(description="The base the shares and the rule are computed on.")
    outcome: str = Field(description="The outcome in words (grade, passed, elected...).")
    passed: bool = Field(description="Passed the threshold (approval and choice polls).")
    elected: bool = Field(description="Elected or selected within the places.")
    tie: bool = Field(description="Tied for the last place: a further vote decides.")
    written_in: bool = Field(description="A name written in (另选他人).")
    votes: int = Field(description="Votes for (approval) or chosen (election).")


class ChannelCount(Schema):
    channel: str = Field(description="Online, voter code or paper, translated.")
    ballots: int = Field(description="Ballots cast through it.")


class ResultOut(Schema):
    ballots: int = Field(description="Ballots cast (invalid ones included).")
    electorate: int = Field(description="Electors.")
    present: int = Field(description="Electors present.")
    invalid: int = Field(description="Invalid ballots (废票).")
    by_channel: list[ChannelCount] = Field(description="Ballots per channel.")
    suppressed: bool = Field(
        description="Details withheld: fewer ballots than the smallest group (rows empty)."
    )
    ties: list[str] = Field(description="Titles tied for the last place.")
    rows: list[ResultRow] = Field(description="One row per subject, then names written in.")


class PollResult(Schema):
    poll: Ref = Field(description="The poll (id and title).")
    status: str = Field(description="closed (the office's preview) or published.")
    export_sha256: str = Field(description="SHA-256 of the canonical ballot export.")
    result: ResultOut = Field(description="The frozen result as the announcement reads it.")


class ReceiptIn(Schema):
    receipt: Text = Field(description="The receipt shown to the voter after voting.")


class ReceiptOut(Schema):
    listed: bool = Field(description="The receipt is among the poll's counted ballots.")
    receipt_hash: str = Field(
        description="How the receipt appears in the public list (empty when not listed)."
    )


# --- scope and serialisation ---------------------------------------------------------------------


def visible_polls(user: Any) -> QuerySet[Poll]:
    """The polls a user reads: every poll of the congresses whose polls they follow; the
    published polls of the congresses they belong to; the polls they are an elector of."""
    office = Poll.objects.visible_to(user, "poll.view")
    published = in_congresses(
        Poll.objects.filter(status=PollStatus.PUBLISHED), member_congress_ids(user)
    )
    elector = Poll.objects.filter(electors__user=user).exclude(status=PollStatus.DRAFT)
    return Poll.objects.filter(
        Q(pk__in=office.values("pk"))
        | Q(pk__in=published.values("pk"))
        | Q(pk__in=elector.values("pk"))
    ).select_related("congress", "session__term")


def poll_item(p: Poll) -> dict[str, Any]:
    return {
        "id": p.pk,
        "congress": ref(p.congress),
        "session": {"id": p.session.pk, "name": str(p.session)} if p.session else None,
        "kind": p.kind,
        "title": p.title,
        "method": p.method,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "is_secret": p.is_secret,
        "seats": p.seats,
        "opened_at": p.opened_at,
        "closed_at": p.closed_at,
        "published_at": p.published_at,
    }


def shown_result(user: Any, poll: Poll) -> Summary | None:
    """The engine's presentation of the frozen result as this user may see it: the office
    (`poll.view`) once counted, anyone else once published (with the engine's withholding
    of small polls). None when there is nothing to show yet."""
    if poll.is_counted and policy.can(user, "poll.view", poll):
        return summarise(poll)
    if poll.status != PollStatus.PUBLISHED:
        return None
    result = services.public_result(poll)
    return summarise(poll, result) if result else None


def result_out(summary: Summary) -> dict[str, Any]:
    return {
        "ballots": summary.ballots,
        "electorate": summary.electorate,
        "present": summary.present,
        "invalid": summary.invalid,
        "by_channel": [{"channel": c, "ballots": n} for c, n in summary.by_channel],
        "suppressed": summary.suppressed,
        "ties": summary.ties,
        "rows": [
            {
                "title": row.title,
                "counts": [
                    {"label": label, "votes": votes, "share": share}
                    for label, votes, share in row.counts
                ],
                "base": row.base,
                "outcome": str(row.outcome),
                "passed": row.passed,
                "elected": row.elected,
                "tie": row.tie,
                "written_in": row.written_in,
                "votes": row.votes,
            }
            for row in summary.rows
        ],
    }


def _poll(request: HttpRequest, poll_id: int) -> Poll:
    poll = visible_polls(user_of(request)).filter(pk=poll_id).first()
    if poll is None:
        raise not_found()
    return poll


# --- endpoints -----------------------------------------------------------------------------------


@router.get("", response=PollList, summary="List polls")
def list_polls(request: HttpRequest, filters: Query[PollFilters]) -> dict[str, Any]:
    qs = visible_polls(user_of(request))
    if filters.congress is not None:
        qs = qs.filter(congress_id=filters.congress)
    if filters.session is not None:
        qs = qs.filter(session_id=filters.session)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    return paginate(qs.order_by("-id"), filters, poll_item)


@router.get("/{int:poll_id}", response={200: PollDetail, **NOT_FOUND}, summary="One poll")
def poll_detail(request: HttpRequest, poll_id: Id) -> dict[str, Any]:
    poll = _poll(request, poll_id)
    return {
        **poll_item(poll),
        "description": poll.description,
        "subjects": [{"id": s.pk, "title": s.title} for s in poll.subjects.order_by("order", "id")],
        "export_sha256": poll.export_sha256 if poll.is_counted else "",
    }


@router.get(
    "/{int:poll_id}/result",
    response={200: PollResult, **NOT_FOUND},
    summary="The frozen result",
)
def poll_result(request: HttpRequest, poll_id: Id) -> dict[str, Any]:
    """The result as the announcement (公告) reads it; a 404 until there is one to show."""
    poll = _poll(request, poll_id)
    summary = shown_result(user_of(request), poll)
    if summary is None:
        raise HttpError(404, _("This poll has no result to show yet."))
    return {
        "poll": {"id": poll.pk, "name": poll.title},
        "status": poll.status,
        "export_sha256": poll.export_sha256,
        "result": result_out(summary),
    }


@router.post(
    "/{int:poll_id}/receipt",
    response={200: ReceiptOut, 404: ErrorOut, 429: ErrorOut},
    summary="Check a receipt",
)
def check_receipt(request: HttpRequest, poll_id: Id, body: ReceiptIn) -> dict[str, Any]:
    """Whether a voter's receipt is among the counted ballots of a secret poll (closed or
    published), as on the public receipt list; limited per address like the page."""
    poll = _poll(request, poll_id)
    if not poll.is_secret or not poll.is_counted:
        raise not_found()
    ip = client_ip(request) or ""
    if not ratelimit.attempt(
        "ballot-receipt", [ip], settings.RENDA_CODE_LIMIT, settings.RENDA_CODE_WINDOW_SECONDS
    ):
        raise HttpError(429, _("Too many attempts. Try again in a few minutes."))
    code = body.receipt.strip().upper()
    listed = bool(code) and services.receipt_listed(poll, code)
    return {"listed": listed, "receipt_hash": services.receipt_hash(code) if listed else ""}
