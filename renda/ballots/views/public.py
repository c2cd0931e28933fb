"""Public pages of a poll: the result announcement (公告), generated from the frozen
result once it is published, and the list of receipts of a secret poll (no choices), with
a check of one's own receipt."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renda.ballots import services
from renda.ballots.models import Poll, PollStatus
from renda.ballots.presentation import summarise
from renda.congress import policy
from renda.core import ratelimit
from renda.core.requestcontext import client_ip


def _announced(request: HttpRequest, pk: int) -> Poll:
    """Published polls for everyone; the office previews a counted poll before publishing.
    Anything else is a 404."""
    poll = Poll.objects.filter(pk=pk).select_related("congress", "session__term").first()
    if poll is None:
        raise Http404
    if poll.status == PollStatus.PUBLISHED:
        return poll
    if poll.is_counted and policy.can(request.user, "poll.view", poll):
        return poll
    raise Http404


@require_GET
def announcement(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _announced(request, pk)
    result = services.public_result(poll)
    return render(
        request,
        "ballots/public/announcement.html",
        {
            "poll": poll,
            "summary": summarise(poll, result) if result else None,
            "preview": poll.status != PollStatus.PUBLISHED,
        },
    )


@require_http_methods(["GET", "POST"])
def receipts(request: HttpRequest, pk: int) -> HttpResponse:
    """Receipt hashes of the counted online and code ballots of a secret poll, sorted; a
    voter may check that their receipt is among them (rate-limited like code lookups)."""
    poll = Poll.objects.filter(
        pk=pk, is_secret=True, status__in=[PollStatus.CLOSED, PollStatus.PUBLISHED]
    ).first()
    if poll is None:
        raise Http404
    context: dict = {"poll": poll, "receipts": services.receipts(poll)}
    # Checked by POST: a receipt never lands in a URL, a log line or the browser history.
    code = (request.POST.get("receipt") or "").strip().upper()
    if request.method == "POST":
        ip = client_ip(request) or ""
        if not ratelimit.attempt(
            "ballot-receipt", [ip], settings.RENDA_CODE_LIMIT, settings.RENDA_CODE_WINDOW_SECONDS
        ):
            context["error"] = _("Too many attempts. Try again in a few minutes.")
            return render(request, "ballots/public/receipts.html", context, status=429)
        context["checked"] = code
        context["found"] = services.receipt_listed(poll, code)
        context["found_hash"] = services.receipt_hash(code, poll) if context["found"] else ""
    return render(request, "ballots/public/receipts.html", context)
