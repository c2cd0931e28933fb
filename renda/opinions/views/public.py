"""The public front door: submit an opinion, get a ticket, track it, rate the reply."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from renda.cases import services as cases
from renda.cases.models import CaseStatus
from renda.cases.queries import digits, effective_case, public_similar, public_timeline
from renda.congress.models import Congress, CongressLevel
from renda.core import aftercommit, ratelimit, rawjoin
from renda.core.errors import DomainError
from renda.core.models import Region
from renda.core.requestcontext import client_ip
from renda.opinions import services
from renda.opinions.forms import CaptchaForm, OpinionForm, RateForm, TrackForm
from renda.stations import services as stations

_RECEIPTS = "opinion_receipts"


_CONGRESS_PARTS = (rawjoin.Part(Congress, "c"), rawjoin.Part(Region, "r"))


@cache
def _congress_sql() -> str:
    c, r = Congress._meta.db_table, Region._meta.db_table
    return (
        f"SELECT {rawjoin.select(_CONGRESS_PARTS)} "  # noqa: S608 - the models' tables
        f"FROM {c} c LEFT JOIN {r} r ON r.id = c.region_id "
        "WHERE c.id = %s AND c.is_active = %s AND c.level IN (%s, %s)"
    )


def _congress(pk: int) -> Congress:
    """An active town or district congress that takes opinions, with its region (the form
    offers the region's villages): `Congress.objects.filter(...).select_related("region")`
    as a statement written once per process (renda.core.rawjoin; every resident's form
    and submission reads it). `tests/opinions/test_submit_queries.py` holds it to the
    ORM's read."""
    params = [pk, True, CongressLevel.TOWN, CongressLevel.COUNTY]
    found = rawjoin.fetch(_congress_sql(), params, _CONGRESS_PARTS)
    if not found:
        raise Http404
    (congress, region), _rest = found[0]
    if congress is None:
        raise Http404
    rawjoin.relate(congress, "region", region)
    return congress  # type: ignore[return-value]


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    congresses = (
        Congress.objects.filter(
            is_active=True,
            level__in=[CongressLevel.TOWN, CongressLevel.COUNTY],
            case_categories__is_active=True,
        )
        .distinct()
        .order_by("level", "name")
    )
    return render(request, "opinions/public/index.html", {"congresses": congresses})


def remember_receipt(request: HttpRequest, token: str, serial: str, code: str) -> None:
    """The receipt page shows the ticket and check code to this browser only (last ten)."""
    receipts = request.session.get(_RECEIPTS, {})
    receipts[token] = {"serial": serial, "code": code}
    request.session[_RECEIPTS] = dict(list(receipts.items())[-10:])


def show_receipt(request: HttpRequest, case: Any, code: str) -> str:
    """A case registered for a visitor elsewhere (a station's desk): keep its receipt for
    this browser and return the receipt page (the engine's door registry calls this)."""
    token = f"desk-{case.pk}"
    remember_receipt(request, token, case.serial, code)
    return reverse("opinions:receipt", args=[token])


@never_cache
def submit(request: HttpRequest, congress_id: int) -> HttpResponse:
    congress = _congress(congress_id)
    ip = client_ip(request) or ""
    # A station's or a deputy's QR code (站点码, 代表码) opens the form with `?via=<signed
    # token>`; the token travels with the POST and is checked again there.
    via = (request.POST.get("via") or request.GET.get("via") or "")[:500]
    via_station, via_deputy = stations.resolve_qr_token(via, congress.pk)
    initial = {}
    if via_station is not None and via_station.villages.count() == 1:
        initial["village"] = via_station.villages.first()
    form = OpinionForm(
        request.POST or None, request.FILES or None, congress=congress, initial=initial
    )
    phone = (request.POST.get("phone") or "").strip()
    identities = [ip, phone]
    needs_captcha = ratelimit.exceeded("opinion-submit", identities, settings.RENDA_SUBMIT_LIMIT)
    captcha = CaptchaForm(request.POST or None) if needs_captcha else None
    if request.method == "POST" and form.is_valid() and (captcha is None or captcha.is_valid()):
        # The submission counts before it is made, so that simultaneous submissions from
        # one address or phone pass without a captcha exactly up to the limit; past it the
        # form comes back with the captcha. A submission that fails gives its count back.
        reservation = ratelimit.reserve(
            "opinion-submit",
            identities,
            settings.RENDA_SUBMIT_LIMIT,
            settings.RENDA_SUBMIT_WINDOW_SECONDS,
        )
        if captcha is None and not reservation.allowed:
            captcha = CaptchaForm()
            form.add_error(None, _("Please also answer the check below."))
        else:
            response = _submit(request, congress, form, reservation, via_station, via_deputy)
            if response is not None:
                return response
    return render(
        request,
        "opinions/public/submit.html",
        {
            "form": form,
            "captcha": captcha,
            "congress": congress,
            "via": via if (via_station or via_deputy) else "",
            "via_station": via_station,
            "via_deputy": via_deputy,
        },
        status=400 if request.method == "POST" else 200,
    )


def _submit(
    request: HttpRequest,
    congress: Congress,
    form: OpinionForm,
    reservation: ratelimit.Reservation,
    via_station: Any,
    via_deputy: Any,
) -> HttpResponse | None:
    """Submit the valid form; the receipt, or None with the refusal on the form."""
    data = form.cleaned_data
    token = data["token"]
    try:
        # One transaction for the case and the receipt the session carries to the receipt
        # page (renda.core.aftercommit.keep): a session that cannot be saved is left out.
        with transaction.atomic():
            case, code = services.submit_opinion(
                congress=congress,
                category=data["category"],
                title=data["title"],
                content=data["content"],
                village=data["village"],
                address=data["address"],
                submitter_name=data["name"],
                submitter_phone=data["phone"],
                submitter_user=request.user if request.user.is_authenticated else None,
                files=data["photos"],
                submission_token=data["token"],
                via_station=via_station,
                via_deputy=via_deputy,
            )
            kept = aftercommit.keep(
                request, lambda: remember_receipt(request, token, case.serial, code)
            )
    except cases.DuplicateSubmission as dup:
        reservation.refund()
        # A double click or a retried POST: show the receipt of the first submission.
        if dup.case.submission_token in request.session.get(_RECEIPTS, {}):
            return redirect("opinions:receipt", token=dup.case.submission_token)
        messages.info(request, _("This opinion has already been received."))
        return redirect("opinions:track")
    except DomainError as exc:
        reservation.refund()
        form.add_error(None, str(exc))
        return None
    else:
        # The case is committed (with its QR code link): from here on the resident gets
        # the receipt whatever fails (renda.core.aftercommit); a failure is logged.
        receipt = {"serial": case.serial, "code": code}
        return aftercommit.respond(
            request,
            redirect("opinions:receipt", token=token),
            kept=kept,
            # No session (database gone): the receipt is shown in this very answer.
            fallback=lambda: aftercommit.render_safely(
                request, "opinions/public/receipt.html", receipt
            ),
        )


@never_cache
@require_GET
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    data = request.session.get(_RECEIPTS, {}).get(token)
    if data is None:
        raise Http404
    return render(request, "opinions/public/receipt.html", data)


@require_GET
def similar(request: HttpRequest, congress_id: int) -> HttpResponse:
    """htmx hint under the public form: matters already reported nearby, as the public may
    see them (masked public titles only), rate-limited per address like the other public
    forms."""
    congress = _congress(congress_id)
    ip = client_ip(request) or ""
    if not ratelimit.attempt(
        "opinion-similar", [ip], settings.RENDA_SIMILAR_LIMIT, settings.RENDA_SIMILAR_WINDOW_SECONDS
    ):
        return HttpResponse(status=429)
    text = (request.GET.get("content") or "")[:2000]
    matches: list[tuple[str, str]] = []
    if len(text.strip()) >= 10:
        matches = public_similar(
            congress,
            text,
            village_id=digits(request.GET.get("village")),
            category_id=digits(request.GET.get("category")),
        )
    return render(request, "opinions/public/_similar.html", {"matches": matches})


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    ip = client_ip(request) or ""
    is_rating = request.method == "POST" and "result" in request.POST
    form = (RateForm if is_rating else TrackForm)(request.POST or None)
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        # Every lookup counts first (exact under simultaneous requests); one that finds its
        # case gives its count back, so the limit counts wrong codes and unknown tickets,
        # which answer alike.
        reservation = ratelimit.reserve(
            "opinion-track", [ip], settings.RENDA_TRACK_LIMIT, settings.RENDA_TRACK_WINDOW_SECONDS
        )
        if not reservation.allowed:
            context["error"] = _("Too many lookups. Try again in a few minutes.")
            return render(request, "opinions/public/track.html", context, status=429)
        case = cases.case_by_ticket(form.cleaned_data["ticket"], code)
        if case is None:
            context["error"] = _("No case matches this ticket number and check code.")
            return render(request, "opinions/public/track.html", context, status=404)
        reservation.refund()
        if is_rating:
            try:
                cases.rate_by_check_code(
                    case,
                    code=code,
                    result=form.cleaned_data["result"],
                    comment=form.cleaned_data["comment"],
                    acting_user=request.user,
                )
            except DomainError as exc:
                context["error"] = str(exc)
            else:
                context["thanks"] = True
        target = effective_case(case)
        if is_rating:
            target.refresh_from_db()
        context.update(
            case=case,
            target=target,
            timeline=public_timeline(target),
            replies=target.replies.filter(round=target.round).select_related(
                "assignment__department"
            ),
            can_rate=target.status == CaseStatus.REPLIED and case.status != CaseStatus.MERGED,
            rate_form=RateForm(initial={"ticket": case.serial, "code": code}),
        )
    return render(request, "opinions/public/track.html", context)
