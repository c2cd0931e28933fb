"""The voter's pages (mobile first): my open polls, one screen per ballot, a confirmation
step, the receipt. Logged-in electors vote online; invited citizens enter a one-time voter
code. The receipt is shown once and never stored with the voter (not even in the session):
only its keyed hash sits on the anonymous ballot."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from renda.ballots import services
from renda.ballots.forms import BallotForm, CodeForm
from renda.ballots.models import Elector, Participation, Poll, PollStatus, PollSubject
from renda.congress.models import Congress, Session, Term
from renda.core import ratelimit, rawjoin
from renda.core.errors import DomainError
from renda.core.requestcontext import client_ip

_CODE_SCOPE = "ballot-code"


_SUBJECT_PARTS = (rawjoin.Part(PollSubject, "s"),)


@cache
def _subjects_sql() -> str:
    return (
        f"SELECT {rawjoin.select(_SUBJECT_PARTS)} "  # noqa: S608 - the model's table
        f"FROM {PollSubject._meta.db_table} s WHERE s.poll_id = %s "
        'ORDER BY s."order", s.id'
    )


def _subjects(poll: Poll) -> list[Any]:
    """The poll's subjects in their order (`poll.subjects.order_by("order", "id")`), read by
    a statement written once: every voter's page and cast reads them."""
    subjects = [row[0] for row, _rest in rawjoin.fetch(_subjects_sql(), [poll.pk], _SUBJECT_PARTS)]
    for subject in subjects:
        rawjoin.relate(subject, "poll", poll)  # type: ignore[arg-type]
    return subjects


def _ballot_step(
    request: HttpRequest,
    poll: Poll,
    *,
    cast: Any,
    context: dict[str, Any],
) -> HttpResponse:
    """The three steps of one ballot on one URL: the form (GET or "edit"), the review
    ("review"), the cast ("cast") which shows the receipt."""
    subjects = _subjects(poll)
    step = request.POST.get("step") if request.method == "POST" else None
    form = BallotForm(request.POST if step else None, poll=poll, subjects=subjects)
    context = {**context, "poll": poll, "form": form}
    if step in ("review", "cast") and form.is_valid():
        if step == "review":
            return render(request, "ballots/voter/confirm.html", context)
        try:
            # The subjects were read after the poll was seen open: final (see cast_online).
            receipt = cast(form.choices(), form.write_ins(), {s.pk: s.title for s in subjects})
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "ballots/voter/ballot.html", context, status=400)
        response = render(request, "ballots/voter/receipt.html", {**context, "receipt": receipt})
        response["Cache-Control"] = "no-store"
        return response
    if step == "edit":
        form = BallotForm(request.POST, poll=poll, subjects=subjects)
        form.is_valid()
        form.errors.clear()  # back to the ballot with the answers kept, not as errors
        context["form"] = form
        return render(request, "ballots/voter/ballot.html", context)
    return render(request, "ballots/voter/ballot.html", context, status=400 if step else 200)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A deputy's open polls (and whether they have voted)."""
    return render(
        request, "ballots/voter/mine.html", {"polls": services.my_open_polls(request.user)}
    )


_ELECTOR_PARTS = (
    rawjoin.Part(Elector, "e"),
    rawjoin.Part(Poll, "p"),
    rawjoin.Part(Congress, "c"),
    rawjoin.Part(Session, "s"),
    rawjoin.Part(Term, "t"),
)


@cache
def _elector_sql() -> str:
    e, p, c, s, t = (part.model._meta.db_table for part in _ELECTOR_PARTS)
    return (
        f"SELECT {rawjoin.select(_ELECTOR_PARTS)}, "  # noqa: S608 - tables from the models
        f"EXISTS (SELECT 1 FROM {Participation._meta.db_table} v WHERE v.elector_id = e.id) "
        f"FROM {e} e JOIN {p} p ON p.id = e.poll_id JOIN {c} c ON c.id = p.congress_id "
        f"LEFT JOIN {s} s ON s.id = p.session_id LEFT JOIN {t} t ON t.id = s.term_id "
        "WHERE e.poll_id = %s AND e.user_id = %s"
    )


