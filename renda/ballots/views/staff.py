"""The presidium office's poll pages: the list, a draft's settings, opening (with the key
shares of the ballot box and the voter-code slips, shown once), paper ballots by two
tellers and the reconciliation, closing with the key holders' shares, the result,
publication, the export with its SHA-256, the minutes and the recount. Office staff act
(`poll.manage`); leaders read (`poll.view`). Thin views."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from renda.ballots import documents, services, tables
from renda.ballots.forms import (
    PaperBatchForm,
    PaperCountsForm,
    PollForm,
    ReasonForm,
    SharesForm,
)
from renda.ballots.models import (
    Channel,
    Electorate,
    PaperBatch,
    Participation,
    Poll,
    PollStatus,
)
from renda.ballots.presentation import summarise
from renda.congress import policy
from renda.congress.models import Congress
from renda.core import exports
from renda.core.access import get_visible_or_404
from renda.core.actions import Action, form_of, run_action
from renda.core.errors import DomainError

PAGE_SIZE = 50


def _office_poll(request: HttpRequest, pk: int, *, manage: bool = False) -> Poll:
    """A poll of a congress whose polls the user reads (404 otherwise); 403 when the user
    may read but the page acts."""
    poll: Poll = get_visible_or_404(
        Poll.objects.select_related("congress", "session__term", "agenda_item", "created_by"),
        request.user,
        pk,
        "poll.view",
    )
    if manage and not policy.can(request.user, "poll.manage", poll):
        raise PermissionDenied
    return poll


def _managed_congress(request: HttpRequest, congress_id: int) -> Congress:
    congress: Congress = get_visible_or_404(
        Congress.objects.filter(is_active=True), request.user, congress_id, "poll.view"
    )
    if not policy.can(request.user, "poll.manage", congress):
        raise PermissionDenied
    return congress


def _back(poll: Poll) -> str:
    return reverse("ballots:office_poll", args=[poll.pk])


# --- the list and a poll's page -------------------------------------------------------------


@login_required
def poll_list(request: HttpRequest) -> HttpResponseBase:
    if not policy.can(request.user, "poll.view"):
        raise Http404
    if request.GET.get("format") == "xlsx":
        return exports.respond(request, "ballots.polls")
    status = request.GET.get("status") or ""
    qs = tables.poll_rows(request.user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    if policy.is_superuser(request.user):
        managed = Congress.objects.filter(is_active=True).order_by("name")
    else:
        managed = Congress.objects.filter(
            pk__in=policy.congress_ids(request.user, "poll.manage"), is_active=True
        ).order_by("name")
    return render(
        request,
        "ballots/staff/list.html",
        {
            "page": page,
            "status": status,
            "statuses": PollStatus.choices,
            "managed": managed,
            "params": request.GET,
            "table": tables.POLLS,
            "export_query": exports.export_query(request),
        },
    )


@login_required
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _office_poll(request, pk)
    turnout = dict(
        Participation.objects.filter(poll=poll).values_list("channel").annotate(n=Count("id"))
    )
    electors = poll.electors.aggregate(
        total=Count("id"), present=Count("id", filter=Q(present=True))
    )
    codes = poll.codes.aggregate(
        total=Count("id"),
        used=Count("id", filter=Q(used=True)),
        void=Count("id", filter=Q(void=True)),
    )
    context = {
        "poll": poll,
        "subjects": list(poll.subjects.order_by("order", "id")),
        "turnout": [(Channel(c).label, n) for c, n in sorted(turnout.items())],
        "turnout_total": sum(turnout.values()),
        "electors": electors,
        "codes": codes,
        "summary": summarise(poll) if poll.is_counted else None,
        "can_manage": policy.can(request.user, "poll.manage", poll),
    }
    return render(request, "ballots/staff/detail.html", context)


# --- drafts ------------------------------------------------------------------------------------


@login_required
def poll_new(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _managed_congress(request, congress_id)
    form = PollForm(request.POST or None, congress=congress)
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.create_poll(
                congress=congress, acting_user=request.user, **form.service_arguments()
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The poll is saved as a draft."))
            return HttpResponseRedirect(_back(poll))
    return render(
        request,
        "ballots/staff/form.html",
        {"form": form, "congress": congress, "poll": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def poll_edit(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _office_poll(request, pk, manage=True)
    if poll.status != PollStatus.DRAFT:
        messages.error(request, _("Only a draft poll can be edited."))
        return HttpResponseRedirect(_back(poll))
    form = PollForm(
        request.POST or None, congress=poll.congress, initial=PollForm.initial_for(poll)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_poll(poll, acting_user=request.user, **form.service_arguments())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The draft is saved."))
            return HttpResponseRedirect(_back(poll))
    return render(
        request,
        "ballots/staff/form.html",
        {"form": form, "congress": poll.congress, "poll": poll},
        status=400 if request.method == "POST" else 200,
    )


# --- opening: the electorate and the slips -------------------------------------------------------


@never_cache
@login_required
def poll_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the electorate to fix (deputies, with who is present). POST: open; the response
    *is* the hand-out page: the key shares of the ballot box and the voter-code slips
    exist in clear only in this response."""
    poll = _office_poll(request, pk, manage=True)
    deputies = (
        services.deputies_entitled(poll) if poll.electorate_kind == Electorate.DEPUTIES else []
    )
    context: dict[str, Any] = {"poll": poll, "deputies": deputies}
    if request.method == "POST":
        present = set(request.POST.getlist("present"))
        electorate = [(d.user, d, str(d.pk) in present) for d in deputies]
        try:
            opening = services.open_poll(
                poll,
                electorate=electorate,
                acting_user=request.user,
                codes=poll.codes_planned,
                paper=poll.uses_paper,
            )
        except DomainError as exc:
            context["error"] = str(exc)
            return render(request, "ballots/staff/open.html", context, status=400)
        poll.refresh_from_db()
        return handout_page(request, poll, opening, back=_back(poll))
    return render(request, "ballots/staff/open.html", context)


