"""The voter's pages (mobile first): my open polls, one screen per ballot, a confirmation
step, the receipt. Logged-in electors vote online; invited citizens enter a one-time voter
code. The receipt is shown once and never stored with the voter (not even in the session):
only its keyed hash sits on the anonymous ballot."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from renda.ballots import services
from renda.ballots.forms import BallotForm, CodeForm
from renda.ballots.models import Elector, Participation, Poll, PollStatus
from renda.core import ratelimit
from renda.core.errors import DomainError
from renda.core.requestcontext import client_ip

_CODE_SCOPE = "ballot-code"


def _subjects(poll: Poll) -> list[Any]:
    return list(poll.subjects.order_by("order", "id"))


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


@never_cache
@login_required
def ballot(request: HttpRequest, pk: int) -> HttpResponse:
    elector = (
        Elector.objects.filter(poll_id=pk, user_id=request.user.pk or 0)
        .select_related("poll__congress", "poll__session__term")
        .annotate(voted=Exists(Participation.objects.filter(elector=OuterRef("pk"))))
        .first()
    )
    if elector is None:
        raise Http404
    poll = elector.poll
    voted = bool(elector.voted)  # type: ignore[attr-defined]
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