def _elector(poll_id: int, user_id: int) -> tuple[Elector, bool] | None:
    """The user's elector row of the poll, with the poll, its congress and its session
    (with the term) as `select_related` would read them, and whether they have voted: one
    hand-written statement (renda.core.rawjoin; the ORM's building of this query was a
    tenth of a cast's CPU). `tests/ballots/test_elector_read.py` holds it to the ORM's."""
    found = rawjoin.fetch(_elector_sql(), [poll_id, user_id], _ELECTOR_PARTS)
    if not found:
        return None
    (elector, poll, congress, session, term), (voted,) = found[0]
    if elector is None or poll is None:  # inner joins: never, unless the row is malformed
        return None
    rawjoin.relate(poll, "congress", congress)
    rawjoin.relate(poll, "session", session)
    if session is not None:
        rawjoin.relate(session, "term", term)
    rawjoin.relate(elector, "poll", poll)
    return elector, bool(voted)  # type: ignore[return-value]


@never_cache
@login_required
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    found = _elector(pk, request.user.pk or 0)
    if found is None:
        raise Http404
    elector, voted = found
    poll = elector.poll
    if poll.status != PollStatus.OPEN or voted or not elector.present:
        return render(
            request,
            "ballots/voter/closed.html",
            {"poll": poll, "voted": voted, "absent": not elector.present},
            status=200 if request.method == "GET" else 400,
        )
    return _ballot_step(
        request,
        poll,
        cast=lambda choices, names, subjects: services.cast_online(
            poll, voter=request.user, choices=choices, write_ins=names, subjects=subjects
        ),
        context={"channel": "online"},
    )


def _reserve_code_try(request: HttpRequest) -> ratelimit.Reservation:
    """Every try of a code counts first (exact under simultaneous requests); a try whose
    code opens a ballot gives its count back, so the limit counts refused codes."""
    return ratelimit.reserve(
        _CODE_SCOPE,
        [client_ip(request) or ""],
        settings.RENDA_CODE_LIMIT,
        settings.RENDA_CODE_WINDOW_SECONDS,
    )


def _code_refused(request: HttpRequest, form: CodeForm, *, status: int = 404) -> HttpResponse:
    """One answer for an unknown, used, void or foreign code; each refusal counts."""
    return render(
        request,
        "ballots/voter/code.html",
        {"form": form, "error": _("This voter code is not valid.")},
        status=status,
    )


def _too_many(request: HttpRequest, form: CodeForm) -> HttpResponse:
    return render(
        request,
        "ballots/voter/code.html",
        {"form": form, "error": _("Too many attempts. Try again in a few minutes.")},
        status=429,
    )


@never_cache
def code_entry(request: HttpRequest) -> HttpResponse:
    """The invited voter types the code from their slip; a valid code opens its ballot."""
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "ballots/voter/code.html", {"form": form})
    if not form.is_valid():
        return render(request, "ballots/voter/code.html", {"form": form}, status=400)
    reservation = _reserve_code_try(request)
    if not reservation.allowed:
        return _too_many(request, form)
    poll = services.poll_for_code(form.cleaned_data["code"])
    if poll is None:
        return _code_refused(request, form)
    reservation.refund()
    subjects = _subjects(poll)
    return render(
        request,
        "ballots/voter/ballot.html",
        {
            "poll": poll,
            "form": BallotForm(poll=poll, subjects=subjects),
            "channel": "code",
            "code": form.cleaned_data["code"],
        },
    )


@never_cache
@require_POST
def code_ballot(request: HttpRequest) -> HttpResponse:
    """The review and the cast of a code voter's ballot; the code is checked again at every
    step (it is consumed only by the cast) and must belong to the poll on the form."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render(request, "ballots/voter/code.html", {"form": form}, status=400)
    reservation = _reserve_code_try(request)
    if not reservation.allowed:
        return _too_many(request, form)
    code = form.cleaned_data["code"]
    poll = services.poll_for_code(code)
    if poll is None or str(poll.pk) != request.POST.get("poll", ""):
        return _code_refused(request, CodeForm())
    reservation.refund()

    def cast(choices: dict[int, str], names: list[str], subjects: dict[int, str]) -> str:
        return services.cast_with_code(
            poll, code=code, choices=choices, write_ins=names, subjects=subjects
        )

    return _ballot_step(request, poll, cast=cast, context={"channel": "code", "code": code})