def _shuffled(codes: list[str]) -> list[str]:
    """Slips are handed out at random: their printed order follows nothing."""
    out = list(codes)
    secrets.SystemRandom().shuffle(out)
    return out


def _entry_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("ballots:code_entry"))


def handout_page(
    request: HttpRequest, poll: Poll, opening: services.Opening, *, back: str
) -> HttpResponse:
    """What opening hands out, on the one page that shows it: the key shares (one slip per
    holder) and the voter-code slips. Every door that opens a poll (the office's page,
    appraisals, livelihood-project votes) answers with this page; nothing on it can be
    shown again."""
    response = render(
        request,
        "ballots/staff/slips.html",
        {
            "poll": poll,
            "codes": _shuffled(opening.codes),
            "shares": list(enumerate(opening.shares, start=1)),
            "threshold": opening.threshold,
            "holders": len(opening.shares),
            "entry_url": _entry_url(request),
            "back": back,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def run_opening_action(
    request: HttpRequest,
    target: Any,
    action: Action,
    *,
    back: str,
    heading: str,
    poll_of: Callable[[Any], Poll | None],
) -> HttpResponse:
    """`run_action` for an action of another app that opens a poll (its run returns the
    engine's `Opening`): the same confirmation and refusals, but success answers with the
    hand-out page of the key shares and voter codes instead of a redirect — the only
    moment they can be shown."""
    handed: list[services.Opening] = []

    def run(subject: Any, user: Any, data: dict[str, Any]) -> Any:
        opening = action.run(subject, user, data)
        handed.append(opening)
        return opening

    response = run_action(
        request, target, dataclasses.replace(action, run=run), back=back, heading=heading
    )
    if not handed:
        return response
    target.refresh_from_db()
    poll = poll_of(target)
    if poll is None:
        raise Http404
    return handout_page(request, poll, handed[0], back=back)


@require_POST
@login_required
def slips_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The same slips as a .docx, from the codes posted back by the slips page; only unused
    codes of this open poll are accepted (nobody can print slips the poll does not know)."""
    poll = _office_poll(request, pk, manage=True)
    codes = [c.strip().upper() for c in request.POST.getlist("code") if c.strip()][:5000]
    if not services.all_codes_unused(poll, codes):
        raise Http404
    body = documents.slips_docx(poll, _shuffled(codes), entry_url=_entry_url(request))
    response = exports.attachment(
        body,
        f"poll-{poll.pk}-slips.docx",
        action="poll.slips_exported",
        obj=poll,
        actor=request.user,
        note=f"{len(codes)} codes",
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def key_slips_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The key-share slips as a .docx, from the shares posted back by the hand-out page;
    only shares of this open poll's own key are accepted."""
    poll = _office_poll(request, pk, manage=True)
    shares = [s for s in request.POST.getlist("share") if s.strip()][: services.MAX_KEY_HOLDERS]
    if not services.all_shares_of(poll, shares):
        raise Http404
    body = documents.key_slips_docx(poll, shares)
    # Audited without the shares themselves: who printed the key slips of which poll.
    response = exports.attachment(
        body,
        f"poll-{poll.pk}-key-shares.docx",
        action="poll.key_slips_exported",
        obj=poll,
        actor=request.user,
        note=f"{len(shares)} shares",
    )
    response["Cache-Control"] = "no-store"
    return response


# --- paper ballots ------------------------------------------------------------------------------


@login_required
def paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Paper ballots: batches entered by two tellers, the issued/returned counts, and the
    reconciliation."""
    poll = _office_poll(request, pk, manage=True)
    subjects = list(poll.subjects.order_by("order", "id"))
    next_number = (
        PaperBatch.objects.filter(poll=poll)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    ) + 1
    batch_form = PaperBatchForm(poll=poll, subjects=subjects, initial={"number": next_number})
    counts_form = PaperCountsForm(
        initial={"issued": poll.paper_issued, "returned": poll.paper_returned}
    )
    status = 200
    if request.method == "POST":
        try:
            if "counts" in request.POST:
                counts_form = PaperCountsForm(request.POST)
                if counts_form.is_valid():
                    services.record_paper_counts(
                        poll, acting_user=request.user, **counts_form.cleaned_data
                    )
                    messages.success(request, _("The counts are recorded."))
                    return HttpResponseRedirect(request.path)
            elif "discard" in request.POST:
                reason = ReasonForm(request.POST)
                number = request.POST.get("number", "")
                if reason.is_valid() and number.isdigit():
                    services.discard_paper_entry(
                        poll,
                        number=int(number),
                        acting_user=request.user,
                        reason=reason.cleaned_data["reason"],
                    )
                    messages.success(request, _("The first entry is discarded."))
                    return HttpResponseRedirect(request.path)
                messages.error(request, _("Give a reason."))
            else:
                batch_form = PaperBatchForm(request.POST, poll=poll, subjects=subjects)
                if batch_form.is_valid():
                    batch = services.enter_paper_batch(
                        poll,
                        number=batch_form.cleaned_data["number"],
                        ballots=batch_form.cleaned_data["lines"],
                        teller=request.user,
                    )
                    messages.success(
                        request,
                        _("Batch %(n)s is counted: both tellers agree.") % {"n": batch.number}
                        if batch.agreed
                        else _("Batch %(n)s is entered; the other teller now enters it again.")
                        % {"n": batch.number},
                    )
                    return HttpResponseRedirect(request.path)
        except DomainError as exc:
            messages.error(request, str(exc))
        status = 400
    poll.refresh_from_db()
    batches = list(
        PaperBatch.objects.filter(poll=poll)
        .select_related("first_teller", "second_teller")
        .order_by("number")
    )
    entered = sum(b.size for b in batches if b.agreed)
    return render(
        request,
        "ballots/staff/paper.html",
        {
            "poll": poll,
            "batch_form": batch_form,
            "counts_form": counts_form,
            "batches": batches,
            "entered": entered,
            "next_number": next_number,
            "reconciled": poll.paper_issued >= poll.paper_returned == entered,
        },
        status=status,
    )


# --- closing, publishing, voiding, recount -----------------------------------------------------------


def _close(poll: Poll, user: Any, data: dict[str, Any]) -> Poll:
    return services.close_poll(poll, acting_user=user, shares=data["shares"])


def _closed(poll: Poll) -> tuple[int, str]:
    if poll.status == PollStatus.VOID:
        return messages.ERROR, _("The poll is void: %(r)s") % {"r": poll.void_reason}
    return messages.SUCCESS, _("The poll is closed and its result frozen.")


def _recount(poll: Poll, user: Any, _data: dict[str, Any]) -> bool:
    return services.run_recount(poll, acting_user=user)


def _recounted(same: bool) -> tuple[int, str]:
    if same:
        return messages.SUCCESS, _("The recount matches the frozen result.")
    return messages.ERROR, _("MISMATCH: the recount differs from the frozen result.")


ACTIONS: dict[str, Action] = {
    "close": Action(
        gettext_lazy("Close and count"),
        # The key holders type their shares; the service says what is missing or wrong.
        lambda data, files, poll: SharesForm(data, poll=poll),
        _close,
        perm="poll.manage",
        outcome=_closed,
    ),
    "publish": Action(
        gettext_lazy("Publish the result"),
        None,
        lambda poll, user, _d: services.publish_poll(poll, acting_user=user),
        perm="poll.manage",
        success=gettext_lazy("The result is published; the announcement is public."),
    ),
    "void": Action(
        gettext_lazy("Declare the poll void"),
        form_of(ReasonForm),
        lambda poll, user, d: services.void_poll(poll, acting_user=user, reason=d["reason"]),
        perm="poll.manage",
        success=gettext_lazy("The poll is void."),
    ),
    "recount": Action(
        gettext_lazy("Recount from the stored ballots"),
        None,
        _recount,
        perm="poll.manage",
        outcome=_recounted,
    ),
}


def _act(request: HttpRequest, pk: int, name: str, **page: Any) -> HttpResponse:
    poll = _office_poll(request, pk, manage=True)
    return run_action(request, poll, ACTIONS[name], back=_back(poll), heading=poll.title, **page)


@never_cache
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close and count: the key holders type their shares (the box opens only with enough
    of them). What can be checked before the box is opened is shown first."""
    poll = _office_poll(request, pk, manage=True)
    problems = services.pending_problems(poll) if poll.status == PollStatus.OPEN else []
    return run_action(
        request,
        poll,
        ACTIONS["close"],
        back=_back(poll),
        heading=poll.title,
        template="ballots/staff/close.html",
        context={"poll": poll, "problems": problems},
    )


@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "publish")


@login_required
def void(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "void")


@login_required
def recount(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "recount")


# --- export and minutes ---------------------------------------------------------------------------


def _counted(request: HttpRequest, pk: int) -> Poll:
    poll = _office_poll(request, pk)
    if not poll.is_counted:
        raise Http404
    return poll


@require_GET
@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The canonical ballot export (sorted lines, no order of casting): its SHA-256 is the
    one on the minutes."""
    poll = _counted(request, pk)
    return exports.attachment(
        services.canonical_export(poll),
        f"poll-{poll.pk}-ballots.txt",
        action="poll.ballots_exported",
        obj=poll,
        actor=request.user,
    )


@require_GET
@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _counted(request, pk)
    tellers = sorted(
        {
            str(user)
            for batch in PaperBatch.objects.filter(poll=poll, agreed=True).select_related(
                "first_teller", "second_teller"
            )
            for user in (batch.first_teller, batch.second_teller)
            if user is not None
        }
    )
    return exports.attachment(
        documents.minutes_docx(poll, tellers=tellers),
        f"poll-{poll.pk}-minutes.docx",
        action="poll.minutes_exported",
        obj=poll,
        actor=request.user,
    )
